//! Asset registers (`sroi assets …`) against hand-worked figures.
//!
//! `tests/assets/small` is a purpose-built register of 8 assets (one closed, one
//! without location) with a survey, a rules script and a 2008 baseline wave. Its rules
//! (scripts/assets/town.rhai) give, worked by hand from the CSV:
//!
//! | id      | activities / category                       | themes            | score = 2·themes + responses |
//! |---------|---------------------------------------------|-------------------|------------------------------|
//! | lib     | reading groups; IT classes / library        | skills            | 2·1 + 0 = 2                  |
//! | park    | walking; volunteering / park                | social, wellbeing | 2·2 + 1 = 5                  |
//! | choir   | singing / music group                       | social, wellbeing | 2·2 + 2 = 6                  |
//! | gallery | art classes / gallery (closed)              | skills            | 2                            |
//! | dance   | dance; social / dance group                 | social, wellbeing | 4                            |
//! | men     | woodwork; volunteering / community group    | social, skills    | 2·2 + 1 = 5                  |
//! | cafe    | (blank) / community group                   | social            | 2                            |
//! | garden  | gardening; volunteering / community group   | social, wellbeing | 4                            |
//!
//! Conformance: every `tests/assets/invalid/registers/*.yaml` must fail `assets check`
//! with exit 1 and show each `# expect:` text (`# args:` adds command-line arguments).
#![allow(clippy::unwrap_used, clippy::panic)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::sroi;
use serde_json::{Value, json};

const TOWN: &str = "tests/assets/small/registers/town.yaml";
const OLD: &str = "tests/assets/small/registers/town-2008.yaml";

fn json_of(args: &[&str]) -> Value {
    let out = sroi(args);
    assert_eq!(out.code, 0, "sroi {args:?}: {}", out.stderr);
    serde_json::from_str(&out.stdout).unwrap()
}

#[test]
fn themes_scores_and_reasons_follow_the_rules() {
    let list = json_of(&["assets", "list", TOWN, "--format", "json"]);
    let got: Vec<(String, Vec<String>, String)> = list["assets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["id"].as_str().unwrap().to_owned(),
                a["themes"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|t| t.as_str().unwrap().to_owned())
                    .collect(),
                a["score"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let expected = [
        ("lib", vec!["skills"], "2"),
        ("park", vec!["social", "wellbeing"], "5"),
        ("choir", vec!["social", "wellbeing"], "6"),
        ("gallery", vec!["skills"], "2"),
        ("dance", vec!["social", "wellbeing"], "4"),
        ("men", vec!["social", "skills"], "5"),
        ("cafe", vec!["social"], "2"),
        ("garden", vec!["social", "wellbeing"], "4"),
    ];
    let expected: Vec<(String, Vec<String>, String)> = expected
        .iter()
        .map(|(id, t, s)| {
            (
                (*id).to_owned(),
                t.iter().map(|x| (*x).to_owned()).collect(),
                (*s).to_owned(),
            )
        })
        .collect();
    assert_eq!(got, expected);
    // Cells stay as written: `0123` and `007` are not numbers, blanks are null.
    let lib = &list["assets"][0];
    assert_eq!(lib["code"], "0123");
    assert_eq!(lib["latitude"], "53.80");
    assert_eq!(lib["model"], Value::Null);
    assert_eq!(list["assets"][1]["code"], "007");
    assert_eq!(list["assets"][2]["reason"], "2 themes; 2 survey responses");
}

#[test]
fn list_filters_by_theme_ward_and_category() {
    let ids = |args: &[&str]| -> Vec<String> {
        let mut all = vec!["assets", "list", TOWN, "--format", "json"];
        all.extend_from_slice(args);
        json_of(&all)["assets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["id"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(ids(&["--theme", "skills"]), ["lib", "gallery", "men"]);
    assert_eq!(ids(&["--ward", "Central"]), ["lib", "choir", "gallery"]);
    assert_eq!(
        ids(&["--category", "community group", "--theme", "wellbeing"]),
        ["garden"]
    );
    let bad = sroi(&["assets", "list", TOWN, "--theme", "skill"]);
    assert_eq!(bad.code, 1);
    assert!(
        bad.stderr.contains("did you mean `skills`"),
        "{}",
        bad.stderr
    );
}

#[test]
fn summary_counts_active_assets_as_worked_by_hand() {
    let summary = json_of(&["assets", "summary", TOWN, "--format", "json"]);
    let expected = json!({
        "register": "town",
        "assets": 8, "active": 7, "closed": 1,
        "by_theme_category": [
            {"theme": "social", "category": "community group", "assets": 3},
            {"theme": "social", "category": "dance group", "assets": 1},
            {"theme": "social", "category": "music group", "assets": 1},
            {"theme": "social", "category": "park", "assets": 1},
            {"theme": "skills", "category": "community group", "assets": 1},
            {"theme": "skills", "category": "library", "assets": 1},
            {"theme": "wellbeing", "category": "community group", "assets": 1},
            {"theme": "wellbeing", "category": "dance group", "assets": 1},
            {"theme": "wellbeing", "category": "music group", "assets": 1},
            {"theme": "wellbeing", "category": "park", "assets": 1}
        ],
        "by_ward": [
            {"ward": "Central", "assets": 2},
            {"ward": "Layton", "assets": 2},
            {"ward": "Park", "assets": 2},
            {"ward": null, "assets": 1}
        ],
        "themes_together": [
            {"themes": ["social", "skills"], "assets": 1},
            {"themes": ["social", "wellbeing"], "assets": 4}
        ],
        "without_location": {"count": 1, "ids": ["choir"]}
    });
    assert_eq!(summary, expected);
}

#[test]
fn select_ranks_by_score_then_row_order_and_never_a_closed_asset() {
    let all = json_of(&["assets", "select", TOWN, "--format", "json"]);
    let order: Vec<&str> = all["selected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    // park and men tie on 5 (park first in the table); dance and garden on 4; lib and cafe
    // on 2; gallery (2, closed) is never selected.
    assert_eq!(
        order,
        ["choir", "park", "men", "dance", "garden", "lib", "cafe"]
    );
    let first = &all["selected"][0];
    assert_eq!(first["rank"], 1);
    assert_eq!(first["score"], "6");
    assert_eq!(first["themes"], json!(["social", "wellbeing"]));
    assert_eq!(first["reason"], "2 themes; 2 survey responses");
    // mini.yaml: 10 × £300 in one year at 0% discount over £1,000 invested = 3.
    assert_eq!(
        first["model"],
        json!({"path": "../models/mini.yaml", "ratio": "3.0000"})
    );
    assert_eq!(all["selected"][1]["model"], Value::Null);

    let top = json_of(&["assets", "select", TOWN, "--top", "3", "--format", "json"]);
    assert_eq!(top["selected"].as_array().unwrap().len(), 3);
    assert_eq!(top["selected"][2]["id"], "men");
}

#[test]
fn set_overrides_a_register_param() {
    // weight 3: choir 3·2 + 2 = 8, park and men 3·2 + 1 = 7.
    let s = json_of(&[
        "assets", "select", TOWN, "--set", "weight=3", "--top", "3", "--format", "json",
    ]);
    let got: Vec<(&str, &str)> = s["selected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| (x["id"].as_str().unwrap(), x["score"].as_str().unwrap()))
        .collect();
    assert_eq!(got, [("choir", "8"), ("park", "7"), ("men", "7")]);
}

#[test]
fn diff_lists_added_closed_and_changed_fields() {
    let expected = json!({
        "added": [
            {"id": "dance", "name": "Dance Club"},
            {"id": "men", "name": "Men's Shed"},
            {"id": "cafe", "name": "Cafe Social"},
            {"id": "garden", "name": "Community Garden"}
        ],
        "closed": [
            {"id": "gallery", "name": "Grundy Art Gallery", "how": "closed"},
            {"id": "theatre", "name": "Old Theatre", "how": "absent"}
        ],
        "changed": [
            {"id": "lib", "name": "Central Library", "changes": [
                {"field": "postcode", "old": "FY1 1AB", "new": "FY1 1AA"},
                {"field": "organisation", "old": null, "new": "Council"}
            ]},
            {"id": "choir", "name": "Community Choir", "changes": [
                {"field": "ward", "old": null, "new": "Central"}
            ]}
        ]
    });
    // Against the register's baseline, and with both waves named: the same answer.
    assert_eq!(
        json_of(&["assets", "diff", TOWN, "--format", "json"]),
        expected
    );
    assert_eq!(
        json_of(&["assets", "diff", OLD, TOWN, "--format", "json"]),
        expected
    );
    // oldclub was already closed in 2008 and is gone now: in no list.
    let csv = sroi(&["assets", "diff", TOWN, "--format", "csv"]).stdout;
    assert!(!csv.contains("oldclub"), "{csv}");
    assert!(
        csv.contains("changed,lib,Central Library,postcode,FY1 1AB,FY1 1AA"),
        "{csv}"
    );
    let none = sroi(&["assets", "diff", OLD]);
    assert_eq!(none.code, 1);
    assert!(
        none.stderr.contains("has no `baseline:`"),
        "{}",
        none.stderr
    );
}

fn temp_dir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

fn export(format: &str, out: &Path) {
    let out_text = out.to_str().unwrap();
    let r = sroi(&[
        "assets", "export", TOWN, "--format", format, "--out", out_text,
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
}

#[test]
fn geojson_is_rfc_7946_with_every_column_and_null_geometry_without_location() {
    let dir = temp_dir();
    let path = dir.path().join("town.geojson");
    export("geojson", &path);
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(doc["type"], "FeatureCollection");
    let features = doc["features"].as_array().unwrap();
    assert_eq!(features.len(), 8);
    let lib = &features[0];
    assert_eq!(
        lib["geometry"],
        json!({"type": "Point", "coordinates": [-3.05, 53.8]})
    );
    assert_eq!(lib["properties"]["code"], "0123");
    assert_eq!(lib["properties"]["themes"], json!(["skills"]));
    assert_eq!(lib["properties"]["score"], 2);
    let choir = features.iter().find(|f| f["id"] == "choir").unwrap();
    assert_eq!(choir["geometry"], Value::Null);
    let gallery = features.iter().find(|f| f["id"] == "gallery").unwrap();
    assert_eq!(gallery["properties"]["status"], "closed");
}

/// `ogrinfo`, installed by .ci/run; a test never passes silently without it.
fn ogrinfo(path: &Path) -> Option<String> {
    if std::env::var_os("SROI_SKIP_GDAL").is_some() {
        eprintln!("SROI_SKIP_GDAL is set: not running ogrinfo");
        return None;
    }
    let out = Command::new("ogrinfo")
        .args(["-ro", "-al", "-so"])
        .arg(path)
        .output()
        .expect("ogrinfo (from gdal-bin) must be installed: .ci/run installs it; set SROI_SKIP_GDAL=1 to skip");
    assert!(
        out.status.success(),
        "ogrinfo failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains("Warning") && !stderr.contains("ERROR"),
        "ogrinfo complained: {stderr}"
    );
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn town_columns() -> Vec<&'static str> {
    vec![
        "id",
        "name",
        "category",
        "type",
        "latitude",
        "longitude",
        "postcode",
        "ward",
        "status",
        "activities",
        "model",
        "organisation",
        "code",
    ]
}

#[test]
fn gdal_opens_the_geopackage_and_geojson_with_every_feature_and_field() {
    let dir = temp_dir();
    let gpkg = dir.path().join("town.gpkg");
    let geojson = dir.path().join("town.geojson");
    export("gpkg", &gpkg);
    export("geojson", &geojson);
    let Some(info) = ogrinfo(&gpkg) else { return };
    assert!(info.contains("using driver `GPKG' successful"), "{info}");
    assert!(info.contains("Layer name: assets"), "{info}");
    assert!(info.contains("Geometry: Point"), "{info}");
    assert!(info.contains("Feature Count: 8"), "{info}");
    assert!(
        info.contains("Extent: (-3.060000, 53.790000) - (-3.020000, 53.820000)"),
        "{info}"
    );
    assert!(info.contains("ID[\"EPSG\",4326]"), "{info}");
    for column in town_columns() {
        assert!(
            info.contains(&format!("\n{column}: String")),
            "{column} missing: {info}"
        );
    }
    assert!(info.contains("sroi_score: Real"), "{info}");
    let info = ogrinfo(&geojson).unwrap();
    assert!(info.contains("using driver `GeoJSON' successful"), "{info}");
    assert!(info.contains("Feature Count: 8"), "{info}");
    for column in town_columns() {
        assert!(
            info.contains(&format!("\n{column}: String")),
            "{column} missing: {info}"
        );
    }
    assert!(info.contains("themes: StringList"), "{info}");
}

/// A copy of the small project in a temporary folder, its register reading `assets`.
fn project_copy(assets: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = temp_dir();
    let root = Path::new("tests/assets/small");
    for sub in ["registers/data", "scripts/assets", "scripts/lib", "models"] {
        std::fs::create_dir_all(dir.path().join(sub)).unwrap();
        for entry in std::fs::read_dir(root.join(sub)).unwrap() {
            let entry = entry.unwrap();
            if entry.path().is_file() {
                std::fs::copy(entry.path(), dir.path().join(sub).join(entry.file_name())).unwrap();
            }
        }
    }
    for file in ["town.yaml", "town-2008.yaml"] {
        std::fs::copy(
            root.join("registers").join(file),
            dir.path().join("registers").join(file),
        )
        .unwrap();
    }
    let text = std::fs::read_to_string(root.join("registers/town.yaml")).unwrap();
    let register = dir.path().join("registers/roundtrip.yaml");
    std::fs::write(
        &register,
        text.replace("assets: data/town.csv", &format!("assets: {assets}")),
    )
    .unwrap();
    (dir, register)
}

#[test]
fn a_geopackage_read_back_keeps_every_asset_column_and_location() {
    let (dir, register) = project_copy("data/town.gpkg#assets");
    let gpkg = dir.path().join("registers/data/town.gpkg");
    export("gpkg", &gpkg);
    let from_csv = json_of(&["assets", "list", TOWN, "--format", "json"]);
    let from_gpkg = json_of(&[
        "assets",
        "list",
        register.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(from_csv, from_gpkg);

    // Move the park in "QGIS" (a new point geometry) and rename it: both are read back.
    let db = rusqlite::Connection::open(&gpkg).unwrap();
    let blob = sroi::assets::gpkg::point_blob(-3.0311, 53.8123);
    db.execute(
        "UPDATE assets SET geom = ?1, name = 'Stanley Park (edited)' WHERE id = 'park'",
        rusqlite::params![blob],
    )
    .unwrap();
    drop(db);
    let edited = json_of(&[
        "assets",
        "list",
        register.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let park = &edited["assets"][1];
    assert_eq!(park["name"], "Stanley Park (edited)");
    assert_eq!(park["latitude"], "53.8123");
    assert_eq!(park["longitude"], "-3.0311");
    assert_eq!(edited["assets"][0], from_csv["assets"][0]);

    // A bad cell edited in QGIS is located by layer and feature id.
    let db = rusqlite::Connection::open(&gpkg).unwrap();
    db.execute("UPDATE assets SET status = 'gone' WHERE id = 'park'", [])
        .unwrap();
    drop(db);
    let bad = sroi(&["assets", "check", register.to_str().unwrap()]);
    assert_eq!(bad.code, 1);
    assert!(
        bad.stderr
            .contains("town.gpkg#assets fid 2: asset `park`: unknown status `gone`"),
        "{}",
        bad.stderr
    );
    let wrong_layer = register.with_file_name("wrong-layer.yaml");
    let text = std::fs::read_to_string(&register).unwrap();
    std::fs::write(&wrong_layer, text.replace("#assets", "#nope")).unwrap();
    let no_layer = sroi(&["assets", "check", wrong_layer.to_str().unwrap()]);
    assert_eq!(no_layer.code, 1);
    assert!(
        no_layer
            .stderr
            .contains("it has no feature layer `nope`; its layers: assets"),
        "{}",
        no_layer.stderr
    );
}

#[test]
fn an_xlsx_asset_table_reads_like_the_csv() {
    let (dir, register) = project_copy("data/town.xlsx");
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    let csv = std::fs::read_to_string("tests/assets/small/registers/data/town.csv").unwrap();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(csv.as_bytes());
    for (r, record) in reader.records().enumerate() {
        for (c, cell) in record.unwrap().iter().enumerate() {
            if !cell.is_empty() {
                sheet
                    .write_string(u32::try_from(r).unwrap(), u16::try_from(c).unwrap(), cell)
                    .unwrap();
            }
        }
    }
    book.save(dir.path().join("registers/data/town.xlsx"))
        .unwrap();
    assert_eq!(
        json_of(&[
            "assets",
            "list",
            register.to_str().unwrap(),
            "--format",
            "json"
        ]),
        json_of(&["assets", "list", TOWN, "--format", "json"])
    );
}

#[test]
fn oruk_json_has_the_hsds_structure_and_only_active_assets() {
    let doc: Value =
        serde_json::from_str(&sroi(&["assets", "export", TOWN, "--format", "oruk"]).stdout)
            .unwrap();
    let uuid = json!({"type": "string", "pattern": "^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"});
    let text = json!({"type": "string"});
    let optional_text = json!({"type": ["string", "null"]});
    let table = |required: &[&str], properties: Value| json!({"type": "array", "items": {"type": "object", "required": required, "properties": properties}});
    // The HSDS 3.0 fields sroi fills, with the types the standard gives them.
    let schema = json!({
        "type": "object",
        "required": ["organizations", "services", "locations", "service_at_locations", "taxonomies", "taxonomy_terms", "attributes"],
        "properties": {
            "organizations": table(&["id", "name", "description"], json!({"id": uuid, "name": text, "description": text, "website": optional_text})),
            "services": table(&["id", "organization_id", "name", "status"], json!({"id": uuid, "organization_id": uuid, "name": text, "status": {"enum": ["active", "inactive", "defunct", "temporarily closed"]}, "url": optional_text})),
            "locations": table(&["id", "location_type", "latitude", "longitude", "addresses"], json!({"id": uuid, "location_type": {"enum": ["physical", "postal", "virtual"]}, "latitude": {"type": ["number", "null"], "minimum": -90, "maximum": 90}, "longitude": {"type": ["number", "null"]}, "addresses": table(&["id", "location_id", "address_1", "city", "state_province", "postal_code", "country", "address_type"], json!({"country": {"type": "string", "pattern": "^[A-Z]{2}$"}}))})),
            "service_at_locations": table(&["id", "service_id", "location_id"], json!({"id": uuid, "service_id": uuid, "location_id": uuid})),
            "taxonomies": table(&["id", "name", "description"], json!({"id": uuid})),
            "taxonomy_terms": table(&["id", "name", "description", "taxonomy_id"], json!({"id": uuid, "taxonomy_id": uuid, "code": text})),
            "attributes": table(&["id", "link_id", "link_type", "taxonomy_term_id"], json!({"id": uuid, "link_id": uuid, "taxonomy_term_id": uuid})),
        }
    });
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator.iter_errors(&doc).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:#?}");

    let ids = |key: &str, field: &str| -> Vec<String> {
        doc[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x[field].as_str().unwrap().to_owned())
            .collect()
    };
    // 7 active assets; gallery (closed) left out; lib and gallery share "Council", so 7
    // organisations: Council plus one per other active asset.
    let services: Vec<String> = ids("services", "name");
    assert_eq!(services.len(), 7);
    assert!(!services.contains(&"Grundy Art Gallery".to_owned()));
    assert_eq!(ids("organizations", "name").len(), 7);
    // Every reference resolves.
    let orgs = ids("organizations", "id");
    for s in doc["services"].as_array().unwrap() {
        assert!(orgs.contains(&s["organization_id"].as_str().unwrap().to_owned()));
    }
    let (services, locations, terms) = (
        ids("services", "id"),
        ids("locations", "id"),
        ids("taxonomy_terms", "id"),
    );
    for sal in doc["service_at_locations"].as_array().unwrap() {
        assert!(services.contains(&sal["service_id"].as_str().unwrap().to_owned()));
        assert!(locations.contains(&sal["location_id"].as_str().unwrap().to_owned()));
    }
    for a in doc["attributes"].as_array().unwrap() {
        assert!(services.contains(&a["link_id"].as_str().unwrap().to_owned()));
        assert!(terms.contains(&a["taxonomy_term_id"].as_str().unwrap().to_owned()));
    }
    // Themes as taxonomy terms; one attribute per (active asset, theme): 1+2+2+2+2+1+2 = 12.
    assert_eq!(
        ids("taxonomy_terms", "code"),
        ["social", "skills", "wellbeing"]
    );
    assert_eq!(doc["attributes"].as_array().unwrap().len(), 12);
    // Locations: the 6 active assets with coordinates (choir has none and no postcode).
    assert_eq!(locations.len(), 6);
}

#[test]
fn html_is_self_contained_with_one_titled_mark_per_located_asset() {
    for command in ["list", "summary", "select"] {
        let out = sroi(&["assets", command, TOWN, "--format", "html"]);
        assert_eq!(out.code, 0, "{}", out.stderr);
        let html = out.stdout;
        assert!(html.contains("@page { size: A4"), "{command}");
        for banned in [
            "src=\"http",
            "href=\"http",
            "src='http",
            "url(http",
            "<script",
            "<link",
            "@import",
        ] {
            assert!(!html.contains(banned), "{command}: {banned}");
        }
        let marks = html.matches("<circle class=\"mark ").count();
        // list and summary map all 7 located assets (gallery closed, shown as closed);
        // select maps the 7 selected minus choir (no location) = 6.
        let expected = if command == "select" { 6 } else { 7 };
        assert_eq!(marks, expected, "{command}");
        assert!(
            html.contains("<title>Central Library (lib)</title>"),
            "{command}"
        );
        assert!(
            !html.contains("Community Choir (choir)</title>"),
            "{command}"
        );
        if command != "select" {
            assert_eq!(
                html.matches("<circle class=\"mark closed\"").count(),
                1,
                "{command}"
            );
            assert!(html.contains("<title>Grundy Art Gallery (gallery), closed</title>"));
        }
        for ward in ["Central", "Layton", "Park"] {
            assert!(
                html.contains("class=\"ward\"") && html.contains(&format!(">{ward}</text>")),
                "{command}: {ward}"
            );
        }
    }
}

#[test]
fn every_format_of_every_command_runs_and_is_deterministic() {
    for command in ["check", "list", "summary", "select", "diff"] {
        for format in ["table", "json", "csv", "markdown", "html"] {
            let a = sroi(&["assets", command, TOWN, "--format", format]);
            assert_eq!(a.code, 0, "{command} {format}: {}", a.stderr);
            assert!(!a.stdout.is_empty());
            assert_eq!(
                a.stdout,
                sroi(&["assets", command, TOWN, "--format", format]).stdout
            );
        }
    }
    // geojson only where there are locations; elsewhere a bad command line.
    assert_eq!(
        sroi(&["assets", "select", TOWN, "--format", "geojson"]).code,
        0
    );
    assert_eq!(
        sroi(&["assets", "summary", TOWN, "--format", "geojson"]).code,
        2
    );
    assert_eq!(
        sroi(&["assets", "export", TOWN, "--format", "gpkg"]).code,
        2
    );
    // The same GeoPackage twice: byte for byte.
    let dir = temp_dir();
    let (a, b) = (dir.path().join("a.gpkg"), dir.path().join("b.gpkg"));
    export("gpkg", &a);
    export("gpkg", &b);
    assert_eq!(std::fs::read(a).unwrap(), std::fs::read(b).unwrap());
}

#[test]
fn csv_output_guards_against_formulas_but_not_numbers() {
    assert_eq!(sroi::assets::grid::csv_safe("=SUM(A1)"), "'=SUM(A1)");
    assert_eq!(sroi::assets::grid::csv_safe("-3.05"), "-3.05");
    assert_eq!(sroi::assets::grid::csv_safe("+44 151"), "'+44 151");
}

#[test]
fn invalid_registers_fail_with_located_helpful_messages() {
    let dir = Path::new("tests/assets/invalid/registers");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    cases.sort();
    assert!(cases.len() >= 20, "{cases:?}");
    let mut failures = Vec::new();
    for case in &cases {
        let text = std::fs::read_to_string(case).unwrap();
        let path = case.to_str().unwrap();
        let mut args = vec!["assets", "check", path];
        let extra: Vec<&str> = text
            .lines()
            .filter_map(|l| l.strip_prefix("# args: "))
            .flat_map(str::split_whitespace)
            .collect();
        args.extend(extra);
        let out = sroi(&args);
        if out.code != 1 {
            failures.push(format!(
                "{path}: exit {} (expected 1)\n{}",
                out.code, out.stderr
            ));
            continue;
        }
        if !out.stderr.contains("help:") {
            failures.push(format!("{path}: no help\n{}", out.stderr));
        }
        // Expectations name files from the case folder's project (`registers/…`, `scripts/…`).
        // Words only, so a message miette wrapped over two lines still matches.
        let words = |t: &str| {
            t.split_whitespace()
                .filter(|w| *w != "│")
                .collect::<Vec<_>>()
                .join(" ")
        };
        let stderr = words(&out.stderr.replace("tests/assets/invalid/", ""));
        for expect in text.lines().filter_map(|l| l.strip_prefix("# expect: ")) {
            if !stderr.contains(&words(expect)) {
                failures.push(format!("{path}: missing `{expect}` in\n{}", out.stderr));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn the_shipped_registers_check_select_and_diff() {
    for register in [
        "registers/blackpool.yaml",
        "registers/liverpool-2008.yaml",
        "registers/liverpool.yaml",
    ] {
        let out = sroi(&["assets", "check", register]);
        assert_eq!(out.code, 0, "{register}: {}", out.stderr);
        assert!(out.stderr.is_empty(), "{register}: {}", out.stderr);
    }
    // Every Liverpool programme model linked from the update wave evaluates.
    let s = json_of(&[
        "assets",
        "select",
        "registers/liverpool.yaml",
        "--top",
        "100",
        "--format",
        "json",
    ]);
    let mut models: Vec<&str> = s["selected"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|x| x["model"]["path"].as_str())
        .collect();
    models.sort_unstable();
    models.dedup();
    assert_eq!(
        models,
        [
            "../models/imagine-your-goals.yaml",
            "../models/movema-dance.yaml",
            "../models/musician-in-residence.yaml",
            "../models/shared-reading.yaml",
            "../models/tate-wellbeing.yaml",
        ]
    );
    let d = json_of(&[
        "assets",
        "diff",
        "registers/liverpool.yaml",
        "--format",
        "json",
    ]);
    assert_eq!(d["added"].as_array().unwrap().len(), 6);
    assert_eq!(d["closed"].as_array().unwrap().len(), 4);
    let b = json_of(&[
        "assets",
        "select",
        "registers/blackpool.yaml",
        "--format",
        "json",
    ]);
    assert!(
        b["selected"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["model"]["path"] == "../models/arts-for-health.yaml")
    );
}

mod robustness {
    use super::*;
    use proptest::prelude::*;
    use std::panic::{AssertUnwindSafe, catch_unwind};

    /// Run `sroi` in-process; a panic fails the property.
    fn no_panic(args: &[&str]) -> i32 {
        catch_unwind(AssertUnwindSafe(|| sroi(args).code)).unwrap_or(-1)
    }

    fn cell() -> impl Strategy<Value = String> {
        prop_oneof![
            Just(String::new()),
            Just("closed".to_owned()),
            Just("53.8".to_owned()),
            Just("-200".to_owned()),
            Just("\"a, b\"".to_owned()),
            Just("\"".to_owned()),
            "[a-z0-9 .,;:'-]{0,12}",
            any::<String>().prop_map(|s| s.chars().take(8).collect()),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 48, .. ProptestConfig::default() })]

        /// Any asset table, however damaged, gives a report or diagnostics (exit 0 or 1).
        #[test]
        fn a_damaged_asset_table_never_panics(
            header in prop::collection::vec(prop_oneof![
                Just("id"), Just("name"), Just("category"), Just("status"),
                Just("latitude"), Just("longitude"), Just("type"), Just("ward"), Just("x")
            ], 0..8),
            rows in prop::collection::vec(prop::collection::vec(cell(), 0..9), 0..6),
        ) {
            let (_dir, register) = project_copy("data/fuzz.csv");
            let mut text = header.join(",");
            text.push('\n');
            for row in &rows {
                text.push_str(&row.join(","));
                text.push('\n');
            }
            std::fs::write(register.with_file_name("data").join("fuzz.csv"), text).unwrap();
            let path = register.to_str().unwrap();
            for command in ["list", "summary", "select"] {
                let code = no_panic(&["assets", command, path, "--format", "json"]);
                prop_assert!(code == 0 || code == 1, "{command}: exit {code}");
            }
        }

        /// Any register text gives a report or diagnostics.
        #[test]
        fn any_register_text_never_panics(text in any::<String>(), keep in 0usize..12) {
            let (_dir, register) = project_copy("data/town.csv");
            let original = std::fs::read_to_string(&register).unwrap();
            let lines: Vec<&str> = original.lines().collect();
            let mut damaged = lines.iter().take(keep).copied().collect::<Vec<_>>().join("\n");
            damaged.push('\n');
            damaged.push_str(&text);
            std::fs::write(&register, damaged).unwrap();
            let code = no_panic(&["assets", "check", register.to_str().unwrap()]);
            prop_assert!(code == 0 || code == 1, "exit {code}");
        }
    }
}

#[test]
fn run_report_reads_every_file_through_files_for_watch_mode() {
    let mut files = sroi::source::DiskFiles::default();
    let options = sroi::assets::Options {
        set: Vec::new(),
        format: sroi::assets::Format::Json,
        ..Default::default()
    };
    let command = sroi::assets::Command::Select { top: 10 };
    let text = sroi::assets::run_report(&mut files, Path::new(TOWN), &command, &options).unwrap();
    assert!(text.contains("\"selected\""));
    let used: Vec<String> = files
        .used()
        .iter()
        .map(|p| sroi::diagnostic::display_path(p))
        .collect();
    for expected in [
        "tests/assets/small/registers/town.yaml",
        "tests/assets/small/registers/data/town.csv",
        "tests/assets/small/registers/data/town-survey.csv",
        "tests/assets/small/scripts/assets/town.rhai",
        "tests/assets/small/scripts/lib/words.rhai",
        "tests/assets/small/models/mini.yaml",
    ] {
        assert!(
            used.iter().any(|u| u == expected),
            "{expected} not in {used:?}"
        );
    }
    // A broken register gives diagnostics, not text.
    let broken = sroi::assets::run_report(
        &mut files,
        Path::new("tests/assets/invalid/registers/bad-status.yaml"),
        &command,
        &options,
    );
    assert!(broken.unwrap_err().has_errors());
}

#[test]
fn half_a_location_is_no_location_with_a_warning() {
    let (_dir, register) = project_copy("data/half.csv");
    std::fs::write(
        register.with_file_name("data").join("half.csv"),
        "id,name,category,activities,latitude,longitude\na,A,x,,53.8,\nb,B,y,,53.8,-3\n",
    )
    .unwrap();
    let out = sroi(&[
        "assets",
        "summary",
        register.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("asset `a` has only one of latitude and longitude"),
        "{}",
        out.stderr
    );
    let summary: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(
        summary["without_location"],
        json!({"count": 1, "ids": ["a"]})
    );
}

#[test]
fn a_register_held_in_memory_runs_through_the_loader() {
    // Every text file (register, table, survey, script, module) comes through the loader;
    // nothing here exists on disk.
    let loader = sroi::source::MemoryLoader::default()
        .with("mem/registers/r.yaml", "sroi: 1\nkind: asset-register\nid: mem\nname: In memory\nassets: data/a.csv\nsurvey: data/s.csv\nscript: ../scripts/assets/r.rhai\n")
        .with("mem/registers/data/a.csv", "id,name,category\nx,X,choir\ny,Y,park\n")
        .with("mem/registers/data/s.csv", "asset,said\nx,good\nx,great\n")
        .with("mem/scripts/assets/r.rhai", "import \"lib/m\" as m;\nfn themes(asset) { m::of(asset) }\nfn score(asset) { responses(asset).len() }\n")
        .with("mem/scripts/lib/m.rhai", "fn of(asset) { if asset.category == \"choir\" { [\"social\"] } else { [] } }\n");
    let mut files = sroi::source::DiskFiles::new(std::sync::Arc::new(loader));
    let options = sroi::assets::Options {
        set: Vec::new(),
        format: sroi::assets::Format::Json,
        ..Default::default()
    };
    let text = sroi::assets::run_report(
        &mut files,
        Path::new("mem/registers/r.yaml"),
        &sroi::assets::Command::Select { top: 5 },
        &options,
    )
    .unwrap_or_else(|d| {
        panic!(
            "{}",
            sroi::diagnostic::render(&d, sroi::diagnostic::Style::Plain)
        )
    });
    let v: Value = serde_json::from_str(&text).unwrap();
    let got: Vec<(&str, &str)> = v["selected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["id"].as_str().unwrap(), s["score"].as_str().unwrap()))
        .collect();
    assert_eq!(got, [("x", "2"), ("y", "0")]);
    assert_eq!(v["selected"][0]["themes"], json!(["social"]));
}

#[test]
fn sroi_check_recognises_registers_beside_models() {
    let out = common::sroi(&[
        "check",
        "registers/blackpool.yaml",
        "models/arts-for-health.yaml",
        "tests/assets/small/registers/town.yaml",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout
            .contains("ok      registers/blackpool.yaml  asset register"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("ok      models/arts-for-health.yaml  model"),
        "{}",
        out.stdout
    );
}

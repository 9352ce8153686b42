//! `--format html` in a real browser: headless Chromium renders each shipped model's
//! report, and the tests read back the DOM, the network log, a screenshot and a PDF.
//!
//! `.ci/run` installs Chromium when it is missing. Set SROI_CHROMIUM to use another
//! binary.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::{Path, PathBuf};

use common::browser::{browse, colours};
use common::{relative, sroi};
use sroi::evaluate::Evaluation;
use sroi::report::{fixed, grouped};

fn shipped_models() -> Vec<PathBuf> {
    let mut models: Vec<PathBuf> =
        std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("models"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
            .collect();
    models.sort();
    assert!(models.len() >= 5, "shipped models: {models:?}");
    models
}

fn evaluation(model: &Path) -> Evaluation {
    let mut files = sroi::source::DiskFiles::default();
    let (project, _) =
        sroi::project::load(&mut files, model, &sroi::project::LoadOptions::default()).unwrap();
    sroi::evaluate::evaluate(&project).unwrap()
}

/// The report of `model` written to a temporary folder.
fn report(model: &Path, dir: &Path) -> PathBuf {
    let out = sroi(&["run", &relative(model), "--format", "html"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let path = dir.join("report.html");
    std::fs::write(&path, &out.stdout).unwrap();
    path
}

/// The figures a reader must find, as the report's own formatting shows them.
fn figures(e: &Evaluation) -> Vec<String> {
    let mut out = vec![
        format!("{} : 1", fixed(e.ratio.unwrap(), 2)),
        grouped(e.total_present_value),
        grouped(e.investment),
    ];
    out.extend(e.outcomes.iter().map(|o| grouped(o.present_value)));
    out
}

fn assert_shows(dom: &str, e: &Evaluation, what: &str) {
    for figure in figures(e) {
        assert!(
            dom.contains(&figure),
            "{what}: the DOM of {} lacks {figure}",
            e.model.id
        );
    }
}

/// Every URL the page asked for, from Chromium's net log. Chromium's own background
/// traffic (time, update and account checks) starts with initiator "not an origin"; a
/// request made on behalf of a page carries the page's origin ("null" for a file).
fn page_requests(net_log: &Path) -> Vec<String> {
    let log: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(net_log).unwrap()).unwrap();
    let start_job = &log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"];
    assert!(start_job.is_number(), "an unexpected net log format");
    let events = log["events"].as_array().expect("net log events");
    assert!(!events.is_empty(), "an empty net log");
    events
        .iter()
        .filter(|e| &e["type"] == start_job)
        .filter(|e| e["params"]["initiator"] != "not an origin")
        .filter_map(|e| e["params"]["url"].as_str().map(str::to_owned))
        .collect()
}

fn foreign(urls: &[String]) -> Vec<&String> {
    urls.iter()
        .filter(|u| {
            !["file:", "data:", "about:"]
                .iter()
                .any(|s| u.starts_with(s))
        })
        .collect()
}

#[test]
fn every_shipped_report_shows_its_figures_and_requests_nothing() {
    for model in shipped_models() {
        let e = evaluation(&model);
        let dir = tempfile::tempdir().unwrap();
        let page = report(&model, dir.path());
        let html = std::fs::read_to_string(&page).unwrap();
        assert!(
            !html.contains("http:") && !html.contains("https:"),
            "a URL in {}",
            e.model.id
        );
        assert!(!html.contains("<script"), "a script in {}", e.model.id);

        let net_log = dir.path().join("net.json");
        let dom = browse(
            &page,
            &[
                "--dump-dom".to_owned(),
                format!("--log-net-log={}", net_log.display()),
            ],
        );
        assert_shows(&dom, &e, "rendered");
        // Sources and assumptions: every proxy's source, the rate and the convention.
        for o in &e.outcomes {
            let source = o.proxy.source.replace('&', "&amp;").replace('<', "&lt;");
            assert!(
                dom.contains(&source),
                "{}: the source of {}",
                e.model.id,
                o.id
            );
        }
        assert!(dom.contains(&format!(
            "Discount rate {}",
            sroi::report::percent(e.discount_rate)
        )));
        assert!(dom.contains(e.discounting.as_str()));
        assert_eq!(
            dom.matches("<svg").count(),
            3,
            "three charts for {}",
            e.model.id
        );
        let urls = page_requests(&net_log);
        assert!(
            foreign(&urls).is_empty(),
            "{}: requests {:?}",
            e.model.id,
            foreign(&urls)
        );

        let pdf = dir.path().join("report.pdf");
        browse(&page, &[format!("--print-to-pdf={}", pdf.display())]);
        let pages = pdf_pages(&pdf);
        assert!((1..=6).contains(&pages), "{}: {pages} A4 pages", e.model.id);
    }
}

fn pdf_pages(pdf: &Path) -> usize {
    let bytes = std::fs::read(pdf).unwrap();
    let text = String::from_utf8_lossy(&bytes);
    text.matches("/Type /Page").count() - text.matches("/Type /Pages").count()
}

#[test]
fn the_comparison_page_shows_its_figures_and_requests_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = sroi(&[
        "compare",
        "tests/fixtures/compare-forecast.yaml",
        "tests/fixtures/compare-evaluation.yaml",
        "--format",
        "html",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let page = dir.path().join("compare.html");
    std::fs::write(&page, &out.stdout).unwrap();
    let net_log = dir.path().join("net.json");
    let dom = browse(
        &page,
        &[
            "--dump-dom".to_owned(),
            format!("--log-net-log={}", net_log.display()),
        ],
    );
    // Worked by hand in the fixtures' comments.
    for figure in [
        "1.65 : 1",
        "£16,500.00",
        "£14,850.00",
        "-£3,000.00",
        "+30.00%",
        "-10.00%",
    ] {
        assert!(dom.contains(figure), "the comparison lacks {figure}");
    }
    assert!(foreign(&page_requests(&net_log)).is_empty());
}

#[test]
fn the_network_check_does_catch_a_request() {
    // The oracle for the test above: a page that does load a remote image is caught.
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("remote.html");
    std::fs::write(
        &page,
        "<!DOCTYPE html><p>x</p><img src=\"http://127.0.0.1:9/x.png\">",
    )
    .unwrap();
    let net_log = dir.path().join("net.json");
    browse(
        &page,
        &[
            "--dump-dom".to_owned(),
            format!("--log-net-log={}", net_log.display()),
        ],
    );
    let urls = page_requests(&net_log);
    assert!(
        foreign(&urls)
            .iter()
            .any(|u| u.starts_with("http://127.0.0.1:9/")),
        "{urls:?}"
    );
}

#[test]
fn the_figures_show_with_scripts_off() {
    let model = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/arts-for-health.yaml");
    let e = evaluation(&model);
    let dir = tempfile::tempdir().unwrap();
    let page = report(&model, dir.path());
    // Chromium's scriptEnabled=false switch blanks headless output; a Content Security
    // Policy that forbids every script is the same for the page.
    let html = std::fs::read_to_string(&page).unwrap().replacen(
        "<head>",
        "<head><meta http-equiv=\"Content-Security-Policy\" content=\"script-src 'none'\">",
        1,
    );
    std::fs::write(&page, html).unwrap();
    let dom = browse(&page, &["--dump-dom".to_owned()]);
    assert!(dom.contains("script-src 'none'"));
    assert_shows(&dom, &e, "scripts off");
}

#[test]
fn a_screenshot_is_not_blank_and_the_report_prints_on_few_a4_pages() {
    let model = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/arts-for-health.yaml");
    assert_eq!(evaluation(&model).outcomes.len(), 5, "a five-outcome model");
    let dir = tempfile::tempdir().unwrap();
    let page = report(&model, dir.path());

    let shot = dir.path().join("shot.png");
    browse(
        &page,
        &[
            format!("--screenshot={}", shot.display()),
            "--window-size=1280,2000".to_owned(),
        ],
    );
    // Text, rules and three charts in the palette: many colours, not one.
    assert!(colours(&shot, 50) >= 50, "the screenshot looks blank");

    let pdf = dir.path().join("report.pdf");
    browse(&page, &[format!("--print-to-pdf={}", pdf.display())]);
    let pages = pdf_pages(&pdf);
    assert!((1..=6).contains(&pages), "{pages} pages");
    let bytes = std::fs::read(&pdf).unwrap();
    let text = String::from_utf8_lossy(&bytes);
    // A4 is 210 × 297 mm: 595.28 × 841.89 points (Chromium writes 594.96 × 841.92).
    let media = text.split("/MediaBox [0 0 ").nth(1).expect("a MediaBox");
    let size: Vec<f64> = media
        .split(']')
        .next()
        .unwrap()
        .split_whitespace()
        .map(|n| n.parse().unwrap())
        .collect();
    assert!(
        (size[0] - 595.28).abs() < 1.0 && (size[1] - 841.89).abs() < 1.0,
        "not A4: {size:?}"
    );
}

#[test]
fn a_blank_page_has_one_colour() {
    // The oracle for the screenshot check above.
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("blank.html");
    std::fs::write(&page, "<!DOCTYPE html><title>blank</title>").unwrap();
    let shot = dir.path().join("blank.png");
    browse(
        &page,
        &[
            format!("--screenshot={}", shot.display()),
            "--window-size=400,300".to_owned(),
        ],
    );
    assert_eq!(colours(&shot, 50), 1);
}

const HOSTILE: &str = r#"sroi: 1
id: hostile
name: "Arts & <script>alert(1)</script>"
currency: GBP
stakeholders:
  - id: people
    name: "<img src=x onerror=alert(1)>"
inputs:
  - stakeholder: people
    description: "grant \"quoted\" & <b>bold</b>"
    value: 5000
outcomes:
  - id: o
    stakeholder: people
    description: "<iframe>"
    quantity: 10
    proxy: { value: 1000, source: "https://example.org/<x>" }
    duration: 3
    deadweight: 20%
    attribution: 25%
    drop_off: 10%
"#;

#[test]
fn model_text_is_escaped_and_output_is_deterministic() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("hostile.yaml");
    std::fs::write(&model, HOSTILE).unwrap();
    let path = model.to_str().unwrap();
    let first = sroi(&["run", path, "--format", "html"]);
    assert_eq!(first.code, 0, "{}", first.stderr);
    let html = first.stdout;
    assert!(!html.contains("<script"), "{html}");
    assert!(!html.contains("<img") && !html.contains("<iframe") && !html.contains("<b>"));
    assert!(html.contains("Arts &amp; &lt;script&gt;alert(1)&lt;&#x2f;script&gt;"));
    assert!(html.contains("&lt;iframe&gt;"));
    // The format's worked check: PV 15,221.50, ratio 3.0443; gross 10,000, after DW 8,000, impact 6,000.
    for figure in [
        "£15,221.50",
        "3.04 : 1",
        "£10,000.00",
        "£8,000.00",
        "£6,000.00",
        "£5,400.00",
        "£4,860.00",
    ] {
        assert!(html.contains(figure), "{figure}");
    }
    assert_eq!(
        sroi(&["run", path, "--format", "html"]).stdout,
        html,
        "deterministic"
    );

    let mut files = sroi::source::DiskFiles::default();
    let (project, _) =
        sroi::project::load(&mut files, &model, &sroi::project::LoadOptions::default()).unwrap();
    let e = sroi::evaluate::evaluate(&project).unwrap();
    assert_eq!(sroi::report::html::render(&e), html);
    let banner = sroi::report::html::render_with_error(&e, "model.yaml:3:7: <bad> & worse");
    assert!(banner.contains("role=\"alert\""));
    assert!(banner.contains("model.yaml:3:7: &lt;bad&gt; &amp; worse"));
    assert!(
        banner.contains("£15,221.50"),
        "the last good figures stay below the banner"
    );
}

//! Example command lines shown under each command's `--help`: help that teaches by example.
//! Every full `sroi …` line here runs as written from the repository's root (tests/help.rs
//! runs them), so an example cannot drift from what the tool does.

/// The forms `--set` takes, shown by every command that accepts it.
macro_rules! set_forms {
    () => {
        "
--set changes one figure for one run, without editing a file (repeat it for more):
  --set referrals=150                               a params entry, by name
  --set outcomes.improved-wellbeing.deadweight=30%  an outcome's quantity, proxy, deadweight,
                                                    displacement, attribution, drop_off,
                                                    duration or start
  --set proxies.gp_consultation=40                  a proxy's value in the active set (scripts'
                                                    proxy(\"gp_consultation\") sees it too)
  --set inputs.1.value=50000                        the value of the 1st input
  --set discount_rate=3%                            the discount rate
Values are written as in a model: 150, 0.3, 30%."
    };
}

pub const SET: &str = "Change one figure for this run: NAME (a param), outcomes.ID.FIELD, \
proxies.ID, inputs.N.value or discount_rate, e.g. --set outcomes.improved-wellbeing.deadweight=30%";

pub const SROI: &str = concat!(
    "Examples:
  sroi init my-project                                   write a starter project to try
  sroi run models/arts-for-health.yaml                   the report, as tables
  sroi run models/arts-for-health.yaml --format json     the report as JSON
  sroi run models/arts-for-health.yaml --proxies london  under another proxy set
  sroi run models/arts-for-health.yaml --set discount_rate=3%
  sroi check models/arts-for-health.yaml models/shared-reading.yaml
  sroi explain models/arts-for-health.yaml improved-wellbeing
  sroi watch models/arts-for-health.yaml                 re-run on every save
",
    set_forms!(),
    "

`sroi help COMMAND` or `sroi COMMAND --help` shows each command's own examples."
);

pub const RUN: &str = concat!(
    "Examples:
  sroi run models/arts-for-health.yaml
  sroi run models/arts-for-health.yaml --format markdown
  sroi run models/arts-for-health.yaml --proxies london
  sroi run models/arts-for-health.yaml --proxies models/proxies/north-west.yaml
  sroi run models/arts-for-health.yaml --set wemwbs_threshold=4
  sroi run models/arts-for-health.yaml --set outcomes.improved-wellbeing.deadweight=30%
  sroi run models/arts-for-health.yaml --set proxies.gp_consultation=40 --set inputs.1.value=50000
",
    set_forms!()
);

pub const CHECK: &str = concat!(
    "Examples:
  sroi check models/arts-for-health.yaml
  sroi check models/arts-for-health.yaml models/shared-reading.yaml models/proxies/london.yaml
  sroi check models/arts-for-health.yaml --set outcomes.improved-wellbeing.duration=3
",
    set_forms!()
);

pub const WATCH: &str = concat!(
    "Examples:
  sroi watch models/arts-for-health.yaml
  sroi watch models/arts-for-health.yaml --format json --out report.json
  sroi watch models/arts-for-health.yaml --proxies london --set discount_rate=3%
  sroi watch models/arts-for-health.yaml --poll          on a network drive, WSL or a container
  sroi watch models/arts-for-health.yaml --serve         a live web page on 127.0.0.1 (address printed)
  sroi watch models/arts-for-health.yaml --serve 8080    on 127.0.0.1:8080

On a terminal the screen is redrawn after each save; an error is shown at the top with
the last good report below it, marked stale. Piped, each evaluation follows the last
after a `==>` line.
",
    set_forms!()
);

pub const EXPLAIN: &str = concat!(
    "Examples:
  sroi explain models/arts-for-health.yaml
  sroi explain models/arts-for-health.yaml improved-wellbeing
  sroi explain models/arts-for-health.yaml improved-wellbeing --format json
  sroi explain models/arts-for-health.yaml improved-wellbeing --set proxies.wellbeing_gain_meaningful=3000
",
    set_forms!()
);

pub const FUNCTIONS: &str = "Examples:
  sroi functions
  sroi functions models/arts-for-health.yaml           also the functions its script defines";

pub const INIT: &str = "Examples:
  sroi init my-project                   then: cd my-project && sroi run models/my-project.yaml
  sroi init . --id arts-on-prescription  into the current folder, files named by the id";

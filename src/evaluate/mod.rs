//! Evaluation: a compiled model (`project::Project`) under a `Scenario` gives an
//! `Evaluation`. The steps, one file each: `scenario` (what changes), `resolve` (rules and
//! literals to exact figures, with a rule cache), `calc` (the SROI arithmetic, pure),
//! `assemble` (the result a report shows), `trace` (where each figure came from).
//!
//! Nothing here reads a file or compiles a script: a model is loaded and compiled once,
//! then evaluated as often as wanted, on any number of threads (one `Evaluator` each).

mod assemble;
pub mod resolve;
mod result;
pub mod scenario;
pub mod trace;

pub use crate::project::Overrides;
pub use resolve::Figures;
pub use result::{
    Evaluation, InputRow, ModelInfo, Origins, OutcomeRow, OutputRow, ProxyInfo, SetInfo,
    StakeholderRow, Warning,
};
pub use scenario::{OutcomeField, Scenario, Target};
pub use trace::Origin;

use crate::calc::{self, Results};
use crate::diagnostic::Diagnostics;
use crate::project::Project;

/// Evaluates one compiled model under any number of scenarios. Rules re-run only when a
/// param or proxy value they read has changed since the last evaluation.
pub struct Evaluator<'p> {
    resolver: resolve::Resolver<'p>,
}

impl<'p> Evaluator<'p> {
    pub fn new(project: &'p Project) -> Self {
        Evaluator {
            resolver: resolve::Resolver::new(project),
        }
    }

    /// The figures and the arithmetic's results only: what sensitivity analysis and
    /// simulation need, without building a report.
    pub fn results(&mut self, scenario: &Scenario) -> Result<(Figures, Results), Diagnostics> {
        let figures = self.resolver.figures(scenario)?;
        let stakeholders = self.resolver.project.model.stakeholders.len();
        let results = calc::evaluate(
            figures.settings,
            &figures.outcomes,
            &figures.inputs,
            stakeholders,
        )
        .map_err(|e| assemble::overflow(&self.resolver.project.model, &e))?;
        Ok((figures, results))
    }

    /// The whole evaluation under `scenario`.
    pub fn evaluate(&mut self, scenario: &Scenario) -> Result<Evaluation, Diagnostics> {
        let (figures, results) = self.results(scenario)?;
        Ok(assemble::evaluation(
            self.resolver.project,
            scenario,
            figures,
            results,
        ))
    }

    /// How many rules have run (rather than come from the cache) so far.
    pub fn rules_run(&self) -> usize {
        self.resolver.rules_run
    }
}

/// An evaluation's warnings as located diagnostics: its figures' own (in the model), then
/// what table operations noticed while rules ran (in the scripts).
pub fn warnings(project: &Project, evaluation: &Evaluation) -> Diagnostics {
    let mut out: Vec<crate::diagnostic::Diagnostic> = evaluation
        .warnings
        .iter()
        .map(|w| w.diagnostic(&project.model.file))
        .collect();
    out.extend(project.host.table_warnings());
    Diagnostics(out)
}

/// Evaluate a loaded project under the `--set` overrides it was loaded with.
pub fn evaluate(project: &Project) -> Result<Evaluation, Diagnostics> {
    let scenario = Scenario::from_overrides(project, &project.overrides)?;
    Evaluator::new(project).evaluate(&scenario)
}

//! Exact what-ifs on a compiled model: the ratio and present values with one or two of
//! an outcome's figures changed from a base scenario. Sensitivity analysis and tipping
//! points are built from these.

use rust_decimal::Decimal;

use crate::calc::Results;
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::evaluate::{Evaluator, Figures, OutcomeField, Scenario, Target};
use crate::model::sensitivity::Variable;
use crate::project::Project;

/// The scenario field a variable changes.
pub fn field(variable: Variable) -> OutcomeField {
    match variable {
        Variable::Quantity => OutcomeField::Quantity,
        Variable::Proxy => OutcomeField::Proxy,
        Variable::Deadweight => OutcomeField::Deadweight,
        Variable::Displacement => OutcomeField::Displacement,
        Variable::Attribution => OutcomeField::Attribution,
        Variable::DropOff => OutcomeField::DropOff,
        Variable::Duration => OutcomeField::Duration,
    }
}

/// One outcome's value of a variable in resolved figures.
pub fn value_of(figures: &Figures, outcome: usize, variable: Variable) -> Option<Decimal> {
    let o = figures.outcomes.get(outcome)?;
    Some(match variable {
        Variable::Quantity => o.quantity,
        Variable::Proxy => o.proxy_value,
        Variable::Deadweight => o.deadweight,
        Variable::Displacement => o.displacement,
        Variable::Attribution => o.attribution,
        Variable::DropOff => o.drop_off,
        Variable::Duration => Decimal::from(o.duration),
    })
}

/// A model under a base scenario, evaluated exactly with figures changed.
pub struct Probe<'p> {
    pub project: &'p Project,
    evaluator: Evaluator<'p>,
    pub base: Scenario,
    pub figures: Figures,
    pub results: Results,
}

impl<'p> Probe<'p> {
    pub fn new(project: &'p Project, base: Scenario) -> Result<Self, Diagnostics> {
        let mut evaluator = Evaluator::new(project);
        let (figures, results) = evaluator.results(&base)?;
        if results.ratio.is_none() {
            return Err(no_investment(project));
        }
        Ok(Probe {
            project,
            evaluator,
            base,
            figures,
            results,
        })
    }

    pub fn base_value(&self, outcome: usize, variable: Variable) -> Decimal {
        value_of(&self.figures, outcome, variable).unwrap_or_default()
    }

    /// Results with the given figures changed from base.
    pub fn results(
        &mut self,
        changes: &[(usize, Variable, Decimal)],
    ) -> Result<Results, Diagnostics> {
        let mut scenario = self.base.clone();
        for (outcome, variable, value) in changes {
            scenario.set(Target::Outcome(*outcome, field(*variable)), *value);
        }
        self.evaluator.results(&scenario).map(|(_, r)| r)
    }

    /// The SROI ratio with one figure changed.
    pub fn ratio(
        &mut self,
        outcome: usize,
        variable: Variable,
        value: Decimal,
    ) -> Result<Decimal, Diagnostics> {
        let results = self.results(&[(outcome, variable, value)])?;
        results.ratio.ok_or_else(|| no_investment(self.project))
    }

    /// One outcome's present value with one of its figures changed.
    pub fn outcome_pv(
        &mut self,
        outcome: usize,
        variable: Variable,
        value: Decimal,
    ) -> Result<Decimal, Diagnostics> {
        let results = self.results(&[(outcome, variable, value)])?;
        Ok(results
            .outcomes
            .get(outcome)
            .map_or(Decimal::ZERO, |o| o.present_value))
    }
}

pub fn no_investment(project: &Project) -> Diagnostics {
    let model = &project.model;
    Diagnostics::from(
        Diagnostic::error("the model's investment is 0, so it has no SROI ratio to analyse")
            .code("sroi::analysis")
            .at(&model.file, model.id.span)
            .help("add the inputs (what each stakeholder invests), or set one with `--set inputs.1.value=…`"),
    )
}

//! Resolving a model's figures under a scenario: literals, defaults, overrides and rules
//! (expressions) become exact decimals ready for `calc`.
//!
//! A rule's value is cached on the params and proxy values it read (tables are fixed for
//! a compiled model), so a scenario that changes a fraction, a quantity or a proxy that
//! no rule reads never runs a rule again.

use std::collections::HashMap;

use rust_decimal::Decimal;

use super::scenario::{OutcomeField, Scenario};
use crate::calc::{Convention, InputFigures, OutcomeFigures, Settings};
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::model::number::{self, NumberField, NumberSource};
use crate::model::{Discounting, ProxyRef};
use crate::project::Project;
use crate::script::bindings::{Bindings, Read};
use crate::script::budget;

/// Every figure of a model under one scenario, unrounded.
#[derive(Debug, Clone, PartialEq)]
pub struct Figures {
    pub settings: Settings,
    /// Params in model order.
    pub params: Vec<Decimal>,
    /// Inputs with their programme year (docs/years-and-prices.md).
    pub inputs: Vec<InputFigures>,
    pub outputs: Vec<Decimal>,
    /// Outcomes in model order, as `calc` takes them.
    pub outcomes: Vec<OutcomeFigures>,
    /// For each outcome, how its proxy value was rebased to the model's price year
    /// (`None` when the model does not rebase or the scenario set the value).
    pub rebased: Vec<Option<crate::proxy::deflator::Rebased>>,
}

/// A rule's last value and what it read to get it.
struct Cached {
    reads: Vec<(Read, Option<Decimal>)>,
    value: Decimal,
}

/// Evaluates one compiled model under many scenarios, caching rule results.
/// Not shared between threads: give each thread its own (they are cheap).
pub struct Resolver<'p> {
    pub project: &'p Project,
    bindings: Bindings,
    /// By the byte offset of the expression in the model file.
    cache: HashMap<usize, Cached>,
    /// How many rules ran (not served from the cache), for tests and benches.
    pub rules_run: usize,
}

impl<'p> Resolver<'p> {
    pub fn new(project: &'p Project) -> Self {
        Resolver {
            project,
            bindings: Bindings {
                proxy_set: project.proxies.id.clone(),
                ..Bindings::default()
            },
            cache: HashMap::new(),
            rules_run: 0,
        }
    }

    /// The params and proxy values rules saw in the last resolution.
    pub fn bindings(&self) -> &Bindings {
        &self.bindings
    }

    /// All figures under `scenario`, or every problem found. The rules of one scenario
    /// share one deadline and one memory budget (`--timeout`, `--script-memory`).
    pub fn figures(&mut self, scenario: &Scenario) -> Result<Figures, Diagnostics> {
        let limits = self.project.host.runtime().limits();
        budget::scope(limits.timeout, limits.memory, || {
            let result = self.figures_within(scenario);
            // A rule that caught the stop (`try … catch`) and returned: the rules after it
            // were skipped, so the figures are incomplete. Never without a word.
            match budget::stop_words() {
                Some((message, help)) if result.as_ref().err().is_none_or(|p| !p.has_errors()) => {
                    Err(Diagnostics::from(
                        Diagnostic::error(message)
                            .code("sroi::script::runtime")
                            .in_file(&self.project.model.file.path)
                            .help(help),
                    ))
                }
                _ => result,
            }
        })
    }

    fn figures_within(&mut self, scenario: &Scenario) -> Result<Figures, Diagnostics> {
        let project = self.project;
        let model = &project.model;
        let mut problems = Diagnostics::default();

        // Proxy values as scripts see them: the active set, then the scenario's changes.
        self.bindings.proxies.clone_from(&project.proxy_values);
        for (id, value) in &scenario.proxies {
            self.bindings.proxies.insert(id.clone(), *value);
        }

        // Params: every literal (or overridden) value is visible from the start; rules
        // then run in file order, each seeing the ones above it.
        self.bindings.params.clear();
        for p in &model.params {
            let value = scenario
                .params
                .get(&p.name.value)
                .copied()
                .or_else(|| p.value.literal());
            if let Some(v) = value {
                self.bindings.params.insert(p.name.value.clone(), v);
            }
        }
        let mut params = Vec::with_capacity(model.params.len());
        for p in &model.params {
            if let Some(v) = scenario.params.get(&p.name.value) {
                params.push(*v);
                continue;
            }
            let what = format!("params.{}", p.name.value);
            if let Some(v) = self.collect(&p.value, &what, &mut problems) {
                self.bindings.params.insert(p.name.value.clone(), v);
                params.push(v);
            }
        }

        let discount_rate = match scenario.discount_rate {
            Some(v) => Some(v),
            None => self.collect(&model.discount_rate, "discount_rate", &mut problems),
        };

        let mut inputs = Vec::with_capacity(model.inputs.len());
        for (i, input) in model.inputs.iter().enumerate() {
            let value = match scenario.inputs.get(&i) {
                Some(v) => Some(*v),
                None => self.collect(&input.value, "value", &mut problems),
            };
            inputs.extend(value.map(|value| InputFigures {
                value,
                year: input.year,
            }));
        }
        let mut outputs = Vec::with_capacity(model.outputs.len());
        for o in &model.outputs {
            outputs.extend(self.collect(&o.quantity, "quantity", &mut problems));
        }

        let mut outcomes = Vec::with_capacity(model.outcomes.len());
        let mut rebased = Vec::with_capacity(model.outcomes.len());
        for (index, o) in model.outcomes.iter().enumerate() {
            let mut proxy_rebased = None;
            let field =
                |this: &mut Self, f: OutcomeField, n: &NumberField, problems: &mut Diagnostics| {
                    match scenario.outcome(index, f) {
                        Some(v) => Some(v),
                        None => this.collect(n, f.name(), problems),
                    }
                };
            let proxy_value = match scenario.outcome(index, OutcomeField::Proxy) {
                Some(v) => Some(v),
                None => match &o.proxy {
                    ProxyRef::Id(id) => match self.bindings.proxies.get(&id.value) {
                        Some(v) => {
                            // Rebased at load (`prices::apply`), unless the scenario set it.
                            if !scenario.proxies.contains_key(&id.value) {
                                proxy_rebased = project
                                    .proxies
                                    .get(&id.value)
                                    .and_then(|p| p.rebased.clone());
                            }
                            Some(*v)
                        }
                        None => {
                            // Checked at load; never silently dropped from the totals.
                            problems.push(
                                Diagnostic::error(format!(
                                    "outcome `{}` uses proxy `{}`, which the active set `{}` does not have",
                                    o.id.value, id.value, project.proxies.id
                                )).code("sroi::proxy")
                                .at(&model.file, id.span)
                                .help("add the proxy to the set, choose another set with --proxies, or write the proxy inline"),
                            );
                            None
                        }
                    },
                    ProxyRef::Inline(inline) => self
                        .collect(&inline.value, "proxy value", &mut problems)
                        .and_then(|v| {
                            let rebasing = crate::prices::rebase_inline(
                                project.prices.as_ref(),
                                model,
                                inline,
                                &o.id.value,
                                v,
                            );
                            match rebasing {
                                Ok((value, r)) => {
                                    proxy_rebased = r;
                                    Some(value)
                                }
                                Err(d) => {
                                    problems.push(d);
                                    None
                                }
                            }
                        }),
                },
            };
            let quantity = field(self, OutcomeField::Quantity, &o.quantity, &mut problems);
            let duration = field(self, OutcomeField::Duration, &o.duration, &mut problems);
            let deadweight = field(self, OutcomeField::Deadweight, &o.deadweight, &mut problems);
            let displacement = field(
                self,
                OutcomeField::Displacement,
                &o.displacement,
                &mut problems,
            );
            let attribution = field(
                self,
                OutcomeField::Attribution,
                &o.attribution,
                &mut problems,
            );
            let drop_off = field(self, OutcomeField::DropOff, &o.drop_off, &mut problems);
            let offset = match scenario.outcome(index, OutcomeField::Start) {
                Some(year) => number::years(year).saturating_sub(1),
                None => o.start.offset(),
            };
            let (
                Some(quantity),
                Some(proxy_value),
                Some(duration),
                Some(deadweight),
                Some(displacement),
                Some(attribution),
                Some(drop_off),
            ) = (
                quantity,
                proxy_value,
                duration,
                deadweight,
                displacement,
                attribution,
                drop_off,
            )
            else {
                continue;
            };
            rebased.push(proxy_rebased);
            outcomes.push(OutcomeFigures {
                quantity,
                proxy_value,
                deadweight,
                displacement,
                attribution,
                drop_off,
                duration: number::years(duration),
                offset,
                stakeholder: project
                    .stakeholder_index
                    .get(index)
                    .copied()
                    .unwrap_or(usize::MAX),
            });
        }

        if problems.has_errors() {
            return Err(problems);
        }
        let Some(discount_rate) = discount_rate else {
            return Err(problems);
        };
        Ok(Figures {
            settings: Settings {
                discount_rate,
                convention: match model.discounting {
                    Discounting::EndOfYear => Convention::EndOfYear,
                    Discounting::StartOfYear => Convention::StartOfYear,
                },
            },
            params,
            inputs,
            outputs,
            outcomes,
            rebased,
        })
    }

    fn collect(
        &mut self,
        field: &NumberField,
        what: &str,
        problems: &mut Diagnostics,
    ) -> Option<Decimal> {
        // After the deadline or the memory budget stopped one rule, the others would
        // only stop the same way: the first error says it.
        if budget::stopped() {
            return None;
        }
        match self.number(field, what) {
            Ok(v) => Some(v),
            Err(d) => {
                problems.push(d);
                None
            }
        }
    }

    /// One number field: its literal, or its rule's value (from the cache when nothing
    /// the rule read has changed).
    fn number(&mut self, field: &NumberField, what: &str) -> Result<Decimal, Diagnostic> {
        let (NumberSource::Expression(_), Some(span)) = (&field.source, field.span) else {
            return field
                .literal()
                .ok_or_else(|| Diagnostic::error("internal: a number field without a value"));
        };
        if let Some(hit) = self.cache.get(&span.offset)
            && hit
                .reads
                .iter()
                .all(|(read, seen)| self.bindings.value_of(read) == *seen)
        {
            return Ok(hit.value);
        }
        self.rules_run = self.rules_run.saturating_add(1);
        let value = self
            .project
            .host
            .evaluate(field, what, &mut self.bindings)?;
        let mut reads: Vec<Read> = std::mem::take(&mut self.bindings.reads);
        reads.sort();
        reads.dedup();
        let reads = reads
            .into_iter()
            .map(|r| {
                let seen = self.bindings.value_of(&r);
                (r, seen)
            })
            .collect();
        self.cache.insert(span.offset, Cached { reads, value });
        Ok(value)
    }
}

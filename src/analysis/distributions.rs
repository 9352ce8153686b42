//! Drawing one uncertain figure: the `uncertainty:` block's distributions as `rand_distr`
//! samplers in f64, with redraws outside the figure's domain.

use rand_chacha::ChaCha8Rng;
use rand_distr::{Beta, Distribution as _, LogNormal, Normal, Pert, Triangular, Uniform};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use crate::model::uncertainty::{Distribution, Domain, lognormal_parameters};

/// Tries before a draw gives up. The loader refuses distributions that land in their
/// domain less than 1 time in 1,000, so this is never reached in practice.
const MAX_TRIES: usize = 100_000;

enum Kind {
    Uniform(Uniform<f64>),
    Triangular(Triangular<f64>),
    Pert(Pert<f64>),
    Normal(Normal<f64>),
    LogNormal(LogNormal<f64>),
    Beta(Beta<f64>),
    Choice(Vec<f64>, Uniform<u32>),
}

/// A sampler for one figure.
pub struct Sampler {
    kind: Kind,
    domain: Domain,
}

fn f(x: &Decimal) -> f64 {
    x.to_f64().unwrap_or(f64::NAN)
}

impl Sampler {
    /// `None` when the distribution is degenerate (it has one value: fold it into the
    /// base instead) or its parameters are out of `rand_distr`'s range.
    pub fn new(d: &Distribution, domain: Domain) -> Option<Sampler> {
        if d.degenerate().is_some() {
            return None;
        }
        let kind = match d {
            Distribution::Uniform(a, b) => Kind::Uniform(Uniform::new_inclusive(f(a), f(b)).ok()?),
            Distribution::Triangular(lo, mode, hi) => {
                Kind::Triangular(Triangular::new(f(lo), f(hi), f(mode)).ok()?)
            }
            Distribution::Pert(lo, mode, hi) => {
                Kind::Pert(Pert::new(f(lo), f(hi)).with_mode(f(mode)).ok()?)
            }
            Distribution::Normal(m, sd) => Kind::Normal(Normal::new(f(m), f(sd)).ok()?),
            Distribution::LogNormal(m, sd) => {
                let (mu, sigma) = lognormal_parameters(f(m), f(sd));
                Kind::LogNormal(LogNormal::new(mu, sigma).ok()?)
            }
            Distribution::Beta(a, b) => Kind::Beta(Beta::new(f(a), f(b)).ok()?),
            Distribution::Choice(values) => {
                let n = u32::try_from(values.len()).ok()?;
                Kind::Choice(values.iter().map(f).collect(), Uniform::new(0, n).ok()?)
            }
        };
        Some(Sampler { kind, domain })
    }

    /// One value in the domain (durations rounded to whole years), or `None` when
    /// `MAX_TRIES` draws all fell outside it.
    pub fn draw(&self, rng: &mut ChaCha8Rng) -> Option<f64> {
        for _ in 0..MAX_TRIES {
            let x = match &self.kind {
                Kind::Uniform(d) => d.sample(rng),
                Kind::Triangular(d) => d.sample(rng),
                Kind::Pert(d) => d.sample(rng),
                Kind::Normal(d) => d.sample(rng),
                Kind::LogNormal(d) => d.sample(rng),
                Kind::Beta(d) => d.sample(rng),
                Kind::Choice(values, index) => {
                    let i = usize::try_from(index.sample(rng)).unwrap_or(0);
                    values.get(i).copied().unwrap_or(f64::NAN)
                }
            };
            if self.domain.contains(x) {
                return Some(if self.domain == Domain::Years {
                    x.round()
                } else {
                    x
                });
            }
        }
        None
    }
}

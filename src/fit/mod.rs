//! Fitting service-time distributions to observed task durations (`labelsim
//! fit`): every distribution a scenario's `service_time` accepts is fitted by
//! maximum likelihood and ranked, and the best is written back in scenario
//! syntax.
//!
//! - [`data`] reads the durations: one column of a CSV file, or Ground
//!   Truth's worker-response JSON files (one file or a folder of them).
//! - [`fit_all`] fits the families (closed forms for exponential, lognormal
//!   and uniform; a bisection on the profile-likelihood equation in the
//!   shape for gamma and Weibull) and ranks them by AIC.
//! - [`spread`] estimates `speed.spread`, the spread of per-worker speeds,
//!   from worker-response data.
//!
//! Nothing here prints or knows the command line: results and errors are
//! typed, and `commands/fit.rs` presents them. Durations are in seconds.
//!
//! Ranking: the Akaike information criterion, AIC = 2k − 2 ln L (k the
//! number of parameters), lowest first. The Kolmogorov–Smirnov distance D
//! (the largest gap between the data's empirical CDF and the fitted CDF) is
//! reported beside it as an absolute check: AIC only says which family is
//! least bad. D is descriptive; no p-value is given, because the parameters
//! were estimated from the same data (the textbook KS test's p-values would
//! be too optimistic).

pub mod data;
pub mod spread;

use crate::human;
use serde::Serialize;
use statrs::function::erf::erfc;
use statrs::function::gamma::{digamma, gamma_lr, ln_gamma};

/// Fewer values than this fit, but with a warning: the ranking of families
/// is unreliable on a handful of points.
pub const FEW_VALUES: usize = 10;

/// A fitted distribution, in the units and keys of a scenario's
/// `service_time` (times \[s\]).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(tag = "dist", rename_all = "lowercase")]
pub enum Dist {
    Exponential {
        mean_s: f64,
    },
    /// `median_s` = e^μ; `sigma` the log-space standard deviation.
    Lognormal {
        median_s: f64,
        sigma: f64,
    },
    /// `cv` = 1/√shape.
    Gamma {
        mean_s: f64,
        cv: f64,
    },
    Weibull {
        shape: f64,
        scale_s: f64,
    },
    Uniform {
        min_s: f64,
        max_s: f64,
    },
    /// Every value equal: a point mass (no density).
    Constant {
        value_s: f64,
    },
}

/// The families of [`Dist`], in the order they are tried.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Family {
    Exponential,
    Lognormal,
    Gamma,
    Weibull,
    Uniform,
    Constant,
}

impl Family {
    pub const ALL: [Family; 6] = [
        Family::Exponential,
        Family::Lognormal,
        Family::Gamma,
        Family::Weibull,
        Family::Uniform,
        Family::Constant,
    ];

    /// The `dist:` keyword.
    pub fn name(self) -> &'static str {
        match self {
            Family::Exponential => "exponential",
            Family::Lognormal => "lognormal",
            Family::Gamma => "gamma",
            Family::Weibull => "weibull",
            Family::Uniform => "uniform",
            Family::Constant => "constant",
        }
    }

    /// Free parameters (for AIC).
    pub fn parameters(self) -> usize {
        match self {
            Family::Exponential | Family::Constant => 1,
            _ => 2,
        }
    }
}

impl Dist {
    pub fn family(&self) -> Family {
        match self {
            Dist::Exponential { .. } => Family::Exponential,
            Dist::Lognormal { .. } => Family::Lognormal,
            Dist::Gamma { .. } => Family::Gamma,
            Dist::Weibull { .. } => Family::Weibull,
            Dist::Uniform { .. } => Family::Uniform,
            Dist::Constant { .. } => Family::Constant,
        }
    }

    /// P(X ≤ x).
    pub fn cdf(&self, x: f64) -> f64 {
        if x <= 0.0 && !matches!(self, Dist::Uniform { .. }) {
            return 0.0;
        }
        match *self {
            Dist::Exponential { mean_s } => 1.0 - (-x / mean_s).exp(),
            Dist::Lognormal { median_s, sigma } => {
                0.5 * erfc(-(x / median_s).ln() / (sigma * std::f64::consts::SQRT_2))
            }
            Dist::Gamma { mean_s, cv } => {
                let k = 1.0 / (cv * cv);
                gamma_lr(k, x * k / mean_s)
            }
            Dist::Weibull { shape, scale_s } => 1.0 - (-(x / scale_s).powf(shape)).exp(),
            Dist::Uniform { min_s, max_s } => ((x - min_s) / (max_s - min_s)).clamp(0.0, 1.0),
            Dist::Constant { value_s } => {
                if x >= value_s {
                    1.0
                } else {
                    0.0
                }
            }
        }
    }

    /// ln f(x), the log density (−∞ outside the support; a point mass has
    /// none and gives −∞ everywhere).
    pub fn ln_pdf(&self, x: f64) -> f64 {
        if x <= 0.0 && !matches!(self, Dist::Uniform { .. }) {
            return f64::NEG_INFINITY;
        }
        match *self {
            Dist::Exponential { mean_s } => -mean_s.ln() - x / mean_s,
            Dist::Lognormal { median_s, sigma } => {
                let z = (x / median_s).ln() / sigma;
                -x.ln() - sigma.ln() - 0.5 * (2.0 * std::f64::consts::PI).ln() - 0.5 * z * z
            }
            Dist::Gamma { mean_s, cv } => {
                let k = 1.0 / (cv * cv);
                let theta = mean_s / k;
                (k - 1.0) * x.ln() - x / theta - k * theta.ln() - ln_gamma(k)
            }
            Dist::Weibull { shape, scale_s } => {
                let z = x / scale_s;
                shape.ln() - scale_s.ln() + (shape - 1.0) * z.ln() - z.powf(shape)
            }
            Dist::Uniform { min_s, max_s } => {
                if (min_s..=max_s).contains(&x) {
                    -(max_s - min_s).ln()
                } else {
                    f64::NEG_INFINITY
                }
            }
            Dist::Constant { .. } => f64::NEG_INFINITY,
        }
    }

    /// The density f(x) [1/s].
    pub fn pdf(&self, x: f64) -> f64 {
        self.ln_pdf(x).exp()
    }

    /// The mean \[s\].
    pub fn mean(&self) -> f64 {
        match *self {
            Dist::Exponential { mean_s } | Dist::Gamma { mean_s, .. } => mean_s,
            Dist::Lognormal { median_s, sigma } => median_s * (sigma * sigma / 2.0).exp(),
            Dist::Weibull { shape, scale_s } => {
                scale_s * statrs::function::gamma::gamma(1.0 + 1.0 / shape)
            }
            Dist::Uniform { min_s, max_s } => (min_s + max_s) / 2.0,
            Dist::Constant { value_s } => value_s,
        }
    }

    /// The distribution in scenario syntax, ready to paste after
    /// `service_time:` — e.g. `{dist: lognormal, median: 4m 54s 120ms,
    /// sigma: 0.612}`. Times are rounded to the millisecond (to the
    /// microsecond below one second), numbers to four significant figures.
    pub fn yaml(&self) -> String {
        let d = human::yaml_duration;
        let n = human::sig4;
        match *self {
            Dist::Exponential { mean_s } => format!("{{dist: exponential, mean: {}}}", d(mean_s)),
            Dist::Lognormal { median_s, sigma } => format!(
                "{{dist: lognormal, median: {}, sigma: {}}}",
                d(median_s),
                n(sigma)
            ),
            Dist::Gamma { mean_s, cv } => {
                format!("{{dist: gamma, mean: {}, cv: {}}}", d(mean_s), n(cv))
            }
            Dist::Weibull { shape, scale_s } => format!(
                "{{dist: weibull, shape: {}, scale: {}}}",
                n(shape),
                d(scale_s)
            ),
            Dist::Uniform { min_s, max_s } => {
                format!("{{dist: uniform, min: {}, max: {}}}", d(min_s), d(max_s))
            }
            Dist::Constant { value_s } => format!("{{dist: constant, value: {}}}", d(value_s)),
        }
    }

    /// The times among the parameters, by their scenario keys [s].
    fn times(&self) -> Vec<(&'static str, f64)> {
        match *self {
            Dist::Exponential { mean_s } | Dist::Gamma { mean_s, .. } => vec![("mean", mean_s)],
            Dist::Lognormal { median_s, .. } => vec![("median", median_s)],
            Dist::Weibull { scale_s, .. } => vec![("scale", scale_s)],
            Dist::Uniform { min_s, max_s } => vec![("min", min_s), ("max", max_s)],
            Dist::Constant { value_s } => vec![("value", value_s)],
        }
    }

    /// Why [`Dist::yaml`] would not say what was fitted: a time that the
    /// scenario's microsecond clock moves by more than 1% when it is
    /// written (issue 18: `{dist: uniform, min: 1us, max: 1us}` for data of
    /// 1.2 to 1.4 µs). None if every time is written faithfully.
    pub fn rounding_problem(&self) -> Option<String> {
        self.times().into_iter().find_map(|(key, s)| {
            let written = human::yaml_duration(s);
            let back = crate::scenario::units::parse_duration(&written).ok()?;
            ((back.as_secs_f64() - s).abs() > 0.01 * s).then(|| {
                format!(
                    "its {key} ({} s) would be written `{written}`: the clock's tick of 1 µs is too coarse for these durations",
                    human::sig4(s)
                )
            })
        })
    }

    /// The parameters in words, with human units: `median 4.9 min, sigma
    /// 0.612`.
    pub fn describe(&self) -> String {
        let t = human::duration_one_unit;
        let n = human::sig4;
        match *self {
            Dist::Exponential { mean_s } => format!("mean {}", t(mean_s)),
            Dist::Lognormal { median_s, sigma } => {
                format!("median {}, sigma {}", t(median_s), n(sigma))
            }
            Dist::Gamma { mean_s, cv } => format!("mean {}, cv {}", t(mean_s), n(cv)),
            Dist::Weibull { shape, scale_s } => format!("shape {}, scale {}", n(shape), t(scale_s)),
            Dist::Uniform { min_s, max_s } => format!("min {}, max {}", t(min_s), t(max_s)),
            Dist::Constant { value_s } => format!("value {}", t(value_s)),
        }
    }
}

/// Loads `service_time: {snippet}` in a one-group scenario: Ok if a
/// scenario accepts it, else the first problem in the loader's words.
fn check_snippet(snippet: &str) -> Result<(), String> {
    use crate::scenario::{LoadOptions, Scenario};
    let text =
        format!("name: fit\nhorizon: 1d\nworkers:\n  - count: 1\n    service_time: {snippet}\n");
    Scenario::from_str(
        &text,
        "fit",
        std::path::Path::new("."),
        LoadOptions::default(),
    )
    .map(|_| ())
    .map_err(|e| {
        e.problems.first().map_or_else(
            || e.to_string(),
            |p| {
                format!(
                    "{}: {}",
                    p.field.rsplit('.').next().unwrap_or(""),
                    p.message
                )
            },
        )
    })
}

/// One fitted family and how well it fits.
#[derive(Clone, Debug, Serialize)]
pub struct Fit {
    /// The fitted distribution and its parameters.
    #[serde(flatten)]
    pub dist: Dist,
    /// ln L at the maximum.
    pub log_likelihood: f64,
    /// 2k − 2 ln L.
    pub aic: f64,
    /// AIC minus the best AIC (0 for the best).
    pub delta_aic: f64,
    /// Kolmogorov–Smirnov distance: sup |ECDF − CDF|, in [0, 1].
    pub ks: f64,
    /// The `service_time:` value in scenario syntax.
    pub service_time: String,
}

/// A family that was not fitted, and why.
#[derive(Clone, Debug, Serialize)]
pub struct NotFitted {
    pub dist: Family,
    pub why: String,
}

/// Summary statistics of the data \[s\].
#[derive(Clone, Debug, Serialize)]
pub struct Summary {
    pub n: usize,
    pub min_s: f64,
    pub median_s: f64,
    pub mean_s: f64,
    pub max_s: f64,
}

/// Every fit of one sample, best first.
#[derive(Clone, Debug, Serialize)]
pub struct FitReport {
    pub summary: Summary,
    /// What ranks the fits.
    pub ranked_by: &'static str,
    /// Best (lowest AIC) first.
    pub fits: Vec<Fit>,
    pub not_fitted: Vec<NotFitted>,
}

impl FitReport {
    pub fn best(&self) -> &Fit {
        &self.fits[0]
    }
}

/// Why a sample cannot be fitted at all.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FitError {
    /// Fatal: nothing to fit.
    #[error("no durations to fit")]
    Empty,
    /// Fatal: a value is zero, negative or not finite (the readers refuse
    /// these first, with the line; this guards the library's own callers).
    #[error(
        "duration #{index} is {value}: every duration must be a positive, finite number of seconds"
    )]
    NotPositive { index: usize, value: f64 },
    /// Fatal: a value the scenario's clock cannot hold, below 1 µs or over
    /// 100 years (the readers refuse these first, with the line).
    #[error(
        "duration #{index} is {value:e} s: durations must be from 1 µs (the clock's tick) to 100 years"
    )]
    OutOfRange { index: usize, value: f64 },
    /// Fatal: no family's fit can be written as a scenario's `service_time`.
    #[error("no distribution fits that a scenario can hold: {why}")]
    NothingFits { why: String },
}

/// The empirical median of sorted values.
fn median_sorted(v: &[f64]) -> f64 {
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// Finds the root of an increasing function `g` of ln k on [lo, hi] (both
/// > 0) by bisection in ln k. Returns None if g does not change sign there.
fn bisect_increasing(g: impl Fn(f64) -> f64, lo: f64, hi: f64) -> Option<f64> {
    let (mut a, mut b) = (lo.ln(), hi.ln());
    if g(a.exp()) > 0.0 || g(b.exp()) < 0.0 {
        return None;
    }
    // 200 halvings of a bracket ≤ 60 wide reach the float resolution.
    for _ in 0..200 {
        let m = 0.5 * (a + b);
        if m <= a || m >= b {
            break;
        }
        if g(m.exp()) < 0.0 {
            a = m;
        } else {
            b = m;
        }
    }
    Some((0.5 * (a + b)).exp())
}

/// Bracket for the shape parameters [dimensionless]: far beyond any service
/// time seen in practice (cv from 10⁻⁶ to over 10⁶).
const SHAPE_LO: f64 = 1e-8;
const SHAPE_HI: f64 = 1e12;

/// Gamma MLE: the shape k solves ln k − ψ(k) = ln(mean) − mean(ln x) (the
/// profile-likelihood equation; the left side falls from +∞ to 0, so the
/// root is unique), then scale = mean / k.
pub fn fit_gamma(x: &[f64]) -> Option<Dist> {
    let n = x.len() as f64;
    let mean = x.iter().sum::<f64>() / n;
    let mean_ln = x.iter().map(|v| v.ln()).sum::<f64>() / n;
    let s = mean.ln() - mean_ln;
    if s.is_nan() || s <= 0.0 {
        return None;
    }
    // g increasing in k: s − (ln k − ψ(k)).
    let k = bisect_increasing(|k| s - (k.ln() - digamma(k)), SHAPE_LO, SHAPE_HI)?;
    Some(Dist::Gamma {
        mean_s: mean,
        cv: 1.0 / k.sqrt(),
    })
}

/// Weibull MLE: the shape k solves Σ xᵏ ln x / Σ xᵏ − 1/k − mean(ln x) = 0
/// (increasing in k, so the root is unique), then scale = (Σ xᵏ / n)^(1/k).
/// Computed on x divided by its geometric mean, in log-sum-exp form, so
/// large k cannot overflow.
pub fn fit_weibull(x: &[f64]) -> Option<Dist> {
    let n = x.len() as f64;
    let mean_ln = x.iter().map(|v| v.ln()).sum::<f64>() / n;
    let ly: Vec<f64> = x.iter().map(|v| v.ln() - mean_ln).collect();
    let max_ly = ly.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if max_ly.is_nan() || max_ly <= 0.0 {
        return None; // every value equal
    }
    // Σ yᵏ ln y / Σ yᵏ with weights exp(k (ln y − max)).
    let weighted_mean_ln = |k: f64| {
        let (mut num, mut den) = (0.0, 0.0);
        for &l in &ly {
            let w = (k * (l - max_ly)).exp();
            num += w * l;
            den += w;
        }
        num / den
    };
    let k = bisect_increasing(|k| weighted_mean_ln(k) - 1.0 / k, SHAPE_LO, SHAPE_HI)?;
    let ln_sum = k * max_ly
        + ly.iter()
            .map(|l| (k * (l - max_ly)).exp())
            .sum::<f64>()
            .ln();
    let ln_scale = mean_ln + (ln_sum - n.ln()) / k;
    Some(Dist::Weibull {
        shape: k,
        scale_s: ln_scale.exp(),
    })
}

/// Exponential MLE: the mean.
pub fn fit_exponential(x: &[f64]) -> Dist {
    Dist::Exponential {
        mean_s: x.iter().sum::<f64>() / x.len() as f64,
    }
}

/// Lognormal MLE: median = e^(mean of ln x), sigma = the standard deviation
/// of ln x with divisor n (the MLE, not the unbiased n − 1).
pub fn fit_lognormal(x: &[f64]) -> Option<Dist> {
    let n = x.len() as f64;
    let mu = x.iter().map(|v| v.ln()).sum::<f64>() / n;
    let var = x.iter().map(|v| (v.ln() - mu).powi(2)).sum::<f64>() / n;
    (var > 0.0).then(|| Dist::Lognormal {
        median_s: mu.exp(),
        sigma: var.sqrt(),
    })
}

/// Uniform MLE: the smallest and largest values.
pub fn fit_uniform(sorted: &[f64]) -> Option<Dist> {
    let (min_s, max_s) = (sorted[0], sorted[sorted.len() - 1]);
    (max_s > min_s).then_some(Dist::Uniform { min_s, max_s })
}

/// ln L of `dist` on `x`.
pub fn log_likelihood(dist: &Dist, x: &[f64]) -> f64 {
    x.iter().map(|&v| dist.ln_pdf(v)).sum()
}

/// Kolmogorov–Smirnov distance between the ECDF of `sorted` and `dist`.
pub fn ks_distance(dist: &Dist, sorted: &[f64]) -> f64 {
    let n = sorted.len() as f64;
    sorted
        .iter()
        .enumerate()
        .map(|(i, &v)| {
            let f = dist.cdf(v);
            (f - i as f64 / n).max((i + 1) as f64 / n - f)
        })
        .fold(0.0, f64::max)
}

/// Fits every family to `values` \[s\] and ranks the fits by AIC (see the
/// module doc). All values must be positive and finite. If every value is
/// equal, the only fit is `constant` (the continuous families have no
/// spread to fit).
pub fn fit_all(values: &[f64]) -> Result<FitReport, FitError> {
    if values.is_empty() {
        return Err(FitError::Empty);
    }
    if let Some((index, &value)) = values
        .iter()
        .enumerate()
        .find(|(_, v)| !(v.is_finite() && **v > 0.0))
    {
        return Err(FitError::NotPositive { index, value });
    }
    if let Some((index, &value)) = values
        .iter()
        .enumerate()
        .find(|(_, v)| !(data::SHORTEST_S..=data::LONGEST_S).contains(*v))
    {
        return Err(FitError::OutOfRange { index, value });
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = values.len();
    let summary = Summary {
        n,
        min_s: sorted[0],
        median_s: median_sorted(&sorted),
        mean_s: values.iter().sum::<f64>() / n as f64,
        max_s: sorted[n - 1],
    };
    let mut fits = Vec::new();
    let mut not_fitted = Vec::new();
    let all_equal = sorted[0] == sorted[n - 1];
    for family in Family::ALL {
        let dist = match family {
            _ if all_equal && family != Family::Constant => {
                not_fitted.push(NotFitted {
                    dist: family,
                    why: "every value is the same: no spread to fit".into(),
                });
                continue;
            }
            Family::Exponential => Some(fit_exponential(values)),
            Family::Lognormal => fit_lognormal(values),
            Family::Gamma => fit_gamma(values),
            Family::Weibull => fit_weibull(values),
            Family::Uniform => fit_uniform(&sorted),
            Family::Constant if all_equal => Some(Dist::Constant { value_s: sorted[0] }),
            Family::Constant => {
                not_fitted.push(NotFitted {
                    dist: family,
                    why: "the values differ: a constant has likelihood 0".into(),
                });
                continue;
            }
        };
        let Some(dist) = dist else {
            not_fitted.push(NotFitted {
                dist: family,
                why: "the likelihood equation has no solution in range".into(),
            });
            continue;
        };
        // A point mass has no density; it is the only fit when it applies.
        let ll = if family == Family::Constant {
            0.0
        } else {
            log_likelihood(&dist, values)
        };
        // Every printed snippet must load as a scenario's `service_time`,
        // and say what was fitted (not a 1 µs rounding of it).
        if let Some(why) = dist.rounding_problem() {
            not_fitted.push(NotFitted { dist: family, why });
            continue;
        }
        if let Err(why) = check_snippet(&dist.yaml()) {
            not_fitted.push(NotFitted {
                dist: family,
                why: format!(
                    "its fit ({}) is not a valid service_time: {why}",
                    dist.describe()
                ),
            });
            continue;
        }
        if !ll.is_finite() && family != Family::Constant {
            not_fitted.push(NotFitted {
                dist: family,
                why: "its likelihood is not finite at the fit".into(),
            });
            continue;
        }
        fits.push(Fit {
            dist,
            log_likelihood: ll,
            aic: 2.0 * family.parameters() as f64 - 2.0 * ll,
            delta_aic: 0.0,
            ks: ks_distance(&dist, &sorted),
            service_time: dist.yaml(),
        });
    }
    if fits.is_empty() {
        let why = not_fitted
            .iter()
            .map(|nf| format!("{}: {}", nf.dist.name(), nf.why))
            .collect::<Vec<_>>()
            .join("; ");
        return Err(FitError::NothingFits { why });
    }
    fits.sort_by(|a, b| a.aic.total_cmp(&b.aic));
    let best = fits[0].aic;
    for f in &mut fits {
        f.delta_aic = f.aic - best;
    }
    Ok(FitReport {
        summary,
        ranked_by: "aic",
        fits,
        not_fitted,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exponential_mle_is_the_mean_exactly() {
        // 2 + 3 + 7 = 12 s over 3 values: mean 4 s.
        let d = fit_exponential(&[2.0, 3.0, 7.0]);
        assert_eq!(d, Dist::Exponential { mean_s: 4.0 });
        // ln L = −n (ln 4 + 1).
        let ll = log_likelihood(&d, &[2.0, 3.0, 7.0]);
        assert!((ll + 3.0 * (4f64.ln() + 1.0)).abs() < 1e-12);
    }

    #[test]
    fn lognormal_mle_is_mean_and_sd_of_logs() {
        // ln x = 0, 2, 4 (x = 1, e², e⁴): mean 2, MLE sd √(8/3).
        let x = [1.0, 2f64.exp(), 4f64.exp()];
        let Some(Dist::Lognormal { median_s, sigma }) = fit_lognormal(&x) else {
            panic!()
        };
        assert!((median_s - 2f64.exp()).abs() < 1e-12);
        assert!((sigma - (8.0f64 / 3.0).sqrt()).abs() < 1e-12);
    }

    #[test]
    fn uniform_mle_is_min_and_max() {
        let r = fit_all(&[3.0, 1.0, 2.0]).unwrap();
        let u = r
            .fits
            .iter()
            .find(|f| f.dist.family() == Family::Uniform)
            .unwrap();
        assert_eq!(
            u.dist,
            Dist::Uniform {
                min_s: 1.0,
                max_s: 3.0
            }
        );
        assert!((u.log_likelihood + 3.0 * 2f64.ln()).abs() < 1e-12);
    }

    #[test]
    fn gamma_and_weibull_solve_their_likelihood_equations() {
        let x = [0.5, 1.0, 1.5, 2.0, 4.0, 8.0];
        let n = x.len() as f64;
        let Some(Dist::Gamma { mean_s, cv }) = fit_gamma(&x) else {
            panic!()
        };
        let k = 1.0 / (cv * cv);
        let s = mean_s.ln() - x.iter().map(|v| v.ln()).sum::<f64>() / n;
        assert!((k.ln() - digamma(k) - s).abs() < 1e-10);
        let Some(Dist::Weibull { shape, scale_s }) = fit_weibull(&x) else {
            panic!()
        };
        let sk: f64 = x.iter().map(|v| v.powf(shape)).sum();
        let skl: f64 = x.iter().map(|v| v.powf(shape) * v.ln()).sum();
        let ml = x.iter().map(|v| v.ln()).sum::<f64>() / n;
        assert!((skl / sk - 1.0 / shape - ml).abs() < 1e-10);
        assert!((scale_s - (sk / n).powf(1.0 / shape)).abs() < 1e-9 * scale_s);
        // The MLE is a maximum: nudging the shape lowers ln L.
        let ll = |k: f64| {
            log_likelihood(
                &Dist::Weibull {
                    shape: k,
                    scale_s: (x.iter().map(|v| v.powf(k)).sum::<f64>() / n).powf(1.0 / k),
                },
                &x,
            )
        };
        assert!(ll(shape) > ll(shape * 1.01) && ll(shape) > ll(shape * 0.99));
    }

    #[test]
    fn equal_values_fit_a_constant_only() {
        let r = fit_all(&[5.0, 5.0, 5.0]).unwrap();
        assert_eq!(r.fits.len(), 1);
        assert_eq!(r.best().dist, Dist::Constant { value_s: 5.0 });
        assert_eq!(r.best().service_time, "{dist: constant, value: 5s}");
    }

    #[test]
    fn bad_values_are_refused() {
        assert_eq!(fit_all(&[]).unwrap_err(), FitError::Empty);
        assert!(matches!(
            fit_all(&[1.0, 0.0]),
            Err(FitError::NotPositive { index: 1, .. })
        ));
        assert!(fit_all(&[1.0, f64::NAN]).is_err());
    }

    #[test]
    fn cdfs_and_densities_agree() {
        let dists = [
            Dist::Exponential { mean_s: 3.0 },
            Dist::Lognormal {
                median_s: 3.0,
                sigma: 0.7,
            },
            Dist::Gamma {
                mean_s: 3.0,
                cv: 0.5,
            },
            Dist::Weibull {
                shape: 1.7,
                scale_s: 3.0,
            },
        ];
        for d in dists {
            // dF/dx ≈ f at a few points.
            for x in [0.5, 2.0, 6.0] {
                let h = 1e-5;
                let num = (d.cdf(x + h) - d.cdf(x - h)) / (2.0 * h);
                assert!((num - d.pdf(x)).abs() < 1e-6, "{d:?} at {x}");
            }
        }
    }
}

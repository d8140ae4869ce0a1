//! A line search for the strong Wolfe conditions: bracketing (Nocedal & Wright, Algorithm 3.5) and zoom with
//! safeguarded cubic interpolation (Algorithm 3.6).
//!
//! Along a descent direction d from x, with φ(α) = F(x + α d) and φ′(α) = ∇F(x + α d)ᵀd (φ′(0) < 0), a step α
//! satisfies the **strong Wolfe conditions** when
//!
//! ```text
//! φ(α) ≤ φ(0) + c₁ α φ′(0)        (sufficient decrease, Armijo)
//! |φ′(α)| ≤ c₂ |φ′(0)|             (strong curvature)
//! ```
//!
//! with 0 < c₁ < c₂ < 1. Close to a minimizer, the decrease c₁ α φ′(0) falls below the rounding error of φ and
//! the first test becomes a coin toss. There — and only there, where φ changed by at most ε|φ(0)| — the search
//! also accepts the **approximate Wolfe conditions** of Hager and Zhang, which test the decrease through
//! derivatives (exact for quadratics):
//!
//! ```text
//! |φ(α) − φ(0)| ≤ ε |φ(0)|   and   φ′(α) ≤ (2c₁ − 1) φ′(0)   and   |φ′(α)| ≤ c₂ |φ′(0)|
//! ```
//!
//! so that a quasi-Newton method can drive ‖∇F‖ to 1e-12 although F no longer changes in floating point. (Hager
//! and Zhang bound only the increase, φ(α) ≤ φ(0) + ε|φ(0)|; bounding the change too keeps the derivative test
//! from replacing the Armijo test where φ's values are meaningful, e.g. a large step on a non-quadratic φ. The
//! derivative test trusts the gradient: with an inconsistent gradient, set ε = 0.)
//!
//! References: J. Nocedal and S. J. Wright (2006), *Numerical Optimization*, 2nd ed., §3.5 (Algorithms 3.5, 3.6,
//! eq. 3.59); W. W. Hager and H. Zhang (2005), *A new conjugate gradient method with guaranteed descent and an
//! efficient line search*, SIAM J. Optim. 16(1) (approximate Wolfe conditions).

use crate::error::{Result, check_nonnegative, check_positive, invalid};

/// Factor by which the bracketing phase enlarges a step that is still descending.
const EXTRAPOLATION: f64 = 4.0;
/// The cubic's minimizer is kept at least this fraction of the interval away from both ends.
const SAFEGUARD: f64 = 0.1;

/// The line search's constants.
///
/// | name | default | range | meaning |
/// |---|---|---|---|
/// | `c1` | 1e-4 | (0, c2) | sufficient-decrease constant |
/// | `c2` | 0.9 | (c1, 1) | curvature constant (0.9 suits quasi-Newton directions, 0.1 conjugate gradients) |
/// | `max_evaluations` | 50 | ≥ 1 | evaluations of φ per search |
/// | `max_step` | 1e20 | > 0 | largest step tried |
/// | `approximate_epsilon` | 1e-10 | ≥ 0 | ε of the approximate Wolfe conditions (0 turns them off) |
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WolfeParams {
    /// Sufficient-decrease constant c₁.
    pub c1: f64,
    /// Curvature constant c₂.
    pub c2: f64,
    /// At most this many evaluations of φ.
    pub max_evaluations: u32,
    /// The largest step tried.
    pub max_step: f64,
    /// ε of the approximate Wolfe conditions (0 turns them off).
    pub approximate_epsilon: f64,
}

impl Default for WolfeParams {
    fn default() -> Self {
        WolfeParams {
            c1: 1e-4,
            c2: 0.9,
            max_evaluations: 50,
            max_step: 1e20,
            approximate_epsilon: 1e-10,
        }
    }
}

impl WolfeParams {
    /// Checks every value; `solver` names the caller in the error.
    pub fn validate(&self, solver: &'static str) -> Result<()> {
        if !(self.c1 > 0.0 && self.c1 < 0.5) {
            return Err(invalid(solver, "c1", self.c1, "must lie in (0, 0.5)"));
        }
        if !(self.c2 > self.c1 && self.c2 < 1.0) {
            return Err(invalid(solver, "c2", self.c2, "must lie in (c1, 1)"));
        }
        if self.max_evaluations == 0 {
            return Err(invalid(solver, "max_evaluations", 0, "must be >= 1"));
        }
        check_positive(solver, "max_step", self.max_step)?;
        check_nonnegative(solver, "approximate_epsilon", self.approximate_epsilon)
    }
}

/// One evaluation of φ: the step α, φ(α) and φ′(α).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sample {
    /// The step α.
    pub step: f64,
    /// φ(α).
    pub value: f64,
    /// φ′(α).
    pub slope: f64,
}

impl Sample {
    fn is_finite(&self) -> bool {
        self.value.is_finite() && self.slope.is_finite()
    }
}

/// How a line search ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineSearchStatus {
    /// The step satisfies the strong Wolfe conditions.
    StrongWolfe,
    /// The step satisfies the approximate Wolfe conditions (not the Armijo test, which rounding defeats).
    ApproximateWolfe,
    /// The step decreases φ sufficiently, but no step satisfying the curvature condition was found within the
    /// budget (evaluations, `max_step`, or an interval shrunk to machine precision).
    DecreaseOnly,
    /// No step with sufficient decrease was found (or φ′(0) ≥ 0): the returned sample is α = 0.
    Failed,
}

/// The outcome of a line search.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LineSearchResult {
    /// The returned step and φ, φ′ there.
    pub point: Sample,
    /// Evaluations of φ made.
    pub evaluations: u32,
    /// How the search ended.
    pub status: LineSearchStatus,
}

/// Sufficient decrease (Armijo): φ(α) ≤ φ(0) + c₁ α φ′(0). False for NaN.
pub fn sufficient_decrease(value: f64, step: f64, value0: f64, slope0: f64, c1: f64) -> bool {
    value <= value0 + c1 * step * slope0
}

/// The decrease part of the approximate Wolfe conditions, only where rounding defeats the Armijo test:
/// |φ(α) − φ(0)| ≤ ε|φ(0)| (φ changed by no more than its noise level) and φ′(α) ≤ (2c₁ − 1) φ′(0) (the decrease
/// measured through derivatives, exact for quadratics). False for NaN, and always false when ε = 0.
pub fn approximate_decrease(value: f64, slope: f64, value0: f64, slope0: f64, c1: f64, epsilon: f64) -> bool {
    epsilon > 0.0 && (value - value0).abs() <= epsilon * value0.abs() && slope <= (2.0 * c1 - 1.0) * slope0
}

/// Strong curvature: |φ′(α)| ≤ c₂ |φ′(0)|. False for NaN.
pub fn strong_curvature(slope: f64, slope0: f64, c2: f64) -> bool {
    slope.abs() <= c2 * slope0.abs()
}

/// The minimizer of the cubic interpolating φ and φ′ at `a` and `b` (Nocedal & Wright eq. 3.59), if it exists
/// and is finite.
pub fn cubic_minimizer(a: &Sample, b: &Sample) -> Option<f64> {
    let d1 = a.slope + b.slope - 3.0 * (a.value - b.value) / (a.step - b.step);
    let discriminant = d1 * d1 - a.slope * b.slope;
    if discriminant.is_nan() || discriminant < 0.0 {
        return None;
    }
    let d2 = (b.step - a.step).signum() * discriminant.sqrt();
    let step = b.step - (b.step - a.step) * (b.slope + d2 - d1) / (b.slope - a.slope + 2.0 * d2);
    step.is_finite().then_some(step)
}

/// The next trial inside the interval between `lo` and `hi`: the cubic's minimizer kept [`SAFEGUARD`] of the
/// width away from both ends, or the midpoint when the cubic has none there (or an end is not finite).
fn interpolate(lo: &Sample, hi: &Sample) -> f64 {
    let (a, b) = (lo.step.min(hi.step), lo.step.max(hi.step));
    let width = b - a;
    let mid = a + 0.5 * width;
    let candidate = if lo.is_finite() && hi.is_finite() {
        cubic_minimizer(lo, hi).unwrap_or(mid)
    } else {
        mid
    };
    if candidate > a && candidate < b {
        candidate.clamp(a + SAFEGUARD * width, b - SAFEGUARD * width)
    } else {
        mid
    }
}

/// Whether two steps are equal to machine precision.
fn interval_collapsed(a: f64, b: f64) -> bool {
    (a - b).abs() <= f64::EPSILON * a.abs().max(b.abs())
}

/// Finds a step satisfying the strong Wolfe conditions along a direction with φ(0) = `value0`, φ′(0) = `slope0`
/// (which must be < 0), starting from `initial_step` (> 0).
///
/// `phi(α)` returns (φ(α), φ′(α)). A caller that keeps the evaluated point in a buffer can rely on this: with
/// [`LineSearchStatus::StrongWolfe`] and [`LineSearchStatus::ApproximateWolfe`] the returned step is the last one
/// evaluated (with [`LineSearchStatus::DecreaseOnly`] it may not be; compare the steps).
///
/// Non-finite values of φ or φ′ are treated as "step too long".
pub fn strong_wolfe(
    phi: &mut dyn FnMut(f64) -> (f64, f64),
    value0: f64,
    slope0: f64,
    initial_step: f64,
    params: &WolfeParams,
) -> LineSearchResult {
    let origin = Sample {
        step: 0.0,
        value: value0,
        slope: slope0,
    };
    let mut search = Search {
        phi,
        origin,
        params: *params,
        evaluations: 0,
    };
    if !(slope0 < 0.0 && origin.is_finite() && initial_step > 0.0 && initial_step.is_finite()) {
        return search.finish(origin, LineSearchStatus::Failed);
    }
    // Bracketing (Algorithm 3.5): enlarge the step until it is acceptable or an interval brackets one.
    let mut prev = origin;
    let mut step = initial_step.min(params.max_step);
    loop {
        let cur = search.evaluate(step);
        if let Some(status) = search.acceptable(&cur) {
            return search.finish(cur, status);
        }
        if !search.decreases(&cur) || (prev.step > 0.0 && cur.value >= prev.value && !search.approximately(&cur)) {
            return search.zoom(prev, cur);
        }
        if cur.slope >= 0.0 {
            return search.zoom(cur, prev);
        }
        if step >= params.max_step || search.evaluations >= params.max_evaluations {
            return search.finish(cur, LineSearchStatus::DecreaseOnly);
        }
        prev = cur;
        step = (step * EXTRAPOLATION).min(params.max_step);
    }
}

/// The state of one search.
struct Search<'f> {
    phi: &'f mut dyn FnMut(f64) -> (f64, f64),
    origin: Sample,
    params: WolfeParams,
    evaluations: u32,
}

impl Search<'_> {
    fn evaluate(&mut self, step: f64) -> Sample {
        let (value, slope) = (self.phi)(step);
        self.evaluations += 1;
        Sample { step, value, slope }
    }

    fn finish(&self, point: Sample, status: LineSearchStatus) -> LineSearchResult {
        LineSearchResult {
            point,
            evaluations: self.evaluations,
            status,
        }
    }

    fn armijo(&self, s: &Sample) -> bool {
        s.is_finite() && sufficient_decrease(s.value, s.step, self.origin.value, self.origin.slope, self.params.c1)
    }

    fn approximately(&self, s: &Sample) -> bool {
        s.is_finite()
            && approximate_decrease(
                s.value,
                s.slope,
                self.origin.value,
                self.origin.slope,
                self.params.c1,
                self.params.approximate_epsilon,
            )
    }

    /// Sufficient decrease, exact or approximate.
    fn decreases(&self, s: &Sample) -> bool {
        self.armijo(s) || self.approximately(s)
    }

    fn acceptable(&self, s: &Sample) -> Option<LineSearchStatus> {
        if !strong_curvature(s.slope, self.origin.slope, self.params.c2) {
            None
        } else if self.armijo(s) {
            Some(LineSearchStatus::StrongWolfe)
        } else if self.approximately(s) {
            Some(LineSearchStatus::ApproximateWolfe)
        } else {
            None
        }
    }

    /// Zoom (Algorithm 3.6). Invariants: `lo` has sufficient decrease and the lowest value among such samples,
    /// φ′(lo)(hi − lo) < 0, so the interval between them holds an acceptable step.
    fn zoom(&mut self, mut lo: Sample, mut hi: Sample) -> LineSearchResult {
        loop {
            if self.evaluations >= self.params.max_evaluations || interval_collapsed(lo.step, hi.step) {
                let status = if lo.step > 0.0 {
                    LineSearchStatus::DecreaseOnly
                } else {
                    LineSearchStatus::Failed
                };
                return self.finish(lo, status);
            }
            let cur = self.evaluate(interpolate(&lo, &hi));
            if let Some(status) = self.acceptable(&cur) {
                return self.finish(cur, status);
            }
            if !self.decreases(&cur) || (cur.value >= lo.value && !self.approximately(&cur)) {
                hi = cur;
            } else {
                if cur.slope * (hi.step - lo.step) >= 0.0 {
                    hi = lo;
                }
                lo = cur;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs the search on φ given as a closure of α, from φ(0), φ′(0) computed by it.
    fn search(f: impl Fn(f64) -> (f64, f64), initial: f64, params: &WolfeParams) -> LineSearchResult {
        let (v0, s0) = f(0.0);
        let mut phi = |a: f64| f(a);
        strong_wolfe(&mut phi, v0, s0, initial, params)
    }

    fn assert_strong_wolfe(f: impl Fn(f64) -> (f64, f64), r: &LineSearchResult, p: &WolfeParams) {
        let (v0, s0) = f(0.0);
        assert_eq!(r.status, LineSearchStatus::StrongWolfe, "{r:?}");
        let (v, s) = f(r.point.step);
        assert_eq!((v, s), (r.point.value, r.point.slope));
        assert!(sufficient_decrease(v, r.point.step, v0, s0, p.c1), "{r:?}");
        assert!(strong_curvature(s, s0, p.c2), "{r:?}");
    }

    #[test]
    fn a_good_first_step_is_taken_at_once() {
        let f = |a: f64| ((a - 2.0).powi(2) - 4.0, 2.0 * (a - 2.0));
        let p = WolfeParams::default();
        let r = search(f, 1.0, &p);
        assert_eq!(r.evaluations, 1);
        assert_eq!(r.point.step, 1.0);
        assert_strong_wolfe(f, &r, &p);
    }

    #[test]
    fn cubic_interpolation_is_exact_on_quadratics() {
        // φ(α) = (α − 2)²: with c₂ = 0.1 only α ∈ [1.8, 2.2] is acceptable. The search tries 1, then 4 (past the
        // minimizer), then the cubic through (1, 4), which is the minimizer itself.
        let f = |a: f64| ((a - 2.0).powi(2), 2.0 * (a - 2.0));
        let p = WolfeParams {
            c2: 0.1,
            ..WolfeParams::default()
        };
        let r = search(f, 1.0, &p);
        assert_strong_wolfe(f, &r, &p);
        assert!((r.point.step - 2.0).abs() < 1e-12, "{r:?}");
        assert_eq!(r.evaluations, 3);
        let (a, b) = (f(1.0), f(4.0));
        let a = Sample {
            step: 1.0,
            value: a.0,
            slope: a.1,
        };
        let b = Sample {
            step: 4.0,
            value: b.0,
            slope: b.1,
        };
        assert!((cubic_minimizer(&a, &b).unwrap() - 2.0).abs() < 1e-14);
        assert!((cubic_minimizer(&b, &a).unwrap() - 2.0).abs() < 1e-14);
    }

    #[test]
    fn cubic_interpolation_finds_a_cubics_minimizer() {
        // φ(α) = α³ − 3α has its local minimizer at α = 1.
        let f = |a: f64| (a * a * a - 3.0 * a, 3.0 * a * a - 3.0);
        let s = |a: f64| Sample {
            step: a,
            value: f(a).0,
            slope: f(a).1,
        };
        assert!((cubic_minimizer(&s(0.2), &s(3.0)).unwrap() - 1.0).abs() < 1e-12);
    }

    /// The test functions of Moré and Thuente (1994), Table 1–3, from their four starting steps.
    #[test]
    fn more_thuente_test_functions_end_in_strong_wolfe_points() {
        let beta = 2.0;
        let f1 = move |a: f64| (-a / (a * a + beta), (a * a - beta) / (a * a + beta).powi(2));
        let b2 = 0.004;
        let f2 = move |a: f64| {
            let t = a + b2;
            (t.powi(5) - 2.0 * t.powi(4), 5.0 * t.powi(4) - 8.0 * t.powi(3))
        };
        let p1 = WolfeParams {
            c1: 1e-3,
            c2: 0.1,
            ..WolfeParams::default()
        };
        let p2 = WolfeParams {
            c1: 0.1,
            c2: 0.1,
            ..WolfeParams::default()
        };
        // Budgets: the most this search needs (from α₀ = 1e-3, bracketing alone takes 7 evaluations at ×4 per
        // step); the same order as the counts Moré and Thuente report for their algorithm.
        for initial in [1e-3, 1e-1, 1e1, 1e3] {
            let r = search(f1, initial, &p1);
            assert_strong_wolfe(f1, &r, &p1);
            assert!(r.evaluations <= 10, "{initial}: {r:?}");
            let r = search(f2, initial, &p2);
            assert_strong_wolfe(f2, &r, &p2);
            assert!(r.evaluations <= 16, "{initial}: {r:?}");
        }
    }

    #[test]
    fn an_ascent_direction_fails_without_evaluating() {
        let f = |a: f64| (a * a + a, 2.0 * a + 1.0);
        let r = search(f, 1.0, &WolfeParams::default());
        assert_eq!(r.status, LineSearchStatus::Failed);
        assert_eq!(r.evaluations, 0);
        assert_eq!(r.point.step, 0.0);
    }

    #[test]
    fn non_finite_values_shorten_the_step() {
        // φ is NaN beyond α = 1; the minimizer 3 is out of reach, and any α in [0.3, 1] is acceptable.
        let f = |a: f64| {
            if a > 1.0 {
                (f64::NAN, f64::NAN)
            } else {
                ((a - 3.0).powi(2), 2.0 * (a - 3.0))
            }
        };
        let p = WolfeParams::default();
        let r = search(f, 8.0, &p);
        assert_strong_wolfe(f, &r, &p);
        assert!(r.point.step <= 1.0);
    }

    #[test]
    fn an_unbounded_function_stops_at_the_budget() {
        let f = |a: f64| (-a, -1.0);
        let p = WolfeParams {
            max_evaluations: 5,
            ..WolfeParams::default()
        };
        let r = search(f, 1.0, &p);
        assert_eq!(r.status, LineSearchStatus::DecreaseOnly);
        assert_eq!(r.evaluations, 5);
        assert_eq!(r.point.step, 256.0);
        let p = WolfeParams {
            max_step: 10.0,
            ..WolfeParams::default()
        };
        let r = search(f, 1.0, &p);
        assert_eq!((r.status, r.point.step), (LineSearchStatus::DecreaseOnly, 10.0));
    }

    #[test]
    fn approximate_wolfe_accepts_steps_below_rounding() {
        // φ is flat to rounding (one ulp above φ(0) everywhere else) but φ′ is exact: the Armijo test fails at
        // every step, the approximate conditions hold at α = 1.
        let f = |a: f64| {
            let v = if a == 0.0 { 1.0 } else { 1.0 + f64::EPSILON };
            (v, 1e-10 * (a - 1.0))
        };
        let p = WolfeParams::default();
        let r = search(f, 1.0, &p);
        assert_eq!(r.status, LineSearchStatus::ApproximateWolfe);
        assert_eq!((r.point.step, r.evaluations), (1.0, 1));
        // Without them the search cannot certify any step.
        let p = WolfeParams {
            approximate_epsilon: 0.0,
            ..p
        };
        let r = search(f, 1.0, &p);
        assert_eq!(r.status, LineSearchStatus::Failed);
        assert_eq!(r.point.step, 0.0);
    }

    #[test]
    fn a_function_that_never_decreases_exhausts_the_budget() {
        // φ increases from α = 0 on (a wrong φ′(0) from a buggy caller): no step has sufficient decrease.
        let f = |a: f64| (a, 1.0);
        let mut phi = |a: f64| f(a);
        let r = strong_wolfe(&mut phi, 0.0, -1.0, 1.0, &WolfeParams::default());
        assert_eq!(r.status, LineSearchStatus::Failed);
        assert_eq!(r.evaluations, 50);
    }

    #[test]
    fn validation_names_the_bad_constant() {
        let bad = WolfeParams {
            c2: 1e-5,
            ..WolfeParams::default()
        };
        assert!(matches!(
            bad.validate("lbfgs"),
            Err(crate::ClassicError::InvalidParameter { name: "c2", .. })
        ));
        let bad = WolfeParams {
            max_evaluations: 0,
            ..WolfeParams::default()
        };
        assert!(bad.validate("lbfgs").is_err());
        assert!(WolfeParams::default().validate("lbfgs").is_ok());
    }
}

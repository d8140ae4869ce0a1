//! Gradient noise whose second moment follows a chosen schedule (the setting of Zhang, Lin, Das, Sra,
//! Jadbabaie, "Stochastic optimization with non-stationary noise", arXiv 2006.04429):
//!
//! ```text
//! g_t(x) = ∇f(x) + σ_t·z_t,     z_t ~ N(0, I/d) independent,     so E‖g_t − ∇f(x)‖² = σ_t² exactly
//! ```
//!
//! where t is the oracle's call counter (0, 1, 2, …). [`NoiseSchedule`] holds σ_t² for t < T (extended by its
//! last value past T) and computes the theory's quantities of the noise levels m_t = σ_t exactly: the power means
//! M_q(m) = ((1/T) Σ m_t^q)^{1/q} — [`quadratic_mean`] (M₂), [`arithmetic_mean`] (M₁), [`harmonic_mean`] (M₋₁),
//! [`inverse_quadratic_mean`] (M₋₂), and [`power_mean`] for any q. The derived bounds of the spec compare tuned SGD
//! (∝ M₂) with the known-noise steps c/m_t (∝ M₋₁) and c/m_t² (∝ M₋₂).
//!
//! [`NonstationaryNoise`] wraps any [`Objective`] into a [`StochasticOracle`]. Its counter is atomic so the
//! oracle is `Sync`, but a run is reproducible only when one runner uses an oracle at a time: give every run its
//! own wrapper (they are cheap) or call [`NonstationaryNoise::reset`]. [`CosineWells`] is a smooth nonconvex test
//! function with known minimizers, f(x) = Σᵢ (xᵢ²/2 + a·cos xᵢ) − f*.

use std::sync::atomic::{AtomicU64, Ordering};

use ndarray::{Array1, ArrayView1, ArrayViewMut1};
use rand::rngs::StdRng;
use rand_distr::{Distribution, StandardNormal};

use crate::error::{OracleError, Result, check_positive};
use crate::objective::Objective;
use crate::oracle::StochasticOracle;

/// M_q(a) = ((1/T) Σ a_t^q)^{1/q} for q ≠ 0, and the geometric mean exp((1/T) Σ ln a_t) for q = 0.
pub fn power_mean(a: &[f64], q: f64) -> f64 {
    let n = a.len() as f64;
    if q == 0.0 {
        (a.iter().map(|v| v.ln()).sum::<f64>() / n).exp()
    } else {
        (a.iter().map(|v| v.powf(q)).sum::<f64>() / n).powf(1.0 / q)
    }
}

/// M₂(a) = √((1/T) Σ a_t²), the quadratic mean (tuned SGD's bound).
pub fn quadratic_mean(a: &[f64]) -> f64 {
    (a.iter().map(|v| v * v).sum::<f64>() / a.len() as f64).sqrt()
}

/// M₁(a) = (1/T) Σ a_t, the arithmetic mean.
pub fn arithmetic_mean(a: &[f64]) -> f64 {
    a.iter().sum::<f64>() / a.len() as f64
}

/// M₋₁(a) = T / Σ 1/a_t, the harmonic mean (the bound of the step c/m_t).
pub fn harmonic_mean(a: &[f64]) -> f64 {
    a.len() as f64 / a.iter().map(|v| 1.0 / v).sum::<f64>()
}

/// M₋₂(a) = √(T / Σ 1/a_t²), the inverse quadratic mean (the bound of the step c/m_t²).
pub fn inverse_quadratic_mean(a: &[f64]) -> f64 {
    (a.len() as f64 / a.iter().map(|v| 1.0 / (v * v)).sum::<f64>()).sqrt()
}

/// The second moments σ_t² of the added noise, one per oracle call t < T, extended by the last value past T.
#[derive(Debug, Clone, PartialEq)]
pub struct NoiseSchedule {
    second_moments: Vec<f64>,
}

impl NoiseSchedule {
    /// A schedule from explicit second moments (each finite and > 0).
    pub fn from_second_moments(second_moments: Vec<f64>) -> Result<Self> {
        if second_moments.is_empty() {
            return Err(OracleError::Empty { what: "noise schedule" });
        }
        if let Some(index) = second_moments.iter().position(|v| !(v.is_finite() && *v > 0.0)) {
            return Err(OracleError::InvalidParameter {
                name: "second_moments",
                value: format!("entry {index} = {}", second_moments[index]),
                reason: "every second moment must be finite and > 0",
            });
        }
        Ok(NoiseSchedule { second_moments })
    }

    /// σ_t² = `level` for T steps.
    pub fn constant(horizon: usize, level: f64) -> Result<Self> {
        check_positive("level", level)?;
        Self::from_second_moments(vec![level; horizon])
    }

    /// Bursts of high noise: σ_t² = `high` when t mod `period` ≥ `period` − `width` (the last `width` steps of every
    /// period), else `low`. Long bursts are phases of high noise, short ones are spikes.
    pub fn bursts(horizon: usize, low: f64, high: f64, period: usize, width: usize) -> Result<Self> {
        check_positive("low", low)?;
        check_positive("high", high)?;
        if period == 0 || width > period {
            return Err(OracleError::InvalidParameter {
                name: "period, width",
                value: format!("({period}, {width})"),
                reason: "need period >= 1 and width <= period",
            });
        }
        Self::from_second_moments(
            (0..horizon)
                .map(|t| if t % period >= period - width { high } else { low })
                .collect(),
        )
    }

    /// σ_t² rising linearly from `start` (t = 0) to `end` (t = T − 1).
    pub fn increasing(horizon: usize, start: f64, end: f64) -> Result<Self> {
        check_positive("start", start)?;
        check_positive("end", end)?;
        let span = horizon.saturating_sub(1).max(1) as f64;
        Self::from_second_moments((0..horizon).map(|t| start + (end - start) * t as f64 / span).collect())
    }

    /// T, the number of explicit entries.
    pub fn horizon(&self) -> usize {
        self.second_moments.len()
    }

    /// σ_t² (the last entry past the horizon).
    pub fn second_moment(&self, t: usize) -> f64 {
        self.second_moments[t.min(self.second_moments.len() - 1)]
    }

    /// The second moments σ_0², …, σ_{T−1}².
    pub fn second_moments(&self) -> &[f64] {
        &self.second_moments
    }

    /// The noise levels m_t = σ_t for t < T.
    pub fn levels(&self) -> Vec<f64> {
        self.second_moments.iter().map(|v| v.sqrt()).collect()
    }

    /// The levels √(G² + σ_t²) bounding √E‖g_t‖² when ‖∇f‖² ≤ G² (the second-moment version of the theory).
    pub fn levels_with_gradient_bound(&self, gradient_bound_sq: f64) -> Vec<f64> {
        self.second_moments
            .iter()
            .map(|v| (v + gradient_bound_sq).sqrt())
            .collect()
    }
}

/// An [`Objective`]'s exact gradient plus noise of second moment σ_t² at call t (see the
/// [module documentation](self)).
#[derive(Debug)]
pub struct NonstationaryNoise<O> {
    objective: O,
    schedule: NoiseSchedule,
    calls: AtomicU64,
}

impl<O: Objective> NonstationaryNoise<O> {
    /// Wraps `objective` with the noise `schedule`; the call counter starts at 0.
    pub fn new(objective: O, schedule: NoiseSchedule) -> Self {
        NonstationaryNoise {
            objective,
            schedule,
            calls: AtomicU64::new(0),
        }
    }

    /// The wrapped objective.
    pub fn objective(&self) -> &O {
        &self.objective
    }

    /// The schedule.
    pub fn schedule(&self) -> &NoiseSchedule {
        &self.schedule
    }

    /// Oracle calls made so far (the t of the next call).
    pub fn calls(&self) -> u64 {
        self.calls.load(Ordering::Relaxed)
    }

    /// Restarts the counter at t = 0.
    pub fn reset(&self) {
        self.calls.store(0, Ordering::Relaxed);
    }

    /// The sample of call t: f(x) returned, out = ∇f(x) + σ_t z with z ~ N(0, I/d) drawn from `rng`. Does not move
    /// the counter.
    pub fn sample_gradient_at(
        &self,
        t: usize,
        x: ArrayView1<f64>,
        rng: &mut StdRng,
        mut out: ArrayViewMut1<f64>,
    ) -> f64 {
        let value = self.objective.value_and_gradient(x, out.view_mut());
        let scale = (self.schedule.second_moment(t) / out.len() as f64).sqrt();
        for o in out.iter_mut() {
            let z: f64 = StandardNormal.sample(rng);
            *o += scale * z;
        }
        value
    }
}

impl<O: Objective> StochasticOracle for NonstationaryNoise<O> {
    fn dim(&self) -> usize {
        self.objective.dim()
    }
    /// The sample of the current call t (see [`NonstationaryNoise::sample_gradient_at`]); then t ← t + 1.
    fn sample_gradient(&self, x: ArrayView1<f64>, rng: &mut StdRng, out: ArrayViewMut1<f64>) -> f64 {
        let t = self.calls.fetch_add(1, Ordering::Relaxed) as usize;
        self.sample_gradient_at(t, x, rng, out)
    }
}

/// f(x) = Σᵢ (xᵢ²/2 + a·cos xᵢ) − f*, a > 1: smooth, nonconvex (f″ = 1 − a cos xᵢ ∈ [1 − a, 1 + a], so L = 1 + a
/// and f is not convex near xᵢ = 0), with 2^d global minimizers where every xᵢ = ±r, r the positive root of
/// r = a·sin r, and f* = 0 after the shift. Its gradient grows linearly away from the wells, so a small gradient
/// means being near a minimizer (unlike functions whose gradient vanishes at infinity).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CosineWells {
    dim: usize,
    a: f64,
    root: f64,
}

impl CosineWells {
    /// The function in dimension d ≥ 1 with a > 1 (finite).
    pub fn new(dim: usize, a: f64) -> Result<Self> {
        if dim == 0 {
            return Err(OracleError::Empty {
                what: "CosineWells (dimension 0)",
            });
        }
        if !(a.is_finite() && a > 1.0) {
            return Err(OracleError::InvalidParameter {
                name: "a",
                value: format!("{a}"),
                reason: "must be finite and > 1 (a <= 1 makes f convex with its minimum at 0)",
            });
        }
        // Newton on h(r) = r − a sin r from r = a (h(a) ≥ 0, h convex on [0, π] where the root lies).
        let mut r = a.min(std::f64::consts::PI);
        for _ in 0..100 {
            let step = (r - a * r.sin()) / (1.0 - a * r.cos());
            r -= step;
            if step.abs() < 1e-15 * r.abs() {
                break;
            }
        }
        Ok(CosineWells { dim, a, root: r })
    }

    /// r, the coordinate of the wells (xᵢ = ±r at a minimizer).
    pub fn well(&self) -> f64 {
        self.root
    }

    fn coordinate(&self, v: f64) -> f64 {
        v * v / 2.0 + self.a * v.cos() - (self.root * self.root / 2.0 + self.a * self.root.cos())
    }
}

impl Objective for CosineWells {
    fn dim(&self) -> usize {
        self.dim
    }
    fn value(&self, x: ArrayView1<f64>) -> f64 {
        x.iter().map(|&v| self.coordinate(v)).sum()
    }
    fn gradient(&self, x: ArrayView1<f64>, mut out: ArrayViewMut1<f64>) {
        for (o, v) in out.iter_mut().zip(x) {
            *o = v - self.a * v.sin();
        }
    }
    fn smoothness(&self) -> f64 {
        1.0 + self.a
    }
}

/// The diagonal quadratic f(x) = ½ Σᵢ λᵢ xᵢ² with λ spread geometrically over [μ, L] (x* = 0, f* = 0), as a
/// [`crate::Quadratic`].
pub fn diagonal_quadratic(dim: usize, mu: f64, l: f64) -> Result<crate::Quadratic> {
    check_positive("mu", mu)?;
    check_positive("L", l)?;
    let lambda: Array1<f64> = (0..dim)
        .map(|i| mu * (l / mu).powf(i as f64 / (dim.max(2) - 1) as f64))
        .collect();
    crate::Quadratic::new(ndarray::Array2::from_diag(&lambda), Array1::zeros(dim), mu, l)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn power_means_are_ordered_and_exact() {
        let a = [1.0, 2.0, 4.0];
        assert!((quadratic_mean(&a) - (21.0f64 / 3.0).sqrt()).abs() < 1e-15);
        assert!((arithmetic_mean(&a) - 7.0 / 3.0).abs() < 1e-15);
        assert!((harmonic_mean(&a) - 3.0 / 1.75).abs() < 1e-15);
        assert!((inverse_quadratic_mean(&a) - (3.0 / 1.3125f64).sqrt()).abs() < 1e-15);
        for (q, f) in [
            (2.0, quadratic_mean(&a)),
            (1.0, arithmetic_mean(&a)),
            (-1.0, harmonic_mean(&a)),
        ] {
            assert!((power_mean(&a, q) - f).abs() < 1e-14);
        }
        assert!((power_mean(&a, -2.0) - inverse_quadratic_mean(&a)).abs() < 1e-14);
        assert!((power_mean(&a, 0.0) - 2.0).abs() < 1e-14);
        let c = [3.0; 4];
        assert!((quadratic_mean(&c) - inverse_quadratic_mean(&c)).abs() < 1e-15);
    }

    /// The spec's schedule (ii): σ² = 10, and 1000 in bursts of 500 steps covering 10 % of T = 20 000; its bound
    /// ratios M₂/M₋₂ = 2.68 and M₂/M₋₁ = 2.57 (spec §4, S1) on m_t = √(G² + σ_t²), G² = 4.22.
    #[test]
    fn schedules_have_the_shapes_asked_for() {
        let s = NoiseSchedule::bursts(20_000, 10.0, 1000.0, 5000, 500).unwrap();
        let high = s.second_moments().iter().filter(|&&v| v == 1000.0).count();
        assert_eq!(high, 2000);
        assert_eq!(s.second_moment(4499), 10.0);
        assert_eq!(s.second_moment(4500), 1000.0);
        assert_eq!(s.second_moment(1_000_000), 1000.0);
        let m = s.levels_with_gradient_bound(4.22);
        let r2 = quadratic_mean(&m) / inverse_quadratic_mean(&m);
        let r1 = quadratic_mean(&m) / harmonic_mean(&m);
        assert!((r2 - 2.68).abs() < 0.01 && (r1 - 2.57).abs() < 0.01, "{r2} {r1}");
        let r = NoiseSchedule::increasing(11, 10.0, 1010.0).unwrap();
        assert_eq!(r.second_moment(0), 10.0);
        assert_eq!(r.second_moment(5), 510.0);
        assert_eq!(r.second_moment(10), 1010.0);
        assert!(NoiseSchedule::bursts(10, 1.0, 2.0, 3, 4).is_err());
        assert!(NoiseSchedule::from_second_moments(vec![1.0, -1.0]).is_err());
        assert!(NoiseSchedule::from_second_moments(vec![]).is_err());
        assert!(NoiseSchedule::constant(3, f64::NAN).is_err());
    }

    /// The noise's empirical second moment matches the schedule: for each t, the mean of ‖g_t − ∇f‖² over 4000
    /// independent draws is within 5 standard errors of σ_t² (‖z‖²·d/σ² is χ²_d: relative sd √(2/d)/√n).
    #[test]
    fn empirical_second_moment_matches_the_schedule() {
        let d = 10;
        let f = CosineWells::new(d, 2.0).unwrap();
        let s = NoiseSchedule::from_second_moments(vec![0.5, 10.0, 1000.0]).unwrap();
        let oracle = NonstationaryNoise::new(f, s.clone());
        let x = Array1::from_elem(d, 0.7);
        let mut exact = Array1::zeros(d);
        f.gradient(x.view(), exact.view_mut());
        let mut out = Array1::zeros(d);
        let mut rng = StdRng::seed_from_u64(3);
        let n = 4000;
        for t in 0..3 {
            let mut sum = 0.0;
            for _ in 0..n {
                oracle.sample_gradient_at(t, x.view(), &mut rng, out.view_mut());
                sum += (&out - &exact).mapv(|v| v * v).sum();
            }
            let mean = sum / n as f64;
            let se = s.second_moment(t) * (2.0 / d as f64).sqrt() / (n as f64).sqrt();
            assert!((mean - s.second_moment(t)).abs() < 5.0 * se, "t {t}: {mean}");
        }
        // The trait's counter walks the schedule.
        oracle.sample_gradient(x.view(), &mut rng, out.view_mut());
        oracle.sample_gradient(x.view(), &mut rng, out.view_mut());
        assert_eq!(oracle.calls(), 2);
        oracle.reset();
        assert_eq!(oracle.calls(), 0);
    }

    #[test]
    fn cosine_wells_gradient_matches_finite_differences_and_its_minimum_is_zero() {
        let f = CosineWells::new(3, 2.0).unwrap();
        let x = Array1::from(vec![0.3, -1.2, 2.5]);
        let mut g = Array1::zeros(3);
        f.gradient(x.view(), g.view_mut());
        for i in 0..3 {
            let h = 1e-6;
            let (mut p, mut m) = (x.clone(), x.clone());
            p[i] += h;
            m[i] -= h;
            let fd = (f.value(p.view()) - f.value(m.view())) / (2.0 * h);
            assert!((fd - g[i]).abs() < 1e-7, "{fd} {}", g[i]);
        }
        let r = f.well();
        assert!((r - 2.0 * r.sin()).abs() < 1e-14 && (r - 1.895_494).abs() < 1e-6);
        let star = Array1::from(vec![r, -r, r]);
        assert!(f.value(star.view()).abs() < 1e-14);
        f.gradient(star.view(), g.view_mut());
        assert!(g.iter().all(|v| v.abs() < 1e-14));
        assert!(f.value(Array1::zeros(3).view()) > 0.0);
        assert_eq!(f.smoothness(), 3.0);
        assert!(CosineWells::new(3, 1.0).is_err() && CosineWells::new(0, 2.0).is_err());
        let q = diagonal_quadratic(4, 0.1, 1.0).unwrap();
        assert!((q.matrix()[[0, 0]] - 0.1).abs() < 1e-15 && (q.matrix()[[3, 3]] - 1.0).abs() < 1e-15);
    }
}

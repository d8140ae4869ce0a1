//! Gradient sampling (Burke, Lewis & Overton, "A robust gradient sampling algorithm for nonsmooth, nonconvex
//! optimization", SIAM J. Optim. 15, 2005), with the defaults of NonSmoothSolvers.jl.
//!
//! One iteration (one [`Method::step`]) at x with sampling radius ρ and tolerance ν:
//!
//! ```text
//! sample m points uniformly in B_ρ(x), plus x;  g ← min-norm point of conv{∇f(·)}  (exact QP, Wolfe)
//! if ‖g‖ ≤ ν:  if ρ = δ and ν = ε: stop — x is (δ, ε)-stationary (the sampled hull certifies it)
//!              else ρ ← max(θρ, δ), ν ← max(θν, ε); stay at x
//! else: t ← 1; while f(x − tg) ≥ f(x) − βt‖g‖² and fewer than 70 halvings: t ← γt
//!       success: x ← x − tg;  failure: ρ ← max(θρ, δ)
//! ```
//!
//! | parameter | default | range | meaning |
//! |---|---|---|---|
//! | `delta` δ | — | > 0 | final sampling radius |
//! | `epsilon` ε | — | > 0 | final tolerance |
//! | `samples` m | 2·dim | ≥ 1 | points sampled per iteration (BLO use m ≥ dim + 1) |
//! | `radius0` ρ₀ | max(0.1, δ) | ≥ δ | initial radius |
//! | `tolerance0` ν₀ | max(0.1, ε) | ≥ ε | initial tolerance |
//! | `reduction` θ | 0.1 | (0, 1) | shrink factor of ρ and ν |
//! | `armijo` β | 1e-4 | (0, 1) | sufficient decrease |
//! | `backtrack` γ | 0.5 | (0, 1) | step shrink factor |
//! | `seed` | 0 | any | the sampling |
//!
//! The differentiability check of BLO (perturbing x) is omitted: with a generalized-gradient oracle every point
//! has a valid g.

use ndarray::{Array1, Array2, ArrayView1};
use rand::SeedableRng;
use rand::rngs::StdRng;

use gradus_oracle::{DirectionalOracle, Method, Monitor, Observer, Report, RunConfig, StepOutcome, Work, run};

use crate::certificate::uniform_in_ball;
use crate::error::{NonsmoothError, Result, check_count, check_dim, check_finite, check_positive};
use crate::min_norm_point::min_norm_point;

/// Gradient sampling's parameters (see the [module documentation](self)).
#[derive(Debug, Clone, PartialEq)]
pub struct GradientSamplingParams {
    /// δ > 0.
    pub delta: f64,
    /// ε > 0.
    pub epsilon: f64,
    /// m (default 2·dim).
    pub samples: Option<usize>,
    /// θ ∈ (0, 1).
    pub reduction: f64,
    /// β ∈ (0, 1).
    pub armijo: f64,
    /// γ ∈ (0, 1).
    pub backtrack: f64,
    /// At most this many halvings.
    pub max_backtracks: usize,
    /// The seed.
    pub seed: u64,
}

impl GradientSamplingParams {
    /// Defaults for δ and ε.
    pub fn new(delta: f64, epsilon: f64) -> Self {
        GradientSamplingParams {
            delta,
            epsilon,
            samples: None,
            reduction: 0.1,
            armijo: 1e-4,
            backtrack: 0.5,
            max_backtracks: 70,
            seed: 0,
        }
    }

    /// Sets the seed.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Checks every value.
    pub fn validate(&self) -> Result<()> {
        check_positive("delta", self.delta)?;
        check_positive("epsilon", self.epsilon)?;
        for (name, v) in [
            ("reduction", self.reduction),
            ("armijo", self.armijo),
            ("backtrack", self.backtrack),
        ] {
            if !(v > 0.0 && v < 1.0) {
                return Err(NonsmoothError::InvalidParameter {
                    name,
                    value: format!("{v}"),
                    reason: "must lie in (0, 1)",
                });
            }
        }
        if let Some(m) = self.samples {
            check_count("samples", m)?;
        }
        Ok(())
    }

    /// Validates, then runs from x0.
    pub fn solve(
        &self,
        oracle: &dyn DirectionalOracle,
        x0: ArrayView1<f64>,
        config: &RunConfig,
        monitor: &dyn Monitor,
        observer: &mut dyn Observer,
    ) -> Result<Report> {
        let mut m = GradientSampling::new(oracle, x0, self.clone())?;
        Ok(run(&mut m, monitor, config, observer)?)
    }
}

/// Gradient sampling's state.
pub struct GradientSampling<'a> {
    oracle: &'a dyn DirectionalOracle,
    params: GradientSamplingParams,
    samples: usize,
    radius: f64,
    tolerance: f64,
    x: Array1<f64>,
    points: Array2<f64>,
    rng: StdRng,
}

impl<'a> GradientSampling<'a> {
    /// Checks the parameters and x0.
    pub fn new(oracle: &'a dyn DirectionalOracle, x0: ArrayView1<f64>, params: GradientSamplingParams) -> Result<Self> {
        params.validate()?;
        check_dim("x0", oracle.dim(), x0.len())?;
        check_finite("x0", x0.iter())?;
        let d = x0.len();
        let samples = params.samples.unwrap_or(2 * d);
        Ok(GradientSampling {
            oracle,
            radius: params.delta.max(0.1),
            tolerance: params.epsilon.max(0.1),
            rng: StdRng::seed_from_u64(params.seed),
            points: Array2::zeros((samples + 1, d)),
            samples,
            params,
            x: x0.to_owned(),
        })
    }

    /// The current sampling radius ρ.
    pub fn radius(&self) -> f64 {
        self.radius
    }
}

impl Method for GradientSampling<'_> {
    fn iterate(&self) -> ArrayView1<'_, f64> {
        self.x.view()
    }

    fn step(&mut self, work: &mut Work) -> StepOutcome {
        let p = &self.params;
        let f_x = self.oracle.generalized_gradient(self.x.view(), self.points.row_mut(0));
        let mut y = Array1::zeros(self.x.len());
        for i in 1..=self.samples {
            uniform_in_ball(self.x.view(), self.radius, &mut self.rng, &mut y);
            self.oracle.generalized_gradient(y.view(), self.points.row_mut(i));
        }
        work.oracle_calls += 1 + self.samples as u64;
        let Ok(qp) = min_norm_point(self.points.view()) else {
            return StepOutcome::Stalled;
        };
        let shrink = |r: f64, floor: f64| (r * p.reduction).max(floor);
        if qp.norm <= self.tolerance {
            if self.radius <= p.delta && self.tolerance <= p.epsilon {
                return StepOutcome::Converged;
            }
            self.radius = shrink(self.radius, p.delta);
            self.tolerance = shrink(self.tolerance, p.epsilon);
            return StepOutcome::Continue;
        }
        let g2 = qp.norm * qp.norm;
        let mut t = 1.0;
        for _ in 0..=p.max_backtracks {
            let trial = &self.x - &(t * &qp.point);
            let f_t = self.oracle.value(trial.view());
            work.function_values += 1;
            if f_t < f_x - p.armijo * t * g2 {
                self.x = trial;
                return StepOutcome::Continue;
            }
            t *= p.backtrack;
        }
        self.radius = shrink(self.radius, p.delta);
        StepOutcome::Continue
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::certificate::{CertificateParams, certify};
    use gradus_oracle::problems::nonsmooth_toys::standard_toys;
    use gradus_oracle::{NoMetrics, Silent, Status, Stop};

    #[test]
    fn reaches_certified_points_on_every_toy() {
        for toy in standard_toys(0) {
            let (delta, eps) = (1e-1, 1e-2);
            let params = GradientSamplingParams::new(delta, eps).seed(2);
            let config = RunConfig::new(Stop::iterations(5_000), 1).record_every(100);
            let r = params
                .solve(&*toy.oracle, toy.x0.view(), &config, &NoMetrics, &mut Silent)
                .unwrap();
            assert_eq!(r.status, Status::Converged, "{}", toy.name);
            let c = certify(&*toy.oracle, r.x.view(), &CertificateParams::new(delta, eps)).unwrap();
            assert!(c.certified, "{}: certificate {}", toy.name, c.bound);
        }
        let toy = &standard_toys(0)[0];
        let mut bad = GradientSamplingParams::new(0.1, 0.1);
        bad.reduction = 1.0;
        assert!(GradientSampling::new(&*toy.oracle, toy.x0.view(), bad).is_err());
    }
}

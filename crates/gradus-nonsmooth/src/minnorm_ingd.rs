//! MinNorm-INGD: the perturbed INGD of Davis, Drusvyatskiy, Lee, Padmanabhan and Ye ("A gradient sampling method
//! with complexity guarantees for Lipschitz functions in high and low dimensions", NeurIPS 2022), which needs
//! only plain gradients at (almost surely) differentiable points instead of the directional oracle.
//!
//! One outer iteration (one [`Method::step`]) at x:
//!
//! ```text
//! g ← ∇f(ζ), ζ ~ Uniform B_δ(x)                                            (oracle call)
//! while ‖g‖ > ε and f(x) − f(x − δĝ) ≤ (δ/4)‖g‖:                          (function value)
//!     r = ½‖g‖·√(1 − (1 − ‖g‖²/(128L²))²);  ζ ~ Uniform B_r(g)
//!     y ~ Uniform[x, x − δζ̂];  g ← the min-norm point of the segment [g, ∇f(y)]   (oracle call)
//! ‖g‖ ≤ ε: stop (x is (δ, ε)-stationary); else x ← x − δĝ
//! ```
//! After K = ⌈64L²/ε²⌉ inner iterations without either exit, the local search restarts.
//!
//! | parameter | default | range | meaning |
//! |---|---|---|---|
//! | `delta` δ | — | > 0 | step length and ball radius |
//! | `epsilon` ε | — | > 0 | target norm |
//! | `lipschitz` L | — | > 0 | sets the perturbation radius r and K |
//! | `inner` K | ⌈64L²/ε²⌉ | ≥ 1 | inner iterations before a restart |
//! | `seed` | 0 | any | the random draws |

use ndarray::{Array1, ArrayView1};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

use gradus_oracle::{DirectionalOracle, Method, Monitor, Observer, Report, RunConfig, StepOutcome, Work, run};

use crate::certificate::uniform_in_ball;
use crate::error::{Result, check_count, check_dim, check_finite, check_positive};
use crate::ingd::norm;
use crate::min_norm_point::min_norm_on_segment;

/// The perturbation radius r = ½‖g‖√(1 − (1 − ‖g‖²/(128L²))²) (half the bound of Davis et al.).
pub fn perturbation_radius(g_norm: f64, lipschitz: f64) -> f64 {
    let a = 1.0 - g_norm * g_norm / (128.0 * lipschitz * lipschitz);
    0.5 * g_norm * (1.0 - a * a).max(0.0).sqrt()
}

/// MinNorm-INGD's parameters (see the [module documentation](self)).
#[derive(Debug, Clone, PartialEq)]
pub struct MinNormIngdParams {
    /// δ > 0.
    pub delta: f64,
    /// ε > 0.
    pub epsilon: f64,
    /// L > 0.
    pub lipschitz: f64,
    /// K (default ⌈64L²/ε²⌉).
    pub inner: Option<u64>,
    /// The seed.
    pub seed: u64,
}

impl MinNormIngdParams {
    /// Default parameters.
    pub fn new(delta: f64, epsilon: f64, lipschitz: f64) -> Self {
        MinNormIngdParams {
            delta,
            epsilon,
            lipschitz,
            inner: None,
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
        check_positive("lipschitz", self.lipschitz)?;
        if let Some(k) = self.inner {
            check_count("inner", k as usize)?;
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
        let mut method = MinNormIngd::new(oracle, x0, self.clone())?;
        Ok(run(&mut method, monitor, config, observer)?)
    }
}

/// MinNorm-INGD's state; one step is one outer iteration.
pub struct MinNormIngd<'a> {
    oracle: &'a dyn DirectionalOracle,
    params: MinNormIngdParams,
    inner: u64,
    x: Array1<f64>,
    g: Array1<f64>,
    h: Array1<f64>,
    y: Array1<f64>,
    rng: StdRng,
}

impl<'a> MinNormIngd<'a> {
    /// Checks the parameters and x0.
    pub fn new(oracle: &'a dyn DirectionalOracle, x0: ArrayView1<f64>, params: MinNormIngdParams) -> Result<Self> {
        params.validate()?;
        check_dim("x0", oracle.dim(), x0.len())?;
        check_finite("x0", x0.iter())?;
        let d = x0.len();
        let inner = params
            .inner
            .unwrap_or_else(|| (64.0 * params.lipschitz.powi(2) / params.epsilon.powi(2)).ceil() as u64)
            .max(1);
        Ok(MinNormIngd {
            oracle,
            inner,
            rng: StdRng::seed_from_u64(params.seed),
            params,
            x: x0.to_owned(),
            g: Array1::zeros(d),
            h: Array1::zeros(d),
            y: Array1::zeros(d),
        })
    }
}

impl Method for MinNormIngd<'_> {
    fn iterate(&self) -> ArrayView1<'_, f64> {
        self.x.view()
    }

    fn step(&mut self, work: &mut Work) -> StepOutcome {
        let (delta, eps, lip) = (self.params.delta, self.params.epsilon, self.params.lipschitz);
        uniform_in_ball(self.x.view(), delta, &mut self.rng, &mut self.y);
        self.oracle.generalized_gradient(self.y.view(), self.g.view_mut());
        work.oracle_calls += 1;
        let f_x = self.oracle.value(self.x.view());
        work.function_values += 1;
        for _ in 0..self.inner {
            let g_norm = norm(&self.g);
            if g_norm <= eps {
                return StepOutcome::Converged;
            }
            let trial = &self.x - &(delta / g_norm * &self.g);
            let f_trial = self.oracle.value(trial.view());
            work.function_values += 1;
            if f_x - f_trial > delta * g_norm / 4.0 {
                self.x = trial;
                return StepOutcome::Continue;
            }
            // ζ ~ Uniform B_r(g), y ~ Uniform[x, x − δζ̂].
            let r = perturbation_radius(g_norm, lip);
            let mut zeta = Array1::zeros(self.x.len());
            uniform_in_ball(self.g.view(), r, &mut self.rng, &mut zeta);
            let z_norm = norm(&zeta).max(f64::MIN_POSITIVE);
            let s: f64 = self.rng.random();
            self.y.assign(&self.x);
            self.y.scaled_add(-s * delta / z_norm, &zeta);
            self.oracle.generalized_gradient(self.y.view(), self.h.view_mut());
            work.oracle_calls += 1;
            let (p, _) = min_norm_on_segment(self.g.view(), self.h.view());
            self.g = p;
        }
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
    fn reaches_certified_points_on_every_toy_and_is_deterministic() {
        for toy in standard_toys(0) {
            let (delta, eps) = (1e-2, 1e-2);
            let params = MinNormIngdParams::new(delta, eps, toy.lipschitz).seed(1);
            let config = RunConfig::new(Stop::iterations(100_000), 1).record_every(1000);
            let r = params
                .solve(&*toy.oracle, toy.x0.view(), &config, &NoMetrics, &mut Silent)
                .unwrap();
            assert_eq!(r.status, Status::Converged, "{}", toy.name);
            let c = certify(&*toy.oracle, r.x.view(), &CertificateParams::new(delta, eps)).unwrap();
            assert!(c.certified, "{}: certificate {}", toy.name, c.bound);
            let again = params
                .solve(&*toy.oracle, toy.x0.view(), &config, &NoMetrics, &mut Silent)
                .unwrap();
            assert_eq!(again.x, r.x);
        }
        assert!(perturbation_radius(1.0, 1.0) > 0.0);
        let toy = &standard_toys(0)[0];
        assert!(MinNormIngd::new(&*toy.oracle, toy.x0.view(), MinNormIngdParams::new(-1.0, 1e-2, 1.0)).is_err());
    }
}

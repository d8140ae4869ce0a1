//! INGD — Interpolated Normalized Gradient Descent (Zhang, Lin, Jegelka, Jadbabaie, Sra, "Complexity of
//! Finding Stationary Points of Nonsmooth Nonconvex Functions", ICML 2020, Algorithm 1), with the directional
//! oracle of Assumption 1.
//!
//! One outer iteration t (one [`Method::step`]) is a local search at x_t:
//!
//! ```text
//! m ← g(x_t; 0)                                         (oracle call)
//! for k = 1 … K:
//!     if ‖m‖ ≤ ε: stop — m ∈ ∂_δ f(x_t), so x_t is (δ, ε)-stationary
//!     x_{t,k} = x_t − δ m/‖m‖
//!     if f(x_{t,k}) < f(x_t) − δ‖m‖/4: x_{t+1} = x_{t,k}; next t      (descent, one function value)
//!     y ~ Uniform[x_t, x_{t,k}];  g ← g(y; x_{t,k} − x_t)               (oracle call)
//!     β = (4L² − ‖m‖²)/(4L² + 2‖m‖²);  m ← βm + (1 − β)g
//! K steps without descent or termination: restart the local search at x_t (the paper's `while`).
//! ```
//!
//! | parameter | default | range | meaning |
//! |---|---|---|---|
//! | `delta` δ | — | > 0 | radius: every trial point is exactly δ from x_t |
//! | `epsilon` ε | — | > 0 | target norm of the interpolated gradient |
//! | `lipschitz` L | — | > 0 | Lipschitz constant in β; raised to the largest ‖g‖ seen if smaller (safeguard) |
//! | `inner` K | ⌈48L²/ε²⌉ (Theorem 8) | ≥ 1 | inner iterations before a restart |
//! | `seed` | 0 | any | the uniform draws on the segments |
//!
//! Work: `oracle_calls` counts directional-oracle calls, `function_values` the descent tests.

use ndarray::{Array1, ArrayView1};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

use gradus_oracle::{DirectionalOracle, Method, Monitor, Observer, Report, RunConfig, StepOutcome, Work, run};

use crate::error::{Result, check_count, check_dim, check_finite, check_positive};

/// INGD's interpolation weight β = (4L² − ‖m‖²)/(4L² + 2‖m‖²), the minimiser over β of the bound
/// β²‖m‖² + β(1 − β)‖m‖²/2 + (1 − β)²L² on E‖m⁺‖².
pub fn interpolation_weight(lipschitz: f64, m_norm: f64) -> f64 {
    let (l2, m2) = (lipschitz * lipschitz, m_norm * m_norm);
    (4.0 * l2 - m2) / (4.0 * l2 + 2.0 * m2)
}

/// The descent test of line 9: f(x_{t,k}) < f(x_t) − δ‖m‖/4.
pub fn sufficient_descent(f_trial: f64, f_current: f64, delta: f64, m_norm: f64) -> bool {
    f_trial < f_current - delta * m_norm / 4.0
}

/// INGD's parameters (see the [module documentation](self)).
#[derive(Debug, Clone, PartialEq)]
pub struct IngdParams {
    /// δ > 0.
    pub delta: f64,
    /// ε > 0.
    pub epsilon: f64,
    /// L > 0.
    pub lipschitz: f64,
    /// K (default ⌈48L²/ε²⌉).
    pub inner: Option<u64>,
    /// Seed of the segment draws.
    pub seed: u64,
}

impl IngdParams {
    /// Parameters with the Theorem 8 inner budget.
    pub fn new(delta: f64, epsilon: f64, lipschitz: f64) -> Self {
        IngdParams {
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

    /// K.
    pub fn inner_iterations(&self) -> u64 {
        self.inner
            .unwrap_or_else(|| (48.0 * self.lipschitz.powi(2) / self.epsilon.powi(2)).ceil() as u64)
            .max(1)
    }

    /// Validates, then runs INGD from x0 with the shared loop.
    pub fn solve(
        &self,
        oracle: &dyn DirectionalOracle,
        x0: ArrayView1<f64>,
        config: &RunConfig,
        monitor: &dyn Monitor,
        observer: &mut dyn Observer,
    ) -> Result<Report> {
        let mut method = Ingd::new(oracle, x0, self.clone())?;
        Ok(run(&mut method, monitor, config, observer)?)
    }
}

/// INGD's state; one step is one outer iteration (one local search).
pub struct Ingd<'a> {
    oracle: &'a dyn DirectionalOracle,
    params: IngdParams,
    inner: u64,
    lipschitz: f64,
    x: Array1<f64>,
    m: Array1<f64>,
    g: Array1<f64>,
    trial: Array1<f64>,
    /// The segment direction x_{t,k} − x_t, the segment point y and the zero direction (buffers).
    dir: Array1<f64>,
    y: Array1<f64>,
    zero: Array1<f64>,
    rng: StdRng,
    restarts: u64,
    last_m_norm: f64,
    last_search_calls: u64,
}

impl<'a> Ingd<'a> {
    /// Checks the parameters and x0.
    pub fn new(oracle: &'a dyn DirectionalOracle, x0: ArrayView1<f64>, params: IngdParams) -> Result<Self> {
        params.validate()?;
        check_dim("x0", oracle.dim(), x0.len())?;
        check_finite("x0", x0.iter())?;
        let d = x0.len();
        Ok(Ingd {
            oracle,
            inner: params.inner_iterations(),
            lipschitz: params.lipschitz,
            rng: StdRng::seed_from_u64(params.seed),
            params,
            x: x0.to_owned(),
            m: Array1::zeros(d),
            g: Array1::zeros(d),
            trial: Array1::zeros(d),
            dir: Array1::zeros(d),
            y: Array1::zeros(d),
            zero: Array1::zeros(d),
            restarts: 0,
            last_m_norm: f64::INFINITY,
            last_search_calls: 0,
        })
    }

    /// Local searches that ran K steps without descent or termination.
    pub fn restarts(&self) -> u64 {
        self.restarts
    }

    /// ‖m‖ at the end of the last local search (≤ ε after termination: the solver's own certificate).
    pub fn last_m_norm(&self) -> f64 {
        self.last_m_norm
    }

    /// Oracle calls plus function values of the last local search (after termination: the final search, the part
    /// of the cost that does not shrink with δ; the rest is the travel of the earlier searches).
    pub fn last_search_calls(&self) -> u64 {
        self.last_search_calls
    }
}

impl Method for Ingd<'_> {
    fn iterate(&self) -> ArrayView1<'_, f64> {
        self.x.view()
    }

    fn step(&mut self, work: &mut Work) -> StepOutcome {
        let start = calls(work);
        let outcome = self.local_search(work);
        self.last_search_calls = calls(work) - start;
        outcome
    }
}

/// Oracle calls plus function values.
fn calls(work: &Work) -> u64 {
    work.oracle_calls + work.function_values
}

impl Ingd<'_> {
    /// One local search at x_t (see the [module documentation](self)).
    fn local_search(&mut self, work: &mut Work) -> StepOutcome {
        let (delta, eps) = (self.params.delta, self.params.epsilon);
        let f_x = self
            .oracle
            .directional_gradient(self.x.view(), self.zero.view(), self.m.view_mut());
        work.oracle_calls += 1;
        self.lipschitz = self.lipschitz.max(norm(&self.m));
        for _ in 0..self.inner {
            let m_norm = norm(&self.m);
            self.last_m_norm = m_norm;
            if m_norm <= eps {
                return StepOutcome::Converged;
            }
            // x_{t,k} = x_t − δ m/‖m‖.
            self.trial.assign(&self.x);
            self.trial.scaled_add(-delta / m_norm, &self.m);
            let f_trial = self.oracle.value(self.trial.view());
            work.function_values += 1;
            if sufficient_descent(f_trial, f_x, delta, m_norm) {
                std::mem::swap(&mut self.x, &mut self.trial);
                return StepOutcome::Continue;
            }
            // y = x_t − sδ m̂, s ~ U[0, 1]; direction x_{t,k} − x_t.
            let s: f64 = self.rng.random();
            self.dir.assign(&self.trial);
            self.dir -= &self.x;
            self.y.assign(&self.dir);
            self.y *= s;
            self.y += &self.x;
            self.oracle
                .directional_gradient(self.y.view(), self.dir.view(), self.g.view_mut());
            work.oracle_calls += 1;
            self.lipschitz = self.lipschitz.max(norm(&self.g));
            let beta = interpolation_weight(self.lipschitz, m_norm);
            self.m *= beta;
            self.m.scaled_add(1.0 - beta, &self.g);
        }
        self.restarts += 1;
        StepOutcome::Continue
    }
}

/// ‖v‖₂.
pub fn norm(v: &Array1<f64>) -> f64 {
    v.dot(v).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::certificate::{CertificateParams, certify};
    use gradus_oracle::problems::nonsmooth_toys::standard_toys as toy_suite;
    use gradus_oracle::{NoMetrics, Silent, Status, Stop};

    #[test]
    fn beta_matches_its_definition() {
        assert!((interpolation_weight(1.0, 1.0) - 0.5).abs() < 1e-15);
        assert!((interpolation_weight(1.0, 0.0) - 1.0).abs() < 1e-15);
        assert!(sufficient_descent(0.0, 1.0, 1.0, 1.0) && !sufficient_descent(0.8, 1.0, 1.0, 1.0));
    }

    #[test]
    fn reaches_certified_points_on_every_toy() {
        for toy in toy_suite(0) {
            let (delta, eps) = (1e-2, 1e-2);
            let params = IngdParams::new(delta, eps, toy.lipschitz).seed(3);
            let config = RunConfig::new(Stop::iterations(200_000), 1).record_every(1000);
            let r = params
                .solve(&*toy.oracle, toy.x0.view(), &config, &NoMetrics, &mut Silent)
                .unwrap();
            assert_eq!(r.status, Status::Converged, "{}", toy.name);
            let c = certify(&*toy.oracle, r.x.view(), &CertificateParams::new(delta, eps)).unwrap();
            assert!(c.certified, "{}: certificate {}", toy.name, c.bound);
        }
    }

    #[test]
    fn deterministic_and_rejects_bad_input() {
        let toy = &toy_suite(0)[0];
        let run_once = || {
            IngdParams::new(1e-2, 1e-2, toy.lipschitz)
                .seed(5)
                .solve(
                    &*toy.oracle,
                    toy.x0.view(),
                    &RunConfig::new(Stop::iterations(100_000), 1),
                    &NoMetrics,
                    &mut Silent,
                )
                .unwrap()
        };
        let (a, b) = (run_once(), run_once());
        assert_eq!(a.x, b.x);
        assert_eq!(a.work, b.work);
        for bad in [
            IngdParams::new(0.0, 1e-2, 1.0),
            IngdParams::new(1e-2, -1.0, 1.0),
            IngdParams::new(1e-2, 1e-2, f64::NAN),
        ] {
            assert!(Ingd::new(&*toy.oracle, toy.x0.view(), bad).is_err());
        }
        let short = Array1::zeros(toy.x0.len() + 1);
        assert!(Ingd::new(&*toy.oracle, short.view(), IngdParams::new(1e-2, 1e-2, 1.0)).is_err());
    }
}

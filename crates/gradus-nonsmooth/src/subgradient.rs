//! The subgradient method: x_{k+1} = x_k − α_k g_k with g_k ∈ ∂f(x_k) and α_k = α₀/√(k + 1) (or constant α₀).
//! It has no finite-time (δ, ε) guarantee for nonsmooth nonconvex f and no stopping test: monitor it with
//! [`crate::CertificateMonitor`].
//!
//! | parameter | default | range | meaning |
//! |---|---|---|---|
//! | `step` α₀ | — | > 0 | initial step |
//! | `schedule` | `InvSqrt` | `InvSqrt`, `Constant` | α_k = α₀/√(k + 1) or α₀ |

use ndarray::{Array1, ArrayView1};

use gradus_oracle::{DirectionalOracle, Method, Monitor, Observer, Report, RunConfig, StepOutcome, Work, run};

use crate::error::{Result, check_dim, check_finite, check_positive};

/// The step-size schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepSchedule {
    /// α_k = α₀/√(k + 1).
    InvSqrt,
    /// α_k = α₀.
    Constant,
}

/// α_k for the schedule.
pub fn subgradient_step(alpha0: f64, k: u64, schedule: StepSchedule) -> f64 {
    match schedule {
        StepSchedule::InvSqrt => alpha0 / ((k + 1) as f64).sqrt(),
        StepSchedule::Constant => alpha0,
    }
}

/// The subgradient method's parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct SubgradientParams {
    /// α₀ > 0.
    pub step: f64,
    /// The schedule.
    pub schedule: StepSchedule,
}

impl SubgradientParams {
    /// α₀ with the 1/√(k + 1) schedule.
    pub fn new(step: f64) -> Self {
        SubgradientParams {
            step,
            schedule: StepSchedule::InvSqrt,
        }
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
        let mut m = Subgradient::new(oracle, x0, self.clone())?;
        Ok(run(&mut m, monitor, config, observer)?)
    }
}

/// The subgradient method's state.
pub struct Subgradient<'a> {
    oracle: &'a dyn DirectionalOracle,
    params: SubgradientParams,
    k: u64,
    x: Array1<f64>,
    g: Array1<f64>,
}

impl<'a> Subgradient<'a> {
    /// Checks α₀ > 0 and x0.
    pub fn new(oracle: &'a dyn DirectionalOracle, x0: ArrayView1<f64>, params: SubgradientParams) -> Result<Self> {
        check_positive("step", params.step)?;
        check_dim("x0", oracle.dim(), x0.len())?;
        check_finite("x0", x0.iter())?;
        Ok(Subgradient {
            oracle,
            params,
            k: 0,
            x: x0.to_owned(),
            g: Array1::zeros(x0.len()),
        })
    }
}

impl Method for Subgradient<'_> {
    fn iterate(&self) -> ArrayView1<'_, f64> {
        self.x.view()
    }
    fn step(&mut self, work: &mut Work) -> StepOutcome {
        self.oracle.generalized_gradient(self.x.view(), self.g.view_mut());
        work.oracle_calls += 1;
        let a = subgradient_step(self.params.step, self.k, self.params.schedule);
        self.k += 1;
        self.x.scaled_add(-a, &self.g);
        StepOutcome::Continue
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gradus_oracle::problems::nonsmooth_toys::standard_toys;
    use gradus_oracle::{NoMetrics, Silent, Stop};

    #[test]
    fn decreases_every_toy() {
        for toy in standard_toys(0) {
            let r = SubgradientParams::new(0.5 / toy.lipschitz)
                .solve(
                    &*toy.oracle,
                    toy.x0.view(),
                    &RunConfig::new(Stop::iterations(5000), 1),
                    &NoMetrics,
                    &mut Silent,
                )
                .unwrap();
            let (f0, f1) = (toy.oracle.value(toy.x0.view()), toy.oracle.value(r.x.view()));
            assert!(f1 < 0.5 * f0, "{}: {f0} -> {f1}", toy.name);
        }
        assert_eq!(subgradient_step(1.0, 3, StepSchedule::InvSqrt), 0.5);
    }
}

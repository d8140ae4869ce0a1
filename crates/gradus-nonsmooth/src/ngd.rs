//! Normalized gradient descent: x⁺ = x − η g/‖g‖ with g ∈ ∂f(x). With η = δ it is INGD's outer step alone
//! (no interpolation, no descent test), so it has no (δ, ε) stopping test: monitor it with
//! [`crate::CertificateMonitor`].
//!
//! | parameter | default | range | meaning |
//! |---|---|---|---|
//! | `step` η | — | > 0 | the step length |
//!
//! Stops with `Converged` only at an exact zero gradient.

use ndarray::{Array1, ArrayView1};

use gradus_oracle::{DirectionalOracle, Method, Monitor, Observer, Report, RunConfig, StepOutcome, Work, run};

use crate::error::{Result, check_dim, check_finite, check_positive};
use crate::ingd::norm;

/// NGD's parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct NgdParams {
    /// η > 0.
    pub step: f64,
}

impl NgdParams {
    /// Step η.
    pub fn new(step: f64) -> Self {
        NgdParams { step }
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
        let mut m = Ngd::new(oracle, x0, self.clone())?;
        Ok(run(&mut m, monitor, config, observer)?)
    }
}

/// NGD's state.
pub struct Ngd<'a> {
    oracle: &'a dyn DirectionalOracle,
    step: f64,
    x: Array1<f64>,
    g: Array1<f64>,
}

impl<'a> Ngd<'a> {
    /// Checks η > 0 and x0.
    pub fn new(oracle: &'a dyn DirectionalOracle, x0: ArrayView1<f64>, params: NgdParams) -> Result<Self> {
        check_positive("step", params.step)?;
        check_dim("x0", oracle.dim(), x0.len())?;
        check_finite("x0", x0.iter())?;
        Ok(Ngd {
            oracle,
            step: params.step,
            x: x0.to_owned(),
            g: Array1::zeros(x0.len()),
        })
    }
}

impl Method for Ngd<'_> {
    fn iterate(&self) -> ArrayView1<'_, f64> {
        self.x.view()
    }
    fn step(&mut self, work: &mut Work) -> StepOutcome {
        self.oracle.generalized_gradient(self.x.view(), self.g.view_mut());
        work.oracle_calls += 1;
        let n = norm(&self.g);
        if n == 0.0 {
            return StepOutcome::Converged;
        }
        self.x.scaled_add(-self.step / n, &self.g);
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
            let r = NgdParams::new(1e-2)
                .solve(
                    &*toy.oracle,
                    toy.x0.view(),
                    &RunConfig::new(Stop::iterations(2000), 1),
                    &NoMetrics,
                    &mut Silent,
                )
                .unwrap();
            let (f0, f1) = (toy.oracle.value(toy.x0.view()), toy.oracle.value(r.x.view()));
            assert!(f1 < 0.5 * f0, "{}: {f0} -> {f1}", toy.name);
        }
        let toy = &standard_toys(0)[0];
        assert!(Ngd::new(&*toy.oracle, toy.x0.view(), NgdParams::new(0.0)).is_err());
    }
}

//! # gradus-adaptive
//!
//! Stochastic first-order methods whose step follows the gradient noise, after Zhang, Lin, Das, Sra and
//! Jadbabaie, "Stochastic optimization with non-stationary noise" (arXiv 2006.04429; ICLR 2021 submission
//! "… The Power of Moment Estimation"): when the second moment m_t² of the stochastic gradient changes over the
//! run, a step that follows it beats a constant one, and an online estimate of it recovers the gain.
//!
//! | method | file | step |
//! |---|---|---|
//! | [`Sgd`] | `sgd.rs` | constant η (the baseline of the theory) |
//! | [`IdealizedSgd`] | `idealized_sgd.rs` | min{cap, c/m_t^p} for a known schedule m_t (p ∈ {0, 1, 2}) |
//! | [`AdapSgd`] | `adap_sgd.rs` | lr/(√v_t + ε), v_t one EMA of ‖g‖² (the authors' code) |
//! | [`RmsProp`] | `rmsprop.rs` | the per-coordinate form of AdapSGD |
//! | [`SgdMomentum`] | `sgd_momentum.rs` | PyTorch's SGD with momentum |
//! | [`Adam`] | `adam.rs` | PyTorch's Adam |
//!
//! Every method is a [`StochasticStep`]: it runs on any [`StochasticOracle`] through [`StochasticRunner`] (one
//! step = one oracle call) or on any [`MiniBatchObjective`] through [`EpochTrainer`] (one step = one epoch of
//! shuffled mini-batches), both driven by the shared loop [`gradus_oracle::run`]; same seed ⇒ same bits. The
//! non-stationary noise model with known power means of m_t lives in the problem library,
//! [`gradus_oracle::problems::nonstationary_noise`].
//!
//! A user's own problem: a noisy quadratic whose noise grows with the iteration, solved by AdapSGD.
//!
//! ```
//! use gradus_adaptive::{AdapSgd, StochasticRunner};
//! use gradus_oracle::{run, NoMetrics, RunConfig, Silent, StochasticOracle, Stop};
//! use ndarray::{Array1, ArrayView1, ArrayViewMut1};
//! use rand::rngs::StdRng;
//! use rand::RngExt;
//! use std::sync::atomic::{AtomicU64, Ordering};
//!
//! /// f(x) = ½‖x − 1‖², gradients with uniform noise whose size grows with the call count.
//! struct Growing {
//!     calls: AtomicU64,
//! }
//!
//! impl StochasticOracle for Growing {
//!     fn dim(&self) -> usize {
//!         3
//!     }
//!     fn sample_gradient(&self, x: ArrayView1<f64>, rng: &mut StdRng, mut out: ArrayViewMut1<f64>) -> f64 {
//!         let t = self.calls.fetch_add(1, Ordering::Relaxed) as f64;
//!         let sigma = 0.1 * (1.0 + t / 500.0);
//!         for (o, &xi) in out.iter_mut().zip(x) {
//!             *o = xi - 1.0 + sigma * (2.0 * rng.random::<f64>() - 1.0);
//!         }
//!         0.5 * x.iter().map(|v| (v - 1.0) * (v - 1.0)).sum::<f64>()
//!     }
//! }
//!
//! let oracle = Growing { calls: AtomicU64::new(0) };
//! let x0 = Array1::from_elem(3, 5.0);
//! let mut runner = StochasticRunner::new(&oracle, Box::new(AdapSgd::new(3, 0.05)?), x0.view(), 7)?;
//! let report = run(&mut runner, &NoMetrics, &RunConfig::new(Stop::iterations(2000), 1), &mut Silent)?;
//! let distance = report.x.iter().map(|v| (v - 1.0).powi(2)).sum::<f64>().sqrt();
//! assert!(distance < 0.5, "distance to the minimizer {distance}");
//! # Ok::<(), gradus_adaptive::AdaptiveError>(())
//! ```
#![deny(missing_docs)]

pub mod adam;
pub mod adap_sgd;
pub mod error;
pub mod idealized_sgd;
pub mod rmsprop;
pub mod schedule;
pub mod sgd;
pub mod sgd_momentum;

pub use adam::Adam;
pub use adap_sgd::{AdapSgd, Order};
pub use error::{AdaptiveError, Result};
pub use gradus_oracle::StochasticOracle;
pub use gradus_oracle::problems::MiniBatchObjective;
pub use gradus_oracle::stochastic::{EpochTrainer, GradientFn, StochasticRunner, StochasticStep};
pub use idealized_sgd::IdealizedSgd;
pub use rmsprop::RmsProp;
pub use schedule::StepDecay;
pub use sgd::Sgd;
pub use sgd_momentum::SgdMomentum;

#[cfg(test)]
mod tests {
    use super::*;
    use gradus_oracle::problems::Mlp;
    use gradus_oracle::{NoMetrics, RunConfig, Silent, Stop, run};
    use ndarray::Array1;

    /// On the non-stationary noise oracle: same seed ⇒ same bits, another seed ⇒ another path; the idealized step
    /// follows the schedule the oracle uses (one oracle call per update).
    #[test]
    fn runs_on_the_noise_model_are_reproducible() {
        use gradus_oracle::problems::nonstationary_noise::{CosineWells, NoiseSchedule, NonstationaryNoise};
        let schedule = NoiseSchedule::bursts(200, 1.0, 100.0, 50, 10).unwrap();
        let levels = schedule.levels();
        let solve = |seed: u64, k: usize| -> Array1<f64> {
            let oracle = NonstationaryNoise::new(CosineWells::new(4, 2.0).unwrap(), schedule.clone());
            let opt: Box<dyn StochasticStep> = match k {
                0 => Box::new(IdealizedSgd::new(4, 0.05, 1, levels.clone()).unwrap()),
                1 => Box::new(AdapSgd::new(4, 0.05).unwrap()),
                _ => Box::new(RmsProp::new(4, 0.01).unwrap()),
            };
            let x0 = Array1::from_elem(4, 3.0);
            let mut r = StochasticRunner::new(&oracle, opt, x0.view(), seed).unwrap();
            let rep = run(
                &mut r,
                &NoMetrics,
                &RunConfig::new(Stop::iterations(200), 1),
                &mut Silent,
            )
            .unwrap();
            assert_eq!(oracle.calls(), 200);
            if k == 0 {
                let last = r.optimizer().step_size().unwrap();
                assert_eq!(last, 0.05 / 10.0, "the last update uses σ_199 = 10");
            }
            rep.x
        };
        for k in 0..3 {
            assert_eq!(solve(1, k), solve(1, k));
            assert_ne!(solve(1, k), solve(2, k));
        }
    }

    #[test]
    fn every_optimizer_learns_and_runs_are_deterministic() {
        let mlp = Mlp::three_blobs(9);
        let d = mlp.num_params();
        let make = |k: usize| -> Box<dyn StochasticStep> {
            match k {
                0 => Box::new(Sgd::new(d, 0.1).unwrap()),
                1 => Box::new(SgdMomentum::paper(d, 5).unwrap()),
                2 => Box::new(Adam::new(d, 1e-2, 0.9, 0.999, 1e-3, 1e-6).unwrap()),
                3 => Box::new(AdapSgd::authors(d, 0.1, 5).unwrap()),
                4 => Box::new(RmsProp::new(d, 1e-2).unwrap()),
                _ => Box::new(IdealizedSgd::new(d, 0.1, 1, vec![1.0]).unwrap()),
            }
        };
        for k in 0..6 {
            let train = || {
                let mut t = EpochTrainer::new(&mlp, make(k), mlp.init(2).view(), 32, 3).unwrap();
                let r = run(
                    &mut t,
                    &NoMetrics,
                    &RunConfig::new(Stop::iterations(5), 300),
                    &mut Silent,
                )
                .unwrap();
                (r, t.last_epoch_loss(), t.optimizer().name())
            };
            let (a, loss, name) = train();
            let (b, _, _) = train();
            assert_eq!(a.x, b.x, "{name} is not deterministic");
            assert_eq!(a.work.component_gradients, 5 * 300);
            assert_eq!(a.work.oracle_calls, 5 * 10);
            let (_, acc) = mlp.evaluate_train(a.x.view());
            assert!(acc > 0.9 && loss < 0.5, "{name}: accuracy {acc}, loss {loss}");
        }
    }
}

//! Running stochastic first-order methods through the shared loop ([`crate::run`]).
//!
//! A [`StochasticStep`] is one optimizer update that asks for one stochastic gradient at a point of its choosing
//! (SGD, AdapSGD and Adam at x_t; Stochastic INGD on the segment [x_{t−1}, x_t]). Two drivers turn it into a
//! [`Method`]:
//! - [`EpochTrainer`] over shuffled mini-batches of a [`MiniBatchObjective`] (one [`Method::step`] = one epoch);
//! - [`StochasticRunner`] over a [`StochasticOracle`] (one step = one oracle call).
//!
//! The optimizers live in the solver crates (gradus-adaptive: SGD, SGD-momentum, Adam, AdapSGD, RMSProp;
//! gradus-nonsmooth: Stochastic INGD); the drivers live here so that every optimizer runs on every problem.
//! Same seed ⇒ same bits: the drivers draw every sample from one `StdRng` seeded by the caller.

use ndarray::{Array1, ArrayView1, ArrayViewMut1};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;

use crate::error::{OracleError, Result, check_dim, check_finite};
use crate::oracle::StochasticOracle;
use crate::problems::MiniBatchObjective;
use crate::solve::{Method, StepOutcome};
use crate::work::Work;

/// A stochastic gradient oracle handed to an optimizer: writes a gradient at the given point into `out` and
/// returns the (mini-batch) loss there.
pub type GradientFn<'f> = dyn FnMut(ArrayView1<f64>, ArrayViewMut1<f64>) -> f64 + 'f;

/// A stochastic gradient oracle that also takes a direction d: writes a gradient at the given point consistent
/// with d (Zhang et al. 2020, Assumption 1(b); `None`: no direction) into `out` and returns the loss there.
pub type DirectionalGradientFn<'f> =
    dyn FnMut(ArrayView1<f64>, Option<ArrayView1<f64>>, ArrayViewMut1<f64>) -> f64 + 'f;

/// One optimizer update with one stochastic gradient.
pub trait StochasticStep: Send {
    /// Moves x, evaluating `grad` exactly once; returns the loss `grad` reported.
    fn update(&mut self, x: &mut Array1<f64>, grad: &mut GradientFn<'_>) -> f64;
    /// The same update with an oracle that takes a direction. A method that queries on a segment (Stochastic
    /// INGD) overrides it to pass the segment's direction; the default calls [`update`](Self::update) and passes
    /// none. [`StochasticRunner`] calls this one.
    fn update_directional(&mut self, x: &mut Array1<f64>, grad: &mut DirectionalGradientFn<'_>) -> f64 {
        self.update(x, &mut |p, out| grad(p, None, out))
    }
    /// Called before epoch `epoch` (0-based), for step-decay schedules.
    fn start_epoch(&mut self, _epoch: usize) {}
    /// The scalar step size η_t of the last update (x_{t+1} = x_t − η_t·d_t), for methods that have one (SGD,
    /// the idealized noise-adaptive step, AdapSGD); `None` for per-coordinate or momentum methods.
    fn step_size(&self) -> Option<f64> {
        None
    }
    /// The method's display name.
    fn name(&self) -> &'static str;
}

/// Trains over epochs of shuffled mini-batches (the last batch may be smaller, as PyTorch's default loader).
/// Work: one `oracle_calls` per mini-batch, `component_gradients` += batch size (so passes = epochs).
///
/// The problem's [`MiniBatchObjective::Workspace`] is created once and kept between batches and epochs, so an
/// epoch allocates nothing per batch (the order is shuffled in place; the optimizers update in place).
pub struct EpochTrainer<'a, P: MiniBatchObjective> {
    problem: &'a P,
    workspace: P::Workspace,
    optimizer: Box<dyn StochasticStep + 'a>,
    batch_size: usize,
    rng: StdRng,
    order: Vec<usize>,
    epoch: usize,
    x: Array1<f64>,
    last_loss: f64,
}

impl<'a, P: MiniBatchObjective> EpochTrainer<'a, P> {
    /// A trainer from x0 with mini-batches of `batch_size` shuffled by `seed`.
    pub fn new(
        problem: &'a P,
        optimizer: Box<dyn StochasticStep + 'a>,
        x0: ArrayView1<f64>,
        batch_size: usize,
        seed: u64,
    ) -> Result<Self> {
        if batch_size == 0 {
            return Err(OracleError::InvalidParameter {
                name: "batch_size",
                value: "0".into(),
                reason: "must be >= 1",
            });
        }
        check_dim("x0", problem.dim(), x0.len())?;
        check_finite("x0", x0.iter())?;
        Ok(EpochTrainer {
            problem,
            workspace: problem.workspace(),
            optimizer,
            batch_size,
            rng: StdRng::seed_from_u64(seed),
            order: (0..problem.len()).collect(),
            epoch: 0,
            x: x0.to_owned(),
            last_loss: f64::NAN,
        })
    }

    /// The mean mini-batch loss of the last epoch (at the points where gradients were taken).
    pub fn last_epoch_loss(&self) -> f64 {
        self.last_loss
    }

    /// Epochs done.
    pub fn epochs(&self) -> usize {
        self.epoch
    }

    /// The optimizer.
    pub fn optimizer(&self) -> &dyn StochasticStep {
        &*self.optimizer
    }
}

impl<P: MiniBatchObjective> Method for EpochTrainer<'_, P> {
    fn iterate(&self) -> ArrayView1<'_, f64> {
        self.x.view()
    }

    fn step(&mut self, work: &mut Work) -> StepOutcome {
        self.optimizer.start_epoch(self.epoch);
        self.order.shuffle(&mut self.rng);
        let (mut total, mut count) = (0.0, 0usize);
        let (problem, workspace) = (self.problem, &mut self.workspace);
        for batch in self.order.chunks(self.batch_size) {
            let mut grad =
                |p: ArrayView1<f64>, out: ArrayViewMut1<f64>| problem.batch_gradient(p, batch, workspace, out);
            let loss = self.optimizer.update(&mut self.x, &mut grad);
            work.oracle_calls += 1;
            work.component_gradients += batch.len() as u64;
            total += loss * batch.len() as f64;
            count += batch.len();
        }
        self.last_loss = total / count.max(1) as f64;
        self.epoch += 1;
        StepOutcome::Continue
    }
}

/// Runs an optimizer on a [`StochasticOracle`]; one step = one oracle call, with the direction the optimizer
/// passes ([`StochasticStep::update_directional`], [`StochasticOracle::sample_directional_gradient`]).
/// Optionally keeps every iterate (for Stochastic INGD's lagged output rule on small problems).
pub struct StochasticRunner<'a> {
    oracle: &'a dyn StochasticOracle,
    optimizer: Box<dyn StochasticStep + 'a>,
    rng: StdRng,
    x: Array1<f64>,
    last_loss: f64,
    history: Option<Vec<Array1<f64>>>,
}

impl<'a> StochasticRunner<'a> {
    /// A runner from x0 whose oracle samples are drawn from `seed`.
    pub fn new(
        oracle: &'a dyn StochasticOracle,
        optimizer: Box<dyn StochasticStep + 'a>,
        x0: ArrayView1<f64>,
        seed: u64,
    ) -> Result<Self> {
        check_dim("x0", oracle.dim(), x0.len())?;
        check_finite("x0", x0.iter())?;
        Ok(StochasticRunner {
            oracle,
            optimizer,
            rng: StdRng::seed_from_u64(seed),
            x: x0.to_owned(),
            last_loss: f64::NAN,
            history: None,
        })
    }

    /// Keeps x₁, x₂, … (memory: one vector per step).
    pub fn keep_history(mut self) -> Self {
        self.history = Some(vec![self.x.clone()]);
        self
    }

    /// The kept iterates (x₁ first), if any.
    pub fn history(&self) -> Option<&[Array1<f64>]> {
        self.history.as_deref()
    }

    /// The optimizer.
    pub fn optimizer(&self) -> &dyn StochasticStep {
        &*self.optimizer
    }

    /// The sample loss the oracle reported at the last step (NaN before the first).
    pub fn last_loss(&self) -> f64 {
        self.last_loss
    }
}

impl Method for StochasticRunner<'_> {
    fn iterate(&self) -> ArrayView1<'_, f64> {
        self.x.view()
    }

    fn step(&mut self, work: &mut Work) -> StepOutcome {
        let (oracle, rng) = (self.oracle, &mut self.rng);
        let mut grad = |p: ArrayView1<f64>, d: Option<ArrayView1<f64>>, out: ArrayViewMut1<f64>| match d {
            Some(d) => oracle.sample_directional_gradient(p, d, rng, out),
            None => oracle.sample_gradient(p, rng, out),
        };
        self.last_loss = self.optimizer.update_directional(&mut self.x, &mut grad);
        work.oracle_calls += 1;
        if let Some(h) = &mut self.history {
            h.push(self.x.clone());
        }
        StepOutcome::Continue
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::problems::Mlp;
    use crate::{NoMetrics, RunConfig, Silent, Stop, run};

    /// Plain SGD, written here only to drive the runners.
    struct PlainSgd {
        lr: f64,
        g: Array1<f64>,
    }

    impl StochasticStep for PlainSgd {
        fn update(&mut self, x: &mut Array1<f64>, grad: &mut GradientFn<'_>) -> f64 {
            let loss = grad(x.view(), self.g.view_mut());
            x.scaled_add(-self.lr, &self.g);
            loss
        }
        fn step_size(&self) -> Option<f64> {
            Some(self.lr)
        }
        fn name(&self) -> &'static str {
            "SGD"
        }
    }

    #[test]
    fn epoch_trainer_counts_work_learns_and_is_deterministic() {
        let mlp = Mlp::three_blobs(9);
        let d = mlp.num_params();
        let train = || {
            let opt = Box::new(PlainSgd {
                lr: 0.1,
                g: Array1::zeros(d),
            });
            let mut t = EpochTrainer::new(&mlp, opt, mlp.init(2).view(), 32, 3).unwrap();
            let r = run(
                &mut t,
                &NoMetrics,
                &RunConfig::new(Stop::iterations(5), 300),
                &mut Silent,
            )
            .unwrap();
            assert_eq!(t.optimizer().step_size(), Some(0.1));
            (r, t.last_epoch_loss())
        };
        let (a, loss) = train();
        let (b, _) = train();
        assert_eq!(a.x, b.x);
        assert_eq!(a.work.component_gradients, 5 * 300);
        assert_eq!(a.work.oracle_calls, 5 * 10);
        let (_, acc) = mlp.evaluate_train(a.x.view());
        assert!(acc > 0.9 && loss < 0.5, "accuracy {acc}, loss {loss}");
        let opt = Box::new(PlainSgd {
            lr: 0.1,
            g: Array1::zeros(d),
        });
        assert!(EpochTrainer::new(&mlp, opt, mlp.init(2).view(), 0, 3).is_err());
    }

    #[test]
    fn stochastic_runner_makes_one_oracle_call_per_step() {
        let mlp = Mlp::three_blobs(9);
        let d = mlp.num_params();
        let opt = Box::new(PlainSgd {
            lr: 0.05,
            g: Array1::zeros(d),
        });
        let mut r = StochasticRunner::new(&mlp, opt, mlp.init(1).view(), 4)
            .unwrap()
            .keep_history();
        let rep = run(&mut r, &NoMetrics, &RunConfig::new(Stop::iterations(7), 1), &mut Silent).unwrap();
        assert_eq!(rep.work.oracle_calls, 7);
        assert_eq!(r.history().unwrap().len(), 8);
        assert!(r.last_loss().is_finite());
        let bad = Array1::from_elem(d + 1, 0.0);
        let opt = Box::new(PlainSgd {
            lr: 0.05,
            g: Array1::zeros(d),
        });
        assert!(StochasticRunner::new(&mlp, opt, bad.view(), 4).is_err());
    }
}

//! DGD, decentralized gradient descent (Nedić and Ozdaglar 2009):
//!
//! ```text
//! X^{k+1} = W_mix X^k − α_k ∇F(X^k),   α_k = α/(k + 1)^p
//! ```
//! One communication round and one gradient computation per iteration. With a constant step (p = 0) it converges
//! only to an O(α)-neighbourhood of the optimum; with p ∈ (0, 1] it converges, sublinearly.
//!
//! | name | default | range | meaning |
//! |---|---|---|---|
//! | `step` | min(1, 1 + λ_min(W_mix))/L | > 0 | α |
//! | `decay` | 0 | [0, 1] | p in α_k = α/(k + 1)^p |
//!
//! Reference: A. Nedić, A. Ozdaglar, *Distributed subgradient methods for multi-agent optimization*, IEEE TAC
//! 54(1), 2009; K. Yuan, Q. Ling, W. Yin, *On the convergence of decentralized gradient descent*, SIAM J. Optim.
//! 26(3), 2016.

use gradus_oracle::{Method, Monitor, Observer, Report, RunConfig, StepOutcome, Work, run};
use ndarray::{Array2, ArrayView1, ArrayView2};

use crate::consensus::{LocalProblem, agree_finite, check_run_config, flat, prepare};
use crate::error::{Result, check_positive, invalid};
use crate::network::{Communicator, mixing_product};

/// The parameters of DGD (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct DgdParams {
    /// α (None: the default rule).
    pub step: Option<f64>,
    /// p.
    pub decay: f64,
}

impl DgdParams {
    /// The defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets α.
    pub fn step(mut self, alpha: f64) -> Self {
        self.step = Some(alpha);
        self
    }

    /// Sets p.
    pub fn decay(mut self, p: f64) -> Self {
        self.decay = p;
        self
    }

    /// Runs DGD on the shared loop.
    pub fn solve(
        &self,
        problem: &LocalProblem,
        comm: &dyn Communicator,
        x0: ArrayView2<f64>,
        config: &RunConfig,
        monitor: &dyn Monitor,
        observer: &mut dyn Observer,
    ) -> Result<Report> {
        check_run_config(comm, config)?;
        let mut state = DgdState::new(problem, comm, x0, self)?;
        Ok(run(&mut state, monitor, config, observer)?)
    }
}

/// The state of DGD.
pub struct DgdState<'a> {
    problem: &'a LocalProblem,
    comm: &'a dyn Communicator,
    alpha: f64,
    decay: f64,
    x: Array2<f64>,
    mx: Array2<f64>,
    g: Array2<f64>,
    k: u64,
}

impl<'a> DgdState<'a> {
    /// Checks the parameters and X₀.
    pub fn new(
        problem: &'a LocalProblem,
        comm: &'a dyn Communicator,
        x0: ArrayView2<f64>,
        params: &DgdParams,
    ) -> Result<Self> {
        let constants = prepare(problem, comm, x0)?;
        let s = comm.spectrum();
        let mix_min = 1.0 - s.lambda_max / s.mixing_scale;
        let alpha = params.step.unwrap_or((1.0 + mix_min).min(1.0) / constants.l);
        check_positive("dgd", "step", alpha)?;
        if !(0.0..=1.0).contains(&params.decay) {
            return Err(invalid("dgd", "decay", params.decay, "must lie in [0, 1]"));
        }
        Ok(DgdState {
            problem,
            comm,
            alpha,
            decay: params.decay,
            x: x0.to_owned(),
            mx: Array2::zeros(x0.dim()),
            g: Array2::zeros(x0.dim()),
            k: 0,
        })
    }
}

impl Method for DgdState<'_> {
    fn iterate(&self) -> ArrayView1<'_, f64> {
        flat(&self.x)
    }

    fn step(&mut self, work: &mut Work) -> StepOutcome {
        self.problem
            .gradients(self.comm, self.x.view(), self.g.view_mut(), work);
        mixing_product(self.comm, self.x.view(), self.mx.view_mut(), work);
        let a = self.alpha / ((self.k + 1) as f64).powf(self.decay);
        self.x.assign(&self.mx);
        self.x.scaled_add(-a, &self.g);
        self.k += 1;
        agree_finite(self.comm, &mut self.x);
        StepOutcome::Continue
    }
}

//! NIDS, the network-independent step-size method (Li, Shi, Yan 2019):
//!
//! ```text
//! X¹ = X⁰ − α∇F(X⁰)
//! X^{k+1} = W̃(2X^k − X^{k−1} − α(∇F(X^k) − ∇F(X^{k−1}))),   W̃ = (I + W_mix)/2
//! ```
//! One communication round (from the second iteration on) and one gradient computation per iteration.
//!
//! | name | default | range | meaning |
//! |---|---|---|---|
//! | `step` | 1/L | > 0, converges for α < 2/L | α |
//!
//! Reference: Z. Li, W. Shi, M. Yan, *A decentralized proximal-gradient method with network independent
//! step-sizes and separated convergence rates*, IEEE TSP 67(17), 2019; `nda` (liboyue/Network-Distributed-Algorithm).

use gradus_oracle::{Method, Monitor, Observer, Report, RunConfig, StepOutcome, Work, run};
use ndarray::{Array2, ArrayView1, ArrayView2, Zip};

use crate::consensus::{LocalProblem, agree_finite, check_run_config, flat, prepare};
use crate::error::{Result, check_positive};
use crate::network::{Communicator, mixing_product};

/// The parameters of NIDS (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct NidsParams {
    /// α (None: 1/L).
    pub step: Option<f64>,
}

impl NidsParams {
    /// The defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets α.
    pub fn step(mut self, alpha: f64) -> Self {
        self.step = Some(alpha);
        self
    }

    /// Runs NIDS on the shared loop.
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
        let mut state = NidsState::new(problem, comm, x0, self)?;
        Ok(run(&mut state, monitor, config, observer)?)
    }
}

/// The state of NIDS.
pub struct NidsState<'a> {
    problem: &'a LocalProblem,
    comm: &'a dyn Communicator,
    alpha: f64,
    x: Array2<f64>,
    x_prev: Array2<f64>,
    g: Array2<f64>,
    g_prev: Array2<f64>,
    v: Array2<f64>,
    mv: Array2<f64>,
    started: bool,
}

impl<'a> NidsState<'a> {
    /// Checks the parameters and X₀.
    pub fn new(
        problem: &'a LocalProblem,
        comm: &'a dyn Communicator,
        x0: ArrayView2<f64>,
        params: &NidsParams,
    ) -> Result<Self> {
        let constants = prepare(problem, comm, x0)?;
        let alpha = params.step.unwrap_or(1.0 / constants.l);
        check_positive("nids", "step", alpha)?;
        let z = Array2::zeros(x0.dim());
        Ok(NidsState {
            problem,
            comm,
            alpha,
            x: x0.to_owned(),
            x_prev: z.clone(),
            g: z.clone(),
            g_prev: z.clone(),
            v: z.clone(),
            mv: z,
            started: false,
        })
    }
}

impl Method for NidsState<'_> {
    fn iterate(&self) -> ArrayView1<'_, f64> {
        flat(&self.x)
    }

    fn step(&mut self, work: &mut Work) -> StepOutcome {
        self.problem
            .gradients(self.comm, self.x.view(), self.g.view_mut(), work);
        let a = self.alpha;
        if !self.started {
            self.started = true;
            self.x_prev.assign(&self.x);
            self.g_prev.assign(&self.g);
            self.x.scaled_add(-a, &self.g);
            agree_finite(self.comm, &mut self.x);
            return StepOutcome::Continue;
        }
        // V = 2X − X_prev − α(G − G_prev); shift X, G.
        Zip::from(&mut self.v)
            .and(&mut self.x_prev)
            .and(&mut self.g_prev)
            .and(&self.x)
            .and(&self.g)
            .for_each(|v, xp, gp, &x, &g| {
                *v = 2.0 * x - *xp - a * (g - *gp);
                *xp = x;
                *gp = g;
            });
        mixing_product(self.comm, self.v.view(), self.mv.view_mut(), work);
        Zip::from(&mut self.x)
            .and(&self.v)
            .and(&self.mv)
            .for_each(|x, &v, &mv| *x = 0.5 * (v + mv));
        agree_finite(self.comm, &mut self.x);
        StepOutcome::Continue
    }
}

//! EXTRA (Shi, Ling, Wu, Yin 2015): exact first-order decentralized gradient method.
//!
//! ```text
//! X¹ = W_mix X⁰ − α∇F(X⁰)
//! X^{k+2} = (I + W_mix)X^{k+1} − W̃X^k − α(∇F(X^{k+1}) − ∇F(X^k)),   W̃ = (I + W_mix)/2
//! ```
//! with W_mix = I − W/s ([`crate::gossip`]). One communication round (W_mix X^{k+1}; W_mix X^k is kept from the
//! previous step) and one gradient computation per iteration. It is IDEAL with β = 0, η = ρ, one gradient step
//! and gossip (I − W_mix)/(2αρ) ([`crate::IdealParams::extra_equivalent`]).
//!
//! | name | default | range | meaning |
//! |---|---|---|---|
//! | `step` | min(1, 2λ_min(W̃))/L, λ_min(W̃) = 1 − λ_max/(2s) | > 0 | α; converges for α < 2λ_min(W̃)/L |
//!
//! Reference: W. Shi, Q. Ling, G. Wu, W. Yin, *EXTRA: An exact first-order algorithm for decentralized consensus
//! optimization*, SIAM J. Optim. 25(2), 2015; the authors' `EXTRA.m` in the IDEAL repository.

use gradus_oracle::{Method, Monitor, Observer, Report, RunConfig, StepOutcome, Work, run};
use ndarray::{Array2, ArrayView1, ArrayView2, Zip};

use crate::consensus::{LocalProblem, agree_finite, check_run_config, flat, prepare};
use crate::error::{Result, check_positive};
use crate::network::{Communicator, mixing_product};

/// The parameters of EXTRA (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ExtraParams {
    /// α (None: the default rule).
    pub step: Option<f64>,
}

/// The default EXTRA step min(1, 2λ_min(W̃))/L with λ_min(W̃) = 1 − λ_max/(2s).
pub fn extra_default_step(l: f64, lambda_max: f64, mixing_scale: f64) -> f64 {
    let w_tilde_min = 1.0 - lambda_max / (2.0 * mixing_scale);
    (2.0 * w_tilde_min).min(1.0) / l
}

impl ExtraParams {
    /// The defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets α.
    pub fn step(mut self, alpha: f64) -> Self {
        self.step = Some(alpha);
        self
    }

    /// Runs EXTRA on the shared loop.
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
        let mut state = ExtraState::new(problem, comm, x0, self)?;
        Ok(run(&mut state, monitor, config, observer)?)
    }
}

/// The state of EXTRA.
pub struct ExtraState<'a> {
    problem: &'a LocalProblem,
    comm: &'a dyn Communicator,
    alpha: f64,
    x: Array2<f64>,
    x_prev: Array2<f64>,
    mx: Array2<f64>,
    mx_prev: Array2<f64>,
    g: Array2<f64>,
    g_prev: Array2<f64>,
    started: bool,
}

impl<'a> ExtraState<'a> {
    /// Checks the parameters and X₀.
    pub fn new(
        problem: &'a LocalProblem,
        comm: &'a dyn Communicator,
        x0: ArrayView2<f64>,
        params: &ExtraParams,
    ) -> Result<Self> {
        let constants = prepare(problem, comm, x0)?;
        let s = comm.spectrum();
        let alpha = params
            .step
            .unwrap_or_else(|| extra_default_step(constants.l, s.lambda_max, s.mixing_scale));
        check_positive("extra", "step", alpha)?;
        let z = Array2::zeros(x0.dim());
        Ok(ExtraState {
            problem,
            comm,
            alpha,
            x: x0.to_owned(),
            x_prev: z.clone(),
            mx: z.clone(),
            mx_prev: z.clone(),
            g: z.clone(),
            g_prev: z,
            started: false,
        })
    }

    /// The step α in use.
    pub fn step_size(&self) -> f64 {
        self.alpha
    }
}

impl Method for ExtraState<'_> {
    fn iterate(&self) -> ArrayView1<'_, f64> {
        flat(&self.x)
    }

    fn step(&mut self, work: &mut Work) -> StepOutcome {
        mixing_product(self.comm, self.x.view(), self.mx.view_mut(), work);
        self.problem
            .gradients(self.comm, self.x.view(), self.g.view_mut(), work);
        let a = self.alpha;
        if !self.started {
            self.started = true;
            Zip::from(&mut self.x)
                .and(&mut self.x_prev)
                .and(&mut self.mx_prev)
                .and(&mut self.g_prev)
                .and(&self.mx)
                .and(&self.g)
                .for_each(|x, xp, mxp, gp, &mx, &g| {
                    *xp = *x;
                    *mxp = mx;
                    *gp = g;
                    *x = mx - a * g;
                });
        } else {
            Zip::from(&mut self.x)
                .and(&mut self.x_prev)
                .and(&mut self.mx_prev)
                .and(&mut self.g_prev)
                .and(&self.mx)
                .and(&self.g)
                .for_each(|x, xp, mxp, gp, &mx, &g| {
                    let new = *x + mx - 0.5 * (*xp + *mxp) - a * (g - *gp);
                    *xp = *x;
                    *mxp = mx;
                    *gp = g;
                    *x = new;
                });
        }
        agree_finite(self.comm, &mut self.x);
        StepOutcome::Continue
    }
}

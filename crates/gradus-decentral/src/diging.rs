//! DIGing, gradient tracking (Nedić, Olshevsky, Shi 2017; Qu and Li 2018):
//!
//! ```text
//! Y⁰ = ∇F(X⁰)
//! X^{k+1} = W_mix X^k − αY^k
//! Y^{k+1} = W_mix Y^k + ∇F(X^{k+1}) − ∇F(X^k)
//! ```
//! Two communication rounds (W_mix X, W_mix Y) and one gradient computation per iteration.
//!
//! | name | default | range | meaning |
//! |---|---|---|---|
//! | `step` | (1 − λ₂)/(2L), λ₂ of W_mix | > 0 | α; the theory needs α = O((1 − λ₂)²/L) in the worst case |
//!
//! Reference: A. Nedić, A. Olshevsky, W. Shi, *Achieving geometric convergence for distributed optimization over
//! time-varying graphs*, SIAM J. Optim. 27(4), 2017.

use gradus_oracle::{Method, Monitor, Observer, Report, RunConfig, StepOutcome, Work, run};
use ndarray::{Array2, ArrayView1, ArrayView2, Zip};

use crate::consensus::{LocalProblem, agree_finite, check_run_config, flat, prepare};
use crate::error::{Result, check_positive};
use crate::network::{Communicator, mixing_product};

/// The parameters of DIGing (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct DigingParams {
    /// α (None: (1 − λ₂)/(2L)).
    pub step: Option<f64>,
}

impl DigingParams {
    /// The defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets α.
    pub fn step(mut self, alpha: f64) -> Self {
        self.step = Some(alpha);
        self
    }

    /// Runs DIGing on the shared loop.
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
        let mut state = DigingState::new(problem, comm, x0, self)?;
        Ok(run(&mut state, monitor, config, observer)?)
    }
}

/// The state of DIGing.
pub struct DigingState<'a> {
    problem: &'a LocalProblem,
    comm: &'a dyn Communicator,
    alpha: f64,
    x: Array2<f64>,
    y: Array2<f64>,
    g: Array2<f64>,
    g_new: Array2<f64>,
    mx: Array2<f64>,
    my: Array2<f64>,
    started: bool,
}

impl<'a> DigingState<'a> {
    /// Checks the parameters and X₀.
    pub fn new(
        problem: &'a LocalProblem,
        comm: &'a dyn Communicator,
        x0: ArrayView2<f64>,
        params: &DigingParams,
    ) -> Result<Self> {
        let constants = prepare(problem, comm, x0)?;
        let s = comm.spectrum();
        let alpha = params.step.unwrap_or((1.0 - s.lambda2).max(1e-3) / (2.0 * constants.l));
        check_positive("diging", "step", alpha)?;
        let z = Array2::zeros(x0.dim());
        Ok(DigingState {
            problem,
            comm,
            alpha,
            x: x0.to_owned(),
            y: z.clone(),
            g: z.clone(),
            g_new: z.clone(),
            mx: z.clone(),
            my: z,
            started: false,
        })
    }
}

impl Method for DigingState<'_> {
    fn iterate(&self) -> ArrayView1<'_, f64> {
        flat(&self.x)
    }

    fn step(&mut self, work: &mut Work) -> StepOutcome {
        if !self.started {
            // Y⁰ = ∇F(X⁰): the first gradient computation.
            self.started = true;
            self.problem
                .gradients(self.comm, self.x.view(), self.g.view_mut(), work);
            self.y.assign(&self.g);
        }
        mixing_product(self.comm, self.x.view(), self.mx.view_mut(), work);
        mixing_product(self.comm, self.y.view(), self.my.view_mut(), work);
        let a = self.alpha;
        Zip::from(&mut self.x)
            .and(&self.mx)
            .and(&self.y)
            .for_each(|x, &mx, &y| *x = mx - a * y);
        self.problem
            .gradients(self.comm, self.x.view(), self.g_new.view_mut(), work);
        Zip::from(&mut self.y)
            .and(&mut self.g)
            .and(&self.my)
            .and(&self.g_new)
            .for_each(|y, g, &my, &gn| {
                *y = my + gn - *g;
                *g = gn;
            });
        agree_finite(self.comm, &mut self.x);
        StepOutcome::Continue
    }
}

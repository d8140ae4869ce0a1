//! SSDA, the single-step dual accelerated method (Scaman, Bach, Bubeck, Lee, Massoulié 2017), run as IDEAL with
//! ρ = 0 and exact (local) dual gradients:
//!
//! ```text
//! X_{k+1} = ∇F*(−Z_k)        (row-wise argmin fᵢ(x) + ⟨zᵢ, x⟩)
//! Y_{k+1} = Z_k + η·W X_{k+1}
//! Z_{k+1} = Y_{k+1} + β(Y_{k+1} − Y_k)
//! ```
//! (Scaman et al.'s Λ is −Z.) One communication round and one dual-gradient computation per iteration.
//!
//! Dual gradients are closed-form for quadratic nodes (cᵢ − Aᵢ⁻¹zᵢ, counted as one gradient computation). Any
//! other smooth strongly convex node (e.g. the split L2-logistic) gets them by a local inner solve
//! ([`crate::dual`]): L-BFGS warm-started at the node's previous dual gradient, with its curvature memory kept
//! across iterations, stopped when ‖∇fᵢ(x) + zᵢ‖ ≤ (δ/κᵢ)·(that norm at the warm start), which certifies that the
//! inner error contracts by δ per iteration; each inner gradient counts as a local gradient computation (the
//! largest count over the nodes per iteration).
//!
//! | name | default | range | meaning |
//! |---|---|---|---|
//! | `eta` | μ/λ_max | > 0 | dual step |
//! | `beta` | (√(κκ_W) − 1)/(√(κκ_W) + 1) | [0, 1) | dual momentum |
//! | `dual` | [`DualSolveParams::default`] (L-BFGS, δ = 1/2, memory 30, ≤ 1000 gradients) | see [`crate::dual`] | inner solves (non-quadratic nodes) |
//!
//! Reference: K. Scaman, F. Bach, S. Bubeck, Y. T. Lee, L. Massoulié, *Optimal algorithms for smooth and strongly
//! convex distributed optimization in networks*, ICML 2017, Alg. 1.

use gradus_oracle::{Monitor, Observer, Report, RunConfig};
use ndarray::ArrayView2;

use crate::consensus::{LocalProblem, check_run_config};
use crate::dual::DualSolveParams;
use crate::error::Result;
use crate::ideal::{IdealParams, IdealState};
use crate::network::Communicator;

/// The parameters of SSDA (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct SsdaParams {
    /// η (None: μ/λ_max).
    pub eta: Option<f64>,
    /// β (None: the Nesterov momentum of κκ_W).
    pub beta: Option<f64>,
    /// The local dual-gradient solves for non-quadratic nodes ([`crate::dual`]).
    pub dual: DualSolveParams,
}

impl SsdaParams {
    /// The defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// The IDEAL parameters this is.
    pub fn as_ideal(&self) -> IdealParams {
        IdealParams {
            eta: self.eta,
            beta: self.beta,
            dual: self.dual,
            ..IdealParams::ssda()
        }
    }

    /// The state (an [`IdealState`] with ρ = 0 and exact dual gradients).
    pub fn build<'a>(
        &self,
        problem: &'a LocalProblem,
        comm: &'a dyn Communicator,
        x0: ArrayView2<f64>,
    ) -> Result<IdealState<'a>> {
        IdealState::new(problem, comm, x0, &self.as_ideal())
    }

    /// Runs SSDA on the shared loop.
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
        let mut state = self.build(problem, comm, x0)?;
        Ok(gradus_oracle::run(&mut state, monitor, config, observer)?)
    }
}

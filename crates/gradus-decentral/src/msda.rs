//! MSDA, the multi-step dual accelerated method (Scaman et al. 2017): SSDA with every product by W replaced by
//! the Chebyshev polynomial P_K(W) ([`crate::chebyshev`]), K = ⌊√κ_W⌋, and the constants of P_K(W)'s spectral
//! bounds:
//!
//! ```text
//! X_{k+1} = ∇F*(−Z_k)
//! Y_{k+1} = Z_k + η·P_K(W) X_{k+1}
//! Z_{k+1} = Y_{k+1} + β(Y_{k+1} − Y_k)
//! η = μ(1 + c₁²ᴷ)/(1 + c₁ᴷ)²,   β = ((1 + c₁ᴷ)√κ − 1 + c₁ᴷ)/((1 + c₁ᴷ)√κ + 1 − c₁ᴷ)
//! ```
//! (η = μ/λ_max(P_K) and β the Nesterov momentum of κ·κ(P_K), the same as DADAO's `MSDA_optimizer`.)
//! K communication rounds and one dual-gradient computation per iteration. Dual gradients as in SSDA: closed-form
//! for quadratic nodes, by warm-started local L-BFGS solves to a certified accuracy otherwise ([`crate::dual`]).
//!
//! | name | default | range | meaning |
//! |---|---|---|---|
//! | `k` | ⌊√κ_W⌋ | ≥ 1 | Chebyshev degree |
//! | `eta`, `beta` | above | > 0, [0, 1) | dual step and momentum |
//! | `dual` | [`DualSolveParams::default`] | see [`crate::dual`] | inner solves (non-quadratic nodes) |
//!
//! Reference: K. Scaman et al., ICML 2017, Alg. 2.

use gradus_oracle::{Monitor, Observer, Report, RunConfig};
use ndarray::ArrayView2;

use crate::consensus::{LocalProblem, check_run_config};
use crate::dual::DualSolveParams;
use crate::error::Result;
use crate::ideal::{GossipChoice, IdealParams, IdealState};
use crate::network::Communicator;

/// The parameters of MSDA (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct MsdaParams {
    /// K (None: ⌊√κ_W⌋).
    pub k: Option<usize>,
    /// η (None: μ/λ_max(P_K)).
    pub eta: Option<f64>,
    /// β (None: the Nesterov momentum of κ·κ(P_K)).
    pub beta: Option<f64>,
    /// The local dual-gradient solves for non-quadratic nodes ([`crate::dual`]).
    pub dual: DualSolveParams,
}

impl MsdaParams {
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
            gossip: GossipChoice::Chebyshev(self.k),
            ..IdealParams::ssda()
        }
    }

    /// The state (an [`IdealState`] with ρ = 0, exact dual gradients and Chebyshev gossip).
    pub fn build<'a>(
        &self,
        problem: &'a LocalProblem,
        comm: &'a dyn Communicator,
        x0: ArrayView2<f64>,
    ) -> Result<IdealState<'a>> {
        IdealState::new(problem, comm, x0, &self.as_ideal())
    }

    /// Runs MSDA on the shared loop.
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

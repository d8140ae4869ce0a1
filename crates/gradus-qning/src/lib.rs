//! # gradus-qning
//!
//! Variance-reduced and full-gradient solvers on the linear-model fast path, their generic accelerators, duality
//! gaps, and index-free SVRG.
//!
//! | solver | file | what it is |
//! |---|---|---|
//! | [`SvrgParams`] | `svrg.rs` | prox-SVRG: uniform, Lᵢ-proportional or cyclic (shuffle-once) sampling, loopless option, lazy sparse updates |
//! | [`SagaParams`] | `saga.rs` | prox-SAGA with one scalar per sample and lazy sparse updates; uniform or cyclic |
//! | [`MisoParams`] | `miso.rs` | MISO with the δ safeguard for nμ ≪ L; uniform or cyclic |
//! | [`IstaParams`] | `ista.rs` | ISTA / FISTA with backtracking |
//! | [`CatalystParams`] | `catalyst.rs` | Catalyst around any inner solver |
//! | [`QningParams`] | `qning.rs` | QNing: L-BFGS on the Moreau envelope |
//! | [`IndexFreeSvrgParams`] | `index_free_svrg.rs` | SVRG for a stochastic oracle that hides the sample's index |
//! | [`solve_named`] | `auto.rs` | solvers by name, and `auto` |
//!
//! Objective: F(w) = (1/n) Σᵢ φ(aᵢᵀw; yᵢ) + (λ₂/2)‖w‖² + λ₁‖w‖₁ ([`gradus_oracle::LinearModel`]). Inner solvers
//! see the proximal-point subproblem F(w) + (κ/2)‖w − z‖² ([`ProximalPoint`]); κ = 0 is the plain solver.
//! Every solver runs on [`gradus_oracle::run`], one trace step per epoch (outer iteration for the
//! accelerators), and [`DualityGapMonitor`] gives the certified stopping metric `rel_gap`.
//!
//! ```
//! use gradus_oracle::{Design, LinearModel, Loss, RunConfig, Silent, Status, Stop};
//! use gradus_qning::{DualityGapMonitor, NamedOptions, solve_named};
//! use ndarray::{Array1, Array2};
//!
//! let x = Array2::from_shape_fn((200, 5), |(i, j)| ((i * 7 + j * 3) % 11) as f64 / 5.0 - 1.0);
//! let y = Array1::from_shape_fn(200, |i| if i % 3 == 0 { 1.0 } else { -1.0 });
//! let model = LinearModel::new(Design::dense(x).unwrap(), y, Loss::Logistic, 1e-3, 0.0).unwrap();
//! let config = RunConfig::new(Stop::iterations(500).with_target("rel_gap", 1e-10), model.n());
//! let x0 = Array1::zeros(5);
//! let (report, used) = solve_named("qning-svrg", &model, x0.view(), &config,
//!     &DualityGapMonitor::new(&model), &mut Silent, &NamedOptions::default()).unwrap();
//! assert_eq!(report.status, Status::Converged);
//! assert_eq!(used, "qning-svrg");
//! ```
#![deny(missing_docs)]

pub mod auto;
pub mod catalyst;
pub mod duality_gap;
pub mod error;
pub mod finite_sum;
pub mod guard;
pub mod index_free_svrg;
pub mod ista;
pub mod lazy;
pub mod lookahead;
pub mod miso;
pub mod proximal_point;
pub mod qning;
pub mod saga;
pub mod sampling;
pub mod svrg;

#[cfg(test)]
mod test_support;

pub use auto::{
    NamedOptions, SOLVER_NAMES, UNEVEN_ROWS_RATIO, UNEVEN_ROWS_SOLVERS, choose, offered_for, row_spread, solve_named,
};
pub use catalyst::{
    AcceleratorParams, Catalyst, CatalystParams, InnerStop, WarmStart, absolute_epsilon, default_kappa, momentum,
    next_alpha, relative_delta,
};
pub use duality_gap::{DualityGapMonitor, duality_gap};
pub use error::{QningError, Result};
pub use finite_sum::{FiniteSumPoint, TABLE_LIMIT, choose_finite_sum, solve_finite_sum};
pub use guard::run_guarded;
pub use index_free_svrg::{IndexFreeSvrgParams, ShuffledComponents};
pub use ista::{Ista, IstaParams};
pub use miso::{Miso, MisoParams};
pub use proximal_point::{EpochMethod, InnerSolver, ProximalPoint, Subproblem};
pub use qning::{PairRule, Qning, QningParams};
pub use saga::{Saga, SagaParams};
pub use sampling::Sampling;
pub use svrg::{Svrg, SvrgParams};

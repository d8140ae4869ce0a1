//! # gradus-classic
//!
//! Classic smooth solvers: the baselines every experiment compares against, and the inner solvers other gradus
//! crates build on. Each runs on the shared loop of [`gradus_oracle::run`] (stopping rules, traces, observers,
//! divergence detection) and writes only its step.
//!
//! | solver | file | what it is for |
//! |---|---|---|
//! | [`GdParams`] | `gd.rs` | gradient descent with step 1/L, a fixed step, or Armijo backtracking: the baseline |
//! | [`AgdParams`] | `agd.rs` | Nesterov's accelerated gradient (strongly convex and convex momentum, adaptive restart); [`AgdState`] is reusable as a warm-started inner solver (Catalyst) |
//! | [`LbfgsParams`] | `lbfgs.rs` | L-BFGS with a strong Wolfe line search ([`line_search`]); reaches ‖∇F‖ ≤ 1e-12 for certified reference values; [`LbfgsMemory`] is the two-loop recursion on its own (QNing) |
//! | [`NewtonParams`] | `newton.rs` | damped Newton for smooth [`gradus_oracle::LinearModel`]s with d ≤ 2000: certifies F* ([`certify_optimum`]) |
//!
//! Every solver has a builder of parameters with `Default` and `validate()`, and
//! `solve(problem, x0, config, monitor, observer) -> Result<Report, ClassicError>`. Problems are F = f + g with
//! g smooth: an L2 regularizer is handled by adding its gradient, an L1 one is rejected as
//! [`ClassicError::Unsupported`] (see [`smooth`]). Work is counted in [`gradus_oracle::Work`]: one full gradient per
//! gradient evaluation (`value_and_gradient` counts as one), one function value per value-only evaluation.
//!
//! ```
//! use gradus_classic::{AgdParams, LbfgsParams};
//! use gradus_oracle::{ObjectiveMonitor, Quadratic, RunConfig, Silent, Status, Stop};
//! use ndarray::{Array1, array};
//!
//! // f(x) = ½ (x − x*)ᵀ A (x − x*) with A = diag(1, 10, 100).
//! let a = ndarray::Array2::from_diag(&array![1.0, 10.0, 100.0]);
//! let problem = Quadratic::new(a, array![1.0, -2.0, 3.0], 1.0, 100.0).unwrap();
//! let x0 = Array1::zeros(3);
//! let config = RunConfig::new(Stop::iterations(1000).with_target("grad_norm", 1e-10), 1);
//! let monitor = ObjectiveMonitor::new(&problem);
//!
//! let report = AgdParams::default().solve(&problem, x0.view(), &config, &monitor, &mut Silent).unwrap();
//! assert_eq!(report.status, Status::Converged);
//! assert!((&report.x - problem.solution()).iter().all(|e| e.abs() < 1e-9));
//!
//! let report = LbfgsParams::default()
//!     .memory(5)
//!     .solve(&problem, x0.view(), &config, &monitor, &mut Silent)
//!     .unwrap();
//! assert_eq!(report.status, Status::Converged);
//! assert!(report.iterations < 20);
//! ```
#![deny(missing_docs)]

pub mod agd;
pub mod error;
pub mod gd;
pub mod lbfgs;
pub mod line_search;
pub mod newton;
pub mod smooth;

#[cfg(test)]
mod test_support;

pub use agd::{AgdParams, AgdState, AgdVariant};
pub use error::{ClassicError, Result};
pub use gd::{Armijo, GdParams, GdState, StepRule};
pub use lbfgs::{LbfgsMemory, LbfgsParams, LbfgsState};
pub use line_search::{LineSearchResult, LineSearchStatus, WolfeParams, strong_wolfe};
pub use newton::{NEWTON_MAX_DIM, NewtonParams, NewtonState, Optimum, certify_optimum, second_derivative};
pub use smooth::SmoothObjective;

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
//! | [`PreconditionedLbfgsParams`] | `preconditioned_lbfgs.rs` | L-BFGS on a linear model with H⁰ = P⁻¹, P a sampled Hessian or the Hessian's diagonal ([`preconditioner`]): the fastest certified solver of `gradus fit` on smooth problems |
//! | [`NewtonParams`] | `newton.rs` | damped Newton for smooth [`gradus_oracle::LinearModel`]s with d ≤ 2000: certifies F* ([`certify_optimum`]) |
//!
//! Every solver has a builder of parameters with `Default` and `validate()`, and
//! `solve(problem, x0, config, monitor, observer) -> Result<Report, ClassicError>`. Problems are F = f + g with
//! g smooth: an L2 regularizer is handled by adding its gradient, an L1 one is rejected as
//! [`ClassicError::Unsupported`] (see [`smooth`]). Work is counted in [`gradus_oracle::Work`]: one full gradient per
//! gradient evaluation (`value_and_gradient` counts as one), one function value per value-only evaluation.
//!
//! # Your own problem
//!
//! Implement [`gradus_oracle::Objective`] (dimension, value, gradient, a smoothness constant L, and the strong
//! convexity μ if known) and pass it to any solver. A [`gradus_oracle::Monitor`] names the metrics to record and
//! stop on; [`gradus_oracle::ObjectiveMonitor`] gives the objective and the gradient norm.
//!
//! ```
//! use gradus_classic::{AgdParams, LbfgsParams};
//! use gradus_oracle::{Objective, ObjectiveMonitor, RunConfig, Silent, Status, Stop};
//! use ndarray::{Array1, ArrayView1, ArrayViewMut1, array};
//!
//! /// f(x) = Σᵢ log(1 + exp(xᵢ − cᵢ)) + ½‖x‖²: L = 1/4 + 1, μ = 1.
//! struct SoftplusRidge {
//!     c: Array1<f64>,
//! }
//!
//! fn sigmoid(t: f64) -> f64 {
//!     1.0 / (1.0 + (-t).exp())
//! }
//!
//! impl Objective for SoftplusRidge {
//!     fn dim(&self) -> usize {
//!         self.c.len()
//!     }
//!     fn value(&self, x: ArrayView1<f64>) -> f64 {
//!         x.iter().zip(&self.c).map(|(&x, &c)| (x - c).exp().ln_1p() + 0.5 * x * x).sum()
//!     }
//!     fn gradient(&self, x: ArrayView1<f64>, mut out: ArrayViewMut1<f64>) {
//!         for i in 0..x.len() {
//!             out[i] = sigmoid(x[i] - self.c[i]) + x[i];
//!         }
//!     }
//!     fn smoothness(&self) -> f64 {
//!         1.25
//!     }
//!     fn strong_convexity(&self) -> f64 {
//!         1.0
//!     }
//! }
//!
//! let problem = SoftplusRidge { c: array![2.0, -1.0, 0.5] };
//! let x0 = Array1::zeros(3);
//! let config = RunConfig::new(Stop::iterations(1000).with_target("grad_norm", 1e-10), 1);
//! let monitor = ObjectiveMonitor::new(&problem);
//!
//! let agd = AgdParams::default().solve(&problem, x0.view(), &config, &monitor, &mut Silent)?;
//! let lbfgs = LbfgsParams::default().solve(&problem, x0.view(), &config, &monitor, &mut Silent)?;
//! for report in [&agd, &lbfgs] {
//!     assert_eq!(report.status, Status::Converged);
//!     // The optimality condition σ(xᵢ − cᵢ) + xᵢ = 0.
//!     for i in 0..3 {
//!         assert!((sigmoid(report.x[i] - problem.c[i]) + report.x[i]).abs() <= 1e-10);
//!     }
//! }
//! assert!(lbfgs.iterations < agd.iterations);
//! println!("AGD: {} iterations, L-BFGS: {} ({} gradients)", agd.iterations, lbfgs.iterations, lbfgs.work.full_gradients);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]

pub mod agd;
pub mod error;
pub mod gd;
pub mod lbfgs;
pub mod line_search;
pub mod newton;
pub mod preconditioned_lbfgs;
pub mod preconditioner;
pub mod smooth;

#[cfg(test)]
mod test_support;

pub use agd::{AgdParams, AgdState, AgdVariant};
pub use error::{ClassicError, Result};
pub use gd::{Armijo, GdParams, GdState, StepRule};
pub use lbfgs::{LbfgsMemory, LbfgsParams, LbfgsState};
pub use line_search::{LineSearchResult, LineSearchStatus, WolfeParams, strong_wolfe};
pub use newton::{NEWTON_MAX_DIM, NewtonParams, NewtonState, Optimum, certify_optimum, second_derivative};
pub use preconditioned_lbfgs::{PRECONDITIONED_MEMORY, PreconditionedLbfgsParams, PreconditionedLbfgsState};
pub use preconditioner::{LinearModelPreconditioner, Preconditioner, PreconditionerKind};
pub use smooth::SmoothObjective;

//! # gradus-qning
//!
//! Variance-reduced and full-gradient solvers (SVRG, SAGA, MISO, ISTA/FISTA), their accelerators (Catalyst,
//! QNing), duality gaps and index-free SVRG — on **your own finite sum**, and on the linear-model fast path.
//!
//! ## Your own finite sum
//!
//! Implement [`gradus_oracle::Objective`] and [`gradus_oracle::FiniteSum`] for your type (components fᵢ with
//! dense gradients; a prox-able regularizer from [`gradus_oracle::Objective::regularizer`]) and call
//! [`solve_finite_sum`] with any solver name. Here robust regression with the Huber loss, stopped on the
//! certified bound (F(x) − F*)/F* ≤ `rel_subopt_bound` of [`gradus_oracle::ObjectiveMonitor`]:
//!
//! ```
//! use gradus_oracle::{FiniteSum, Objective, ObjectiveMonitor, Regularizer, RunConfig, Silent, Status, Stop};
//! use gradus_qning::{NamedOptions, solve_finite_sum};
//! use ndarray::{Array1, Array2, ArrayView1, ArrayViewMut1};
//!
//! /// fᵢ(w) = H(aᵢᵀw − bᵢ), H(r) = r²/2 for |r| ≤ 1, |r| − 1/2 beyond; plus (λ/2)‖w‖².
//! struct Huber { a: Array2<f64>, b: Array1<f64>, lambda: f64 }
//! impl Huber {
//!     fn slope(&self, i: usize, w: ArrayView1<f64>) -> f64 { (self.a.row(i).dot(&w) - self.b[i]).clamp(-1.0, 1.0) }
//! }
//! impl Objective for Huber {
//!     fn dim(&self) -> usize { self.a.ncols() }
//!     fn value(&self, w: ArrayView1<f64>) -> f64 {
//!         (0..self.len()).map(|i| self.component_value(i, w)).sum::<f64>() / self.len() as f64
//!     }
//!     fn gradient(&self, w: ArrayView1<f64>, mut out: ArrayViewMut1<f64>) {
//!         out.fill(0.0);
//!         for i in 0..self.len() { out.scaled_add(self.slope(i, w) / self.len() as f64, &self.a.row(i)); }
//!     }
//!     fn smoothness(&self) -> f64 { self.mean_component_smoothness() }
//!     fn regularizer(&self) -> Regularizer { Regularizer::L2(self.lambda) }
//! }
//! impl FiniteSum for Huber {
//!     fn len(&self) -> usize { self.a.nrows() }
//!     fn component_value(&self, i: usize, w: ArrayView1<f64>) -> f64 {
//!         let r: f64 = self.a.row(i).dot(&w) - self.b[i];
//!         if r.abs() <= 1.0 { 0.5 * r * r } else { r.abs() - 0.5 }
//!     }
//!     fn component_gradient(&self, i: usize, w: ArrayView1<f64>, mut out: ArrayViewMut1<f64>) {
//!         out.assign(&self.a.row(i));
//!         out *= self.slope(i, w);
//!     }
//!     fn component_smoothness(&self, i: usize) -> f64 { self.a.row(i).dot(&self.a.row(i)) }
//! }
//!
//! let a = Array2::from_shape_fn((300, 4), |(i, j)| ((i * 7 + j * 3) % 11) as f64 / 5.0 - 1.0);
//! let b = Array1::from_shape_fn(300, |i| if i % 10 == 0 { 30.0 } else { a[[i, 0]] - 2.0 * a[[i, 3]] });
//! let problem = Huber { a, b, lambda: 1e-3 };
//! let config = RunConfig::new(Stop::iterations(300).with_target("rel_subopt_bound", 1e-10), problem.len());
//! let (report, used) = solve_finite_sum("qning-svrg", &problem, Array1::zeros(4).view(), &config,
//!     &ObjectiveMonitor::new(&problem), &mut Silent, &NamedOptions::default()).unwrap();
//! assert_eq!(report.status, Status::Converged);
//! assert_eq!(used, "qning-svrg");
//! ```
//!
//! Every name of [`SOLVER_NAMES`] runs there (`auto`: [`choose_finite_sum`]); SAGA and MISO keep an n × d table
//! (refused above [`TABLE_LIMIT`] doubles), SVRG and ISTA/FISTA need O(d). The example
//! `examples/huber_regression.rs` checks this against L-BFGS. See [`finite_sum`].
//!
//! ## The linear-model fast path
//!
//! When fᵢ(w) = φ(aᵢᵀw; yᵢ), build a [`gradus_oracle::LinearModel`] (losses logistic, squared, squared hinge, or
//! your own through [`gradus_oracle::Loss::Custom`]) and call [`solve_named`]: SVRG/SAGA/MISO then store one
//! scalar per sample, update sparse data lazily, and [`DualityGapMonitor`] gives the certified `rel_gap`.
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
//! | [`choose_solver()`] | `choose_solver.rs` | `auto` of `gradus fit` and the Python package: lbfgs-precond, FISTA or the rule of `auto.rs` |
//! | [`solve_finite_sum`] | `finite_sum/` | the same names on any finite sum (`svrg.rs`, `saga.rs`, `miso.rs`, `ista.rs`) |
//!
//! Objective: F(w) = (1/n) Σᵢ φ(aᵢᵀw; yᵢ) + (λ₂/2)‖w‖² + λ₁‖w‖₁. Inner solvers see the proximal-point
//! subproblem F(w) + (κ/2)‖w − z‖² ([`ProximalPoint`] on the fast path, [`FiniteSumPoint`] on the generic one);
//! the accelerators see it only through [`Subproblem`], so they drive either. κ = 0 is the plain solver. Every
//! solver runs on [`gradus_oracle::run`], one trace step per epoch (outer iteration for the accelerators).
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
pub mod choose_solver;
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
pub use choose_solver::{AUTO_STOCHASTIC_MIN_N, choose_solver};
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

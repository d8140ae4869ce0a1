//! # gradus-nonsmooth
//!
//! (δ, ε)-stationary points of nonsmooth nonconvex functions, after Zhang, Lin, Jegelka, Jadbabaie and Sra,
//! "Complexity of Finding Stationary Points of Nonsmooth Nonconvex Functions" (ICML 2020).
//!
//! A point x is (δ, ε)-stationary when some convex combination of generalized gradients taken within distance δ
//! of x has norm ≤ ε (dist(0, ∂_δ f(x)) ≤ ε, Goldstein's δ-subdifferential). For a Lipschitz function this is
//! reachable in finitely many oracle calls, while ε-stationarity alone is not (the paper's Theorem 5).
//!
//! # Your own problem
//!
//! INGD needs the directional oracle of the paper's Assumption 1: f(x), and at a direction d a generalized
//! gradient g ∈ ∂f(x) with ⟨g, d⟩ = f′(x; d) (at a kink, the gradient of the piece that d moves into). Implement
//! [`gradus_oracle::DirectionalOracle`] and pass δ, ε and a Lipschitz constant L (a bound on ‖g‖ wherever the run
//! queries; INGD raises it when a larger gradient shows up). The run stops when INGD's own test ‖m‖ ≤ ε holds;
//! [`certify`] checks the result independently.
//!
//! ```
//! use gradus_nonsmooth::{CertificateParams, IngdParams, certify};
//! use gradus_oracle::{DirectionalOracle, NoMetrics, RunConfig, Silent, Status, Stop};
//! use ndarray::{ArrayView1, ArrayViewMut1, array};
//!
//! /// f(x) = |x₁ − 1| + 2|x₂|, nonsmooth at its minimizer (1, 0).
//! struct TwoKinks;
//!
//! impl DirectionalOracle for TwoKinks {
//!     fn dim(&self) -> usize {
//!         2
//!     }
//!     fn value(&self, x: ArrayView1<f64>) -> f64 {
//!         (x[0] - 1.0).abs() + 2.0 * x[1].abs()
//!     }
//!     fn directional_gradient(&self, x: ArrayView1<f64>, d: ArrayView1<f64>, mut g: ArrayViewMut1<f64>) -> f64 {
//!         // The slope of |t| on the side that t + s·dt (s ↓ 0) lies on.
//!         let side = |t: f64, dt: f64| if t > 0.0 || (t == 0.0 && dt >= 0.0) { 1.0 } else { -1.0 };
//!         g[0] = side(x[0] - 1.0, d[0]);
//!         g[1] = 2.0 * side(x[1], d[1]);
//!         self.value(x)
//!     }
//! }
//!
//! let (delta, eps) = (0.05, 0.1);
//! let lipschitz = 5f64.sqrt(); // ‖g‖ = √(1 + 4) everywhere
//! let x0 = array![3.0, -2.0];
//! let config = RunConfig::new(Stop::iterations(100_000), 1);
//! let report = IngdParams::new(delta, eps, lipschitz)
//!     .seed(1)
//!     .solve(&TwoKinks, x0.view(), &config, &NoMetrics, &mut Silent)?;
//! assert_eq!(report.status, Status::Converged); // INGD's own test ‖m‖ ≤ ε fired
//! println!("x = {}, {} oracle calls + {} function values", report.x, report.work.oracle_calls, report.work.function_values);
//!
//! // An independent check: the exact min-norm point of generalized gradients sampled in B_δ(x).
//! let cert = certify(&TwoKinks, report.x.view(), &CertificateParams::new(delta, eps))?;
//! assert!(cert.certified && cert.bound <= eps);
//! assert!((report.x[0] - 1.0).abs() <= 2.0 * delta && report.x[1].abs() <= 2.0 * delta);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! With only plain gradients (no direction), use [`MinNormIngd`] (Davis et al. 2022); for stochastic training,
//! [`StochasticIngd`] on a [`gradus_oracle::StochasticOracle`] ([`StochasticRunner`]) or a mini-batch objective
//! ([`EpochTrainer`]). Parameters, defaults and the measured results against the paper are in
//! `docs/nonsmooth.md`.
//!
//! # Contents
//!
//! - Solvers: [`Ingd`] (Algorithm 1, directional oracle), [`MinNormIngd`] (Davis et al. 2022, plain gradients),
//!   [`GradientSampling`] (Burke–Lewis–Overton), [`Subgradient`], [`Ngd`]; for stochastic training
//!   [`StochasticIngd`] (Algorithm 2), run by [`EpochTrainer`] (one step = one epoch of shuffled mini-batches)
//!   or [`StochasticRunner`] (one step = one stochastic oracle call); the stochastic baselines (SGD-momentum,
//!   Adam) live in gradus-adaptive.
//! - The certificate: [`certify`] bounds dist(0, ∂_δ f(x)) from above by the exact minimum-norm point
//!   ([`min_norm_point`], Wolfe's method) of generalized gradients sampled in B_δ(x).
//! - Budgets: [`theorem8`], [`theorem10`].
//! - Problems: the nonsmooth toys and the ReLU MLP live in the shared problem library,
//!   [`gradus_oracle::problems`] (`nonsmooth_toys`, `mlp`); the main types are re-exported here for convenience.
#![deny(missing_docs)]

pub mod budgets;
pub mod certificate;
pub mod error;
pub mod gradient_sampling;
pub mod ingd;
pub mod min_norm_point;
pub mod minnorm_ingd;
pub mod ngd;
pub mod stochastic;
pub mod stochastic_ingd;
pub mod subgradient;

pub use budgets::{Theorem8, Theorem10, theorem8, theorem10};
pub use certificate::{Certificate, CertificateMonitor, CertificateParams, certify};
pub use error::{NonsmoothError, Result};
pub use gradient_sampling::{GradientSampling, GradientSamplingParams};
pub use gradus_oracle::problems::{
    AbsAbs, ChebyshevRosenbrock, MaxAffine, MiniBatchObjective, Mlp, MlpWorkspace, NoisyOracle, ReluRegression,
};
pub use ingd::{Ingd, IngdParams};
pub use min_norm_point::{MinNormPoint, min_norm_point};
pub use minnorm_ingd::{MinNormIngd, MinNormIngdParams};
pub use ngd::{Ngd, NgdParams};
pub use stochastic::{EpochTrainer, StochasticRunner, StochasticStep};
pub use stochastic_ingd::StochasticIngd;
pub use subgradient::{StepSchedule, Subgradient, SubgradientParams};

//! # gradus-nonsmooth
//!
//! (δ, ε)-stationary points of nonsmooth nonconvex functions, after Zhang, Lin, Jegelka, Jadbabaie and Sra,
//! "Complexity of Finding Stationary Points of Nonsmooth Nonconvex Functions" (ICML 2020).
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

//! # gradus
//!
//! The facade of the gradus workspace: one dependency that re-exports every gradus crate, and the `gradus`
//! command-line tool (`inspect` a data file, `fit` a linear model).
//!
//! | module | crate | what it holds |
//! |---|---|---|
//! | [`oracle`] | `gradus-oracle` | problem and oracle traits, data matrices, losses, regularizers, the solve loop |
//! | [`data`] | `gradus-data` | LIBSVM / NPY / IDX readers, generators, preprocessing, diagnostics |
//! | [`classic`] | `gradus-classic` | gradient descent, Nesterov's accelerated gradient, L-BFGS, Newton |
//! | [`seg`] | `gradus-seg` | stochastic extragradient with random reshuffling for finite-sum variational inequalities |
//! | [`qning`] | `gradus-qning` | SVRG, SAGA, MISO, ISTA/FISTA, Catalyst and QNing on linear models, duality gaps |
//! | [`decentral`] | `gradus-decentral` | graphs, gossip, EXTRA/DIGing/NIDS/SSDA/MSDA/APM-C and IDEAL/MIDEAL |
//! | [`nonsmooth`] | `gradus-nonsmooth` | INGD, stochastic INGD, gradient sampling, baselines, (δ,ε)-certificates |
//! | [`adaptive`] | `gradus-adaptive` | SGD, noise-adaptive steps, AdapSGD, RMSProp, SGD-momentum, Adam |
//!
//! ```
//! use gradus::oracle::{Objective, Quadratic};
//! use ndarray::{Array1, Array2};
//!
//! let q = Quadratic::new(Array2::eye(3), Array1::ones(3), 1.0, 1.0).unwrap();
//! assert_eq!(q.value(q.solution().view()), 0.0);
//! ```
#![deny(missing_docs)]

pub use gradus_adaptive as adaptive;
pub use gradus_classic as classic;
pub use gradus_data as data;
pub use gradus_decentral as decentral;
pub use gradus_nonsmooth as nonsmooth;
pub use gradus_oracle as oracle;
pub use gradus_qning as qning;
pub use gradus_seg as seg;

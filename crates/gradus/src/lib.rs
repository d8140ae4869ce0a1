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
//! use gradus::classic::LbfgsParams;
//! use gradus::oracle::{Objective, ObjectiveMonitor, RunConfig, Silent, Status, Stop};
//! use ndarray::{Array1, ArrayView1, ArrayViewMut1};
//!
//! /// Your own problem: f(x) = Σⱼ cosh(xⱼ − j) + ½‖x‖², minimized where sinh(xⱼ − j) + xⱼ = 0.
//! struct CoshRidge;
//!
//! impl Objective for CoshRidge {
//!     fn dim(&self) -> usize {
//!         4
//!     }
//!     fn value(&self, x: ArrayView1<f64>) -> f64 {
//!         x.iter().enumerate().map(|(j, &xj)| (xj - j as f64).cosh() + 0.5 * xj * xj).sum()
//!     }
//!     fn gradient(&self, x: ArrayView1<f64>, mut out: ArrayViewMut1<f64>) {
//!         for (j, &xj) in x.iter().enumerate() {
//!             out[j] = (xj - j as f64).sinh() + xj;
//!         }
//!     }
//!     fn smoothness(&self) -> f64 {
//!         1.0 + 4f64.cosh() // valid where every |xⱼ − j| ≤ 4 (start and minimizer); L-BFGS searches its steps
//!     }
//!     fn strong_convexity(&self) -> f64 {
//!         2.0 // cosh″ ≥ 1, plus the ridge
//!     }
//! }
//!
//! let config = RunConfig::new(Stop::iterations(200).with_target("grad_norm", 1e-12), 1);
//! let x0 = Array1::zeros(4);
//! let report = LbfgsParams::default().solve(&CoshRidge, x0.view(), &config, &ObjectiveMonitor::new(&CoshRidge), &mut Silent)?;
//! assert_eq!(report.status, Status::Converged);
//! for (j, &xj) in report.x.iter().enumerate() {
//!     assert!(((xj - j as f64).sinh() + xj).abs() <= 1e-12);
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
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

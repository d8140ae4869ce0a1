//! # gradus-decentral
//!
//! Decentralized optimization on a network of m nodes: min_x Σᵢ fᵢ(x), node i holding fᵢ and talking only to
//! its neighbours in a graph.
//!
//! - [`graph`]: ring, path, star, complete, 2-D torus, barbell, Erdős–Rényi, random geometric; components.
//! - [`gossip`]: gossip matrices W (Laplacian, Metropolis–Hastings, max-degree, Sinkhorn–Knopp) validated to be
//!   symmetric PSD with kernel span(1) on a connected graph, and their spectra (λ_max, λ_min⁺, κ_W, λ₂).
//! - [`chebyshev`]: Chebyshev-accelerated gossip P_K(W) and its spectral bounds.
//! - [`network`]: the [`Communicator`] trait (neighbour exchange, all-reduce for diagnostics, node-local work)
//!   and the deterministic in-process [`Simulator`].
//! - [`consensus`]: consensus problems (per-node quadratics, split L2-logistic) with their global optimum, and the
//!   [`ConsensusMonitor`].
//! - Solvers, each a [`gradus_oracle::Method`] (one step = one outer iteration): see the table below.
//!
//! | solver | file | communication rounds / gradient computations per iteration |
//! |---|---|---|
//! | [`IdealParams`] (IDEAL, MIDEAL, SSDA as a special case) | `ideal.rs` | inner T·(rounds of the gossip) + 1 dual / T |
//! | [`MsdaParams`] (MSDA = IDEAL with ρ = 0, exact dual gradients, P_K(W)) | `msda.rs` | K / 1 dual gradient |
//! | [`SsdaParams`] (SSDA = IDEAL with ρ = 0, exact dual gradients) | `ssda.rs` | 1 / 1 dual gradient |
//! | [`ExtraParams`] | `extra.rs` | 1 / 1 |
//! | [`NidsParams`] | `nids.rs` | 1 / 1 |
//! | [`DigingParams`] | `diging.rs` | 2 / 1 |
//! | [`DgdParams`] (inexact with a constant step) | `dgd.rs` | 1 / 1 |
//! | [`ApmcParams`] | `apm_c.rs` | T_k / 1 |
//!
//! A dual gradient is closed-form on quadratic nodes (one gradient computation) and a local warm-started L-BFGS
//! solve to a certified accuracy on any other smooth strongly convex node ([`dual`]; its inner gradients count).
//!
//! Work is counted in [`gradus_oracle::Work`]: `communication_rounds` (one per product by W, K per product by
//! P_K(W)) and `full_gradients` (one per network-wide round of local gradients, every node computing ∇fᵢ once;
//! a closed-form dual gradient ∇fᵢ* counts the same, an inner solve its largest per-node gradient count).
//!
//! ```
//! use gradus_decentral::{ConsensusMonitor, ConsensusProblem, GossipKind, GossipMatrix, Graph, IdealParams, Simulator};
//! use gradus_oracle::{RunConfig, Silent, Status, Stop};
//! use ndarray::Array2;
//!
//! let w = GossipMatrix::from_graph(&Graph::ring(10).unwrap(), GossipKind::Laplacian).unwrap();
//! let net = Simulator::new(w);
//! let problem = ConsensusProblem::spec_quadratics(10, 5, 100.0, 0).unwrap();
//! let x0 = Array2::zeros((10, 5));
//! let monitor = ConsensusMonitor::new(&problem, x0.view());
//! let config = RunConfig::new(Stop::iterations(1000).with_target("rel_dist", 1e-10), 1);
//! // The default inner rule certifies a contraction by 1/2 of the inner error at every outer step; the spec's
//! // fixed T = ⌈√κ_in⌉ (`inner_factor: 1.0`) diverges on this problem (see `ideal.rs`).
//! let params = IdealParams::new();
//! let report = params.solve(&problem, &net, x0.view(), &config, &monitor, &mut Silent).unwrap();
//! assert_eq!(report.status, Status::Converged, "{:?}", report.trace.last_value("rel_dist"));
//! assert!(report.work.communication_rounds > 0 && report.work.full_gradients > 0);
//! ```
#![deny(missing_docs)]

pub mod apm_c;
pub mod chebyshev;
pub mod consensus;
pub mod dgd;
pub mod diging;
pub mod dual;
pub mod error;
pub mod extra;
pub mod gossip;
pub mod graph;
pub mod ideal;
pub mod msda;
#[cfg(feature = "mpi")]
pub mod mpi_backend;
pub mod network;
pub mod nids;
pub mod sharded;
pub mod ssda;

#[cfg(test)]
mod tests;

pub use apm_c::ApmcParams;
pub use chebyshev::{Chebyshev, GossipBuffers, GossipOperator};
pub use consensus::{ConsensusMonitor, ConsensusProblem};
pub use dgd::DgdParams;
pub use diging::DigingParams;
pub use dual::{DualAccuracy, DualGradients, DualInnerSolver, DualSolveParams, DualStatistics};
pub use error::{DecentralError, Result};
pub use extra::ExtraParams;
pub use gossip::{GossipKind, GossipMatrix, Spectrum};
pub use graph::Graph;
pub use ideal::{DualInit, GossipChoice, IdealParams, IdealState, InnerSolver, InnerStop};
pub use msda::MsdaParams;
pub use network::{Communicator, Simulator};
pub use nids::NidsParams;
pub use sharded::{ShardNode, ShardedObjective};
pub use ssda::SsdaParams;

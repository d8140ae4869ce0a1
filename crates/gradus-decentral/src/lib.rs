//! # gradus-decentral
//!
//! Decentralized optimization on a network of m nodes: min_x Σᵢ fᵢ(x), node i holding fᵢ and talking only to
//! its neighbours in a graph. A process holds a contiguous block of nodes (all m on the simulator, its own block
//! under MPI) and only their rows of every state.
//!
//! - [`graph`]: ring, path, star, complete, 2-D torus, barbell, Erdős–Rényi, random geometric; components.
//! - [`gossip`]: gossip matrices W (Laplacian, Metropolis–Hastings, max-degree, Sinkhorn–Knopp) validated to be
//!   symmetric PSD with kernel span(1) on a connected graph, and their spectra (λ_max, λ_min⁺, κ_W, λ₂).
//! - [`chebyshev`]: Chebyshev-accelerated gossip P_K(W) and its spectral bounds.
//! - [`network`]: the [`Communicator`] trait (neighbour exchange, all-reduce sum/max/min, gather, broadcast,
//!   node-local work, stop agreement), the deterministic in-process [`Simulator`], and [`VirtualProcess`] (the same
//!   network split into blocks run by threads).
//! - [`consensus`]: node-local problems ([`LocalProblem`] of [`LocalNode`]s: any [`gradus_oracle::Objective`], or
//!   sharded built-ins), the optional reference optimum, and the collective [`ConsensusMonitor`].
//! - Solvers, each a [`gradus_oracle::Method`] (one step = one outer iteration): see the table below.
//!
//! | solver | file | gossip rounds / gradient computations per iteration |
//! |---|---|---|
//! | [`IdealParams`] (IDEAL, MIDEAL, SSDA as a special case) | `ideal.rs` | T·(rounds of the gossip) / T (default T = ⌈2√κ_in⌉) |
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
//! Work is counted in [`gradus_oracle::Work`] as it happens: `communication_rounds` (one per product by W, K per
//! product by P_K(W)), `all_reduces` (every reduction an algorithm's logic uses: only IDEAL's optional gradient-norm
//! rules make any), `values_sent` (by the busiest node), and `full_gradients` (one per network-wide round of local
//! gradients; an inner dual solve counts its largest per-node count). Every process reports the same counts.
//! Monitor reductions are diagnostics and not counted; the setup's one reduction of the global constants is
//! reported apart ([`NetworkConstants::setup`]).
//!
//! ```
//! use gradus_decentral::{ConsensusMonitor, GossipKind, GossipMatrix, Graph, IdealParams, LocalNode, LocalProblem};
//! use gradus_decentral::Simulator;
//! use gradus_oracle::{Objective, RunConfig, Silent, Status, Stop};
//! use ndarray::{Array2, ArrayView1, ArrayViewMut1};
//!
//! // Your own node objective: fᵢ(x) = ½ Σₖ hₖ (xₖ − cₖ)², with its constants μᵢ = min h, Lᵢ = max h.
//! struct MyNode {
//!     h: [f64; 3],
//!     c: [f64; 3],
//! }
//! impl Objective for MyNode {
//!     fn dim(&self) -> usize {
//!         3
//!     }
//!     fn value(&self, x: ArrayView1<f64>) -> f64 {
//!         (0..3).map(|k| 0.5 * self.h[k] * (x[k] - self.c[k]).powi(2)).sum()
//!     }
//!     fn gradient(&self, x: ArrayView1<f64>, mut out: ArrayViewMut1<f64>) {
//!         for k in 0..3 {
//!             out[k] = self.h[k] * (x[k] - self.c[k]);
//!         }
//!     }
//!     fn smoothness(&self) -> f64 {
//!         self.h.iter().copied().fold(0.0, f64::max)
//!     }
//!     fn strong_convexity(&self) -> f64 {
//!         self.h.iter().copied().fold(f64::INFINITY, f64::min)
//!     }
//! }
//!
//! let nodes: Vec<LocalNode> = (0..10)
//!     .map(|i| LocalNode::new(MyNode { h: [1.0, 10.0 + i as f64, 50.0], c: [i as f64, 1.0, -1.0] }).unwrap())
//!     .collect();
//! let problem = LocalProblem::new("my nodes", 0, nodes).unwrap();
//! // The simulator holds every node, so the reference optimum can be computed centrally (optional).
//! let reference = problem.central_reference(1e-12).unwrap();
//! let problem = problem.with_reference(reference).unwrap();
//! let net = Simulator::new(GossipMatrix::from_graph(&Graph::ring(10).unwrap(), GossipKind::Laplacian).unwrap());
//! let x0 = Array2::zeros((10, 3));
//! let monitor = ConsensusMonitor::new(&problem, &net, x0.view());
//! let config = RunConfig::new(Stop::iterations(1000).with_target("rel_dist", 1e-10), 1);
//! let report = IdealParams::new().solve(&problem, &net, x0.view(), &config, &monitor, &mut Silent).unwrap();
//! assert_eq!(report.status, Status::Converged, "{:?}", report.trace.last_value("rel_dist"));
//! // The default inner rule needs no global reduction.
//! assert!(report.work.communication_rounds > 0 && report.work.all_reduces == 0);
//! // report.x holds this process's rows (here all 10 × 3, flattened); x̄ comes from the monitor.
//! assert_eq!(report.x.len(), 30);
//! assert!((monitor.mean()[2] + 1.0).abs() < 1e-4);
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
#[cfg(feature = "mpi")]
pub mod mpi_backend;
pub mod msda;
pub mod network;
pub mod nids;
pub mod sharded;
pub mod ssda;

#[cfg(test)]
mod tests;

pub use apm_c::ApmcParams;
pub use chebyshev::{Chebyshev, GossipBuffers, GossipOperator};
pub use consensus::{
    ConsensusMonitor, LocalNode, LocalProblem, NetworkConstants, Partition, Reference, linear_model_reference,
    network_mean,
};
pub use dgd::DgdParams;
pub use diging::DigingParams;
pub use dual::{DualAccuracy, DualGradients, DualInnerSolver, DualSolveParams, DualStatistics};
pub use error::{DecentralError, Result};
pub use extra::ExtraParams;
pub use gossip::{GossipKind, GossipMatrix, Spectrum};
pub use graph::Graph;
pub use ideal::{DEFAULT_INNER_FACTOR, DualInit, GossipChoice, IdealParams, IdealState, InnerSolver, InnerStop};
pub use msda::MsdaParams;
pub use network::{Communicator, NodeFn, Simulator, VirtualProcess};
pub use nids::NidsParams;
pub use sharded::{ShardNode, ShardedObjective};
pub use ssda::SsdaParams;

//! # gradus-seg
//!
//! Stochastic extragradient methods for finite-sum variational inequalities: find z* with F(z*) = 0 for
//! F = (1/n) Σᵢ Fᵢ (for a min–max game min_x max_y f(x, y), z = (x, y) and F = (∇ₓf, −∇_y f)).
//!
//! | solver | file | what |
//! |---|---|---|
//! | [`SegParams`] with [`Sampling::RandomReshuffling`] | `seg.rs` | SEG-RR: a fresh permutation every epoch |
//! | [`SegParams`] with [`Sampling::ShuffleOnce`] | `seg.rs` | SO-SEG: one permutation, reused |
//! | [`SegParams`] with [`Sampling::Incremental`] | `seg.rs` | IEG: the identity order |
//! | [`SegParams`] with [`Sampling::WithReplacement`] | `seg.rs` | SEG: i.i.d. uniform components (baseline) |
//! | [`SegParams::sgda`] | `seg.rs` | stochastic gradient descent–ascent (ω = 0) |
//! | [`ExtragradientParams`] | `extragradient.rs` | deterministic extragradient; [`ExtragradientParams::gda`] is GDA |
//!
//! Every solver runs on the shared loop [`gradus_oracle::run`]: one [`gradus_oracle::Method::step`] is one epoch
//! (n inner steps, 2n component evaluations counted in `Work::operator_evaluations`; pass
//! `RunConfig::epoch_size` = n, and `Work::operator_epochs(n)` gives epochs). Steps are given by role —
//! ω for the extrapolation, γ for the update — as [`Schedule`]s (constant, switching, two-timescale power laws);
//! [`theory_steps`] computes the paper's theory steps from the problem's constants. [`Averaging`] optionally
//! reports an average of the epoch iterates. [`OperatorMonitor`] records the paper's metric
//! ‖z − z*‖²/‖z₀ − z*‖² and the relative residual ‖F(z)‖²/‖F(z₀)‖².
//!
//! The problems (quadratic, bilinear and monotone games, the linear WGAN toy) are
//! [`gradus_oracle::QuadraticGame`]s in the shared problem library.
//!
//! ```
//! use gradus_oracle::{QuadraticGame, RunConfig, Silent, Stop};
//! use gradus_seg::theory_steps::{Constants, strongly_monotone_steps};
//! use gradus_seg::{OperatorMonitor, Sampling};
//! use ndarray::Array1;
//!
//! let game = QuadraticGame::random_identical(1, 100, 1.0, 1.0, 1).unwrap();
//! let steps = strongly_monotone_steps(&Constants::of(&game)).unwrap();
//! let z0 = Array1::from_elem(2, 1.0);
//! let monitor = OperatorMonitor::new(&game, z0.view());
//! let config = RunConfig::new(Stop::iterations(500), 100);
//! let rr = steps.params(Sampling::RandomReshuffling).seed(1);
//! let seg = steps.params(Sampling::WithReplacement).seed(1);
//! let e_rr = rr.solve(&game, z0.view(), &config, &monitor, &mut Silent).unwrap();
//! let e_seg = seg.solve(&game, z0.view(), &config, &monitor, &mut Silent).unwrap();
//! // Random reshuffling ends far closer to z* than with-replacement sampling at the same steps.
//! assert!(e_rr.trace.last_value("rel_error").unwrap() < 0.1 * e_seg.trace.last_value("rel_error").unwrap());
//! ```
//!
//! Reference: K. Emmanouilidis, R. Vidal, N. Loizou, *Stochastic Extragradient with Random Reshuffling: Improved
//! Convergence for Variational Inequalities*, AISTATS 2024. See `docs/seg.md` for the experiments.
#![deny(missing_docs)]

mod averaging;
pub mod error;
mod extragradient;
mod monitor;
pub mod sampling;
pub mod schedule;
mod seg;
pub mod theory_steps;

pub use averaging::Averaging;
pub use error::{Result, SegError};
pub use extragradient::{ExtragradientParams, ExtragradientState};
pub use monitor::OperatorMonitor;
pub use sampling::{BatchSize, IndexStream, Sampling};
pub use schedule::Schedule;
pub use seg::{EpochCallback, EpochView, SegParams, SegState};

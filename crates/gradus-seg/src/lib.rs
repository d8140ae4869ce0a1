//! # gradus-seg
//!
//! Stochastic extragradient methods for finite-sum variational inequalities: find z* with F(z*) = 0 for
//! F = (1/n) Σᵢ Fᵢ, or z* ∈ Z with ⟨F(z*), z − z*⟩ ≥ 0 for all z in a closed convex set Z. For a min–max game
//! min_x max_y f(x, y), z = (x, y) and F = (∇ₓf, −∇_y f).
//!
//! ## Your own problem
//!
//! Implement [`gradus_oracle::Operator`] (F and a Lipschitz constant) and [`gradus_oracle::FiniteSumOperator`]
//! (the components Fᵢ), then run a solver. Here a two-player game with n scalar components
//! fᵢ(x, y) = bᵢ x y + pᵢ x − qᵢ y, so Fᵢ(x, y) = (bᵢ y + pᵢ, −bᵢ x + qᵢ):
//!
//! ```
//! use gradus_oracle::{FiniteSumOperator, Operator, RunConfig, Silent, Stop};
//! use gradus_seg::{Sampling, SegParams};
//! use ndarray::{Array1, ArrayView1, ArrayViewMut1};
//!
//! struct MyGame {
//!     b: Vec<f64>,
//!     p: Vec<f64>,
//!     q: Vec<f64>,
//! }
//!
//! impl Operator for MyGame {
//!     fn dim(&self) -> usize {
//!         2
//!     }
//!     fn apply(&self, z: ArrayView1<f64>, mut out: ArrayViewMut1<f64>) {
//!         let n = self.b.len() as f64;
//!         let (b, p, q) = (self.b.iter().sum::<f64>() / n, self.p.iter().sum::<f64>() / n, self.q.iter().sum::<f64>() / n);
//!         out[0] = b * z[1] + p;
//!         out[1] = -b * z[0] + q;
//!     }
//!     fn lipschitz(&self) -> f64 {
//!         self.b.iter().sum::<f64>() / self.b.len() as f64
//!     }
//! }
//!
//! impl FiniteSumOperator for MyGame {
//!     fn len(&self) -> usize {
//!         self.b.len()
//!     }
//!     fn apply_component(&self, i: usize, z: ArrayView1<f64>, mut out: ArrayViewMut1<f64>) {
//!         out[0] = self.b[i] * z[1] + self.p[i];
//!         out[1] = -self.b[i] * z[0] + self.q[i];
//!     }
//!     fn component_lipschitz(&self, i: usize) -> f64 {
//!         self.b[i]
//!     }
//! }
//!
//! let game = MyGame { b: vec![1.0, 2.0, 3.0, 2.0], p: vec![0.5, -0.5, 1.0, 1.0], q: vec![1.0, 0.0, -1.0, 0.0] };
//! // SEG-RR: a fresh permutation of the 4 components every epoch, ω = 2γ.
//! let params = SegParams::constant(Sampling::RandomReshuffling, 0.02, 0.01).seed(1);
//! let config = RunConfig::new(Stop::iterations(5_000), game.len()); // 5000 epochs
//! let report = params.solve(&game, Array1::zeros(2).view(), &config, &gradus_oracle::NoMetrics, &mut Silent).unwrap();
//! // F(z) = 0 at x* = q̄/b̄ = 0, y* = −p̄/b̄ = −0.25; constant steps end in a small neighbourhood of z*.
//! assert!((report.x[0] - 0.0).abs() < 1e-2 && (report.x[1] + 0.25).abs() < 1e-2);
//! assert_eq!(report.work.operator_evaluations, 5_000 * 2 * 4);
//! ```
//!
//! ## The solvers
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
//! One inner step of SEG with a batch S (|S| = b) evaluates the same batch twice:
//! ū = P_Z(u − ω g_S(u)), u⁺ = P_Z(u − γ g_S(ū)), g_S = (1/b) Σ_{j∈S} Fⱼ; P_Z is the identity (not computed)
//! without a set. Steps are given by role, ω for the extrapolation and γ for the update, as [`Schedule`]s.
//!
//! **Units, for every solver of the crate.** One iteration of the run loop is one **epoch**: 2n component
//! evaluations (n for SGDA/GDA). `Stop::iterations(K)` runs K epochs, trace rows are numbered in epochs, and
//! `Work::operator_epochs(n)` counts them. An SEG epoch is ⌈n/b⌉ inner steps of batch b (the last one takes the
//! remainder); a deterministic extragradient iteration evaluates F twice, which is one epoch. Pass
//! `RunConfig::epoch_size` = n.
//!
//! ## The API by example
//!
//! Sampling, mini-batches, theory steps and an epoch callback on a game of the shared library:
//!
//! ```
//! use gradus_oracle::{NoMetrics, Operator, QuadraticGame, RunConfig, Silent, Stop};
//! use gradus_seg::theory_steps::{Constants, bilinear_shuffling_steps};
//! use gradus_seg::{BatchSize, OperatorMonitor, Sampling};
//! use ndarray::Array1;
//!
//! let game = QuadraticGame::random_bilinear(2, 10, 1.0, 2.0, 0.1, 3).unwrap();
//! // Constants::of reads n, L, L_max, A and μ; a bilinear game is not strongly monotone, so μ := σ_min(M̄),
//! // the paper's convention (constants.mu_source says so).
//! let steps = bilinear_shuffling_steps(&Constants::of(&game)).unwrap();
//! let z0 = Array1::from_elem(4, 1.0);
//! let config = RunConfig::new(Stop::iterations(200), 10);
//!
//! // SEG-RR with mini-batches of 2 (5 inner steps per epoch).
//! let rr = steps.params(Sampling::RandomReshuffling).batch(BatchSize::Constant(2)).seed(7);
//! let monitor = OperatorMonitor::new(&game, z0.view());
//! let report = rr.solve(&game, z0.view(), &config, &monitor, &mut Silent).unwrap();
//! assert!(report.trace.last_value("rel_error").unwrap() < 1.0);
//!
//! // With-replacement SEG with growing batches b_k = min(n, ⌈(k + 1)^1.1⌉).
//! let growing = steps.params(Sampling::WithReplacement).batch(BatchSize::Polynomial { b0: 1.0, power: 1.1 });
//! let report = growing.solve(&game, z0.view(), &config, &NoMetrics, &mut Silent).unwrap();
//! assert_eq!(report.work.operator_epochs(10), 200.0); // the same work per epoch as any sampling
//!
//! // The iterate after every epoch, through a callback.
//! let mut residuals = Vec::new();
//! let mut state = rr.state(&game, z0.view()).unwrap().on_epoch(|view| {
//!     let mut f = Array1::zeros(4);
//!     game.apply(view.iterate, f.view_mut());
//!     residuals.push(f.dot(&f));
//! });
//! state.solve(&config, &NoMetrics, &mut Silent).unwrap();
//! drop(state);
//! assert_eq!(residuals.len(), 200);
//! ```
//!
//! Your own order of the components ([`IndexStream`]) and a constraint set ([`gradus_oracle::ConvexSet`]: box,
//! ball, simplex, products of them, or your own) on a matrix game over simplices:
//!
//! ```
//! use gradus_oracle::{MatrixGame, NoMetrics, RunConfig, Silent, Stop};
//! use gradus_seg::{Averaging, IndexStream, Sampling, SegParams};
//! use ndarray::Array1;
//!
//! /// Even components first, then odd ones.
//! struct EvensFirst;
//! impl IndexStream for EvensFirst {
//!     fn next_epoch(&mut self, n: usize, out: &mut Vec<usize>) {
//!         out.clear();
//!         out.extend((0..n).step_by(2).chain((1..n).step_by(2)));
//!     }
//! }
//!
//! let game = MatrixGame::random(4, 3, 6, 0.2, 1).unwrap();
//! let set = game.feasible_set(); // Δ₄ × Δ₃
//! let z0 = Array1::from_elem(7, 0.3);
//! let params = SegParams::constant(Sampling::Incremental, 0.05, 0.05).averaging(Averaging::Uniform);
//! let mut state = params
//!     .state(&game, z0.view())
//!     .unwrap()
//!     .constrained_to(&set) // z₀ is projected; both half-steps are projected
//!     .unwrap()
//!     .with_index_stream(Box::new(EvensFirst));
//! let report = state.solve(&RunConfig::new(Stop::iterations(2_000), 6), &NoMetrics, &mut Silent).unwrap();
//! assert!(game.duality_gap(report.x.view()) < 0.05);
//! assert!((report.x.slice(ndarray::s![..4]).sum() - 1.0).abs() < 1e-12);
//! ```
//!
//! ## Parameters
//!
//! | `SegParams` | default | range | meaning |
//! |---|---|---|---|
//! | `sampling` | — | [`Sampling`] | order of the components in an epoch |
//! | `extrapolation` (ω) | — | [`Schedule`], ≥ 0 (0 = SGDA) | look-ahead step |
//! | `update` (γ) | — | [`Schedule`], > 0 | update step |
//! | `batch` | `Constant(1)` | [`BatchSize`]: constant b ≥ 1, polynomial or geometric growth, capped at n | indices per inner step |
//! | `averaging` | `None` | [`Averaging`], β ∈ [0, 1) | reported point: last iterate, uniform or exponential average |
//! | `seed` | 0 | any u64 | same seed ⇒ same bits |
//! | `record_inner_every` | none | ≥ 1 | record ‖u_t − z*‖² every this many inner steps |
//!
//! | on [`SegState`] | meaning |
//! |---|---|
//! | `constrained_to(&set)` | project onto a closed convex set (two projections per inner step) |
//! | `with_index_stream(Box::new(stream))` | your own component order ([`IndexStream`]) |
//! | `on_epoch(callback)` | receive the iterates after each epoch ([`EpochView`]) |
//!
//! [`ExtragradientParams`] takes `extrapolation`, `update` and `averaging`; [`ExtragradientState`] has
//! `constrained_to` and `on_iteration`. [`theory_steps`] computes the paper's step formulas from
//! [`theory_steps::Constants::of`]. [`OperatorMonitor`] records ‖z − z*‖²/‖z₀ − z*‖² (when z* is known) and
//! ‖F(z)‖²/‖F(z₀)‖².
//!
//! ## Results against the paper
//!
//! The `seg-rr` experiment (`cargo run --release -- seg-rr`) runs S1–S9 of the paper's experiments and three of
//! ours (a singular monotone game, mini-batches, a constrained matrix game); `docs/seg.md` lists every claim, its
//! threshold's source and its value. In short: SEG-RR's neighbourhood shrinks like γ² where SEG's shrinks like γ
//! (S1, S5, S7 hold); on a monotone game with a singular mean operator SEG-RR's best residual decays like
//! K^(−1.2…−1.6) at the paper's monotone step, at least the O(1/K) of the bound.
//!
//! ## Known limits
//!
//! - The theory-step formulas are transcribed from the authors' code; which theorem each belongs to, and the
//!   monotone theorem's exact quantity and constants, are not verified (the paper's body was not available).
//! - The switching schedule does not remove the plateau on bilinear games (it needs strong monotonicity; S9).
//! - Growing batches are capped at n: a with-replacement batch is at most n i.i.d. draws, so its noise floor does
//!   not vanish.
//! - OMD / OMD-RR (the second panel of the paper's WGAN figure) is not implemented.
//!
//! Reference: K. Emmanouilidis, R. Vidal, N. Loizou, *Stochastic Extragradient with Random Reshuffling: Improved
//! Convergence for Variational Inequalities*, AISTATS 2024 (PMLR 238:3682–3690).
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

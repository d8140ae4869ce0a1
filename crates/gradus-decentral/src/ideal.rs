//! IDEAL (Inexact DEcentralized Accelerated augmented Lagrangian) and MIDEAL (IDEAL on Chebyshev gossip).
//!
//! Accelerated gradient ascent on the dual of the augmented Lagrangian
//! L_ρ(X, λ) = F(X) + ⟨λ, √W X⟩ + (ρ/2)⟨X, WX⟩, written with Y = √W λ so that only products by W appear:
//!
//! ```text
//! Y₀ = Z₀ = 0                    (or ρ·W X₀, the EXTRA initialization)
//! for k = 0, 1, …
//!     P_k(X) = F(X) + ⟨Z_k, X⟩ + (ρ/2)⟨X, WX⟩         ∇P_k(X) = ∇F(X) + Z_k + ρWX
//!     X_{k+1} ≈ argmin P_k, by the inner solver warm-started at X_k
//!     Y_{k+1} = Z_k + η·W X_{k+1}
//!     Z_{k+1} = Y_{k+1} + β(Y_{k+1} − Y_k)
//! ```
//! MIDEAL replaces every product by W with P_K(W) ([`crate::chebyshev`]), and λ_max, λ_min⁺ by P_K(W)'s bounds.
//!
//! Inner solvers ([`InnerSolver`]): `Agd` (Nesterov, step h, momentum β_in, restarted at every outer step: y₀ = x₀
//! = X_k, as in the authors' `AccGDSolver.m`), `Gd` (step h), `Exact` (only with ρ = 0, where the inner problem
//! separates and the exact solve is the local dual gradient — SSDA: closed-form for quadratic nodes, by warm-started
//! local L-BFGS to a certified accuracy for any other smooth strongly convex node, [`crate::dual`]). Inner stopping
//! ([`InnerStop`]): a fixed T (the default, no global reduction), ‖∇P_k‖_F ≤ ε₀·qᵏ, or the certified contraction;
//! the last two test a network-wide norm and pay one counted all-reduce per inner iteration.
//!
//! **Op(X_k) is computed once.** The dual update's product Op(X_{k+1}) is kept and reused by the first inner
//! gradient of the next outer step (at Y = X_{k+1}), so one outer step costs T products (T − 1 in the inner loop, 1
//! in the dual update), i.e. T gossip rounds for IDEAL and K·T for MIDEAL, and T gradient computations. The product
//! ρWX₀ of `DualInit::RhoWX0` is charged to the first step. The EXTRA instance therefore makes one round and one
//! gradient per iteration, like EXTRA.
//!
//! # Parameter rules (spec §1.3, derived and checked numerically there)
//!
//! With μ, L the nodes' strong convexity and smoothness and λ_max, λ_min⁺, κ_W those of the gossip operator:
//! the dual function is L_d = λ_max/(μ + ρλ_max)-smooth and μ_d = λ_min⁺/(L + ρλ_min⁺)-strongly concave on
//! range(W), so κ_d = κ_W(L + ρλ_min⁺)/(μ + ρλ_max); each P_k is μ-strongly convex and (L + ρλ_max)-smooth,
//! κ_in = (L + ρλ_max)/μ.
//!
//! | name | default | range | meaning |
//! |---|---|---|---|
//! | `rho` | L/λ_max | ≥ 0 | augmentation ρ |
//! | `eta` | 1/L_d = ρ + μ/λ_max | > 0 | dual step η |
//! | `beta` | (√κ_d − 1)/(√κ_d + 1) | [0, 1) | dual momentum β |
//! | `inner` | `Agd` | `Agd`, `Gd`, `Exact` | inner solver |
//! | `inner_step` | 1/(L + ρλ_max) | > 0 | inner step h |
//! | `inner_momentum` | (√κ_in − 1)/(√κ_in + 1) | [0, 1) | AGD momentum β_in |
//! | `inner_stop` | `Fixed(⌈c·√κ_in⌉)`, c = `inner_factor` or [`DEFAULT_INNER_FACTOR`] = 2 | see [`InnerStop`] | inner iterations |
//! | `gossip` | `Plain` | `Plain`, `Chebyshev { k }` | W or P_K(W) (MIDEAL), K = ⌊√κ_W⌋ by default |
//! | `gossip_scale` | 1 | > 0 | use c·W instead of W (EXTRA as a special case) |
//! | `dual_init` | `Zero` | `Zero`, `RhoWX0` | Y₀ = 0 or ρ·W X₀ |
//! | `dual` | [`DualSolveParams::default`] | see [`crate::dual`] | local dual-gradient solves (`Exact`, ρ = 0, non-quadratic nodes) |
//!
//! **The inner rule.** The default is the spec's fixed T = ⌈c·√κ_in⌉ with c = 2 instead of the spec's c = 1: a
//! fixed T needs no global reduction, so every inner iteration is one round of neighbour exchange and nothing else
//! (a gradient-norm test would be one all-reduce per inner iteration, outside the decentralized model). Theory: AGD
//! with constant momentum on the μ-strongly convex, κ_in-conditioned P_k satisfies P_k(x_T) − P_k* ≤
//! 2(1 − 1/√κ_in)ᵀ(P_k(x₀) − P_k*) (Nesterov 2018, Thm 2.2.3, with the estimate-sequence constant γ₀ = μ), so T =
//! ⌈c√κ_in⌉ contracts the warm-started inner gap by 2e^{−c}, whatever κ_in: 0.74 at c = 1 (barely a contraction),
//! 0.27 at c = 2 (≈ δ² = 1/4, the squared-distance contraction that the certified rule δ = 1/2 guarantees), 0.10
//! at c = 3. Measured on the 24 EXP-I3 configurations (example `ideal_inner_rule`, docs/decentral.md): c = 1 does
//! not converge on 6 (Erdős–Rényi m = 16 and 64 at κ = 1e2, ring m = 64 at every κ, barbell m = 64 at κ = 1e4);
//! c = 1.5, 2 and 3 converge on all 24, at 0.95–1.26, 1.26–1.66 and 1.89–2.46 × √(κκ_W)·ln(1e10) communications;
//! c = 2 keeps a factor 2 of margin over the diverging c = 1. The contraction rule stays available
//! ([`InnerStop::Contraction`], [`InnerStop::ROBUST`] = δ = 1/2), with its all-reduces counted: 1.18–3.51 × the
//! bound at δ = 0.9 when an all-reduce is charged as one round.
//!
//! Special cases (tested): β = 0, η = ρ, one GD step of size α, gossip αρ·c·W = (I − W_mix)/2 and Y₀ = ρcWX₀
//! is EXTRA ([`IdealParams::extra_equivalent`]); ρ = 0 with the exact inner solve is SSDA.
//!
//! Reference: Y. Arjevani, J. Bruna, B. Can, M. Gürbüzbalaban, S. Jegelka, H. Lin, *IDEAL: Inexact DEcentralized
//! Accelerated Augmented Lagrangian Method*, NeurIPS 2020 (arXiv 2006.06733); the rules above are the spec's
//! (`shared/papers/ideal-ingd.md` §1.3), not the paper's unrecovered constants.

use gradus_oracle::{Method, Monitor, Observer, Report, RunConfig, StepOutcome, Work, run};
use ndarray::{Array1, Array2, ArrayView1, ArrayView2, Axis, Zip};

use crate::chebyshev::{GossipBuffers, GossipOperator};
use crate::consensus::{LocalProblem, agree_finite, check_run_config, flat, prepare};
use crate::dual::{DualGradients, DualSolveParams, DualStatistics};
use crate::error::{DecentralError, Result, check_momentum, check_nonnegative, check_positive, invalid};
use crate::gossip::Spectrum;
use crate::network::Communicator;

const SOLVER: &str = "ideal";

/// The default c in the inner rule T = ⌈c·√κ_in⌉ (see the module docs for the theory and the EXP-I3 sweep).
pub const DEFAULT_INNER_FACTOR: f64 = 2.0;

/// (√κ − 1)/(√κ + 1), Nesterov's momentum for condition number κ.
pub fn nesterov_momentum(kappa: f64) -> f64 {
    let s = kappa.max(1.0).sqrt();
    (s - 1.0) / (s + 1.0)
}

/// The inner solver of IDEAL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum InnerSolver {
    /// Nesterov's AGD with constant momentum, restarted at every outer step.
    #[default]
    Agd,
    /// Gradient descent.
    Gd,
    /// Exact minimization of P_k: with ρ > 0 a centralized reference solve for quadratic problems; with ρ = 0
    /// (SSDA, MSDA) the local dual gradients, closed-form for quadratic nodes and by warm-started local L-BFGS
    /// solves to a certified accuracy otherwise ([`crate::dual`]).
    Exact,
}

/// When the inner solver stops.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum InnerStop {
    /// Exactly T iterations.
    Fixed(usize),
    /// When ‖∇P_k(X)‖_F ≤ `initial`·`decay`ᵏ at outer step k, at most `max_iterations` iterations.
    Accuracy {
        /// ε₀.
        initial: f64,
        /// q ∈ (0, 1].
        decay: f64,
        /// The cap on inner iterations.
        max_iterations: usize,
    },
    /// A certified contraction of the distance to argmin P_k by `delta` at every outer step: stop when
    /// ‖∇P_k(X)‖_F ≤ (δ/κ_in)·‖∇P_k(X_k)‖_F (then ‖X − X*_k‖ ≤ ‖∇P_k(X)‖/μ ≤ δ·‖X_k − X*_k‖, since P_k is
    /// μ-strongly convex and (μκ_in)-smooth), at most ⌈√κ_in·ln((κ_in + 1)/δ²)⌉ iterations (after which AGD's
    /// worst-case bound ‖x_T − x*‖² ≤ (κ_in + 1)(1 − 1/√κ_in)ᵀ‖x₀ − x*‖² guarantees it anyway). Each inner
    /// iteration pays an all-reduce for the test.
    Contraction {
        /// δ ∈ (0, 1).
        delta: f64,
    },
}

impl InnerStop {
    /// The certified contraction rule with δ = 1/2 (an option: one all-reduce per inner iteration).
    pub const ROBUST: InnerStop = InnerStop::Contraction { delta: 0.5 };
}

/// Which gossip IDEAL uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum GossipChoice {
    /// W itself (IDEAL).
    #[default]
    Plain,
    /// P_K(W) (MIDEAL); `None`: K = ⌊√κ_W⌋.
    Chebyshev(Option<usize>),
}

/// How the dual starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DualInit {
    /// Y₀ = Z₀ = 0.
    #[default]
    Zero,
    /// Y₀ = Z₀ = ρ·W X₀ (reproduces EXTRA's first step).
    RhoWX0,
}

/// The parameters of IDEAL / MIDEAL; see the module docs for the update, defaults and ranges.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct IdealParams {
    /// ρ (None: L/λ_max).
    pub rho: Option<f64>,
    /// η (None: ρ + μ/λ_max).
    pub eta: Option<f64>,
    /// β (None: the Nesterov momentum of κ_d).
    pub beta: Option<f64>,
    /// The inner solver.
    pub inner: InnerSolver,
    /// h (None: 1/(L + ρλ_max)).
    pub inner_step: Option<f64>,
    /// β_in (None: the Nesterov momentum of κ_in).
    pub inner_momentum: Option<f64>,
    /// The inner stopping rule (None: `Fixed(⌈c·√κ_in⌉)` with c = `inner_factor`, or [`DEFAULT_INNER_FACTOR`] when
    /// `inner_factor` is 0).
    pub inner_stop: Option<InnerStop>,
    /// c in T = ⌈c·√κ_in⌉ when `inner_stop` is None (0: [`DEFAULT_INNER_FACTOR`]; the spec's rule is c = 1).
    pub inner_factor: f64,
    /// W or P_K(W).
    pub gossip: GossipChoice,
    /// c in c·W (0 means the default 1).
    pub gossip_scale: f64,
    /// Y₀.
    pub dual_init: DualInit,
    /// The local dual-gradient solves of `Exact` with ρ = 0 on non-quadratic nodes ([`crate::dual`]).
    pub dual: DualSolveParams,
}

/// Every parameter of a run, resolved from the rules.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IdealResolved {
    /// ρ.
    pub rho: f64,
    /// η.
    pub eta: f64,
    /// β.
    pub beta: f64,
    /// h.
    pub inner_step: f64,
    /// β_in.
    pub inner_momentum: f64,
    /// The inner stopping rule.
    pub inner_stop: InnerStop,
    /// κ_d of the dual.
    pub kappa_dual: f64,
    /// κ_in of each inner problem.
    pub kappa_inner: f64,
    /// The gossip operator.
    pub operator: GossipOperator,
}

impl IdealParams {
    /// IDEAL with the default rules and AGD inner solver.
    pub fn new() -> Self {
        Self::default()
    }

    /// MIDEAL: IDEAL on P_K(W) with the default K = ⌊√κ_W⌋.
    pub fn mideal() -> Self {
        IdealParams {
            gossip: GossipChoice::Chebyshev(None),
            ..Self::default()
        }
    }

    /// SSDA as IDEAL: ρ = 0 and the exact (local, dual-gradient) inner solve.
    pub fn ssda() -> Self {
        IdealParams {
            rho: Some(0.0),
            inner: InnerSolver::Exact,
            ..Self::default()
        }
    }

    /// The IDEAL instance that is EXTRA with step `alpha` and W_mix = I − W/s: β = 0, η = ρ, one GD step of size
    /// α, gossip c·W with αρc = 1/(2s), Y₀ = ρcWX₀ (here ρ = 1).
    pub fn extra_equivalent(alpha: f64, mixing_scale: f64) -> Self {
        let rho = 1.0;
        IdealParams {
            rho: Some(rho),
            eta: Some(rho),
            beta: Some(0.0),
            inner: InnerSolver::Gd,
            inner_step: Some(alpha),
            inner_stop: Some(InnerStop::Fixed(1)),
            gossip_scale: 1.0 / (2.0 * alpha * rho * mixing_scale),
            dual_init: DualInit::RhoWX0,
            ..Self::default()
        }
    }

    /// Sets the inner solver.
    pub fn inner(mut self, inner: InnerSolver) -> Self {
        self.inner = inner;
        self
    }

    /// Sets the inner stopping rule.
    pub fn inner_stop(mut self, stop: InnerStop) -> Self {
        self.inner_stop = Some(stop);
        self
    }

    /// Sets ρ.
    pub fn rho(mut self, rho: f64) -> Self {
        self.rho = Some(rho);
        self
    }

    /// Checks the values that do not depend on the problem.
    pub fn validate(&self) -> Result<()> {
        if let Some(v) = self.rho {
            check_nonnegative(SOLVER, "rho", v)?;
        }
        if let Some(v) = self.eta {
            check_positive(SOLVER, "eta", v)?;
        }
        if let Some(v) = self.beta {
            check_momentum(SOLVER, "beta", v)?;
        }
        if let Some(v) = self.inner_step {
            check_positive(SOLVER, "inner_step", v)?;
        }
        if let Some(v) = self.inner_momentum {
            check_momentum(SOLVER, "inner_momentum", v)?;
        }
        check_nonnegative(SOLVER, "inner_factor", self.inner_factor)?;
        check_nonnegative(SOLVER, "gossip_scale", self.gossip_scale)?;
        self.dual.validate()?;
        match self.inner_stop {
            Some(InnerStop::Fixed(0)) => Err(invalid(SOLVER, "inner_stop (T)", 0.0, "must be >= 1")),
            Some(InnerStop::Accuracy {
                initial,
                decay,
                max_iterations,
            }) => {
                check_positive(SOLVER, "inner_stop.initial", initial)?;
                if !(decay > 0.0 && decay <= 1.0) {
                    return Err(invalid(SOLVER, "inner_stop.decay", decay, "must lie in (0, 1]"));
                }
                if max_iterations == 0 {
                    return Err(invalid(SOLVER, "inner_stop.max_iterations", 0.0, "must be >= 1"));
                }
                Ok(())
            }
            Some(InnerStop::Contraction { delta }) => {
                if !(delta > 0.0 && delta < 1.0) {
                    return Err(invalid(SOLVER, "inner_stop.delta", delta, "must lie in (0, 1)"));
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// Resolves every parameter for a problem with constants (μ, L) on a network with spectrum `w`.
    pub fn resolve(&self, mu: f64, l: f64, w: &Spectrum) -> Result<IdealResolved> {
        self.validate()?;
        let mut operator = match self.gossip {
            GossipChoice::Plain => GossipOperator::plain(),
            GossipChoice::Chebyshev(k) => GossipOperator::chebyshev(w, k)?,
        };
        if self.gossip_scale > 0.0 {
            operator.scale = self.gossip_scale;
        }
        let op = operator.spectrum(w);
        let (lmax, lmin) = (op.lambda_max, op.lambda_min_pos);
        let rho = self.rho.unwrap_or(l / lmax);
        let kappa_dual = op.kappa_w * (l + rho * lmin) / (mu + rho * lmax);
        let kappa_inner = (l + rho * lmax) / mu;

        Ok(IdealResolved {
            rho,
            eta: self.eta.unwrap_or(rho + mu / lmax),
            beta: self.beta.unwrap_or_else(|| nesterov_momentum(kappa_dual)),
            inner_step: self.inner_step.unwrap_or(1.0 / (l + rho * lmax)),
            inner_momentum: self.inner_momentum.unwrap_or_else(|| nesterov_momentum(kappa_inner)),
            inner_stop: self.inner_stop.unwrap_or_else(|| {
                let c = if self.inner_factor > 0.0 {
                    self.inner_factor
                } else {
                    DEFAULT_INNER_FACTOR
                };
                InnerStop::Fixed((c * kappa_inner.sqrt()).ceil().max(1.0) as usize)
            }),
            kappa_dual,
            kappa_inner,
            operator,
        })
    }

    /// Runs IDEAL on `problem` over `comm` from X₀ (m × d) on the shared loop.
    pub fn solve(
        &self,
        problem: &LocalProblem,
        comm: &dyn Communicator,
        x0: ArrayView2<f64>,
        config: &RunConfig,
        monitor: &dyn Monitor,
        observer: &mut dyn Observer,
    ) -> Result<Report> {
        check_run_config(comm, config)?;
        let mut state = IdealState::new(problem, comm, x0, self)?;
        Ok(run(&mut state, monitor, config, observer)?)
    }
}

impl IdealResolved {
    /// The most inner iterations one outer step can take.
    pub fn max_inner_iterations(&self) -> usize {
        match self.inner_stop {
            InnerStop::Fixed(t) => t,
            InnerStop::Accuracy { max_iterations, .. } => max_iterations,
            InnerStop::Contraction { delta } => contraction_cap(self.kappa_inner, delta),
        }
    }
}

/// ⌈√κ·ln((κ + 1)/δ²)⌉: AGD's worst-case iterations to contract the distance by δ.
fn contraction_cap(kappa: f64, delta: f64) -> usize {
    (kappa.max(1.0).sqrt() * ((kappa.max(1.0) + 1.0) / (delta * delta)).ln())
        .ceil()
        .max(1.0) as usize
}

/// The state of IDEAL; see [`IdealParams`].
pub struct IdealState<'a> {
    problem: &'a LocalProblem,
    comm: &'a dyn Communicator,
    params: IdealResolved,
    inner: InnerSolver,
    x: Array2<f64>,
    x_old: Array2<f64>,
    y_inner: Array2<f64>,
    grad: Array2<f64>,
    /// Op(Y) at the inner point.
    wy: Array2<f64>,
    /// Op(X) at the current X, valid when `op_x_valid` (the cache that saves one product per outer step).
    op_x: Array2<f64>,
    op_x_valid: bool,
    y_dual: Array2<f64>,
    z: Array2<f64>,
    buf: GossipBuffers,
    /// Local dual gradients by inner solves (`Exact` with ρ = 0 on non-quadratic nodes).
    dual: Option<DualGradients>,
    /// Work of the setup that the first step charges (the product of `DualInit::RhoWX0`).
    pending: Work,
    /// The setup's all-reduce of the global constants.
    setup: Work,
    outer: u64,
}

impl<'a> IdealState<'a> {
    /// Agrees on the setup, reduces the global constants, resolves the parameters and sets up the buffers.
    ///
    /// Errors: invalid parameters; X₀ without one finite row of length d per local node; a problem whose nodes are
    /// not the communicator's local nodes; the exact inner solver with ρ > 0.
    pub fn new(
        problem: &'a LocalProblem,
        comm: &'a dyn Communicator,
        x0: ArrayView2<f64>,
        params: &IdealParams,
    ) -> Result<Self> {
        let constants = prepare(problem, comm, x0)?;
        let resolved = params.resolve(constants.mu, constants.l, comm.spectrum())?;
        let (m, d) = x0.dim();
        let mut dual = None;
        if params.inner == InnerSolver::Exact {
            if resolved.rho > 0.0 {
                return Err(DecentralError::Unsupported {
                    solver: SOLVER,
                    reason: "the exact inner solver needs rho = 0 (then the inner problem separates into local dual \
                             gradients); with rho > 0 the inner problem couples the nodes: use Agd or Gd"
                        .into(),
                });
            } else if !problem.is_quadratic() {
                dual = Some(DualGradients::new(problem, x0, &params.dual)?);
            }
        }
        let mut state = IdealState {
            problem,
            comm,
            params: resolved,
            inner: params.inner,
            x: x0.to_owned(),
            x_old: Array2::zeros((m, d)),
            y_inner: Array2::zeros((m, d)),
            grad: Array2::zeros((m, d)),
            wy: Array2::zeros((m, d)),
            op_x: Array2::zeros((m, d)),
            op_x_valid: false,
            y_dual: Array2::zeros((m, d)),
            z: Array2::zeros((m, d)),
            buf: GossipBuffers::new(m, d),
            dual,
            pending: Work::default(),
            setup: constants.setup,
            outer: 0,
        };
        if params.dual_init == DualInit::RhoWX0 {
            // Op(X₀), charged to the first step (and cached for its first inner gradient).
            let mut pending = Work::default();
            state.refresh_op_x(&mut pending);
            state.pending = pending;
            state.y_dual.assign(&state.op_x);
            state.y_dual *= state.params.rho;
            state.z.assign(&state.y_dual);
        }
        Ok(state)
    }

    /// The resolved parameters.
    pub fn parameters(&self) -> &IdealResolved {
        &self.params
    }

    /// The setup's cost (one all-reduce of the global constants), not part of the run's work.
    pub fn setup_work(&self) -> Work {
        self.setup
    }

    /// The counts of the local dual-gradient solves (SSDA/MSDA on non-quadratic nodes), if any.
    pub fn dual_statistics(&self) -> Option<DualStatistics> {
        self.dual.as_ref().map(DualGradients::statistics)
    }

    /// The dual variable Y_k (local rows × d; it stays in range(W)).
    pub fn dual(&self) -> ArrayView2<'_, f64> {
        self.y_dual.view()
    }

    /// op_x = Op(X) (the gossip rounds of one product), now valid.
    fn refresh_op_x(&mut self, work: &mut Work) {
        let op = self.params.operator;
        op.apply(self.comm, self.x.view(), self.op_x.view_mut(), work, &mut self.buf);
        self.op_x_valid = true;
    }

    /// grad = ∇F(Y) + Z + ρ·Op(Y) at Y = `self.y_inner`; `at_x` says Y = X, where a cached Op(X) is reused.
    fn inner_gradient(&mut self, at_x: bool, work: &mut Work) {
        self.problem
            .gradients(self.comm, self.y_inner.view(), self.grad.view_mut(), work);
        let rho = self.params.rho;
        if rho > 0.0 {
            let wy = if at_x && self.op_x_valid {
                &self.op_x
            } else {
                let op = self.params.operator;
                op.apply(self.comm, self.y_inner.view(), self.wy.view_mut(), work, &mut self.buf);
                &self.wy
            };
            Zip::from(&mut self.grad)
                .and(&self.z)
                .and(wy)
                .for_each(|g, &z, &w| *g += z + rho * w);
        } else {
            self.grad += &self.z;
        }
    }

    /// ‖grad‖_F over the network (one counted all-reduce of one value per node).
    fn gradient_norm(&self, work: &mut Work) -> f64 {
        let local = self.grad.map_axis(Axis(1), |row| row.dot(&row)).insert_axis(Axis(1));
        let mut total = Array1::zeros(1);
        self.comm.all_reduce_sum(local.view(), total.view_mut(), Some(work));
        total[0].sqrt()
    }

    /// The tolerance rule of this outer step: (iteration cap, absolute tolerance, relative factor).
    fn inner_rule(&self) -> (usize, Option<f64>, Option<f64>) {
        match self.params.inner_stop {
            InnerStop::Fixed(t) => (t, None, None),
            InnerStop::Contraction { delta } => (
                contraction_cap(self.params.kappa_inner, delta),
                None,
                Some(delta / self.params.kappa_inner),
            ),
            InnerStop::Accuracy {
                initial,
                decay,
                max_iterations,
            } => (max_iterations, Some(initial * decay.powf(self.outer as f64)), None),
        }
    }

    /// Whether the inner loop stops at the current gradient (the gradient-norm rules pay one all-reduce).
    fn inner_converged(&self, tol: &mut Option<f64>, relative: &mut Option<f64>, work: &mut Work) -> bool {
        if tol.is_none() && relative.is_none() {
            return false;
        }
        let norm = self.gradient_norm(work);
        if let Some(r) = relative.take() {
            *tol = Some(r * norm);
        }
        tol.is_some_and(|t| norm <= t)
    }

    /// X ≈ argmin P_k by the inner solver, warm-started at X_k.
    fn inner_solve(&mut self, work: &mut Work) -> Result<()> {
        let (max_iter, mut tol, mut relative) = self.inner_rule();
        let h = self.params.inner_step;
        match self.inner {
            InnerSolver::Exact => {
                match &mut self.dual {
                    Some(dual) => dual.compute(self.problem, self.comm, self.z.view(), self.x.view_mut(), work),
                    None => self
                        .problem
                        .dual_gradients(self.comm, self.z.view(), self.x.view_mut(), work)?,
                }
                self.op_x_valid = false;
                Ok(())
            }
            InnerSolver::Gd => {
                for _ in 0..max_iter {
                    self.y_inner.assign(&self.x);
                    self.inner_gradient(true, work);
                    if self.inner_converged(&mut tol, &mut relative, work) {
                        break;
                    }
                    self.x.scaled_add(-h, &self.grad);
                    self.op_x_valid = false;
                }
                Ok(())
            }
            InnerSolver::Agd => {
                let b = self.params.inner_momentum;
                self.y_inner.assign(&self.x);
                for t in 0..max_iter {
                    self.inner_gradient(t == 0, work);
                    if self.inner_converged(&mut tol, &mut relative, work) {
                        if t > 0 {
                            self.x.assign(&self.y_inner);
                        }
                        break;
                    }
                    self.x_old.assign(&self.x);
                    // x = y − h g; y = x + b (x − x_old)
                    Zip::from(&mut self.x)
                        .and(&mut self.y_inner)
                        .and(&self.grad)
                        .and(&self.x_old)
                        .for_each(|x, y, &g, &xo| {
                            *x = *y - h * g;
                            *y = *x + b * (*x - xo);
                        });
                    self.op_x_valid = false;
                }
                Ok(())
            }
        }
    }
}

impl Method for IdealState<'_> {
    fn iterate(&self) -> ArrayView1<'_, f64> {
        flat(&self.x)
    }

    fn step(&mut self, work: &mut Work) -> StepOutcome {
        work.merge(&std::mem::take(&mut self.pending));
        if self.inner_solve(work).is_err() {
            // Only the closed-form dual gradients on a non-quadratic problem fail, which `new` rules out.
            return StepOutcome::Stalled;
        }
        if !self.op_x_valid {
            self.refresh_op_x(work);
        }
        let (eta, beta) = (self.params.eta, self.params.beta);
        // Y_new = Z + η·Op(X);  Z = Y_new + β(Y_new − Y_old);  Y_old = Y_new.
        Zip::from(&mut self.y_dual)
            .and(&mut self.z)
            .and(&self.op_x)
            .for_each(|y, z, &w| {
                let y_new = *z + eta * w;
                *z = y_new + beta * (y_new - *y);
                *y = y_new;
            });
        self.outer += 1;
        agree_finite(self.comm, &mut self.x);
        StepOutcome::Continue
    }
}

//! Local dual gradients of general smooth strongly convex nodes, by warm-started inner solves.
//!
//! SSDA and MSDA need, at every outer step k and on every node i, the dual gradient
//!
//! ```text
//! xᵢ = ∇fᵢ*(−zᵢ) = argmin_x φᵢ,ₖ(x),   φᵢ,ₖ(x) = fᵢ(x) + ⟨zᵢ,ₖ, x⟩,   ∇φᵢ,ₖ(x) = ∇fᵢ(x) + zᵢ,ₖ
//! ```
//!
//! Quadratic nodes have it in closed form ([`crate::LocalProblem::dual_gradients`]); every other node gets it
//! from an inner solve that is purely local (no communication), run by [`DualGradients`]:
//!
//! - **warm start** at the node's previous dual-gradient point xᵢ,ₖ₋₁ (at X₀ on the first step). fᵢ and ∇fᵢ there
//!   are kept from the previous solve, so the first inner gradient ∇φᵢ,ₖ(xᵢ,ₖ₋₁) = ∇fᵢ(xᵢ,ₖ₋₁) + zᵢ,ₖ costs nothing.
//! - **accuracy rule** ([`DualAccuracy::Contraction`], the certified contraction of IDEAL's optional contraction rule, per
//!   node): stop as soon as
//!
//!   ```text
//!   ‖∇φᵢ,ₖ(x)‖ ≤ (δ/κᵢ)·‖∇φᵢ,ₖ(xᵢ,ₖ₋₁)‖,    κᵢ = Lᵢ/μᵢ,  δ = 1/2 by default
//!   ```
//!
//!   φᵢ,ₖ is μᵢ-strongly convex and Lᵢ-smooth, so ‖x − xᵢ*‖ ≤ ‖∇φᵢ,ₖ(x)‖/μᵢ ≤ (δ/κᵢ)·Lᵢ‖xᵢ,ₖ₋₁ − xᵢ*‖/μᵢ
//!   = δ‖xᵢ,ₖ₋₁ − xᵢ*‖: the inner error contracts by δ at every outer step whatever the node. The warm start is off
//!   by at most the previous error plus the move of the exact dual gradient, so the error stays below δ/(1 − δ)
//!   times the recent moves of ∇F*(−Z), which shrink at the outer rate: the error is relative to the outer
//!   *step*, the scale an accelerated method tolerates (errors decreasing at the outer rate keep the accelerated
//!   rate up to a polynomial factor: Schmidt, Le Roux, Bach 2011). The test is local (no all-reduce, unlike
//!   IDEAL's) and needs no absolute scale, so the same rule serves every problem and every stage of a run.
//!   [`DualAccuracy::Relative`] drops the 1/κᵢ (‖∇φ(x)‖ ≤ θ‖∇φ(x_warm)‖): cheaper but not certified.
//! - **solver**: L-BFGS by default ([`DualInnerSolver::Lbfgs`]), with the two-loop recursion
//!   ([`gradus_classic::LbfgsMemory`]) and the strong Wolfe line search ([`gradus_classic::strong_wolfe`]) of
//!   gradus-classic. The tilt ⟨zᵢ, x⟩ does not change the Hessian, so the curvature pairs (s, ∇fᵢ(x + s) − ∇fᵢ(x)) stay
//!   exact from one outer step to the next: the memory is **kept** across dual gradients and each warm-started solve
//!   starts with the curvature model of the previous ones (which is also why a memory of 30 pays: 38 % fewer gradients
//!   than 10 on EXP-I1, for a two-loop recursion that costs ~3 % of a local gradient at n = 10 000). AGD must restart
//!   its momentum at every new tilt, and its step 1/Lᵢ is blind to the local curvature, far below Lᵢ in most directions
//!   for a logistic loss. Measured on EXP-I1 quick (ring, n = 1000, same rule): SSDA needs 39 358 gradient computations
//!   with AGD ([`DualInnerSolver::Agd`], step 1/Lᵢ, momentum (√κᵢ − 1)/(√κᵢ + 1), restarted at the warm start; kept as
//!   the comparison), 7 594 with L-BFGS of memory 10, 4 446 with memory 30, for the same 399 outer iterations.
//!
//! **Work.** One gradient computation per evaluation of ∇fᵢ (L-BFGS's `value_and_gradient` counts as one). Nodes
//! stop independently, so one dual gradient counts as the **largest** number of local gradient computations over
//! the nodes (a synchronous network waits for its slowest node) in `Work::full_gradients`;
//! [`DualGradients::statistics`] also has the total over nodes.
//!
//! | name | default | range | meaning |
//! |---|---|---|---|
//! | `solver` | `Lbfgs` | `Lbfgs`, `Agd` | the inner solver |
//! | `accuracy` | `Contraction { delta: 0.5 }` | δ or θ in (0, 1) | the accuracy rule ([`DualAccuracy`]) |
//! | `memory` | 30 | ≥ 1 | L-BFGS pairs (kept across outer steps) |
//! | `max_evaluations` | 1000 | ≥ 1 | cap on gradient computations per node and dual gradient |
//!
//! Determinism: each node's solve runs on one thread with its own state (a `Mutex` per node, never contended),
//! so results are the same bits for every thread count.
//!
//! References: K. Scaman et al., ICML 2017 (SSDA/MSDA with dual gradients); M. Schmidt, N. Le Roux, F. Bach,
//! *Convergence rates of inexact proximal-gradient methods for convex optimization*, NeurIPS 2011 (inexact
//! accelerated gradients); J. Nocedal, S. J. Wright, *Numerical Optimization*, 2nd ed., Alg. 7.4–7.5.

use std::sync::{Mutex, MutexGuard};

use gradus_classic::{LbfgsMemory, LineSearchStatus, WolfeParams, strong_wolfe};
use gradus_oracle::{Objective, Work};
use ndarray::{Array1, Array2, ArrayView1, ArrayView2, ArrayViewMut1, ArrayViewMut2, Zip};

use crate::consensus::LocalProblem;
use crate::error::{Result, check_positive, invalid};
use crate::ideal::nesterov_momentum;
use crate::network::Communicator;

const SOLVER: &str = "dual gradients";

/// The inner solver of [`DualGradients`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DualInnerSolver {
    /// L-BFGS with a strong Wolfe line search, memory kept across outer steps (the default).
    #[default]
    Lbfgs,
    /// Nesterov's AGD with step 1/Lᵢ and momentum (√κᵢ − 1)/(√κᵢ + 1), restarted at every warm start.
    Agd,
}

/// When a node's inner solve stops (φ = fᵢ + ⟨zᵢ, ·⟩, x_warm its warm start).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum DualAccuracy {
    /// ‖∇φ(x)‖ ≤ (δ/κᵢ)·‖∇φ(x_warm)‖: certifies ‖x − xᵢ*‖ ≤ δ‖x_warm − xᵢ*‖ (the default, δ = 1/2).
    Contraction {
        /// δ ∈ (0, 1).
        delta: f64,
    },
    /// ‖∇φ(x)‖ ≤ θ·‖∇φ(x_warm)‖ (no κᵢ): cheaper, certifies only ‖x − xᵢ*‖ ≤ θκᵢ‖x_warm − xᵢ*‖ (not a contraction
    /// unless θ < 1/κᵢ); measured to converge on EXP-I1 at θ = 0.3 (see `docs/decentral.md`), not the default.
    Relative {
        /// θ ∈ (0, 1).
        theta: f64,
    },
}

impl Default for DualAccuracy {
    fn default() -> Self {
        DualAccuracy::Contraction { delta: 0.5 }
    }
}

/// The parameters of the local dual-gradient solves (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DualSolveParams {
    /// The inner solver.
    pub solver: DualInnerSolver,
    /// The accuracy rule.
    pub accuracy: DualAccuracy,
    /// L-BFGS pairs.
    pub memory: usize,
    /// At most this many gradient computations per node and dual gradient.
    pub max_evaluations: u32,
}

impl Default for DualSolveParams {
    fn default() -> Self {
        DualSolveParams {
            solver: DualInnerSolver::Lbfgs,
            accuracy: DualAccuracy::default(),
            memory: 30,
            max_evaluations: 1000,
        }
    }
}

impl DualSolveParams {
    /// The defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// Checks every value.
    pub fn validate(&self) -> Result<()> {
        match self.accuracy {
            DualAccuracy::Contraction { delta } if !(delta > 0.0 && delta < 1.0) => {
                return Err(invalid(SOLVER, "dual.accuracy.delta", delta, "must lie in (0, 1)"));
            }
            DualAccuracy::Relative { theta } if !(theta > 0.0 && theta < 1.0) => {
                return Err(invalid(SOLVER, "dual.accuracy.theta", theta, "must lie in (0, 1)"));
            }
            _ => {}
        }
        if self.memory == 0 {
            return Err(invalid(SOLVER, "dual.memory", 0.0, "must be >= 1"));
        }
        if self.max_evaluations == 0 {
            return Err(invalid(SOLVER, "dual.max_evaluations", 0.0, "must be >= 1"));
        }
        Ok(())
    }
}

/// Counts of the inner solves so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DualStatistics {
    /// Dual gradients computed (network-wide calls).
    pub calls: u64,
    /// Gradient computations counted as work: Σ over calls of the largest per-node count.
    pub counted: u64,
    /// Gradient computations summed over every node and call.
    pub total: u64,
    /// Calls where some node hit `max_evaluations` before the accuracy rule held.
    pub capped: u64,
}

/// The state of one node's inner solver: the warm start, fᵢ and ∇fᵢ there, the L-BFGS memory, buffers.
struct NodeDual {
    /// The current point (the previous dual gradient).
    x: Array1<f64>,
    /// fᵢ(x) (NaN when unknown).
    f: f64,
    /// ∇fᵢ(x), valid when `evaluated`.
    grad_f: Array1<f64>,
    evaluated: bool,
    /// ∇φ(x) = ∇fᵢ(x) + zᵢ.
    g: Array1<f64>,
    direction: Array1<f64>,
    trial_x: Array1<f64>,
    trial_grad_f: Array1<f64>,
    s: Array1<f64>,
    y: Array1<f64>,
    memory: LbfgsMemory,
    /// Lᵢ and μᵢ.
    l: f64,
    mu: f64,
    /// Gradient computations of the last call, and whether it hit the cap.
    last: u32,
    last_capped: bool,
}

/// The dual gradients of every local node of a consensus problem by warm-started local solves (see the module
/// docs); built once per run, it keeps each node's warm start and L-BFGS memory between calls.
pub struct DualGradients {
    /// The global id of the first local node.
    first: usize,
    nodes: Vec<Mutex<NodeDual>>,
    params: DualSolveParams,
    wolfe: WolfeParams,
    stats: DualStatistics,
}

impl std::fmt::Debug for DualGradients {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DualGradients")
            .field("nodes", &self.nodes.len())
            .field("params", &self.params)
            .field("stats", &self.stats)
            .finish()
    }
}

/// ‖v‖₂.
fn norm(v: ArrayView1<f64>) -> f64 {
    v.dot(&v).sqrt()
}

/// g = ∇fᵢ(x) + zᵢ, the gradient of the tilted objective φ.
fn tilted_gradient(grad_f: ArrayView1<f64>, z: ArrayView1<f64>, mut g: ArrayViewMut1<f64>) {
    Zip::from(&mut g).and(&grad_f).and(&z).for_each(|g, &a, &b| *g = a + b);
}

/// The inner tolerance (δ/κᵢ)·‖∇φ(x_warm)‖ of the accuracy rule.
fn contraction_tolerance(delta: f64, kappa: f64, initial_gradient_norm: f64) -> f64 {
    delta / kappa.max(1.0) * initial_gradient_norm
}

impl DualAccuracy {
    /// The inner tolerance on ‖∇φ‖ for a node of condition number κᵢ whose warm start has ‖∇φ(x_warm)‖ =
    /// `initial_gradient_norm`.
    pub fn tolerance(&self, kappa: f64, initial_gradient_norm: f64) -> f64 {
        match *self {
            DualAccuracy::Contraction { delta } => contraction_tolerance(delta, kappa, initial_gradient_norm),
            DualAccuracy::Relative { theta } => theta * initial_gradient_norm,
        }
    }
}

/// trial_x = x + α d, trial_grad_f = ∇fᵢ(trial_x); returns (fᵢ(trial_x), φ(trial_x), φ′ = (∇fᵢ + z)ᵀd).
fn evaluate_along(
    f: &dyn Objective,
    z: ArrayView1<f64>,
    x: ArrayView1<f64>,
    direction: ArrayView1<f64>,
    alpha: f64,
    trial_x: &mut Array1<f64>,
    trial_grad_f: &mut Array1<f64>,
) -> (f64, f64, f64) {
    Zip::from(&mut *trial_x)
        .and(&x)
        .and(&direction)
        .for_each(|t, &xi, &di| *t = xi + alpha * di);
    let value = f.value_and_gradient(trial_x.view(), trial_grad_f.view_mut());
    let phi = value + z.dot(&*trial_x);
    let slope = trial_grad_f.dot(&direction) + z.dot(&direction);
    (value, phi, slope)
}

impl NodeDual {
    fn new(x0: ArrayView1<f64>, memory: usize, l: f64, mu: f64) -> Self {
        let d = x0.len();
        NodeDual {
            x: x0.to_owned(),
            f: f64::NAN,
            grad_f: Array1::zeros(d),
            evaluated: false,
            g: Array1::zeros(d),
            direction: Array1::zeros(d),
            trial_x: Array1::zeros(d),
            trial_grad_f: Array1::zeros(d),
            s: Array1::zeros(d),
            y: Array1::zeros(d),
            memory: LbfgsMemory::new(memory, d),
            l,
            mu,
            last: 0,
            last_capped: false,
        }
    }

    fn kappa(&self) -> f64 {
        self.l / self.mu
    }

    /// Makes fᵢ and ∇fᵢ at x known; returns the gradient computations made (0 or 1).
    fn ensure_evaluated(&mut self, f: &dyn Objective) -> u32 {
        if self.evaluated {
            return 0;
        }
        self.f = f.value_and_gradient(self.x.view(), self.grad_f.view_mut());
        self.evaluated = true;
        1
    }

    /// x ← argmin fᵢ + ⟨z, ·⟩ to the accuracy rule, by L-BFGS; sets `last` and `last_capped`.
    fn solve_lbfgs(&mut self, f: &dyn Objective, z: ArrayView1<f64>, p: &DualSolveParams, wolfe: &WolfeParams) {
        let mut evals = self.ensure_evaluated(f);
        tilted_gradient(self.grad_f.view(), z, self.g.view_mut());
        let tol = p.accuracy.tolerance(self.kappa(), norm(self.g.view()));
        let mut phi0 = self.f + z.dot(&self.x);
        let mut capped = false;
        while norm(self.g.view()) > tol {
            if evals >= p.max_evaluations {
                capped = true;
                break;
            }
            let mut slope = self.quasi_newton_direction();
            if !(slope < 0.0 && slope.is_finite()) {
                slope = self.steepest_descent_direction();
            }
            let (mut status, mut value, mut n) = self.search(f, z, phi0, slope, wolfe);
            evals += n;
            if status == LineSearchStatus::Failed && !self.memory.is_empty() {
                slope = self.steepest_descent_direction();
                (status, value, n) = self.search(f, z, phi0, slope, wolfe);
                evals += n;
            }
            if status == LineSearchStatus::Failed || self.trial_x == self.x {
                // No decrease possible at machine precision: x is as good as it gets.
                break;
            }
            Zip::from(&mut self.s)
                .and(&self.trial_x)
                .and(&self.x)
                .for_each(|s, &a, &b| *s = a - b);
            Zip::from(&mut self.y)
                .and(&self.trial_grad_f)
                .and(&self.grad_f)
                .for_each(|y, &a, &b| *y = a - b);
            // The pair is one of fᵢ's (the tilt cancels in y): valid for every later tilt too.
            self.memory.push(self.s.view(), self.y.view());
            std::mem::swap(&mut self.x, &mut self.trial_x);
            std::mem::swap(&mut self.grad_f, &mut self.trial_grad_f);
            self.f = value;
            phi0 = value + z.dot(&self.x);
            tilted_gradient(self.grad_f.view(), z, self.g.view_mut());
        }
        self.last = evals;
        self.last_capped = capped;
    }

    /// direction = −H g; returns the slope gᵀd.
    fn quasi_newton_direction(&mut self) -> f64 {
        self.memory.descent_direction(self.g.view(), self.direction.view_mut())
    }

    /// Clears the memory and sets direction = −g; returns the slope −‖g‖².
    fn steepest_descent_direction(&mut self) -> f64 {
        self.memory.restart_direction(self.g.view(), self.direction.view_mut())
    }

    /// The line search from x along `direction` (first trial: the unit step with curvature pairs, else 1/Lᵢ, the
    /// safe gradient step — not LbfgsState's move of length 1, far too long from a warm start). On success
    /// `trial_x`, `trial_grad_f` hold the accepted point; returns (status, fᵢ there, gradient computations).
    fn search(
        &mut self,
        f: &dyn Objective,
        z: ArrayView1<f64>,
        phi0: f64,
        slope: f64,
        wolfe: &WolfeParams,
    ) -> (LineSearchStatus, f64, u32) {
        let initial = if self.memory.is_empty() { 1.0 / self.l } else { 1.0 };
        let NodeDual {
            x,
            direction,
            trial_x,
            trial_grad_f,
            ..
        } = self;
        let (mut last_step, mut last_value) = (f64::NAN, f64::NAN);
        let mut phi = |alpha: f64| {
            let (value, p, s) = evaluate_along(f, z, x.view(), direction.view(), alpha, trial_x, trial_grad_f);
            (last_step, last_value) = (alpha, value);
            (p, s)
        };
        let result = strong_wolfe(&mut phi, phi0, slope, initial, wolfe);
        let mut evals = result.evaluations;
        if result.status != LineSearchStatus::Failed && result.point.step != last_step {
            let (value, _, _) = evaluate_along(
                f,
                z,
                x.view(),
                direction.view(),
                result.point.step,
                trial_x,
                trial_grad_f,
            );
            last_value = value;
            evals += 1;
        }
        (result.status, last_value, evals)
    }

    /// x ← argmin fᵢ + ⟨z, ·⟩ to the accuracy rule, by AGD restarted at x; sets `last` and `last_capped`.
    ///
    /// Returns the last point where ∇fᵢ was computed (its gradient is the one the rule certified), so that the
    /// next call starts with fᵢ, ∇fᵢ known. Buffers: `trial_x` = y (the extrapolated point), `s` = previous x.
    fn solve_agd(&mut self, f: &dyn Objective, z: ArrayView1<f64>, p: &DualSolveParams) {
        let mut evals = self.ensure_evaluated(f);
        tilted_gradient(self.grad_f.view(), z, self.g.view_mut());
        let tol = p.accuracy.tolerance(self.kappa(), norm(self.g.view()));
        let (h, b) = (1.0 / self.l, nesterov_momentum(self.kappa()));
        // y = x_prev = x: the momentum restarts at the warm start; g = ∇φ(y).
        self.trial_x.assign(&self.x);
        self.direction.assign(&self.x);
        let mut capped = false;
        while norm(self.g.view()) > tol {
            if evals >= p.max_evaluations {
                capped = true;
                break;
            }
            // x_new = y − h g;  y = x_new + b (x_new − x_old).
            self.s.assign(&self.direction);
            Zip::from(&mut self.direction)
                .and(&mut self.trial_x)
                .and(&self.g)
                .and(&self.s)
                .for_each(|x, y, &g, &xo| {
                    *x = *y - h * g;
                    *y = *x + b * (*x - xo);
                });
            f.gradient(self.trial_x.view(), self.grad_f.view_mut());
            evals += 1;
            tilted_gradient(self.grad_f.view(), z, self.g.view_mut());
        }
        // The last evaluated point y, with its gradient in grad_f.
        self.x.assign(&self.trial_x);
        self.f = f64::NAN;
        self.last = evals;
        self.last_capped = capped;
    }
}

/// Locks a node's state; a poisoned lock (a panic in another call) still holds consistent buffers.
fn lock(node: &Mutex<NodeDual>) -> MutexGuard<'_, NodeDual> {
    node.lock().unwrap_or_else(|e| e.into_inner())
}

impl DualGradients {
    /// One inner solver per local node of `problem`, warm-started at the rows of X₀ (local rows × d, checked by the
    /// caller), with the node's own Lᵢ and μᵢ ([`crate::LocalNode`]).
    ///
    /// Errors: invalid parameters.
    pub fn new(problem: &LocalProblem, x0: ArrayView2<f64>, params: &DualSolveParams) -> Result<Self> {
        params.validate()?;
        let nodes = problem
            .node_range()
            .enumerate()
            .map(|(r, i)| {
                let node = problem.local(i);
                let (l, mu) = (node.smoothness(), node.strong_convexity());
                check_positive(SOLVER, "node strong convexity", mu)?;
                Ok(Mutex::new(NodeDual::new(x0.row(r), params.memory, l, mu)))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(DualGradients {
            first: problem.node_range().start,
            nodes,
            params: *params,
            wolfe: WolfeParams::default(),
            stats: DualStatistics::default(),
        })
    }

    /// out_i ≈ argmin_x fᵢ(x) + ⟨zᵢ, x⟩ on every local node, to the accuracy rule; adds the largest per-node
    /// number of gradient computations over the **network** to `work.full_gradients`. No communication of the
    /// algorithm: the network-wide largest count (and the total and capped flags of [`DualStatistics`]) come from
    /// one uncounted all-reduce, bookkeeping so that every process reports the same work.
    pub fn compute(
        &mut self,
        problem: &LocalProblem,
        comm: &dyn Communicator,
        z: ArrayView2<f64>,
        out: ArrayViewMut2<f64>,
        work: &mut Work,
    ) {
        let (nodes, params, wolfe, first) = (&self.nodes, &self.params, &self.wolfe, self.first);
        comm.for_each_node(z, out, &|i, zi, mut oi| {
            let mut node = lock(&nodes[i - first]);
            let f = problem.local(i).objective();
            match params.solver {
                DualInnerSolver::Lbfgs => node.solve_lbfgs(f, zi, params, wolfe),
                DualInnerSolver::Agd => node.solve_agd(f, zi, params),
            }
            oi.assign(&node.x);
        });
        // Per node: (count, count, capped) reduced as (max, sum, max) through one max-reduction of
        // [count, capped] and one sum of [count].
        let local = Array2::from_shape_fn((self.nodes.len(), 2), |(r, k)| {
            let node = lock(&self.nodes[r]);
            if k == 0 {
                f64::from(node.last)
            } else {
                f64::from(u8::from(node.last_capped))
            }
        });
        let mut most = Array1::zeros(2);
        comm.all_reduce_max(local.view(), most.view_mut(), None);
        let mut total = Array1::zeros(1);
        comm.all_reduce_sum(local.slice(ndarray::s![.., ..1]), total.view_mut(), None);
        let (most, total, capped) = (most[0] as u64, total[0] as u64, most[1] > 0.0);
        work.full_gradients += most;
        self.stats.calls += 1;
        self.stats.counted += most;
        self.stats.total += total;
        self.stats.capped += u64::from(capped);
    }

    /// The counts so far.
    pub fn statistics(&self) -> DualStatistics {
        self.stats
    }

    /// The parameters.
    pub fn params(&self) -> &DualSolveParams {
        &self.params
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gossip::{GossipKind, GossipMatrix};
    use crate::graph::Graph;
    use crate::network::Simulator;
    use ndarray::Array2;

    fn logistic(m: usize) -> LocalProblem {
        let (x, y) = gradus_data::generate::correlated_gaussian_logistic(60 * m, 5, 11);
        let design = gradus_oracle::Design::dense(x).unwrap();
        LocalProblem::linear_model_split(
            &design,
            y.view(),
            gradus_oracle::Loss::Logistic,
            0.05,
            m,
            crate::consensus::Partition::Contiguous,
            0..m,
        )
        .unwrap()
    }

    /// ‖∇fᵢ(xᵢ) + zᵢ‖ for every node.
    fn tilted_norms(p: &LocalProblem, x: &Array2<f64>, z: &Array2<f64>) -> Vec<f64> {
        let mut g = Array1::zeros(p.dim());
        p.node_range()
            .map(|i| {
                p.local(i).objective().gradient(x.row(i), g.view_mut());
                g += &z.row(i);
                norm(g.view())
            })
            .collect()
    }

    #[test]
    fn inner_solves_meet_the_contraction_rule_and_keep_their_warm_start() {
        let p = logistic(4);
        let sim = Simulator::new(GossipMatrix::from_graph(&Graph::ring(4).unwrap(), GossipKind::Laplacian).unwrap());
        for solver in [DualInnerSolver::Lbfgs, DualInnerSolver::Agd] {
            let params = DualSolveParams {
                solver,
                ..DualSolveParams::new()
            };
            let x0 = Array2::zeros((4, 5));
            let mut dual = DualGradients::new(&p, x0.view(), &params).unwrap();
            let z = Array2::from_shape_fn((4, 5), |(i, j)| 0.1 * (i as f64 - 1.5) - 0.05 * j as f64);
            // The rule at the warm start X₀ = 0.
            let initial = tilted_norms(&p, &x0, &z);
            let mut x = Array2::zeros((4, 5));
            let mut work = Work::default();
            dual.compute(&p, &sim, z.view(), x.view_mut(), &mut work);
            let after = tilted_norms(&p, &x, &z);
            for i in 0..4 {
                let f = p.local(i);
                let kappa = f.smoothness() / f.strong_convexity();
                assert!(
                    after[i] <= 0.5 / kappa * initial[i] * (1.0 + 1e-12),
                    "{solver:?} node {i}"
                );
            }
            let s = dual.statistics();
            assert_eq!(work.full_gradients, s.counted);
            assert!(s.total >= s.counted && s.counted >= 1 && s.capped == 0, "{s:?}");
            // The same tilt again: warm-started at the previous answer, the rule asks for another δ/κᵢ.
            let x_prev = x.clone();
            dual.compute(&p, &sim, z.view(), x.view_mut(), &mut work);
            let again = tilted_norms(&p, &x, &z);
            for i in 0..4 {
                let f = p.local(i);
                let kappa = f.smoothness() / f.strong_convexity();
                assert!(
                    again[i] <= 0.5 / kappa * after[i] * (1.0 + 1e-12) + 1e-15,
                    "{solver:?} node {i}"
                );
            }
            assert!(x.iter().all(|v| v.is_finite()) && x_prev.iter().all(|v| v.is_finite()));
        }
    }

    #[test]
    fn lbfgs_keeps_its_memory_and_needs_fewer_gradients_than_agd() {
        // A sequence of slowly moving tilts, as in SSDA: L-BFGS reuses its curvature pairs.
        let p = logistic(3);
        let sim = Simulator::new(GossipMatrix::from_graph(&Graph::ring(3).unwrap(), GossipKind::Laplacian).unwrap());
        let count = |solver| {
            let params = DualSolveParams {
                solver,
                ..DualSolveParams::new()
            };
            let mut dual = DualGradients::new(&p, Array2::zeros((3, 5)).view(), &params).unwrap();
            let mut x = Array2::zeros((3, 5));
            let mut work = Work::default();
            for k in 0..30 {
                let t = 0.9f64.powi(k);
                let z = Array2::from_shape_fn((3, 5), |(i, j)| 0.2 * t * ((i + j) as f64).sin());
                dual.compute(&p, &sim, z.view(), x.view_mut(), &mut work);
            }
            work.full_gradients
        };
        let (lbfgs, agd) = (count(DualInnerSolver::Lbfgs), count(DualInnerSolver::Agd));
        assert!(lbfgs < agd, "L-BFGS {lbfgs}, AGD {agd}");
    }

    #[test]
    fn bad_parameters_are_typed_errors() {
        for bad in [
            DualSolveParams {
                accuracy: DualAccuracy::Contraction { delta: 1.0 },
                ..DualSolveParams::new()
            },
            DualSolveParams {
                accuracy: DualAccuracy::Relative { theta: 0.0 },
                ..DualSolveParams::new()
            },
            DualSolveParams {
                memory: 0,
                ..DualSolveParams::new()
            },
            DualSolveParams {
                max_evaluations: 0,
                ..DualSolveParams::new()
            },
        ] {
            assert!(bad.validate().is_err(), "{bad:?}");
        }
        assert!(DualSolveParams::new().validate().is_ok());
    }
}

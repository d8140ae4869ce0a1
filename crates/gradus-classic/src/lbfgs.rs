//! L-BFGS: limited-memory BFGS with the two-loop recursion and a strong Wolfe line search.

use gradus_oracle::{Method, Monitor, Objective, Observer, Report, RunConfig, StepOutcome, Work, run};
use ndarray::{Array1, Array2, ArrayView1, ArrayViewMut1, Zip};

use crate::error::{Result, check_nonnegative, invalid};
use crate::line_search::{LineSearchResult, LineSearchStatus, WolfeParams, strong_wolfe};
use crate::preconditioner::Preconditioner;
use crate::smooth::{SmoothObjective, check_start, norm};

const SOLVER: &str = "lbfgs";

/// The relative curvature threshold of the skip rule: a pair is stored only when sᵀy > `CURVATURE_SKIP` ‖s‖‖y‖.
pub const CURVATURE_SKIP: f64 = 1e-10;

/// L-BFGS:
///
/// ```text
/// d_k = −H_k ∇F(x_k)                       (two-loop recursion over the last m pairs)
/// x_{k+1} = x_k + α_k d_k                  (α_k: strong Wolfe line search, c₁ = 1e-4, c₂ = 0.9)
/// s_k = x_{k+1} − x_k,   y_k = ∇F(x_{k+1}) − ∇F(x_k)
/// ```
///
/// H_k is the BFGS matrix built from H⁰ = γ_k I, γ_k = s_{k−1}ᵀy_{k−1} / y_{k−1}ᵀy_{k−1}, by the updates
/// H ← (I − ρ s yᵀ) H (I − ρ y sᵀ) + ρ s sᵀ, ρ = 1/(yᵀs), over the stored pairs, oldest first; the two-loop
/// recursion applies it to ∇F in O(m d) without forming it.
///
/// Rules:
/// - **skip**: a pair is stored only when sᵀy > 1e-10 ‖s‖‖y‖ ([`CURVATURE_SKIP`]); otherwise H would not stay
///   positive definite (the strong Wolfe conditions give sᵀy > 0 in exact arithmetic, rounding may not).
/// - **reset**: when d_k is not a descent direction (∇Fᵀd_k ≥ 0 or not finite), or the line search finds no
///   decrease along it, the memory is cleared and d_k = −∇F(x_k).
/// - first step (empty memory): α = 1/‖∇F(x_k)‖, a move of length 1; afterwards the unit step α = 1 is tried
///   first.
/// - **converged** when ‖∇F(x_k)‖ ≤ `gradient_tolerance` (0 by default; the certified runs use 1e-12, which the
///   line search's approximate Wolfe conditions make reachable although F stops changing in floating point).
/// - **stalled** when the line search finds no decrease along −∇F either, or the accepted step leaves x_k
///   unchanged in floating point.
///
/// F = f + g with g none or L2 (see [`crate::smooth`]). Work: one full gradient per line-search evaluation
/// (each is a `value_and_gradient`), plus one for x₀. F(x_k) and ∇F(x_k) are handed to the monitor
/// ([`Method::known_value_and_gradient`]), so recording metrics costs no extra pass.
///
/// | name | default | range | meaning |
/// |---|---|---|---|
/// | `memory` | 10 | ≥ 1 | m, the number of stored pairs (s, y) |
/// | `gradient_tolerance` | 0 | ≥ 0 | converged when ‖∇F(x_k)‖ ≤ this |
/// | `line_search` | [`WolfeParams::default`] | see [`WolfeParams`] | c₁ = 1e-4, c₂ = 0.9, … |
///
/// References: D. C. Liu and J. Nocedal (1989), *On the limited memory BFGS method for large scale
/// optimization*, Math. Program. 45; J. Nocedal (1980), *Updating quasi-Newton matrices with limited storage*,
/// Math. Comp. 35; J. Nocedal and S. J. Wright (2006), *Numerical Optimization*, 2nd ed., Algorithms 7.4 and 7.5.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LbfgsParams {
    /// m, the number of stored pairs.
    pub memory: usize,
    /// Converged when ‖∇F(x_k)‖ ≤ this.
    pub gradient_tolerance: f64,
    /// The line search's constants.
    pub line_search: WolfeParams,
}

impl Default for LbfgsParams {
    fn default() -> Self {
        LbfgsParams {
            memory: 10,
            gradient_tolerance: 0.0,
            line_search: WolfeParams::default(),
        }
    }
}

impl LbfgsParams {
    /// The defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets m, the number of stored pairs.
    pub fn memory(mut self, m: usize) -> Self {
        self.memory = m;
        self
    }

    /// Sets the gradient-norm tolerance.
    pub fn gradient_tolerance(mut self, tolerance: f64) -> Self {
        self.gradient_tolerance = tolerance;
        self
    }

    /// Sets the line search's constants.
    pub fn line_search(mut self, params: WolfeParams) -> Self {
        self.line_search = params;
        self
    }

    /// Checks every value.
    pub fn validate(&self) -> Result<()> {
        if self.memory == 0 {
            return Err(invalid(SOLVER, "memory", self.memory, "must be >= 1"));
        }
        check_nonnegative(SOLVER, "gradient_tolerance", self.gradient_tolerance)?;
        self.line_search.validate(SOLVER)
    }

    /// Minimizes `problem` from `x0` on the shared loop ([`gradus_oracle::run`]).
    ///
    /// Errors: invalid parameters, a starting point of the wrong length or with non-finite entries, an L1
    /// regularizer, and the errors of [`gradus_oracle::run`].
    pub fn solve(
        &self,
        problem: &dyn Objective,
        x0: ArrayView1<f64>,
        config: &RunConfig,
        monitor: &dyn Monitor,
        observer: &mut dyn Observer,
    ) -> Result<Report> {
        let mut state = LbfgsState::new(problem, x0, self)?;
        Ok(run(&mut state, monitor, config, observer)?)
    }

    /// Minimizes `problem` from `x0` with the initial matrix H⁰ = P⁻¹ of `preconditioner` instead of γI (see
    /// [`LbfgsState::set_preconditioner`]).
    ///
    /// Errors: those of [`LbfgsParams::solve`], and [`crate::ClassicError::DimensionMismatch`] when the
    /// preconditioner's dimension is not the problem's.
    pub fn solve_preconditioned(
        &self,
        problem: &dyn Objective,
        x0: ArrayView1<f64>,
        preconditioner: Preconditioner,
        config: &RunConfig,
        monitor: &dyn Monitor,
        observer: &mut dyn Observer,
    ) -> Result<Report> {
        let mut state = LbfgsState::new(problem, x0, self)?;
        state.set_preconditioner(preconditioner)?;
        Ok(run(&mut state, monitor, config, observer)?)
    }
}

/// Whether a pair passes the skip rule: sᵀy > [`CURVATURE_SKIP`] ‖s‖‖y‖.
pub fn curvature_pair_accepted(sy: f64, s_norm: f64, y_norm: f64) -> bool {
    sy > CURVATURE_SKIP * s_norm * y_norm
}

/// The last m curvature pairs (s, y) in a ring buffer, and the two-loop recursion. Reusable by other
/// quasi-Newton methods (QNing keeps its pairs in one).
#[derive(Debug, Clone)]
pub struct LbfgsMemory {
    s: Array2<f64>,
    y: Array2<f64>,
    rho: Vec<f64>,
    alpha: Vec<f64>,
    len: usize,
    /// The slot the next pair goes to.
    next: usize,
    /// γ of the newest pair.
    gamma: f64,
}

impl LbfgsMemory {
    /// An empty memory of `capacity` ≥ 1 pairs of dimension `dim` (a capacity of 0 is raised to 1).
    pub fn new(capacity: usize, dim: usize) -> Self {
        let m = capacity.max(1);
        LbfgsMemory {
            s: Array2::zeros((m, dim)),
            y: Array2::zeros((m, dim)),
            rho: vec![0.0; m],
            alpha: vec![0.0; m],
            len: 0,
            next: 0,
            gamma: 1.0,
        }
    }

    /// m.
    pub fn capacity(&self) -> usize {
        self.rho.len()
    }

    /// The number of stored pairs.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no pair is stored.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Forgets every pair (H becomes the identity).
    pub fn clear(&mut self) {
        self.len = 0;
        self.next = 0;
        self.gamma = 1.0;
    }

    /// γ = sᵀy/yᵀy of the newest pair (1 when empty): the scaling of H⁰ = γI.
    pub fn initial_scaling(&self) -> f64 {
        self.gamma
    }

    /// Stores (s, y), replacing the oldest pair when full, if it passes the skip rule
    /// ([`curvature_pair_accepted`]); returns whether it was stored.
    pub fn push(&mut self, s: ArrayView1<f64>, y: ArrayView1<f64>) -> bool {
        let sy = s.dot(&y);
        let yy = y.dot(&y);
        if !curvature_pair_accepted(sy, norm(s), yy.sqrt()) || !(sy / yy).is_finite() {
            return false;
        }
        let k = self.next;
        self.s.row_mut(k).assign(&s);
        self.y.row_mut(k).assign(&y);
        self.rho[k] = 1.0 / sy;
        self.gamma = sy / yy;
        self.next = (k + 1) % self.capacity();
        self.len = (self.len + 1).min(self.capacity());
        true
    }

    /// The slot of the pair `age` steps old (0 = newest).
    fn slot(&self, age: usize) -> usize {
        let m = self.capacity();
        (self.next + m - 1 - age) % m
    }

    /// The quasi-Newton descent direction d = −H g; returns the slope gᵀd (negative when H is positive definite).
    pub fn descent_direction(&mut self, g: ArrayView1<f64>, mut d: ArrayViewMut1<f64>) -> f64 {
        self.apply_inverse_hessian(g, d.view_mut());
        d.mapv_inplace(|v| -v);
        g.dot(&d)
    }

    /// Clears the memory and sets d = −g (steepest descent); returns the slope −‖g‖².
    pub fn restart_direction(&mut self, g: ArrayView1<f64>, mut d: ArrayViewMut1<f64>) -> f64 {
        self.clear();
        d.zip_mut_with(&g, |di, &gi| *di = -gi);
        g.dot(&d)
    }

    /// out = H g by the two-loop recursion (Nocedal & Wright, Algorithm 7.4). No allocation.
    pub fn apply_inverse_hessian(&mut self, g: ArrayView1<f64>, out: ArrayViewMut1<f64>) {
        let gamma = self.gamma;
        self.two_loop(g, out, |mut q| q *= gamma);
    }

    /// out = H g by the two-loop recursion with the initial matrix H⁰ = P⁻¹ of a [`Preconditioner`] instead of
    /// γI (Nocedal & Wright, §7.2: any H⁰ works; unscaled, since P already carries the curvature's scale).
    pub fn apply_preconditioned_inverse_hessian(
        &mut self,
        g: ArrayView1<f64>,
        out: ArrayViewMut1<f64>,
        preconditioner: &Preconditioner,
    ) {
        self.two_loop(g, out, |q| preconditioner.apply_inverse_in_place(q));
    }

    /// The two loops around `initial`, which replaces q by H⁰ q.
    fn two_loop(&mut self, g: ArrayView1<f64>, mut out: ArrayViewMut1<f64>, initial: impl FnOnce(ArrayViewMut1<f64>)) {
        out.assign(&g);
        for age in 0..self.len {
            let k = self.slot(age);
            let a = self.rho[k] * self.s.row(k).dot(&out);
            out.scaled_add(-a, &self.y.row(k));
            self.alpha[k] = a;
        }
        initial(out.view_mut());
        for age in (0..self.len).rev() {
            let k = self.slot(age);
            let b = self.rho[k] * self.y.row(k).dot(&out);
            out.scaled_add(self.alpha[k] - b, &self.s.row(k));
        }
    }
}

/// The state of L-BFGS: x_k, F(x_k), ∇F(x_k), the memory and preallocated buffers.
pub struct LbfgsState<'a> {
    problem: SmoothObjective<'a>,
    x: Array1<f64>,
    value: f64,
    gradient: Array1<f64>,
    /// Whether `value` and `gradient` hold F and ∇F at x (false until the first step evaluates them).
    evaluated: bool,
    direction: Array1<f64>,
    trial_x: Array1<f64>,
    trial_gradient: Array1<f64>,
    s: Array1<f64>,
    y: Array1<f64>,
    memory: LbfgsMemory,
    line_search: WolfeParams,
    tolerance: f64,
    skipped: u64,
    resets: u64,
    last_line_search: Option<LineSearchResult>,
    preconditioner: Option<Preconditioner>,
    /// Whether the current direction is the plain −∇F (first step 1/‖∇F‖) although a preconditioner is set.
    plain_direction: bool,
}

impl<'a> LbfgsState<'a> {
    /// Validates `params` and the problem and sets x₀.
    pub fn new(problem: &'a dyn Objective, x0: ArrayView1<f64>, params: &LbfgsParams) -> Result<Self> {
        params.validate()?;
        let problem = SmoothObjective::new(SOLVER, problem)?;
        let d = problem.dim();
        check_start(SOLVER, d, x0)?;
        Ok(LbfgsState {
            problem,
            x: x0.to_owned(),
            value: f64::NAN,
            gradient: Array1::zeros(d),
            evaluated: false,
            direction: Array1::zeros(d),
            trial_x: Array1::zeros(d),
            trial_gradient: Array1::zeros(d),
            s: Array1::zeros(d),
            y: Array1::zeros(d),
            memory: LbfgsMemory::new(params.memory, d),
            line_search: params.line_search,
            tolerance: params.gradient_tolerance,
            skipped: 0,
            resets: 0,
            last_line_search: None,
            preconditioner: None,
            plain_direction: false,
        })
    }

    /// Uses H⁰ = P⁻¹ from now on: the two-loop recursion starts from P⁻¹ instead of γI, the first step (and the
    /// step after a reset) is d = −P⁻¹∇F with the unit step tried first, and when the line search fails along
    /// −P⁻¹∇F the plain −∇F is tried before the run stalls.
    ///
    /// Errors: [`crate::ClassicError::DimensionMismatch`] when P's dimension is not the problem's.
    pub fn set_preconditioner(&mut self, preconditioner: Preconditioner) -> Result<()> {
        if preconditioner.dim() != self.x.len() {
            return Err(crate::ClassicError::DimensionMismatch {
                solver: SOLVER,
                expected: self.x.len(),
                got: preconditioner.dim(),
            });
        }
        self.preconditioner = Some(preconditioner);
        Ok(())
    }

    /// The preconditioner, if one is set.
    pub fn preconditioner(&self) -> Option<&Preconditioner> {
        self.preconditioner.as_ref()
    }

    /// F(x_k) (NaN before the first step).
    pub fn value(&self) -> f64 {
        self.value
    }

    /// ∇F(x_k) (zero before the first step).
    pub fn gradient(&self) -> ArrayView1<'_, f64> {
        self.gradient.view()
    }

    /// The curvature pairs.
    pub fn memory(&self) -> &LbfgsMemory {
        &self.memory
    }

    /// How many pairs the skip rule rejected.
    pub fn skipped_pairs(&self) -> u64 {
        self.skipped
    }

    /// How many times the memory was cleared (non-descent direction or failed line search).
    pub fn resets(&self) -> u64 {
        self.resets
    }

    /// The outcome of the last line search.
    pub fn last_line_search(&self) -> Option<LineSearchResult> {
        self.last_line_search
    }

    /// direction = −H ∇F(x_k); returns the slope ∇Fᵀd.
    fn quasi_newton_direction(&mut self) -> f64 {
        match &self.preconditioner {
            None => self
                .memory
                .descent_direction(self.gradient.view(), self.direction.view_mut()),
            Some(p) => {
                self.memory
                    .apply_preconditioned_inverse_hessian(self.gradient.view(), self.direction.view_mut(), p);
                self.direction.mapv_inplace(|v| -v);
                self.gradient.dot(&self.direction)
            }
        }
    }

    /// Clears the memory and sets direction = −∇F(x_k) (−P⁻¹∇F(x_k) with a preconditioner); returns the slope.
    fn steepest_descent_direction(&mut self) -> f64 {
        self.resets += 1;
        self.memory.clear();
        self.quasi_newton_direction()
    }

    /// Clears the memory and sets direction = −∇F(x_k) even with a preconditioner; returns the slope −‖∇F‖².
    fn plain_gradient_direction(&mut self) -> f64 {
        self.resets += 1;
        self.plain_direction = true;
        self.memory
            .restart_direction(self.gradient.view(), self.direction.view_mut())
    }

    /// The first trial step: 1 for a quasi-Newton or preconditioned direction, 1/‖∇F‖ for −∇F.
    fn initial_step(&self) -> f64 {
        if self.memory.is_empty() && (self.preconditioner.is_none() || self.plain_direction) {
            1.0 / norm(self.gradient.view())
        } else {
            1.0
        }
    }

    /// The line search along `direction`; on return (unless it failed) `trial_x` and `trial_gradient` hold the
    /// accepted point and its gradient.
    fn search(&mut self, slope: f64, work: &mut Work) -> LineSearchResult {
        let initial = self.initial_step();
        let LbfgsState {
            problem,
            x,
            value,
            direction,
            trial_x,
            trial_gradient,
            line_search,
            ..
        } = self;
        let mut last_evaluated = f64::NAN;
        let mut phi = |alpha: f64| {
            last_evaluated = alpha;
            evaluate_along(problem, x.view(), direction.view(), alpha, trial_x, trial_gradient)
        };
        let result = strong_wolfe(&mut phi, *value, slope, initial, line_search);
        work.full_gradients += u64::from(result.evaluations);
        if result.status != LineSearchStatus::Failed && result.point.step != last_evaluated {
            evaluate_along(
                problem,
                x.view(),
                direction.view(),
                result.point.step,
                trial_x,
                trial_gradient,
            );
            work.full_gradients += 1;
        }
        self.last_line_search = Some(result);
        result
    }
}

/// trial_x = x + α d and trial_gradient = ∇F(trial_x); returns (F(trial_x), ∇F(trial_x)ᵀd).
fn evaluate_along(
    problem: &SmoothObjective<'_>,
    x: ArrayView1<f64>,
    direction: ArrayView1<f64>,
    alpha: f64,
    trial_x: &mut Array1<f64>,
    trial_gradient: &mut Array1<f64>,
) -> (f64, f64) {
    Zip::from(&mut *trial_x)
        .and(&x)
        .and(&direction)
        .for_each(|t, &xi, &di| *t = xi + alpha * di);
    let value = problem.value_and_gradient(trial_x.view(), trial_gradient.view_mut());
    (value, trial_gradient.dot(&direction))
}

impl Method for LbfgsState<'_> {
    fn iterate(&self) -> ArrayView1<'_, f64> {
        self.x.view()
    }

    fn step(&mut self, work: &mut Work) -> StepOutcome {
        if !self.evaluated {
            self.value = self.problem.value_and_gradient(self.x.view(), self.gradient.view_mut());
            work.full_gradients += 1;
            self.evaluated = true;
        }
        if norm(self.gradient.view()) <= self.tolerance {
            return StepOutcome::Converged;
        }
        let mut slope = self.quasi_newton_direction();
        if !(slope < 0.0 && slope.is_finite()) {
            slope = self.steepest_descent_direction();
        }
        let mut result = self.search(slope, work);
        if result.status == LineSearchStatus::Failed && !self.memory.is_empty() {
            slope = self.steepest_descent_direction();
            result = self.search(slope, work);
        }
        if result.status == LineSearchStatus::Failed && self.preconditioner.is_some() {
            slope = self.plain_gradient_direction();
            result = self.search(slope, work);
            self.plain_direction = false;
        }
        if result.status == LineSearchStatus::Failed || self.trial_x == self.x {
            return StepOutcome::Stalled;
        }
        Zip::from(&mut self.s)
            .and(&self.trial_x)
            .and(&self.x)
            .for_each(|s, &a, &b| *s = a - b);
        Zip::from(&mut self.y)
            .and(&self.trial_gradient)
            .and(&self.gradient)
            .for_each(|y, &a, &b| *y = a - b);
        if !self.memory.push(self.s.view(), self.y.view()) {
            self.skipped += 1;
        }
        std::mem::swap(&mut self.x, &mut self.trial_x);
        std::mem::swap(&mut self.gradient, &mut self.trial_gradient);
        self.value = result.point.value;
        if norm(self.gradient.view()) <= self.tolerance {
            StepOutcome::Converged
        } else {
            StepOutcome::Continue
        }
    }

    /// F(x_k) and ∇F(x_k) once evaluated, when F is the problem's smooth part f (no L2 regularizer added).
    fn known_value_and_gradient(&self) -> Option<(f64, ArrayView1<'_, f64>)> {
        (self.evaluated && self.problem.l2() == 0.0).then(|| (self.value, self.gradient.view()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ClassicError;
    use crate::test_support::*;
    use gradus_oracle::{Loss, NoMetrics, ObjectiveMonitor, Silent, Status, Stop};
    use ndarray::{Array2, array};
    use proptest::prelude::*;

    /// The reference: H = γI with γ from the newest pair, then the dense BFGS updates
    /// H ← (I − ρ s yᵀ) H (I − ρ y sᵀ) + ρ s sᵀ over the last m pairs, oldest first; returns −H g.
    fn naive_direction(pairs: &[(Array1<f64>, Array1<f64>)], m: usize, g: &Array1<f64>) -> Array1<f64> {
        let d = g.len();
        let kept = &pairs[pairs.len().saturating_sub(m)..];
        let gamma = kept.last().map_or(1.0, |(s, y)| s.dot(y) / y.dot(y));
        let mut h = Array2::<f64>::eye(d) * gamma;
        for (s, y) in kept {
            let rho = 1.0 / y.dot(s);
            let mut v = Array2::<f64>::eye(d);
            for i in 0..d {
                for j in 0..d {
                    v[[i, j]] -= rho * y[i] * s[j];
                }
            }
            // H ← Vᵀ H V + ρ s sᵀ with V = I − ρ y sᵀ.
            h = v.t().dot(&h).dot(&v);
            for i in 0..d {
                for j in 0..d {
                    h[[i, j]] += rho * s[i] * s[j];
                }
            }
        }
        -h.dot(g)
    }

    #[test]
    fn a_users_objective_runs_preconditioned_and_the_exact_hessian_takes_one_step() {
        // A badly scaled quadratic (κ = 1e4): the exact Hessian as P makes the first step Newton's, which lands on
        // x*; its diagonal as P needs no more iterations than γI.
        let q = householder_quadratic(30, 1e-2, 1e2);
        let h = q.matrix().clone();
        let config = RunConfig::new(Stop::iterations(1000).with_target("grad_norm", 1e-9), 1);
        let monitor = ObjectiveMonitor::new(&q);
        let x0 = Array1::zeros(30);
        let params = LbfgsParams::default();
        let (exact, _) = Preconditioner::from_matrix(h.clone()).unwrap();
        let r = params
            .solve_preconditioned(&q, x0.view(), exact, &config, &monitor, &mut Silent)
            .unwrap();
        assert_eq!(r.status, Status::Converged);
        assert!(r.iterations <= 2, "{}", r.iterations);
        let diagonal = Preconditioner::diagonal(h.diag().to_owned()).unwrap();
        let d = params
            .solve_preconditioned(&q, x0.view(), diagonal, &config, &monitor, &mut Silent)
            .unwrap();
        let plain = params.solve(&q, x0.view(), &config, &monitor, &mut Silent).unwrap();
        assert_eq!(d.status, Status::Converged);
        assert_eq!(plain.status, Status::Converged);
        assert!(
            d.iterations <= plain.iterations,
            "{} vs {}",
            d.iterations,
            plain.iterations
        );
        // A preconditioner of another dimension is a typed error.
        let wrong = Preconditioner::diagonal(Array1::ones(29)).unwrap();
        assert!(matches!(
            params.solve_preconditioned(&q, x0.view(), wrong, &config, &monitor, &mut Silent),
            Err(ClassicError::DimensionMismatch {
                expected: 30,
                got: 29,
                ..
            })
        ));
    }

    /// Pairs with y = B s for a fixed positive definite B (so sᵀy > 0), from a seed.
    fn curvature_pairs(d: usize, count: usize, seed: u64) -> Vec<(Array1<f64>, Array1<f64>)> {
        let mut rng = SplitMix(seed);
        let m = Array2::from_shape_fn((d, d), |_| rng.normal());
        let b = m.t().dot(&m) + Array2::<f64>::eye(d);
        (0..count)
            .map(|_| {
                let s: Array1<f64> = (0..d).map(|_| rng.normal()).collect();
                let y = b.dot(&s);
                (s, y)
            })
            .collect()
    }

    proptest! {
        #[test]
        fn two_loop_matches_dense_bfgs_updates(d in 1usize..8, m in 1usize..6, count in 0usize..12, seed in any::<u64>()) {
            let pairs = curvature_pairs(d, count, seed);
            let mut memory = LbfgsMemory::new(m, d);
            for (s, y) in &pairs {
                prop_assert!(memory.push(s.view(), y.view()));
            }
            prop_assert_eq!(memory.len(), count.min(m));
            let g: Array1<f64> = {
                let mut rng = SplitMix(seed ^ 0xABCD);
                (0..d).map(|_| rng.normal()).collect()
            };
            let mut hg = Array1::zeros(d);
            memory.apply_inverse_hessian(g.view(), hg.view_mut());
            let two_loop = -hg;
            let naive = naive_direction(&pairs, m, &g);
            let scale = norm(naive.view()).max(1e-300);
            let error = norm((&two_loop - &naive).view()) / scale;
            prop_assert!(error <= 1e-10, "relative difference {error}");
        }
    }

    #[test]
    fn the_skip_rule_rejects_flat_or_negative_curvature() {
        let mut memory = LbfgsMemory::new(3, 2);
        assert!(!memory.push(array![1.0, 0.0].view(), array![-1.0, 0.0].view()));
        assert!(!memory.push(array![1.0, 0.0].view(), array![0.0, 1.0].view()));
        // sᵀy = 1e-11 ‖s‖‖y‖: below the threshold.
        assert!(!memory.push(array![1.0, 0.0].view(), array![1e-11, 1.0].view()));
        assert!(memory.is_empty());
        assert!(memory.push(array![1.0, 0.0].view(), array![2.0, 0.0].view()));
        assert_eq!(memory.initial_scaling(), 0.5);
        assert!(curvature_pair_accepted(2e-10, 1.0, 1.0));
        assert!(!curvature_pair_accepted(1e-10, 1.0, 1.0));
        memory.clear();
        assert_eq!((memory.len(), memory.initial_scaling()), (0, 1.0));
    }

    #[test]
    fn solves_a_quadratic() {
        let q = householder_quadratic(20, 1.0, 1e3);
        let x0 = Array1::zeros(20);
        let config = RunConfig::new(Stop::iterations(500).with_target("dist", 1e-8), 1);
        let r = LbfgsParams::default()
            .solve(&q, x0.view(), &config, &Distance(q.solution().clone()), &mut Silent)
            .unwrap();
        assert_eq!(r.status, Status::Converged);
        assert!(distance(r.x.view(), q.solution().view()) <= 1e-8);
        // κ = 1000: gradient descent would need about 2·10⁴ gradients.
        assert!(r.work.full_gradients < 400, "{:?}", r.work);
        assert_eq!(r.work.function_values, 0);
        assert!(r.work.full_gradients > r.iterations);
    }

    #[test]
    fn logistic_regression_matches_newton() {
        for sparse in [false, true] {
            let model = linear_model(300, 10, Loss::Logistic, 1e-2, sparse);
            let f_star = newton_optimum(&model);
            let monitor = ObjectiveMonitor::new(&model).with_optimum(f_star);
            let config = RunConfig::new(Stop::iterations(1000).with_target("rel_subopt", 1e-10), 300);
            let x0 = Array1::zeros(10);
            for m in [1, 3, 10] {
                let r = LbfgsParams::default()
                    .memory(m)
                    .solve(&model, x0.view(), &config, &monitor, &mut Silent)
                    .unwrap();
                assert_eq!(r.status, Status::Converged, "m = {m}, sparse = {sparse}");
                assert!(relative_suboptimality(&model, r.x.view(), f_star) <= 1e-10);
            }
        }
    }

    #[test]
    fn reaches_a_gradient_norm_of_1e_12_on_an_ill_conditioned_logistic_problem() {
        // λ₂ = 1/(10 n), as in the peer benchmark: F stops changing in floating point long before ‖∇F‖ ≤ 1e-12.
        let n = 2000;
        let model = linear_model(n, 30, Loss::Logistic, 1.0 / (10.0 * n as f64), false);
        let x0 = Array1::zeros(30);
        let params = LbfgsParams::default().gradient_tolerance(1e-12);
        let mut state = LbfgsState::new(&model, x0.view(), &params).unwrap();
        let r = run(
            &mut state,
            &NoMetrics,
            &RunConfig::new(Stop::iterations(5000), n),
            &mut Silent,
        )
        .unwrap();
        assert_eq!(r.status, Status::Converged, "after {} iterations", r.iterations);
        let mut g = Array1::zeros(30);
        model.gradient(r.x.view(), g.view_mut());
        assert!(norm(g.view()) <= 1e-12);
        let newton = crate::newton::certify_optimum(&model, 1e-12).unwrap();
        assert!((model.value(r.x.view()) - newton.value).abs() <= 1e-14 * newton.value);
        // With the Armijo test alone, rounding in F defeats the line search well before 1e-12.
        let exact = params.line_search(WolfeParams {
            approximate_epsilon: 0.0,
            ..WolfeParams::default()
        });
        let mut state = LbfgsState::new(&model, x0.view(), &exact).unwrap();
        let r = run(
            &mut state,
            &NoMetrics,
            &RunConfig::new(Stop::iterations(5000), n),
            &mut Silent,
        )
        .unwrap();
        assert_eq!(r.status, Status::Stalled);
        assert!(norm(state.gradient()) > 1e-12);
    }

    #[test]
    fn a_wrong_gradient_stalls_the_line_search() {
        // f = ½‖x‖² with the gradient's sign flipped: −∇ is an ascent direction, no step decreases f. (With the
        // approximate Wolfe conditions on, a tiny step would pass their derivative test, which trusts ∇.)
        struct Flipped;
        impl Objective for Flipped {
            fn dim(&self) -> usize {
                2
            }
            fn value(&self, x: ArrayView1<f64>) -> f64 {
                0.5 * x.dot(&x)
            }
            fn gradient(&self, x: ArrayView1<f64>, mut out: ArrayViewMut1<f64>) {
                out.assign(&x.mapv(|v| -v));
            }
            fn smoothness(&self) -> f64 {
                1.0
            }
        }
        let x0 = array![1.0, 2.0];
        let exact = WolfeParams {
            approximate_epsilon: 0.0,
            ..WolfeParams::default()
        };
        let r = LbfgsParams::default()
            .line_search(exact)
            .solve(
                &Flipped,
                x0.view(),
                &RunConfig::new(Stop::iterations(10), 1),
                &NoMetrics,
                &mut Silent,
            )
            .unwrap();
        assert_eq!(r.status, Status::Stalled);
        assert_eq!(r.x, x0);
        assert_eq!(r.iterations, 1);
    }

    #[test]
    fn invalid_parameters_and_problems_are_typed_errors() {
        let q = householder_quadratic(3, 1.0, 10.0);
        let x0 = Array1::zeros(3);
        let new = |p: LbfgsParams| LbfgsState::new(&q, x0.view(), &p).err();
        assert_eq!(
            new(LbfgsParams::default().memory(0)),
            Some(ClassicError::InvalidParameter {
                solver: "lbfgs",
                name: "memory",
                value: "0".into(),
                reason: "must be >= 1"
            })
        );
        assert!(matches!(
            new(LbfgsParams::default().gradient_tolerance(f64::NAN)),
            Some(ClassicError::InvalidParameter {
                name: "gradient_tolerance",
                ..
            })
        ));
        let bad = WolfeParams {
            c1: 0.95,
            ..WolfeParams::default()
        };
        assert!(matches!(
            new(LbfgsParams::default().line_search(bad)),
            Some(ClassicError::InvalidParameter { name: "c1", .. })
        ));
        let e = LbfgsState::new(&q, Array1::zeros(4).view(), &LbfgsParams::default()).err();
        assert!(matches!(e, Some(ClassicError::DimensionMismatch { .. })));
        let mut nan = Array1::zeros(3);
        nan[2] = f64::NAN;
        let e = LbfgsState::new(&q, nan.view(), &LbfgsParams::default()).err();
        assert!(matches!(e, Some(ClassicError::NonFiniteStart { index: 2, .. })));
        let lasso = linear_model(20, 3, Loss::Squared, 0.0, false)
            .with_regularization(0.1, 0.1)
            .unwrap();
        let e = LbfgsState::new(&lasso, x0.view(), &LbfgsParams::default()).err();
        assert!(matches!(e, Some(ClassicError::Unsupported { solver: "lbfgs", .. })));
    }

    #[test]
    fn an_l2_regularizer_is_added_and_not_handed_to_the_monitor() {
        let q = householder_quadratic(6, 0.5, 20.0);
        let p = WithRegularizer {
            inner: &q,
            regularizer: gradus_oracle::Regularizer::L2(0.25),
        };
        let x0 = Array1::zeros(6);
        let monitor = ObjectiveMonitor::new(&p);
        let config = RunConfig::new(Stop::iterations(200).with_target("grad_norm", 1e-10), 1);
        let mut state = LbfgsState::new(&p, x0.view(), &LbfgsParams::default()).unwrap();
        let r = run(&mut state, &monitor, &config, &mut Silent).unwrap();
        assert_eq!(r.status, Status::Converged);
        // F(x) = f + (λ₂/2)‖x‖² is the state's value, but the monitor gets no "known" f.
        assert!(state.known_value_and_gradient().is_none());
        assert!((state.value() - p.total_value(r.x.view())).abs() < 1e-14);
    }

    #[test]
    fn runs_are_deterministic_across_thread_counts() {
        for sparse in [false, true] {
            let m = linear_model(6000, 20, Loss::Logistic, 1e-3, sparse);
            assert_deterministic(|| {
                let monitor = ObjectiveMonitor::new(&m);
                LbfgsParams::default()
                    .solve(
                        &m,
                        Array1::zeros(20).view(),
                        &RunConfig::new(Stop::iterations(25), 6000),
                        &monitor,
                        &mut Silent,
                    )
                    .unwrap()
            });
        }
    }
}

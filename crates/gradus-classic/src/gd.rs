//! Gradient descent with a constant step or Armijo backtracking.

use gradus_oracle::{Method, Monitor, Objective, Observer, Report, RunConfig, StepOutcome, Work, run};
use ndarray::{Array1, ArrayView1, Zip};

use crate::error::{ClassicError, Result, check_nonnegative, check_open_unit, check_positive, invalid};
use crate::smooth::{SmoothObjective, check_start, norm};

const SOLVER: &str = "gd";

/// How gradient descent chooses its step tₖ.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum StepRule {
    /// tₖ = 1/L, with L the `smoothness` parameter or else the problem's [`Objective::smoothness`]. The classic
    /// rate: F(xₖ) − F* ≤ L‖x₀ − x*‖²/(2k), and (1 − μ/L)ᵏ when F is μ-strongly convex.
    InverseSmoothness,
    /// A fixed step tₖ = t > 0. Steps above 2/L may diverge (the run then ends with
    /// [`gradus_oracle::Status::Diverged`]).
    Constant(f64),
    /// Armijo backtracking: see [`Armijo`].
    Armijo(Armijo),
}

/// Armijo backtracking. Each iteration starts from the previous accepted step times `grow` (the first from
/// `initial_step`) and multiplies it by `shrink` until the sufficient-decrease condition
///
/// F(xₖ − t ∇F(xₖ)) ≤ F(xₖ) − c · t · ‖∇F(xₖ)‖²
///
/// holds. A trial step below `min_step`, or a trial point equal to xₖ in floating point, ends the run as
/// [`gradus_oracle::Status::Stalled`] (no further progress is possible at machine precision).
///
/// | name | default | range | meaning |
/// |---|---|---|---|
/// | `initial_step` | 1/L (1 when L is unknown) | > 0 | the first trial step |
/// | `grow` | 2 | ≥ 1 | factor from the previous accepted step to the next first trial |
/// | `shrink` | 0.5 | (0, 1) | backtracking factor |
/// | `sufficient_decrease` | 1e-4 | (0, 1) | c in the Armijo condition |
/// | `min_step` | 1e-20 | > 0 | smallest trial step before the run stalls |
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Armijo {
    /// The first trial step (None: 1/L, or 1 when L is unknown).
    pub initial_step: Option<f64>,
    /// Factor from the previous accepted step to the next first trial (≥ 1).
    pub grow: f64,
    /// Backtracking factor, in (0, 1).
    pub shrink: f64,
    /// The constant c of the sufficient-decrease condition, in (0, 1).
    pub sufficient_decrease: f64,
    /// Smallest trial step (> 0).
    pub min_step: f64,
}

impl Default for Armijo {
    fn default() -> Self {
        Armijo {
            initial_step: None,
            grow: 2.0,
            shrink: 0.5,
            sufficient_decrease: 1e-4,
            min_step: 1e-20,
        }
    }
}

impl Armijo {
    /// Checks every value.
    pub fn validate(&self) -> Result<()> {
        if let Some(t) = self.initial_step {
            check_positive(SOLVER, "initial_step", t)?;
        }
        if !(self.grow.is_finite() && self.grow >= 1.0) {
            return Err(invalid(SOLVER, "grow", self.grow, "must be finite and >= 1"));
        }
        check_open_unit(SOLVER, "shrink", self.shrink)?;
        check_open_unit(SOLVER, "sufficient_decrease", self.sufficient_decrease)?;
        check_positive(SOLVER, "min_step", self.min_step)
    }
}

/// Gradient descent: xₖ₊₁ = xₖ − tₖ ∇F(xₖ).
///
/// F = f + g with g none or L2 (g's gradient λ₂x is added; an L1 part is rejected, see [`crate::smooth`]).
/// Work: one full gradient (a `value_and_gradient`) per iteration at the new iterate, plus one at x₀; the Armijo
/// rule adds one function value per trial step; when L comes from the problem, the passes its estimate cost
/// ([`Objective::smoothness_passes`]) are charged once, at the first step. F(x_k) and ∇F(x_k) are handed to the monitor
/// ([`Method::known_value_and_gradient`]), so recording metrics costs no extra pass.
///
/// | name | default | range | meaning |
/// |---|---|---|---|
/// | `step_rule` | [`StepRule::InverseSmoothness`] | see [`StepRule`] | how tₖ is chosen |
/// | `smoothness` | the problem's L (+ λ₂ of an L2 regularizer) | > 0 | L, for tₖ = 1/L and Armijo's first step |
/// | `gradient_tolerance` | 0 | ≥ 0 | converged when ‖∇F(xₖ)‖ ≤ this (0: rely on the run's stopping rules) |
///
/// Reference: A. Cauchy (1847), *Méthode générale pour la résolution des systèmes d'équations simultanées*;
/// L. Armijo (1966), *Minimization of functions having Lipschitz continuous first partial derivatives*, Pacific
/// J. Math. 16(1); Y. Nesterov (2018), *Lectures on Convex Optimization*, §2.1.5.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GdParams {
    /// How the step is chosen.
    pub step_rule: StepRule,
    /// An override of the smoothness constant L of F.
    pub smoothness: Option<f64>,
    /// Converged when ‖∇F(xₖ)‖ ≤ this.
    pub gradient_tolerance: f64,
}

impl Default for GdParams {
    fn default() -> Self {
        GdParams {
            step_rule: StepRule::InverseSmoothness,
            smoothness: None,
            gradient_tolerance: 0.0,
        }
    }
}

impl GdParams {
    /// The defaults (step 1/L).
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the step rule.
    pub fn step_rule(mut self, rule: StepRule) -> Self {
        self.step_rule = rule;
        self
    }

    /// A fixed step t.
    pub fn constant_step(self, step: f64) -> Self {
        self.step_rule(StepRule::Constant(step))
    }

    /// Armijo backtracking with its default constants.
    pub fn armijo(self) -> Self {
        self.step_rule(StepRule::Armijo(Armijo::default()))
    }

    /// Overrides the smoothness constant L.
    pub fn smoothness(mut self, l: f64) -> Self {
        self.smoothness = Some(l);
        self
    }

    /// Sets the gradient-norm tolerance.
    pub fn gradient_tolerance(mut self, tolerance: f64) -> Self {
        self.gradient_tolerance = tolerance;
        self
    }

    /// Checks every value.
    pub fn validate(&self) -> Result<()> {
        match self.step_rule {
            StepRule::InverseSmoothness => {}
            StepRule::Constant(t) => check_positive(SOLVER, "step", t)?,
            StepRule::Armijo(a) => a.validate()?,
        }
        if let Some(l) = self.smoothness {
            check_positive(SOLVER, "smoothness", l)?;
        }
        check_nonnegative(SOLVER, "gradient_tolerance", self.gradient_tolerance)
    }

    /// Minimizes `problem` from `x0` on the shared loop ([`gradus_oracle::run`]).
    ///
    /// Errors: invalid parameters, a starting point of the wrong length or with non-finite entries, an L1
    /// regularizer, a step rule that needs L when neither the problem nor the parameters give a finite L > 0,
    /// and the errors of [`gradus_oracle::run`].
    pub fn solve(
        &self,
        problem: &dyn Objective,
        x0: ArrayView1<f64>,
        config: &RunConfig,
        monitor: &dyn Monitor,
        observer: &mut dyn Observer,
    ) -> Result<Report> {
        let mut state = GdState::new(problem, x0, self)?;
        Ok(run(&mut state, monitor, config, observer)?)
    }
}

/// The resolved step rule.
#[derive(Debug, Clone, Copy)]
enum Rule {
    Fixed,
    Backtracking(Armijo),
}

/// The state of gradient descent: the iterate, F and ∇F there, and preallocated buffers.
pub struct GdState<'a> {
    problem: SmoothObjective<'a>,
    /// Passes the estimate of L cost ([`Objective::smoothness_passes`]), charged at the first step; 0 when L was given.
    setup_passes: u64,
    x: Array1<f64>,
    value: f64,
    gradient: Array1<f64>,
    /// Whether `value` and `gradient` hold F and ∇F at x (false until the first step evaluates them).
    evaluated: bool,
    trial: Array1<f64>,
    /// The fixed step, or Armijo's first trial step of the next iteration.
    step: f64,
    rule: Rule,
    tolerance: f64,
}

impl<'a> GdState<'a> {
    /// Validates `params` and the problem and sets x₀.
    ///
    /// Errors: invalid parameters; a starting point of the wrong length or with non-finite entries; an L1
    /// regularizer; a step rule that needs L when neither the parameters nor the problem give a finite L > 0.
    pub fn new(problem: &'a dyn Objective, x0: ArrayView1<f64>, params: &GdParams) -> Result<Self> {
        params.validate()?;
        let problem = SmoothObjective::new(SOLVER, problem)?;
        check_start(SOLVER, problem.dim(), x0)?;
        let l = params.smoothness.unwrap_or_else(|| problem.smoothness());
        let setup_passes = if params.smoothness.is_some() {
            0
        } else {
            problem.smoothness_passes()
        };
        let known_l = l.is_finite() && l > 0.0;
        let (rule, step) = match params.step_rule {
            StepRule::InverseSmoothness if known_l => (Rule::Fixed, 1.0 / l),
            StepRule::InverseSmoothness => {
                return Err(ClassicError::Unsupported {
                    solver: SOLVER,
                    reason: format!(
                        "the step 1/L needs a finite L > 0 but the problem's smoothness is {l}; \
                         set `smoothness` or use the Armijo rule"
                    ),
                });
            }
            StepRule::Constant(t) => (Rule::Fixed, t),
            StepRule::Armijo(a) => {
                let first = a.initial_step.unwrap_or(if known_l { 1.0 / l } else { 1.0 });
                (Rule::Backtracking(a), first)
            }
        };
        let d = problem.dim();
        Ok(GdState {
            problem,
            setup_passes,
            x: x0.to_owned(),
            value: f64::NAN,
            gradient: Array1::zeros(d),
            evaluated: false,
            trial: Array1::zeros(d),
            step,
            rule,
            tolerance: params.gradient_tolerance,
        })
    }

    /// The fixed step, or with Armijo the first trial step of the next iteration.
    pub fn step_size(&self) -> f64 {
        self.step
    }

    /// F(x_k) (NaN before the first step).
    pub fn value(&self) -> f64 {
        self.value
    }

    /// ∇F(x_k) (zero before the first step).
    pub fn gradient(&self) -> ArrayView1<'_, f64> {
        self.gradient.view()
    }

    /// Evaluates F and ∇F at x.
    fn evaluate(&mut self, work: &mut Work) {
        self.value = self.problem.value_and_gradient(self.x.view(), self.gradient.view_mut());
        work.full_gradients += 1;
        self.evaluated = true;
    }

    /// Armijo backtracking from x_k (whose F and ∇F are known); moves x on success.
    fn backtrack(&mut self, armijo: Armijo, work: &mut Work) -> StepOutcome {
        let grad_norm_sq = self.gradient.dot(&self.gradient);
        let mut t = self.step;
        loop {
            gradient_step(self.x.view(), self.gradient.view(), t, &mut self.trial);
            if self.trial == self.x {
                return StepOutcome::Stalled;
            }
            let f_trial = self.problem.value(self.trial.view());
            work.function_values += 1;
            if armijo_holds(f_trial, self.value, t, grad_norm_sq, armijo.sufficient_decrease) {
                std::mem::swap(&mut self.x, &mut self.trial);
                self.step = t * armijo.grow;
                return StepOutcome::Continue;
            }
            t *= armijo.shrink;
            if t < armijo.min_step {
                return StepOutcome::Stalled;
            }
        }
    }
}

impl Method for GdState<'_> {
    fn iterate(&self) -> ArrayView1<'_, f64> {
        self.x.view()
    }

    fn step(&mut self, work: &mut Work) -> StepOutcome {
        work.full_gradients += std::mem::take(&mut self.setup_passes);
        if !self.evaluated {
            self.evaluate(work);
        }
        if norm(self.gradient.view()) <= self.tolerance {
            return StepOutcome::Converged;
        }
        match self.rule {
            Rule::Fixed => {
                let t = self.step;
                Zip::from(&mut self.x)
                    .and(&self.gradient)
                    .for_each(|xi, &gi| *xi -= t * gi);
            }
            Rule::Backtracking(armijo) => {
                if self.backtrack(armijo, work) == StepOutcome::Stalled {
                    return StepOutcome::Stalled;
                }
            }
        }
        self.evaluate(work);
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

/// out = x − t g.
fn gradient_step(x: ArrayView1<f64>, g: ArrayView1<f64>, t: f64, out: &mut Array1<f64>) {
    Zip::from(out).and(&x).and(&g).for_each(|o, &xi, &gi| *o = xi - t * gi);
}

/// The Armijo sufficient-decrease condition along −∇F: F(x − t g) ≤ F(x) − c t ‖g‖². False for a NaN trial value.
pub fn armijo_holds(f_trial: f64, f: f64, step: f64, grad_norm_sq: f64, c: f64) -> bool {
    f_trial <= f - c * step * grad_norm_sq
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::*;
    use gradus_oracle::{Loss, NoMetrics, ObjectiveMonitor, Regularizer, Silent, Status, Stop};

    fn to_distance(params: &GdParams, problem: &gradus_oracle::Quadratic, max_iterations: u64) -> Report {
        let config = RunConfig::new(Stop::iterations(max_iterations).with_target("dist", 1e-8), 1);
        let x0 = Array1::zeros(problem.dim());
        params
            .solve(
                problem,
                x0.view(),
                &config,
                &Distance(problem.solution().clone()),
                &mut Silent,
            )
            .unwrap()
    }

    #[test]
    fn inverse_smoothness_step_solves_a_quadratic() {
        let q = householder_quadratic(10, 1.0, 50.0);
        let r = to_distance(&GdParams::default(), &q, 10_000);
        assert_eq!(r.status, Status::Converged);
        assert!(distance(r.x.view(), q.solution().view()) <= 1e-8);
        // One gradient per iteration and one at x₀, nothing else.
        assert_eq!(r.work.full_gradients, r.iterations + 1);
        assert_eq!(r.work.function_values, 0);
        // The rate (1 − μ/L)ᵏ: about 50 · ln(‖x₀ − x*‖/1e-8) ≈ 1000 iterations.
        assert!(r.iterations < 1100, "{}", r.iterations);
    }

    #[test]
    fn armijo_solves_a_quadratic_and_counts_function_values() {
        let q = householder_quadratic(10, 1.0, 50.0);
        let r = to_distance(&GdParams::default().armijo(), &q, 10_000);
        assert_eq!(r.status, Status::Converged);
        assert!(distance(r.x.view(), q.solution().view()) <= 1e-8);
        assert_eq!(r.work.full_gradients, r.iterations + 1);
        assert!(r.work.function_values >= r.iterations);
        // Armijo without knowing L: starts from step 1 and backtracks.
        let params = GdParams::default().step_rule(StepRule::Armijo(Armijo {
            initial_step: Some(1.0),
            ..Armijo::default()
        }));
        let r = to_distance(&params, &q, 10_000);
        assert_eq!(r.status, Status::Converged);
    }

    #[test]
    fn logistic_regression_matches_newton() {
        for sparse in [false, true] {
            let model = linear_model(300, 10, Loss::Logistic, 1e-2, sparse);
            let f_star = newton_optimum(&model);
            let monitor = ObjectiveMonitor::new(&model).with_optimum(f_star);
            let config = RunConfig::new(Stop::iterations(20_000).with_target("rel_subopt", 1e-10), 300);
            let x0 = Array1::zeros(10);
            for params in [GdParams::default(), GdParams::default().armijo()] {
                let r = params.solve(&model, x0.view(), &config, &monitor, &mut Silent).unwrap();
                assert_eq!(r.status, Status::Converged, "{params:?} sparse={sparse}");
                assert!(relative_suboptimality(&model, r.x.view(), f_star) <= 1e-10);
            }
        }
    }

    #[test]
    fn an_l2_regularizer_is_added_to_the_gradient() {
        let q = householder_quadratic(6, 0.5, 20.0);
        let p = WithRegularizer {
            inner: &q,
            regularizer: Regularizer::L2(0.25),
        };
        // ObjectiveMonitor's grad_norm includes λ₂x, so reaching it means ∇f(x) + λ₂x ≈ 0.
        let monitor = ObjectiveMonitor::new(&p);
        let config = RunConfig::new(Stop::iterations(5000).with_target("grad_norm", 1e-10), 1);
        let x0 = Array1::zeros(6);
        let r = GdParams::default()
            .solve(&p, x0.view(), &config, &monitor, &mut Silent)
            .unwrap();
        assert_eq!(r.status, Status::Converged);
        // L grew by λ₂, so the step 1/(L + λ₂) is stable; the minimizer moved towards 0.
        assert!(distance(r.x.view(), q.solution().view()) > 1e-3);
    }

    #[test]
    fn a_step_of_three_over_l_diverges_with_a_finite_last_iterate() {
        let q = householder_quadratic(5, 1.0, 10.0);
        let params = GdParams::default().constant_step(3.0 / 10.0);
        let x0 = Array1::zeros(5);
        let monitor = ObjectiveMonitor::new(&q);
        let r = params
            .solve(
                &q,
                x0.view(),
                &RunConfig::new(Stop::iterations(10_000), 1),
                &monitor,
                &mut Silent,
            )
            .unwrap();
        match &r.status {
            Status::Diverged { iteration, last_finite } => {
                assert!(*iteration < 2000);
                assert!(last_finite.iter().all(|v| v.is_finite()));
                assert_eq!(last_finite, &r.x);
            }
            s => panic!("expected divergence, got {s:?}"),
        }
    }

    #[test]
    fn gradient_tolerance_stops_the_run() {
        let q = householder_quadratic(5, 1.0, 10.0);
        let x0 = Array1::zeros(5);
        let params = GdParams::default().gradient_tolerance(1e-6);
        let r = params
            .solve(
                &q,
                x0.view(),
                &RunConfig::new(Stop::iterations(10_000), 1),
                &NoMetrics,
                &mut Silent,
            )
            .unwrap();
        assert_eq!(r.status, Status::Converged);
        let mut g = Array1::zeros(5);
        q.gradient(r.x.view(), g.view_mut());
        assert!(norm(g.view()) <= 1e-6);
    }

    #[test]
    fn armijo_stalls_when_the_step_falls_below_its_minimum() {
        // Along the top eigenvector of A = diag(1, 10), F(x − t∇F) = (1 − 10t)² F(x): no step t ≥ 0.2 decreases F,
        // and backtracking from 100 stops below min_step = 0.4.
        let a = ndarray::Array2::from_diag(&ndarray::array![1.0, 10.0]);
        let q = gradus_oracle::Quadratic::new(a, Array1::zeros(2), 1.0, 10.0).unwrap();
        let x0 = ndarray::array![0.0, 1.0];
        let params = GdParams::default().step_rule(StepRule::Armijo(Armijo {
            initial_step: Some(100.0),
            min_step: 0.4,
            ..Armijo::default()
        }));
        let r = params
            .solve(
                &q,
                x0.view(),
                &RunConfig::new(Stop::iterations(1000), 1),
                &NoMetrics,
                &mut Silent,
            )
            .unwrap();
        assert_eq!(r.status, Status::Stalled);
        assert_eq!(r.x, x0);
        // Trials 100, 50, …, 0.78125: eight function values.
        assert_eq!(r.work.function_values, 8);
    }

    #[test]
    fn invalid_parameters_and_problems_are_typed_errors() {
        let q = householder_quadratic(3, 1.0, 10.0);
        let x0 = Array1::zeros(3);
        let config = RunConfig::new(Stop::iterations(10), 1);
        let solve = |p: GdParams, problem: &dyn Objective, x0: ArrayView1<f64>| {
            p.solve(problem, x0, &config, &NoMetrics, &mut Silent)
        };
        let e = solve(GdParams::default().constant_step(-0.1), &q, x0.view()).unwrap_err();
        assert_eq!(
            e,
            ClassicError::InvalidParameter {
                solver: "gd",
                name: "step",
                value: "-0.1".into(),
                reason: "must be finite and > 0"
            }
        );
        let e = solve(GdParams::default().gradient_tolerance(f64::NAN), &q, x0.view()).unwrap_err();
        assert!(matches!(
            e,
            ClassicError::InvalidParameter {
                name: "gradient_tolerance",
                ..
            }
        ));
        let bad_armijo = StepRule::Armijo(Armijo {
            shrink: 1.5,
            ..Armijo::default()
        });
        let e = solve(GdParams::default().step_rule(bad_armijo), &q, x0.view()).unwrap_err();
        assert!(matches!(e, ClassicError::InvalidParameter { name: "shrink", .. }));
        let e = solve(GdParams::default().smoothness(0.0), &q, x0.view()).unwrap_err();
        assert!(matches!(e, ClassicError::InvalidParameter { name: "smoothness", .. }));
        let e = solve(GdParams::default(), &q, Array1::zeros(4).view()).unwrap_err();
        assert_eq!(
            e,
            ClassicError::DimensionMismatch {
                solver: "gd",
                expected: 3,
                got: 4
            }
        );
        let lasso = linear_model(20, 3, Loss::Squared, 0.0, false)
            .with_regularization(0.0, 0.1)
            .unwrap();
        let e = solve(GdParams::default(), &lasso, x0.view()).unwrap_err();
        assert!(matches!(e, ClassicError::Unsupported { solver: "gd", .. }));
        let e = GdParams::default()
            .solve(
                &q,
                x0.view(),
                &RunConfig::new(Stop::iterations(0), 1),
                &NoMetrics,
                &mut Silent,
            )
            .unwrap_err();
        assert!(matches!(e, ClassicError::Oracle(_)));
    }

    #[test]
    fn runs_are_deterministic_across_thread_counts() {
        let model = linear_model(6000, 20, Loss::Logistic, 1e-3, false);
        assert!(model.design().chunks().len() >= 2);
        let sparse = linear_model(6000, 20, Loss::Logistic, 1e-3, true);
        for m in [&model, &sparse] {
            for params in [GdParams::default(), GdParams::default().armijo()] {
                assert_deterministic(|| {
                    let monitor = ObjectiveMonitor::new(m);
                    params
                        .solve(
                            m,
                            Array1::zeros(20).view(),
                            &RunConfig::new(Stop::iterations(30), 6000),
                            &monitor,
                            &mut Silent,
                        )
                        .unwrap()
                });
            }
        }
    }
}

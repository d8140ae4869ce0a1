//! Nesterov's accelerated gradient method, with optional adaptive restart.

use gradus_oracle::{Method, Monitor, Objective, Observer, Report, RunConfig, StepOutcome, Work, run};
use ndarray::{Array1, ArrayView1, Zip};

use crate::error::{ClassicError, Result, check_nonnegative, check_positive, invalid};
use crate::smooth::{SmoothObjective, check_start, norm};

const SOLVER: &str = "agd";

/// Which momentum sequence to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AgdVariant {
    /// The strongly convex variant when μ > 0, else the convex one.
    #[default]
    Auto,
    /// Constant momentum β = (√κ − 1)/(√κ + 1), κ = L/μ; needs μ > 0.
    StronglyConvex,
    /// The momentum (tₖ − 1)/tₖ₊₁ with t₁ = 1, tₖ₊₁ = (1 + √(1 + 4tₖ²))/2.
    Convex,
}

/// Nesterov's accelerated gradient method:
///
/// ```text
/// x_{k+1} = y_k − (1/L) ∇F(y_k)
/// y_{k+1} = x_{k+1} + β_k (x_{k+1} − x_k),      y_0 = x_0
/// ```
///
/// - strongly convex variant: β_k = (√κ − 1)/(√κ + 1), κ = L/μ; F(x_k) − F* = O((1 − 1/√κ)ᵏ);
/// - convex variant: t₁ = 1, t_{k+1} = (1 + √(1 + 4t_k²))/2, β_k = (t_k − 1)/t_{k+1}; F(x_k) − F* = O(L‖x₀ − x*‖²/k²).
///
/// With adaptive restart (the gradient scheme of O'Donoghue and Candès), when ⟨∇F(y_k), x_{k+1} − x_k⟩ > 0 the
/// momentum is dropped (y_{k+1} = x_{k+1}, t ← 1): the step went uphill relative to the momentum. This recovers
/// the linear rate without knowing μ.
///
/// F = f + g with g none or L2 (see [`crate::smooth`]). One full gradient per iteration. The iterate (what is
/// monitored and returned) is x_k. With `gradient_tolerance` > 0 the run converges when ‖∇F(y_k)‖ ≤ the
/// tolerance, and then returns y_k itself (whose gradient was certified).
///
/// | name | default | range | meaning |
/// |---|---|---|---|
/// | `variant` | [`AgdVariant::Auto`] | see [`AgdVariant`] | which momentum |
/// | `smoothness` | the problem's L (+ λ₂ of an L2 regularizer) | > 0 | L; the step is 1/L |
/// | `strong_convexity` | the problem's μ (+ λ₂) | [0, L] | μ, for the strongly convex momentum |
/// | `adaptive_restart` | false | bool | O'Donoghue–Candès gradient restart |
/// | `gradient_tolerance` | 0 | ≥ 0 | converged when ‖∇F(y_k)‖ ≤ this |
///
/// References: Y. Nesterov (1983), *A method for solving the convex programming problem with convergence rate
/// O(1/k²)*, Soviet Math. Dokl. 27; Y. Nesterov (2018), *Lectures on Convex Optimization*, §2.2 (constant step
/// schemes, eq. 2.2.22); A. Beck and M. Teboulle (2009), *A fast iterative shrinkage-thresholding algorithm*,
/// SIAM J. Imaging Sci. 2(1) (the tₖ sequence); B. O'Donoghue and E. Candès (2015), *Adaptive restart for
/// accelerated gradient schemes*, Found. Comput. Math. 15.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct AgdParams {
    /// Which momentum sequence.
    pub variant: AgdVariant,
    /// An override of L.
    pub smoothness: Option<f64>,
    /// An override of μ.
    pub strong_convexity: Option<f64>,
    /// Whether to restart the momentum when the gradient test fires.
    pub adaptive_restart: bool,
    /// Converged when ‖∇F(y_k)‖ ≤ this.
    pub gradient_tolerance: f64,
}

impl AgdParams {
    /// The defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// Chooses the momentum sequence.
    pub fn variant(mut self, variant: AgdVariant) -> Self {
        self.variant = variant;
        self
    }

    /// Overrides L.
    pub fn smoothness(mut self, l: f64) -> Self {
        self.smoothness = Some(l);
        self
    }

    /// Overrides μ.
    pub fn strong_convexity(mut self, mu: f64) -> Self {
        self.strong_convexity = Some(mu);
        self
    }

    /// Turns the adaptive (gradient) restart on or off.
    pub fn adaptive_restart(mut self, on: bool) -> Self {
        self.adaptive_restart = on;
        self
    }

    /// Sets the gradient-norm tolerance.
    pub fn gradient_tolerance(mut self, tolerance: f64) -> Self {
        self.gradient_tolerance = tolerance;
        self
    }

    /// Checks every value.
    pub fn validate(&self) -> Result<()> {
        if let Some(l) = self.smoothness {
            check_positive(SOLVER, "smoothness", l)?;
        }
        if let Some(mu) = self.strong_convexity {
            check_nonnegative(SOLVER, "strong_convexity", mu)?;
            if self.variant == AgdVariant::StronglyConvex && mu == 0.0 {
                return Err(invalid(
                    SOLVER,
                    "strong_convexity",
                    mu,
                    "must be > 0 for the strongly convex variant",
                ));
            }
            if let Some(l) = self.smoothness
                && mu > l
            {
                return Err(invalid(SOLVER, "strong_convexity", mu, "must be <= smoothness"));
            }
        }
        check_nonnegative(SOLVER, "gradient_tolerance", self.gradient_tolerance)
    }

    /// Minimizes `problem` from `x0` on the shared loop ([`gradus_oracle::run`]).
    ///
    /// Errors: those of [`AgdState::new`] and of [`gradus_oracle::run`].
    pub fn solve(
        &self,
        problem: &dyn Objective,
        x0: ArrayView1<f64>,
        config: &RunConfig,
        monitor: &dyn Monitor,
        observer: &mut dyn Observer,
    ) -> Result<Report> {
        let mut state = AgdState::new(problem, x0, self)?;
        Ok(run(&mut state, monitor, config, observer)?)
    }
}

/// The resolved momentum rule.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Momentum {
    Constant(f64),
    Fista,
}

/// The state of AGD: (x_k, y_k, t_k) and preallocated buffers. Usable on its own as an inner solver: build it
/// once, call [`Method::step`] with the outer solver's [`Work`], warm-start it with [`AgdState::reset`] and drop
/// the momentum with [`AgdState::restart_momentum`].
pub struct AgdState<'a> {
    problem: SmoothObjective<'a>,
    /// Passes the estimate of L cost ([`Objective::smoothness_passes`]), charged at the first step; 0 when L was given.
    setup_passes: u64,
    x: Array1<f64>,
    x_prev: Array1<f64>,
    y: Array1<f64>,
    gradient: Array1<f64>,
    smoothness: f64,
    strong_convexity: f64,
    momentum: Momentum,
    t: f64,
    adaptive_restart: bool,
    restarts: u64,
    tolerance: f64,
}

impl<'a> AgdState<'a> {
    /// Validates `params` and the problem, resolves L, μ and the variant, and sets x₀ = y₀.
    ///
    /// Errors: invalid parameters; a starting point of the wrong length or with non-finite entries; an L1
    /// regularizer; no finite L > 0 (from the parameters or the problem); μ > L; the strongly convex variant
    /// with μ = 0.
    pub fn new(problem: &'a dyn Objective, x0: ArrayView1<f64>, params: &AgdParams) -> Result<Self> {
        params.validate()?;
        let problem = SmoothObjective::new(SOLVER, problem)?;
        check_start(SOLVER, problem.dim(), x0)?;
        let l = params.smoothness.unwrap_or_else(|| problem.smoothness());
        let setup_passes = if params.smoothness.is_some() {
            0
        } else {
            problem.smoothness_passes()
        };
        if !(l.is_finite() && l > 0.0) {
            return Err(ClassicError::Unsupported {
                solver: SOLVER,
                reason: format!(
                    "the step 1/L needs a finite L > 0 but the problem's smoothness is {l}; set `smoothness`"
                ),
            });
        }
        let mu = params.strong_convexity.unwrap_or_else(|| problem.strong_convexity());
        if !(mu.is_finite() && mu >= 0.0 && mu <= l) {
            return Err(invalid(SOLVER, "strong_convexity", mu, "must satisfy 0 <= mu <= L"));
        }
        let momentum = match params.variant {
            AgdVariant::Auto if mu > 0.0 => Momentum::Constant(nesterov_momentum(l / mu)),
            AgdVariant::StronglyConvex if mu > 0.0 => Momentum::Constant(nesterov_momentum(l / mu)),
            AgdVariant::StronglyConvex => {
                return Err(ClassicError::Unsupported {
                    solver: SOLVER,
                    reason: "the strongly convex variant needs mu > 0 but the problem's is 0; set \
                             `strong_convexity` or use the convex variant"
                        .to_string(),
                });
            }
            AgdVariant::Auto | AgdVariant::Convex => Momentum::Fista,
        };
        let d = problem.dim();
        Ok(AgdState {
            problem,
            setup_passes,
            x: x0.to_owned(),
            x_prev: x0.to_owned(),
            y: x0.to_owned(),
            gradient: Array1::zeros(d),
            smoothness: l,
            strong_convexity: mu,
            momentum,
            t: 1.0,
            adaptive_restart: params.adaptive_restart,
            restarts: 0,
            tolerance: params.gradient_tolerance,
        })
    }

    /// Warm start: x = y = x₀ and the momentum restarted, keeping the buffers (no allocation).
    pub fn reset(&mut self, x0: ArrayView1<f64>) -> Result<()> {
        check_start(SOLVER, self.x.len(), x0)?;
        self.x.assign(&x0);
        self.x_prev.assign(&x0);
        self.restart_momentum();
        Ok(())
    }

    /// Drops the momentum: y = x and t = 1.
    pub fn restart_momentum(&mut self) {
        self.y.assign(&self.x);
        self.t = 1.0;
    }

    /// The iterate x_k.
    pub fn x(&self) -> ArrayView1<'_, f64> {
        self.x.view()
    }

    /// The extrapolated point y_k (where the next gradient is taken).
    pub fn y(&self) -> ArrayView1<'_, f64> {
        self.y.view()
    }

    /// ∇F(y_{k−1}), the last gradient taken (zero before the first step).
    pub fn gradient(&self) -> ArrayView1<'_, f64> {
        self.gradient.view()
    }

    /// The L in use.
    pub fn smoothness(&self) -> f64 {
        self.smoothness
    }

    /// The μ in use.
    pub fn strong_convexity(&self) -> f64 {
        self.strong_convexity
    }

    /// Whether the constant (strongly convex) momentum is in use.
    pub fn is_strongly_convex(&self) -> bool {
        matches!(self.momentum, Momentum::Constant(_))
    }

    /// How many adaptive restarts have fired.
    pub fn restarts(&self) -> u64 {
        self.restarts
    }

    /// The momentum βₖ for the next extrapolation, advancing tₖ for the convex variant.
    fn next_momentum(&mut self) -> f64 {
        match self.momentum {
            Momentum::Constant(beta) => beta,
            Momentum::Fista => {
                let t_next = next_t(self.t);
                let beta = fista_momentum(self.t, t_next);
                self.t = t_next;
                beta
            }
        }
    }
}

impl Method for AgdState<'_> {
    fn iterate(&self) -> ArrayView1<'_, f64> {
        self.x.view()
    }

    fn step(&mut self, work: &mut Work) -> StepOutcome {
        work.full_gradients += std::mem::take(&mut self.setup_passes);
        self.problem.gradient(self.y.view(), self.gradient.view_mut());
        work.full_gradients += 1;
        if norm(self.gradient.view()) <= self.tolerance {
            std::mem::swap(&mut self.x, &mut self.x_prev);
            self.x.assign(&self.y);
            return StepOutcome::Converged;
        }
        // x_prev ← x_k, x ← y_k − ∇F(y_k)/L.
        std::mem::swap(&mut self.x, &mut self.x_prev);
        let inv_l = 1.0 / self.smoothness;
        Zip::from(&mut self.x)
            .and(&self.y)
            .and(&self.gradient)
            .for_each(|x, &y, &g| *x = y - inv_l * g);
        let beta = if self.adaptive_restart
            && gradient_restart_test(self.gradient.view(), self.x.view(), self.x_prev.view())
        {
            self.restarts += 1;
            self.t = 1.0;
            0.0
        } else {
            self.next_momentum()
        };
        Zip::from(&mut self.y)
            .and(&self.x)
            .and(&self.x_prev)
            .for_each(|y, &x, &xp| *y = x + beta * (x - xp));
        StepOutcome::Continue
    }
}

/// β = (√κ − 1)/(√κ + 1), the momentum of the strongly convex variant.
pub fn nesterov_momentum(kappa: f64) -> f64 {
    let s = kappa.sqrt();
    (s - 1.0) / (s + 1.0)
}

/// t_{k+1} = (1 + √(1 + 4t_k²))/2.
pub fn next_t(t: f64) -> f64 {
    0.5 * (1.0 + (1.0 + 4.0 * t * t).sqrt())
}

/// β_k = (t_k − 1)/t_{k+1}, the momentum of the convex variant.
pub fn fista_momentum(t: f64, t_next: f64) -> f64 {
    (t - 1.0) / t_next
}

/// The O'Donoghue–Candès gradient restart test ⟨∇F(y_k), x_{k+1} − x_k⟩ > 0.
pub fn gradient_restart_test(gradient: ArrayView1<f64>, x_next: ArrayView1<f64>, x: ArrayView1<f64>) -> bool {
    let mut s = 0.0;
    Zip::from(&gradient)
        .and(&x_next)
        .and(&x)
        .for_each(|&g, &a, &b| s += g * (a - b));
    s > 0.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gd::GdParams;
    use crate::test_support::*;
    use gradus_oracle::{Loss, NoMetrics, ObjectiveMonitor, Quadratic, Silent, Status, Stop};

    /// Iterations until ‖x − x*‖ ≤ 1e-8 from x₀ = 0.
    fn iterations_to_distance(solve: impl Fn(&RunConfig, &Distance) -> Report, q: &Quadratic, max: u64) -> u64 {
        let config = RunConfig::new(Stop::iterations(max).with_target("dist", 1e-8), 1);
        let r = solve(&config, &Distance(q.solution().clone()));
        assert_eq!(r.status, Status::Converged, "did not reach 1e-8 in {max} iterations");
        assert!(distance(r.x.view(), q.solution().view()) <= 1e-8);
        r.iterations
    }

    fn agd(params: AgdParams, q: &Quadratic, max: u64) -> u64 {
        let x0 = Array1::zeros(q.dim());
        iterations_to_distance(|c, m| params.solve(q, x0.view(), c, m, &mut Silent).unwrap(), q, max)
    }

    #[test]
    fn momentum_formulas() {
        assert_eq!(nesterov_momentum(1.0), 0.0);
        assert!((nesterov_momentum(100.0) - 9.0 / 11.0).abs() < 1e-15);
        assert!((next_t(1.0) - (1.0 + 5f64.sqrt()) / 2.0).abs() < 1e-15);
        assert_eq!(fista_momentum(1.0, next_t(1.0)), 0.0);
        // t_k ≥ (k + 1)/2, so the momentum tends to 1.
        let mut t = 1.0;
        for _ in 0..99 {
            t = next_t(t);
        }
        assert!(t >= 50.0);
        let g = ndarray::array![1.0, 0.0];
        assert!(gradient_restart_test(
            g.view(),
            ndarray::array![1.0, 5.0].view(),
            ndarray::array![0.5, 0.0].view()
        ));
        assert!(!gradient_restart_test(
            g.view(),
            ndarray::array![0.0, 5.0].view(),
            ndarray::array![0.5, 0.0].view()
        ));
    }

    #[test]
    fn every_variant_solves_a_quadratic() {
        let q = householder_quadratic(10, 1.0, 100.0);
        let strongly = agd(AgdParams::default(), &q, 5000);
        let convex = agd(AgdParams::default().variant(AgdVariant::Convex), &q, 20_000);
        let restarted = agd(
            AgdParams::default().variant(AgdVariant::Convex).adaptive_restart(true),
            &q,
            20_000,
        );
        let both = agd(AgdParams::default().adaptive_restart(true), &q, 5000);
        // The convex momentum ignores μ and pays for it; restarting recovers a linear rate.
        assert!(strongly < convex, "{strongly} vs {convex}");
        assert!(restarted < convex, "{restarted} vs {convex}");
        assert!(both <= 2 * strongly, "{both} vs {strongly}");
    }

    #[test]
    fn acceleration_beats_gradient_descent_by_order_sqrt_kappa() {
        let kappa: f64 = 1e4;
        let q = householder_quadratic(40, 1.0, kappa);
        let x0 = Array1::zeros(40);
        let gd = iterations_to_distance(
            |c, m| GdParams::default().solve(&q, x0.view(), c, m, &mut Silent).unwrap(),
            &q,
            1_000_000,
        );
        let agd = agd(AgdParams::default(), &q, 100_000);
        let ratio = gd as f64 / agd as f64;
        assert!(ratio >= 0.3 * kappa.sqrt(), "GD {gd}, AGD {agd}, ratio {ratio}");
    }

    #[test]
    fn logistic_regression_matches_newton() {
        for sparse in [false, true] {
            let model = linear_model(300, 10, Loss::Logistic, 1e-2, sparse);
            let f_star = newton_optimum(&model);
            let monitor = ObjectiveMonitor::new(&model).with_optimum(f_star);
            let config = RunConfig::new(Stop::iterations(20_000).with_target("rel_subopt", 1e-10), 300);
            let x0 = Array1::zeros(10);
            for params in [
                AgdParams::default(),
                AgdParams::default().variant(AgdVariant::Convex).adaptive_restart(true),
            ] {
                let r = params.solve(&model, x0.view(), &config, &monitor, &mut Silent).unwrap();
                assert_eq!(r.status, Status::Converged, "{params:?} sparse={sparse}");
                assert!(relative_suboptimality(&model, r.x.view(), f_star) <= 1e-10);
                // One gradient per iteration, plus what the model's estimate of L cost (charged once).
                assert_eq!(r.work.full_gradients, r.iterations + model.smoothness_passes());
                assert!(model.smoothness_passes() >= 1);
            }
        }
    }

    #[test]
    fn gradient_tolerance_returns_the_certified_point() {
        let q = householder_quadratic(8, 1.0, 100.0);
        let x0 = Array1::zeros(8);
        let params = AgdParams::default().gradient_tolerance(1e-9);
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
        let mut g = Array1::zeros(8);
        q.gradient(r.x.view(), g.view_mut());
        assert!(norm(g.view()) <= 1e-9);
    }

    #[test]
    fn the_state_is_reusable_as_a_warm_started_inner_solver() {
        let q = householder_quadratic(6, 0.1, 10.0);
        let x0 = Array1::from_elem(6, 0.5);
        let params = AgdParams::default();
        let mut work = Work::default();
        let mut state = AgdState::new(&q, x0.view(), &params).unwrap();
        for _ in 0..25 {
            state.step(&mut work);
        }
        assert_eq!(work.full_gradients, 25);
        assert_ne!(state.x(), state.y());
        state.restart_momentum();
        assert_eq!(state.x(), state.y());
        // A reset state continues exactly like a fresh one (no stale momentum).
        let x1 = state.x().to_owned();
        state.reset(x1.view()).unwrap();
        let mut fresh = AgdState::new(&q, x1.view(), &params).unwrap();
        for _ in 0..10 {
            state.step(&mut work);
            fresh.step(&mut Work::default());
        }
        assert_eq!(state.x(), fresh.x());
        assert_eq!(state.y(), fresh.y());
        assert!(state.is_strongly_convex());
        assert_eq!((state.smoothness(), state.strong_convexity()), (10.0, 0.1));
        assert!(state.reset(Array1::zeros(5).view()).is_err());
    }

    #[test]
    fn overrides_select_the_variant() {
        let q = householder_quadratic(4, 1.0, 10.0);
        let x0 = Array1::zeros(4);
        let s = AgdState::new(&q, x0.view(), &AgdParams::default().strong_convexity(0.0)).unwrap();
        assert!(!s.is_strongly_convex());
        let s = AgdState::new(
            &q,
            x0.view(),
            &AgdParams::default().smoothness(20.0).strong_convexity(2.0),
        )
        .unwrap();
        assert!(s.is_strongly_convex());
        assert_eq!((s.smoothness(), s.strong_convexity()), (20.0, 2.0));
    }

    #[test]
    fn invalid_parameters_and_problems_are_typed_errors() {
        let q = householder_quadratic(3, 1.0, 10.0);
        let x0 = Array1::zeros(3);
        let new = |p: AgdParams| AgdState::new(&q, x0.view(), &p).err();
        assert!(matches!(
            new(AgdParams::default().smoothness(-1.0)),
            Some(ClassicError::InvalidParameter { name: "smoothness", .. })
        ));
        assert!(matches!(
            new(AgdParams::default().gradient_tolerance(f64::NAN)),
            Some(ClassicError::InvalidParameter {
                name: "gradient_tolerance",
                ..
            })
        ));
        assert!(matches!(
            new(AgdParams::default().smoothness(1.0).strong_convexity(2.0)),
            Some(ClassicError::InvalidParameter {
                name: "strong_convexity",
                ..
            })
        ));
        // μ from the problem above an overridden L.
        assert!(matches!(
            new(AgdParams::default().smoothness(0.5)),
            Some(ClassicError::InvalidParameter {
                name: "strong_convexity",
                ..
            })
        ));
        assert!(matches!(
            new(AgdParams::default()
                .variant(AgdVariant::StronglyConvex)
                .strong_convexity(0.0)),
            Some(ClassicError::InvalidParameter {
                name: "strong_convexity",
                ..
            })
        ));
        let convex = linear_model(20, 3, Loss::Squared, 0.0, false);
        let e = AgdState::new(
            &convex,
            x0.view(),
            &AgdParams::default().variant(AgdVariant::StronglyConvex),
        )
        .err();
        assert!(matches!(e, Some(ClassicError::Unsupported { solver: "agd", .. })));
        let e = AgdState::new(&q, Array1::zeros(2).view(), &AgdParams::default()).err();
        assert!(matches!(
            e,
            Some(ClassicError::DimensionMismatch {
                expected: 3,
                got: 2,
                ..
            })
        ));
        let lasso = convex.with_regularization(0.0, 0.1).unwrap();
        let e = AgdState::new(&lasso, x0.view(), &AgdParams::default()).err();
        assert!(matches!(e, Some(ClassicError::Unsupported { .. })));
    }

    #[test]
    fn runs_are_deterministic_across_thread_counts() {
        for sparse in [false, true] {
            let m = linear_model(6000, 20, Loss::Logistic, 1e-3, sparse);
            for params in [AgdParams::default(), AgdParams::default().adaptive_restart(true)] {
                assert_deterministic(|| {
                    let monitor = ObjectiveMonitor::new(&m);
                    params
                        .solve(
                            &m,
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

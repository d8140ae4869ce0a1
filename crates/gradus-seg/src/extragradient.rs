//! Deterministic extragradient (Korpelevich) with the full operator, and gradient descent–ascent as its ω = 0
//! special case: the baselines of the stochastic methods.

use gradus_oracle::{ConvexSet, Method, Monitor, Observer, Operator, Report, RunConfig, StepOutcome, Work, run};
use ndarray::{Array1, ArrayView1};

use crate::averaging::{Averager, Averaging};
use crate::error::Result;
use crate::schedule::Schedule;
use crate::seg::{EpochCallback, EpochView, check_set, check_start, project, step_from, step_in_place};

const SOLVER: &str = "extragradient";

/// Extragradient: find z* with F(z*) = 0 using the full operator F at every step:
///
/// ```text
/// z̄_k     = P_Z(z_k − ω_k · F(z_k))        (extrapolation)
/// z_{k+1} = P_Z(z_k − γ_k · F(z̄_k))        (update)
/// ```
///
/// with P_Z the projection onto a closed convex set Z ([`ExtragradientState::constrained_to`]; the identity, not
/// computed, when unconstrained). With ω = 0 it is gradient descent–ascent, z_{k+1} = P_Z(z_k − γ F(z_k))
/// ([`ExtragradientParams::gda`]), which diverges on unconstrained bilinear games for every constant γ > 0
/// (|1 − iγσ| > 1) while extragradient converges for γ = ω < 1/L.
///
/// **Units.** One iteration is one epoch, as for SEG: it evaluates F twice, i.e. 2n component evaluations of a
/// finite sum ([`Work::full_operator_evaluations`] counts the full evaluations, [`Work::operator_epochs`] gives
/// epochs); `Stop::iterations(K)` runs K iterations = K epochs. GDA's iteration is half an epoch of work.
///
/// | name | default | range | meaning |
/// |---|---|---|---|
/// | `extrapolation` (ω) | — | [`Schedule`], ≥ 0 (0 = GDA) | look-ahead step; ω ≤ 1/L for the classical guarantee |
/// | `update` (γ) | — | [`Schedule`], > 0 | update step |
/// | `averaging` | [`Averaging::None`] | [`Averaging`], β ∈ [0, 1) | which point is reported |
///
/// Schedules are evaluated at k = t = the iteration index.
///
/// Reference: G. M. Korpelevich, *The extragradient method for finding saddle points and other problems*,
/// Ekonomika i Matematicheskie Metody 12 (1976), 747–756.
///
/// ```
/// use gradus_oracle::{Operator, QuadraticGame, RunConfig, Silent, Stop};
/// use gradus_seg::{ExtragradientParams, OperatorMonitor};
/// use ndarray::Array1;
///
/// let game = QuadraticGame::random_bilinear(4, 10, 1.0, 2.0, 0.1, 3).unwrap();
/// let z0 = Array1::from_elem(8, 1.0);
/// let step = 0.5 / game.lipschitz();
/// let monitor = OperatorMonitor::new(&game, z0.view());
/// let report = ExtragradientParams::constant(step, step)
///     .solve(&game, z0.view(), &RunConfig::new(Stop::iterations(2000), 10), &monitor, &mut Silent)
///     .unwrap();
/// assert!(report.trace.last_value("rel_error").unwrap() < 1e-20);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ExtragradientParams {
    /// The extrapolation step ω.
    pub extrapolation: Schedule,
    /// The update step γ.
    pub update: Schedule,
    /// Which point is reported.
    pub averaging: Averaging,
}

impl ExtragradientParams {
    /// Extragradient with schedules ω (extrapolation) and γ (update).
    pub fn new(extrapolation: Schedule, update: Schedule) -> Self {
        ExtragradientParams {
            extrapolation,
            update,
            averaging: Averaging::None,
        }
    }

    /// Extragradient with constant steps ω and γ.
    pub fn constant(omega: f64, gamma: f64) -> Self {
        ExtragradientParams::new(Schedule::Constant(omega), Schedule::Constant(gamma))
    }

    /// Gradient descent–ascent with a constant step γ (ω = 0).
    pub fn gda(gamma: f64) -> Self {
        ExtragradientParams::constant(0.0, gamma)
    }

    /// Sets the averaging.
    pub fn averaging(mut self, averaging: Averaging) -> Self {
        self.averaging = averaging;
        self
    }

    /// Checks every value.
    pub fn validate(&self) -> Result<()> {
        self.extrapolation.validate(SOLVER, "extrapolation step", true)?;
        self.update.validate(SOLVER, "update step", false)?;
        self.averaging.validate(SOLVER)
    }

    /// Solves from `z0` on the shared loop ([`gradus_oracle::run`]).
    ///
    /// Errors: invalid parameters, an operator of dimension 0, a starting point of the wrong length or with
    /// non-finite entries, and the errors of [`gradus_oracle::run`].
    pub fn solve(
        &self,
        operator: &dyn Operator,
        z0: ArrayView1<f64>,
        config: &RunConfig,
        monitor: &dyn Monitor,
        observer: &mut dyn Observer,
    ) -> Result<Report> {
        let mut state = ExtragradientState::new(operator, z0, self)?;
        Ok(run(&mut state, monitor, config, observer)?)
    }
}

/// The state of extragradient: the iterate and preallocated buffers.
pub struct ExtragradientState<'a> {
    operator: &'a dyn Operator,
    params: ExtragradientParams,
    z: Array1<f64>,
    extrapolated: Array1<f64>,
    value: Array1<f64>,
    iteration: u64,
    averager: Averager,
    set: Option<&'a dyn ConvexSet>,
    on_iteration: Option<EpochCallback<'a>>,
}

impl<'a> ExtragradientState<'a> {
    /// Validates `params` and z₀.
    pub fn new(operator: &'a dyn Operator, z0: ArrayView1<f64>, params: &ExtragradientParams) -> Result<Self> {
        params.validate()?;
        let d = operator.dim();
        check_start(SOLVER, d, z0)?;
        Ok(ExtragradientState {
            operator,
            params: *params,
            z: z0.to_owned(),
            extrapolated: Array1::zeros(d),
            value: Array1::zeros(d),
            iteration: 0,
            averager: Averager::new(params.averaging, z0),
            set: None,
            on_iteration: None,
        })
    }

    /// Restricts the iterates to the closed convex set Z: both half-steps are projected, and z₀ is replaced by
    /// P_Z(z₀). Errors: the set's dimension differs from the operator's.
    pub fn constrained_to(mut self, set: &'a dyn ConvexSet) -> Result<Self> {
        check_set(SOLVER, self.z.len(), set)?;
        set.project(self.z.view_mut());
        self.averager = Averager::new(self.params.averaging, self.z.view());
        self.set = Some(set);
        Ok(self)
    }

    /// Calls `callback` after every iteration with z_{k+1}, the reported point and z̄_k ([`EpochView`]).
    pub fn on_iteration(mut self, callback: impl FnMut(&EpochView) + 'a) -> Self {
        self.on_iteration = Some(Box::new(callback));
        self
    }

    /// Runs on the shared loop ([`gradus_oracle::run`]).
    pub fn solve(&mut self, config: &RunConfig, monitor: &dyn Monitor, observer: &mut dyn Observer) -> Result<Report> {
        Ok(run(self, monitor, config, observer)?)
    }

    /// The last iterate z_k.
    pub fn last_iterate(&self) -> ArrayView1<'_, f64> {
        self.z.view()
    }
}

impl Method for ExtragradientState<'_> {
    fn iterate(&self) -> ArrayView1<'_, f64> {
        if self.averager.is_active() {
            self.averager.average()
        } else {
            self.z.view()
        }
    }

    fn step(&mut self, work: &mut Work) -> StepOutcome {
        let k = self.iteration;
        let omega = self.params.extrapolation.at(k, k);
        let gamma = self.params.update.at(k, k);
        let operator = self.operator;
        operator.apply(self.z.view(), self.value.view_mut());
        if self.params.extrapolation.is_zero() {
            step_in_place(&mut self.z, gamma, &self.value);
            work.full_operator_evaluations += 1;
        } else {
            step_from(&self.z, omega, &self.value, &mut self.extrapolated);
            project(self.set, &mut self.extrapolated);
            operator.apply(self.extrapolated.view(), self.value.view_mut());
            step_in_place(&mut self.z, gamma, &self.value);
            work.full_operator_evaluations += 2;
        }
        project(self.set, &mut self.z);
        self.iteration += 1;
        self.averager.add(self.z.view());
        if let Some(callback) = &mut self.on_iteration {
            let reported = if self.averager.is_active() {
                self.averager.average()
            } else {
                self.z.view()
            };
            callback(&EpochView {
                epoch: self.iteration,
                iterate: self.z.view(),
                reported,
                extrapolated: self.extrapolated.view(),
                inner_steps: self.iteration,
                evaluations: 0,
            });
        }
        StepOutcome::Continue
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::SegError;
    use gradus_oracle::{NoMetrics, QuadraticGame, Silent, Status, Stop};

    fn distance(game: &QuadraticGame, z: ArrayView1<f64>) -> f64 {
        let d = &z - &game.solution_view();
        d.dot(&d).sqrt()
    }

    #[test]
    fn extragradient_converges_on_bilinear_games_where_gda_diverges() {
        for (d, seed) in [(1, 1), (5, 2), (20, 3)] {
            let game = QuadraticGame::random_bilinear(d, 10, 0.5, 2.0, 0.1, seed).unwrap();
            let z0 = Array1::from_elem(2 * d, 1.0);
            let step = 0.5 / game.lipschitz();
            let config = RunConfig::new(Stop::iterations(5000), 10);
            let eg = ExtragradientParams::constant(step, step)
                .solve(&game, z0.view(), &config, &NoMetrics, &mut Silent)
                .unwrap();
            let start = distance(&game, z0.view());
            assert!(distance(&game, eg.x.view()) < 1e-10 * start, "d = {d}");
            // GDA with the same step: ‖z_k − z*‖ grows by √(1 + γ²σᵢ²) per step in each singular direction.
            let gda = ExtragradientParams::gda(step)
                .solve(&game, z0.view(), &config, &NoMetrics, &mut Silent)
                .unwrap();
            assert!(distance(&game, gda.x.view()) > 10.0 * start, "d = {d}");
            // With a large step it overflows, and the run says so.
            let blowup = ExtragradientParams::gda(100.0 / game.lipschitz())
                .solve(
                    &game,
                    z0.view(),
                    &RunConfig::new(Stop::iterations(10_000), 10),
                    &NoMetrics,
                    &mut Silent,
                )
                .unwrap();
            assert!(matches!(blowup.status, Status::Diverged { .. }));
            assert_eq!(eg.work.full_operator_evaluations, 10_000);
            assert_eq!(eg.work.operator_epochs(10), 5000.0);
        }
    }

    /// Projected extragradient on matching pennies (min_x max_y xᵀAy over simplices): the average of the
    /// extrapolated points has duality gap ≤ max‖z − z₀‖²/(2γK) over the set (Nemirovski 2004, with γ ≤ 1/L).
    #[test]
    fn projected_extragradient_solves_a_matrix_game() {
        let game = gradus_oracle::MatrixGame::new(vec![ndarray::array![[1.0, -1.0], [-1.0, 1.0]]]).unwrap();
        let set = game.feasible_set();
        let z0 = ndarray::array![0.9, 0.1, 0.2, 0.8];
        let gamma = 0.9 / game.lipschitz();
        let mut average = Array1::<f64>::zeros(4);
        let k = 200;
        let mut state = ExtragradientState::new(&game, z0.view(), &ExtragradientParams::constant(gamma, gamma))
            .unwrap()
            .constrained_to(&set)
            .unwrap()
            .on_iteration(|v| average += &(&v.extrapolated / k as f64));
        let report = state
            .solve(&RunConfig::new(Stop::iterations(k), 1), &NoMetrics, &mut Silent)
            .unwrap();
        drop(state);
        assert!(report.x.iter().all(|v| *v >= 0.0));
        assert!((report.x[0] + report.x[1] - 1.0).abs() < 1e-14);
        let gap = game.duality_gap(average.view());
        // max over the set of ‖z − z₀‖² = max over vertex pairs = 0.9² + 0.1² + 0.9² + 0.1² + … ≤ 4.
        let bound = 4.0 / (2.0 * gamma * k as f64);
        assert!(gap >= -1e-15 && gap <= bound, "gap {gap:e}, bound {bound:e}");
        assert!(game.duality_gap(report.x.view()) < 1e-3);
    }

    #[test]
    fn averaging_and_validation() {
        let game = QuadraticGame::random_identical(2, 5, 1.0, 2.0, 1).unwrap();
        let z0 = Array1::zeros(4);
        let p = ExtragradientParams::constant(0.1, 0.1).averaging(Averaging::Exponential { beta: 0.9 });
        let r = p
            .solve(
                &game,
                z0.view(),
                &RunConfig::new(Stop::iterations(3000), 5),
                &NoMetrics,
                &mut Silent,
            )
            .unwrap();
        assert!(distance(&game, r.x.view()) < 1e-8);
        assert!(matches!(
            ExtragradientParams::constant(0.1, -1.0).validate(),
            Err(SegError::InvalidParameter { .. })
        ));
        assert!(matches!(
            ExtragradientState::new(&game, Array1::zeros(5).view(), &p),
            Err(SegError::DimensionMismatch { .. })
        ));
    }
}

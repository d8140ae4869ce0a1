//! Stochastic extragradient (SEG) for finite-sum operators F = (1/n) Σᵢ Fᵢ, with four ways of choosing the
//! component: with replacement, random reshuffling, shuffle once, incremental.

use gradus_oracle::{FiniteSumOperator, Method, Monitor, Observer, Report, RunConfig, StepOutcome, Work, run};
use ndarray::{Array1, ArrayView1, ArrayViewMut1};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{RngExt, SeedableRng};

use crate::averaging::{Averager, Averaging};
use crate::error::{Result, SegError, invalid};
use crate::schedule::Schedule;

const SOLVER: &str = "seg";

/// How each inner step picks its component j.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sampling {
    /// j ~ Uniform{0, …, n − 1}, independently at every inner step ("SEG", the with-replacement baseline).
    WithReplacement,
    /// A fresh uniformly random permutation π_k at every epoch, j = π_k(i) ("SEG-RR").
    RandomReshuffling,
    /// One random permutation π drawn before the first epoch and reused in every epoch ("SEG-SO").
    ShuffleOnce,
    /// The identity order 0, 1, …, n − 1 in every epoch ("IEG", incremental extragradient).
    Incremental,
}

impl Sampling {
    /// Every sampling, in the order of the paper's legends.
    pub const ALL: [Sampling; 4] = [
        Sampling::WithReplacement,
        Sampling::RandomReshuffling,
        Sampling::ShuffleOnce,
        Sampling::Incremental,
    ];

    /// The method's short name as the paper writes it: `SEG`, `SEG-RR`, `SEG-SO`, `IEG`.
    pub fn name(&self) -> &'static str {
        match self {
            Sampling::WithReplacement => "SEG",
            Sampling::RandomReshuffling => "SEG-RR",
            Sampling::ShuffleOnce => "SEG-SO",
            Sampling::Incremental => "IEG",
        }
    }
}

/// Stochastic extragradient with a choice of [`Sampling`]: find z* with F(z*) = 0 for F = (1/n) Σᵢ Fᵢ.
///
/// One epoch k (one [`Method::step`]) runs n inner steps from u₀ = z_k; inner step i uses one component j and
/// evaluates it twice, at the current point and at the extrapolated one:
///
/// ```text
/// ū       = uᵢ − ω · Fⱼ(uᵢ)        (extrapolation, step ω)
/// uᵢ₊₁    = uᵢ − γ · Fⱼ(ū)         (update with the SAME component j, step γ)
/// ```
///
/// and z_{k+1} = u_n. j is drawn i.i.d. uniform (with replacement), or j = π(i) for a permutation π that is fresh
/// every epoch (random reshuffling), drawn once (shuffle once) or the identity (incremental). With ω = 0 this is
/// stochastic gradient descent–ascent (SGDA, [`SegParams::sgda`]): uᵢ₊₁ = uᵢ − γ Fⱼ(uᵢ), one evaluation per inner
/// step. Work: 2n component evaluations per epoch ([`Work::operator_evaluations`]; n for SGDA), so
/// [`Work::operator_epochs`] counts epochs. Stop with [`gradus_oracle::Stop::iterations`] (iterations are epochs);
/// `max_passes` counts gradient passes and does not see operator work.
///
/// | name | default | range | meaning |
/// |---|---|---|---|
/// | `sampling` | — | [`Sampling`] | how components are picked |
/// | `extrapolation` (ω) | — | [`Schedule`], ≥ 0 (0 = SGDA) | look-ahead step |
/// | `update` (γ) | — | [`Schedule`], > 0 | update step |
/// | `averaging` | [`Averaging::None`] | [`Averaging`], β ∈ [0, 1) | which point is reported |
/// | `seed` | 0 | any u64 | the random stream (sampling draws, permutations); same seed ⇒ same bits |
/// | `record_inner_every` | none | ≥ 1 | record ‖u_t − z*‖² every this many inner steps (needs a known z*) |
///
/// Steps are evaluated per epoch k (constant and switching schedules) or per global inner step t (power laws);
/// [`crate::theory_steps`] computes the paper's theory steps from the problem's constants. The paper's
/// experiments take ω = 2γ or ω = 4γ.
///
/// Reference: K. Emmanouilidis, R. Vidal, N. Loizou, *Stochastic Extragradient with Random Reshuffling: Improved
/// Convergence for Variational Inequalities*, AISTATS 2024 (PMLR 238:3682–3690), Algorithms SEG-RR, SO-SEG, IEG;
/// with-replacement same-sample SEG as in E. Gorbunov, H. Berard, G. Gidel, N. Loizou, *Stochastic Extragradient:
/// General Analysis and Improved Rates*, AISTATS 2022.
///
/// ```
/// use gradus_oracle::{QuadraticGame, RunConfig, Silent, Status, Stop};
/// use gradus_seg::{OperatorMonitor, Sampling, SegParams};
/// use ndarray::Array1;
///
/// let game = QuadraticGame::random_identical(3, 50, 1.0, 2.0, 1).unwrap();
/// let z0 = Array1::from_elem(6, 1.0);
/// let params = SegParams::constant(Sampling::RandomReshuffling, 0.02, 0.01).seed(7);
/// let monitor = OperatorMonitor::new(&game, z0.view());
/// let config = RunConfig::new(Stop::iterations(200), 50);
/// let report = params.solve(&game, z0.view(), &config, &monitor, &mut Silent).unwrap();
/// assert_eq!(report.status, Status::MaxIterations);
/// assert_eq!(report.work.operator_epochs(50), 200.0);
/// assert!(report.trace.last_value("rel_error").unwrap() < 1e-3);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SegParams {
    /// How components are picked.
    pub sampling: Sampling,
    /// The extrapolation step ω.
    pub extrapolation: Schedule,
    /// The update step γ.
    pub update: Schedule,
    /// Which point is reported.
    pub averaging: Averaging,
    /// The seed of the random stream.
    pub seed: u64,
    /// Record ‖u_t − z*‖² every this many inner steps.
    pub record_inner_every: Option<u64>,
}

impl SegParams {
    /// SEG with the given sampling, extrapolation schedule ω and update schedule γ.
    pub fn new(sampling: Sampling, extrapolation: Schedule, update: Schedule) -> Self {
        SegParams {
            sampling,
            extrapolation,
            update,
            averaging: Averaging::None,
            seed: 0,
            record_inner_every: None,
        }
    }

    /// SEG with constant steps ω (extrapolation) and γ (update).
    pub fn constant(sampling: Sampling, omega: f64, gamma: f64) -> Self {
        SegParams::new(sampling, Schedule::Constant(omega), Schedule::Constant(gamma))
    }

    /// Stochastic gradient descent–ascent: ω = 0, so uᵢ₊₁ = uᵢ − γ Fⱼ(uᵢ) (one evaluation per inner step).
    pub fn sgda(sampling: Sampling, update: Schedule) -> Self {
        SegParams::new(sampling, Schedule::Constant(0.0), update)
    }

    /// Sets the seed.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Sets the averaging.
    pub fn averaging(mut self, averaging: Averaging) -> Self {
        self.averaging = averaging;
        self
    }

    /// Records ‖u_t − z*‖² every `every` inner steps (see [`SegState::inner_record`]).
    pub fn record_inner(mut self, every: u64) -> Self {
        self.record_inner_every = Some(every);
        self
    }

    /// Checks every value.
    pub fn validate(&self) -> Result<()> {
        self.extrapolation.validate(SOLVER, "extrapolation step", true)?;
        self.update.validate(SOLVER, "update step", false)?;
        self.averaging.validate(SOLVER)?;
        if self.record_inner_every == Some(0) {
            return Err(invalid(SOLVER, "record_inner_every", 0, "must be >= 1"));
        }
        Ok(())
    }

    /// Solves from `z0` on the shared loop ([`gradus_oracle::run`]); pass `config.epoch_size` = n.
    ///
    /// Errors: invalid parameters, an operator with no components or dimension 0, a starting point of the wrong
    /// length or with non-finite entries, inner recording without a known solution, and the errors of
    /// [`gradus_oracle::run`]. A diverging run is not an error: it ends with
    /// [`gradus_oracle::Status::Diverged`].
    pub fn solve(
        &self,
        operator: &dyn FiniteSumOperator,
        z0: ArrayView1<f64>,
        config: &RunConfig,
        monitor: &dyn Monitor,
        observer: &mut dyn Observer,
    ) -> Result<Report> {
        let mut state = SegState::new(operator, z0, self)?;
        Ok(run(&mut state, monitor, config, observer)?)
    }
}

/// Checks the operator and the starting point (shared by the solvers of this crate).
pub(crate) fn check_start(solver: &'static str, dim: usize, z0: ArrayView1<f64>) -> Result<()> {
    if dim == 0 {
        return Err(SegError::Empty {
            solver,
            what: "the operator (dimension 0)",
        });
    }
    if z0.len() != dim {
        return Err(SegError::DimensionMismatch {
            solver,
            expected: dim,
            got: z0.len(),
        });
    }
    if let Some((index, &value)) = z0.iter().enumerate().find(|(_, v)| !v.is_finite()) {
        return Err(SegError::NonFiniteStart { solver, index, value });
    }
    Ok(())
}

/// out = u − s · v, entrywise on contiguous buffers.
pub(crate) fn step_from(u: &Array1<f64>, s: f64, v: &Array1<f64>, out: &mut Array1<f64>) {
    let (u, v) = (contiguous(u), contiguous(v));
    let out = out.as_slice_mut().expect("solver buffers are contiguous");
    for ((o, &a), &b) in out.iter_mut().zip(u).zip(v) {
        *o = a - s * b;
    }
}

/// u ← u − s · v.
pub(crate) fn step_in_place(u: &mut Array1<f64>, s: f64, v: &Array1<f64>) {
    let v = contiguous(v);
    let u = u.as_slice_mut().expect("solver buffers are contiguous");
    for (a, &b) in u.iter_mut().zip(v) {
        *a -= s * b;
    }
}

fn contiguous(a: &Array1<f64>) -> &[f64] {
    a.as_slice().expect("solver buffers are contiguous")
}

/// One extragradient step with the operator `eval` (a component Fⱼ, or F itself):
/// ū = u − ω·eval(u), then u ← u − γ·eval(ū). `extrapolated` and `value` are scratch buffers.
pub(crate) fn extragradient_step(
    eval: impl Fn(ArrayView1<f64>, ArrayViewMut1<f64>),
    omega: f64,
    gamma: f64,
    u: &mut Array1<f64>,
    extrapolated: &mut Array1<f64>,
    value: &mut Array1<f64>,
) {
    eval(u.view(), value.view_mut());
    step_from(u, omega, value, extrapolated);
    eval(extrapolated.view(), value.view_mut());
    step_in_place(u, gamma, value);
}

/// One gradient descent–ascent step: u ← u − γ·eval(u).
pub(crate) fn descent_ascent_step(
    eval: impl Fn(ArrayView1<f64>, ArrayViewMut1<f64>),
    gamma: f64,
    u: &mut Array1<f64>,
    value: &mut Array1<f64>,
) {
    eval(u.view(), value.view_mut());
    step_in_place(u, gamma, value);
}

/// ‖a − b‖².
pub(crate) fn squared_distance(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum()
}

/// ‖u_t − z*‖² recorded every `every` inner steps.
#[derive(Debug, Clone)]
struct InnerRecorder {
    every: u64,
    solution: Array1<f64>,
    values: Vec<(u64, f64)>,
}

/// The state of SEG: the iterate, the order of the current epoch, the random stream and preallocated buffers.
/// No allocation happens inside an epoch.
pub struct SegState<'a> {
    operator: &'a dyn FiniteSumOperator,
    params: SegParams,
    u: Array1<f64>,
    extrapolated: Array1<f64>,
    value: Array1<f64>,
    order: Vec<usize>,
    rng: StdRng,
    epoch: u64,
    iteration: u64,
    averager: Averager,
    recorder: Option<InnerRecorder>,
}

impl<'a> SegState<'a> {
    /// Validates `params`, the operator and z₀; draws the shuffle-once permutation.
    pub fn new(operator: &'a dyn FiniteSumOperator, z0: ArrayView1<f64>, params: &SegParams) -> Result<Self> {
        params.validate()?;
        let n = operator.len();
        if n == 0 {
            return Err(SegError::Empty {
                solver: SOLVER,
                what: "the finite sum (no components)",
            });
        }
        let d = operator.dim();
        check_start(SOLVER, d, z0)?;
        let recorder = match params.record_inner_every {
            None => None,
            Some(every) => {
                let solution = operator.solution().ok_or_else(|| SegError::Unsupported {
                    solver: SOLVER,
                    reason: "inner recording of the distance to z* needs an operator with a known solution".into(),
                })?;
                Some(InnerRecorder {
                    every,
                    solution,
                    values: Vec::new(),
                })
            }
        };
        let mut rng = StdRng::seed_from_u64(params.seed);
        let mut order: Vec<usize> = (0..n).collect();
        if params.sampling == Sampling::ShuffleOnce {
            order.shuffle(&mut rng);
        }
        Ok(SegState {
            operator,
            params: *params,
            u: z0.to_owned(),
            extrapolated: Array1::zeros(d),
            value: Array1::zeros(d),
            order,
            rng,
            epoch: 0,
            iteration: 0,
            averager: Averager::new(params.averaging, z0),
            recorder,
        })
    }

    /// The last iterate z_k (equal to [`Method::iterate`] without averaging).
    pub fn last_iterate(&self) -> ArrayView1<'_, f64> {
        self.u.view()
    }

    /// Epochs done.
    pub fn epochs(&self) -> u64 {
        self.epoch
    }

    /// Inner steps done.
    pub fn inner_iterations(&self) -> u64 {
        self.iteration
    }

    /// The order of the last epoch (for random reshuffling, the permutation it used; for with-replacement sampling
    /// this is the identity and unused).
    pub fn order(&self) -> &[usize] {
        &self.order
    }

    /// The recorded (inner step t, ‖u_t − z*‖²) pairs, when recording was asked for.
    pub fn inner_record(&self) -> &[(u64, f64)] {
        self.recorder.as_ref().map_or(&[], |r| &r.values)
    }

    /// Takes the recorded pairs out of the state.
    pub fn take_inner_record(&mut self) -> Vec<(u64, f64)> {
        self.recorder
            .as_mut()
            .map_or_else(Vec::new, |r| std::mem::take(&mut r.values))
    }
}

impl Method for SegState<'_> {
    fn iterate(&self) -> ArrayView1<'_, f64> {
        if self.averager.is_active() {
            self.averager.average()
        } else {
            self.u.view()
        }
    }

    fn step(&mut self, work: &mut Work) -> StepOutcome {
        let n = self.order.len();
        let p = self.params;
        if p.sampling == Sampling::RandomReshuffling {
            self.order.shuffle(&mut self.rng);
        }
        if let Some(r) = &mut self.recorder {
            r.values.reserve(n / r.every as usize + 1);
        }
        let sgda = p.extrapolation.is_zero();
        let varies = p.extrapolation.varies_within_epoch() || p.update.varies_within_epoch();
        let mut omega = p.extrapolation.at(self.epoch, self.iteration);
        let mut gamma = p.update.at(self.epoch, self.iteration);
        let operator = self.operator;
        for i in 0..n {
            let j = match p.sampling {
                Sampling::WithReplacement => self.rng.random_range(0..n),
                _ => self.order[i],
            };
            if varies {
                omega = p.extrapolation.at(self.epoch, self.iteration);
                gamma = p.update.at(self.epoch, self.iteration);
            }
            let component = |z: ArrayView1<f64>, out: ArrayViewMut1<f64>| operator.apply_component(j, z, out);
            if sgda {
                descent_ascent_step(component, gamma, &mut self.u, &mut self.value);
            } else {
                extragradient_step(
                    component,
                    omega,
                    gamma,
                    &mut self.u,
                    &mut self.extrapolated,
                    &mut self.value,
                );
            }
            self.iteration += 1;
            if let Some(r) = &mut self.recorder
                && self.iteration.is_multiple_of(r.every)
            {
                let d = squared_distance(contiguous(&self.u), contiguous(&r.solution));
                r.values.push((self.iteration, d));
            }
        }
        work.operator_evaluations += if sgda { n as u64 } else { 2 * n as u64 };
        self.epoch += 1;
        self.averager.add(self.u.view());
        StepOutcome::Continue
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gradus_oracle::{NoMetrics, Operator, QuadraticGame, Silent, Status, Stop};
    use std::sync::Mutex;

    /// A finite sum Fᵢ(z) = z − i that records the component index of every evaluation.
    struct Spy {
        n: usize,
        calls: Mutex<Vec<usize>>,
    }

    impl Spy {
        fn new(n: usize) -> Self {
            Spy {
                n,
                calls: Mutex::new(Vec::new()),
            }
        }
        fn take(&self) -> Vec<usize> {
            std::mem::take(&mut *self.calls.lock().unwrap())
        }
    }

    impl Operator for Spy {
        fn dim(&self) -> usize {
            1
        }
        fn apply(&self, z: ArrayView1<f64>, mut out: ArrayViewMut1<f64>) {
            out[0] = z[0] - (self.n as f64 - 1.0) / 2.0;
        }
        fn lipschitz(&self) -> f64 {
            1.0
        }
    }

    impl FiniteSumOperator for Spy {
        fn len(&self) -> usize {
            self.n
        }
        fn apply_component(&self, i: usize, z: ArrayView1<f64>, mut out: ArrayViewMut1<f64>) {
            self.calls.lock().unwrap().push(i);
            out[0] = z[0] - i as f64;
        }
        fn component_lipschitz(&self, _i: usize) -> f64 {
            1.0
        }
    }

    /// The component order of each of `epochs` epochs, checking that both half-steps use the same component.
    fn orders(sampling: Sampling, epochs: usize, seed: u64) -> Vec<Vec<usize>> {
        let spy = Spy::new(10);
        let z0 = ndarray::array![0.0];
        let mut state = SegState::new(&spy, z0.view(), &SegParams::constant(sampling, 0.02, 0.01).seed(seed)).unwrap();
        let mut work = Work::default();
        (0..epochs)
            .map(|_| {
                state.step(&mut work);
                let calls = spy.take();
                assert_eq!(calls.len(), 20);
                let order: Vec<usize> = calls
                    .chunks_exact(2)
                    .map(|pair| {
                        assert_eq!(pair[0], pair[1], "extrapolation and update must use the same component");
                        pair[0]
                    })
                    .collect();
                if sampling != Sampling::WithReplacement {
                    assert_eq!(order, state.order());
                }
                order
            })
            .collect()
    }

    fn is_permutation(order: &[usize]) -> bool {
        let mut sorted = order.to_vec();
        sorted.sort_unstable();
        sorted == (0..order.len()).collect::<Vec<_>>()
    }

    #[test]
    fn random_reshuffling_draws_a_fresh_permutation_every_epoch() {
        let o = orders(Sampling::RandomReshuffling, 20, 3);
        assert!(o.iter().all(|p| is_permutation(p)));
        for k in 1..o.len() {
            assert_ne!(o[k], o[k - 1], "epochs {} and {k} used the same permutation", k - 1);
        }
    }

    #[test]
    fn shuffle_once_reuses_one_non_identity_permutation() {
        let o = orders(Sampling::ShuffleOnce, 5, 3);
        assert!(is_permutation(&o[0]));
        assert_ne!(o[0], (0..10).collect::<Vec<_>>());
        assert!(o.iter().all(|p| *p == o[0]));
        // Another seed, another permutation.
        assert_ne!(orders(Sampling::ShuffleOnce, 1, 4)[0], o[0]);
    }

    #[test]
    fn incremental_uses_the_identity() {
        let o = orders(Sampling::Incremental, 3, 3);
        assert!(o.iter().all(|p| *p == (0..10).collect::<Vec<_>>()));
    }

    #[test]
    fn with_replacement_draws_independent_uniform_indices() {
        let o = orders(Sampling::WithReplacement, 1000, 3);
        let mut counts = [0usize; 10];
        for &j in o.iter().flatten() {
            counts[j] += 1;
        }
        // 10 000 draws: each count is 1000 ± 30 (one standard deviation); allow 5 standard deviations.
        assert!(counts.iter().all(|&c| (850..=1150).contains(&c)), "{counts:?}");
        // Most epochs repeat some index (a permutation has probability 10!/10¹⁰ ≈ 3.6e-4).
        assert!(o.iter().filter(|p| is_permutation(p)).count() <= 3);
    }

    #[test]
    fn same_seed_same_bits_and_work_per_epoch() {
        let game = QuadraticGame::random_identical(3, 20, 1.0, 3.0, 2).unwrap();
        let z0 = Array1::from_elem(6, 1.0);
        let config = RunConfig::new(Stop::iterations(30), 20);
        for sampling in Sampling::ALL {
            let p = SegParams::constant(sampling, 0.1, 0.05).seed(11);
            let a = p.solve(&game, z0.view(), &config, &NoMetrics, &mut Silent).unwrap();
            let b = p.solve(&game, z0.view(), &config, &NoMetrics, &mut Silent).unwrap();
            assert_eq!(a.x.to_vec(), b.x.to_vec(), "{}", sampling.name());
            assert_eq!(a.work.operator_evaluations, 2 * 20 * 30);
            assert_eq!(a.work.operator_epochs(20), 30.0);
            if sampling != Sampling::Incremental {
                let c = p
                    .seed(12)
                    .solve(&game, z0.view(), &config, &NoMetrics, &mut Silent)
                    .unwrap();
                assert_ne!(a.x.to_vec(), c.x.to_vec(), "{}", sampling.name());
            }
        }
        let sgda = SegParams::sgda(Sampling::RandomReshuffling, Schedule::Constant(0.05));
        let r = sgda.solve(&game, z0.view(), &config, &NoMetrics, &mut Silent).unwrap();
        assert_eq!(r.work.operator_evaluations, 20 * 30);
    }

    #[test]
    fn inner_recording_and_averaging() {
        let game = QuadraticGame::random_identical(2, 10, 1.0, 2.0, 2).unwrap();
        let z0 = Array1::from_elem(4, 1.0);
        let p = SegParams::constant(Sampling::RandomReshuffling, 0.1, 0.05).record_inner(5);
        let mut state = SegState::new(&game, z0.view(), &p).unwrap();
        let mut work = Work::default();
        state.step(&mut work);
        state.step(&mut work);
        let rec = state.inner_record();
        assert_eq!(rec.iter().map(|r| r.0).collect::<Vec<_>>(), vec![5, 10, 15, 20]);
        let z_star = game.solution().unwrap();
        let d = squared_distance(state.last_iterate().as_slice().unwrap(), z_star.as_slice().unwrap());
        assert_eq!(rec[3].1, d);
        assert_eq!(state.take_inner_record().len(), 4);
        assert!(state.inner_record().is_empty());

        // Uniform averaging reports the mean of the epoch iterates.
        let p = SegParams::constant(Sampling::Incremental, 0.1, 0.05);
        let mut plain = SegState::new(&game, z0.view(), &p).unwrap();
        let mut avg = SegState::new(&game, z0.view(), &p.averaging(Averaging::Uniform)).unwrap();
        let mut mean = Array1::<f64>::zeros(4);
        for _ in 0..3 {
            plain.step(&mut work);
            avg.step(&mut work);
            mean += &plain.iterate();
        }
        mean /= 3.0;
        assert!((&mean - &avg.iterate()).iter().all(|v| v.abs() < 1e-15));
        assert_eq!(avg.last_iterate(), plain.iterate());
    }

    #[test]
    fn bad_input_gives_typed_errors() {
        let game = QuadraticGame::random_identical(2, 10, 1.0, 2.0, 2).unwrap();
        let z0 = Array1::zeros(4);
        let bad = |p: SegParams| SegState::new(&game, z0.view(), &p).err().unwrap();
        assert!(matches!(
            bad(SegParams::constant(Sampling::RandomReshuffling, 0.1, 0.0)),
            SegError::InvalidParameter {
                name: "update step",
                ..
            }
        ));
        assert!(matches!(
            bad(SegParams::constant(Sampling::RandomReshuffling, -0.1, 0.1)),
            SegError::InvalidParameter {
                name: "extrapolation step",
                ..
            }
        ));
        assert!(matches!(
            bad(SegParams::constant(Sampling::RandomReshuffling, 0.1, 0.1)
                .averaging(Averaging::Exponential { beta: 1.5 })),
            SegError::InvalidParameter {
                name: "averaging beta",
                ..
            }
        ));
        assert!(
            bad(SegParams::constant(Sampling::RandomReshuffling, 0.1, 0.1).record_inner(0))
                .to_string()
                .contains("record_inner_every")
        );
        let p = SegParams::constant(Sampling::RandomReshuffling, 0.1, 0.1);
        assert!(matches!(
            SegState::new(&game, Array1::zeros(3).view(), &p).err().unwrap(),
            SegError::DimensionMismatch {
                expected: 4,
                got: 3,
                ..
            }
        ));
        let mut nan = Array1::zeros(4);
        nan[2] = f64::NAN;
        assert!(matches!(
            SegState::new(&game, nan.view(), &p).err().unwrap(),
            SegError::NonFiniteStart { index: 2, .. }
        ));
        let empty = Spy::new(0);
        assert!(matches!(
            SegState::new(&empty, ndarray::array![0.0].view(), &p).err().unwrap(),
            SegError::Empty { .. }
        ));
        // No known solution: inner recording is unsupported.
        let spy = Spy::new(3);
        assert!(matches!(
            SegState::new(&spy, ndarray::array![0.0].view(), &p.record_inner(1))
                .err()
                .unwrap(),
            SegError::Unsupported { .. }
        ));
    }

    #[test]
    fn a_diverging_step_ends_with_diverged() {
        let game = QuadraticGame::random_identical(3, 20, 1.0, 3.0, 2).unwrap();
        let z0 = Array1::from_elem(6, 1.0);
        let l = game.max_component_lipschitz();
        let p = SegParams::constant(Sampling::RandomReshuffling, 50.0 / l, 50.0 / l);
        let r = p
            .solve(
                &game,
                z0.view(),
                &RunConfig::new(Stop::iterations(1000), 20),
                &NoMetrics,
                &mut Silent,
            )
            .unwrap();
        assert!(matches!(r.status, Status::Diverged { .. }), "{:?}", r.status);
        assert!(r.x.iter().all(|v| v.is_finite()));
    }
}

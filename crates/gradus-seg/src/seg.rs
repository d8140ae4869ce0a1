//! Stochastic extragradient (SEG) for finite-sum operators F = (1/n) Σᵢ Fᵢ: mini-batches of any size, four
//! built-in orders (with replacement, random reshuffling, shuffle once, incremental) or a user's own
//! [`IndexStream`], and an optional projection onto a closed convex set.

use gradus_oracle::{
    ConvexSet, FiniteSumOperator, Method, Monitor, Observer, Report, RunConfig, StepOutcome, Work, run,
};
use ndarray::{Array1, ArrayView1};

use crate::averaging::{Averager, Averaging};
use crate::error::{Result, SegError, invalid};
use crate::sampling::{BatchSize, IndexStream, Sampling};
use crate::schedule::Schedule;

const SOLVER: &str = "seg";

/// Stochastic extragradient with a choice of [`Sampling`] and [`BatchSize`]: find z* with F(z*) = 0 for
/// F = (1/n) Σᵢ Fᵢ, or, with a convex set Z ([`SegState::constrained_to`]), z* ∈ Z with
/// ⟨F(z*), z − z*⟩ ≥ 0 for all z ∈ Z.
///
/// One epoch k (one [`Method::step`]) walks through the epoch's index sequence in batches S (b_t indices at inner
/// step t); each inner step evaluates the SAME batch twice, at the current point and at the extrapolated one:
///
/// ```text
/// g_S(z)  = (1/|S|) Σ_{j ∈ S} Fⱼ(z)
/// ū       = P_Z(u − ω · g_S(u))         (extrapolation, step ω)
/// u⁺      = P_Z(u − γ · g_S(ū))         (update, step γ)
/// ```
///
/// with P_Z the identity when unconstrained (no projection is computed then). z_{k+1} is the last inner iterate of
/// epoch k. The sequence is n i.i.d. uniform indices (with replacement), a permutation that is fresh every epoch
/// (random reshuffling), drawn once (shuffle once) or the identity (incremental), or what a user's
/// [`IndexStream`] writes. With ω = 0 this is stochastic gradient descent–ascent (SGDA, [`SegParams::sgda`]):
/// u⁺ = P_Z(u − γ g_S(u)), one evaluation per index.
///
/// **Units.** One iteration of the run loop (what [`gradus_oracle::Stop::iterations`] counts and trace rows
/// number) is one epoch: 2n component evaluations ([`Work::operator_evaluations`]; n for SGDA) whatever the
/// batch size, so [`Work::operator_epochs`] equals the epoch count. Inner steps per epoch: ⌈n/b⌉ for a constant
/// b (the last batch holds the remainder).
///
/// | name | default | range | meaning |
/// |---|---|---|---|
/// | `sampling` | — | [`Sampling`] | how components are ordered in an epoch |
/// | `extrapolation` (ω) | — | [`Schedule`], ≥ 0 (0 = SGDA) | look-ahead step |
/// | `update` (γ) | — | [`Schedule`], > 0 | update step |
/// | `batch` | `Constant(1)` | [`BatchSize`], b ≥ 1, capped at n | indices per inner step (constant or growing) |
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
/// use gradus_seg::{BatchSize, OperatorMonitor, Sampling, SegParams};
/// use ndarray::Array1;
///
/// let game = QuadraticGame::random_identical(3, 50, 1.0, 2.0, 1).unwrap();
/// let z0 = Array1::from_elem(6, 1.0);
/// let params = SegParams::constant(Sampling::RandomReshuffling, 0.02, 0.01).seed(7);
/// let monitor = OperatorMonitor::new(&game, z0.view());
/// let config = RunConfig::new(Stop::iterations(200), 50); // 200 epochs
/// let report = params.solve(&game, z0.view(), &config, &monitor, &mut Silent).unwrap();
/// assert_eq!(report.status, Status::MaxIterations);
/// assert_eq!(report.work.operator_epochs(50), 200.0);
/// assert!(report.trace.last_value("rel_error").unwrap() < 1e-3);
///
/// // Mini-batches of 5: 10 inner steps per epoch, the same 2n evaluations per epoch.
/// let batched = params.batch(BatchSize::Constant(5));
/// let report = batched.solve(&game, z0.view(), &config, &monitor, &mut Silent).unwrap();
/// assert_eq!(report.work.operator_evaluations, 200 * 2 * 50);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SegParams {
    /// How components are ordered in an epoch.
    pub sampling: Sampling,
    /// The extrapolation step ω.
    pub extrapolation: Schedule,
    /// The update step γ.
    pub update: Schedule,
    /// The mini-batch size of each inner step.
    pub batch: BatchSize,
    /// Which point is reported.
    pub averaging: Averaging,
    /// The seed of the random stream.
    pub seed: u64,
    /// Record ‖u_t − z*‖² every this many inner steps.
    pub record_inner_every: Option<u64>,
}

impl SegParams {
    /// SEG with the given sampling, extrapolation schedule ω and update schedule γ (batch size 1).
    pub fn new(sampling: Sampling, extrapolation: Schedule, update: Schedule) -> Self {
        SegParams {
            sampling,
            extrapolation,
            update,
            batch: BatchSize::Constant(1),
            averaging: Averaging::None,
            seed: 0,
            record_inner_every: None,
        }
    }

    /// SEG with constant steps ω (extrapolation) and γ (update).
    pub fn constant(sampling: Sampling, omega: f64, gamma: f64) -> Self {
        SegParams::new(sampling, Schedule::Constant(omega), Schedule::Constant(gamma))
    }

    /// Stochastic gradient descent–ascent: ω = 0, so u⁺ = u − γ g_S(u) (one evaluation per index).
    pub fn sgda(sampling: Sampling, update: Schedule) -> Self {
        SegParams::new(sampling, Schedule::Constant(0.0), update)
    }

    /// Sets the seed.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Sets the mini-batch size.
    pub fn batch(mut self, batch: BatchSize) -> Self {
        self.batch = batch;
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
        self.batch.validate(SOLVER)?;
        self.averaging.validate(SOLVER)?;
        if self.record_inner_every == Some(0) {
            return Err(invalid(SOLVER, "record_inner_every", 0, "must be >= 1"));
        }
        Ok(())
    }

    /// The solver's state on `operator` from `z0` (to add a constraint, an index stream or an epoch callback
    /// before running it).
    pub fn state<'a>(&self, operator: &'a dyn FiniteSumOperator, z0: ArrayView1<f64>) -> Result<SegState<'a>> {
        SegState::new(operator, z0, self)
    }

    /// Solves from `z0` on the shared loop ([`gradus_oracle::run`]); pass `config.epoch_size` = n.
    /// `Stop::iterations(K)` runs K epochs.
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
        SegState::new(operator, z0, self)?.solve(config, monitor, observer)
    }
}

/// What an epoch callback sees after each epoch (or each iteration of deterministic extragradient).
#[derive(Debug, Clone, Copy)]
pub struct EpochView<'v> {
    /// Epochs done (1 after the first).
    pub epoch: u64,
    /// The last iterate z_k.
    pub iterate: ArrayView1<'v, f64>,
    /// The reported point: z_k, or its running average when averaging is on.
    pub reported: ArrayView1<'v, f64>,
    /// The last extrapolated point ū (for deterministic extragradient, z̄_{k−1} of the step that made z_k: the
    /// points whose average the classical gap bounds are stated for).
    pub extrapolated: ArrayView1<'v, f64>,
    /// Inner steps done.
    pub inner_steps: u64,
    /// Component evaluations done (full evaluations count n each).
    pub evaluations: u64,
}

/// A callback receiving each epoch's iterate.
pub type EpochCallback<'a> = Box<dyn FnMut(&EpochView) + 'a>;

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

/// Checks that a set lives in the operator's space.
pub(crate) fn check_set(solver: &'static str, dim: usize, set: &dyn ConvexSet) -> Result<()> {
    if set.dim() == dim {
        Ok(())
    } else {
        Err(SegError::SetDimension {
            solver,
            expected: dim,
            got: set.dim(),
        })
    }
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

/// z ← P_Z(z) when there is a set.
pub(crate) fn project(set: Option<&dyn ConvexSet>, z: &mut Array1<f64>) {
    if let Some(set) = set {
        set.project(z.view_mut());
    }
}

/// ‖a − b‖².
pub(crate) fn squared_distance(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum()
}

/// out = g_S(z) = (1/|S|) Σ_{j ∈ S} Fⱼ(z); `scratch` holds each term for |S| > 1 (|S| = 1 writes Fⱼ(z) directly).
fn batch_mean(
    operator: &dyn FiniteSumOperator,
    batch: &[usize],
    z: &Array1<f64>,
    out: &mut Array1<f64>,
    scratch: &mut Array1<f64>,
) {
    operator.apply_component(batch[0], z.view(), out.view_mut());
    if batch.len() > 1 {
        for &j in &batch[1..] {
            operator.apply_component(j, z.view(), scratch.view_mut());
            *out += &*scratch;
        }
        *out *= 1.0 / batch.len() as f64;
    }
}

/// ‖u_t − z*‖² recorded every `every` inner steps.
#[derive(Debug, Clone)]
struct InnerRecorder {
    every: u64,
    solution: Array1<f64>,
    values: Vec<(u64, f64)>,
}

/// The state of SEG: the iterate, the index stream, the optional set and epoch callback, preallocated buffers.
/// No allocation happens inside an epoch.
pub struct SegState<'a> {
    operator: &'a dyn FiniteSumOperator,
    params: SegParams,
    u: Array1<f64>,
    extrapolated: Array1<f64>,
    value: Array1<f64>,
    scratch: Array1<f64>,
    order: Vec<usize>,
    stream: Box<dyn IndexStream + 'a>,
    set: Option<&'a dyn ConvexSet>,
    on_epoch: Option<EpochCallback<'a>>,
    epoch: u64,
    iteration: u64,
    evaluations: u64,
    averager: Averager,
    recorder: Option<InnerRecorder>,
    error: Option<SegError>,
}

impl<'a> SegState<'a> {
    /// Validates `params`, the operator and z₀; builds the sampling's index stream (shuffle once draws its
    /// permutation here).
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
        Ok(SegState {
            operator,
            params: *params,
            u: z0.to_owned(),
            extrapolated: Array1::zeros(d),
            value: Array1::zeros(d),
            scratch: Array1::zeros(d),
            order: Vec::with_capacity(n),
            stream: params.sampling.stream(n, params.seed),
            set: None,
            on_epoch: None,
            epoch: 0,
            iteration: 0,
            evaluations: 0,
            averager: Averager::new(params.averaging, z0),
            recorder,
            error: None,
        })
    }

    /// Restricts the iterates to the closed convex set Z: both half-steps are projected, and z₀ is replaced by
    /// P_Z(z₀). Errors: the set's dimension differs from the operator's.
    pub fn constrained_to(mut self, set: &'a dyn ConvexSet) -> Result<Self> {
        check_set(SOLVER, self.u.len(), set)?;
        set.project(self.u.view_mut());
        self.averager = Averager::new(self.params.averaging, self.u.view());
        self.set = Some(set);
        Ok(self)
    }

    /// Replaces the sampling's index stream by a user's own (the `sampling` parameter then only names the run).
    pub fn with_index_stream(mut self, stream: Box<dyn IndexStream + 'a>) -> Self {
        self.stream = stream;
        self
    }

    /// Calls `callback` after every epoch with the epoch's iterates ([`EpochView`]).
    pub fn on_epoch(mut self, callback: impl FnMut(&EpochView) + 'a) -> Self {
        self.on_epoch = Some(Box::new(callback));
        self
    }

    /// Runs on the shared loop ([`gradus_oracle::run`]); `Stop::iterations(K)` runs K epochs. Errors: those of
    /// the loop, and [`SegError::BadIndex`] when a user's index stream wrote an index ≥ n or nothing.
    pub fn solve(&mut self, config: &RunConfig, monitor: &dyn Monitor, observer: &mut dyn Observer) -> Result<Report> {
        let report = run(self, monitor, config, observer)?;
        match self.error.take() {
            Some(e) => Err(e),
            None => Ok(report),
        }
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

    /// Component evaluations done.
    pub fn evaluations(&self) -> u64 {
        self.evaluations
    }

    /// The index sequence of the last epoch.
    pub fn order(&self) -> &[usize] {
        &self.order
    }

    /// The error that stopped the run early (a bad index from a user's stream), if any.
    pub fn error(&self) -> Option<&SegError> {
        self.error.as_ref()
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

    /// Checks the epoch's sequence: non-empty, every index < n.
    fn check_order(&self, n: usize) -> Option<SegError> {
        if self.order.is_empty() {
            return Some(SegError::BadIndex {
                epoch: self.epoch,
                position: 0,
                index: None,
                n,
            });
        }
        let (position, &index) = self.order.iter().enumerate().find(|(_, j)| **j >= n)?;
        Some(SegError::BadIndex {
            epoch: self.epoch,
            position,
            index: Some(index),
            n,
        })
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
        let n = self.operator.len();
        let p = self.params;
        self.stream.next_epoch(n, &mut self.order);
        if let Some(e) = self.check_order(n) {
            self.error = Some(e);
            return StepOutcome::Stalled;
        }
        let order = std::mem::take(&mut self.order);
        if let Some(r) = &mut self.recorder {
            r.values.reserve(order.len() / r.every as usize + 1);
        }
        let sgda = p.extrapolation.is_zero();
        let varies = p.extrapolation.varies_within_epoch() || p.update.varies_within_epoch();
        let mut omega = p.extrapolation.at(self.epoch, self.iteration);
        let mut gamma = p.update.at(self.epoch, self.iteration);
        let (operator, set) = (self.operator, self.set);
        let mut evaluations = 0u64;
        let mut start = 0;
        while start < order.len() {
            let b = p.batch.at(self.iteration, n).min(order.len() - start);
            let batch = &order[start..start + b];
            start += b;
            if varies {
                omega = p.extrapolation.at(self.epoch, self.iteration);
                gamma = p.update.at(self.epoch, self.iteration);
            }
            batch_mean(operator, batch, &self.u, &mut self.value, &mut self.scratch);
            if sgda {
                step_in_place(&mut self.u, gamma, &self.value);
                evaluations += b as u64;
            } else {
                step_from(&self.u, omega, &self.value, &mut self.extrapolated);
                project(set, &mut self.extrapolated);
                batch_mean(operator, batch, &self.extrapolated, &mut self.value, &mut self.scratch);
                step_in_place(&mut self.u, gamma, &self.value);
                evaluations += 2 * b as u64;
            }
            project(set, &mut self.u);
            self.iteration += 1;
            if let Some(r) = &mut self.recorder
                && self.iteration.is_multiple_of(r.every)
            {
                let d = squared_distance(contiguous(&self.u), contiguous(&r.solution));
                r.values.push((self.iteration, d));
            }
        }
        self.order = order;
        work.operator_evaluations += evaluations;
        self.evaluations += evaluations;
        self.epoch += 1;
        self.averager.add(self.u.view());
        if let Some(callback) = &mut self.on_epoch {
            let reported = if self.averager.is_active() {
                self.averager.average()
            } else {
                self.u.view()
            };
            callback(&EpochView {
                epoch: self.epoch,
                iterate: self.u.view(),
                reported,
                extrapolated: self.extrapolated.view(),
                inner_steps: self.iteration,
                evaluations: self.evaluations,
            });
        }
        StepOutcome::Continue
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gradus_oracle::{NoMetrics, Operator, QuadraticGame, Silent, Status, Stop};
    use ndarray::ArrayViewMut1;
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

    /// A naive reference of one mini-batch SEG run (the textbook update, written out with plain vectors) on the
    /// index sequences the solver used.
    fn reference_minibatch(
        game: &QuadraticGame,
        z0: &[f64],
        orders: &[Vec<usize>],
        batch: BatchSize,
        omega: f64,
        gamma: f64,
        set: Option<&dyn ConvexSet>,
    ) -> Vec<f64> {
        let n = game.len();
        let d = z0.len();
        let mut u = Array1::from(z0.to_vec());
        let mut k = 0u64;
        let mean_at = |batch: &[usize], z: &Array1<f64>| {
            let mut sum = Array1::<f64>::zeros(d);
            let mut f = Array1::<f64>::zeros(d);
            for &j in batch {
                game.apply_component(j, z.view(), f.view_mut());
                sum += &f;
            }
            sum / batch.len() as f64
        };
        for order in orders {
            let mut start = 0;
            while start < order.len() {
                let b = batch.at(k, n).min(order.len() - start);
                let s = &order[start..start + b];
                let mut bar = &u - &(omega * &mean_at(s, &u));
                if let Some(set) = set {
                    set.project(bar.view_mut());
                }
                u = &u - &(gamma * &mean_at(s, &bar));
                if let Some(set) = set {
                    set.project(u.view_mut());
                }
                start += b;
                k += 1;
            }
        }
        u.to_vec()
    }

    #[test]
    fn minibatches_and_projections_match_a_naive_reference() {
        let game = QuadraticGame::random_bilinear(3, 10, 0.5, 2.0, 0.3, 4).unwrap();
        let z0 = vec![1.0, -1.0, 0.5, 2.0, 0.0, -0.5];
        let ball = gradus_oracle::Ball::origin(6, 0.8).unwrap();
        for sampling in Sampling::ALL {
            for batch in [
                BatchSize::Constant(1),
                BatchSize::Constant(3),
                BatchSize::Constant(10),
                BatchSize::Polynomial { b0: 1.0, power: 1.2 },
                BatchSize::Geometric { b0: 2.0, ratio: 1.3 },
            ] {
                for set in [None, Some(&ball as &dyn ConvexSet)] {
                    let p = SegParams::constant(sampling, 0.2, 0.1).seed(5).batch(batch);
                    let mut orders = Vec::new();
                    let mut state = SegState::new(&game, ndarray::ArrayView1::from(&z0), &p).unwrap();
                    let mut start = z0.clone();
                    if let Some(set) = set {
                        state = state.constrained_to(set).unwrap();
                        start = state.last_iterate().to_vec();
                    }
                    let mut work = Work::default();
                    for _ in 0..15 {
                        state.step(&mut work);
                        orders.push(state.order().to_vec());
                    }
                    let want = reference_minibatch(&game, &start, &orders, batch, 0.2, 0.1, set);
                    let got = state.last_iterate().to_vec();
                    let err = got.iter().zip(&want).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
                    assert!(
                        err < 1e-13,
                        "{} {batch:?} constrained {}: {err:e}",
                        sampling.name(),
                        set.is_some()
                    );
                    // Every epoch costs 2n evaluations, whatever the batch.
                    assert_eq!(work.operator_evaluations, 15 * 2 * 10);
                    if set.is_some() {
                        assert!(state.last_iterate().dot(&state.last_iterate()) <= 0.64 + 1e-12);
                    }
                }
            }
        }
        // With b = n, random reshuffling is deterministic extragradient (one full batch per epoch).
        let p = SegParams::constant(Sampling::RandomReshuffling, 0.2, 0.1).batch(BatchSize::Constant(10));
        let eg = crate::ExtragradientParams::constant(0.2, 0.1);
        let config = RunConfig::new(Stop::iterations(20), 10);
        let a = p
            .solve(&game, ndarray::ArrayView1::from(&z0), &config, &NoMetrics, &mut Silent)
            .unwrap();
        let b = eg
            .solve(&game, ndarray::ArrayView1::from(&z0), &config, &NoMetrics, &mut Silent)
            .unwrap();
        let err = (&a.x - &b.x).iter().map(|v| v.abs()).fold(0.0, f64::max);
        assert!(err < 1e-13, "{err:e}");
        assert_eq!(a.work.operator_epochs(10), b.work.operator_epochs(10));
    }

    /// A stream that visits the components backwards, then writes an out-of-range index.
    struct Scripted {
        epochs: u64,
    }

    impl IndexStream for Scripted {
        fn next_epoch(&mut self, n: usize, out: &mut Vec<usize>) {
            out.clear();
            self.epochs += 1;
            if self.epochs <= 2 {
                out.extend((0..n).rev());
            } else {
                out.extend([0, n + 3]);
            }
        }
    }

    #[test]
    fn user_streams_and_epoch_callbacks() {
        let game = QuadraticGame::random_identical(2, 10, 1.0, 2.0, 2).unwrap();
        let z0 = Array1::from_elem(4, 1.0);
        let p = SegParams::constant(Sampling::Incremental, 0.1, 0.05);
        let mut seen = Vec::new();
        let mut state = SegState::new(&game, z0.view(), &p)
            .unwrap()
            .with_index_stream(Box::new(Scripted { epochs: 0 }))
            .on_epoch(|v| seen.push((v.epoch, v.iterate.to_vec(), v.evaluations)));
        let mut work = Work::default();
        state.step(&mut work);
        assert_eq!(state.order(), &[9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
        let r = state.solve(&RunConfig::new(Stop::iterations(5), 10), &NoMetrics, &mut Silent);
        assert!(matches!(
            r,
            Err(SegError::BadIndex {
                epoch: 2,
                position: 1,
                index: Some(13),
                n: 10
            })
        ));
        let last = state.last_iterate().to_vec();
        drop(state);
        assert_eq!(seen.len(), 2);
        assert_eq!(seen[0].0, 1);
        assert_eq!(seen[1].1, last);
        assert_eq!(seen[1].2, 40);
        // A set of the wrong dimension is a typed error.
        let ball = gradus_oracle::Ball::origin(3, 1.0).unwrap();
        assert!(matches!(
            SegState::new(&game, z0.view(), &p)
                .unwrap()
                .constrained_to(&ball)
                .err()
                .unwrap(),
            SegError::SetDimension {
                expected: 4,
                got: 3,
                ..
            }
        ));
        assert!(matches!(
            SegState::new(&game, z0.view(), &p.batch(BatchSize::Constant(0)))
                .err()
                .unwrap(),
            SegError::InvalidParameter { name: "batch size", .. }
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

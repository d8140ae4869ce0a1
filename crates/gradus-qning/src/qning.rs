//! QNing: L-BFGS on the Moreau envelope F_κ(x) = min_w F(w) + (κ/2)‖w − x‖², whose gradient κ(x − p(x)) comes
//! from an inexact proximal point computed by any inner solver.
//!
//! ```text
//! ApproxGradient(x):  z ≈ argmin_w h_x(w) = F(w) + (κ/2)‖w − x‖²   (inner solver from x, see InnerStop)
//!                     g = κ(x − z),  F_a = h_x(z)
//! x₀ given; (g₀, F₀, z₀) = ApproxGradient(x₀)
//! repeat:
//!   d = H g  (two-loop recursion over the last l pairs; H = I/κ while the memory is empty)
//!   x_t = x − d,  (g_t, F_t, z_t) = ApproxGradient(x_t)
//!   if F_t ≤ F − ‖g‖²/(2κ):  x, g, F, z ← x_t, g_t, F_t, z_t;  (s, y) = (x_t − x, g_t − g)
//!   else (fallback, a gradient step on F_κ): x⁺ = x − g/κ,  ApproxGradient(x⁺);  (s, y) = (x⁺ − x_t, g⁺ − g_t)
//!   store (s, y) if it passes the skipping rule
//! output z (exactly sparse under λ₁)
//! ```
//!
//! This is the authors' MATLAB (`quickening.m`): unit step, acceptance against a plain gradient step on F_κ and
//! the fallback's pair built from the two tested points. The optional line search is Cyanure's: trial
//! x − η H g − (1 − η) g/κ, accepted when F_t ≤ F − ‖g‖²/(4κ); otherwise η halves, and after 5 tries or once
//! η < 0.1 the step is forced to η = 0 (a gradient step); then η ← clamp(1.2 η, 0.1, 1).
//!
//! Cyanure's 5 % safeguard, in both variants: the inner solver's state (iterate and memory,
//! [`InnerSolver::save_state`]) is saved before the step's first trial; a trial whose F_t exceeds F_k by more than
//! 5 % of |F_k| ([`GROWTH`]) restores it before the next ApproxGradient; and when even the step's final F_a exceeds
//! F_k by more than 5 %, the state is restored, the L-BFGS memory reset and the outer iterate stays at x_k
//! ([`Qning::safeguards`] counts both).
//!
//! Skipping rule: `Positive` stores pairs with sᵀy > 1e-10 ‖s‖‖y‖ ([`gradus_classic::LbfgsMemory::push`]);
//! `Strict` also requires sᵀy ≥ ½ μ_F ‖s‖² and sᵀy ≥ ½ ‖y‖²/κ with μ_F = μκ/(μ + κ) (MATLAB's `lbfgs_type 1`).
//!
//! | name | default | range | meaning |
//! |---|---|---|---|
//! | `accel` | [`AcceleratorParams::default`] | | κ (default [`crate::catalyst::default_kappa`]), inner stopping (one pass) |
//! | `memory` | 10 | ≥ 1 | l, the number of L-BFGS pairs (authors' MATLAB: 10; Cyanure: 20) |
//! | `line_search` | false | bool | Cyanure's η line search instead of the unit step + fallback |
//! | `pair_rule` | `Positive` | Positive, Strict | the skipping rule |
//!
//! Safeguard (ours, in the spirit of Cyanure's restore rule): when even the fallback's F_a exceeds F (impossible
//! with an exact prox), the memory is cleared and the inner solution at x⁺ is refined by up to 5 more continued
//! inner epochs. Without it, qning-miso with one-pass inner solves oscillated and diverged on a small
//! elastic-net problem (the MISO iterate carries its memory across centres).
//!
//! One outer iteration is one trace step (the first does only ApproxGradient(x₀)). Work: inner epochs plus one
//! function value per ApproxGradient (for F_a; none for ISTA, which knows it).
//!
//! Reference: H. Lin, J. Mairal, Z. Harchaoui (2019), *An inexact variable metric proximal point algorithm for
//! generic quasi-Newton acceleration*, SIAM J. Optim. 29(2), 1408–1443.

use gradus_classic::LbfgsMemory;
use gradus_oracle::{Method, Monitor, Observer, Report, RunConfig, StepOutcome, Work};
use ndarray::{Array1, ArrayView1, Zip};

use crate::catalyst::{
    AcceleratorParams, InnerStop, absolute_epsilon, absolute_epsilon0, approximate_prox, relative_delta,
    warm_start_setup_passes,
};
use crate::error::{Result, check_start, invalid};
use crate::proximal_point::InnerSolver;

const SOLVER: &str = "qning";

/// At most this many refining inner epochs after a fallback that did not decrease F_a.
const REFINE: u32 = 5;

/// Cyanure's safeguard: a growth of F_a by more than this fraction of |F_k| restores the inner solver's state.
pub const GROWTH: f64 = 0.05;

/// Whether `value` exceeds `reference` by more than [`GROWTH`] |reference| (or is NaN).
fn grew(value: f64, reference: f64) -> bool {
    value.is_nan() || value > reference + GROWTH * reference.abs()
}

/// Which curvature pairs are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PairRule {
    /// sᵀy > 0 (up to 1e-10 ‖s‖‖y‖).
    Positive,
    /// sᵀy ≥ ½ μ_F‖s‖² and sᵀy ≥ ½‖y‖²/κ as well.
    Strict,
}

/// The QNing parameters; see the module docs.
#[derive(Debug, Clone, PartialEq)]
pub struct QningParams {
    /// κ and inner stopping.
    pub accel: AcceleratorParams,
    /// l.
    pub memory: usize,
    /// Cyanure's η line search.
    pub line_search: bool,
    /// The skipping rule.
    pub pair_rule: PairRule,
}

impl Default for QningParams {
    fn default() -> Self {
        QningParams {
            accel: AcceleratorParams::default(),
            memory: 10,
            line_search: false,
            pair_rule: PairRule::Positive,
        }
    }
}

impl QningParams {
    /// The defaults.
    pub fn new() -> Self {
        Self::default()
    }
    /// Sets l.
    pub fn memory(mut self, l: usize) -> Self {
        self.memory = l;
        self
    }
    /// Sets the skipping rule.
    pub fn pair_rule(mut self, rule: PairRule) -> Self {
        self.pair_rule = rule;
        self
    }
    /// Cyanure's line search on or off.
    pub fn line_search(mut self, on: bool) -> Self {
        self.line_search = on;
        self
    }
    /// Checks every value.
    pub fn validate(&self) -> Result<()> {
        self.accel.validate(SOLVER)?;
        if self.memory == 0 {
            return Err(invalid(SOLVER, "memory", 0, "must be >= 1"));
        }
        Ok(())
    }
    /// Runs QNing around `inner` from x0.
    pub fn solve<'a>(
        &self,
        inner: Box<dyn InnerSolver<'a> + 'a>,
        x0: ArrayView1<f64>,
        config: &RunConfig,
        monitor: &dyn Monitor,
        observer: &mut dyn Observer,
    ) -> Result<Report> {
        let mut q = Qning::new(inner, x0, self)?;
        crate::guard::run_guarded(&mut q, monitor, config, observer, 0)
    }
}

/// A point x with its approximate Moreau gradient g, value F_a and prox point z.
#[derive(Clone)]
struct Probe {
    x: Array1<f64>,
    g: Array1<f64>,
    value: f64,
    z: Array1<f64>,
}

/// The state of QNing.
pub struct Qning<'a> {
    inner: Box<dyn InnerSolver<'a> + 'a>,
    current: Option<Probe>,
    trial: Probe,
    start: Array1<f64>,
    direction: Array1<f64>,
    s: Array1<f64>,
    yv: Array1<f64>,
    memory: LbfgsMemory,
    kappa: f64,
    mu_f: f64,
    eta: f64,
    k: u64,
    epsilon0: f64,
    /// Work done before the first step (ε₀'s duality gap), charged at the first step.
    setup: Work,
    q: f64,
    params: QningParams,
    accepted: u64,
    fallbacks: u64,
    skipped: u64,
    refinements: u64,
    restores: u64,
    resets: u64,
}

impl<'a> Qning<'a> {
    /// QNing around `inner` (its subproblem's κ is used) from x0.
    pub fn new(inner: Box<dyn InnerSolver<'a> + 'a>, x0: ArrayView1<f64>, params: &QningParams) -> Result<Self> {
        params.validate()?;
        let sub = inner.subproblem();
        let d = sub.dim();
        check_start(SOLVER, d, x0)?;
        let kappa = sub.kappa();
        if kappa <= 0.0 {
            return Err(invalid(SOLVER, "kappa", kappa, "the inner subproblem must have κ > 0"));
        }
        let mu = sub.strong_convexity();
        let (epsilon0, mut setup) = if params.accel.inner_stop == InnerStop::Absolute {
            absolute_epsilon0(sub, x0, SOLVER)?
        } else {
            (0.0, Work::default())
        };
        setup.full_gradients += warm_start_setup_passes(&*inner, params.accel.warm_start);
        let probe = Probe {
            x: x0.to_owned(),
            g: Array1::zeros(d),
            value: f64::NAN,
            z: x0.to_owned(),
        };
        Ok(Qning {
            inner,
            current: None,
            trial: probe.clone(),
            start: x0.to_owned(),
            direction: Array1::zeros(d),
            s: Array1::zeros(d),
            yv: Array1::zeros(d),
            memory: LbfgsMemory::new(params.memory, d),
            kappa,
            mu_f: mu * kappa / (mu + kappa),
            eta: 1.0,
            k: 0,
            epsilon0,
            setup,
            q: mu / (mu + kappa),
            params: params.clone(),
            accepted: 0,
            fallbacks: 0,
            skipped: 0,
            refinements: 0,
            restores: 0,
            resets: 0,
        })
    }

    /// (accepted quasi-Newton steps, fallbacks/forced gradient steps, skipped pairs, refining epochs).
    pub fn counts(&self) -> (u64, u64, u64, u64) {
        (self.accepted, self.fallbacks, self.skipped, self.refinements)
    }

    /// Cyanure's safeguard: (restores of the inner solver's state after a trial that made F_a grow by more than
    /// 5 %, outer steps undone with the L-BFGS memory reset because even the final F_a grew by more than 5 %).
    pub fn safeguards(&self) -> (u64, u64) {
        (self.restores, self.resets)
    }

    /// The end of a step whose final F_a still grew by more than 5 %: the inner state is restored, the memory
    /// reset, and the outer iterate stays (Cyanure).
    fn undo(&mut self, cur: Probe) -> Probe {
        self.inner.restore_state();
        self.memory.clear();
        self.resets += 1;
        cur
    }

    /// ApproxGradient at `trial.x`, filling the rest of `trial`.
    fn approx_gradient(&mut self, work: &mut Work) {
        self.approx_gradient_with(true, work);
    }

    /// ApproxGradient at `trial.x`; `restart = false` continues the inner solver from its iterate (refinement).
    fn approx_gradient_with(&mut self, restart: bool, work: &mut Work) {
        let eps = absolute_epsilon(self.epsilon0, self.q, self.k);
        let a = &self.params.accel;
        let stop = if restart { a.inner_stop } else { InnerStop::OnePass };
        let r = approximate_prox(
            &mut *self.inner,
            self.trial.x.view(),
            stop,
            eps,
            relative_delta(self.q, self.k),
            a.max_inner_epochs,
            true,
            restart.then_some(a.warm_start),
            self.current.is_none(),
            work,
        );
        self.trial.z.assign(&self.inner.iterate());
        let kappa = self.kappa;
        Zip::from(&mut self.trial.g)
            .and(&self.trial.x)
            .and(&self.trial.z)
            .for_each(|g, &x, &z| *g = kappa * (x - z));
        self.trial.value = r.value;
    }

    /// The curvature pair between the trial and an older probe, s = x_trial − x_older and y = g_trial − g_older,
    /// stored unless the skipping rule refuses it.
    fn store_pair_from(&mut self, older: &Probe) {
        Zip::from(&mut self.s)
            .and(&self.trial.x)
            .and(&older.x)
            .for_each(|s, &a, &b| *s = a - b);
        Zip::from(&mut self.yv)
            .and(&self.trial.g)
            .and(&older.g)
            .for_each(|y, &a, &b| *y = a - b);
        self.store_pair();
    }

    fn store_pair(&mut self) {
        let sy = self.s.dot(&self.yv);
        let ok = match self.params.pair_rule {
            PairRule::Positive => true,
            PairRule::Strict => {
                sy >= 0.5 * self.mu_f * self.s.dot(&self.s) && sy >= 0.5 * self.yv.dot(&self.yv) / self.kappa
            }
        };
        let ok = ok && if self.params.line_search { sy > 1e-12 } else { true };
        if !(ok && self.memory.push(self.s.view(), self.yv.view())) {
            self.skipped += 1;
        }
    }

    /// The direction H g (I/κ while the memory is empty).
    fn compute_direction(&mut self, g: &Array1<f64>) {
        if self.memory.is_empty() {
            let inv = 1.0 / self.kappa;
            Zip::from(&mut self.direction).and(g).for_each(|d, &gi| *d = gi * inv);
        } else {
            self.memory.apply_inverse_hessian(g.view(), self.direction.view_mut());
        }
    }

    fn step_unit(&mut self, cur: Probe, work: &mut Work) -> Probe {
        self.compute_direction(&cur.g);
        Zip::from(&mut self.trial.x)
            .and(&cur.x)
            .and(&self.direction)
            .for_each(|t, &x, &d| *t = x - d);
        self.inner.save_state();
        self.approx_gradient(work);
        let gg = cur.g.dot(&cur.g);
        if self.trial.value <= cur.value - gg / (2.0 * self.kappa) {
            self.accepted += 1;
            self.store_pair_from(&cur);
            self.trial.clone()
        } else {
            self.fallbacks += 1;
            let tested = self.trial.clone();
            if grew(tested.value, cur.value) {
                // The trial spoiled the inner solver's memory: start the fallback from the state before it.
                self.inner.restore_state();
                self.restores += 1;
            }
            // x⁺ = x − g/κ = z (up to rounding).
            let inv = 1.0 / self.kappa;
            Zip::from(&mut self.trial.x)
                .and(&cur.x)
                .and(&cur.g)
                .for_each(|t, &x, &g| *t = x - g * inv);
            self.approx_gradient(work);
            // Safeguard: with an exact prox the gradient step decreases F_κ by ‖g‖²/(2κ); if even F_a grew, the
            // inexact gradients are too noisy: forget the curvature pairs and refine the inner solution (more
            // epochs, continued, not restarted) at most `REFINE` times.
            let mut refined = 0;
            while self.trial.value > cur.value && refined < REFINE {
                self.memory.clear();
                self.approx_gradient_with(false, work);
                refined += 1;
                self.refinements += 1;
            }
            if grew(self.trial.value, cur.value) {
                return self.undo(cur);
            }
            self.store_pair_from(&tested);
            self.trial.clone()
        }
    }

    fn step_line_search(&mut self, cur: Probe, work: &mut Work) -> Probe {
        self.compute_direction(&cur.g);
        let gg = cur.g.dot(&cur.g);
        let inv = 1.0 / self.kappa;
        let mut eta = self.eta;
        let mut tries = 0;
        self.inner.save_state();
        loop {
            Zip::from(&mut self.trial.x)
                .and(&cur.x)
                .and(&self.direction)
                .and(&cur.g)
                .for_each(|t, &x, &d, &g| *t = x - eta * d - (1.0 - eta) * g * inv);
            self.approx_gradient(work);
            tries += 1;
            if eta == 0.0 || self.trial.value <= cur.value - gg / (4.0 * self.kappa) {
                break;
            }
            if grew(self.trial.value, cur.value) {
                self.inner.restore_state();
                self.restores += 1;
            }
            eta *= 0.5;
            if tries >= 5 || eta < 0.1 {
                eta = 0.0;
            }
        }
        if grew(self.trial.value, cur.value) {
            return self.undo(cur);
        }
        if eta == 0.0 {
            self.fallbacks += 1;
        } else {
            self.accepted += 1;
        }
        self.store_pair_from(&cur);
        self.eta = (1.2 * eta).clamp(0.1, 1.0);
        self.trial.clone()
    }
}

impl Method for Qning<'_> {
    fn iterate(&self) -> ArrayView1<'_, f64> {
        match &self.current {
            Some(p) => p.z.view(),
            None => self.start.view(),
        }
    }

    fn step(&mut self, work: &mut Work) -> StepOutcome {
        work.merge(&std::mem::take(&mut self.setup));
        let next = match self.current.take() {
            None => {
                self.trial.x.assign(&self.start);
                self.approx_gradient(work);
                self.trial.clone()
            }
            Some(cur) => {
                if self.params.line_search {
                    self.step_line_search(cur, work)
                } else {
                    self.step_unit(cur, work)
                }
            }
        };
        self.k += 1;
        self.current = Some(next);
        StepOutcome::Continue
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{ExactProx, small_model};
    use gradus_oracle::{Loss, Objective as _};

    const KAPPA: f64 = 0.5;

    fn qning<'a>(model: &'a gradus_oracle::LinearModel, params: &QningParams) -> Qning<'a> {
        let x0 = Array1::from_shape_fn(model.dim(), |j| 0.3 - 0.1 * j as f64);
        Qning::new(Box::new(ExactProx::new(model, KAPPA)), x0.view(), params).unwrap()
    }

    /// (s, y) → sᵀy/yᵀy, what the memory keeps of its newest pair.
    fn scaling(s: &Array1<f64>, y: &Array1<f64>) -> f64 {
        s.dot(y) / y.dot(y)
    }

    #[test]
    fn an_exact_quasi_newton_step_is_accepted_and_stores_its_pair() {
        let m = small_model(Loss::Squared, false, 0.01, 0.0);
        let mut q = qning(&m, &QningParams::new());
        let mut work = Work::default();
        q.step(&mut work); // ApproxGradient(x0)
        let x0 = q.current.as_ref().unwrap().x.clone();
        let (p0, f0, g0) = ExactProx::envelope(&m, KAPPA, &x0);
        assert!((q.current.as_ref().unwrap().value - f0).abs() < 1e-13);
        q.step(&mut work);
        // Empty memory: d = g/κ, the trial is p(x0); with an exact prox F_κ(x − g/κ) ≤ F_κ(x) − ‖g‖²/(2κ).
        assert_eq!(q.counts(), (1, 0, 0, 0));
        let cur = q.current.as_ref().unwrap();
        assert!((&cur.x - &p0).iter().all(|e| e.abs() < 1e-13));
        let (_, f1, g1) = ExactProx::envelope(&m, KAPPA, &cur.x);
        assert!(f1 <= f0 - g0.dot(&g0) / (2.0 * KAPPA) + 1e-14);
        assert_eq!(q.memory.len(), 1);
        let expected = scaling(&(&cur.x - &x0), &(&g1 - &g0));
        assert!((q.memory.initial_scaling() - expected).abs() < 1e-10 * expected.abs());
        // Work: each ApproxGradient is one inner epoch, its value known (no function value).
        assert_eq!(work.full_gradients, 2);
    }

    #[test]
    fn a_rejected_step_falls_back_to_the_gradient_step_and_pairs_the_two_tested_points() {
        let m = small_model(Loss::Squared, false, 0.01, 0.0);
        let mut q = qning(&m, &QningParams::new());
        let mut work = Work::default();
        q.step(&mut work);
        let cur = q.current.clone().unwrap();
        // A bogus pair whose H is 10⁶ along g: the quasi-Newton trial overshoots and must be rejected.
        let s = cur.g.clone();
        let y = &cur.g * 1e-6;
        assert!(q.memory.push(s.view(), y.view()));
        let mut d = Array1::zeros(m.dim());
        q.memory.apply_inverse_hessian(cur.g.view(), d.view_mut());
        let x_trial = &cur.x - &d;
        let (_, f_trial, g_trial) = ExactProx::envelope(&m, KAPPA, &x_trial);
        assert!(
            f_trial > cur.value - cur.g.dot(&cur.g) / (2.0 * KAPPA),
            "the trial must fail the test"
        );
        q.step(&mut work);
        assert_eq!(
            q.counts(),
            (0, 1, 0, 0),
            "one fallback, no refinement needed with an exact prox"
        );
        let next = q.current.as_ref().unwrap();
        // x⁺ = x − g/κ, with its exact envelope gradient.
        let x_plus = &cur.x - &(&cur.g / KAPPA);
        assert!((&next.x - &x_plus).iter().all(|e| e.abs() < 1e-13));
        let (_, f_plus, g_plus) = ExactProx::envelope(&m, KAPPA, &x_plus);
        assert!((&next.g - &g_plus).iter().all(|e| e.abs() < 1e-12));
        assert!(f_plus <= cur.value - cur.g.dot(&cur.g) / (2.0 * KAPPA) + 1e-14);
        // The stored pair is (x⁺ − x_trial, g⁺ − g_trial) (the authors' MATLAB), the newest of two.
        assert_eq!(q.memory.len(), 2);
        let expected = scaling(&(&x_plus - &x_trial), &(&g_plus - &g_trial));
        assert!((q.memory.initial_scaling() - expected).abs() < 1e-9 * expected.abs());
        // Two ApproxGradients in the step (trial and fallback) plus the first: three inner epochs.
        assert_eq!(work.full_gradients, 3);
    }

    /// An exact inner solver whose epochs number `bad` (counted from 1) return a point 100 away from the prox:
    /// a spoiled inner solve.
    struct Saboteur<'a> {
        exact: ExactProx<'a>,
        epochs: u32,
        bad: std::ops::RangeInclusive<u32>,
        saved: Option<Array1<f64>>,
        restored: u32,
    }

    impl<'a> InnerSolver<'a> for Saboteur<'a> {
        fn name(&self) -> &'static str {
            "saboteur"
        }
        fn subproblem(&self) -> &dyn crate::proximal_point::Subproblem {
            self.exact.subproblem()
        }
        fn set_center(&mut self, z: ArrayView1<f64>) {
            self.exact.set_center(z);
        }
        fn restart_from(&mut self, w: ArrayView1<f64>) {
            self.exact.restart_from(w);
        }
        fn epoch(&mut self, work: &mut Work) {
            self.exact.epoch(work);
            self.epochs += 1;
            if self.bad.contains(&self.epochs) {
                self.exact.w += 100.0;
            }
        }
        fn iterate(&self) -> ArrayView1<'_, f64> {
            self.exact.iterate()
        }
        fn save_state(&mut self) {
            self.saved = Some(self.exact.w.clone());
        }
        fn restore_state(&mut self) {
            if let Some(w) = &self.saved {
                self.exact.w.assign(w);
                self.restored += 1;
            }
        }
    }

    fn sabotaged<'a>(model: &'a gradus_oracle::LinearModel, bad: std::ops::RangeInclusive<u32>) -> Qning<'a> {
        let x0 = Array1::from_shape_fn(model.dim(), |j| 0.3 - 0.1 * j as f64);
        let inner = Saboteur {
            exact: ExactProx::new(model, KAPPA),
            epochs: 0,
            bad,
            saved: None,
            restored: 0,
        };
        Qning::new(Box::new(inner), x0.view(), &QningParams::new()).unwrap()
    }

    #[test]
    fn a_spoiled_trial_restores_the_inner_state_before_the_fallback() {
        let m = small_model(Loss::Squared, false, 0.01, 0.0);
        // Epoch 1 is ApproxGradient(x0); epoch 2 the first trial, spoiled: F_t grows by far more than 5 %.
        let mut q = sabotaged(&m, 2..=2);
        let mut work = Work::default();
        q.step(&mut work);
        let cur = q.current.clone().unwrap();
        q.step(&mut work);
        assert_eq!(q.counts().1, 1, "the spoiled trial is rejected");
        assert_eq!(q.safeguards(), (1, 0), "one restore, no reset");
        let next = q.current.as_ref().unwrap();
        let x_plus = &cur.x - &(&cur.g / KAPPA);
        assert!(
            (&next.x - &x_plus).iter().all(|e| e.abs() < 1e-13),
            "the fallback step was taken"
        );
        assert!(next.value < cur.value);
    }

    #[test]
    fn a_step_whose_final_value_still_grows_is_undone_with_the_memory_reset() {
        let m = small_model(Loss::Squared, false, 0.01, 0.0);
        // Epochs 2.. spoiled: the trial, the fallback and its refinements all grow by more than 5 %.
        let mut q = sabotaged(&m, 2..=20);
        let mut work = Work::default();
        q.step(&mut work);
        let mut d = Array1::zeros(m.dim());
        d[0] = 1.0;
        let mut y = Array1::zeros(m.dim());
        y[0] = KAPPA;
        assert!(q.memory.push(d.view(), y.view()));
        let cur = q.current.clone().unwrap();
        q.step(&mut work);
        assert_eq!(q.safeguards(), (1, 1), "restored after the trial, then undone");
        assert!(q.memory.is_empty(), "the L-BFGS memory is reset");
        let next = q.current.as_ref().unwrap();
        assert_eq!(next.x, cur.x, "the outer iterate stays at x_k");
        assert_eq!(next.value, cur.value);
    }

    #[test]
    fn the_skipping_rules() {
        let m = small_model(Loss::Squared, false, 0.01, 0.0);
        let d = m.dim();
        let e0 = Array1::from_shape_fn(d, |j| if j == 0 { 1.0 } else { 0.0 });
        let e1 = Array1::from_shape_fn(d, |j| if j == 1 { 1.0 } else { 0.0 });
        // (s, y) = (e0, c e0 + e1): sᵀy = c, ‖s‖² = 1, ‖y‖² = c² + 1.
        let cases = [
            // c, stored by Positive, stored by Strict (needs c ≥ ½μ_F and c ≥ ½(c² + 1)/κ)
            (-0.1, false, false),
            (1e-3, true, false),
            (KAPPA, true, false),
            (0.3, true, false),
        ];
        let mu = m.l2();
        let mu_f = mu * KAPPA / (mu + KAPPA);
        for (c, positive, strict) in cases {
            let y = &e0 * c + &e1;
            assert_eq!(
                strict,
                c >= 0.5 * mu_f && c >= 0.5 * y.dot(&y) / KAPPA,
                "the case table"
            );
            for (rule, stored) in [(PairRule::Positive, positive), (PairRule::Strict, strict)] {
                let mut q = qning(&m, &QningParams::new().pair_rule(rule));
                q.s.assign(&e0);
                q.yv.assign(&y);
                q.store_pair();
                assert_eq!(q.memory.len() == 1, stored, "{rule:?} c = {c}");
                assert_eq!(q.counts().2, u64::from(!stored));
            }
        }
        // A pair the Strict rule keeps: y = κ s (the envelope's largest curvature).
        let mut q = qning(&m, &QningParams::new().pair_rule(PairRule::Strict));
        q.s.assign(&e0);
        q.yv.assign(&(&e0 * KAPPA));
        q.store_pair();
        assert_eq!(q.memory.len(), 1);
    }
}

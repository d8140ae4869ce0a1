//! Catalyst: Nesterov-accelerated inexact proximal point around any inner solver, plus the pieces it shares with
//! QNing (κ rule, inner stopping rules, the approximate proximal operator).
//!
//! ```text
//! q = μ/(μ + κ),  α₀ = √q if μ > 0 else 1,  y₀ = x₀
//! x_{k+1} ≈ argmin_w F(w) + (κ/2)‖w − y_k‖²         (inner solver started at y_k, stopping rule below)
//! α_{k+1} = ( q − α_k² + √((q − α_k²)² + 4α_k²) ) / 2
//! β_k = α_k(1 − α_k)/(α_k² + α_{k+1}),   y_{k+1} = x_{k+1} + β_k (x_{k+1} − x_k)
//! μ = 0: restart (α = 1, β = 0) every `restart_every` outer iterations (Cyanure: 50)
//! ```
//!
//! κ ([`default_kappa`], the authors' MATLAB rule): for incremental inner solvers (SVRG, SAGA, MISO)
//! κ = L/(n + 1) − μ when that is positive, else L/(n + 1), with L = max Lᵢ + μ (mean Lᵢ + μ when SVRG samples
//! by importance); for ISTA/FISTA κ = sup φ″ λ_max(XᵀX/n), the full-gradient constant.
//!
//! Inner stopping ([`InnerStop`]): one pass (the default of the authors' code and of Cyanure), a fixed number of
//! epochs, relative (subproblem duality gap ≤ δ (κ/2)‖w − y‖²; δ = 1/36 is QNing's theory constant) or absolute
//! (gap ≤ ε_k = ε₀ (1 − ρ)^k, ρ = 0.9√q, ε₀ = (2/9) gap of F at x₀). The relative and absolute rules pay one
//! gradient pass per check. Inner work is merged into the outer counters.
//!
//! | name | default | range | meaning |
//! |---|---|---|---|
//! | `kappa` | [`default_kappa`] | > 0 | smoothing of the proximal point |
//! | `inner_stop` | `OnePass` | see [`InnerStop`] | when an inner solve ends |
//! | `max_inner_epochs` | 50 | ≥ 1 | cap for the relative/absolute rules |
//! | `warm_start` | `Center` | see [`WarmStart`] | where each inner solve starts: the centre y_k, option 2 (a prox-gradient step from y_k), option 0 (the previous solve's end x_{k−1}), option 1 (extrapolated), option 3 (the better of 0 and 1) |
//! | `restart_every` | 50 | ≥ 1 | momentum restart period when μ = 0 |
//!
//! Reference: H. Lin, J. Mairal, Z. Harchaoui (2018), *Catalyst acceleration for first-order convex
//! optimization: from theory to practice*, JMLR 18(212).

use gradus_oracle::{LinearModel, Method, Monitor, Objective, Observer, Report, RunConfig, StepOutcome, Work};
use ndarray::{Array1, ArrayView1};

use crate::error::{QningError, Result, check_start, invalid};
use crate::proximal_point::{InnerSolver, Subproblem};

/// When an inner solve ends.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum InnerStop {
    /// One epoch of the inner solver.
    OnePass,
    /// A fixed number of epochs.
    Epochs(u32),
    /// Subproblem gap ≤ δ (κ/2)‖w − y‖² with a fixed δ; QNing's theory criterion h − h* ≤ (κ/36)‖z − x‖² is
    /// δ = 1/18 ([`InnerStop::QNING_RELATIVE`]).
    Relative(f64),
    /// Catalyst's relative schedule: subproblem gap ≤ δ_k (κ/2)‖w − y‖² with δ_k = √q/(2 − √q) when μ > 0 and
    /// δ_k = 1/(k + 1)² when μ = 0.
    RelativeSchedule,
    /// Subproblem gap ≤ ε_k ([`absolute_epsilon`]): ε₀ (1 − 0.9√q)^k when μ > 0, 2(F(x₀) − F*)/(9(k + 1)^4.1)
    /// when μ = 0, with F(x₀) − F* bounded by the duality gap at x₀.
    Absolute,
}

impl InnerStop {
    /// QNing's theory constant: h_x(z) − h_x* ≤ (κ/36)‖z − x‖², i.e. δ = 1/18 in gap ≤ δ (κ/2)‖z − x‖².
    pub const QNING_RELATIVE: InnerStop = InnerStop::Relative(1.0 / 18.0);
}

/// ε_k of the absolute rule at outer iteration k (k = 0 first): ε₀ (1 − 0.9√q)^k when q = μ/(μ + κ) > 0,
/// ε₀/(k + 1)^4.1 when q = 0, where ε₀ = (2/9)(F(x₀) − F*) (Catalyst, Lin, Mairal, Harchaoui 2018, §3).
pub fn absolute_epsilon(epsilon0: f64, q: f64, k: u64) -> f64 {
    if q > 0.0 {
        epsilon0 * (1.0 - 0.9 * q.sqrt()).powi(k.min(i32::MAX as u64) as i32)
    } else {
        epsilon0 / ((k + 1) as f64).powf(4.1)
    }
}

/// δ_k of Catalyst's relative schedule ([`InnerStop::RelativeSchedule`]).
pub fn relative_delta(q: f64, k: u64) -> f64 {
    if q > 0.0 {
        q.sqrt() / (2.0 - q.sqrt())
    } else {
        1.0 / ((k + 1) as f64).powi(2)
    }
}

/// Where each inexact proximal step starts its inner solver (the spec's warm-start options of the authors'
/// `approxgrad.m`). MISO, whose iterate is a function of its dual memory, ignores the start point (its memory is
/// its warm start).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WarmStart {
    /// At the prox centre y_k itself (the default: Cyanure's SVRG restarts from the centre; the authors' option 2
    /// without its prox-gradient step).
    Center,
    /// Option 2 exactly: one prox-gradient step on h from y_k, z₀ = S_{λ₁η}(y_k − η∇s(y_k)) with η = 1/(L + σ)
    /// (L the data term's smoothness, σ = λ₂ + κ); one full gradient, counted. Without λ₁ it is the same step.
    CenterProx,
    /// Option 0 (NIPS-Catalyst): where the previous subproblem's solve ended, x_{k−1}; the inner solver keeps its
    /// iterate and only its centre moves.
    Previous,
    /// Option 1: z₀ = x_{k−1} + κ/(κ + μ)(y_k − y_{k−1}), followed on composite problems (λ₁ > 0) by one
    /// prox-gradient step (one full gradient, counted). The first solve starts at y₀.
    Extrapolated,
    /// Option 3: whichever of options 0 and 1 has the lower h_{y_k} (two function values, counted). The first solve
    /// starts at y₀.
    Best,
}

/// Moves the inner solver's centre to y and sets its start point by `warm` (`None`: continue from its iterate,
/// for a refinement); `first` for the first subproblem (options 1 and 3 then start at y).
pub(crate) fn warm_start(
    inner: &mut dyn InnerSolver<'_>,
    y: ArrayView1<f64>,
    warm: Option<WarmStart>,
    first: bool,
    work: &mut Work,
) {
    let previous_center = inner.subproblem().center().to_owned();
    let previous_output = inner.iterate().to_owned();
    inner.set_center(y);
    let Some(warm) = warm else {
        return;
    };
    let sub = inner.subproblem();
    let extrapolated = || {
        let (kappa, mu) = (sub.kappa(), sub.sigma() - sub.kappa());
        let c = kappa / (kappa + mu);
        Array1::from_shape_fn(y.len(), |j| previous_output[j] + c * (y[j] - previous_center[j]))
    };
    let start = match warm {
        WarmStart::Center => y.to_owned(),
        WarmStart::CenterProx => sub.prox_gradient_step(y, work),
        WarmStart::Previous => return,
        _ if first => y.to_owned(),
        WarmStart::Extrapolated => {
            let z = extrapolated();
            if sub.l1() > 0.0 {
                sub.prox_gradient_step(z.view(), work)
            } else {
                z
            }
        }
        WarmStart::Best => {
            let z = extrapolated();
            work.function_values += 2;
            if sub.value(z.view()) < sub.value(previous_output.view()) {
                z
            } else {
                previous_output
            }
        }
    };
    inner.restart_from(start.view());
}

/// The passes of the estimate of L that a warm start's prox-gradient step needs for its η (options 2, and 1 with
/// λ₁ > 0), charged once per run with the accelerator's setup; ISTA/FISTA charge that estimate themselves.
pub(crate) fn warm_start_setup_passes(inner: &dyn InnerSolver<'_>, warm: WarmStart) -> u64 {
    let sub = inner.subproblem();
    let takes_prox_step = warm == WarmStart::CenterProx || (warm == WarmStart::Extrapolated && sub.l1() > 0.0);
    if takes_prox_step && !matches!(inner.name(), "ista" | "fista") {
        sub.smoothness_passes()
    } else {
        0
    }
}

/// Parameters shared by Catalyst and QNing.
#[derive(Debug, Clone, PartialEq)]
pub struct AcceleratorParams {
    /// κ, or `None` for [`default_kappa`].
    pub kappa: Option<f64>,
    /// Inner stopping rule.
    pub inner_stop: InnerStop,
    /// Cap on inner epochs for the relative/absolute rules.
    pub max_inner_epochs: u32,
    /// Where each inner solve starts.
    pub warm_start: WarmStart,
}

impl Default for AcceleratorParams {
    fn default() -> Self {
        AcceleratorParams {
            kappa: None,
            inner_stop: InnerStop::OnePass,
            max_inner_epochs: 50,
            warm_start: WarmStart::Center,
        }
    }
}

impl AcceleratorParams {
    /// Checks every value.
    pub fn validate(&self, solver: &'static str) -> Result<()> {
        if let Some(k) = self.kappa
            && !(k.is_finite() && k > 0.0)
        {
            return Err(invalid(solver, "kappa", k, "must be finite and > 0"));
        }
        match self.inner_stop {
            InnerStop::Epochs(0) => return Err(invalid(solver, "inner_stop", "Epochs(0)", "must be >= 1 epoch")),
            InnerStop::Relative(d) if !(d.is_finite() && d > 0.0) => {
                return Err(invalid(
                    solver,
                    "inner_stop",
                    format!("Relative({d})"),
                    "δ must be finite and > 0",
                ));
            }
            _ => {}
        }
        if self.max_inner_epochs == 0 {
            return Err(invalid(solver, "max_inner_epochs", 0, "must be >= 1"));
        }
        Ok(())
    }
}

/// Whether an inner solver is incremental (κ from L/n) or full-gradient (κ from L).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InnerFamily {
    /// SVRG, SAGA, MISO; the flag says whether SVRG samples by importance.
    Incremental {
        /// Importance sampling active.
        importance: bool,
    },
    /// ISTA, FISTA.
    FullGradient,
}

/// κ from L, μ and n; see the module docs.
pub fn default_kappa(model: &LinearModel, family: InnerFamily) -> f64 {
    let mu = model.strong_convexity();
    let c = model.loss().curvature_bound();
    let r = model.row_norms_sq();
    match family {
        InnerFamily::Incremental { importance } => {
            let l_data = if importance {
                c * r.mean().unwrap_or(0.0)
            } else {
                c * r.fold(0.0f64, |m, &v| m.max(v))
            };
            let l = (l_data + mu) / (model.n() as f64 + 1.0);
            let k = if l > mu { l - mu } else { l };
            if k > 0.0 { k } else { 1.0 }
        }
        InnerFamily::FullGradient => {
            let k = model.smoothness() - mu;
            if k > 0.0 { k } else { 1.0 }
        }
    }
}

/// What an inexact proximal step returns.
pub(crate) struct ProxResult {
    /// h_y(z).
    pub value: f64,
}

/// z ≈ argmin_w F(w) + (κ/2)‖w − y‖², by the inner solver started at y; z is left as the inner iterate.
/// `epsilon` is ε_k for the absolute rule, `delta_k` is δ_k for the relative schedule.
#[allow(clippy::too_many_arguments)]
pub(crate) fn approximate_prox(
    inner: &mut dyn InnerSolver<'_>,
    y: ArrayView1<f64>,
    stop: InnerStop,
    epsilon: f64,
    delta_k: f64,
    max_epochs: u32,
    need_value: bool,
    warm: Option<WarmStart>,
    first: bool,
    work: &mut Work,
) -> ProxResult {
    warm_start(inner, y, warm, first, work);
    let kappa = inner.subproblem().kappa();
    let mut epochs = 0;
    loop {
        inner.epoch(work);
        epochs += 1;
        let target = match stop {
            InnerStop::OnePass => break,
            InnerStop::Epochs(k) => {
                if epochs >= k {
                    break;
                }
                continue;
            }
            InnerStop::Relative(_) | InnerStop::RelativeSchedule => {
                let delta = if let InnerStop::Relative(d) = stop { d } else { delta_k };
                let z = inner.iterate();
                let d2: f64 = z.iter().zip(y.iter()).map(|(a, b)| (a - b) * (a - b)).sum();
                delta * 0.5 * kappa * d2
            }
            InnerStop::Absolute => epsilon,
        };
        let (value, gap) = inner.subproblem().value_and_gap(inner.iterate());
        work.full_gradients += 1;
        if gap <= target || epochs >= max_epochs {
            return ProxResult { value };
        }
    }
    let value = match inner.known_value() {
        Some(v) => v,
        None if !need_value => f64::NAN,
        None => {
            work.function_values += 1;
            inner.subproblem().value(inner.iterate())
        }
    };
    ProxResult { value }
}

/// ε₀ of the absolute rule, (2/9) × a certified bound on F(x₀) − F* ([`Subproblem::objective_gap`]: the duality
/// gap at x₀ on a linear model, one fused pass, two for the lasso), with the work it cost; a typed error when the
/// problem has no such bound.
pub(crate) fn absolute_epsilon0(
    sub: &dyn Subproblem,
    x0: ArrayView1<f64>,
    solver: &'static str,
) -> Result<(f64, Work)> {
    match sub.objective_gap(x0) {
        Some((g, work)) => Ok((2.0 / 9.0 * g, work)),
        None => Err(QningError::Unsupported {
            solver,
            reason: "inner_stop = Absolute needs a certified bound on F(x0) - F* (a duality gap, or μ > 0 for \
                     dist(0, ∂F)²/(2μ)); use OnePass, Epochs or Relative"
                .to_string(),
        }),
    }
}

/// The Catalyst parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct CatalystParams {
    /// Shared accelerator parameters.
    pub accel: AcceleratorParams,
    /// Momentum restart period when μ = 0.
    pub restart_every: u64,
}

impl Default for CatalystParams {
    fn default() -> Self {
        CatalystParams {
            accel: AcceleratorParams::default(),
            restart_every: 50,
        }
    }
}

impl CatalystParams {
    /// The defaults.
    pub fn new() -> Self {
        Self::default()
    }
    /// Checks every value.
    pub fn validate(&self) -> Result<()> {
        self.accel.validate("catalyst")?;
        if self.restart_every == 0 {
            return Err(invalid("catalyst", "restart_every", 0, "must be >= 1"));
        }
        Ok(())
    }
    /// Runs Catalyst around `inner` (whose subproblem's κ is used) from x0.
    pub fn solve<'a>(
        &self,
        inner: Box<dyn InnerSolver<'a> + 'a>,
        x0: ArrayView1<f64>,
        config: &RunConfig,
        monitor: &dyn Monitor,
        observer: &mut dyn Observer,
    ) -> Result<Report> {
        let mut c = Catalyst::new(inner, x0, self)?;
        crate::guard::run_guarded(&mut c, monitor, config, observer, 0)
    }
}

/// The state of Catalyst.
pub struct Catalyst<'a> {
    inner: Box<dyn InnerSolver<'a> + 'a>,
    x: Array1<f64>,
    y: Array1<f64>,
    alpha: f64,
    q: f64,
    k: u64,
    epsilon0: f64,
    /// Work done before the first step (ε₀'s duality gap), charged at the first step.
    setup: Work,
    params: CatalystParams,
}

impl<'a> Catalyst<'a> {
    /// Catalyst around `inner` from x0.
    pub fn new(inner: Box<dyn InnerSolver<'a> + 'a>, x0: ArrayView1<f64>, params: &CatalystParams) -> Result<Self> {
        params.validate()?;
        let sub = inner.subproblem();
        check_start("catalyst", sub.dim(), x0)?;
        let mu = sub.strong_convexity();
        let kappa = sub.kappa();
        if kappa <= 0.0 {
            return Err(invalid(
                "catalyst",
                "kappa",
                kappa,
                "the inner subproblem must have κ > 0",
            ));
        }
        let q = mu / (mu + kappa);
        let (epsilon0, mut setup) = if params.accel.inner_stop == InnerStop::Absolute {
            absolute_epsilon0(sub, x0, "catalyst")?
        } else {
            (0.0, Work::default())
        };
        setup.full_gradients += warm_start_setup_passes(&*inner, params.accel.warm_start);
        Ok(Catalyst {
            setup,
            inner,
            x: x0.to_owned(),
            y: x0.to_owned(),
            alpha: if mu > 0.0 { q.sqrt() } else { 1.0 },
            q,
            k: 0,
            epsilon0,
            params: params.clone(),
        })
    }
}

/// The positive root of a² = (1 − a)α² + q a.
pub fn next_alpha(alpha: f64, q: f64) -> f64 {
    let b = q - alpha * alpha;
    0.5 * (b + (b * b + 4.0 * alpha * alpha).sqrt())
}

/// β_k = α_k(1 − α_k)/(α_k² + α_{k+1}).
pub fn momentum(alpha: f64, alpha_next: f64) -> f64 {
    alpha * (1.0 - alpha) / (alpha * alpha + alpha_next)
}

impl Method for Catalyst<'_> {
    fn iterate(&self) -> ArrayView1<'_, f64> {
        self.x.view()
    }
    fn step(&mut self, work: &mut Work) -> StepOutcome {
        work.merge(&std::mem::take(&mut self.setup));
        let eps = absolute_epsilon(self.epsilon0, self.q, self.k);
        let accel = &self.params.accel;
        approximate_prox(
            &mut *self.inner,
            self.y.view(),
            accel.inner_stop,
            eps,
            relative_delta(self.q, self.k),
            accel.max_inner_epochs,
            false,
            Some(accel.warm_start),
            self.k == 0,
            work,
        );
        let z = self.inner.iterate();
        self.k += 1;
        let restart = self.q == 0.0 && self.k.is_multiple_of(self.params.restart_every);
        let beta = if restart {
            self.alpha = 1.0;
            0.0
        } else {
            let a_next = next_alpha(self.alpha, self.q);
            let b = momentum(self.alpha, a_next);
            self.alpha = a_next;
            b
        };
        for j in 0..self.x.len() {
            let zj = z[j];
            self.y[j] = zj + beta * (zj - self.x[j]);
            self.x[j] = zj;
        }
        StepOutcome::Continue
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{ExactProx, small_model};
    use gradus_oracle::Loss;

    #[test]
    fn alpha_and_beta_match_a_hand_computation() {
        // μ > 0: α₀ = √q is the fixed point of a² = (1 − a)α² + q a, so β = (1 − √q)/(1 + √q); q = 1/4 gives 1/3.
        assert!((next_alpha(0.5, 0.25) - 0.5).abs() < 1e-15);
        assert!((momentum(0.5, 0.5) - 1.0 / 3.0).abs() < 1e-15);
        // μ = 0: α₀ = 1, α₁ = (√5 − 1)/2 = 0.6180339887, β₀ = 0; α₂ solves a² + α₁² a − α₁² = 0:
        // α₁² = 0.3819660113, α₂ = (−α₁² + √(α₁⁴ + 4α₁²))/2 = 0.4558868, β₁ = α₁(1 − α₁)/(α₁² + α₂) = 0.2817536.
        let a1 = next_alpha(1.0, 0.0);
        assert!((a1 - 0.618_033_988_7).abs() < 1e-10);
        assert_eq!(momentum(1.0, a1), 0.0);
        let a2 = next_alpha(a1, 0.0);
        assert!((a2 - 0.455_886_8).abs() < 1e-7, "{a2}");
        assert!((momentum(a1, a2) - 0.281_753_6).abs() < 1e-6, "{}", momentum(a1, a2));
    }

    #[test]
    fn the_extrapolation_uses_those_betas() {
        // An exact inner solver: x_{k+1} = p(y_k) exactly, so y_{k+1} − x_{k+1} = β_k (x_{k+1} − x_k) can be
        // checked step by step. λ₂ = 0.01, κ = 0.03: q = 1/4, β = 1/3 at every step; λ₂ = 0: β₀ = 0, β₁ = 0.2817536.
        for (l2, kappa, betas) in [(0.01, 0.03, [1.0 / 3.0, 1.0 / 3.0]), (0.0, 0.03, [0.0, 0.281_753_6])] {
            let m = small_model(Loss::Squared, false, l2, 0.0);
            let x0 = Array1::from_shape_fn(m.dim(), |j| 0.3 - 0.1 * j as f64);
            let mut c = Catalyst::new(Box::new(ExactProx::new(&m, kappa)), x0.view(), &CatalystParams::new()).unwrap();
            let mut work = Work::default();
            for beta in betas {
                let x_prev = c.x.clone();
                let y_prev = c.y.clone();
                c.step(&mut work);
                let (p, _, _) = ExactProx::envelope(&m, kappa, &y_prev);
                assert!((&c.x - &p).iter().all(|e| e.abs() < 1e-12), "x = p(y)");
                let expected = &c.x + &((&c.x - &x_prev) * beta);
                assert!(
                    (&c.y - &expected).iter().all(|e| e.abs() < 1e-7),
                    "λ₂ {l2}: y − expected = {:?}",
                    &c.y - &expected
                );
            }
        }
    }

    #[test]
    fn absolute_and_relative_schedules() {
        // μ > 0: geometric; μ = 0: ε₀/(k+1)^4.1 and δ_k = 1/(k+1)².
        assert!((absolute_epsilon(2.0, 0.25, 2) - 2.0 * 0.55f64.powi(2)).abs() < 1e-15);
        assert!((absolute_epsilon(2.0, 0.0, 1) - 2.0 / 2f64.powf(4.1)).abs() < 1e-15);
        assert!((relative_delta(0.25, 7) - 0.5 / 1.5).abs() < 1e-15);
        assert!((relative_delta(0.0, 2) - 1.0 / 9.0).abs() < 1e-15);
        assert_eq!(InnerStop::QNING_RELATIVE, InnerStop::Relative(1.0 / 18.0));
    }
}

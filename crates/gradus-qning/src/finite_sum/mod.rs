//! The generic path: every inner solver and both accelerators on **any** [`FiniteSum`] — the user's own
//! components with dense gradients — and its prox-able regularizer.
//!
//! The problem is F(w) = f(w) + g(w) with f = (1/n) Σᵢ fᵢ ([`FiniteSum`]) and g = (λ₂/2)‖w‖² + λ₁‖w‖₁ from
//! [`gradus_oracle::Objective::regularizer`] (L1, L2 or the elastic net). μ of F is [`gradus_oracle::Objective::strong_convexity`] + λ₂. The
//! subproblem every solver sees ([`FiniteSumPoint`]) is h_z(w) = F(w) + (κ/2)‖w − z‖²; its quadratic part
//! ((λ₂ + κ)/2)‖w‖² − κzᵀw is handled exactly and λ₁ by soft-thresholding, as on the linear-model fast path.
//!
//! | solver | file | memory | oracle calls per epoch (counted in [`Work`]) |
//! |---|---|---|---|
//! | SVRG | `svrg.rs` | snapshot w̃ and ∇f(w̃): 2d | 1 full gradient + 2n component gradients: 3 passes |
//! | SAGA | `saga.rs` | the n × d table of component gradients | n component gradients (+ n for the first table): 1 pass |
//! | MISO | `miso.rs` | the n × d table of minorant slopes | n component gradients (+ n for the first table): 1 pass |
//! | ISTA / FISTA | `ista.rs` | 4d | 1 value-and-gradient + 1 function value per trial: ≥ 2 passes |
//!
//! SAGA and MISO refuse (typed [`QningError::MemoryLimit`]) a table of more than [`TABLE_LIMIT`] doubles
//! (n·d, doubled under QNing, whose safeguard keeps a copy): 1 GiB. A user whose components are
//! fᵢ(w) = φᵢ(aᵢᵀw) should build a [`gradus_oracle::LinearModel`] with their own loss
//! ([`gradus_oracle::Loss::Custom`]) instead: one scalar per sample and lazy sparse updates.
//!
//! Certified stopping: with no duality gap for a general F, use [`gradus_oracle::ObjectiveMonitor`]'s
//! `rel_subopt_bound` (F(x) − F* ≤ dist(0, ∂F(x))²/(2μ), needs μ > 0). The accelerators' certified inner rules
//! (`Relative`, `RelativeSchedule`) use the same bound on the subproblem, always available since h_z is
//! (μ + κ)-strongly convex with κ > 0; the `Absolute` rule needs μ > 0 for its ε₀ (typed error otherwise).

pub mod ista;
pub mod miso;
pub mod saga;
pub mod svrg;

use gradus_oracle::monitor::min_norm_subgradient_norm;
use gradus_oracle::regularizer::soft_threshold;
use gradus_oracle::{FiniteSum, Monitor, Observer, Report, RunConfig, Work};
use ndarray::{Array1, ArrayView1, ArrayViewMut1};

use crate::auto::{Accelerator, InnerKind, NamedOptions, parse};
use crate::catalyst::Catalyst;
use crate::error::{QningError, Result};
use crate::guard::run_guarded;
use crate::proximal_point::{EpochMethod, InnerSolver, Subproblem};
use crate::qning::Qning;
use crate::sampling::Sampling;

pub use ista::GenericIsta;
pub use miso::GenericMiso;
pub use saga::GenericSaga;
pub use svrg::GenericSvrg;

/// The most doubles a gradient table (SAGA, MISO) may hold: 2²⁷ (1 GiB).
pub const TABLE_LIMIT: usize = 1 << 27;

/// h_z(w) = F(w) + (κ/2)‖w − z‖² over a [`FiniteSum`]; see the module docs.
pub struct FiniteSumPoint<'a> {
    problem: &'a dyn FiniteSum,
    kappa: f64,
    center: Array1<f64>,
    l1: f64,
    l2: f64,
    mu_f: f64,
}

impl<'a> FiniteSumPoint<'a> {
    /// The subproblem with smoothing `kappa` ≥ 0 and centre 0.
    pub fn new(problem: &'a dyn FiniteSum, kappa: f64) -> Self {
        let (l1, l2) = problem.regularizer().weights();
        FiniteSumPoint {
            problem,
            kappa,
            center: Array1::zeros(problem.dim()),
            l1,
            l2,
            mu_f: problem.strong_convexity().max(0.0),
        }
    }
    /// The problem.
    pub fn problem(&self) -> &'a dyn FiniteSum {
        self.problem
    }
    /// n.
    pub fn n(&self) -> usize {
        self.problem.len()
    }
    /// λ₂ + κ, the quadratic handled exactly.
    pub fn ridge(&self) -> f64 {
        self.l2 + self.kappa
    }
    /// μ of f alone ([`gradus_oracle::Objective::strong_convexity`]).
    pub fn mu_f(&self) -> f64 {
        self.mu_f
    }
    /// bⱼ = κ zⱼ, the linear term.
    #[inline]
    pub fn linear_term(&self, j: usize) -> f64 {
        self.kappa * self.center[j]
    }
    /// Moves the centre.
    pub fn set_center(&mut self, z: ArrayView1<f64>) {
        self.center.assign(&z);
    }
    /// s(w) = f(w) + (λ₂/2)‖w‖² + (κ/2)‖w − z‖² (h_z without λ₁) given f(w).
    fn smooth_from(&self, w: ArrayView1<f64>, f: f64) -> f64 {
        let mut v = f;
        if self.l2 > 0.0 {
            v += 0.5 * self.l2 * w.dot(&w);
        }
        if self.kappa > 0.0 {
            let d2: f64 = w.iter().zip(self.center.iter()).map(|(a, b)| (a - b) * (a - b)).sum();
            v += 0.5 * self.kappa * d2;
        }
        v
    }
    /// s(w): one function value.
    pub fn smooth_value(&self, w: ArrayView1<f64>) -> f64 {
        self.smooth_from(w, self.problem.value(w))
    }
    /// s(w), and out = ∇s(w) = ∇f(w) + (λ₂ + κ)w − κz: one full gradient.
    pub fn smooth_value_and_gradient(&self, w: ArrayView1<f64>, mut out: ArrayViewMut1<f64>) -> f64 {
        let f = self.problem.value_and_gradient(w, out.view_mut());
        let ridge = self.ridge();
        for j in 0..out.len() {
            out[j] += ridge * w[j] - self.linear_term(j);
        }
        self.smooth_from(w, f)
    }
    /// λ₁‖w‖₁.
    pub fn l1_value(&self, w: ArrayView1<f64>) -> f64 {
        if self.l1 > 0.0 {
            self.l1 * w.iter().map(|x| x.abs()).sum::<f64>()
        } else {
            0.0
        }
    }
}

impl Subproblem for FiniteSumPoint<'_> {
    fn kappa(&self) -> f64 {
        self.kappa
    }
    fn strong_convexity(&self) -> f64 {
        self.mu_f + self.l2
    }
    fn sigma(&self) -> f64 {
        self.mu_f + self.l2 + self.kappa
    }
    fn l1(&self) -> f64 {
        self.l1
    }
    fn center(&self) -> ArrayView1<'_, f64> {
        self.center.view()
    }
    fn dim(&self) -> usize {
        self.problem.dim()
    }
    fn value(&self, w: ArrayView1<f64>) -> f64 {
        self.smooth_value(w) + self.l1_value(w)
    }
    /// h_z(w) and dist(0, ∂h_z(w))²/(2σ), σ = μ + κ (infinite when σ = 0 and w is not stationary).
    fn value_and_gap(&self, w: ArrayView1<f64>) -> (f64, f64) {
        let mut g = Array1::zeros(self.dim());
        let s = self.smooth_value_and_gradient(w, g.view_mut());
        let r = min_norm_subgradient_norm(w, g.view(), (self.l1, 0.0));
        (s + self.l1_value(w), strong_convexity_bound(r, self.sigma()))
    }
    fn smoothness_passes(&self) -> u64 {
        self.problem.smoothness_passes()
    }
    fn prox_gradient_step(&self, w: ArrayView1<f64>, work: &mut Work) -> Array1<f64> {
        let mut g = Array1::zeros(self.dim());
        self.smooth_value_and_gradient(w, g.view_mut());
        work.full_gradients += 1;
        let eta = 1.0 / (self.problem.smoothness() + self.ridge());
        Array1::from_shape_fn(self.dim(), |j| soft_threshold(w[j] - eta * g[j], eta * self.l1))
    }
    /// dist(0, ∂F(x₀))²/(2μ) when μ > 0 (one full gradient); `None` when μ = 0.
    fn objective_gap(&self, x0: ArrayView1<f64>) -> Option<(f64, Work)> {
        let mu = self.mu_f + self.l2;
        if mu <= 0.0 {
            return None;
        }
        let mut g = Array1::zeros(self.dim());
        self.problem.gradient(x0, g.view_mut());
        let r = min_norm_subgradient_norm(x0, g.view(), (self.l1, self.l2));
        let work = Work {
            full_gradients: 1,
            ..Work::default()
        };
        Some((strong_convexity_bound(r, mu), work))
    }
}

/// r²/(2σ): the bound on h(w) − h* of a σ-strongly convex h with dist(0, ∂h(w)) = r.
pub fn strong_convexity_bound(r: f64, sigma: f64) -> f64 {
    if r == 0.0 {
        0.0
    } else if sigma > 0.0 {
        r * r / (2.0 * sigma)
    } else {
        f64::INFINITY
    }
}

/// S_τ(v) coordinate-wise into w: the prox step w ← S_{ηλ₁}(w − η·grad) of every solver here.
#[inline]
pub(crate) fn prox_step(wj: f64, eta: f64, grad: f64, l1: f64) -> f64 {
    soft_threshold(wj - eta * grad, eta * l1)
}

/// The safeguard's copy of a table solver (SAGA, MISO): the iterate, the table, its mean (SAGA's ḡ, MISO's z̄),
/// and whether the table was filled.
pub(crate) struct SavedTable {
    pub(crate) w: Array1<f64>,
    pub(crate) table: ndarray::Array2<f64>,
    pub(crate) mean: Array1<f64>,
    pub(crate) filled: bool,
}

impl SavedTable {
    /// Copies the state into `slot`, reusing its allocation.
    pub(crate) fn keep(
        slot: &mut Option<SavedTable>,
        w: &Array1<f64>,
        table: &ndarray::Array2<f64>,
        mean: &Array1<f64>,
        filled: bool,
    ) {
        match slot {
            Some(s) => {
                s.w.assign(w);
                s.table.assign(table);
                s.mean.assign(mean);
                s.filled = filled;
            }
            None => {
                *slot = Some(SavedTable {
                    w: w.clone(),
                    table: table.clone(),
                    mean: mean.clone(),
                    filled,
                })
            }
        }
    }
}

/// Refuses a table of n·d doubles (times `copies`) above [`TABLE_LIMIT`].
pub(crate) fn check_table(solver: &'static str, n: usize, d: usize, copies: usize) -> Result<()> {
    let needed = n.saturating_mul(d).saturating_mul(copies);
    if needed > TABLE_LIMIT {
        return Err(QningError::MemoryLimit {
            solver,
            n,
            d,
            needed,
            limit: TABLE_LIMIT,
        });
    }
    Ok(())
}

/// Refuses constants no solver can use: the regularizer's weights, μ_f and L must be finite and ≥ 0.
pub fn check_constants(problem: &dyn FiniteSum) -> Result<()> {
    let (l1, l2) = problem.regularizer().weights();
    let constants = [
        ("regularizer l1", l1),
        ("regularizer l2", l2),
        ("strong_convexity", problem.strong_convexity()),
        ("smoothness", problem.smoothness()),
    ];
    for (name, value) in constants {
        if !(value.is_finite() && value >= 0.0) {
            return Err(crate::error::invalid(
                "solve_finite_sum",
                name,
                value,
                "must be finite and >= 0",
            ));
        }
    }
    Ok(())
}

/// The Lᵢ of every component.
pub(crate) fn component_constants(problem: &dyn FiniteSum) -> Vec<f64> {
    (0..problem.len()).map(|i| problem.component_smoothness(i)).collect()
}

/// κ for an accelerator around `kind` on a finite sum (the rule of [`crate::catalyst::default_kappa`]): for
/// SVRG/SAGA/MISO, with L = max Lᵢ + λ₂ (mean Lᵢ + λ₂ when SVRG samples by importance) and μ = μ_f + λ₂,
/// κ = L/(n + 1) − μ when positive, else L/(n + 1); for ISTA/FISTA κ = L − μ with L = [`gradus_oracle::Objective::smoothness`]
/// + λ₂; 1 when these are 0.
pub fn finite_sum_kappa(problem: &dyn FiniteSum, kind: InnerKind, options: &NamedOptions) -> f64 {
    let (_, l2) = problem.regularizer().weights();
    let mu = problem.strong_convexity().max(0.0) + l2;
    let k = match kind {
        InnerKind::Ista | InnerKind::Fista => problem.smoothness() + l2 - mu,
        _ => {
            let importance = kind == InnerKind::Svrg && {
                let (max, mean) = (problem.max_component_smoothness(), problem.mean_component_smoothness());
                options.svrg.sampling.resolve(max, mean) == Sampling::Importance
            };
            let l_data = if importance {
                problem.mean_component_smoothness()
            } else {
                problem.max_component_smoothness()
            };
            let l = (l_data + l2) / (problem.len() as f64 + 1.0);
            if l > mu { l - mu } else { l }
        }
    };
    if k > 0.0 && k.is_finite() { k } else { 1.0 }
}

/// Builds a generic inner solver on the subproblem with smoothing κ; `copies` = 2 under QNing (its safeguard
/// saves the table).
pub fn build_generic_inner<'a>(
    kind: InnerKind,
    problem: &'a dyn FiniteSum,
    kappa: f64,
    x0: ArrayView1<f64>,
    options: &NamedOptions,
    copies: usize,
) -> Result<Box<dyn InnerSolver<'a> + 'a>> {
    let sub = FiniteSumPoint::new(problem, kappa);
    let seed = options.seed;
    Ok(match kind {
        InnerKind::Ista => Box::new(GenericIsta::new(sub, x0, &crate::IstaParams::ista())?),
        InnerKind::Fista => Box::new(GenericIsta::new(sub, x0, &crate::IstaParams::fista())?),
        InnerKind::Svrg => Box::new(GenericSvrg::new(sub, x0, &options.svrg.clone().seed(seed))?),
        InnerKind::Saga => Box::new(GenericSaga::new(sub, x0, &options.saga.clone().seed(seed), copies)?),
        InnerKind::Miso => Box::new(GenericMiso::new(sub, x0, &options.miso.clone().seed(seed), copies)?),
    })
}

/// The `auto` choice on a finite sum: `qning-ista` when n < 1000 (full gradients are cheap), else `qning-svrg`
/// (no table, any μ ≥ 0); with the reason.
pub fn choose_finite_sum(problem: &dyn FiniteSum) -> (&'static str, String) {
    let n = problem.len();
    if n < 1000 {
        ("qning-ista", format!("n = {n} < 1000"))
    } else {
        ("qning-svrg", format!("n = {n} >= 1000"))
    }
}

/// Solves a user's finite sum from x0 with the named solver (every name of [`crate::SOLVER_NAMES`]); returns the
/// report and the solver run (what `auto` picked, with its reason). Stop on a certified metric: with
/// [`gradus_oracle::ObjectiveMonitor`], `rel_subopt_bound` (needs μ > 0).
///
/// ```
/// use gradus_oracle::{FiniteSum, Objective, ObjectiveMonitor, Regularizer, RunConfig, Silent, Status, Stop};
/// use gradus_qning::{NamedOptions, solve_finite_sum};
/// use ndarray::{Array1, ArrayView1, ArrayViewMut1};
///
/// /// fᵢ(w) = ½‖w − cᵢ‖²: the minimizer of the mean is the mean of the cᵢ.
/// struct Centres(Vec<[f64; 2]>);
/// impl Objective for Centres {
///     fn dim(&self) -> usize { 2 }
///     fn value(&self, w: ArrayView1<f64>) -> f64 {
///         (0..self.len()).map(|i| self.component_value(i, w)).sum::<f64>() / self.len() as f64
///     }
///     fn gradient(&self, w: ArrayView1<f64>, mut out: ArrayViewMut1<f64>) {
///         let m = self.0.iter().fold([0.0; 2], |a, c| [a[0] + c[0], a[1] + c[1]]);
///         let n = self.len() as f64;
///         out[0] = w[0] - m[0] / n;
///         out[1] = w[1] - m[1] / n;
///     }
///     fn smoothness(&self) -> f64 { 1.0 }
///     fn strong_convexity(&self) -> f64 { 1.0 }
///     fn regularizer(&self) -> Regularizer { Regularizer::L1(0.01) }
/// }
/// impl FiniteSum for Centres {
///     fn len(&self) -> usize { self.0.len() }
///     fn component_value(&self, i: usize, w: ArrayView1<f64>) -> f64 {
///         0.5 * ((w[0] - self.0[i][0]).powi(2) + (w[1] - self.0[i][1]).powi(2))
///     }
///     fn component_gradient(&self, i: usize, w: ArrayView1<f64>, mut out: ArrayViewMut1<f64>) {
///         out[0] = w[0] - self.0[i][0];
///         out[1] = w[1] - self.0[i][1];
///     }
///     fn component_smoothness(&self, _i: usize) -> f64 { 1.0 }
/// }
///
/// let p = Centres((0..50).map(|i| [i as f64 / 50.0, 1.0 + (i % 3) as f64]).collect());
/// let config = RunConfig::new(Stop::iterations(200).with_target("rel_subopt_bound", 1e-12), p.len());
/// let (report, _) = solve_finite_sum("qning-svrg", &p, Array1::zeros(2).view(), &config,
///     &ObjectiveMonitor::new(&p), &mut Silent, &NamedOptions::default()).unwrap();
/// assert_eq!(report.status, Status::Converged);
/// // The mean of the centres is (0.49, 2.0); λ₁ = 0.01 shrinks each coordinate by 0.01.
/// assert!((report.x[0] - 0.48).abs() < 1e-6 && (report.x[1] - 1.97).abs() < 1e-6);
/// ```
pub fn solve_finite_sum(
    name: &str,
    problem: &dyn FiniteSum,
    x0: ArrayView1<f64>,
    config: &RunConfig,
    monitor: &dyn Monitor,
    observer: &mut dyn Observer,
    options: &NamedOptions,
) -> Result<(Report, String)> {
    let (resolved, note) = if name == "auto" {
        let (n, why) = choose_finite_sum(problem);
        (n, format!("auto picked {n}: {why}"))
    } else {
        (name, String::new())
    };
    let (acc, kind) = parse(resolved)?;
    if problem.is_empty() {
        return Err(QningError::Unsupported {
            solver: "solve_finite_sum",
            reason: "the finite sum has no components (len() = 0)".into(),
        });
    }
    crate::error::check_start("solve_finite_sum", problem.dim(), x0)?;
    check_constants(problem)?;
    let checks = options.check_passes;
    let report = match acc {
        Accelerator::None => {
            let mut inner = build_generic_inner(kind, problem, 0.0, x0, options, 1)?;
            run_guarded(
                &mut EpochMethod { inner: &mut *inner },
                monitor,
                config,
                observer,
                checks,
            )?
        }
        Accelerator::Catalyst => {
            let kappa = options
                .catalyst
                .accel
                .kappa
                .unwrap_or_else(|| finite_sum_kappa(problem, kind, options));
            let inner = build_generic_inner(kind, problem, kappa, x0, options, 1)?;
            let mut c = Catalyst::new(inner, x0, &options.catalyst)?;
            run_guarded(&mut c, monitor, config, observer, checks)?
        }
        Accelerator::Qning => {
            let kappa = options
                .qning
                .accel
                .kappa
                .unwrap_or_else(|| finite_sum_kappa(problem, kind, options));
            let inner = build_generic_inner(kind, problem, kappa, x0, options, 2)?;
            let mut q = Qning::new(inner, x0, &options.qning)?;
            run_guarded(&mut q, monitor, config, observer, checks)?
        }
    };
    Ok((report, if note.is_empty() { resolved.to_string() } else { note }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalyst::InnerStop;
    use crate::duality_gap::DualityGapMonitor;
    use crate::test_support::{SoftmaxSum, small_model};
    use crate::{SOLVER_NAMES, solve_named};
    use gradus_oracle::{Loss, Objective, ObjectiveMonitor, Silent, Status, Stop};

    #[test]
    fn the_generic_path_on_a_linear_model_agrees_with_the_fast_path() {
        for (loss, l2, l1) in [(Loss::Logistic, 0.01, 0.005), (Loss::Squared, 0.02, 0.0)] {
            let m = small_model(loss, false, l2, l1);
            let x0 = Array1::zeros(m.dim());
            let cfg = RunConfig::new(Stop::iterations(50_000).with_target("rel_gap", 1e-14), m.n());
            for name in [
                "svrg",
                "saga",
                "miso",
                "ista",
                "fista",
                "qning-svrg",
                "catalyst-saga",
                "qning-miso",
            ] {
                let o = NamedOptions::default();
                let monitor = DualityGapMonitor::new(&m);
                let (fast, _) = solve_named(name, &m, x0.view(), &cfg, &monitor, &mut Silent, &o).unwrap();
                let problem: &dyn FiniteSum = &m;
                let (generic, _) = solve_finite_sum(name, problem, x0.view(), &cfg, &monitor, &mut Silent, &o).unwrap();
                assert_eq!(fast.status, Status::Converged, "{name} fast");
                assert_eq!(generic.status, Status::Converged, "{name} generic");
                let (a, b) = (m.total_value(fast.x.view()), m.total_value(generic.x.view()));
                assert!(
                    (a - b).abs() <= 1e-10 * a.abs(),
                    "{name} {loss:?}: fast {a} generic {b}"
                );
                // The generic path counts its own work: SVRG pays 3 passes an epoch (2 on the fast path).
                if name == "svrg" {
                    let per_epoch = generic.work.passes(m.n()) / generic.iterations as f64;
                    assert!((per_epoch - 3.0).abs() < 1e-12, "{per_epoch}");
                }
            }
        }
    }

    #[test]
    fn every_name_solves_a_nonlinear_finite_sum_to_the_lbfgs_solution() {
        let p = SoftmaxSum::new(80, 0.05, 0.0);
        let x0 = Array1::zeros(4);
        let reference = gradus_classic::LbfgsParams::new()
            .solve(
                &p,
                x0.view(),
                &RunConfig::new(Stop::iterations(1000).with_target("grad_norm", 1e-13), p.len()),
                &ObjectiveMonitor::new(&p),
                &mut Silent,
            )
            .unwrap();
        assert_eq!(reference.status, Status::Converged);
        let f_star = p.total_value(reference.x.view());
        let cfg = RunConfig::new(Stop::iterations(20_000).with_target("rel_subopt_bound", 1e-12), p.len());
        for name in SOLVER_NAMES {
            let monitor = ObjectiveMonitor::new(&p);
            let (r, used) = solve_finite_sum(
                name,
                &p,
                x0.view(),
                &cfg,
                &monitor,
                &mut Silent,
                &NamedOptions::default(),
            )
            .unwrap();
            assert_eq!(r.status, Status::Converged, "{name}");
            let f = p.total_value(r.x.view());
            // Certified: F − F* ≤ 1e-12 F*, so both agree to that (and L-BFGS's ‖∇F‖ ≤ 1e-13).
            assert!((f - f_star).abs() <= 2e-12 * f_star, "{name}: {f} vs L-BFGS {f_star}");
            assert!((&r.x - &reference.x).iter().all(|e| e.abs() < 1e-5), "{name}");
            if *name == "auto" {
                assert!(used.starts_with("auto picked qning-ista"), "{used}");
            }
        }
        // With λ₁: the certified bound on the composite problem (the L-BFGS comparison needs a smooth F).
        let p1 = SoftmaxSum::new(80, 0.05, 0.02);
        for name in ["qning-svrg", "catalyst-miso", "saga", "fista"] {
            let (r, _) = solve_finite_sum(
                name,
                &p1,
                x0.view(),
                &cfg,
                &ObjectiveMonitor::new(&p1),
                &mut Silent,
                &NamedOptions::default(),
            )
            .unwrap();
            assert_eq!(r.status, Status::Converged, "{name} λ₁");
        }
    }

    #[test]
    fn accelerator_options_run_on_a_finite_sum_and_the_inner_bound_is_certified() {
        use crate::catalyst::WarmStart;
        let p = SoftmaxSum::new(60, 0.02, 0.01);
        let x0 = Array1::zeros(4);
        let cfg = RunConfig::new(Stop::iterations(3000).with_target("rel_subopt_bound", 1e-11), p.len());
        for stop in [
            InnerStop::QNING_RELATIVE,
            InnerStop::RelativeSchedule,
            InnerStop::Absolute,
            InnerStop::Epochs(2),
        ] {
            for warm in [
                WarmStart::CenterProx,
                WarmStart::Extrapolated,
                WarmStart::Best,
                WarmStart::Previous,
            ] {
                for line_search in [false, true] {
                    let mut o = NamedOptions::default();
                    (o.qning.accel.inner_stop, o.qning.accel.warm_start, o.qning.line_search) =
                        (stop, warm, line_search);
                    (o.catalyst.accel.inner_stop, o.catalyst.accel.warm_start) = (stop, warm);
                    for name in ["qning-svrg", "catalyst-saga", "qning-miso", "qning-fista"] {
                        let (r, _) =
                            solve_finite_sum(name, &p, x0.view(), &cfg, &ObjectiveMonitor::new(&p), &mut Silent, &o)
                                .unwrap();
                        assert_eq!(r.status, Status::Converged, "{name} {stop:?} {warm:?} ls {line_search}");
                    }
                }
            }
        }
        // The subproblem's bound dist(0, ∂h)²/(2σ) is ≥ h(w) − h* (h* from a long run of the exact prox-gradient
        // step, which is a contraction here), and the prox-gradient step costs one full gradient.
        let mut sub = FiniteSumPoint::new(&p, 0.5);
        sub.set_center(Array1::from_elem(4, 0.3).view());
        let mut w = Array1::zeros(4);
        let mut work = Work::default();
        for _ in 0..3000 {
            w = sub.prox_gradient_step(w.view(), &mut work);
        }
        assert_eq!(work.full_gradients, 3000);
        let (h_star, gap_star) = sub.value_and_gap(w.view());
        assert!(gap_star < 1e-20, "{gap_star}");
        for k in 0..5 {
            let v = Array1::from_shape_fn(4, |j| w[j] + 0.2 * (k as f64 - 2.0) * (j as f64 - 1.5));
            let (h, gap) = sub.value_and_gap(v.view());
            assert!(
                h - h_star <= gap + 1e-14 && gap.is_finite(),
                "h − h* = {} > bound {gap}",
                h - h_star
            );
        }
    }

    /// n·d beyond the table limit, without data (nothing is evaluated before the check).
    struct Huge;
    impl gradus_oracle::Objective for Huge {
        fn dim(&self) -> usize {
            1 << 12
        }
        fn value(&self, _: ArrayView1<f64>) -> f64 {
            0.0
        }
        fn gradient(&self, _: ArrayView1<f64>, mut out: ndarray::ArrayViewMut1<f64>) {
            out.fill(0.0);
        }
        fn smoothness(&self) -> f64 {
            1.0
        }
        fn strong_convexity(&self) -> f64 {
            0.1
        }
    }
    impl FiniteSum for Huge {
        fn len(&self) -> usize {
            1 << 16
        }
        fn component_value(&self, _: usize, _: ArrayView1<f64>) -> f64 {
            0.0
        }
        fn component_gradient(&self, _: usize, _: ArrayView1<f64>, mut out: ndarray::ArrayViewMut1<f64>) {
            out.fill(0.0);
        }
        fn component_smoothness(&self, _: usize) -> f64 {
            1.0
        }
    }

    #[test]
    fn what_cannot_run_is_a_typed_error() {
        let x0 = Array1::zeros(1 << 12);
        let cfg = RunConfig::new(Stop::iterations(1), 1);
        let o = NamedOptions::default();
        let run = |name: &str, p: &dyn FiniteSum, x0: ArrayView1<f64>, o: &NamedOptions| {
            solve_finite_sum(name, p, x0, &cfg, &gradus_oracle::NoMetrics, &mut Silent, o)
        };
        for name in ["saga", "miso", "qning-saga", "catalyst-miso"] {
            let e = run(name, &Huge, x0.view(), &o);
            assert!(
                matches!(e, Err(QningError::MemoryLimit { n: 65536, d: 4096, .. })),
                "{name}: {e:?}"
            );
        }
        // μ = 0: plain MISO and the absolute rule's ε₀ have nothing to stand on.
        let p = SoftmaxSum::new(30, 0.0, 0.01);
        let x0 = Array1::zeros(4);
        assert!(matches!(
            run("miso", &p, x0.view(), &o),
            Err(QningError::Unsupported { solver: "miso", .. })
        ));
        let mut abs = NamedOptions::default();
        abs.qning.accel.inner_stop = InnerStop::Absolute;
        abs.catalyst.accel.inner_stop = InnerStop::Absolute;
        for name in ["qning-svrg", "catalyst-saga"] {
            let e = run(name, &p, x0.view(), &abs);
            assert!(matches!(e, Err(QningError::Unsupported { .. })), "{name}: {e:?}");
        }
        // With μ > 0 the same rule runs, on the certified bound.
        let q = SoftmaxSum::new(30, 0.05, 0.01);
        let cfg2 = RunConfig::new(Stop::iterations(2000).with_target("rel_subopt_bound", 1e-10), 30);
        let (r, _) = solve_finite_sum(
            "qning-svrg",
            &q,
            x0.view(),
            &cfg2,
            &ObjectiveMonitor::new(&q),
            &mut Silent,
            &abs,
        )
        .unwrap();
        assert_eq!(r.status, Status::Converged);
        // Constants no solver can use.
        let mut negative = SoftmaxSum::new(30, 0.05, 0.01);
        negative.regularizer = gradus_oracle::Regularizer::L2(-1.0);
        assert!(matches!(
            run("svrg", &negative, x0.view(), &o),
            Err(QningError::InvalidParameter {
                name: "regularizer l2",
                ..
            })
        ));
        // Bad starts and names.
        let bad = Array1::from_elem(4, f64::NAN);
        assert!(matches!(
            run("svrg", &p, bad.view(), &o),
            Err(QningError::BadStart { .. })
        ));
        let short = Array1::zeros(3);
        assert!(matches!(
            run("saga", &p, short.view(), &o),
            Err(QningError::BadStart { .. })
        ));
        assert!(matches!(
            run("qning-lbfgs", &p, x0.view(), &o),
            Err(QningError::UnknownSolver { .. })
        ));
        let mut bad_step = NamedOptions::default();
        bad_step.svrg.step_scale = 2.0;
        assert!(matches!(
            run("svrg", &p, x0.view(), &bad_step),
            Err(QningError::InvalidParameter { name: "step_scale", .. })
        ));
    }

    /// A finite sum whose values blow up away from 0 (f(w) = exp(50 w) − w per component): a long SVRG step
    /// overflows, and the run must end `Diverged` with a finite iterate, not return garbage.
    struct Blowup;
    impl gradus_oracle::Objective for Blowup {
        fn dim(&self) -> usize {
            1
        }
        fn value(&self, w: ArrayView1<f64>) -> f64 {
            (50.0 * w[0]).exp() - w[0]
        }
        fn gradient(&self, w: ArrayView1<f64>, mut out: ndarray::ArrayViewMut1<f64>) {
            out[0] = 50.0 * (50.0 * w[0]).exp() - 1.0;
        }
        fn smoothness(&self) -> f64 {
            1e-3 // a wrong (too small) constant: the steps are far too long
        }
        fn strong_convexity(&self) -> f64 {
            1e-4
        }
    }
    impl FiniteSum for Blowup {
        fn len(&self) -> usize {
            4
        }
        fn component_value(&self, _: usize, w: ArrayView1<f64>) -> f64 {
            gradus_oracle::Objective::value(self, w)
        }
        fn component_gradient(&self, _: usize, w: ArrayView1<f64>, out: ndarray::ArrayViewMut1<f64>) {
            gradus_oracle::Objective::gradient(self, w, out)
        }
        fn component_smoothness(&self, _: usize) -> f64 {
            1e-3
        }
    }

    #[test]
    fn a_blow_up_ends_diverged_with_a_finite_iterate() {
        let x0 = Array1::from_elem(1, 0.1);
        let cfg = RunConfig::new(Stop::iterations(50), 4);
        for name in ["svrg", "saga"] {
            let (r, _) = solve_finite_sum(
                name,
                &Blowup,
                x0.view(),
                &cfg,
                &ObjectiveMonitor::new(&Blowup),
                &mut Silent,
                &NamedOptions::default(),
            )
            .unwrap();
            assert!(r.status.is_diverged(), "{name}: {:?}", r.status);
            assert!(r.x.iter().all(|v| v.is_finite()), "{name}");
            assert!(
                Blowup.total_value(r.x.view()) <= Blowup.total_value(x0.view()),
                "{name}"
            );
        }
    }
}

//! Solvers by name (`svrg`, `qning-miso`, …) and the `auto` rule.
//!
//! `auto` (Cyanure's rule, extended for badly scaled rows):
//!
//! | condition | choice | why |
//! |---|---|---|
//! | n < 1000 | `qning-ista` | full gradients are cheap; quasi-Newton on the envelope converges in few passes |
//! | mean Lᵢ ≤ 0.9 max Lᵢ | `qning-svrg` (importance sampling) | uniform SAGA/MISO steps are limited by max Lᵢ and stall |
//! | λ₂ < L/(100 n) | `qning-miso` | ill-conditioned: acceleration pays |
//! | otherwise | `catalyst-miso` | well-conditioned: MISO with a light κ |

use gradus_oracle::{LinearModel, Monitor, Objective, Observer, Report, RunConfig};
use ndarray::ArrayView1;

use crate::catalyst::Catalyst;
use crate::catalyst::{CatalystParams, InnerFamily, default_kappa};
use crate::error::{QningError, Result};
use crate::guard::run_guarded;
use crate::ista::{Ista, IstaParams};
use crate::miso::{Miso, MisoParams};
use crate::proximal_point::{EpochMethod, InnerSolver, ProximalPoint};
use crate::qning::{Qning, QningParams};
use crate::saga::{Saga, SagaParams};
use crate::sampling::Sampling;
use crate::svrg::{Svrg, SvrgParams};

/// Every name [`solve_named`] accepts (`lbfgs` is gradus-classic's and handled by the CLI).
pub const SOLVER_NAMES: &[&str] = &[
    "ista",
    "fista",
    "svrg",
    "saga",
    "miso",
    "catalyst-ista",
    "catalyst-fista",
    "catalyst-svrg",
    "catalyst-saga",
    "catalyst-miso",
    "qning-ista",
    "qning-fista",
    "qning-svrg",
    "qning-saga",
    "qning-miso",
    "auto",
];

/// max Lᵢ / mean Lᵢ above which the rows count as badly scaled (the threshold of `gradus_data::diagnostics`).
pub const UNEVEN_ROWS_RATIO: f64 = 10.0;

/// The solvers offered for badly scaled rows (max Lᵢ / mean Lᵢ > [`UNEVEN_ROWS_RATIO`]): those whose steps follow
/// mean Lᵢ (SVRG, whose `Auto` sampling is then importance sampling, and the accelerators around it), and QNing
/// around ISTA, FISTA and SAGA. Not offered: the uniform-sampling incremental solvers alone or under Catalyst
/// (`saga`, `miso`, `catalyst-saga`, `catalyst-miso`), whose steps are limited by max Lᵢ, and `qning-miso`, whose
/// damping δ = nσ/(2 max Lᵢ) is; and the full-gradient solvers without quasi-Newton (`ista`, `fista`,
/// `catalyst-ista`, `catalyst-fista`), whose rate follows the conditioning of XᵀX/n. Tested on Fashion-MNIST
/// with 1 % of the rows scaled by 30 (`tests/robustness.rs`; the others stay above 1e-4 … 1e-9 after 500 passes there).
pub const UNEVEN_ROWS_SOLVERS: &[&str] = &[
    "svrg",
    "catalyst-svrg",
    "qning-svrg",
    "qning-ista",
    "qning-fista",
    "qning-saga",
    "auto",
];

/// max Lᵢ / mean Lᵢ of a model (1 when every row is zero).
pub fn row_spread(model: &LinearModel) -> f64 {
    let r = model.row_norms_sq();
    let max = r.fold(0.0f64, |m, &v| m.max(v));
    let mean = r.mean().unwrap_or(0.0);
    if mean > 0.0 { max / mean } else { 1.0 }
}

/// The solver names offered for a model: every name of [`SOLVER_NAMES`], or [`UNEVEN_ROWS_SOLVERS`] when the rows
/// are badly scaled (max Lᵢ / mean Lᵢ > [`UNEVEN_ROWS_RATIO`]). `auto` always picks one of them.
pub fn offered_for(model: &LinearModel) -> &'static [&'static str] {
    if row_spread(model) > UNEVEN_ROWS_RATIO {
        UNEVEN_ROWS_SOLVERS
    } else {
        SOLVER_NAMES
    }
}

/// The outer scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Accelerator {
    /// The inner solver alone.
    None,
    /// Catalyst.
    Catalyst,
    /// QNing.
    Qning,
}

/// The inner solver.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InnerKind {
    /// ISTA.
    Ista,
    /// FISTA.
    Fista,
    /// SVRG.
    Svrg,
    /// SAGA.
    Saga,
    /// MISO.
    Miso,
}

/// Parses a solver name other than `auto`.
pub fn parse(name: &str) -> Result<(Accelerator, InnerKind)> {
    let (acc, inner) = match name.split_once('-') {
        Some(("catalyst", i)) => (Accelerator::Catalyst, i),
        Some(("qning", i)) => (Accelerator::Qning, i),
        _ => (Accelerator::None, name),
    };
    let inner = match inner {
        "ista" => InnerKind::Ista,
        "fista" => InnerKind::Fista,
        "svrg" => InnerKind::Svrg,
        "saga" => InnerKind::Saga,
        "miso" => InnerKind::Miso,
        _ => {
            return Err(QningError::UnknownSolver {
                name: name.to_string(),
                known: SOLVER_NAMES.join(", "),
            });
        }
    };
    Ok((acc, inner))
}

/// The `auto` choice for a model, with the reason.
pub fn choose(model: &LinearModel) -> (&'static str, String) {
    let n = model.n();
    let c = model.loss().curvature_bound();
    let r = model.row_norms_sq();
    let l_max = c * r.fold(0.0f64, |m, &v| m.max(v));
    let l_mean = c * r.mean().unwrap_or(0.0);
    if n < 1000 {
        ("qning-ista", format!("n = {n} < 1000"))
    } else if l_mean <= 0.9 * l_max {
        (
            "qning-svrg",
            format!(
                "row norms spread: mean Lᵢ = {l_mean:.3e} <= 0.9 max Lᵢ = {:.3e} (importance sampling)",
                0.9 * l_max
            ),
        )
    } else if model.l2() < l_max / (100.0 * n as f64) {
        (
            "qning-miso",
            format!(
                "λ₂ = {:.3e} < L/(100n) = {:.3e}",
                model.l2(),
                l_max / (100.0 * n as f64)
            ),
        )
    } else {
        ("catalyst-miso", format!("λ₂ = {:.3e} >= L/(100n)", model.l2()))
    }
}

/// Options of [`solve_named`].
#[derive(Debug, Clone, Default)]
pub struct NamedOptions {
    /// SVRG's parameters (sampling, step, loopless, seed).
    pub svrg: SvrgParams,
    /// SAGA's parameters.
    pub saga: SagaParams,
    /// MISO's parameters.
    pub miso: MisoParams,
    /// QNing's parameters (κ, inner stopping, memory, line search).
    pub qning: QningParams,
    /// Catalyst's parameters.
    pub catalyst: CatalystParams,
    /// The seed of every stochastic inner solver (overrides theirs).
    pub seed: u64,
    /// Passes charged to the work for each evaluation of the monitor (0, the default: the monitor is an observer,
    /// as in [`gradus_oracle::run`]; `gradus fit`, which stops on the certified duality gap, charges
    /// [`crate::DualityGapMonitor::passes_per_check`]). See [`crate::guard`].
    pub check_passes: u64,
}

/// Builds an inner solver on the subproblem with smoothing κ.
pub fn build_inner<'a>(
    kind: InnerKind,
    model: &'a LinearModel,
    kappa: f64,
    x0: ArrayView1<f64>,
    options: &NamedOptions,
) -> Result<Box<dyn InnerSolver<'a> + 'a>> {
    let sub = ProximalPoint::new(model, kappa);
    Ok(match kind {
        InnerKind::Ista => Box::new(Ista::new(sub, x0, &IstaParams::ista())?),
        InnerKind::Fista => Box::new(Ista::new(sub, x0, &IstaParams::fista())?),
        InnerKind::Svrg => Box::new(Svrg::new(sub, x0, &options.svrg.clone().seed(options.seed))?),
        InnerKind::Saga => Box::new(Saga::new(sub, x0, &options.saga.clone().seed(options.seed))?),
        InnerKind::Miso => Box::new(Miso::new(sub, x0, &options.miso.clone().seed(options.seed))?),
    })
}

/// The κ an accelerator uses with this inner solver (the explicit one if given).
pub fn kappa_for(model: &LinearModel, kind: InnerKind, explicit: Option<f64>, options: &NamedOptions) -> f64 {
    if let Some(k) = explicit {
        return k;
    }
    let family = match kind {
        InnerKind::Ista | InnerKind::Fista => InnerFamily::FullGradient,
        InnerKind::Svrg => {
            let c = model.loss().curvature_bound();
            let r = model.row_norms_sq();
            let l_max = c * r.fold(0.0f64, |m, &v| m.max(v));
            let l_mean = c * r.mean().unwrap_or(0.0);
            InnerFamily::Incremental {
                importance: options.svrg.sampling.resolve(l_max, l_mean) == Sampling::Importance,
            }
        }
        _ => InnerFamily::Incremental { importance: false },
    };
    default_kappa(model, family)
}

/// Solves `model` from x0 with the named solver; returns the report and the solver actually run (what `auto`
/// picked, with its reason).
pub fn solve_named(
    name: &str,
    model: &LinearModel,
    x0: ArrayView1<f64>,
    config: &RunConfig,
    monitor: &dyn Monitor,
    observer: &mut dyn Observer,
    options: &NamedOptions,
) -> Result<(Report, String)> {
    let (resolved, note) = if name == "auto" {
        let (n, why) = choose(model);
        (n, format!("auto picked {n}: {why}"))
    } else {
        (name, String::new())
    };
    let (acc, kind) = parse(resolved)?;
    if model.dim() != x0.len() {
        return Err(QningError::BadStart {
            solver: "solve_named",
            reason: format!("length {} but the problem has dimension {}", x0.len(), model.dim()),
        });
    }
    let checks = options.check_passes;
    let report = match acc {
        Accelerator::None => {
            let mut inner = build_inner(kind, model, 0.0, x0, options)?;
            run_guarded(
                &mut EpochMethod { inner: &mut *inner },
                monitor,
                config,
                observer,
                checks,
            )?
        }
        Accelerator::Catalyst => {
            let kappa = kappa_for(model, kind, options.catalyst.accel.kappa, options);
            let inner = build_inner(kind, model, kappa, x0, options)?;
            let mut c = Catalyst::new(inner, x0, &options.catalyst)?;
            run_guarded(&mut c, monitor, config, observer, checks)?
        }
        Accelerator::Qning => {
            let kappa = kappa_for(model, kind, options.qning.accel.kappa, options);
            let inner = build_inner(kind, model, kappa, x0, options)?;
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
    use crate::test_support::*;
    use gradus_oracle::{Loss, Silent, Status, Stop};
    use ndarray::Array1;

    #[test]
    fn every_named_solver_reaches_a_certified_optimum() {
        for sparse in [false, true] {
            for (loss, l2, l1) in [
                (Loss::Logistic, 0.01, 0.0),
                (Loss::Squared, 0.005, 0.02),
                (Loss::SquaredHinge, 0.01, 0.0),
            ] {
                let m = small_model(loss, sparse, l2, l1);
                let xs = reference_solution(&m);
                for name in SOLVER_NAMES {
                    let x0 = Array1::zeros(m.dim());
                    let cfg = RunConfig::new(Stop::iterations(20_000).with_target("rel_gap", 1e-11), m.n());
                    let (r, used) = solve_named(
                        name,
                        &m,
                        x0.view(),
                        &cfg,
                        &DualityGapMonitor::new(&m),
                        &mut Silent,
                        &NamedOptions::default(),
                    )
                    .unwrap();
                    assert_eq!(r.status, Status::Converged, "{name} {loss:?} sparse {sparse}");
                    assert!((&r.x - &xs).iter().all(|e| e.abs() < 1e-4), "{name}");
                    if *name == "auto" {
                        assert!(used.starts_with("auto picked qning-ista"), "{used}");
                    }
                }
            }
        }
    }

    #[test]
    fn accelerator_options_converge_and_bad_values_are_typed_errors() {
        let m = small_model(Loss::Logistic, true, 0.001, 0.005);
        let cfg = RunConfig::new(Stop::iterations(5000).with_target("rel_gap", 1e-10), m.n());
        let x0 = Array1::zeros(m.dim());
        for stop in [
            InnerStop::Relative(1.0 / 36.0),
            InnerStop::Absolute,
            InnerStop::Epochs(2),
        ] {
            for line_search in [false, true] {
                let mut o = NamedOptions::default();
                o.qning.accel.inner_stop = stop;
                o.qning.line_search = line_search;
                o.qning.pair_rule = crate::qning::PairRule::Strict;
                o.catalyst.accel.inner_stop = stop;
                for name in ["qning-svrg", "catalyst-saga", "qning-miso"] {
                    let (r, _) =
                        solve_named(name, &m, x0.view(), &cfg, &DualityGapMonitor::new(&m), &mut Silent, &o).unwrap();
                    assert_eq!(r.status, Status::Converged, "{name} {stop:?} ls {line_search}");
                }
            }
        }
        // `name` on `m` from `start` with options `o`.
        let solve = |name: &str, start: ArrayView1<f64>, o: &NamedOptions| {
            solve_named(name, &m, start, &cfg, &DualityGapMonitor::new(&m), &mut Silent, o)
        };
        let mut o = NamedOptions::default();
        o.qning.memory = 0;
        let e = solve("qning-svrg", x0.view(), &o);
        assert!(matches!(e, Err(QningError::InvalidParameter { name: "memory", .. })));
        let mut o = NamedOptions::default();
        o.catalyst.accel.kappa = Some(-1.0);
        let e = solve("catalyst-svrg", x0.view(), &o);
        assert!(matches!(e, Err(QningError::InvalidParameter { name: "kappa", .. })));
        assert!(matches!(parse("qning-bfgs"), Err(QningError::UnknownSolver { .. })));
        let bad = Array1::from_elem(m.dim(), f64::NAN);
        assert!(solve("svrg", bad.view(), &NamedOptions::default()).is_err());
        // Plain MISO needs λ₂ > 0; the accelerated one does not.
        let lasso = small_model(Loss::Squared, false, 0.0, 0.05);
        let e = solve_named(
            "miso",
            &lasso,
            x0.view(),
            &cfg,
            &DualityGapMonitor::new(&lasso),
            &mut Silent,
            &NamedOptions::default(),
        );
        assert!(matches!(e, Err(QningError::Unsupported { .. })));
        let (r, _) = solve_named(
            "qning-miso",
            &lasso,
            x0.view(),
            &cfg,
            &DualityGapMonitor::new(&lasso),
            &mut Silent,
            &NamedOptions::default(),
        )
        .unwrap();
        assert_eq!(r.status, Status::Converged);
    }

    #[test]
    fn every_warm_start_converges_and_pays_for_its_passes() {
        use crate::catalyst::WarmStart;
        // Elastic net (λ₁ > 0: options 1 and 2 take their prox-gradient step) and ridge logistic.
        for (loss, l2, l1) in [(Loss::Squared, 0.005, 0.02), (Loss::Logistic, 0.01, 0.0)] {
            let m = small_model(loss, true, l2, l1);
            let x0 = Array1::zeros(m.dim());
            let cfg = RunConfig::new(Stop::iterations(5000).with_target("rel_gap", 1e-10), m.n());
            let mut full_gradients = Vec::new();
            for warm in [
                WarmStart::Center,
                WarmStart::CenterProx,
                WarmStart::Previous,
                WarmStart::Extrapolated,
                WarmStart::Best,
            ] {
                let mut o = NamedOptions::default();
                o.qning.accel.warm_start = warm;
                o.catalyst.accel.warm_start = warm;
                for name in ["qning-svrg", "catalyst-saga", "qning-ista"] {
                    let (r, _) =
                        solve_named(name, &m, x0.view(), &cfg, &DualityGapMonitor::new(&m), &mut Silent, &o).unwrap();
                    assert_eq!(r.status, Status::Converged, "{name} {warm:?} {loss:?}");
                    if name == "catalyst-saga" {
                        full_gradients.push((warm, r.work.full_gradients, r.iterations));
                    }
                }
            }
            // Catalyst-SAGA: one full gradient for its table, plus one per outer iteration for the prox step of
            // option 2 (always) and of option 1 (with λ₁), plus, once, the passes of the estimate of L that the
            // step's η needs.
            let l_passes = gradus_oracle::Objective::smoothness_passes(&m);
            assert!(l_passes >= 1);
            for (warm, fg, iterations) in full_gradients {
                let steps = match warm {
                    WarmStart::CenterProx => iterations + l_passes,
                    WarmStart::Extrapolated if l1 > 0.0 => iterations - 1 + l_passes,
                    _ => 0,
                };
                assert_eq!(fg, 1 + steps, "{warm:?} {loss:?}");
            }
        }
    }

    #[test]
    fn auto_steers_badly_scaled_rows_to_importance_sampling() {
        use gradus_oracle::Design;
        let n = 2000;
        let x = ndarray::Array2::from_shape_fn((n, 4), |(i, j)| {
            let s = if i % 50 == 0 { 30.0 } else { 1.0 };
            s * ((((i * 7 + j * 13) % 23) as f64) / 11.0 - 1.0)
        });
        let y = Array1::from_shape_fn(n, |i| if (i * 3) % 7 < 3 { 1.0 } else { -1.0 });
        let m = LinearModel::new(Design::dense(x).unwrap(), y, Loss::Logistic, 1e-4, 0.0).unwrap();
        assert_eq!(choose(&m).0, "qning-svrg");
        let cfg = RunConfig::new(Stop::iterations(2000).with_target("rel_gap", 1e-10), n);
        let (r, used) = solve_named(
            "auto",
            &m,
            Array1::zeros(4).view(),
            &cfg,
            &DualityGapMonitor::new(&m),
            &mut Silent,
            &NamedOptions::default(),
        )
        .unwrap();
        assert_eq!(r.status, Status::Converged, "{used}");
    }

    /// Shuffle-once runs (`Sampling::Cyclic` on rows shuffled once) of every incremental solver and of an
    /// accelerator around one give the same bits on 1 and 2 threads, and again with the same seed, on data with
    /// several parallel chunks (the snapshot and the gap checks run in parallel).
    #[test]
    fn shuffle_once_runs_give_the_same_bits_on_one_and_two_threads() {
        use gradus_data::generate::{correlated_gaussian_logistic, sparse_bag_of_words};
        use gradus_oracle::Design;
        let (x, y) = correlated_gaussian_logistic(5000, 20, 1);
        let (csr, ys) = sparse_bag_of_words(20_000, 500, 0.02, 1).unwrap();
        for (design, y) in [(Design::dense(x).unwrap(), y), (Design::sparse(csr).unwrap(), ys)] {
            let mut m = LinearModel::new(design, y, Loss::Logistic, 1e-3, 1e-4).unwrap();
            assert!(m.design().chunks().len() > 1);
            m.shuffle_rows(5);
            let mut o = NamedOptions {
                seed: 2,
                ..NamedOptions::default()
            };
            o.svrg.sampling = Sampling::Cyclic;
            o.saga.sampling = Sampling::Cyclic;
            o.miso.sampling = Sampling::Cyclic;
            let cfg = RunConfig::new(Stop::iterations(4), m.n());
            let run = |threads: usize, name: &str| {
                let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
                pool.install(|| {
                    let x0 = Array1::zeros(m.dim());
                    let (r, _) =
                        solve_named(name, &m, x0.view(), &cfg, &DualityGapMonitor::new(&m), &mut Silent, &o).unwrap();
                    r.x
                })
            };
            for name in ["svrg", "saga", "miso", "qning-svrg"] {
                let one = run(1, name);
                assert_eq!(one, run(2, name), "{name}");
                assert_eq!(one, run(1, name), "{name}");
            }
        }
    }
}

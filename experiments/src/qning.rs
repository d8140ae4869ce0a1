//! Experiment `qning`: SVRG, Catalyst-SVRG and QNing-SVRG (Q1), elastic-net sparsity (Q2), the ISTA family (Q4),
//! κ/memory ablations (Q5) and index-free SVRG, following Lin, Mairal & Harchaoui (SIAM J. Optim. 2019) and
//! `shared/papers/seg-qning-noise.md` §2.5.
//!
//! Data (a): Fashion-MNIST as a binary problem (classes 0–4 vs 5–9), pixels in [0, 1], rows L2-normalized,
//! n = 60000 (quick: the first 10000), d = 784. Full mode adds (b) the correlated-Gaussian data (100000 × 200,
//! rows normalized) for Q1; Q3 (lasso, μ = 0, λ₁ = 10/n) runs on (c) sparse bag-of-words data (n = 50000, quick
//! 5000; d = 20000 at 0.2 %). μ = λ₂ ∈ {1/(10n), 1/(100n)}; λ₁ = 10/n for the elastic net. x: passes (gradient
//! evaluations: full gradients + component gradients / n) and seconds; y: (F − F*)/F*, with F* certified by a
//! duality gap ≤ 1e-13 (L-BFGS to ‖∇F‖ ≤ 1e-11, or Newton, for smooth problems; a long QNing-SVRG run for the
//! elastic net).

use gradus_classic::{LbfgsParams, certify_optimum};
use gradus_data::fashion_mnist::{FashionMnist, Split};
use gradus_data::generate::{correlated_gaussian_logistic, sparse_bag_of_words};
use gradus_data::preprocess::normalize_rows;
use gradus_oracle::{Design, LinearModel, Loss, Objective, ObjectiveMonitor, Report, RunConfig, Silent, Stop};
use gradus_qning::index_free_svrg::{IndexFreeSvrgParams, ShuffledComponents};
use gradus_qning::{DualityGapMonitor, InnerStop, NamedOptions, QningError, WarmStart, duality_gap, solve_named};
use ndarray::Array1;

use crate::error::ExpError;
use crate::harness::{Claim, Ctx, Outcome};
use crate::plot::{Curve, Figure, Legend, LongTable, convergence_figures, save};
use crate::util::progress;

const TARGET: f64 = 1e-8;
const CERTIFICATE: f64 = 1e-13;

fn qerr(e: QningError) -> ExpError {
    ExpError::Other(e.to_string())
}

/// Runs the experiment.
pub fn run(ctx: &Ctx) -> Result<Outcome, ExpError> {
    let n_fm = if ctx.quick { 10_000 } else { 60_000 };
    let (x, y) = match FashionMnist::load_binary(Split::Train, n_fm) {
        Ok(d) => d,
        Err(e) => {
            return Ok(Outcome::Skipped {
                reason: format!(
                    "Fashion-MNIST not found ({e}); install it with `{}`",
                    FashionMnist::INSTALL_HINT
                ),
            });
        }
    };
    let mut design = Design::dense(x)?;
    normalize_rows(&mut design);
    let n = design.nrows();
    let mut claims = Vec::new();
    let mut figures = Vec::new();
    let mut notes = vec![format!(
        "Fashion-MNIST binary: n = {n}, d = {}, rows L2-normalized",
        design.ncols()
    )];

    // Wall-clock time of each part, reported in the notes (the default size takes long; this shows where).
    let mut clock = std::time::Instant::now();
    let mut lap = |what: &str, notes: &mut Vec<String>| {
        notes.push(format!("time: {what} took {:.1} s", clock.elapsed().as_secs_f64()));
        clock = std::time::Instant::now();
    };

    // Q1 on Fashion-MNIST, both μ.
    let mut ratios = (f64::NAN, f64::NAN);
    let mut certified_mu10 = None;
    for (k, rel) in [10.0, 100.0].into_iter().enumerate() {
        let model = LinearModel::new(design.clone(), y.clone(), Loss::Logistic, 1.0 / (rel * n as f64), 0.0)?;
        let budget = Budget {
            min: 100.0,
            factor: 2.2,
            record_every: 2,
        };
        let (res, cert) = compare(
            ctx,
            &model,
            &format!("fmnist_logistic_mu_1_{rel:.0}n"),
            &format!("Fashion-MNIST logistic, μ = 1/({rel:.0}n)"),
            &["svrg", "catalyst-svrg", "qning-svrg"],
            budget,
            None,
            &mut figures,
            &mut notes,
        )?;
        if k == 0 {
            certified_mu10 = Some(cert);
        }
        if k == 1 {
            ratios = (res[2] / res[0], res[2] / res[1]);
        }
    }
    claims.push(Claim::at_most(
        "qning.Q1.qning_svrg_vs_svrg_passes",
        "passes to relative suboptimality 1e-8 of QNing-SVRG / of SVRG on Fashion-MNIST logistic, μ = 1/(100n), \
         is <= 0.5 (issue 4; the paper: QNing-SVRG ≫ SVRG, larger gains at small μ). SVRG's budget is \
         max(100, 2.2 × QNing-SVRG's passes); if SVRG does not reach 1e-8 within it, its budget is used and the \
         value is an upper bound on the ratio",
        ratios.0,
        0.5,
        true,
    ));
    claims.push(Claim::at_most(
        "qning.Q1.qning_vs_catalyst_passes",
        "passes to 1e-8 of QNing-SVRG / of Catalyst-SVRG, Fashion-MNIST logistic μ = 1/(100n), <= 1.1 \
         (empirical comparison: the paper reports QNing-SVRG >= Catalyst-SVRG)",
        ratios.1,
        1.1,
        false,
    ));

    lap("Q1 on Fashion-MNIST (both μ, with F* certificates)", &mut notes);

    // Q2: elastic net (squared loss) and exact sparsity.
    let l1 = 10.0 / n as f64;
    let model = LinearModel::new(design.clone(), y.clone(), Loss::Squared, 1.0 / (10.0 * n as f64), l1)?;
    let (x_ref, f_ref, gap_ref) = certify_composite(&model)?;
    notes.push(format!(
        "Q2 elastic net μ = 1/(10n), λ₁ = 10/n: F* = {f_ref:.15e} certified by QNing-SVRG, relative gap {gap_ref:.2e}, \
         support {} of {}",
        x_ref.iter().filter(|v| **v != 0.0).count(),
        x_ref.len()
    ));
    let budget = Budget {
        min: 100.0,
        factor: 1.5,
        record_every: 2,
    };
    let (reports, _) = run_all(
        &model,
        f_ref,
        &["svrg", "catalyst-svrg", "qning-svrg"],
        budget,
        1e-10,
        ctx.seed,
    )?;
    plot(
        ctx,
        &model,
        &reports,
        &["svrg", "catalyst-svrg", "qning-svrg"],
        "fmnist_elasticnet",
        "Fashion-MNIST elastic net, μ = 1/(10n), λ₁ = 10/n",
        &mut figures,
    )?;
    // Support at the curves' target (1e-10): reported, not claimed — a prox method identifies the support only
    // once its error is below the smallest dual slack of the zero coordinates, so a coordinate can still be
    // leaving the support there (2 of 784 in the full run at 4.6e-11).
    let support_mismatch = |out: &Array1<f64>| {
        out.iter()
            .zip(x_ref.iter())
            .filter(|(a, b)| (**a == 0.0) != (**b == 0.0))
            .count()
    };
    let out = &reports[2].x;
    notes.push(format!(
        "Q2: QNing-SVRG at the curves' target ({} after {:.1} passes, rel. subopt {:.2e}) has {} nonzeros; {} \
         coordinates differ in support from the certified solution",
        reports[2].status.name(),
        reports[2].work.passes(n),
        reports[2].trace.last_value("rel_subopt").unwrap_or(f64::NAN),
        out.iter().filter(|v| **v != 0.0).count(),
        support_mismatch(out)
    ));
    // The claim: QNing-SVRG stopped as `gradus fit` stops it, on its own certified relative duality gap (1e-12),
    // with the experiment's seed (the reference used another seed).
    let cfg = RunConfig::new(Stop::iterations(5000).with_target("rel_gap", 1e-12), n).record_every(5);
    let opts = NamedOptions {
        seed: ctx.seed,
        ..NamedOptions::default()
    };
    let mon = DualityGapMonitor::new(&model);
    let (fit, _) = solve_named(
        "qning-svrg",
        &model,
        Array1::zeros(model.dim()).view(),
        &cfg,
        &mon,
        &mut Silent,
        &opts,
    )
    .map_err(qerr)?;
    let mismatched = support_mismatch(&fit.x);
    notes.push(format!(
        "Q2 claim run: QNing-SVRG to a relative duality gap ≤ 1e-12 ({} after {:.1} passes): {} nonzeros, {} \
         coordinates differ in support from the certified solution",
        fit.status.name(),
        fit.work.passes(n),
        fit.x.iter().filter(|v| **v != 0.0).count(),
        mismatched
    ));
    claims.push(Claim::at_most(
        "qning.Q2.exact_sparsity",
        "the support of QNing-SVRG's elastic-net output, run until its certified relative duality gap is <= 1e-12 \
         (the stopping rule of `gradus fit`), equals the support of the reference solution (certified at 1e-13, \
         another seed), with exact zeros: the number of mismatched coordinates is 0",
        mismatched as f64,
        0.0,
        true,
    ));

    lap("Q2 (elastic net, certificate and three solvers)", &mut notes);

    // Q4: the ISTA family, logistic μ = 1/(10n).
    let model = LinearModel::new(design.clone(), y.clone(), Loss::Logistic, 1.0 / (10.0 * n as f64), 0.0)?;
    let budget = Budget {
        min: 100.0,
        factor: 5.5,
        record_every: 5,
    };
    let (res, _) = compare(
        ctx,
        &model,
        "fmnist_ista_family",
        "Fashion-MNIST logistic, μ = 1/(10n): ISTA family",
        &["ista", "fista", "qning-ista"],
        budget,
        certified_mu10,
        &mut figures,
        &mut notes,
    )?;
    claims.push(Claim::at_most(
        "qning.Q4.qning_ista_vs_ista_passes",
        "passes to 1e-8 of QNing-ISTA / of ISTA on Fashion-MNIST logistic, μ = 1/(10n), is <= 0.2 (the paper: \
         QNing-ISTA ≫ ISTA). ISTA's budget is max(100, 5.5 × QNing-ISTA's passes); if ISTA does not reach \
         1e-8 within it, its budget is used and the value is an upper bound on the ratio",
        res[2] / res[0],
        0.2,
        true,
    ));

    lap("Q4 (ISTA, FISTA, QNing-ISTA)", &mut notes);

    // Q5: κ and memory ablations for QNing-SVRG (μ = 1/(100n)).
    ablations(ctx, &design, &y, &mut figures, &mut notes)?;
    lap("Q5 (ablations)", &mut notes);

    // Full mode: Q1 on the correlated-Gaussian data too.
    if !ctx.quick {
        let (xg, yg) = correlated_gaussian_logistic(100_000, 200, ctx.seed);
        let mut dg = Design::dense(xg)?;
        normalize_rows(&mut dg);
        let ng = dg.nrows();
        let model = LinearModel::new(dg, yg, Loss::Logistic, 1.0 / (100.0 * ng as f64), 0.0)?;
        compare(
            ctx,
            &model,
            "gaussian_logistic_mu_1_100n",
            "Correlated Gaussian 100000 × 200 logistic, μ = 1/(100n)",
            &["svrg", "catalyst-svrg", "qning-svrg"],
            Budget {
                min: 100.0,
                factor: 2.2,
                record_every: 2,
            },
            None,
            &mut figures,
            &mut notes,
        )?;
        lap("Q1 on the correlated-Gaussian data", &mut notes);
    }

    // Q3: lasso on sparse bag-of-words data.
    lasso(ctx, &mut figures, &mut notes)?;
    lap("Q3 (lasso)", &mut notes);

    claims.push(index_free(ctx, &mut notes)?);
    Ok(Outcome::Done { claims, figures, notes })
}

/// F* of a smooth model with its relative duality gap: L-BFGS (m = 10) to ‖∇F‖ ≤ 1e-11, which gives a relative
/// gap far below 1e-13 here; Newton's method when L-BFGS stops short of that.
fn certify_smooth(model: &LinearModel) -> Result<(f64, f64), ExpError> {
    let x0 = Array1::zeros(model.dim());
    let cfg = RunConfig::new(Stop::iterations(20_000), model.n()).record_every(u64::MAX);
    let r = LbfgsParams::new().gradient_tolerance(1e-11).solve(
        model,
        x0.view(),
        &cfg,
        &gradus_oracle::NoMetrics,
        &mut Silent,
    )?;
    let (p, gap) = duality_gap(model, r.x.view());
    if gap / p <= CERTIFICATE {
        return Ok((p, gap / p));
    }
    let opt = certify_optimum(model, 1e-12)?;
    let (p, gap) = duality_gap(model, opt.x.view());
    Ok((p, gap / p))
}

/// x*, F* and the relative gap of a composite model, from a long QNing-SVRG run stopped at relative gap 1e-13 or
/// after 400 passes (the lasso's gap levels off near 2.5e-13 in the full run; running on for 5000 outer iterations
/// cost 12 minutes there and gained nothing). The gap reached is reported with F*.
fn certify_composite(model: &LinearModel) -> Result<(Array1<f64>, f64, f64), ExpError> {
    let stop = Stop::iterations(5000)
        .with_max_passes(400.0)
        .with_target("rel_gap", CERTIFICATE);
    let cfg = RunConfig::new(stop, model.n()).record_every(5);
    let x0 = Array1::zeros(model.dim());
    let mon = DualityGapMonitor::new(model);
    let opts = NamedOptions {
        seed: 12345,
        ..NamedOptions::default()
    };
    let (r, _) = solve_named("qning-svrg", model, x0.view(), &cfg, &mon, &mut Silent, &opts).map_err(qerr)?;
    let (p, gap) = duality_gap(model, r.x.view());
    Ok((r.x, p, gap / p))
}

/// Runs every solver to `target` (rel_subopt) or `budget` passes.
fn run_all(
    model: &LinearModel,
    f_star: f64,
    solvers: &[&str],
    budget: Budget,
    target: f64,
    seed: u64,
) -> Result<(Vec<Report>, Vec<f64>), ExpError> {
    let n = model.n();
    let mon = DualityGapMonitor::new(model).with_optimum(f_star);
    let x0 = Array1::zeros(model.dim());
    let opts = NamedOptions {
        seed,
        ..NamedOptions::default()
    };
    let mut reports: Vec<Option<Report>> = solvers.iter().map(|_| None).collect();
    let mut passes = vec![f64::NAN; solvers.len()];
    let mut limit = 4.0 * budget.min;
    // The last solver first: its passes set the baselines' budget.
    for k in std::iter::once(solvers.len() - 1).chain(0..solvers.len() - 1) {
        let cfg = RunConfig::new(
            Stop::iterations(u64::MAX)
                .with_max_passes(limit)
                .with_target("rel_subopt", target),
            n,
        )
        .record_every(if k == solvers.len() - 1 { 1 } else { budget.record_every });
        let (r, _) = solve_named(solvers[k], model, x0.view(), &cfg, &mon, &mut Silent, &opts).map_err(qerr)?;
        let reached = r.trace.first_below("rel_subopt", target).map(|row| row.work.passes(n));
        passes[k] = reached.unwrap_or(limit.max(r.work.passes(n)));
        if k == solvers.len() - 1 {
            limit = budget.min.max(budget.factor * reached.unwrap_or(budget.min));
        }
        reports[k] = Some(r);
    }
    Ok((
        reports.into_iter().map(|r| r.expect("every solver ran")).collect(),
        passes,
    ))
}

fn plot(
    ctx: &Ctx,
    model: &LinearModel,
    reports: &[Report],
    solvers: &[&str],
    stem: &str,
    title: &str,
    figures: &mut Vec<String>,
) -> Result<(), ExpError> {
    let runs: Vec<(&str, &Report)> = solvers.iter().copied().zip(reports).collect();
    figures.extend(convergence_figures(&ctx.dir, stem, title, &runs, model.n(), 1000)?);
    Ok(())
}

/// Certifies F*, runs the solvers, plots, and returns each solver's passes to 1e-8.
#[allow(clippy::too_many_arguments)]
fn compare(
    ctx: &Ctx,
    model: &LinearModel,
    stem: &str,
    title: &str,
    solvers: &[&str],
    budget: Budget,
    certified: Option<(f64, f64)>,
    figures: &mut Vec<String>,
    notes: &mut Vec<String>,
) -> Result<(Vec<f64>, (f64, f64)), ExpError> {
    let bar = progress(solvers.len() as u64 + 1, stem);
    let t0 = std::time::Instant::now();
    let (f_star, rel_gap) = match certified {
        Some(c) => c,
        None => certify_smooth(model)?,
    };
    bar.inc(1);
    notes.push(format!(
        "{title}: F* = {f_star:.15e} (L-BFGS/Newton, certified by a relative duality gap of {rel_gap:.2e}; {:.1} s)",
        t0.elapsed().as_secs_f64()
    ));
    let (reports, passes) = run_all(model, f_star, solvers, budget, TARGET, ctx.seed)?;
    bar.finish_and_clear();
    for ((s, r), p) in solvers.iter().zip(&reports).zip(&passes) {
        notes.push(format!(
            "{title}: {s} {} — {:.1} passes to 1e-8 (budget {:.0} passes), {:.2} s, final rel. subopt {:.2e}",
            r.status.name(),
            p,
            r.trace
                .rows
                .last()
                .map_or(0.0, |row| row.work.passes(model.n()))
                .max(*p),
            r.seconds,
            r.trace.last_value("rel_subopt").unwrap_or(f64::NAN)
        ));
    }
    plot(ctx, model, &reports, solvers, stem, title, figures)?;
    Ok((passes, (f_star, rel_gap)))
}

/// The pass budget of the baselines: at least `min`, and at least `factor` × the passes the last solver (the
/// accelerated one, run first) needed, so that "the baseline did not reach 1e-8 within its budget" bounds the
/// ratio by 1/factor.
/// Q3: lasso (squared loss, μ = 0, λ₁ = 10/n) on sparse bag-of-words data, d = 20000 at 0.2 % density, n = 50000
/// (quick: 5000); SVRG, Catalyst-SVRG and QNing-SVRG to 1e-8 against F* certified by a relative gap ≤ 1e-13.
/// Reported as a figure and a note, not a claim (the paper only says "QNing still helps").
fn lasso(ctx: &Ctx, figures: &mut Vec<String>, notes: &mut Vec<String>) -> Result<(), ExpError> {
    let n = if ctx.quick { 5_000 } else { 50_000 };
    let (csr, y) = sparse_bag_of_words(n, 20_000, 0.002, ctx.seed)?;
    let model = LinearModel::new(Design::sparse(csr)?, y, Loss::Squared, 0.0, 10.0 / n as f64)?;
    let (x_ref, f_ref, gap_ref) = certify_composite(&model)?;
    let solvers = ["svrg", "catalyst-svrg", "qning-svrg"];
    let budget = Budget {
        min: 100.0,
        factor: 2.2,
        record_every: 1,
    };
    let (reports, passes) = run_all(&model, f_ref, &solvers, budget, TARGET, ctx.seed)?;
    plot(
        ctx,
        &model,
        &reports,
        &solvers,
        "bow_lasso",
        &format!("Bag-of-words lasso, n = {n}, d = 20000 (0.2 %), λ₁ = 10/n"),
        figures,
    )?;
    notes.push(format!(
        "Q3 lasso (bag-of-words n = {n}, d = 20000, 0.2 %, μ = 0, λ₁ = 10/n): F* = {f_ref:.15e} (relative gap \
         {gap_ref:.2e}, support {} of 20000); passes to 1e-8: SVRG {:.0}, Catalyst-SVRG {:.0}, QNing-SVRG {:.0} \
         (a budget value means not reached)",
        x_ref.iter().filter(|v| **v != 0.0).count(),
        passes[0],
        passes[1],
        passes[2]
    ));
    Ok(())
}

#[derive(Debug, Clone, Copy)]
struct Budget {
    min: f64,
    factor: f64,
    record_every: u64,
}

fn ablations(
    ctx: &Ctx,
    design: &Design,
    y: &Array1<f64>,
    figures: &mut Vec<String>,
    notes: &mut Vec<String>,
) -> Result<(), ExpError> {
    let sub = if ctx.quick { 5000 } else { 10_000 };
    let (x, _) = match design {
        Design::Dense(a) => (a.slice(ndarray::s![..sub, ..]).to_owned(), ()),
        Design::Sparse(_) => return Ok(()),
    };
    let ys = y.slice(ndarray::s![..sub]).to_owned();
    let n = sub;
    let model = LinearModel::new(Design::dense(x)?, ys, Loss::Logistic, 1.0 / (100.0 * n as f64), 0.0)?;
    let (f_star, _) = certify_smooth(&model)?;
    let base = gradus_qning::default_kappa(
        &model,
        gradus_qning::catalyst::InnerFamily::Incremental { importance: false },
    );
    let mon = DualityGapMonitor::new(&model).with_optimum(f_star);
    let cfg = RunConfig::new(
        Stop::iterations(u64::MAX)
            .with_max_passes(150.0)
            .with_target("rel_subopt", TARGET),
        n,
    );
    let x0 = Array1::zeros(model.dim());
    let mut fig = Figure::log_y(
        &format!("QNing-SVRG ablation, Fashion-MNIST subset n = {n}, μ = 1/(100n)"),
        "passes over the data",
        "relative suboptimality",
    );
    fig.legend = Legend::Outside; // ten curves: inside, the legend covers some of them
    let mut table = LongTable::new(&["passes", "rel_subopt"]);
    let mut results = Vec::new();
    // κ and memory l, then the warm start (spec options 2 and 0) and the inner stopping rule, each varied alone
    // around the defaults (κ, l = 10, one pass, warm start at the centre).
    let center = WarmStart::Center;
    for (label, kappa, memory, warm, inner_stop) in [
        ("κ/10, l=10", base / 10.0, 10, center, InnerStop::OnePass),
        ("κ, l=10", base, 10, center, InnerStop::OnePass),
        ("10κ, l=10", base * 10.0, 10, center, InnerStop::OnePass),
        ("100κ, l=10", base * 100.0, 10, center, InnerStop::OnePass),
        ("κ, l=2", base, 2, center, InnerStop::OnePass),
        ("κ, l=50", base, 50, center, InnerStop::OnePass),
        ("warm start x_{k-1}", base, 10, WarmStart::Previous, InnerStop::OnePass),
        ("2 inner epochs", base, 10, center, InnerStop::Epochs(2)),
        (
            "relative stop δ=1/36",
            base,
            10,
            center,
            InnerStop::Relative(1.0 / 36.0),
        ),
        ("absolute stop", base, 10, center, InnerStop::Absolute),
    ] {
        let mut o = NamedOptions {
            seed: ctx.seed,
            ..NamedOptions::default()
        };
        o.qning.accel.kappa = Some(kappa);
        o.qning.accel.warm_start = warm;
        o.qning.accel.inner_stop = inner_stop;
        o.qning.memory = memory;
        let (r, _) = solve_named("qning-svrg", &model, x0.view(), &cfg, &mon, &mut Silent, &o).map_err(qerr)?;
        let pts = r.trace.series_by_passes("rel_subopt");
        for &(p, v) in &pts {
            table.push(label, 0, vec![p, v]);
        }
        fig.curves.push(Curve::new(label, &pts));
        let p = r.trace.first_below("rel_subopt", TARGET).map(|row| row.work.passes(n));
        results.push(format!(
            "{label}: {}",
            p.map_or("not reached in 150".into(), |p| format!("{p:.1}"))
        ));
    }
    notes.push(format!(
        "Q5 ablation of QNing-SVRG (passes to 1e-8, κ = {base:.3e} default; the spec's expectation [R]: robust to κ \
         within a range, one pass + warm start at the centre best): {}",
        results.join("; ")
    ));
    figures.push(save(&ctx.dir, "ablation_qning_svrg", &fig, &table)?);
    Ok(())
}

fn index_free(ctx: &Ctx, notes: &mut Vec<String>) -> Result<Claim, ExpError> {
    let (n, d) = (40, 5);
    let (x, y) = correlated_gaussian_logistic(n, d, ctx.seed.wrapping_add(7));
    let model = LinearModel::new(Design::dense(x)?, y, Loss::Logistic, 0.05, 0.0)?;
    let opt = certify_optimum(&model, 1e-13)?;
    let oracle = ShuffledComponents::new(&model);
    let step = 1.0 / (3.0 * gradus_oracle::FiniteSum::max_component_smoothness(&model));
    let epochs = 30;
    let p = IndexFreeSvrgParams::new(n, step).seed(ctx.seed);
    let mon = ObjectiveMonitor::new(&model).with_optimum(opt.value);
    let r = p
        .solve(
            &oracle,
            Array1::zeros(d).view(),
            &RunConfig::new(Stop::iterations(epochs), n),
            &mon,
            &mut Silent,
        )
        .map_err(qerr)?;
    let v = r.trace.last_value("rel_subopt").unwrap_or(f64::NAN);
    notes.push(format!(
        "index-free SVRG: n = {n}, d = {d}, λ = 0.05, {epochs} epochs of m = n²/4 steps, {} oracle calls, final \
         relative suboptimality {v:.2e} (F* = {:.12e} by Newton)",
        r.work.oracle_calls,
        model.total_value(opt.x.view())
    ));
    Ok(Claim::at_most(
        "qning.indexfree.reaches_1e-6",
        "relative suboptimality of index-free SVRG (oracle hides the sample index; snapshot gradient recovered from \
         ~4n² ln n samples) after 30 epochs on a 40-sample logistic problem is <= 1e-6",
        v,
        1e-6,
        true,
    ))
}

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
use gradus_qning::{
    DualityGapMonitor, InnerStop, IstaParams, NamedOptions, QningError, WarmStart, duality_gap, solve_named,
};
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

    // Q1 on Fashion-MNIST, both μ. Budgets: the baselines run to 1e-8 or to 800 passes; QNing-SVRG must reach
    // 1e-8 within 400 passes.
    let q1_budget = Budget {
        baseline: 800.0,
        accelerated: 400.0,
        record_every: 2,
    };
    let mut q1 = None;
    let mut certified_mu10 = None;
    let mut q1_failed = Vec::new();
    for (k, rel) in [10.0, 100.0].into_iter().enumerate() {
        let model = LinearModel::new(design.clone(), y.clone(), Loss::Logistic, 1.0 / (rel * n as f64), 0.0)?;
        let (res, cert) = compare(
            ctx,
            &model,
            &format!("fmnist_logistic_mu_1_{rel:.0}n"),
            &format!("Fashion-MNIST logistic, μ = 1/({rel:.0}n)"),
            &["svrg", "catalyst-svrg", "qning-svrg"],
            q1_budget,
            None,
            &mut figures,
            &mut notes,
        )?;
        let (r_svrg, b_svrg) = ratio(res[2], res[0]);
        let (r_cat, b_cat) = ratio(res[2], res[1]);
        notes.push(format!(
            "Q1 μ = 1/({rel:.0}n): QNing-SVRG {}, SVRG {}, Catalyst-SVRG {}: QNing-SVRG/SVRG {} {r_svrg:.3}, \
             QNing-SVRG/Catalyst-SVRG {} {r_cat:.3}",
            res[2].describe(),
            res[0].describe(),
            res[1].describe(),
            if b_svrg { "<" } else { "=" },
            if b_cat { "<" } else { "=" },
        ));
        if k == 0 {
            certified_mu10 = Some(cert);
        }
        if k == 1 {
            if res[2].passes.is_none() {
                q1_failed.push(format!("qning-svrg μ = 1/(100n): {}", res[2].describe()));
            }
            if cert.1.is_nan() || cert.1 > CERTIFICATE {
                q1_failed.push(format!(
                    "F* μ = 1/(100n) certified only to a relative gap of {:.2e}",
                    cert.1
                ));
            }
            q1 = Some((res, r_svrg, b_svrg, r_cat, b_cat));
        }
    }
    let (res, r_svrg, b_svrg, r_cat, b_cat) = q1.expect("the μ = 1/(100n) run");
    let kind = |bound: bool, baseline: Reached| {
        if bound {
            format!(
                "an upper bound: the baseline did not reach 1e-8 within its budget ({})",
                baseline.describe()
            )
        } else {
            format!("measured: the baseline reached 1e-8 after {}", baseline.describe())
        }
    };
    claims.push(
        Claim::at_most(
            "qning.Q1.qning_svrg_vs_svrg_passes",
            &format!(
                "passes to relative suboptimality 1e-8 of QNing-SVRG ({}) / of SVRG on Fashion-MNIST logistic, \
                 μ = 1/(100n), every pass counted (QNing's h(z) too), is <= 0.5. Threshold: a factor 2, the least \
                 the paper's 'QNing-SVRG ≫ SVRG, larger gains at small μ' can mean (empirical; no number is read \
                 from the paper's figures). Baselines run to 1e-8 or 800 passes; the value is {}",
                res[2].describe(),
                kind(b_svrg, res[0])
            ),
            r_svrg,
            0.5,
            true,
        )
        .with_failed_runs(q1_failed.clone()),
    );
    claims.push(
        Claim::at_most(
            "qning.Q1.qning_vs_catalyst_passes",
            &format!(
                "passes to 1e-8 of QNing-SVRG / of Catalyst-SVRG, Fashion-MNIST logistic μ = 1/(100n), <= 1.1 \
                 (empirical, ungated: the paper reports QNing-SVRG >= Catalyst-SVRG); the value is {}",
                kind(b_cat, res[1])
            ),
            r_cat,
            1.1,
            false,
        )
        .with_failed_runs(q1_failed),
    );

    lap("Q1 on Fashion-MNIST (both μ, with F* certificates)", &mut notes);

    // Q2: elastic net (squared loss) and exact sparsity.
    let l1 = 10.0 / n as f64;
    let model = LinearModel::new(design.clone(), y.clone(), Loss::Squared, 1.0 / (10.0 * n as f64), l1)?;
    // The reference: QNing-SVRG (another seed) to a relative gap of 1e-13, then 200 iterations of FISTA, an
    // independent solver whose last prox step gives the support (QNing-ISTA, tried first, stayed at a relative gap
    // of 8e-4 after its 400-pass cap); the support is then checked coordinate by coordinate by the margin test of
    // `support_certificate`.
    let (x_qn, _, _) = certify_composite(&model)?;
    let fista_cfg = RunConfig::new(Stop::iterations(200), n).record_every(10);
    let polished = IstaParams::fista()
        .solve(
            &model,
            x_qn.view(),
            &fista_cfg,
            &DualityGapMonitor::new(&model),
            &mut Silent,
        )
        .map_err(qerr)?;
    let x_ref = polished.x;
    let (f_ref, gap_abs) = duality_gap(&model, x_ref.view());
    let gap_ref = gap_abs / f_ref;
    let cert = support_certificate(&model, x_ref.view(), gap_abs);
    notes.push(format!(
        "Q2 elastic net μ = 1/(10n), λ₁ = 10/n: reference by QNing-SVRG then FISTA ({} after {} iterations): F* = \
         {f_ref:.15e}, relative gap {gap_ref:.2e}, support {} of {}; support margin: ‖x − x*‖ ≤ r = {:.2e}, smallest \
         nonzero |x_j| = {:.2e}, smallest slack λ₁ − |∇_j s(x)| of a zero = {:.2e} against L·r = {:.2e}: {} of {} \
         coordinates not certified",
        polished.status.name(),
        polished.iterations,
        x_ref.iter().filter(|v| **v != 0.0).count(),
        x_ref.len(),
        cert.radius,
        cert.smallest_nonzero,
        cert.smallest_slack,
        cert.lipschitz * cert.radius,
        cert.uncertified,
        x_ref.len()
    ));
    let mut q2_failed = Vec::new();
    if gap_ref.is_nan() || gap_ref > CERTIFICATE {
        q2_failed.push(format!("reference certified only to a relative gap of {gap_ref:.2e}"));
    }

    let budget = Budget {
        baseline: 300.0,
        accelerated: 300.0,
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
    if fit.status != gradus_oracle::Status::Converged {
        q2_failed.push(format!(
            "qning-svrg did not reach a relative gap of 1e-12 ({})",
            fit.status.name()
        ));
    }
    claims.push(
        Claim::at_most(
            "qning.Q2.exact_sparsity",
            &format!(
                "the support of QNing-SVRG's elastic-net output, run until its certified relative duality gap is <= \
                 1e-12 (the stopping rule of `gradus fit`), equals the support of the reference solution (QNing-SVRG \
                 with another seed, then 200 FISTA iterations, relative gap {gap_ref:.1e} <= 1e-13), with exact zeros: the number of mismatched \
                 coordinates is 0 (exact: a prox method's output is exactly sparse). Margin test of the reference's \
                 own support (‖x − x*‖ <= r = √(2 gap/λ₂), gradient L-Lipschitz): {} of {} coordinates certified, {} \
                 not (zeros whose slack λ₁ − |∇_j s| = {:.1e} is below L·r = {:.1e}: this bound cannot certify them \
                 at any gap reachable in double precision)",
                x_ref.len() - cert.uncertified,
                x_ref.len(),
                cert.uncertified,
                cert.smallest_slack,
                cert.lipschitz * cert.radius
            ),
            mismatched as f64,
            0.0,
            true,
        )
        .with_failed_runs(q2_failed),
    );

    lap("Q2 (elastic net, certificate and three solvers)", &mut notes);

    // Q4: the ISTA family, logistic μ = 1/(10n). ISTA and FISTA run to 1e-8 or 2000 passes (full: 5000);
    // QNing-ISTA must reach 1e-8 within 1000.
    let model = LinearModel::new(design.clone(), y.clone(), Loss::Logistic, 1.0 / (10.0 * n as f64), 0.0)?;
    let ista_budget = if ctx.quick { 2000.0 } else { 5000.0 };
    let budget = Budget {
        baseline: ista_budget,
        accelerated: 1000.0,
        record_every: 5,
    };
    let (res, cert) = compare(
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
    let (r_ista, b_ista) = ratio(res[2], res[0]);
    let (r_fista, b_fista) = ratio(res[2], res[1]);
    notes.push(format!(
        "Q4: QNing-ISTA {}, ISTA {}, FISTA {}: QNing-ISTA/ISTA {} {r_ista:.3}, QNing-ISTA/FISTA {} {r_fista:.3}",
        res[2].describe(),
        res[0].describe(),
        res[1].describe(),
        if b_ista { "<" } else { "=" },
        if b_fista { "<" } else { "=" },
    ));
    let mut q4_failed = Vec::new();
    if res[2].passes.is_none() {
        q4_failed.push(format!("qning-ista: {}", res[2].describe()));
    }
    if cert.1.is_nan() || cert.1 > CERTIFICATE {
        q4_failed.push(format!("F* certified only to a relative gap of {:.2e}", cert.1));
    }
    claims.push(
        Claim::at_most(
            "qning.Q4.qning_ista_vs_ista_passes",
            &format!(
                "passes to 1e-8 of QNing-ISTA ({}) / of ISTA on Fashion-MNIST logistic, μ = 1/(10n), every pass \
                 counted (the margins recomputed at each restart of the inner ISTA too), is <= 0.2. Threshold: a \
                 factor 5, for the paper's 'QNing-ISTA ≫ ISTA' (empirical; not read from its figures). ISTA runs to \
                 1e-8 or {ista_budget} passes; the value is {}",
                res[2].describe(),
                kind(b_ista, res[0])
            ),
            r_ista,
            0.2,
            true,
        )
        .with_failed_runs(q4_failed),
    );

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
            q1_budget,
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

/// What one solver of a comparison did: its passes to the target, or `None` when it did not reach it within its
/// budget (then `budget` is what it spent).
#[derive(Debug, Clone, Copy)]
struct Reached {
    passes: Option<f64>,
    budget: f64,
}

impl Reached {
    /// "123.0 passes" or "> 800 passes (not reached)".
    fn describe(&self) -> String {
        match self.passes {
            Some(p) => format!("{p:.1} passes"),
            None => format!("> {:.0} passes (not reached)", self.budget),
        }
    }
}

/// `accelerated` / `baseline` passes to the target: the measured ratio when the baseline reached it, else the
/// upper bound accelerated / (baseline's budget), flagged as a bound. NaN when the accelerated solver did not
/// reach it (a failed run: the claim then does not hold).
fn ratio(accelerated: Reached, baseline: Reached) -> (f64, bool) {
    match (accelerated.passes, baseline.passes) {
        (None, _) => (f64::NAN, false),
        (Some(a), Some(b)) => (a / b, false),
        (Some(a), None) => (a / baseline.budget, true),
    }
}

/// The support margin of an elastic-net point x with absolute duality gap `gap`: F is λ₂-strongly convex, so
/// ‖x − x*‖ ≤ r = √(2 gap/λ₂), and the smooth part's gradient is L-Lipschitz (L = `model.smoothness()`). A nonzero
/// x_j with |x_j| > r has x*_j ≠ 0; a zero x_j with |∇_j s(x)| + L r < λ₁ has |∇_j s(x*)| < λ₁, so x*_j = 0. Every
/// other coordinate is uncertified.
struct SupportCertificate {
    radius: f64,
    lipschitz: f64,
    smallest_nonzero: f64,
    smallest_slack: f64,
    uncertified: usize,
}

fn support_certificate(model: &LinearModel, x: ndarray::ArrayView1<f64>, gap: f64) -> SupportCertificate {
    let radius = (2.0 * gap.max(0.0) / model.l2()).sqrt();
    let lipschitz = model.smoothness();
    // ∇s(x) = ∇(mean loss)(x) + λ₂ x: the gradient of F without its λ₁ term.
    let mut g = Array1::zeros(model.dim());
    model.mean_loss_and_data_gradient(x, g.view_mut());
    g.scaled_add(model.l2(), &x);
    let (mut smallest_nonzero, mut smallest_slack, mut uncertified) = (f64::INFINITY, f64::INFINITY, 0);
    for (xj, gj) in x.iter().zip(g.iter()) {
        if *xj != 0.0 {
            smallest_nonzero = smallest_nonzero.min(xj.abs());
            if xj.abs() <= radius {
                uncertified += 1;
            }
        } else {
            let slack = model.l1() - gj.abs();
            smallest_slack = smallest_slack.min(slack);
            if slack <= lipschitz * radius {
                uncertified += 1;
            }
        }
    }
    SupportCertificate {
        radius,
        lipschitz,
        smallest_nonzero,
        smallest_slack,
        uncertified,
    }
}

/// Runs every solver to `target` (rel_subopt) or its budget: the last solver (the accelerated one) within
/// `budget.accelerated` passes, the others (baselines) within `budget.baseline` passes. Every pass is counted
/// (function values too: QNing's h(z), ISTA's margin recomputations); the monitor is the experiment's instrument
/// and is not counted.
fn run_all(
    model: &LinearModel,
    f_star: f64,
    solvers: &[&str],
    budget: Budget,
    target: f64,
    seed: u64,
) -> Result<(Vec<Report>, Vec<Reached>), ExpError> {
    let n = model.n();
    let mon = DualityGapMonitor::new(model).with_optimum(f_star);
    let x0 = Array1::zeros(model.dim());
    let opts = NamedOptions {
        seed,
        ..NamedOptions::default()
    };
    let mut reports = Vec::new();
    let mut reached = Vec::new();
    for (k, solver) in solvers.iter().enumerate() {
        let last = k == solvers.len() - 1;
        let limit = if last { budget.accelerated } else { budget.baseline };
        let cfg = RunConfig::new(
            Stop::iterations(u64::MAX)
                .with_max_passes(limit)
                .with_target("rel_subopt", target),
            n,
        )
        .record_every(if last { 1 } else { budget.record_every });
        let (r, _) = solve_named(solver, model, x0.view(), &cfg, &mon, &mut Silent, &opts).map_err(qerr)?;
        let passes = r.trace.first_below("rel_subopt", target).map(|row| row.work.passes(n));
        reached.push(Reached {
            passes,
            budget: r.work.passes(n).max(limit),
        });
        reports.push(r);
    }
    Ok((reports, reached))
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

/// Certifies F*, runs the solvers, plots, and returns what each solver reached (passes to 1e-8) and F* with its
/// relative gap.
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
) -> Result<(Vec<Reached>, (f64, f64)), ExpError> {
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
    let (reports, reached) = run_all(model, f_star, solvers, budget, TARGET, ctx.seed)?;
    bar.finish_and_clear();
    for ((s, r), p) in solvers.iter().zip(&reports).zip(&reached) {
        notes.push(format!(
            "{title}: {s} {} — {} to 1e-8 (budget {:.0} passes, of which {} function values), {:.2} s, final rel. \
             subopt {:.2e}",
            r.status.name(),
            p.describe(),
            p.budget,
            r.work.function_values,
            r.seconds,
            r.trace.last_value("rel_subopt").unwrap_or(f64::NAN)
        ));
    }
    plot(ctx, model, &reports, solvers, stem, title, figures)?;
    Ok((reached, (f_star, rel_gap)))
}

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
        baseline: 300.0,
        accelerated: 300.0,
        record_every: 1,
    };
    let (reports, reached) = run_all(&model, f_ref, &solvers, budget, TARGET, ctx.seed)?;
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
         {gap_ref:.2e}, support {} of 20000); to 1e-8: SVRG {}, Catalyst-SVRG {}, QNing-SVRG {}",
        x_ref.iter().filter(|v| **v != 0.0).count(),
        reached[0].describe(),
        reached[1].describe(),
        reached[2].describe()
    ));
    Ok(())
}

/// Pass budgets of a comparison: the baselines run to the target or to `baseline` passes, a fixed and large
/// budget (independent of the accelerated solver's passes, so that "not reached" gives a real bound on the ratio,
/// accelerated passes / baseline budget); the accelerated solver must reach the target within `accelerated` passes
/// or its run counts as failed.
#[derive(Debug, Clone, Copy)]
struct Budget {
    baseline: f64,
    accelerated: f64,
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
        Design::Dense(a) => (a.view().slice_move(ndarray::s![..sub, ..]).to_owned(), ()),
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
            .with_max_passes(300.0)
            .with_target("rel_subopt", TARGET),
        n,
    );
    let x0 = Array1::zeros(model.dim());
    let mut fig = Figure::log_y(
        &format!("QNing-SVRG ablation, Fashion-MNIST subset n = {n}, μ = 1/(100n)"),
        "passes over the data",
        "relative suboptimality",
    );
    fig.legend = Legend::Outside; // thirteen curves: inside, the legend covers some of them
    let mut table = LongTable::new(&["passes", "rel_subopt"]);
    let mut results = Vec::new();
    // κ and memory l, then the warm start (the spec's options 0–3, against the default start at the centre) and the inner stopping rule, each varied alone
    // around the defaults (κ, l = 10, one pass, warm start at the centre).
    let center = WarmStart::Center;
    for (label, kappa, memory, warm, inner_stop) in [
        ("κ/10, l=10", base / 10.0, 10, center, InnerStop::OnePass),
        ("κ, l=10", base, 10, center, InnerStop::OnePass),
        ("10κ, l=10", base * 10.0, 10, center, InnerStop::OnePass),
        ("100κ, l=10", base * 100.0, 10, center, InnerStop::OnePass),
        ("κ, l=2", base, 2, center, InnerStop::OnePass),
        ("κ, l=50", base, 50, center, InnerStop::OnePass),
        (
            "warm start x_{k-1} (option 0)",
            base,
            10,
            WarmStart::Previous,
            InnerStop::OnePass,
        ),
        (
            "warm start extrapolated (option 1)",
            base,
            10,
            WarmStart::Extrapolated,
            InnerStop::OnePass,
        ),
        (
            "warm start centre + prox step (option 2)",
            base,
            10,
            WarmStart::CenterProx,
            InnerStop::OnePass,
        ),
        (
            "warm start best of 0 and 1 (option 3)",
            base,
            10,
            WarmStart::Best,
            InnerStop::OnePass,
        ),
        ("2 inner epochs", base, 10, center, InnerStop::Epochs(2)),
        ("relative stop κ/36", base, 10, center, InnerStop::QNING_RELATIVE),
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
            p.map_or("not reached in 300".into(), |p| format!("{p:.1}"))
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

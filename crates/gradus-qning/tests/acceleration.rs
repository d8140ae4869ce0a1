//! QNing's acceleration is real: on an ill-conditioned logistic regression (correlated Gaussian features, column j
//! scaled by 10^(−2j/(d−1)), rows L2-normalized, λ₂ = 1/(100n); n = 2000, d = 50), QNing-SVRG reaches a certified relative duality gap of 1e-8 in fewer passes than
//! SVRG, every pass counted (inner epochs, h(z), the gap checks), and it does so with accepted L-BFGS steps. The
//! test fails if acceleration is switched off (no accepted quasi-Newton step, or no saving in passes).

use gradus_data::generate::correlated_gaussian_logistic;
use gradus_data::preprocess::normalize_rows;
use gradus_oracle::{Design, LinearModel, Loss, RunConfig, Silent, Status, Stop};
use gradus_qning::auto::{InnerKind, build_inner, kappa_for};
use gradus_qning::{DualityGapMonitor, NamedOptions, Qning, QningParams, run_guarded, solve_named};
use ndarray::Array1;

#[test]
fn qning_svrg_needs_fewer_passes_than_svrg_with_accepted_lbfgs_steps() {
    let (n, d) = (2000, 50);
    // Column j scaled by 10^(−2j/(d−1)) before the rows are normalized: the spectrum of XᵀX/n spans about four
    // orders of magnitude more than the correlated-Gaussian data alone (there SVRG needs only 40 passes).
    let decay = 2.0;
    let (mut x, y) = correlated_gaussian_logistic(n, d, 3);
    for (j, mut col) in x.columns_mut().into_iter().enumerate() {
        col *= 10f64.powf(-decay * j as f64 / (d - 1) as f64);
    }
    let mut design = Design::dense(x).unwrap();
    normalize_rows(&mut design);
    let model = LinearModel::new(design, y, Loss::Logistic, 1.0 / (100.0 * n as f64), 0.0).unwrap();
    let monitor = DualityGapMonitor::new(&model);
    let checks = monitor.passes_per_check();
    let cfg = RunConfig::new(
        Stop::iterations(2000)
            .with_max_passes(3000.0)
            .with_target("rel_gap", 1e-8),
        n,
    );
    let x0 = Array1::zeros(d);
    let options = NamedOptions {
        check_passes: checks,
        ..NamedOptions::default()
    };

    let (svrg, _) = solve_named("svrg", &model, x0.view(), &cfg, &monitor, &mut Silent, &options).unwrap();

    let kappa = kappa_for(&model, InnerKind::Svrg, None, &options);
    let inner = build_inner(InnerKind::Svrg, &model, kappa, x0.view(), &options).unwrap();
    let mut qning = Qning::new(inner, x0.view(), &QningParams::new()).unwrap();
    let report = run_guarded(&mut qning, &monitor, &cfg, &mut Silent, checks).unwrap();
    let (accepted, fallbacks, skipped, refinements) = qning.counts();
    let (p_svrg, p_qning) = (svrg.work.passes(n), report.work.passes(n));
    eprintln!(
        "SVRG {} after {p_svrg} passes; QNing-SVRG {} after {p_qning} passes ({} h(z) values), \
         {accepted} accepted L-BFGS steps, {fallbacks} fallbacks, {skipped} skipped pairs, {refinements} refinements",
        svrg.status.name(),
        report.status.name(),
        report.work.function_values
    );
    assert_eq!(report.status, Status::Converged);
    assert!(accepted > 0, "no quasi-Newton step was accepted");
    assert!(report.work.function_values > 0, "h(z) and the gap checks are counted");
    // Measured: SVRG 1027 passes, QNing-SVRG 291 (54 accepted L-BFGS steps, 10 fallbacks). The bound asks for a
    // factor 2, the least the paper's "QNing-SVRG ≫ SVRG" at μ = 1/(100n) can mean.
    assert!(
        p_qning <= 0.5 * p_svrg,
        "QNing-SVRG {p_qning} passes, SVRG {p_svrg} ({})",
        svrg.status.name()
    );
}

//! Robustness on badly scaled rows (issue 4, §8): the first 2000 Fashion-MNIST training samples (classes 0–4 vs
//! 5–9), columns standardized, 1 % of the rows (every 100th) multiplied by 30, so max Lᵢ / mean Lᵢ ≈ 150 ≫ 10;
//! ℓ2-logistic with λ₂ = 0.1 (mean Lᵢ / λ₂ ≈ 1.7·10⁴ ≈ 8.5 n). Every solver offered for such data
//! ([`gradus_qning::offered_for`], i.e. [`gradus_qning::UNEVEN_ROWS_SOLVERS`]) must reach a relative duality gap of
//! 1e-9, which bounds the relative suboptimality. The solvers not offered are run for 200 passes and only
//! reported (uniform SAGA is at a relative gap ≈ 1.7 there, Catalyst-SAGA at ≈ 1e-2).
//!
//! Skipped, with a message on stderr, when Fashion-MNIST is not installed (`apt-get install dataset-fashion-mnist`).

use gradus_data::diagnostics::row_norm_stats;
use gradus_data::fashion_mnist::{FashionMnist, Split};
use gradus_data::preprocess::standardize_columns;
use gradus_oracle::{Design, LinearModel, Loss, Objective, RunConfig, Silent, Status, Stop};
use gradus_qning::{
    DualityGapMonitor, NamedOptions, SOLVER_NAMES, UNEVEN_ROWS_SOLVERS, choose, offered_for, solve_named,
};
use ndarray::Array1;

const N: usize = 2000;
const SCALE: f64 = 30.0;
const L2: f64 = 0.1;

fn badly_scaled_model() -> Option<LinearModel> {
    let (mut x, y) = match FashionMnist::load_binary(Split::Train, N) {
        Ok(d) => d,
        Err(e) => {
            eprintln!(
                "SKIPPED robustness test: Fashion-MNIST is not available ({e}); {}",
                FashionMnist::INSTALL_HINT
            );
            return None;
        }
    };
    standardize_columns(&mut x);
    for (i, mut row) in x.rows_mut().into_iter().enumerate() {
        if i % 100 == 0 {
            row *= SCALE;
        }
    }
    let design = Design::dense(x).expect("finite data");
    let stats = row_norm_stats(&design);
    eprintln!(
        "row norms²: mean {:.1}, max {:.1}, max/mean {:.1}",
        stats.mean, stats.max, stats.ratio_max_mean
    );
    assert!(stats.ratio_max_mean > 100.0, "{stats:?}");
    Some(LinearModel::new(design, y, Loss::Logistic, L2, 0.0).expect("valid model"))
}

/// (status, passes, last relative gap) of one named run.
fn run(model: &LinearModel, name: &str, max_iter: u64) -> (Status, f64, f64, String) {
    let cfg = RunConfig::new(Stop::iterations(max_iter).with_target("rel_gap", 1e-9), model.n());
    let (r, used) = solve_named(
        name,
        model,
        Array1::zeros(model.dim()).view(),
        &cfg,
        &DualityGapMonitor::new(model),
        &mut Silent,
        &NamedOptions::default(),
    )
    .expect("valid solver");
    let gap = r.trace.last_value("rel_gap").unwrap_or(f64::NAN);
    (r.status, r.work.passes(model.n()), gap, used)
}

#[test]
fn every_solver_offered_for_badly_scaled_rows_reaches_1e_9() {
    let Some(model) = badly_scaled_model() else {
        return;
    };
    assert_eq!(offered_for(&model), UNEVEN_ROWS_SOLVERS);
    assert_eq!(choose(&model).0, "qning-svrg");
    let mut failed = Vec::new();
    for name in UNEVEN_ROWS_SOLVERS {
        let (status, passes, gap, used) = run(&model, name, 1000);
        eprintln!("offered  {name:16} {status:?} after {passes:.0} passes, rel gap {gap:.2e} ({used})");
        if status != Status::Converged || gap > 1e-9 {
            failed.push(*name);
        }
    }
    assert!(failed.is_empty(), "did not reach 1e-9: {failed:?}");
    // Not asserted: what the solvers that are not offered reach in 200 passes (report only).
    for name in ["saga", "catalyst-saga"] {
        assert!(SOLVER_NAMES.contains(&name) && !UNEVEN_ROWS_SOLVERS.contains(&name));
        let (status, passes, gap, _) = run(&model, name, 200);
        eprintln!("not offered {name:13} {status:?} after {passes:.0} passes, rel gap {gap:.2e}");
    }
}

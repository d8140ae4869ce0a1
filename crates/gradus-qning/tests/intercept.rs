//! Models with an unpenalized intercept: the linear-model fast path refuses them with a typed error (it would
//! penalize b), their duality gap is +∞ rather than a wrong certificate, and the generic path solves them to
//! L-BFGS's minimizer.

use gradus_classic::LbfgsParams;
use gradus_oracle::{Design, LinearModel, Loss, Objective, ObjectiveMonitor, RunConfig, Silent, Status, Stop};
use gradus_qning::{NamedOptions, QningError, SvrgParams, duality_gap, solve_finite_sum, solve_named};
use ndarray::{Array1, Array2};

/// Logistic data whose labels favour +1 (an optimum with b far from 0), with an intercept.
fn model() -> LinearModel {
    let (n, d) = (400, 6);
    let x = Array2::from_shape_fn((n, d), |(i, j)| (((i * 37 + j * 11) % 23) as f64 / 11.0 - 1.0) * 0.8);
    let y = Array1::from_shape_fn(n, |i| if (i * 7) % 10 < 7 { 1.0 } else { -1.0 });
    LinearModel::with_intercept(Design::dense(x).unwrap(), y, Loss::Logistic, 1e-2, 0.0).unwrap()
}

#[test]
fn the_fast_path_refuses_an_intercept_model() {
    let m = model();
    let x0 = Array1::zeros(m.dim());
    let config = RunConfig::new(Stop::iterations(10), m.n());
    for name in ["svrg", "saga", "miso", "ista", "fista", "qning-svrg", "catalyst-miso"] {
        let err = solve_named(
            name,
            &m,
            x0.view(),
            &config,
            &gradus_oracle::NoMetrics,
            &mut Silent,
            &NamedOptions::default(),
        )
        .unwrap_err();
        assert!(matches!(err, QningError::Unsupported { .. }), "{name}: {err}");
        assert!(err.to_string().contains("intercept"), "{name}: {err}");
    }
    let err = SvrgParams::new()
        .solve(&m, x0.view(), &config, &gradus_oracle::NoMetrics, &mut Silent)
        .unwrap_err();
    assert!(err.to_string().contains("solve_finite_sum"), "{err}");
    let (primal, gap) = duality_gap(&m, x0.view());
    assert_eq!(primal, m.total_value(x0.view()));
    assert_eq!(gap, f64::INFINITY);
}

#[test]
fn the_generic_path_reaches_the_lbfgs_minimizer_with_an_unpenalized_intercept() {
    let m = model();
    let x0 = Array1::zeros(m.dim());
    let reference = LbfgsParams::new()
        .gradient_tolerance(1e-13)
        .solve(
            &m,
            x0.view(),
            &RunConfig::new(Stop::iterations(1000), m.n()),
            &gradus_oracle::NoMetrics,
            &mut Silent,
        )
        .unwrap();
    let b = reference.x[m.dim() - 1];
    assert!(b > 0.3, "the data call for an intercept well away from 0, got {b}");
    let monitor = ObjectiveMonitor::new(&m);
    let config = RunConfig::new(Stop::iterations(500).with_target("grad_norm", 1e-9), m.n());
    for name in ["svrg", "saga", "fista", "qning-svrg", "catalyst-svrg"] {
        let (r, _) = solve_finite_sum(
            name,
            &m,
            x0.view(),
            &config,
            &monitor,
            &mut Silent,
            &NamedOptions::default(),
        )
        .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(r.status, Status::Converged, "{name}");
        let dist = (&r.x - &reference.x).mapv(f64::abs).fold(0.0f64, |a, &v| a.max(v));
        // ‖x − x*‖ ≤ ‖∇F(x)‖/μ_local; the logistic curvature here is ≥ 0.1, so 1e-9 in the gradient is ≤ 1e-7 here.
        assert!(dist < 1e-7, "{name}: max |x − x*| = {dist:e}");
    }
}

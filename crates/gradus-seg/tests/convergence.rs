//! Convergence behaviour of the stochastic extragradient family on the shared game library: the size of the
//! neighbourhood SEG-RR ends in, compared with with-replacement SEG, and convergence to the exact solution.

use gradus_oracle::{FiniteSumOperator, Method, QuadraticGame, RunConfig, Silent, Status, Stop, run};
use gradus_seg::theory_steps::{Constants, strongly_monotone_steps};
use gradus_seg::{OperatorMonitor, Sampling, SegParams, SegState};
use ndarray::Array1;

/// The least-squares slope of log y against log x.
fn log_log_slope(points: &[(f64, f64)]) -> f64 {
    let pts: Vec<(f64, f64)> = points.iter().map(|(x, y)| (x.ln(), y.ln())).collect();
    let n = pts.len() as f64;
    let mx = pts.iter().map(|p| p.0).sum::<f64>() / n;
    let my = pts.iter().map(|p| p.1).sum::<f64>() / n;
    let sxy: f64 = pts.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    let sxx: f64 = pts.iter().map(|p| (p.0 - mx) * (p.0 - mx)).sum();
    sxy / sxx
}

/// The stationary neighbourhood of SEG with constant steps ω = 2γ, γ on a strongly monotone game: the mean of
/// ‖u_t − z*‖² over the inner iterates of the second half of a run long enough to forget z₀, and the same at
/// epoch ends only, each averaged over 8 seeds.
fn neighbourhood(game: &QuadraticGame, sampling: Sampling, gamma: f64) -> (f64, f64) {
    let n = game.len();
    let z0 = Array1::from_elem(game.player_dims().0 * 2, 1.0);
    // 40/(nγμ) epochs: the deterministic part has contracted by e^-80.
    let epochs = (40.0 / (n as f64 * gamma)) as u64;
    let (mut inner, mut ends) = (0.0, 0.0);
    let seeds = 8;
    for seed in 0..seeds {
        let params = SegParams::constant(sampling, 2.0 * gamma, gamma)
            .seed(seed)
            .record_inner(1);
        let mut state = SegState::new(game, z0.view(), &params).unwrap();
        let config = RunConfig::new(Stop::iterations(epochs), n).record_every(epochs);
        let report = run(&mut state, &gradus_oracle::NoMetrics, &config, &mut Silent).unwrap();
        assert_eq!(report.status, Status::MaxIterations);
        let record = state.inner_record();
        let tail = &record[record.len() / 2..];
        inner += tail.iter().map(|r| r.1).sum::<f64>() / tail.len() as f64;
        let epoch_ends: Vec<f64> = tail.iter().filter(|r| r.0 % n as u64 == 0).map(|r| r.1).collect();
        ends += epoch_ends.iter().sum::<f64>() / epoch_ends.len() as f64;
    }
    (inner / seeds as f64, ends / seeds as f64)
}

/// SEG-RR on a strongly monotone game ends in a neighbourhood of z* that shrinks like γ² (the paper's O(γ²)):
/// halving γ divides the mean squared distance of the inner iterates by 4. At epoch ends the distance is even
/// smaller and shrinks at least as fast (about γ³ here: the first-order noise cancels over a permutation).
/// With-replacement SEG's neighbourhood shrinks only like γ.
#[test]
fn seg_rr_neighbourhood_shrinks_like_gamma_squared() {
    let game = QuadraticGame::random_identical(2, 20, 1.0, 2.0, 3).unwrap();
    let gammas = [4e-3, 2e-3, 1e-3];
    let mut rr_inner = Vec::new();
    let mut rr_ends = Vec::new();
    let mut seg_inner = Vec::new();
    for &g in &gammas {
        let (inner, ends) = neighbourhood(&game, Sampling::RandomReshuffling, g);
        rr_inner.push((g, inner));
        rr_ends.push((g, ends));
        seg_inner.push((g, neighbourhood(&game, Sampling::WithReplacement, g).0));
    }
    let (rr, rr_end, seg) = (
        log_log_slope(&rr_inner),
        log_log_slope(&rr_ends),
        log_log_slope(&seg_inner),
    );
    eprintln!("slopes: SEG-RR inner {rr:.3}, SEG-RR epoch ends {rr_end:.3}, SEG {seg:.3}");
    assert!(
        (1.8..=2.2).contains(&rr),
        "SEG-RR inner-iterate slope {rr} (points {rr_inner:?})"
    );
    assert!(rr_end >= 1.9, "SEG-RR epoch-end slope {rr_end} (points {rr_ends:?})");
    assert!((0.8..=1.2).contains(&seg), "SEG slope {seg} (points {seg_inner:?})");
    // And at every step RR's neighbourhood is smaller.
    for (r, s) in rr_inner.iter().zip(&seg_inner) {
        assert!(r.1 < s.1);
    }
}

/// Every sampling converges linearly to the exact solution when the noise vanishes at z* (F_i(z*) = 0 for all
/// i: offsets q_i = −M z*), with the strongly monotone theory steps.
#[test]
fn every_sampling_reaches_the_solution_without_noise_at_the_solution() {
    let noisy = QuadraticGame::random_identical(3, 10, 1.0, 3.0, 5).unwrap();
    let z_star = Array1::from(vec![0.5, -1.0, 2.0, 0.0, 1.0, -0.5]);
    let gradus_oracle::GameMatrices::Shared(blocks) = noisy.matrices().clone() else {
        unreachable!("random_identical shares its matrices")
    };
    let q = -blocks.to_dense().dot(&z_star);
    let offsets = ndarray::Array2::from_shape_fn((10, 6), |(_, k)| q[k]);
    let game = QuadraticGame::new(gradus_oracle::GameMatrices::Shared(blocks), offsets).unwrap();
    assert!(game.noise_at_solution() < 1e-24);
    // Large steps (the theory step would take millions of epochs): γ = 1/(4 L_max), ω = γ.
    let c = Constants::of(&game);
    assert!(strongly_monotone_steps(&c).is_ok());
    let gamma = 0.25 / c.l_max;
    let z0 = Array1::zeros(6);
    let monitor = OperatorMonitor::new(&game, z0.view());
    for sampling in Sampling::ALL {
        let report = SegParams::constant(sampling, gamma, gamma)
            .seed(9)
            .solve(
                &game,
                z0.view(),
                &RunConfig::new(Stop::iterations(2000).with_target("rel_error", 1e-24), 10),
                &monitor,
                &mut Silent,
            )
            .unwrap();
        assert_eq!(report.status, Status::Converged, "{}", sampling.name());
        let d = &report.x - &z_star;
        assert!(d.dot(&d) < 1e-20, "{}", sampling.name());
    }
}

/// The state is a `Method`: stepping it by hand matches `solve` bit for bit.
#[test]
fn stepping_by_hand_matches_solve() {
    let game = QuadraticGame::random_bilinear(2, 7, 1.0, 2.0, 0.1, 1).unwrap();
    let z0 = Array1::from_elem(4, 1.0);
    let params = SegParams::constant(Sampling::ShuffleOnce, 0.1, 0.05).seed(4);
    let mut state = SegState::new(&game, z0.view(), &params).unwrap();
    let mut work = gradus_oracle::Work::default();
    for _ in 0..25 {
        state.step(&mut work);
    }
    let report = params
        .solve(
            &game,
            z0.view(),
            &RunConfig::new(Stop::iterations(25), 7),
            &gradus_oracle::NoMetrics,
            &mut Silent,
        )
        .unwrap();
    assert_eq!(state.iterate().to_vec(), report.x.to_vec());
    assert_eq!(work, report.work);
}

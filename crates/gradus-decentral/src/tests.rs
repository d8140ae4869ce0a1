//! Cross-module tests: every solver against the global optimum, the EXTRA special case, determinism, m = 1.

use gradus_oracle::{Report, RunConfig, Silent, Status, Stop};
use ndarray::{Array2, ArrayView2};

use crate::consensus::consensus_distance;
use crate::*;

fn network(graph: Graph, kind: GossipKind) -> Simulator {
    Simulator::new(GossipMatrix::from_graph(&graph, kind).unwrap())
}

fn config(iterations: u64, tol: f64) -> RunConfig {
    RunConfig::new(Stop::iterations(iterations).with_target("rel_dist", tol), 1)
}

/// Runs a named solver from X₀ = 0 to rel_dist ≤ tol.
fn solve(name: &str, p: &ConsensusProblem, sim: &Simulator, iterations: u64, tol: f64) -> Report {
    let x0 = Array2::zeros((p.nodes(), p.dim()));
    let mon = ConsensusMonitor::new(p, x0.view());
    let cfg = config(iterations, tol);
    let x0 = x0.view();
    let r = match name {
        "ideal-agd" => IdealParams::new().solve(p, sim, x0, &cfg, &mon, &mut Silent),
        "ideal-agd-fixed" => IdealParams {
            inner_factor: 1.0,
            ..IdealParams::new()
        }
        .solve(p, sim, x0, &cfg, &mon, &mut Silent),
        "ideal-gd" => IdealParams::new()
            .inner(InnerSolver::Gd)
            .solve(p, sim, x0, &cfg, &mon, &mut Silent),
        "ideal-exact" => IdealParams::new()
            .inner(InnerSolver::Exact)
            .solve(p, sim, x0, &cfg, &mon, &mut Silent),
        "ideal-accuracy" => IdealParams::new()
            .inner_stop(InnerStop::Accuracy {
                initial: 1.0,
                decay: 0.7,
                max_iterations: 500,
            })
            .solve(p, sim, x0, &cfg, &mon, &mut Silent),
        "mideal" => IdealParams::mideal().solve(p, sim, x0, &cfg, &mon, &mut Silent),
        "ssda" => SsdaParams::new().solve(p, sim, x0, &cfg, &mon, &mut Silent),
        "msda" => MsdaParams::new().solve(p, sim, x0, &cfg, &mon, &mut Silent),
        "extra" => ExtraParams::new().solve(p, sim, x0, &cfg, &mon, &mut Silent),
        "nids" => NidsParams::new().solve(p, sim, x0, &cfg, &mon, &mut Silent),
        "diging" => DigingParams::new().solve(p, sim, x0, &cfg, &mon, &mut Silent),
        "apm-c" => ApmcParams::new().solve(p, sim, x0, &cfg, &mon, &mut Silent),
        "dgd" => DgdParams::new().solve(p, sim, x0, &cfg, &mon, &mut Silent),
        other => panic!("unknown solver {other}"),
    };
    r.unwrap()
}

const EXACT_SOLVERS: [&str; 10] = [
    "ideal-agd",
    "ideal-gd",
    "ideal-accuracy",
    "mideal",
    "ssda",
    "msda",
    "extra",
    "nids",
    "diging",
    "apm-c",
];

#[test]
fn every_exact_solver_reaches_the_global_optimum() {
    let p = ConsensusProblem::spec_quadratics(8, 3, 20.0, 5).unwrap();
    for (graph, kind) in [
        (Graph::ring(8).unwrap(), GossipKind::Laplacian),
        (Graph::barbell(8).unwrap(), GossipKind::MetropolisHastings),
        (Graph::torus(2, 4).unwrap(), GossipKind::sinkhorn_knopp()),
    ] {
        let name = graph.name().to_string();
        let sim = network(graph, kind);
        for s in EXACT_SOLVERS {
            let r = solve(s, &p, &sim, 200_000, 1e-12);
            assert_eq!(r.status, Status::Converged, "{s} on {name}: {:?}", r.trace.rows.last());
            let x = ArrayView2::from_shape((8, 3), r.x.as_slice().unwrap()).unwrap();
            assert!(consensus_distance(x, p.solution().view()) < 1e-10, "{s} on {name}");
            assert!(r.work.full_gradients > 0, "{s}");
        }
    }
}

#[test]
fn logistic_consensus_with_gradient_methods() {
    let (x, y) = gradus_data::generate::correlated_gaussian_logistic(300, 5, 1);
    let p = ConsensusProblem::logistic_split(x, y, 6, 0.05, 1e-12).unwrap();
    let sim = network(Graph::ring(6).unwrap(), GossipKind::Laplacian);
    for s in ["ideal-agd", "mideal", "extra", "nids", "diging", "apm-c"] {
        let r = solve(s, &p, &sim, 100_000, 1e-12);
        assert_eq!(r.status, Status::Converged, "{s}");
    }
    // The centralized exact inner solve with ρ > 0 needs quadratic nodes (ρ = 0 separates into dual gradients).
    let x0 = Array2::zeros((6, 5));
    assert!(matches!(
        IdealState::new(&p, &sim, x0.view(), &IdealParams::new().inner(InnerSolver::Exact)),
        Err(DecentralError::Unsupported { .. })
    ));
}

#[test]
fn ssda_and_msda_reach_the_logistic_optimum_with_inner_dual_solves() {
    // Dual gradients of the L2-logistic nodes by warm-started local L-BFGS (crate::dual); x* by Newton to 1e-12.
    let (x, y) = gradus_data::generate::correlated_gaussian_logistic(300, 5, 1);
    let p = ConsensusProblem::logistic_split(x, y, 6, 0.05, 1e-12).unwrap();
    for (graph, kind) in [
        (Graph::ring(6).unwrap(), GossipKind::Laplacian),
        (Graph::barbell(6).unwrap(), GossipKind::sinkhorn_knopp()),
    ] {
        let name = graph.name().to_string();
        let sim = network(graph, kind);
        for s in ["ssda", "msda"] {
            let r = solve(s, &p, &sim, 20_000, 1e-12);
            assert_eq!(r.status, Status::Converged, "{s} on {name}: {:?}", r.trace.rows.last());
            let x = ArrayView2::from_shape((6, 5), r.x.as_slice().unwrap()).unwrap();
            let dist = consensus_distance(x, p.solution().view());
            assert!(dist <= 1e-10, "{s} on {name}: mean squared distance {dist:e}");
            // Inner gradients are counted: more than one per outer iteration on average, as the inner solves
            // need several L-BFGS steps early on.
            assert!(r.work.full_gradients > r.iterations, "{s} on {name}: {:?}", r.work);
            eprintln!(
                "{s} on {name}: {} iterations, {} rounds, {} gradients, mean squared distance {dist:.1e}",
                r.iterations, r.work.communication_rounds, r.work.full_gradients
            );
        }
    }
    // The accuracy rule is what makes it converge: the statistics show no capped inner solve.
    let sim = network(Graph::ring(6).unwrap(), GossipKind::Laplacian);
    let x0 = Array2::zeros((6, 5));
    let mut state = SsdaParams::new().build(&p, &sim, x0.view()).unwrap();
    let mut work = gradus_oracle::Work::default();
    use gradus_oracle::Method;
    for _ in 0..50 {
        state.step(&mut work);
    }
    let stats = state.dual_statistics().expect("inner dual solves on logistic nodes");
    assert_eq!(stats.calls, 50);
    assert_eq!(stats.counted, work.full_gradients);
    assert_eq!(stats.capped, 0);
    // Quadratic nodes keep the closed form (no inner solver).
    let q = ConsensusProblem::spec_quadratics(6, 5, 10.0, 0).unwrap();
    assert!(
        SsdaParams::new()
            .build(&q, &sim, x0.view())
            .unwrap()
            .dual_statistics()
            .is_none()
    );
}

#[test]
fn inner_dual_solves_are_deterministic_across_thread_counts() {
    // d = 200 makes the simulator split node work over threads.
    let (x, y) = gradus_data::generate::correlated_gaussian_logistic(16 * 40, 200, 4);
    let p = ConsensusProblem::logistic_split(x, y, 16, 0.1, 1e-10).unwrap();
    let sim = network(Graph::torus(4, 4).unwrap(), GossipKind::MetropolisHastings);
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        pool.install(|| {
            let r = solve("msda", &p, &sim, 8, 0.0);
            (r.x, r.work)
        })
    };
    let (a, b) = (run(1), run(2));
    assert!(a.0.iter().zip(b.0.iter()).all(|(u, v)| u.to_bits() == v.to_bits()));
    assert_eq!(a.1, b.1);
}

#[test]
fn dgd_with_constant_step_stalls_in_a_neighbourhood_that_shrinks_with_the_step() {
    let p = ConsensusProblem::spec_quadratics(6, 2, 10.0, 1).unwrap();
    let sim = network(Graph::ring(6).unwrap(), GossipKind::Laplacian);
    let x0 = Array2::zeros((6, 2));
    let mon = ConsensusMonitor::new(&p, x0.view());
    let cfg = RunConfig::new(Stop::iterations(20_000), 1).record_every(1000);
    let err = |alpha: f64| {
        let r = DgdParams::new()
            .step(alpha)
            .solve(&p, &sim, x0.view(), &cfg, &mon, &mut Silent)
            .unwrap();
        r.trace.last_value("rel_dist").unwrap()
    };
    let (big, small) = (err(0.05), err(0.005));
    assert!(big > 1e-8 && small < big / 10.0, "{big} {small}");
}

#[test]
fn extra_is_ideal_with_one_gradient_step() {
    let p = ConsensusProblem::spec_quadratics(10, 5, 100.0, 3).unwrap();
    for kind in [GossipKind::Laplacian, GossipKind::MetropolisHastings] {
        let sim = network(Graph::ring(10).unwrap(), kind);
        let alpha = 0.7 / p.smoothness();
        let x0 = Array2::from_shape_fn((10, 5), |(i, j)| (i as f64 - j as f64) * 0.1);
        let mut extra = crate::extra::ExtraState::new(&p, &sim, x0.view(), &ExtraParams::new().step(alpha)).unwrap();
        let params = IdealParams::extra_equivalent(alpha, sim.spectrum().mixing_scale);
        let mut ideal = IdealState::new(&p, &sim, x0.view(), &params).unwrap();
        let mut worst = 0.0f64;
        let (mut we, mut wi) = (gradus_oracle::Work::default(), gradus_oracle::Work::default());
        use gradus_oracle::Method;
        for _ in 0..50 {
            extra.step(&mut we);
            ideal.step(&mut wi);
            let d = (&extra.iterate() - &ideal.iterate())
                .iter()
                .fold(0.0f64, |a, v| a.max(v.abs()));
            worst = worst.max(d);
        }
        assert!(worst <= 1e-12, "{kind:?}: {worst}");
        assert_eq!(we.full_gradients, wi.full_gradients);
    }
}

#[test]
fn runs_are_deterministic_across_thread_counts() {
    // d = 600 makes the simulator split node work over threads.
    let p = ConsensusProblem::spec_quadratics(16, 600, 50.0, 9).unwrap();
    let sim = network(Graph::torus(4, 4).unwrap(), GossipKind::MetropolisHastings);
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        pool.install(|| solve("ideal-agd", &p, &sim, 5, 0.0).x)
    };
    let (a, b) = (run(1), run(2));
    assert!(a.iter().zip(b.iter()).all(|(u, v)| u.to_bits() == v.to_bits()));
    assert_eq!(a, run(2));
}

#[test]
fn a_single_node_degenerates_to_centralized_optimization() {
    let p = ConsensusProblem::spec_quadratics(1, 4, 30.0, 2).unwrap();
    let sim = network(Graph::ring(1).unwrap(), GossipKind::Laplacian);
    for s in EXACT_SOLVERS.iter().chain(&["dgd"]) {
        let r = solve(s, &p, &sim, 50_000, 1e-12);
        assert_eq!(r.status, Status::Converged, "{s}");
    }
}

#[test]
fn bad_parameters_are_typed_errors() {
    let p = ConsensusProblem::spec_quadratics(4, 2, 10.0, 0).unwrap();
    let sim = network(Graph::ring(4).unwrap(), GossipKind::Laplacian);
    let x0 = Array2::zeros((4, 2));
    let mon = ConsensusMonitor::new(&p, x0.view());
    let cfg = config(10, 1e-8);
    let bad = IdealParams {
        beta: Some(1.0),
        ..IdealParams::new()
    };
    let e = bad.solve(&p, &sim, x0.view(), &cfg, &mon, &mut Silent).unwrap_err();
    assert!(e.to_string().contains("beta"), "{e}");
    assert!(
        ExtraParams::new()
            .step(-1.0)
            .solve(&p, &sim, x0.view(), &cfg, &mon, &mut Silent)
            .is_err()
    );
    let wrong = Array2::zeros((3, 2));
    assert!(matches!(
        NidsParams::new().solve(&p, &sim, wrong.view(), &cfg, &mon, &mut Silent),
        Err(DecentralError::DimensionMismatch { .. })
    ));
    let other = network(Graph::ring(5).unwrap(), GossipKind::Laplacian);
    assert!(
        DigingParams::new()
            .solve(&p, &other, x0.view(), &cfg, &mon, &mut Silent)
            .is_err()
    );
}

#[test]
fn spec_ring_regression_numbers() {
    // EXP-I2: ring m = 10, d = 5, κ = 1e3; communication rounds to ‖X − X*‖² ≤ 1e-10 relative.
    let p = ConsensusProblem::spec_quadratics(10, 5, 1e3, 0).unwrap();
    let sim = network(Graph::ring(10).unwrap(), GossipKind::Laplacian);
    let rounds = |s: &str| {
        let r = solve(s, &p, &sim, 100_000, 1e-10);
        assert_eq!(r.status, Status::Converged, "{s}");
        r.work.communication_rounds as f64
    };
    let (ideal, extra, ssda) = (rounds("ideal-agd"), rounds("extra"), rounds("ssda"));
    eprintln!("IDEAL {ideal}, EXTRA {extra}, SSDA {ssda}, MIDEAL {}", rounds("mideal"));
    assert!((1000.0..3000.0).contains(&ideal), "{ideal}");
    assert!(extra / ideal >= 5.0, "{extra} / {ideal}");
    assert!(ssda < ideal);
}

#[test]
fn the_contraction_rule_converges_where_the_fixed_rule_diverges() {
    // 10-node ring, κ = 1e2: the spec's T = ⌈√κ_in⌉ diverges (docs/decentral.md), the default δ = 1/2 rule does not.
    let p = ConsensusProblem::spec_quadratics(10, 5, 1e2, 0).unwrap();
    let sim = network(Graph::ring(10).unwrap(), GossipKind::Laplacian);
    let fixed = solve("ideal-agd-fixed", &p, &sim, 2000, 1e-10);
    assert_ne!(fixed.status, Status::Converged);
    let robust = solve("ideal-agd", &p, &sim, 2000, 1e-10);
    assert_eq!(robust.status, Status::Converged, "{:?}", robust.trace.rows.last());
    let r = IdealParams::new()
        .resolve(p.strong_convexity(), p.smoothness(), sim.gossip_matrix().spectrum())
        .unwrap();
    assert_eq!(r.inner_stop, InnerStop::ROBUST);
    // ⌈√κ_in·ln((κ_in + 1)/δ²)⌉ with κ_in = 2κ = 200.
    assert!((r.kappa_inner - 200.0).abs() < 1e-9);
    let k = r.kappa_inner;
    assert_eq!(
        r.max_inner_iterations(),
        (k.sqrt() * ((k + 1.0) / 0.25).ln()).ceil() as usize
    );
    for bad in [0.0, 1.0, -0.5, f64::NAN] {
        assert!(
            IdealParams::new()
                .inner_stop(InnerStop::Contraction { delta: bad })
                .validate()
                .is_err(),
            "{bad}"
        );
    }
}

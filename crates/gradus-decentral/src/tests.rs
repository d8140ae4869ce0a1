//! Cross-module tests: every solver against the global optimum, the EXTRA special case, determinism, m = 1.

use gradus_oracle::{Report, RunConfig, Silent, Status, Stop};
use ndarray::{Array2, ArrayView2};

use crate::consensus::consensus_distance;
use crate::*;

/// The EXP-I2 quadratics on every node, with their reference optimum.
fn quadratics(m: usize, d: usize, kappa: f64, seed: u64) -> LocalProblem {
    let p = LocalProblem::spec_quadratics(m, d, kappa, seed, 0..m).unwrap();
    let re = p.central_reference(0.0).unwrap();
    p.with_reference(re).unwrap()
}

/// An L2-logistic split over m nodes (contiguous blocks), with its Newton reference.
fn logistic(n: usize, d: usize, m: usize, l2: f64, seed: u64, tol: f64) -> LocalProblem {
    let (x, y) = gradus_data::generate::correlated_gaussian_logistic(n, d, seed);
    let design = gradus_oracle::Design::dense(x).unwrap();
    let loss = gradus_oracle::Loss::Logistic;
    let re = linear_model_reference(&design, y.view(), loss, l2, m, Partition::Contiguous, tol).unwrap();
    LocalProblem::linear_model_split(&design, y.view(), loss, l2, m, Partition::Contiguous, 0..m)
        .unwrap()
        .with_reference(re)
        .unwrap()
}

fn network(graph: Graph, kind: GossipKind) -> Simulator {
    Simulator::new(GossipMatrix::from_graph(&graph, kind).unwrap())
}

fn config(iterations: u64, tol: f64) -> RunConfig {
    RunConfig::new(Stop::iterations(iterations).with_target("rel_dist", tol), 1)
}

/// Runs a named solver from X₀ = 0 to rel_dist ≤ tol.
fn solve(name: &str, p: &LocalProblem, sim: &dyn Communicator, iterations: u64, tol: f64) -> Report {
    let x0 = Array2::zeros((p.node_range().len(), p.dim()));
    let mon = ConsensusMonitor::new(p, sim, x0.view());
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
        "ideal-contraction" => {
            IdealParams::new()
                .inner_stop(InnerStop::ROBUST)
                .solve(p, sim, x0, &cfg, &mon, &mut Silent)
        }
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

const EXACT_SOLVERS: [&str; 11] = [
    "ideal-agd",
    "ideal-contraction",
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
    let p = quadratics(8, 3, 20.0, 5);
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
            assert!(
                consensus_distance(x, p.reference().unwrap().x_star.view()) < 1e-10,
                "{s} on {name}"
            );
            assert!(r.work.full_gradients > 0, "{s}");
        }
    }
}

#[test]
fn logistic_consensus_with_gradient_methods() {
    let p = logistic(300, 5, 6, 0.05, 1, 1e-12);
    let sim = network(Graph::ring(6).unwrap(), GossipKind::Laplacian);
    for s in ["ideal-agd", "mideal", "extra", "nids", "diging", "apm-c"] {
        let r = solve(s, &p, &sim, 100_000, 1e-12);
        assert_eq!(r.status, Status::Converged, "{s}");
    }
    // The exact inner solve needs ρ = 0 (then it separates into local dual gradients).
    let x0 = Array2::zeros((6, 5));
    assert!(matches!(
        IdealState::new(&p, &sim, x0.view(), &IdealParams::new().inner(InnerSolver::Exact)),
        Err(DecentralError::Unsupported { .. })
    ));
}

#[test]
fn ssda_and_msda_reach_the_logistic_optimum_with_inner_dual_solves() {
    // Dual gradients of the L2-logistic nodes by warm-started local L-BFGS (crate::dual); x* by Newton to 1e-12.
    let p = logistic(300, 5, 6, 0.05, 1, 1e-12);
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
            let dist = consensus_distance(x, p.reference().unwrap().x_star.view());
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
    let q = quadratics(6, 5, 10.0, 0);
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
    let p = logistic(16 * 40, 200, 16, 0.1, 4, 1e-10);
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
    let p = quadratics(6, 2, 10.0, 1);
    let sim = network(Graph::ring(6).unwrap(), GossipKind::Laplacian);
    let x0 = Array2::zeros((6, 2));
    let mon = ConsensusMonitor::new(&p, &sim, x0.view());
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
    let p = quadratics(10, 5, 100.0, 3);
    for kind in [GossipKind::Laplacian, GossipKind::MetropolisHastings] {
        let sim = network(Graph::ring(10).unwrap(), kind);
        let alpha = 0.7 / 100.0;
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
    let p = quadratics(16, 600, 50.0, 9);
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
    let p = quadratics(1, 4, 30.0, 2);
    let sim = network(Graph::ring(1).unwrap(), GossipKind::Laplacian);
    for s in EXACT_SOLVERS.iter().chain(&["dgd"]) {
        let r = solve(s, &p, &sim, 50_000, 1e-12);
        assert_eq!(r.status, Status::Converged, "{s}");
    }
}

#[test]
fn bad_parameters_are_typed_errors() {
    let p = quadratics(4, 2, 10.0, 0);
    let sim = network(Graph::ring(4).unwrap(), GossipKind::Laplacian);
    let x0 = Array2::zeros((4, 2));
    let mon = ConsensusMonitor::new(&p, &sim, x0.view());
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
    // EXP-I2: ring m = 10, d = 5, κ = 1e3; gossip rounds (no method here makes an all-reduce) to ‖X − X*‖² ≤ 1e-10
    // relative.
    let p = quadratics(10, 5, 1e3, 0);
    let sim = network(Graph::ring(10).unwrap(), GossipKind::Laplacian);
    let rounds = |s: &str| {
        let r = solve(s, &p, &sim, 100_000, 1e-10);
        assert_eq!(r.status, Status::Converged, "{s}");
        assert_eq!(r.work.all_reduces, 0, "{s}");
        r.work.communication_rounds as f64
    };
    let (ideal, extra, ssda) = (rounds("ideal-agd"), rounds("extra"), rounds("ssda"));
    eprintln!("IDEAL {ideal}, EXTRA {extra}, SSDA {ssda}, MIDEAL {}", rounds("mideal"));
    // √(κκ_W)·ln(1e10) = 2365: IDEAL within a factor 2 of it, EXTRA's O((κ + κ_W) ln(1/ε)) well above.
    assert!((2365.0..4730.0).contains(&ideal), "{ideal}");
    assert!(extra / ideal >= 2.0, "{extra} / {ideal}");
    assert!(ssda < ideal);
}

#[test]
fn the_default_inner_rule_converges_where_the_spec_rule_diverges() {
    // EXP-I3's Erdős–Rényi graph m = 16 at κ = 1e2: the spec's T = ⌈√κ_in⌉ does not converge (docs/decentral.md),
    // the default T = ⌈2√κ_in⌉ does.
    let p = quadratics(16, 5, 1e2, 1);
    let sim = network(Graph::erdos_renyi(16, 0.25, 16, 1000).unwrap(), GossipKind::Laplacian);
    let fixed = solve("ideal-agd-fixed", &p, &sim, 3000, 1e-10);
    assert_ne!(fixed.status, Status::Converged);
    let default = solve("ideal-agd", &p, &sim, 3000, 1e-10);
    assert_eq!(default.status, Status::Converged, "{:?}", default.trace.rows.last());
    let r = IdealParams::new().resolve(1.0, 1e2, sim.spectrum()).unwrap();
    // κ_in = 2κ = 200, T = ⌈2√200⌉ = 29.
    assert!((r.kappa_inner - 200.0).abs() < 1e-9);
    assert_eq!(r.inner_stop, InnerStop::Fixed(29));
    assert_eq!(DEFAULT_INNER_FACTOR, 2.0);
    let c = IdealParams::new().inner_stop(InnerStop::ROBUST);
    let k = c.resolve(1.0, 1e2, sim.spectrum()).unwrap().max_inner_iterations();
    assert_eq!(k, (200f64.sqrt() * (201.0 / 0.25f64).ln()).ceil() as usize);
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

/// Runs `name` on the whole simulator and on the same network split into processes of `sizes` nodes (one thread
/// each, problem blocks built alone by `block`); asserts the same bits of X, the same work and the same trace.
fn assert_split_gives_the_same_bits(
    name: &str,
    whole: &LocalProblem,
    block: &(dyn Fn(std::ops::Range<usize>) -> LocalProblem + Sync),
    sim: &Simulator,
    sizes: &[usize],
    iterations: u64,
) {
    let reference = solve(name, whole, sim, iterations, 0.0);
    let procs = sim.split(sizes).unwrap();
    let parts: Vec<Report> = std::thread::scope(|s| {
        let handles: Vec<_> = procs
            .iter()
            .map(|proc| {
                s.spawn(move || {
                    let p = block(proc.local_nodes());
                    solve(name, &p, proc, iterations, 0.0)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let x: Vec<f64> = parts.iter().flat_map(|r| r.x.iter().copied()).collect();
    assert_eq!(x.len(), reference.x.len(), "{name}");
    assert!(
        x.iter()
            .zip(reference.x.iter())
            .all(|(a, b)| a.to_bits() == b.to_bits()),
        "{name}: split X differs"
    );
    for r in &parts {
        assert_eq!(r.work, reference.work, "{name}: work");
        assert_eq!(r.status, reference.status, "{name}: status");
        assert_eq!(r.trace.rows.len(), reference.trace.rows.len(), "{name}: rows");
        for (a, b) in r.trace.rows.iter().zip(&reference.trace.rows) {
            assert!(
                a.values.iter().zip(&b.values).all(|(u, v)| u.to_bits() == v.to_bits()),
                "{name}: trace values differ at iteration {}",
                a.iteration
            );
        }
    }
}

#[test]
fn every_solver_on_split_processes_gives_the_simulator_bits() {
    let (m, d, kappa, seed) = (7, 3, 30.0, 2);
    let whole = quadratics(m, d, kappa, seed);
    let re = whole.reference().unwrap().clone();
    let block = |r: std::ops::Range<usize>| {
        LocalProblem::spec_quadratics(m, d, kappa, seed, r)
            .unwrap()
            .with_reference(re.clone())
            .unwrap()
    };
    let sim = network(Graph::ring(m).unwrap(), GossipKind::MetropolisHastings);
    for name in EXACT_SOLVERS.iter().chain(&["dgd"]) {
        assert_split_gives_the_same_bits(name, &whole, &block, &sim, &[3, 1, 3], 25);
    }
    // Inner dual solves on logistic nodes (SSDA, MSDA): per-node L-BFGS, counts agreed by a max-reduction.
    let (x, y) = gradus_data::generate::correlated_gaussian_logistic(240, 4, 8);
    let design = gradus_oracle::Design::dense(x).unwrap();
    let loss = gradus_oracle::Loss::Logistic;
    let part = Partition::Seeded(3);
    let re = linear_model_reference(&design, y.view(), loss, 0.05, 6, part, 1e-12).unwrap();
    let build = |r: std::ops::Range<usize>| {
        LocalProblem::linear_model_split(&design, y.view(), loss, 0.05, 6, part, r)
            .unwrap()
            .with_reference(re.clone())
            .unwrap()
    };
    let whole = build(0..6);
    let sim = network(Graph::ring(6).unwrap(), GossipKind::Laplacian);
    for name in ["ssda", "msda", "ideal-agd", "extra"] {
        assert_split_gives_the_same_bits(name, &whole, &build, &sim, &[2, 4], 15);
    }
}

#[test]
fn ideal_counts_its_reductions_and_caches_the_operator_product() {
    let p = quadratics(10, 5, 100.0, 0);
    let sim = network(Graph::ring(10).unwrap(), GossipKind::Laplacian);
    let x0 = Array2::zeros((10, 5));
    let steps = |params: &IdealParams, k: usize| {
        let mut state = IdealState::new(&p, &sim, x0.view(), params).unwrap();
        let mut work = gradus_oracle::Work::default();
        use gradus_oracle::Method;
        for _ in 0..k {
            state.step(&mut work);
        }
        (work, state.parameters().max_inner_iterations() as u64)
    };
    // The default fixed rule needs no reduction; each outer step costs T gradients and T rounds: the first inner
    // gradient reuses Op(X_k) from the previous dual update (T − 1 inner products + 1 dual product). Only the first
    // step computes Op(X₀) itself (T + 1 rounds).
    let (w, t) = steps(&IdealParams::new(), 5);
    assert_eq!(w.all_reduces, 0);
    assert_eq!(w.full_gradients, 5 * t);
    assert_eq!(w.communication_rounds, 5 * t + 1, "T = {t}");
    assert_eq!(w.values_sent, (5 * t + 1) * 2 * 5);
    // MIDEAL: K rounds per product, so K·T per outer step (not K·(T + 1)).
    let mideal = IdealParams::mideal();
    let k = mideal.resolve(1.0, 100.0, sim.spectrum()).unwrap().operator.rounds() as u64;
    let (w, t) = steps(&mideal, 3);
    assert_eq!(w.communication_rounds, (3 * t + 1) * k);
    // The contraction rule pays one all-reduce of one value per inner iteration.
    let (w, _) = steps(&IdealParams::new().inner_stop(InnerStop::ROBUST), 5);
    assert_eq!(w.all_reduces, w.full_gradients);
    assert!(w.all_reduces > 0);
    // The setup's constants: one all-reduce of 4 values, reported apart.
    let state = IdealState::new(&p, &sim, x0.view(), &IdealParams::new()).unwrap();
    assert_eq!((state.setup_work().all_reduces, state.setup_work().values_sent), (1, 4));
}

#[test]
fn a_wall_clock_budget_is_refused_on_split_processes_only() {
    let p = quadratics(4, 2, 10.0, 0);
    let sim = network(Graph::ring(4).unwrap(), GossipKind::Laplacian);
    let cfg = RunConfig::new(Stop::iterations(5).with_max_seconds(10.0), 1);
    let x0 = Array2::zeros((4, 2));
    let mon = ConsensusMonitor::new(&p, &sim, x0.view());
    assert!(
        ExtraParams::new()
            .solve(&p, &sim, x0.view(), &cfg, &mon, &mut Silent)
            .is_ok()
    );
    let procs = sim.split(&[2, 2]).unwrap();
    let block = LocalProblem::spec_quadratics(4, 2, 10.0, 0, 0..2).unwrap();
    let x0 = Array2::zeros((2, 2));
    let mon = ConsensusMonitor::new(&block, &procs[0], Array2::zeros((0, 2)).view());
    // No collective is reached: the check is local and the same on every process.
    let e = ExtraParams::new()
        .solve(&block, &procs[0], x0.view(), &cfg, &mon, &mut Silent)
        .unwrap_err();
    assert!(e.to_string().contains("max_seconds"), "{e}");
}

#[test]
fn split_processes_agree_on_bad_input_and_on_divergence() {
    let whole = quadratics(4, 2, 10.0, 0);
    let re = whole.reference().unwrap().clone();
    let sim = network(Graph::ring(4).unwrap(), GossipKind::Laplacian);
    let procs = sim.split(&[2, 2]).unwrap();
    let cfg = &config(200, 1e-10);
    // Process 0 passes a start with a wrong number of rows: it gets its own error, process 1 `OtherProcess`, and
    // neither waits for the other.
    let errors: Vec<DecentralError> = std::thread::scope(|s| {
        let handles: Vec<_> = procs
            .iter()
            .map(|proc| {
                let re = re.clone();
                s.spawn(move || {
                    let p = LocalProblem::spec_quadratics(4, 2, 10.0, 0, proc.local_nodes())
                        .unwrap()
                        .with_reference(re)
                        .unwrap();
                    let rows = if proc.rank() == 0 { 3 } else { 2 };
                    let x0 = Array2::zeros((rows, 2));
                    let mon = ConsensusMonitor::new(&p, proc, Array2::zeros((2, 2)).view());
                    ExtraParams::new()
                        .solve(&p, proc, x0.view(), cfg, &mon, &mut Silent)
                        .unwrap_err()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert!(
        matches!(errors[0], DecentralError::DimensionMismatch { .. }),
        "{}",
        errors[0]
    );
    assert!(
        matches!(errors[1], DecentralError::OtherProcess { .. }),
        "{}",
        errors[1]
    );
    // A step far too long diverges; every process ends `Diverged` at the same iteration.
    let statuses: Vec<Status> = std::thread::scope(|s| {
        let handles: Vec<_> = procs
            .iter()
            .map(|proc| {
                let re = re.clone();
                s.spawn(move || {
                    let p = LocalProblem::spec_quadratics(4, 2, 10.0, 0, proc.local_nodes())
                        .unwrap()
                        .with_reference(re)
                        .unwrap();
                    let x0 = Array2::from_elem((2, 2), 1.0);
                    let mon = ConsensusMonitor::new(&p, proc, x0.view());
                    ExtraParams::new()
                        .step(5.0)
                        .solve(&p, proc, x0.view(), cfg, &mon, &mut Silent)
                        .unwrap()
                        .status
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let iteration = |s: &Status| match s {
        Status::Diverged { iteration, .. } => *iteration,
        other => panic!("expected divergence, got {other:?}"),
    };
    // Same iteration; `last_finite` holds each process's own rows.
    assert_eq!(iteration(&statuses[0]), iteration(&statuses[1]));
}

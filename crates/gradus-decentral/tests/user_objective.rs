//! A node objective defined outside the crate (the Huber node of `examples/user_objective.rs`) under EXTRA and
//! IDEAL on the simulator, against a central reference, and on split processes with the same bits.

#[path = "../examples/user_objective.rs"]
mod user_objective;

use gradus_oracle::Status;
use user_objective::{huber_problem, ring_network, run};

#[test]
fn a_user_objective_runs_under_extra_and_ideal_to_the_central_optimum() {
    let sim = ring_network().unwrap();
    let whole = huber_problem(0..8, 42).unwrap();
    let reference = whole.central_reference(1e-12).unwrap();
    let x_star = reference.x_star.clone();
    let problem = whole.with_reference(reference.clone()).unwrap();
    for algorithm in ["extra", "ideal"] {
        let (report, mean) = run(algorithm, &problem, &sim, 100_000, 1e-12).unwrap();
        assert_eq!(report.status, Status::Converged, "{algorithm}");
        let error = (&mean - &x_star).iter().map(|v| v * v).sum::<f64>().sqrt();
        assert!(error <= 1e-5, "{algorithm}: ‖x̄ − x*‖ = {error:e}");
        // Split over three processes (threads), each building only its nodes: the same bits of x̄.
        let procs = sim.split(&[3, 3, 2]).unwrap();
        let means: Vec<_> = std::thread::scope(|s| {
            let handles: Vec<_> = procs
                .iter()
                .map(|proc| {
                    let reference = reference.clone();
                    s.spawn(move || {
                        let block = huber_problem(gradus_decentral::Communicator::local_nodes(proc), 42)
                            .unwrap()
                            .with_reference(reference)
                            .unwrap();
                        run(algorithm, &block, proc, 100_000, 1e-12).unwrap()
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        for (r, m) in &means {
            assert_eq!(r.work, report.work, "{algorithm}");
            assert!(
                m.iter().zip(mean.iter()).all(|(a, b)| a.to_bits() == b.to_bits()),
                "{algorithm}"
            );
        }
    }
}

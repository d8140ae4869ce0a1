//! The user objective of `examples/user_objective.rs` under `mpirun -n 2` and `-n 4` (example
//! `user_objective_mpi`): the printed x̄ bits of EXTRA and IDEAL equal the simulator's. Feature `mpi`; needs
//! OpenMPI's `mpirun`; runs on this machine only (oversubscribed, loopback, allowed as root).
#![cfg(feature = "mpi")]

#[path = "../examples/user_objective.rs"]
mod user_objective;

use std::path::PathBuf;
use std::process::Command;

use user_objective::{huber_problem, ring_network, run};

/// The example binary cargo built next to this test (`target/<profile>/examples/`), built here if missing.
fn example() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().unwrap().parent().unwrap().join("examples");
    let path = dir.join("user_objective_mpi");
    if !path.exists() {
        let status = Command::new(env!("CARGO"))
            .args([
                "build",
                "-p",
                "gradus-decentral",
                "--features",
                "mpi",
                "--example",
                "user_objective_mpi",
            ])
            .status()
            .unwrap();
        assert!(status.success());
    }
    path
}

#[test]
fn user_objective_under_mpirun_gives_the_simulator_bits() {
    let sim = ring_network().unwrap();
    let whole = huber_problem(0..8, 42).unwrap();
    let reference = whole.central_reference(1e-12).unwrap();
    let problem = whole.with_reference(reference).unwrap();
    let mut want = Vec::new();
    for algorithm in ["extra", "ideal"] {
        let (_, mean) = run(algorithm, &problem, &sim, 100_000, 1e-12).unwrap();
        let bits: Vec<String> = mean.iter().map(|v| format!("{:016x}", v.to_bits())).collect();
        want.push(format!("bits {}", bits.join(" ")));
    }
    let exe = example();
    for k in ["2", "4"] {
        let out = Command::new("mpirun")
            .envs([
                ("OMPI_ALLOW_RUN_AS_ROOT", "1"),
                ("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1"),
                ("OMPI_MCA_rmaps_base_oversubscribe", "1"),
                ("OMPI_MCA_oob_tcp_if_include", "lo"),
                ("OMPI_MCA_btl_tcp_if_include", "lo"),
            ])
            .args(["-n", k])
            .arg(&exe)
            .output()
            .expect("mpirun starts");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let got: Vec<String> = stdout
            .lines()
            .map(str::trim)
            .filter(|l| l.starts_with("bits "))
            .map(String::from)
            .collect();
        assert_eq!(got, want, "{k} processes:\n{stdout}");
        assert!(stdout.contains(&format!("{k} processes")));
    }
}

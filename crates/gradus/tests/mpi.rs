//! `gradus decentral` and `gradus fit --nodes` under `mpirun` (feature `mpi`): the same bits as the simulator on
//! 1, 2 and 4 processes, a killed process ends the job, bad input on one process stops every process.
//!
//! Needs OpenMPI's `mpirun` on the PATH. Every run is on this machine only: oversubscribed, loopback only, allowed
//! as root (the environment variables below).
#![cfg(feature = "mpi")]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const GRADUS: &str = env!("CARGO_BIN_EXE_gradus");

/// OpenMPI's settings for one machine: run as root, more processes than cores, loopback only.
const OMPI_ENV: [(&str, &str); 5] = [
    ("OMPI_ALLOW_RUN_AS_ROOT", "1"),
    ("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1"),
    ("OMPI_MCA_rmaps_base_oversubscribe", "1"),
    ("OMPI_MCA_oob_tcp_if_include", "lo"),
    ("OMPI_MCA_btl_tcp_if_include", "lo"),
];

fn mpirun(k: usize, args: &[&str]) -> Command {
    let mut c = Command::new("mpirun");
    c.envs(OMPI_ENV).args(["-n", &k.to_string(), GRADUS]).args(args);
    c
}

fn run(mut c: Command) -> Output {
    c.output().expect("mpirun starts (is OpenMPI installed?)")
}

fn ok(out: &Output, what: &str) {
    assert!(
        out.status.success(),
        "{what}: {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A LIBSVM file of n samples with 6 features (some entries missing), labels 0/1.
fn write_libsvm(path: &Path, n: usize) {
    let mut s = String::new();
    for i in 0..n {
        let y = usize::from((i * 37) % 7 < 3);
        s.push_str(&y.to_string());
        for j in 1..=6usize {
            if (i + j) % 4 != 0 {
                let v = (i as f64 * 0.37 + j as f64 * 1.3).sin() + if y == 1 { 0.8 } else { -0.3 } * (j % 2) as f64;
                s.push_str(&format!(" {j}:{v:.6}"));
            }
        }
        s.push('\n');
        if i % 50 == 7 {
            s.push_str("# a comment line\n\n");
        }
    }
    std::fs::write(path, s).unwrap();
}

/// The trace CSV without its `seconds` column (wall time differs between runs).
fn trace_without_seconds(path: &Path) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let skip = header.iter().position(|h| *h == "seconds").unwrap();
    std::iter::once(header.iter().map(|s| s.to_string()).collect())
        .chain(lines.map(|l| {
            l.split(',')
                .enumerate()
                .filter(|(k, _)| *k != skip)
                .map(|(_, v)| v.to_string())
                .collect()
        }))
        .collect()
}

fn paths(dir: &Path, tag: &str) -> (PathBuf, PathBuf) {
    (dir.join(format!("trace_{tag}.csv")), dir.join(format!("x_{tag}.npy")))
}

/// Every method: the simulator and mpirun -n 1, 2, 4 over 8 nodes give the same x̄ bytes and the same trace
/// (every value and count; the trace has the all_reduces column).
#[test]
fn every_method_gives_the_simulator_bits_on_1_2_and_4_processes() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("small.svm");
    write_libsvm(&data, 203);
    let data = data.to_str().unwrap();
    for algorithm in [
        "extra", "ideal", "mideal", "dgd", "diging", "nids", "ssda", "msda", "apm-c",
    ] {
        let common = [
            "decentral",
            "--data",
            data,
            "--nodes",
            "8",
            "--graph",
            "ring",
            "--algorithm",
            algorithm,
            "--max-rounds",
            "150",
            "--record-every",
            "3",
        ];
        let (t_sim, x_sim) = paths(dir.path(), &format!("{algorithm}_sim"));
        let mut c = Command::new(GRADUS);
        c.args(common)
            .args(["--backend", "simulator", "--trace-out"])
            .arg(&t_sim)
            .arg("--weights-out")
            .arg(&x_sim);
        ok(&run(c), algorithm);
        let want_trace = trace_without_seconds(&t_sim);
        assert!(want_trace[0].iter().any(|h| h == "all_reduces"));
        assert!(
            want_trace.len() >= 3,
            "{algorithm}: a trace of {} rows",
            want_trace.len()
        );
        let want_x = std::fs::read(&x_sim).unwrap();
        for k in [1, 2, 4] {
            let (t, x) = paths(dir.path(), &format!("{algorithm}_{k}"));
            let mut c = mpirun(k, &common);
            c.args(["--backend", "mpi", "--trace-out"])
                .arg(&t)
                .arg("--weights-out")
                .arg(&x);
            let out = run(c);
            ok(&out, &format!("{algorithm} on {k} processes"));
            assert!(String::from_utf8_lossy(&out.stdout).contains(&format!("processes {k} nodes 8")));
            assert_eq!(std::fs::read(&x).unwrap(), want_x, "{algorithm}: x̄ on {k} processes");
            assert_eq!(
                trace_without_seconds(&t),
                want_trace,
                "{algorithm}: trace on {k} processes"
            );
        }
    }
}

/// NPY data and labels, read by seeking to each process's rows, on 3 processes (unequal blocks) over 7 nodes of a
/// grid-less graph: the simulator's bits.
#[test]
fn npy_blocks_read_by_seeking_give_the_simulator_bits() {
    use gradus_data::npy::{write_npy_matrix, write_npy_vector};
    let dir = tempfile::tempdir().unwrap();
    let n = 157;
    let x = ndarray::Array2::from_shape_fn((n, 5), |(i, j)| ((i * 5 + j) as f64 * 0.61).cos());
    let y = ndarray::Array1::from_shape_fn(n, |i| if (i * 11) % 5 < 2 { 1.0 } else { 0.0 });
    let (xp, yp) = (dir.path().join("x.npy"), dir.path().join("y.npy"));
    write_npy_matrix(&xp, &x).unwrap();
    write_npy_vector(&yp, &y).unwrap();
    let common = [
        "decentral",
        "--data",
        xp.to_str().unwrap(),
        "--labels",
        yp.to_str().unwrap(),
        "--nodes",
        "7",
        "--graph",
        "erdos-renyi",
        "--gossip",
        "metropolis",
        "--algorithm",
        "extra",
        "--max-rounds",
        "100",
    ];
    let (t_sim, x_sim) = paths(dir.path(), "sim");
    let mut c = Command::new(GRADUS);
    c.args(common)
        .arg("--trace-out")
        .arg(&t_sim)
        .arg("--weights-out")
        .arg(&x_sim);
    ok(&run(c), "simulator");
    let (t, xo) = paths(dir.path(), "3");
    let mut c = mpirun(3, &common);
    c.arg("--trace-out").arg(&t).arg("--weights-out").arg(&xo);
    ok(&run(c), "3 processes");
    assert_eq!(std::fs::read(&xo).unwrap(), std::fs::read(&x_sim).unwrap());
    assert_eq!(trace_without_seconds(&t), trace_without_seconds(&t_sim));
}

/// A malformed line in the last process's block, and labels too short for the last block: every process stops,
/// the job exits non-zero, and the message names the file (and the line).
#[test]
fn bad_input_on_one_process_stops_every_process_with_the_message() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.svm");
    let mut lines: Vec<String> = (0..40).map(|i| format!("{} 1:{}.5 2:1", i % 2, i)).collect();
    lines[35] = "1 1:0.5 2:abc".into();
    std::fs::write(&bad, lines.join("\n") + "\n").unwrap();
    let started = Instant::now();
    let out = run(mpirun(
        4,
        &["decentral", "--data", bad.to_str().unwrap(), "--nodes", "8"],
    ));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("bad.svm:36:"), "{stderr}");
    assert!(stderr.contains("another process found bad input"), "{stderr}");
    assert!(started.elapsed() < Duration::from_secs(30));

    use gradus_data::npy::{write_npy_matrix, write_npy_vector};
    let (xp, yp) = (dir.path().join("x.npy"), dir.path().join("short.npy"));
    write_npy_matrix(&xp, &ndarray::Array2::from_elem((40, 3), 0.5)).unwrap();
    write_npy_vector(&yp, &ndarray::Array1::from_elem(30, 1.0)).unwrap();
    let out = run(mpirun(
        2,
        &[
            "decentral",
            "--data",
            xp.to_str().unwrap(),
            "--labels",
            yp.to_str().unwrap(),
            "--nodes",
            "4",
        ],
    ));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("short.npy"), "{stderr}");

    let out = run(mpirun(
        2,
        &["decentral", "--data", "/nonexistent/file.svm", "--nodes", "4"],
    ));
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/file.svm"));
}

/// The processes mpirun started (its children), with their rank.
fn ranks_of(mpirun_pid: u32) -> Vec<(u32, usize)> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        // Fields after the command name "(...)": state, ppid, ...
        let Some(rest) = stat.rsplit_once(')').map(|(_, r)| r) else {
            continue;
        };
        let ppid: u32 = rest.split_whitespace().nth(1).and_then(|p| p.parse().ok()).unwrap_or(0);
        if ppid != mpirun_pid {
            continue;
        }
        let env = std::fs::read(format!("/proc/{pid}/environ")).unwrap_or_default();
        let rank = env
            .split(|&b| b == 0)
            .filter_map(|kv| std::str::from_utf8(kv).ok())
            .find_map(|kv| kv.strip_prefix("OMPI_COMM_WORLD_RANK=").and_then(|r| r.parse().ok()));
        if let Some(r) = rank {
            found.push((pid, r));
        }
    }
    found
}

/// kill -9 of one process in a long run: the job ends with a non-zero status within 10 s, saying which process died.
#[test]
fn a_killed_process_ends_the_job_within_10_seconds() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("small.svm");
    write_libsvm(&data, 80);
    let mut c = mpirun(
        2,
        &[
            "decentral",
            "--data",
            data.to_str().unwrap(),
            "--nodes",
            "4",
            "--max-rounds",
            "2000000000",
        ],
    );
    let mut child = c.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let victim = loop {
        let ranks = ranks_of(child.id());
        if ranks.len() == 2 {
            break ranks.into_iter().find(|(_, r)| *r == 1).unwrap().0;
        }
        assert!(Instant::now() < deadline, "the ranks did not start");
        std::thread::sleep(Duration::from_millis(100));
    };
    std::thread::sleep(Duration::from_millis(1500)); // well into the solver loop
    assert!(child.try_wait().unwrap().is_none(), "the run ended before the kill");
    let killed = Instant::now();
    assert!(
        Command::new("kill")
            .args(["-9", &victim.to_string()])
            .status()
            .unwrap()
            .success()
    );
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if killed.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            panic!("the job was still running 30 s after a process was killed");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let took = killed.elapsed();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    eprintln!("job ended {took:?} after the kill, {status:?}\n{stderr}");
    assert!(!status.success());
    assert!(took < Duration::from_secs(10), "{took:?}");
    assert!(stderr.contains("signal 9") || stderr.contains("Killed"), "{stderr}");
}

/// gradus fit --nodes: K = 1, 2, 4 give the bits of the one-process sharded run, and the objective of the unsplit
/// fit to 1e-10 relative.
#[test]
fn sharded_fit_gives_the_same_bits_on_every_process_count_and_the_unsplit_objective() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("small.svm");
    write_libsvm(&data, 203);
    let objective = |out: &Output| -> f64 {
        let s = String::from_utf8_lossy(&out.stdout);
        s.split_whitespace()
            .nth(1)
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("{s}"))
    };
    for solver in ["gd", "agd", "lbfgs"] {
        let common = [
            "fit",
            "--data",
            data.to_str().unwrap(),
            "--l2",
            "0.01",
            "--solver",
            solver,
            "--tol",
            "1e-12",
        ];
        let whole = dir.path().join(format!("{solver}_whole.npy"));
        let mut c = Command::new(GRADUS);
        c.args(common).arg("--weights-out").arg(&whole);
        let out = run(c);
        ok(&out, solver);
        let f_whole = objective(&out);
        let one = dir.path().join(format!("{solver}_one.npy"));
        let mut c = Command::new(GRADUS);
        c.args(common).args(["--nodes", "8", "--weights-out"]).arg(&one);
        let out = run(c);
        ok(&out, solver);
        let f_one = objective(&out);
        assert!(
            (f_one - f_whole).abs() <= 1e-10 * f_whole.abs(),
            "{solver}: {f_one} vs {f_whole}"
        );
        let want = std::fs::read(&one).unwrap();
        for k in [1, 2, 4] {
            let p = dir.path().join(format!("{solver}_{k}.npy"));
            let mut c = mpirun(k, &common);
            c.args(["--nodes", "8", "--weights-out"]).arg(&p);
            let out = run(c);
            ok(&out, &format!("{solver} on {k} processes"));
            assert_eq!(objective(&out).to_bits(), f_one.to_bits(), "{solver} on {k}");
            assert_eq!(std::fs::read(&p).unwrap(), want, "{solver} on {k}: weights");
        }
    }
}

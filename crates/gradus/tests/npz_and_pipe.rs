//! The CLI reads SciPy's sparse `.npz` with (n, 1) boolean labels, and output into a closed pipe ends quietly.

use std::io::{Cursor, Write};
use std::path::Path;
use std::process::{Command, Stdio};

use gradus_data::npy::npy_bytes_vector;
use ndarray::ArrayView1;
use zip::write::SimpleFileOptions;

/// An NPY file with the given descr, shape literal and raw data.
fn npy(descr: &str, shape: &str, data: &[u8]) -> Vec<u8> {
    let dict = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}\n");
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend_from_slice(&(dict.len() as u16).to_le_bytes());
    out.extend_from_slice(dict.as_bytes());
    out.extend_from_slice(data);
    out
}

fn i8s(values: &[i64]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

/// Writes a SciPy-style CSR `.npz` (deflated, int64 indices) of the n × 2 matrix with rows (1, t) and (−1, −t),
/// and labels shaped (n, 1) as booleans: true for the first kind of row.
fn write_npz(dir: &Path, n: usize) -> (String, String) {
    let (mut indptr, mut indices, mut data, mut labels) = (vec![0i64], Vec::new(), Vec::new(), Vec::new());
    for i in 0..n {
        let s = if i % 2 == 0 { 1.0 } else { -1.0 };
        let t = (i % 7) as f64 / 7.0 - 0.4;
        indices.extend([0i64, 1]);
        data.extend([s, s * t]);
        indptr.push(indices.len() as i64);
        // A few flipped labels so the problem has a finite optimum.
        labels.push(u8::from((s > 0.0) != (i % 10 == 3)));
    }
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    let members = [
        (
            "indices.npy",
            npy("<i8", &format!("({},)", indices.len()), &i8s(&indices)),
        ),
        ("indptr.npy", npy("<i8", &format!("({},)", indptr.len()), &i8s(&indptr))),
        ("format.npy", npy("|S3", "()", b"csr")),
        ("shape.npy", npy("<i8", "(2,)", &i8s(&[n as i64, 2]))),
        ("data.npy", npy_bytes_vector(ArrayView1::from(&data))),
    ];
    for (name, bytes) in members {
        w.start_file(name, opts).unwrap();
        w.write_all(&bytes).unwrap();
    }
    let x = dir.join("x.npz");
    std::fs::write(&x, w.finish().unwrap().into_inner()).unwrap();
    let y = dir.join("y.npy");
    std::fs::write(&y, npy("|b1", &format!("({n}, 1)"), &labels)).unwrap();
    (x.display().to_string(), y.display().to_string())
}

#[test]
fn npz_data_with_column_boolean_labels_is_inspected_and_fit() {
    let dir = tempfile::tempdir().unwrap();
    let (x, y) = write_npz(dir.path(), 40);
    let out = Command::new(env!("CARGO_BIN_EXE_gradus"))
        .args(["inspect", "--data", &x, "--labels", &y])
        .output()
        .unwrap();
    let s = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        s.contains("NPZ") && s.contains("n         40") && s.contains("nnz       80"),
        "{s}"
    );
    let out = Command::new(env!("CARGO_BIN_EXE_gradus"))
        .args(["fit", "--data", &x, "--labels", &y, "--solver", "lbfgs", "--l2", "0.01"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

/// Spawns gradus with stdout on a pipe whose reading end is closed before gradus writes.
fn run_into_closed_pipe(args: &[&str]) -> (std::process::ExitStatus, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_gradus"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    (out.status, String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn output_into_a_closed_pipe_ends_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let (x, y) = write_npz(dir.path(), 2000);
    for args in [
        vec!["inspect", "--data", &x, "--labels", &y],
        vec!["fit", "--data", &x, "--labels", &y, "--solver", "lbfgs", "--l2", "0.01"],
    ] {
        let (status, stderr) = run_into_closed_pipe(&args);
        assert!(
            !stderr.contains("panicked") && !stderr.contains("Broken pipe"),
            "{args:?}: {stderr}"
        );
        #[cfg(unix)]
        {
            use std::os::unix::process::ExitStatusExt;
            // Ended by SIGPIPE like any Unix filter, or done before the pipe closed.
            assert!(
                status.success() || status.signal() == Some(libc_sigpipe()),
                "{args:?}: {status:?}"
            );
        }
        #[cfg(not(unix))]
        assert!(status.success(), "{args:?}: {status:?}");
    }
}

/// SIGPIPE's number (13 on every Unix gradus targets).
#[cfg(unix)]
fn libc_sigpipe() -> i32 {
    13
}

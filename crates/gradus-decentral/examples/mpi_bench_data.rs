//! Writes the data set of the MPI benchmark in docs/benchmarks.md: a correlated-Gaussian logistic regression
//! (gradus-data's `correlated_gaussian_logistic`, seed 0) as `DIR/x.npy` (n × d float64) and `DIR/y.npy` (±1).
//!
//! ```text
//! cargo run --release -p gradus-decentral --example mpi_bench_data -- /tmp/gradus-mpi-bench 1000000 100
//! ```
//! Never commit the output (800 MB for 10⁶ × 100).

use gradus_data::generate::correlated_gaussian_logistic;
use gradus_data::npy::{write_npy_matrix, write_npy_vector};

fn main() {
    let mut args = std::env::args().skip(1);
    let dir = std::path::PathBuf::from(args.next().unwrap_or_else(|| "/tmp/gradus-mpi-bench".into()));
    let n: usize = args.next().map_or(1_000_000, |a| a.parse().expect("n"));
    let d: usize = args.next().map_or(100, |a| a.parse().expect("d"));
    std::fs::create_dir_all(&dir).expect("the output directory");
    let (x, y) = correlated_gaussian_logistic(n, d, 0);
    write_npy_matrix(dir.join("x.npy"), &x).expect("x.npy");
    write_npy_vector(dir.join("y.npy"), &y).expect("y.npy");
    println!("wrote {} ({n} × {d}) and y.npy", dir.join("x.npy").display());
}

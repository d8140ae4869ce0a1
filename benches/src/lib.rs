//! # gradus-benches
//!
//! Criterion benchmarks of gradus's hot kernels and solver epochs, and the small helpers they share (seeded
//! matrix generators, thread pools, naive reference kernels). Results, with the machine they were measured on,
//! are in `docs/benchmarks.md`.
//!
//! ## `kernels` (`cargo bench -p gradus-benches --bench kernels`)
//!
//! The data-matrix kernels of [`gradus_oracle::Design`] on two matrices built here from fixed seeds:
//!
//! - **dense** `100000 × 200` (160 MB of `f64`, standard normal entries, [`dense_matrix`]);
//! - **sparse** `50000 × 20000` at 0.2 % density (about 2·10⁶ stored values, [`sparse_matrix`]: a
//!   bag-of-words-like CSR with 20–60 distinct uniformly drawn columns per row and positive values).
//!
//! Each kernel runs inside `pool.install` of a rayon pool with 1 and with 2 threads ([`pool`]); the benchmark id
//! is `<kernel>_<matrix>/<implementation>/<threads>`:
//!
//! | group | implementation | what one iteration does |
//! |---|---|---|
//! | `row_dot_<m>` | `design` | `out[i] = X.row_dot(i, x)` for every row, one pass; rows are split into `Design::chunks()` run in parallel (with one thread this is the plain sequential pass solvers run) |
//! | `matvec_<m>` | `design` | `X.matvec(x, out)` (out = X x) |
//! | `matvec_<m>` | `seq_loop` | reference: a plain sequential `dot` per row ([`seq_matvec`]) |
//! | `matvec_<m>` | `ndarray` | reference (dense only): ndarray's `X.dot(&x)` |
//! | `matvec_t_<m>` | `design` | `X.matvec_t(v, out)` (out = Xᵀ v) |
//! | `matvec_t_<m>` | `seq_loop` | reference: a plain sequential row-wise `axpy` ([`seq_matvec_t`]) |
//! | `matvec_t_<m>` | `ndarray` | reference (dense only): ndarray's `X.t().dot(&v)` |
//!
//! The references are sequential and run only with one thread. Every group reports throughput in bytes of the
//! stored matrix read per iteration (8 bytes per value; 12 per stored value for CSR), which is the real limit of
//! these kernels once the matrix does not fit in cache.
//!
//! The medians table in `docs/benchmarks.md` is printed from criterion's saved estimates by
//! `cargo run -p gradus-benches --release --bin bench-table` (run it after the bench, with the same
//! `CARGO_TARGET_DIR`). On a shared machine, the example
//! `cargo run -p gradus-benches --release --example interleaved -- dense|sparse [ROUNDS]` measures the same kernels
//! round-robin and drops the rounds during which another process used the CPU, which keeps the thread-scaling
//! ratios honest when a neighbour holds one of the cores.

use gradus_oracle::design::{axpy, dot};
use gradus_oracle::{Csr, Design};
use ndarray::Array2;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use rand_distr::{Distribution, StandardNormal};

/// Shape of the dense benchmark matrix.
pub const DENSE_SHAPE: (usize, usize) = (100_000, 200);
/// Shape of the sparse benchmark matrix.
pub const SPARSE_SHAPE: (usize, usize) = (50_000, 20_000);
/// Density of the sparse benchmark matrix.
pub const SPARSE_DENSITY: f64 = 0.002;

/// An `n × d` row-major matrix of independent standard normal entries drawn from `StdRng::seed_from_u64(seed)`.
pub fn dense_matrix(n: usize, d: usize, seed: u64) -> Array2<f64> {
    let mut rng = StdRng::seed_from_u64(seed);
    let values: Vec<f64> = (0..n * d).map(|_| StandardNormal.sample(&mut rng)).collect();
    Array2::from_shape_vec((n, d), values).expect("n·d values")
}

/// A bag-of-words-like `n × d` CSR matrix with about `density · d` stored values per row.
///
/// Row `i` gets a number of stored values drawn uniformly in `[k/2, 3k/2]` with `k = round(density · d)` (at
/// least 1, at most `d`), at distinct columns drawn uniformly, with values `1 + u` (`u` uniform in `[0, 1)`)
/// scaled by `1/√len` so that rows have norms near 1, as after tf-idf and row normalisation. Deterministic in
/// `seed`.
pub fn sparse_matrix(n: usize, d: usize, density: f64, seed: u64) -> Csr {
    assert!(
        d > 0 && d <= u32::MAX as usize,
        "sparse_matrix: d must be in 1..=u32::MAX"
    );
    let mut rng = StdRng::seed_from_u64(seed);
    let k = ((density * d as f64).round() as usize).clamp(1, d);
    let (lo, hi) = ((k / 2).max(1), (k + k / 2).min(d));
    let mut indptr = Vec::with_capacity(n + 1);
    let mut indices: Vec<u32> = Vec::with_capacity(n * k);
    let mut data = Vec::with_capacity(n * k);
    indptr.push(0);
    let mut row: Vec<u32> = Vec::with_capacity(hi);
    for _ in 0..n {
        let len = rng.random_range(lo..=hi);
        row.clear();
        while row.len() < len {
            let j = rng.random_range(0..d as u32);
            if let Err(pos) = row.binary_search(&j) {
                row.insert(pos, j);
            }
        }
        let scale = 1.0 / (len as f64).sqrt();
        indices.extend_from_slice(&row);
        data.extend((0..len).map(|_| (1.0 + rng.random::<f64>()) * scale));
        indptr.push(indices.len());
    }
    Csr::new(n, d, indptr, indices, data).expect("the generator builds valid CSR")
}

/// A vector of length `len` with standard normal entries, deterministic in `seed`.
pub fn normal_vector(len: usize, seed: u64) -> Vec<f64> {
    let mut rng = StdRng::seed_from_u64(seed);
    (0..len).map(|_| StandardNormal.sample(&mut rng)).collect()
}

/// A rayon pool with exactly `threads` threads.
pub fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("build a rayon thread pool")
}

/// Bytes of matrix storage one pass over `x` reads: 8 per dense value; 8 + 4 per stored CSR value (value and
/// column index) plus the row pointers.
pub fn bytes_per_pass(x: &Design) -> u64 {
    let b = match x {
        Design::Dense(a) => 8 * a.len(),
        Design::Sparse(s) => 12 * s.nnz() + 8 * (s.nrows() + 1),
    };
    b as u64
}

/// Reference `out = X x`: one sequential [`Design::row_dot`] per row.
pub fn seq_matvec(x: &Design, w: &[f64], out: &mut [f64]) {
    match x {
        Design::Dense(a) => {
            let d = a.ncols();
            let data = a.as_slice();
            for (o, row) in out.iter_mut().zip(data.chunks_exact(d)) {
                *o = dot(row, w);
            }
        }
        Design::Sparse(_) => {
            for (i, o) in out.iter_mut().enumerate() {
                *o = x.row_dot(i, w);
            }
        }
    }
}

/// Reference `out = Xᵀ v`: a sequential row-wise `axpy`, the textbook loop.
pub fn seq_matvec_t(x: &Design, v: &[f64], out: &mut [f64]) {
    out.fill(0.0);
    match x {
        Design::Dense(a) => {
            let d = a.ncols();
            let data = a.as_slice();
            for (&vi, row) in v.iter().zip(data.chunks_exact(d)) {
                axpy(vi, row, out);
            }
        }
        Design::Sparse(_) => {
            for (i, &vi) in v.iter().enumerate() {
                x.row_axpy(i, vi, out);
            }
        }
    }
}

/// One pass of [`Design::row_dot`] over all rows, the row range split into [`Design::chunks`] and the chunks run
/// with rayon (in the current pool). With one thread this is the sequential pass a stochastic solver makes.
pub fn row_dot_pass(x: &Design, w: &[f64], out: &mut [f64]) {
    use rayon::prelude::*;
    let chunks = x.chunks();
    let mut pieces = Vec::with_capacity(chunks.len());
    let mut rest = out;
    for &(a, b) in &chunks {
        let (head, tail) = rest.split_at_mut(b - a);
        pieces.push((a, head));
        rest = tail;
    }
    pieces.into_par_iter().for_each(|(start, piece)| {
        for (k, o) in piece.iter_mut().enumerate() {
            *o = x.row_dot(start + k, w);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array1;

    #[test]
    fn generators_are_deterministic_and_valid() {
        let a = sparse_matrix(200, 1000, 0.01, 7);
        assert_eq!(a, sparse_matrix(200, 1000, 0.01, 7));
        assert_ne!(a, sparse_matrix(200, 1000, 0.01, 8));
        let per_row = a.nnz() as f64 / 200.0;
        assert!((5.0..=15.0).contains(&per_row), "{per_row}");
        assert_eq!(dense_matrix(3, 4, 1), dense_matrix(3, 4, 1));
    }

    #[test]
    fn references_agree_with_design() {
        for x in [
            Design::dense(dense_matrix(300, 17, 3)).unwrap(),
            Design::sparse(sparse_matrix(300, 50, 0.1, 3)).unwrap(),
        ] {
            let w = normal_vector(x.ncols(), 1);
            let v = normal_vector(x.nrows(), 2);
            let mut a = vec![0.0; x.nrows()];
            let mut b = Array1::zeros(x.nrows());
            seq_matvec(&x, &w, &mut a);
            x.matvec(ndarray::aview1(&w), b.view_mut());
            assert!(a.iter().zip(&b).all(|(p, q)| (p - q).abs() < 1e-12));
            let mut c = vec![0.0; x.nrows()];
            row_dot_pass(&x, &w, &mut c);
            assert!(a.iter().zip(&c).all(|(p, q)| (p - q).abs() < 1e-12));
            let mut t = vec![0.0; x.ncols()];
            let mut u = Array1::zeros(x.ncols());
            seq_matvec_t(&x, &v, &mut t);
            x.matvec_t(ndarray::aview1(&v), u.view_mut());
            assert!(t.iter().zip(&u).all(|(p, q)| (p - q).abs() < 1e-10));
        }
    }
}

//! The data matrix `X` (n rows = samples, d columns = features), dense row-major or CSR, with the row kernels
//! every solver uses.
//!
//! Parallel kernels (`matvec`, `matvec_t`) split the rows into chunks whose boundaries depend only on the
//! matrix's shape and number of stored values — never on the number of threads — and reduce partial results in
//! chunk order. The same input therefore gives the same bits on 1 thread or 64.

use ndarray::{Array1, Array2, ArrayView1, ArrayViewMut1};
use rayon::prelude::*;

use crate::error::{OracleError, Result, check_dim};

/// A sparse matrix in compressed sparse row form with sorted, unique column indices in each row.
#[derive(Debug, Clone, PartialEq)]
pub struct Csr {
    nrows: usize,
    ncols: usize,
    indptr: Vec<usize>,
    indices: Vec<u32>,
    data: Vec<f64>,
}

impl Csr {
    /// Builds a CSR matrix, checking every invariant: `indptr` has `nrows + 1` non-decreasing entries starting at 0
    /// and ending at `data.len()`, column indices are `< ncols` and strictly increasing within a row, values are
    /// finite.
    pub fn new(nrows: usize, ncols: usize, indptr: Vec<usize>, indices: Vec<u32>, data: Vec<f64>) -> Result<Self> {
        check_dim("CSR indptr length (nrows + 1)", nrows + 1, indptr.len())?;
        check_dim("CSR indices length (nnz)", data.len(), indices.len())?;
        if ncols > u32::MAX as usize {
            return Err(OracleError::InvalidParameter {
                name: "ncols",
                value: ncols.to_string(),
                reason: "CSR column count must fit in 32 bits",
            });
        }
        if indptr[0] != 0 {
            return Err(OracleError::MalformedCsr {
                reason: "indptr[0] must be 0",
                position: 0,
            });
        }
        if indptr[nrows] != data.len() {
            return Err(OracleError::MalformedCsr {
                reason: "indptr[nrows] must equal the number of stored values",
                position: nrows,
            });
        }
        for r in 0..nrows {
            let (a, b) = (indptr[r], indptr[r + 1]);
            if b < a {
                return Err(OracleError::MalformedCsr {
                    reason: "indptr must be non-decreasing",
                    position: r + 1,
                });
            }
            for k in a..b {
                if indices[k] as usize >= ncols {
                    return Err(OracleError::MalformedCsr {
                        reason: "column index >= ncols",
                        position: k,
                    });
                }
                if k > a && indices[k] <= indices[k - 1] {
                    return Err(OracleError::MalformedCsr {
                        reason: "column indices must be strictly increasing within a row",
                        position: k,
                    });
                }
            }
        }
        crate::error::check_finite("CSR values", &data)?;
        Ok(Csr {
            nrows,
            ncols,
            indptr,
            indices,
            data,
        })
    }

    /// Number of rows.
    pub fn nrows(&self) -> usize {
        self.nrows
    }
    /// Number of columns.
    pub fn ncols(&self) -> usize {
        self.ncols
    }
    /// Number of stored values.
    pub fn nnz(&self) -> usize {
        self.data.len()
    }
    /// Row pointer array (`nrows + 1` entries).
    pub fn indptr(&self) -> &[usize] {
        &self.indptr
    }
    /// Column indices of row `i` and their values.
    #[inline]
    pub fn row(&self, i: usize) -> (&[u32], &[f64]) {
        let (a, b) = (self.indptr[i], self.indptr[i + 1]);
        (&self.indices[a..b], &self.data[a..b])
    }
    /// All stored values (mutable, for preprocessing that keeps the sparsity pattern).
    pub fn data_mut(&mut self) -> &mut [f64] {
        &mut self.data
    }
    /// All stored column indices.
    pub fn indices(&self) -> &[u32] {
        &self.indices
    }
    /// All stored values.
    pub fn data(&self) -> &[f64] {
        &self.data
    }
    /// The dense copy of this matrix (for tests and small problems).
    pub fn to_dense(&self) -> Array2<f64> {
        let mut a = Array2::zeros((self.nrows, self.ncols));
        for i in 0..self.nrows {
            let (idx, val) = self.row(i);
            for (&j, &v) in idx.iter().zip(val) {
                a[[i, j as usize]] = v;
            }
        }
        a
    }
}

/// The data matrix: dense row-major or CSR.
#[derive(Debug, Clone, PartialEq)]
pub enum Design {
    /// Dense, row-major (standard layout) `n × d`.
    Dense(Array2<f64>),
    /// Compressed sparse rows.
    Sparse(Csr),
}

/// Target number of stored values per parallel chunk.
const CHUNK_WORK: usize = 32_768;
/// Largest number of chunks (enough to balance far more threads than we have).
const MAX_CHUNKS: usize = 64;

impl Design {
    /// A dense design; the array is copied into row-major layout if it is not already, and every value must be
    /// finite.
    pub fn dense(a: Array2<f64>) -> Result<Self> {
        if a.nrows() == 0 {
            return Err(OracleError::Empty {
                what: "data matrix (no rows)",
            });
        }
        let a = if a.is_standard_layout() {
            a
        } else {
            a.as_standard_layout().to_owned()
        };
        crate::error::check_finite(
            "dense data matrix (row-major index)",
            a.as_slice().expect("standard layout"),
        )?;
        Ok(Design::Dense(a))
    }

    /// A sparse design.
    pub fn sparse(csr: Csr) -> Result<Self> {
        if csr.nrows() == 0 {
            return Err(OracleError::Empty {
                what: "data matrix (no rows)",
            });
        }
        Ok(Design::Sparse(csr))
    }

    /// Number of rows (samples) n.
    pub fn nrows(&self) -> usize {
        match self {
            Design::Dense(a) => a.nrows(),
            Design::Sparse(s) => s.nrows(),
        }
    }

    /// Number of columns (features) d.
    pub fn ncols(&self) -> usize {
        match self {
            Design::Dense(a) => a.ncols(),
            Design::Sparse(s) => s.ncols(),
        }
    }

    /// Number of stored values (n·d when dense).
    pub fn nnz(&self) -> usize {
        match self {
            Design::Dense(a) => a.len(),
            Design::Sparse(s) => s.nnz(),
        }
    }

    /// Whether this design is stored sparse.
    pub fn is_sparse(&self) -> bool {
        matches!(self, Design::Sparse(_))
    }

    /// Row `i` of a dense design as a slice.
    #[inline]
    fn dense_row(a: &Array2<f64>, i: usize) -> &[f64] {
        let d = a.ncols();
        &a.as_slice().expect("dense designs are standard layout")[i * d..(i + 1) * d]
    }

    /// aᵢᵀx.
    #[inline]
    pub fn row_dot(&self, i: usize, x: &[f64]) -> f64 {
        match self {
            Design::Dense(a) => dot(Self::dense_row(a, i), x),
            Design::Sparse(s) => {
                let (idx, val) = s.row(i);
                sparse_dot(idx, val, x)
            }
        }
    }

    /// out += α·aᵢ.
    #[inline]
    pub fn row_axpy(&self, i: usize, alpha: f64, out: &mut [f64]) {
        match self {
            Design::Dense(a) => axpy(alpha, Self::dense_row(a, i), out),
            Design::Sparse(s) => {
                let (idx, val) = s.row(i);
                for (&j, &v) in idx.iter().zip(val) {
                    out[j as usize] += alpha * v;
                }
            }
        }
    }

    /// ‖aᵢ‖².
    pub fn row_norm_sq(&self, i: usize) -> f64 {
        match self {
            Design::Dense(a) => {
                let r = Self::dense_row(a, i);
                dot(r, r)
            }
            Design::Sparse(s) => s.row(i).1.iter().map(|v| v * v).sum(),
        }
    }

    /// ‖aᵢ‖² for every row.
    pub fn row_norms_sq(&self) -> Array1<f64> {
        (0..self.nrows()).map(|i| self.row_norm_sq(i)).collect()
    }

    /// Rows `[start, end)` of each parallel chunk: a function of the shape and nnz only.
    pub fn chunks(&self) -> Vec<(usize, usize)> {
        let n = self.nrows();
        let per_chunk_work = CHUNK_WORK.max(8 * self.ncols());
        let count = (self.nnz() / per_chunk_work).clamp(1, MAX_CHUNKS).min(n.max(1));
        let base = n / count;
        let extra = n % count;
        let mut out = Vec::with_capacity(count);
        let mut start = 0;
        for c in 0..count {
            let len = base + usize::from(c < extra);
            out.push((start, start + len));
            start += len;
        }
        out
    }

    /// out = X x (length n). Parallel over row chunks; each entry is computed by one thread, so the result does not
    /// depend on the number of threads.
    pub fn matvec(&self, x: ArrayView1<f64>, mut out: ArrayViewMut1<f64>) {
        assert_eq!(x.len(), self.ncols(), "matvec: x has the wrong length");
        assert_eq!(out.len(), self.nrows(), "matvec: out has the wrong length");
        let xs = contiguous(&x);
        let chunks = self.chunks();
        let out = out.as_slice_mut().expect("matvec: out must be contiguous");
        let mut pieces = Vec::with_capacity(chunks.len());
        let mut rest = out;
        for &(a, b) in &chunks {
            let (head, tail) = rest.split_at_mut(b - a);
            pieces.push((a, head));
            rest = tail;
        }
        pieces.into_par_iter().for_each(|(start, piece)| {
            for (k, o) in piece.iter_mut().enumerate() {
                *o = self.row_dot(start + k, &xs);
            }
        });
    }

    /// out = Xᵀ v (length d), as a row-wise accumulation. Each chunk of rows accumulates into its own partial
    /// vector (in parallel); the partial vectors are then added in chunk order, so the result does not depend on
    /// the number of threads.
    pub fn matvec_t(&self, v: ArrayView1<f64>, mut out: ArrayViewMut1<f64>) {
        assert_eq!(v.len(), self.nrows(), "matvec_t: v has the wrong length");
        assert_eq!(out.len(), self.ncols(), "matvec_t: out has the wrong length");
        let vs = contiguous(&v);
        let d = self.ncols();
        let chunks = self.chunks();
        let mut partials = vec![0.0; chunks.len() * d];
        partials
            .par_chunks_mut(d.max(1))
            .zip(chunks.par_iter())
            .for_each(|(part, &(a, b))| {
                self.accumulate_rows_t(a, b, &vs, part);
            });
        let out = out.as_slice_mut().expect("matvec_t: out must be contiguous");
        out.fill(0.0);
        for part in partials.chunks(d.max(1)) {
            for (o, p) in out.iter_mut().zip(part) {
                *o += p;
            }
        }
    }

    /// part += Σ_{i in [a, b)} vᵢ aᵢ, four dense rows at a time (one pass over `part` per four rows).
    fn accumulate_rows_t(&self, a: usize, b: usize, v: &[f64], part: &mut [f64]) {
        match self {
            Design::Dense(m) => {
                let d = m.ncols();
                let data = m.as_slice().expect("dense designs are standard layout");
                let mut i = a;
                while i + 4 <= b {
                    let r0 = &data[i * d..(i + 1) * d];
                    let r1 = &data[(i + 1) * d..(i + 2) * d];
                    let r2 = &data[(i + 2) * d..(i + 3) * d];
                    let r3 = &data[(i + 3) * d..(i + 4) * d];
                    let (v0, v1, v2, v3) = (v[i], v[i + 1], v[i + 2], v[i + 3]);
                    for j in 0..d {
                        part[j] += (v0 * r0[j] + v1 * r1[j]) + (v2 * r2[j] + v3 * r3[j]);
                    }
                    i += 4;
                }
                while i < b {
                    axpy(v[i], &data[i * d..(i + 1) * d], part);
                    i += 1;
                }
            }
            Design::Sparse(_) => {
                for i in a..b {
                    self.row_axpy(i, v[i], part);
                }
            }
        }
    }

    /// Checks that `x` has length d.
    pub fn check_cols(&self, what: &'static str, len: usize) -> Result<()> {
        check_dim(what, self.ncols(), len)
    }
}

/// A contiguous copy-free view when possible, else an owned copy.
fn contiguous<'a>(x: &'a ArrayView1<f64>) -> std::borrow::Cow<'a, [f64]> {
    match x.as_slice() {
        Some(s) => std::borrow::Cow::Borrowed(s),
        None => std::borrow::Cow::Owned(x.to_vec()),
    }
}

/// xᵀy with four independent accumulators (a fixed summation order, so the result is reproducible).
#[inline]
pub fn dot(x: &[f64], y: &[f64]) -> f64 {
    debug_assert_eq!(x.len(), y.len());
    let n = x.len().min(y.len());
    let (x, y) = (&x[..n], &y[..n]);
    let mut acc = [0.0f64; 4];
    let mut xc = x.chunks_exact(4);
    let mut yc = y.chunks_exact(4);
    for (a, b) in (&mut xc).zip(&mut yc) {
        acc[0] += a[0] * b[0];
        acc[1] += a[1] * b[1];
        acc[2] += a[2] * b[2];
        acc[3] += a[3] * b[3];
    }
    let mut tail = 0.0;
    for (a, b) in xc.remainder().iter().zip(yc.remainder()) {
        tail += a * b;
    }
    (acc[0] + acc[1]) + (acc[2] + acc[3]) + tail
}

/// Σ_k val_k x[idx_k].
#[inline]
pub fn sparse_dot(idx: &[u32], val: &[f64], x: &[f64]) -> f64 {
    let mut s = 0.0;
    for (&j, &v) in idx.iter().zip(val) {
        s += v * x[j as usize];
    }
    s
}

/// y += α x.
#[inline]
pub fn axpy(alpha: f64, x: &[f64], y: &mut [f64]) {
    for (yi, xi) in y.iter_mut().zip(x) {
        *yi += alpha * xi;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    fn small_csr() -> Csr {
        // [[1, 0, 2], [0, 0, 0], [0, 3, 4]]
        Csr::new(3, 3, vec![0, 2, 2, 4], vec![0, 2, 1, 2], vec![1.0, 2.0, 3.0, 4.0]).unwrap()
    }

    #[test]
    fn csr_matches_dense_kernels() {
        let s = Design::sparse(small_csr()).unwrap();
        let d = Design::dense(small_csr().to_dense()).unwrap();
        let x = array![1.0, -2.0, 0.5];
        let v = array![0.5, 7.0, -1.0];
        for m in [&s, &d] {
            let mut o = Array1::zeros(3);
            m.matvec(x.view(), o.view_mut());
            assert_eq!(o, array![2.0, 0.0, -4.0]);
            let mut t = Array1::zeros(3);
            m.matvec_t(v.view(), t.view_mut());
            assert_eq!(t, array![0.5, -3.0, -3.0]);
            assert_eq!(m.row_norm_sq(2), 25.0);
        }
    }

    #[test]
    fn csr_rejects_bad_structure() {
        assert!(matches!(
            Csr::new(2, 3, vec![0, 2, 1], vec![0, 1], vec![1.0, 1.0]),
            Err(OracleError::MalformedCsr { .. })
        ));
        assert!(matches!(
            Csr::new(1, 3, vec![0, 2], vec![1, 1], vec![1.0, 1.0]),
            Err(OracleError::MalformedCsr { position: 1, .. })
        ));
        assert!(matches!(
            Csr::new(1, 2, vec![0, 1], vec![2], vec![1.0]),
            Err(OracleError::MalformedCsr { .. })
        ));
        assert!(matches!(
            Csr::new(1, 2, vec![0, 1], vec![0], vec![f64::NAN]),
            Err(OracleError::NonFinite { index: 0, .. })
        ));
    }

    #[test]
    fn chunks_cover_rows_and_ignore_threads() {
        let a = Array2::from_shape_fn((10_000, 50), |(i, j)| ((i * 31 + j * 17) % 13) as f64 - 6.0);
        let m = Design::dense(a).unwrap();
        let ch = m.chunks();
        assert_eq!(ch.first().unwrap().0, 0);
        assert_eq!(ch.last().unwrap().1, 10_000);
        for w in ch.windows(2) {
            assert_eq!(w[0].1, w[1].0);
        }
        let v: Array1<f64> = (0..10_000).map(|i| (i as f64 * 0.37).sin()).collect();
        let run = |threads| {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            pool.install(|| {
                let mut t = Array1::zeros(50);
                m.matvec_t(v.view(), t.view_mut());
                t
            })
        };
        let (one, two, three) = (run(1), run(2), run(3));
        assert_eq!(one.to_vec(), two.to_vec());
        assert_eq!(one.to_vec(), three.to_vec());
    }

    #[test]
    fn dot_handles_tails() {
        let x: Vec<f64> = (0..7).map(|i| i as f64).collect();
        assert_eq!(dot(&x, &x), 91.0);
    }
}

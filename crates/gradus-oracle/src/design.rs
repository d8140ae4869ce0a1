//! The data matrix `X` (n rows = samples, d columns = features), dense row-major or CSR, with the row kernels
//! every solver uses.
//!
//! Parallel kernels (`matvec`, `matvec_t`) split the rows into chunks whose boundaries depend only on the
//! matrix's shape and number of stored values — never on the number of threads — and reduce partial results in
//! chunk order. The same input therefore gives the same bits on 1 thread or 64.

use std::cell::RefCell;

use std::any::Any;

use ndarray::{Array1, Array2, ArrayView1, ArrayView2, ArrayViewMut1};
use rayon::prelude::*;

use crate::error::{OracleError, Result, check_dim};
use crate::values::Values;

/// A sparse matrix in compressed sparse row form with sorted, unique column indices in each row.
#[derive(Debug, Clone, PartialEq)]
pub struct Csr {
    nrows: usize,
    ncols: usize,
    indptr: Vec<usize>,
    indices: Values<u32>,
    data: Values<f64>,
}

impl Csr {
    /// Builds a CSR matrix, checking every invariant: `indptr` has `nrows + 1` non-decreasing entries starting at 0
    /// and ending at `data.len()`, column indices are `< ncols` and strictly increasing within a row, values are
    /// finite.
    pub fn new(nrows: usize, ncols: usize, indptr: Vec<usize>, indices: Vec<u32>, data: Vec<f64>) -> Result<Self> {
        Self::from_values(nrows, ncols, indptr, Values::owned(indices), Values::owned(data))
    }

    /// [`Csr::new`] on owned or borrowed column indices and values ([`Values`]: a SciPy matrix's arrays used in
    /// place, say), with the same checks.
    pub fn from_values(
        nrows: usize,
        ncols: usize,
        indptr: Vec<usize>,
        indices: Values<u32>,
        data: Values<f64>,
    ) -> Result<Self> {
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
        crate::error::check_finite("CSR values", &*data)?;
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
    /// Prefetches the two row pointers of row `i` (see [`crate::memory::prefetch`]): a loop that prefetches the
    /// rows it will visit in random order must first have their pointers in cache, or computing the row's slices
    /// stalls on them.
    #[inline]
    pub fn prefetch_row_pointers(&self, i: usize) {
        if let Some(p) = self.indptr.get(i..i + 2) {
            crate::memory::prefetch(p);
        }
    }
    /// All stored values (mutable, for preprocessing that keeps the sparsity pattern).
    pub fn data_mut(&mut self) -> &mut [f64] {
        self.data.make_mut()
    }
    /// All stored column indices.
    pub fn indices(&self) -> &[u32] {
        &self.indices
    }
    /// All stored values.
    pub fn data(&self) -> &[f64] {
        &self.data
    }
    /// The matrix whose row k is row `perm[k]` of this one (`perm` a checked permutation of the rows): the three
    /// arrays are rebuilt in the new row order.
    fn rows_gathered(&self, perm: &[usize]) -> Csr {
        let mut indptr = Vec::with_capacity(self.nrows + 1);
        let mut indices = Vec::with_capacity(self.nnz());
        let mut data = Vec::with_capacity(self.nnz());
        indptr.push(0);
        for &from in perm {
            let (idx, val) = self.row(from);
            indices.extend_from_slice(idx);
            data.extend_from_slice(val);
            indptr.push(data.len());
        }
        Csr {
            nrows: self.nrows,
            ncols: self.ncols,
            indptr,
            indices: Values::owned(indices),
            data: Values::owned(data),
        }
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

/// A dense `n × d` matrix in row-major order, whose values are owned or borrowed ([`Values`]: a NumPy array used
/// in place, say). Read it as a slice ([`DenseMatrix::as_slice`], [`DenseMatrix::row`]) or as an ndarray view
/// ([`DenseMatrix::view`]); writing ([`DenseMatrix::values_mut`]) first copies borrowed values.
#[derive(PartialEq)]
pub struct DenseMatrix {
    nrows: usize,
    ncols: usize,
    values: Values<f64>,
}

impl DenseMatrix {
    /// The matrix of `a`, owned (copied into row-major order if it is not already).
    pub fn new(a: Array2<f64>) -> Self {
        let (nrows, ncols) = a.dim();
        let a = if a.is_standard_layout() {
            a
        } else {
            a.as_standard_layout().to_owned()
        };
        let len = nrows * ncols;
        // A standard-layout array's n·d values are contiguous from its offset; an array sliced from a bigger one
        // starts inside its buffer, and then only its own values are kept.
        let values = match a.into_raw_vec_and_offset() {
            (v, Some(0)) if v.len() == len => v,
            (v, Some(k)) if len > 0 => v[k..k + len].to_vec(),
            _ => Vec::new(),
        };
        DenseMatrix {
            nrows,
            ncols,
            values: Values::owned(values),
        }
    }

    /// `nrows × ncols` row-major values borrowed in place (see [`Values::borrowed`]).
    ///
    /// # Safety
    ///
    /// As [`Values::borrowed`]: `ptr` aligned and valid for reading `nrows · ncols` values that do not change while
    /// `owner` lives.
    pub unsafe fn borrowed(ptr: *const f64, nrows: usize, ncols: usize, owner: Box<dyn Any + Send + Sync>) -> Self {
        DenseMatrix {
            nrows,
            ncols,
            // SAFETY: forwarded to our caller.
            values: unsafe { Values::borrowed(ptr, nrows * ncols, owner) },
        }
    }

    /// Number of rows.
    pub fn nrows(&self) -> usize {
        self.nrows
    }
    /// Number of columns.
    pub fn ncols(&self) -> usize {
        self.ncols
    }
    /// Number of values (n·d).
    pub fn len(&self) -> usize {
        self.values.len()
    }
    /// Whether the matrix has no values.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }
    /// Whether the values are borrowed (used in place, not copied).
    pub fn is_borrowed(&self) -> bool {
        self.values.is_borrowed()
    }
    /// All values, row after row.
    #[inline]
    pub fn as_slice(&self) -> &[f64] {
        &self.values
    }
    /// Row `i`.
    #[inline]
    pub fn row(&self, i: usize) -> &[f64] {
        &self.values[i * self.ncols..(i + 1) * self.ncols]
    }
    /// The matrix as an ndarray view.
    pub fn view(&self) -> ArrayView2<'_, f64> {
        ArrayView2::from_shape((self.nrows, self.ncols), &self.values).expect("nrows · ncols values")
    }
    /// An owned ndarray copy.
    pub fn to_array(&self) -> Array2<f64> {
        self.view().to_owned()
    }
    /// All values, mutable, row after row; borrowed values are first copied into an owned buffer of huge pages
    /// ([`crate::memory::zeroed`]).
    pub fn values_mut(&mut self) -> &mut [f64] {
        self.values.make_mut_with(huge_page_copy)
    }
}

/// A copy of `values` in a buffer from [`crate::memory::zeroed`] (huge pages when large).
fn huge_page_copy(values: &[f64]) -> Vec<f64> {
    let mut copy = crate::memory::zeroed(values.len());
    copy.copy_from_slice(values);
    copy
}

/// A clone owns its values, copied into a buffer from [`crate::memory::zeroed`], so that it keeps the huge pages of
/// the original (a derived `Clone` would allocate ordinary 4 KiB pages).
impl Clone for DenseMatrix {
    fn clone(&self) -> Self {
        DenseMatrix {
            nrows: self.nrows,
            ncols: self.ncols,
            values: Values::owned(huge_page_copy(&self.values)),
        }
    }
}

impl std::fmt::Debug for DenseMatrix {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DenseMatrix")
            .field("nrows", &self.nrows)
            .field("ncols", &self.ncols)
            .field("values", &self.values)
            .finish()
    }
}

/// The data matrix: dense row-major or CSR.
#[derive(Debug, Clone, PartialEq)]
pub enum Design {
    /// Dense, row-major `n × d`.
    Dense(DenseMatrix),
    /// Compressed sparse rows.
    Sparse(Csr),
}

/// Target number of stored values per parallel chunk.
const CHUNK_WORK: usize = 32_768;
/// Largest number of chunks (enough to balance far more threads than we have).
const MAX_CHUNKS: usize = 64;
/// `matvec_t` adds its partial vectors in parallel (over column blocks) once there are this many values to add.
const PAR_REDUCE_WORK: usize = 1 << 17;
/// Columns per block of the parallel reduction in `matvec_t`.
const REDUCE_BLOCK: usize = 4096;

thread_local! {
    /// The per-chunk partial sums of `matvec_t`, kept between calls on the calling thread (at most
    /// `chunks().len() · d` values, which is at most about nnz / 8 values). Allocating them afresh on every call
    /// cost 25–30 % of a sparse 50000×20000 `matvec_t`: the allocator returns the freed block to the OS and the
    /// next call pays the page faults again.
    static PARTIALS: RefCell<Vec<f64>> = const { RefCell::new(Vec::new()) };
}

impl Design {
    /// A dense design that owns `a` (copied into row-major layout if it is not already); every value must be
    /// finite.
    pub fn dense(a: Array2<f64>) -> Result<Self> {
        Self::dense_matrix(DenseMatrix::new(a))
    }

    /// A dense design on a [`DenseMatrix`] (owned or borrowed); every value must be finite.
    pub fn dense_matrix(a: DenseMatrix) -> Result<Self> {
        if a.nrows() == 0 {
            return Err(OracleError::Empty {
                what: "data matrix (no rows)",
            });
        }
        let values = a.as_slice();
        if !all_finite(values) {
            crate::error::check_finite("dense data matrix (row-major index)", values)?;
        }
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

    /// Whether the stored values are borrowed, used where a caller keeps them ([`Values::borrowed`]), rather than
    /// owned.
    pub fn borrows_values(&self) -> bool {
        match self {
            Design::Dense(a) => a.is_borrowed(),
            Design::Sparse(s) => s.data.is_borrowed(),
        }
    }

    /// Makes the values owned: borrowed ones are copied (dense: into a buffer of huge pages,
    /// [`crate::memory::zeroed`]); owned ones are left as they are. For solvers that read rows in random order, which
    /// pay for the 4 KiB pages of memory allocated elsewhere (a mapped file) more than a streaming pass does.
    pub fn own_values(&mut self) {
        match self {
            Design::Dense(a) => {
                a.values_mut();
            }
            Design::Sparse(s) => {
                s.data.make_mut();
                s.indices.make_mut();
            }
        }
    }

    /// Whether this design is stored sparse.
    pub fn is_sparse(&self) -> bool {
        matches!(self, Design::Sparse(_))
    }

    /// Row `i` of a dense design as a slice.
    #[inline]
    fn dense_row(a: &DenseMatrix, i: usize) -> &[f64] {
        a.row(i)
    }

    /// Rows `a..b` of a dense design as one row-major slice; `None` for a sparse one.
    #[inline]
    pub fn dense_rows(&self, a: usize, b: usize) -> Option<&[f64]> {
        match self {
            Design::Dense(m) => {
                let d = m.ncols();
                Some(&m.as_slice()[a * d..b * d])
            }
            Design::Sparse(_) => None,
        }
    }

    /// XᵀX (d × d) of a dense design, `None` for a sparse one. Each chunk of [`Design::chunks`] adds its rows'
    /// X_cᵀX_c by one matrix product (matrixmultiply's GEMM, on the calling thread), in parallel over the chunks;
    /// the partial products are added in chunk order, so the result does not depend on the number of threads.
    /// Costs n·d² multiply-adds and one d × d matrix per chunk.
    pub fn gram(&self) -> Option<Array2<f64>> {
        let Design::Dense(m) = self else { return None };
        let partial = |&(a, b): &(usize, usize)| {
            let rows = m.view().slice_move(ndarray::s![a..b, ..]);
            rows.t().dot(&rows)
        };
        let chunks = self.chunks();
        let partials: Vec<Array2<f64>> = if chunks.len() == 1 {
            chunks.iter().map(partial).collect()
        } else {
            chunks.par_iter().map(partial).collect()
        };
        let d = m.ncols();
        Some(partials.into_iter().fold(Array2::zeros((d, d)), |acc, p| acc + p))
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
        // Each entry is one row's own sum, so splitting the rows over threads changes no bit.
        let mut out = Array1::zeros(self.nrows());
        let slice = out.as_slice_mut().expect("owned arrays are contiguous");
        let chunks = self.chunks();
        if chunks.len() <= 1 {
            for (i, o) in slice.iter_mut().enumerate() {
                *o = self.row_norm_sq(i);
            }
            return out;
        }
        let mut parts = Vec::with_capacity(chunks.len());
        let mut rest = slice;
        for &(start, end) in &chunks {
            let (part, tail) = rest.split_at_mut(end - start);
            parts.push((start, part));
            rest = tail;
        }
        parts.into_par_iter().for_each(|(start, part)| {
            for (k, o) in part.iter_mut().enumerate() {
                *o = self.row_norm_sq(start + k);
            }
        });
        out
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

    /// out = X x (length n). Parallel over row chunks; each entry is computed by one thread with [`dot`] (or
    /// [`sparse_dot`]), so entry i equals `row_dot(i, x)` bit for bit whatever the number of threads. A design
    /// with a single chunk runs on the calling thread without touching rayon. A non-contiguous `out` is filled
    /// through a temporary.
    pub fn matvec(&self, x: ArrayView1<f64>, mut out: ArrayViewMut1<f64>) {
        assert_eq!(x.len(), self.ncols(), "matvec: x has the wrong length");
        assert_eq!(out.len(), self.nrows(), "matvec: out has the wrong length");
        let xs = contiguous(&x);
        match out.as_slice_mut() {
            Some(o) => self.matvec_into(&xs, o),
            None => {
                let mut tmp = vec![0.0; self.nrows()];
                self.matvec_into(&xs, &mut tmp);
                out.assign(&ArrayView1::from(&tmp[..]));
            }
        }
    }

    fn matvec_into(&self, x: &[f64], out: &mut [f64]) {
        let chunks = self.chunks();
        if chunks.len() == 1 {
            self.matvec_rows(0, x, out);
            return;
        }
        let mut pieces = Vec::with_capacity(chunks.len());
        let mut rest = out;
        for &(a, b) in &chunks {
            let (head, tail) = rest.split_at_mut(b - a);
            pieces.push((a, head));
            rest = tail;
        }
        pieces
            .into_par_iter()
            .for_each(|(start, piece)| self.matvec_rows(start, x, piece));
    }

    /// out[k] = a_{start+k}ᵀ x for k < out.len().
    fn matvec_rows(&self, start: usize, x: &[f64], out: &mut [f64]) {
        match self {
            Design::Dense(m) => {
                let d = m.ncols();
                if d == 0 {
                    out.fill(0.0);
                    return;
                }
                let rows = &m.as_slice()[start * d..(start + out.len()) * d];
                let kernels = crate::simd::kernels();
                for (o, row) in out.iter_mut().zip(rows.chunks_exact(d)) {
                    *o = kernels.dot(row, x);
                }
            }
            Design::Sparse(s) => {
                for (k, o) in out.iter_mut().enumerate() {
                    let (idx, val) = s.row(start + k);
                    *o = sparse_dot(idx, val, x);
                }
            }
        }
    }

    /// out = Xᵀ v (length d), as a row-wise accumulation (`out += vᵢ aᵢ` for each row, in row order). Each chunk
    /// of rows accumulates into its own partial vector (in parallel; each partial is zeroed by the thread that
    /// fills it, in a buffer the calling thread keeps between calls); the partial vectors are then added in chunk
    /// order (for wide matrices in parallel over fixed blocks of columns, each column still summed in chunk
    /// order), so the result does not depend on the number of threads. A design with a single chunk accumulates
    /// straight into `out` on the calling thread. A non-contiguous `out` is filled through a temporary.
    pub fn matvec_t(&self, v: ArrayView1<f64>, mut out: ArrayViewMut1<f64>) {
        assert_eq!(v.len(), self.nrows(), "matvec_t: v has the wrong length");
        assert_eq!(out.len(), self.ncols(), "matvec_t: out has the wrong length");
        let vs = contiguous(&v);
        match out.as_slice_mut() {
            Some(o) => self.matvec_t_into(&vs, o),
            None => {
                let mut tmp = vec![0.0; self.ncols()];
                self.matvec_t_into(&vs, &mut tmp);
                out.assign(&ArrayView1::from(&tmp[..]));
            }
        }
    }

    fn matvec_t_into(&self, v: &[f64], out: &mut [f64]) {
        let chunks = self.chunks();
        out.fill(0.0);
        if chunks.len() == 1 {
            self.accumulate_rows_t(0, self.nrows(), v, out);
            return;
        }
        let need = chunks.len() * self.ncols();
        PARTIALS.with(|cell| match cell.try_borrow_mut() {
            Ok(mut buf) => {
                if buf.len() < need {
                    buf.resize(need, 0.0);
                }
                self.reduce_chunks_t(&chunks, v, &mut buf[..need], out);
            }
            // A nested call on this thread (rayon ran another task here while we wait): use a fresh buffer.
            Err(_) => self.reduce_chunks_t(&chunks, v, &mut vec![0.0; need], out),
        });
    }

    /// out += Σ_c (Σ_{i in chunk c} vᵢ aᵢ), each chunk's partial sum computed in parallel into its own slice of
    /// `partials` (zeroed there) and the partials added in chunk order.
    fn reduce_chunks_t(&self, chunks: &[(usize, usize)], v: &[f64], partials: &mut [f64], out: &mut [f64]) {
        let d = self.ncols().max(1);
        partials
            .par_chunks_mut(d)
            .zip(chunks.par_iter())
            .for_each(|(part, &(a, b))| {
                part.fill(0.0);
                self.accumulate_rows_t(a, b, v, part);
            });
        let partials = &*partials;
        let add_block = |j0: usize, block: &mut [f64]| {
            let len = block.len();
            for part in partials.chunks_exact(d) {
                for (o, p) in block.iter_mut().zip(&part[j0..j0 + len]) {
                    *o += p;
                }
            }
        };
        if partials.len() >= PAR_REDUCE_WORK {
            out.par_chunks_mut(REDUCE_BLOCK)
                .enumerate()
                .for_each(|(k, block)| add_block(k * REDUCE_BLOCK, block));
        } else {
            add_block(0, out);
        }
    }

    /// part += Σ_{i in [a, b)} vᵢ aᵢ, one row at a time in row order.
    ///
    /// A plain row-wise `axpy` was the fastest variant measured on the 100000×200 benchmark: blocking 4 (or 2)
    /// rows per pass over `part`, as an earlier version did, was 5 % (10 %) slower. The kernel is bound by reading
    /// the matrix, not by the passes over `part`, which stays in L1. See docs/benchmarks.md.
    fn accumulate_rows_t(&self, a: usize, b: usize, v: &[f64], part: &mut [f64]) {
        match self {
            Design::Dense(m) => {
                let d = m.ncols();
                if d == 0 {
                    return;
                }
                let part = &mut part[..d];
                let rows = &m.as_slice()[a * d..b * d];
                let kernels = crate::simd::kernels();
                for (row, &vi) in rows.chunks_exact(d).zip(&v[a..b]) {
                    kernels.axpy(vi, row, part);
                }
            }
            Design::Sparse(s) => {
                for (i, &vi) in (a..b).zip(&v[a..b]) {
                    let (idx, val) = s.row(i);
                    for (&j, &x) in idx.iter().zip(val) {
                        part[j as usize] += vi * x;
                    }
                }
            }
        }
    }

    /// Reorders the rows: row k becomes the current row `perm[k]`. A dense matrix is permuted in place, following
    /// each cycle of the permutation with one row buffer, so its buffer (and its huge pages, see
    /// [`crate::memory::zeroed`]) is kept and no second copy of the matrix is made; a CSR matrix rebuilds its
    /// arrays. Errors (and leaves the matrix unchanged) unless `perm` holds each of 0..n exactly once.
    pub fn permute_rows(&mut self, perm: &[usize]) -> Result<()> {
        check_permutation(perm, self.nrows())?;
        match self {
            Design::Dense(a) => {
                let d = a.ncols();
                permute_rows_in_place(a.values_mut(), d, perm);
            }
            Design::Sparse(s) => *s = s.rows_gathered(perm),
        }
        Ok(())
    }

    /// Checks that `x` has length d.
    pub fn check_cols(&self, what: &'static str, len: usize) -> Result<()> {
        check_dim(what, self.ncols(), len)
    }
}

/// Checks that `perm` holds each of 0..n exactly once (a typed error naming the first bad entry otherwise).
pub fn check_permutation(perm: &[usize], n: usize) -> Result<()> {
    check_dim("row permutation (one entry per row)", n, perm.len())?;
    let mut seen = vec![false; n];
    for (k, &i) in perm.iter().enumerate() {
        if i >= n || seen[i] {
            return Err(OracleError::InvalidParameter {
                name: "perm",
                value: format!("perm[{k}] = {i}"),
                reason: "a row permutation must hold each of 0..n exactly once",
            });
        }
        seen[i] = true;
    }
    Ok(())
}

/// Row k ← row `perm[k]` of the row-major matrix `values` (rows of length `d`; `perm` a permutation), in place.
///
/// Each cycle k₀ ← perm[k₀] ← perm[perm[k₀]] ← … ← k₀ is followed once: row k₀ goes into a buffer, every other
/// row of the cycle is copied one step along it, and the buffer ends the cycle. Each row is copied once, plus
/// one extra row copy per cycle.
fn permute_rows_in_place(values: &mut [f64], d: usize, perm: &[usize]) {
    let mut done = vec![false; perm.len()];
    let mut buffer = vec![0.0; d];
    for start in 0..perm.len() {
        if done[start] {
            continue;
        }
        buffer.copy_from_slice(&values[start * d..(start + 1) * d]);
        let mut k = start;
        loop {
            done[k] = true;
            let from = perm[k];
            if from == start {
                values[k * d..(k + 1) * d].copy_from_slice(&buffer);
                break;
            }
            values.copy_within(from * d..(from + 1) * d, k * d);
            k = from;
        }
    }
}

/// A contiguous copy-free view when possible, else an owned copy.
fn contiguous<'a>(x: &'a ArrayView1<f64>) -> std::borrow::Cow<'a, [f64]> {
    match x.as_slice() {
        Some(s) => std::borrow::Cow::Borrowed(s),
        None => std::borrow::Cow::Owned(x.to_vec()),
    }
}

/// Whether every value is finite (no NaN, no ±∞): the exponent bits tested without an early exit inside blocks of
/// 1024 values, so the loop vectorizes and a pass runs at memory speed (an early-exit `position` scan ran at about
/// one value per cycle).
pub fn all_finite(values: &[f64]) -> bool {
    const EXPONENT: u64 = 0x7ff0_0000_0000_0000;
    values.chunks(1024).all(|block| {
        block
            .iter()
            .fold(0u64, |bad, v| bad | u64::from(v.to_bits() & EXPONENT == EXPONENT))
            == 0
    })
}

/// xᵀy with eight independent accumulators in a fixed summation order (see [`crate::simd::portable::dot`]),
/// through the instruction-set level chosen at run time ([`crate::simd::kernels`]); the same bits on every level.
#[inline]
pub fn dot(x: &[f64], y: &[f64]) -> f64 {
    crate::simd::kernels().dot(x, y)
}

/// w ← a·w + β + c·x, element by element (see [`crate::simd::portable::affine_step`]), through the instruction-set
/// level chosen at run time; the same bits on every level.
#[inline]
pub fn affine_step(a: f64, beta: &[f64], c: f64, x: &[f64], w: &mut [f64]) {
    crate::simd::kernels().affine_step(a, beta, c, x, w)
}

/// Σ_k val_k · x(idx_k).
#[inline]
pub fn sparse_dot(idx: &[u32], val: &[f64], x: &[f64]) -> f64 {
    let mut s = 0.0;
    for (&j, &v) in idx.iter().zip(val) {
        s += v * x[j as usize];
    }
    s
}

/// y += α x, through the instruction-set level chosen at run time ([`crate::simd::kernels`]); the same bits on
/// every level.
#[inline]
pub fn axpy(alpha: f64, x: &[f64], y: &mut [f64]) {
    crate::simd::kernels().axpy(alpha, x, y)
}

#[cfg(test)]
mod tests {
    /// The CSR matrix of the nonzeros of `a`.
    fn csr_of(a: &Array2<f64>) -> Csr {
        let (mut indptr, mut indices, mut data) = (vec![0], Vec::new(), Vec::new());
        for row in a.rows() {
            for (j, &v) in row.iter().enumerate() {
                if v != 0.0 {
                    indices.push(j as u32);
                    data.push(v);
                }
            }
            indptr.push(data.len());
        }
        Csr::new(a.nrows(), a.ncols(), indptr, indices, data).unwrap()
    }

    #[test]
    fn row_norms_split_over_threads_are_each_rows_own_sum() {
        let a = Array2::from_shape_fn((6000, 30), |(i, j)| (((i * 31 + j * 17) % 23) as f64 - 11.0) / 7.0);
        let csr = csr_of(&a);
        for design in [Design::dense(a).unwrap(), Design::sparse(csr).unwrap()] {
            assert!(design.chunks().len() >= 2);
            let by_row: Vec<u64> = (0..6000).map(|i| design.row_norm_sq(i).to_bits()).collect();
            for threads in [1, 2, 3] {
                let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
                let norms = pool.install(|| design.row_norms_sq());
                assert_eq!(norms.iter().map(|v| v.to_bits()).collect::<Vec<_>>(), by_row);
            }
        }
    }

    #[test]
    fn all_finite_finds_every_non_finite_value_wherever_it_is() {
        for len in [0usize, 1, 7, 1023, 1024, 1025, 5000] {
            let clean: Vec<f64> = (0..len).map(|i| (i as f64 - 100.0) * 1e300).collect();
            assert!(all_finite(&clean), "{len}");
            for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
                for at in [0, len / 2, len.saturating_sub(1)] {
                    if len == 0 {
                        continue;
                    }
                    let mut v = clean.clone();
                    v[at] = bad;
                    assert!(!all_finite(&v), "{len} {at} {bad}");
                }
            }
        }
        assert!(all_finite(&[f64::MAX, f64::MIN_POSITIVE, -0.0, 5e-324]));
    }

    use super::*;
    use ndarray::array;

    fn small_csr() -> Csr {
        // [[1, 0, 2], [0, 0, 0], [0, 3, 4]]
        Csr::new(3, 3, vec![0, 2, 2, 4], vec![0, 2, 1, 2], vec![1.0, 2.0, 3.0, 4.0]).unwrap()
    }

    #[test]
    fn clones_are_equal_and_row_major() {
        let dense = Design::dense(Array2::from_shape_fn((700, 900), |(i, j)| (i * 7 + j) as f64)).unwrap();
        let sparse = Design::sparse(small_csr()).unwrap();
        for m in [dense, sparse] {
            let c = m.clone();
            assert_eq!(c, m);
            assert_eq!(c.row_dot(2, &vec![1.0; c.ncols()]), m.row_dot(2, &vec![1.0; m.ncols()]));
        }
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
        for n in 0..40 {
            let x: Vec<f64> = (0..n).map(|i| (i as f64 * 0.7).sin()).collect();
            let y: Vec<f64> = (0..n).map(|i| (i as f64 * 1.3).cos()).collect();
            let naive: f64 = x.iter().zip(&y).map(|(a, b)| a * b).sum();
            assert!((dot(&x, &y) - naive).abs() < 1e-12, "n = {n}");
        }
    }

    /// A deterministic pseudo-random sequence in [-1, 1) (no rand needed in the kernel tests).
    fn lcg(seed: u64) -> impl FnMut() -> f64 {
        let mut s = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        move || {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((s >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
        }
    }

    /// An n × d CSR matrix with `per_row` distinct columns per row, spread with a fixed stride.
    fn spread_csr(n: usize, d: usize, per_row: usize, seed: u64) -> Csr {
        let mut r = lcg(seed);
        let mut indptr = vec![0];
        let (mut indices, mut data) = (Vec::new(), Vec::new());
        for i in 0..n {
            let offset = (i * 7919) % (d / per_row);
            for k in 0..per_row {
                indices.push((offset + k * (d / per_row)) as u32);
                data.push(r());
            }
            indptr.push(indices.len());
        }
        Csr::new(n, d, indptr, indices, data).unwrap()
    }

    /// Every stored entry as (row, column, value), in row order.
    fn entries(m: &Design) -> Vec<(usize, usize, f64)> {
        match m {
            Design::Dense(a) => a.view().indexed_iter().map(|((i, j), &v)| (i, j, v)).collect(),
            Design::Sparse(s) => (0..s.nrows())
                .flat_map(|i| {
                    let (idx, val) = s.row(i);
                    idx.iter().zip(val).map(move |(&j, &v)| (i, j as usize, v))
                })
                .collect(),
        }
    }

    fn naive_matvec(m: &Design, x: &[f64]) -> Vec<f64> {
        let mut out = vec![0.0; m.nrows()];
        for (i, j, a) in entries(m) {
            out[i] += a * x[j];
        }
        out
    }

    fn naive_matvec_t(m: &Design, v: &[f64]) -> Vec<f64> {
        let mut out = vec![0.0; m.ncols()];
        for (i, j, a) in entries(m) {
            out[j] += a * v[i];
        }
        out
    }

    fn in_pool<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> T {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(f)
    }

    /// Kernels against naive references, `matvec` entries bit-equal to `row_dot`, and both products identical on
    /// 1, 2 and 3 threads — for a single-chunk matrix, dense and sparse multi-chunk matrices with row counts not
    /// divisible by 4 or 8, and a wide sparse matrix whose partial sums are reduced in parallel.
    #[test]
    fn kernels_match_references_and_ignore_threads() {
        let mut r = lcg(1);
        let designs = [
            Design::dense(Array2::from_shape_fn((37, 13), |_| r())).unwrap(),
            Design::dense(Array2::from_shape_fn((20_003, 29), |_| r())).unwrap(),
            Design::sparse(spread_csr(30_001, 500, 20, 2)).unwrap(),
            Design::sparse(spread_csr(2_001, 70_000, 700, 3)).unwrap(),
        ];
        assert_eq!(designs[0].chunks().len(), 1);
        assert!(designs[1].chunks().len() > 4);
        assert!(designs[2].chunks().len() > 4);
        assert!(designs[3].chunks().len() * designs[3].ncols() >= PAR_REDUCE_WORK);
        for m in &designs {
            let mut r = lcg(m.nnz() as u64);
            let x: Array1<f64> = (0..m.ncols()).map(|_| r()).collect();
            let v: Array1<f64> = (0..m.nrows()).map(|_| r()).collect();
            let xs = x.as_slice().unwrap();
            let run = |threads| {
                in_pool(threads, || {
                    let mut o = Array1::zeros(m.nrows());
                    m.matvec(x.view(), o.view_mut());
                    let mut t = Array1::zeros(m.ncols());
                    m.matvec_t(v.view(), t.view_mut());
                    (o.to_vec(), t.to_vec())
                })
            };
            let (o1, t1) = run(1);
            assert_eq!((o1.clone(), t1.clone()), run(2));
            assert_eq!((o1.clone(), t1.clone()), run(3));
            for (i, &oi) in o1.iter().enumerate() {
                assert_eq!(oi.to_bits(), m.row_dot(i, xs).to_bits(), "row {i}");
            }
            let scale = |a: &[f64]| a.iter().fold(1.0f64, |s, b| s.max(b.abs()));
            let (no, nt) = (naive_matvec(m, xs), naive_matvec_t(m, v.as_slice().unwrap()));
            let (so, st) = (scale(&no), scale(&nt));
            assert!(o1.iter().zip(&no).all(|(a, b)| (a - b).abs() <= 1e-12 * so));
            assert!(t1.iter().zip(&nt).all(|(a, b)| (a - b).abs() <= 1e-10 * st));
        }
    }

    /// `matvec_t` called from many rayon tasks at once (so calls may nest on one thread and find the kept buffer
    /// borrowed) gives the same bits as a lone call, including after the buffer has grown for a wider matrix.
    #[test]
    fn matvec_t_reuses_its_buffer_safely() {
        let narrow = Design::sparse(spread_csr(30_001, 500, 20, 5)).unwrap();
        let wide = Design::sparse(spread_csr(20_001, 5_000, 50, 6)).unwrap();
        assert!(narrow.chunks().len() > 1 && wide.chunks().len() > 1);
        let lone = |m: &Design| {
            let v: Array1<f64> = (0..m.nrows()).map(|i| ((i % 17) as f64 - 8.0) * 0.25).collect();
            let mut t = Array1::zeros(m.ncols());
            m.matvec_t(v.view(), t.view_mut());
            (v, t)
        };
        let (vn, tn) = lone(&narrow);
        let (vw, tw) = lone(&wide);
        assert_eq!(lone(&narrow).1, tn);
        let results: Vec<bool> = in_pool(2, || {
            (0..16)
                .into_par_iter()
                .map(|k| {
                    let (m, v, t) = if k % 2 == 0 {
                        (&narrow, &vn, &tn)
                    } else {
                        (&wide, &vw, &tw)
                    };
                    let mut o = Array1::zeros(m.ncols());
                    m.matvec_t(v.view(), o.view_mut());
                    o == *t
                })
                .collect()
        });
        assert!(results.iter().all(|&ok| ok));
    }

    /// A permutation of 0..n from the test's pseudo-random sequence (Fisher–Yates).
    fn test_permutation(n: usize, seed: u64) -> Vec<usize> {
        let mut r = lcg(seed);
        let mut p: Vec<usize> = (0..n).collect();
        for i in (1..n).rev() {
            let j = (((r() + 1.0) / 2.0) * (i + 1) as f64) as usize;
            p.swap(i, j.min(i));
        }
        p
    }

    /// The in-place cycle-following permutation against the naive gather `new[k] = old[perm[k]]`, dense and CSR,
    /// on random permutations, the identity, one long cycle, a reversal (many 2-cycles) and a single row.
    #[test]
    fn permute_rows_equals_the_naive_gather() {
        let mut r = lcg(5);
        let a = Array2::from_shape_fn((61, 7), |_| if r() < -0.3 { 0.0 } else { r() });
        let n = a.nrows();
        let mut perms = vec![
            (0..n).collect::<Vec<_>>(),
            (0..n).map(|k| (k + 1) % n).collect(),
            (0..n).rev().collect(),
        ];
        perms.extend((1..6).map(|seed| test_permutation(n, seed)));
        for perm in &perms {
            let gathered = Array2::from_shape_fn(a.raw_dim(), |(k, j)| a[[perm[k], j]]);
            let mut dense = Design::dense(a.clone()).unwrap();
            let before = dense.dense_rows(0, n).unwrap().as_ptr();
            dense.permute_rows(perm).unwrap();
            assert_eq!(dense, Design::Dense(DenseMatrix::new(gathered.clone())));
            assert_eq!(
                dense.dense_rows(0, n).unwrap().as_ptr(),
                before,
                "the dense buffer is kept"
            );
            let csr = |m: &Array2<f64>| {
                let (mut indptr, mut idx, mut val) = (vec![0], vec![], vec![]);
                for row in m.rows() {
                    for (j, &v) in row.iter().enumerate().filter(|(_, v)| **v != 0.0) {
                        idx.push(j as u32);
                        val.push(v);
                    }
                    indptr.push(idx.len());
                }
                Design::sparse(Csr::new(m.nrows(), m.ncols(), indptr, idx, val).unwrap()).unwrap()
            };
            let mut sparse = csr(&a);
            sparse.permute_rows(perm).unwrap();
            assert_eq!(sparse, csr(&gathered));
        }
        let mut one = Design::dense(Array2::from_elem((1, 3), 2.0)).unwrap();
        one.permute_rows(&[0]).unwrap();
        assert_eq!(one, Design::dense(Array2::from_elem((1, 3), 2.0)).unwrap());
    }

    #[test]
    fn permute_rows_rejects_what_is_not_a_permutation() {
        let mut m = Design::sparse(small_csr()).unwrap();
        let original = m.clone();
        assert!(matches!(
            m.permute_rows(&[0, 1]),
            Err(OracleError::DimensionMismatch { .. })
        ));
        assert!(matches!(
            m.permute_rows(&[0, 2, 2]),
            Err(OracleError::InvalidParameter { name: "perm", .. })
        ));
        assert!(matches!(
            m.permute_rows(&[0, 1, 3]),
            Err(OracleError::InvalidParameter { name: "perm", .. })
        ));
        assert_eq!(m, original);
    }

    #[test]
    fn kernels_write_into_strided_outputs() {
        let s = Design::sparse(small_csr()).unwrap();
        let x = array![1.0, -2.0, 0.5];
        let v = array![0.5, 7.0, -1.0];
        let mut wide = Array1::from_elem(6, 9.0);
        s.matvec(x.view(), wide.slice_mut(ndarray::s![..;2]));
        assert_eq!(wide, array![2.0, 9.0, 0.0, 9.0, -4.0, 9.0]);
        let mut wide = Array1::from_elem(6, 9.0);
        s.matvec_t(v.view(), wide.slice_mut(ndarray::s![1..;2]));
        assert_eq!(wide, array![9.0, 0.5, 9.0, -3.0, 9.0, -3.0]);
    }

    #[test]
    fn a_dense_matrix_keeps_only_its_own_values() {
        let big = Array2::from_shape_fn((6, 3), |(i, j)| (i * 3 + j) as f64);
        let rows = big.clone().slice_move(ndarray::s![2..4, ..]);
        let m = DenseMatrix::new(rows.clone());
        assert_eq!((m.len(), m.view()), (6, rows.view()));
        let none = big.slice_move(ndarray::s![3..3, ..]);
        assert!(DenseMatrix::new(none).is_empty());
        let fortran =
            Array2::from_shape_vec(ndarray::ShapeBuilder::f((2, 3)), vec![1.0, 4.0, 2.0, 5.0, 3.0, 6.0]).unwrap();
        assert_eq!(DenseMatrix::new(fortran).as_slice(), &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
    }

    #[test]
    fn borrowed_values_give_the_same_bits_and_are_never_written() {
        use std::sync::Arc;
        let a = Array2::from_shape_fn((3000, 37), |(i, j)| (((i * 31 + j * 17) % 23) as f64 - 11.0) / 7.0);
        let values: Arc<Vec<f64>> = Arc::new(a.as_slice().unwrap().to_vec());
        // SAFETY: the Arc given as owner keeps the vector alive, and nothing writes to it.
        let matrix = unsafe { DenseMatrix::borrowed(values.as_ptr(), 3000, 37, Box::new(Arc::clone(&values))) };
        let owned = Design::dense(a.clone()).unwrap();
        let mut borrowed = Design::dense_matrix(matrix).unwrap();
        assert!(borrowed.borrows_values() && !owned.borrows_values());
        let csr = csr_of(&a);
        let (indices, data): (Arc<Vec<u32>>, Arc<Vec<f64>>) =
            (Arc::new(csr.indices().to_vec()), Arc::new(csr.data().to_vec()));
        // SAFETY: as above.
        let (bi, bd) = unsafe {
            (
                Values::borrowed(indices.as_ptr(), indices.len(), Box::new(Arc::clone(&indices))),
                Values::borrowed(data.as_ptr(), data.len(), Box::new(Arc::clone(&data))),
            )
        };
        let sparse_owned = Design::sparse(csr.clone()).unwrap();
        let sparse_borrowed =
            Design::sparse(Csr::from_values(3000, 37, csr.indptr().to_vec(), bi, bd).unwrap()).unwrap();
        assert!(sparse_borrowed.borrows_values());
        let x = Array1::from_shape_fn(37, |j| (j as f64).sin());
        let v = Array1::from_shape_fn(3000, |i| (i as f64 * 0.37).cos());
        for (o, b) in [(&owned, &borrowed), (&sparse_owned, &sparse_borrowed)] {
            let (mut mo, mut mb) = (Array1::zeros(3000), Array1::zeros(3000));
            o.matvec(x.view(), mo.view_mut());
            b.matvec(x.view(), mb.view_mut());
            assert_eq!(mo, mb);
            let (mut to, mut tb) = (Array1::zeros(37), Array1::zeros(37));
            o.matvec_t(v.view(), to.view_mut());
            b.matvec_t(v.view(), tb.view_mut());
            assert_eq!(to, tb);
            assert_eq!(o.row_norms_sq(), b.row_norms_sq());
            assert_eq!(o, b);
        }
        assert_eq!(owned.gram(), borrowed.gram());
        // Writing copies first: the rows move, the borrowed memory does not.
        let perm: Vec<usize> = (0..3000).rev().collect();
        borrowed.permute_rows(&perm).unwrap();
        assert!(!borrowed.borrows_values());
        assert_eq!(&values[..37], a.row(0).as_slice().unwrap());
        assert_eq!(borrowed.dense_rows(2999, 3000).unwrap(), a.row(0).as_slice().unwrap());
        drop((borrowed, sparse_borrowed));
        assert_eq!(
            (Arc::strong_count(&values), Arc::strong_count(&data)),
            (1, 1),
            "owners released"
        );
    }
}

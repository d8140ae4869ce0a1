//! Regularized linear models F(x) = (1/n) Σᵢ φ(aᵢᵀx; yᵢ) + (λ₂/2)‖x‖² + λ₁‖x‖₁ over a [`Design`].
//!
//! The smooth part f (the losses and the L2 term) is the [`Objective`]; λ₁‖x‖₁ is its regularizer. Each component
//! is fᵢ(x) = φ(aᵢᵀx; yᵢ) + (λ₂/2)‖x‖², so f = (1/n) Σ fᵢ.
//!
//! Mapping to scikit-learn's `LogisticRegression(C=…, fit_intercept=False)`: its objective is
//! C Σᵢ φᵢ + ½‖x‖², which is (C n) times ours when λ₂ = 1/(C n); so **C = 1/(λ₂ n)**, the same minimizer.
//!
//! Solvers that know the linear structure (SVRG, SAGA, MISO) use [`LinearModel::design`] and the scalar
//! derivatives φ′ directly, so they store one scalar per sample instead of one vector.
//!
//! ## Unpenalized intercept
//!
//! [`LinearModel::with_intercept`] fits F(w, b) = (1/n) Σᵢ φ(aᵢᵀw + b; yᵢ) + (λ₂/2)‖w‖², the intercept b
//! unpenalized (scikit-learn's and Cyanure's `fit_intercept=True`). The parameter vector is x = (w, b), of
//! length d + 1 with b last, and the design is stored **with a last column of ones** appended, so that
//! aᵢᵀw + b = (aᵢ, 1)ᵀx and every row kernel (margins, fused sweeps, Hessians Xᵀ D X) covers b unchanged;
//! [`LinearModel::design`] returns that augmented matrix and [`LinearModel::n_features`] is d. Only λ₂'s term
//! skips b, in [`Objective::value`], the gradients and the component oracles.
//!
//! Strong convexity with an intercept: F is λ₂-strongly convex in w for every b, but not in b (the logistic loss
//! flattens as |b| grows; with data of constant rows no curvature at all ties b), so
//! [`Objective::strong_convexity`] returns **0**: no μ > 0 is a proven bound in general. Solvers and monitors then
//! stop on the gradient norm ‖∇F(w, b)‖ (the `grad_norm` metric of [`crate::ObjectiveMonitor`]) instead of the
//! certified suboptimality bound r²/(2μ). An L1 term on an intercept model is refused ([`Regularizer`] has no
//! way to skip b).
//!
//! gradus-qning's linear-model fast paths (SVRG, SAGA, MISO, ISTA/FISTA, Catalyst, QNing) shrink every coordinate
//! by λ₂ and compute a duality gap without b: they solve a different problem on an intercept model, so check
//! [`LinearModel::has_intercept`] before handing one to them (`gradus fit --fit-intercept` refuses those solvers).

use std::sync::OnceLock;

use ndarray::{Array1, ArrayView1, ArrayViewMut1};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use rayon::prelude::*;

use crate::design::Design;
use crate::error::{OracleError, Result, check_dim, check_finite, check_nonnegative};
use crate::loss::Loss;
use crate::objective::{FiniteSum, Objective};
use crate::problems::fixed_order_sum;
use crate::regularizer::Regularizer;

/// A contiguous copy-free view when possible, else an owned copy.
fn contiguous<'a>(x: &'a ArrayView1<f64>) -> std::borrow::Cow<'a, [f64]> {
    match x.as_slice() {
        Some(s) => std::borrow::Cow::Borrowed(s),
        None => std::borrow::Cow::Owned(x.to_vec()),
    }
}

/// A uniformly random permutation of 0..n from `seed`: the Fisher–Yates shuffle (for i = n−1 down to 1, swap
/// entry i with an entry j drawn uniformly from 0..=i) on rand's `StdRng`. Same seed, same permutation.
pub fn fisher_yates(n: usize, seed: u64) -> Vec<usize> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut perm: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        let j = rng.random_range(0..=i);
        perm.swap(i, j);
    }
    perm
}

/// Dense designs with at most this many columns get λ_max(XᵀX/n) from their Gram matrix (n·d² multiply-adds at
/// GEMM speed, a d × d eigen-decomposition) instead of power iteration (up to 600 memory-bound passes).
pub const GRAM_MAX_DIM: usize = 256;

/// The largest eigenvalue of the symmetric matrix G/n (0 for an empty one).
fn largest_eigenvalue(gram: ndarray::Array2<f64>, n: f64) -> f64 {
    let d = gram.nrows();
    let g = nalgebra::DMatrix::from_fn(d, d, |i, j| gram[[i, j]] / n);
    g.symmetric_eigenvalues().iter().copied().fold(0.0, f64::max)
}

/// λ_max(XᵀX/n) of a design (see [`LinearModel::spectral_norm_sq_over_n`], which caches it): from the Gram
/// matrix when dense with at most `GRAM_MAX_DIM` = 256 columns, else by power iteration. Also returns what it
/// cost in gradient-equivalent passes ([`crate::Objective::smoothness_passes`]): 1 for the Gram matrix (one read
/// of the data; its n·d² multiply-adds run at GEMM speed and, like Newton's Hessians, have no counter of their
/// own), 1 per power iteration (a product by X and one by Xᵀ, what a gradient costs).
pub(crate) fn spectral_norm_sq_over_n(design: &Design) -> (f64, u64) {
    if design.ncols() <= GRAM_MAX_DIM
        && let Some(gram) = design.gram()
    {
        return (largest_eigenvalue(gram, design.nrows() as f64), 1);
    }
    power_iteration(design)
}

/// λ_max(XᵀX/n) by power iteration from a fixed start (see [`LinearModel::spectral_norm_sq_over_n`]), and the
/// iterations it made.
fn power_iteration(design: &Design) -> (f64, u64) {
    let d = design.ncols();
    let n = design.nrows() as f64;
    let mut v = Array1::from_shape_fn(d, |j| 1.0 + (j % 7) as f64 * 0.01);
    let mut xv = Array1::zeros(design.nrows());
    let mut w = Array1::zeros(d);
    let mut rho = 0.0;
    let mut iterations = 0;
    for _ in 0..300 {
        let norm = v.dot(&v).sqrt();
        if norm == 0.0 {
            return (0.0, iterations);
        }
        iterations += 1;
        v /= norm;
        design.matvec(v.view(), xv.view_mut());
        design.matvec_t(xv.view(), w.view_mut());
        let next = v.dot(&w) / n;
        let done = (next - rho).abs() <= 1e-6 * next.abs();
        rho = next;
        std::mem::swap(&mut v, &mut w);
        if done {
            break;
        }
    }
    (rho, iterations)
}

/// Labels match the rows, are finite, and are ±1 for the logistic and squared-hinge losses.
fn check_labels(n: usize, labels: &Array1<f64>, loss: Loss) -> Result<()> {
    check_dim("labels (one per data row)", n, labels.len())?;
    check_finite("labels", labels.iter())?;
    if loss.needs_signed_labels()
        && let Some(i) = labels.iter().position(|&y| y != 1.0 && y != -1.0)
    {
        return Err(OracleError::InvalidParameter {
            name: "labels",
            value: format!("y[{i}] = {}", labels[i]),
            reason: "the logistic and squared-hinge losses need labels in {-1, +1}",
        });
    }
    Ok(())
}

/// A regularized linear model; see the module docs for the objective.
#[derive(Debug)]
pub struct LinearModel {
    design: Design,
    labels: Array1<f64>,
    loss: Loss,
    l2: f64,
    l1: f64,
    intercept: bool,
    /// ‖aᵢ‖² of every row, computed on first use (only the stochastic solvers and the bound on L need them).
    row_norms_sq: OnceLock<Array1<f64>>,
    spectral: OnceLock<(f64, u64)>,
}

/// The design with a last column of ones appended: row i becomes (aᵢ, 1), so (aᵢ, 1)ᵀ(w, b) = aᵢᵀw + b.
pub fn append_ones_column(design: Design) -> Result<Design> {
    match design {
        Design::Dense(a) => {
            let (n, d) = (a.nrows(), a.ncols());
            let mut out = ndarray::Array2::ones((n, d + 1));
            out.slice_mut(ndarray::s![.., ..d]).assign(&a.view());
            drop(a);
            Design::dense(out)
        }
        Design::Sparse(s) => {
            let (n, d) = (s.nrows(), s.ncols());
            let mut indptr = Vec::with_capacity(n + 1);
            let mut indices = Vec::with_capacity(s.nnz() + n);
            let mut data = Vec::with_capacity(s.nnz() + n);
            indptr.push(0);
            for i in 0..n {
                let (idx, val) = s.row(i);
                indices.extend_from_slice(idx);
                data.extend_from_slice(val);
                indices.push(u32::try_from(d).map_err(|_| OracleError::InvalidParameter {
                    name: "design columns",
                    value: d.to_string(),
                    reason: "an intercept column needs d < 2^32",
                })?);
                data.push(1.0);
                indptr.push(indices.len());
            }
            Design::sparse(crate::design::Csr::new(n, d + 1, indptr, indices, data)?)
        }
    }
}

impl LinearModel {
    /// Builds the model, checking that labels match the rows, are finite, and are ±1 for the logistic and
    /// squared-hinge losses, and that λ₁, λ₂ ≥ 0.
    pub fn new(design: Design, labels: Array1<f64>, loss: Loss, l2: f64, l1: f64) -> Result<Self> {
        Self::build(design, labels, loss, l2, l1, false)
    }

    /// Builds the model with an unpenalized intercept b (module docs, "Unpenalized intercept"): the design gets a
    /// last column of ones ([`append_ones_column`], a copy of a dense matrix), the parameters are (w, b) with b
    /// last, and λ₂ applies to w only. The checks of [`LinearModel::new`], and λ₁ must be 0.
    pub fn with_intercept(design: Design, labels: Array1<f64>, loss: Loss, l2: f64, l1: f64) -> Result<Self> {
        if l1 != 0.0 {
            return Err(OracleError::InvalidParameter {
                name: "l1",
                value: l1.to_string(),
                reason: "an unpenalized intercept is supported with λ₁ = 0 only (the L1 prox would shrink b)",
            });
        }
        check_dim("labels (one per data row)", design.nrows(), labels.len())?;
        Self::build(append_ones_column(design)?, labels, loss, l2, l1, true)
    }

    fn build(design: Design, labels: Array1<f64>, loss: Loss, l2: f64, l1: f64, intercept: bool) -> Result<Self> {
        check_labels(design.nrows(), &labels, loss)?;
        check_nonnegative("l2", l2)?;
        check_nonnegative("l1", l1)?;
        Ok(LinearModel {
            design,
            labels,
            loss,
            l2,
            l1,
            intercept,
            row_norms_sq: OnceLock::new(),
            spectral: OnceLock::new(),
        })
    }

    /// Replaces the labels (checked as in [`LinearModel::new`]) and keeps the design: the K fits of one-vs-rest
    /// share one copy of the data. On error nothing changes.
    pub fn set_labels(&mut self, labels: Array1<f64>) -> Result<()> {
        check_labels(self.n(), &labels, self.loss)?;
        self.labels = labels;
        Ok(())
    }

    /// Whether the model has an unpenalized intercept (the last parameter; the design's last column is ones).
    pub fn has_intercept(&self) -> bool {
        self.intercept
    }

    /// d, the number of features (without the intercept's column of ones).
    pub fn n_features(&self) -> usize {
        self.design.ncols() - usize::from(self.intercept)
    }

    /// The weights w and the intercept b (0 without one) of a parameter vector x = (w, b).
    pub fn split_intercept<'a>(&self, x: ArrayView1<'a, f64>) -> (ArrayView1<'a, f64>, f64) {
        let d = self.n_features();
        let b = if self.intercept { x[d] } else { 0.0 };
        (x.slice_move(ndarray::s![..d]), b)
    }

    /// ‖w‖², the squared norm of the penalized coordinates (all of x but the intercept).
    fn penalized_norm_sq(&self, x: ArrayView1<f64>) -> f64 {
        let w = x.slice(ndarray::s![..self.n_features()]);
        w.dot(&w)
    }

    /// out += λ₂ w on the penalized coordinates (the intercept's entry is left as it is).
    fn add_l2_gradient(&self, x: ArrayView1<f64>, mut out: ArrayViewMut1<f64>) {
        let d = self.n_features();
        out.slice_mut(ndarray::s![..d])
            .zip_mut_with(&x.slice(ndarray::s![..d]), |g, &xi| *g += self.l2 * xi);
    }

    /// The data matrix.
    pub fn design(&self) -> &Design {
        &self.design
    }
    /// The labels y.
    pub fn labels(&self) -> ArrayView1<'_, f64> {
        self.labels.view()
    }
    /// The loss φ.
    pub fn loss(&self) -> Loss {
        self.loss
    }
    /// λ₂.
    pub fn l2(&self) -> f64 {
        self.l2
    }
    /// λ₁.
    pub fn l1(&self) -> f64 {
        self.l1
    }
    /// n, the number of samples.
    pub fn n(&self) -> usize {
        self.design.nrows()
    }
    /// ‖aᵢ‖² for every row.
    pub fn row_norms_sq(&self) -> ArrayView1<'_, f64> {
        self.row_norms_sq.get_or_init(|| self.design.row_norms_sq()).view()
    }

    /// Makes the design own its values ([`Design::own_values`]: borrowed values, a mapped file's, say, are copied
    /// onto huge pages), for solvers that read rows in random order.
    pub fn own_values(&mut self) {
        self.design.own_values();
    }

    /// Reorders the samples once by a random permutation drawn from `seed` ([`fisher_yates`]) and returns it:
    /// sample k (row k of the design, label k, ‖a_k‖²) becomes the former sample `perm[k]`.
    ///
    /// The objective is a mean over the samples, so its value, gradient and minimizer do not change (up to the
    /// rounding of sums taken in the new order). What changes is the storage order: a solver that visits the
    /// rows in storage order (`Sampling::Cyclic` of gradus-qning) then runs *shuffle-once* SVRG/SAGA/MISO and
    /// streams through memory. The dense matrix is permuted in place ([`Design::permute_rows`]), keeping its
    /// buffer (and huge pages) without a second copy.
    pub fn shuffle_rows(&mut self, seed: u64) -> Vec<usize> {
        let perm = fisher_yates(self.n(), seed);
        self.permute_rows(&perm)
            .expect("a Fisher–Yates shuffle of 0..n is a permutation of the rows");
        perm
    }

    /// Reorders the samples: sample k becomes the former sample `perm[k]` (rows and labels together; the cached row
    /// norms and λ_max(XᵀX/n) are recomputed on demand, so their bits follow the new order). Errors, and
    /// changes nothing, unless `perm` holds each of 0..n exactly once.
    pub fn permute_rows(&mut self, perm: &[usize]) -> Result<()> {
        self.design.permute_rows(perm)?;
        self.labels = perm.iter().map(|&k| self.labels[k]).collect();
        self.row_norms_sq = OnceLock::new();
        self.spectral = OnceLock::new();
        Ok(())
    }

    /// The same data and loss with other regularization weights.
    pub fn with_regularization(&self, l2: f64, l1: f64) -> Result<LinearModel> {
        if self.intercept && l1 != 0.0 {
            return Err(OracleError::InvalidParameter {
                name: "l1",
                value: l1.to_string(),
                reason: "an unpenalized intercept is supported with λ₁ = 0 only (the L1 prox would shrink b)",
            });
        }
        // The design already holds the intercept's column of ones.
        LinearModel::build(
            self.design.clone(),
            self.labels.clone(),
            self.loss,
            l2,
            l1,
            self.intercept,
        )
    }

    /// out = X x (the margins).
    pub fn margins(&self, x: ArrayView1<f64>, out: ArrayViewMut1<f64>) {
        self.design.matvec(x, out);
    }

    /// (1/n) Σ φ(mᵢ; yᵢ) for given margins.
    pub fn mean_loss(&self, margins: ArrayView1<f64>) -> f64 {
        let (m, y, loss) = (
            margins.as_slice(),
            self.labels.as_slice().expect("owned labels"),
            self.loss,
        );
        let m = m.expect("margins must be contiguous");
        fixed_order_sum(m.len(), |i| loss.value(m[i], y[i])) / m.len() as f64
    }

    /// λ_max(XᵀX/n), cached. Dense designs with d ≤ `GRAM_MAX_DIM` = 256 columns: the largest eigenvalue of the Gram
    /// matrix XᵀX/n ([`Design::gram`], one GEMM pass) by a symmetric eigen-decomposition, exact to rounding.
    /// Otherwise power iteration from a fixed start (deterministic), stopped when the Rayleigh quotient changes by
    /// less than 1e-6 relative, or after 300 iterations (2 passes each).
    ///
    /// Why the Gram path: on data whose top eigenvalues cluster (e.g. standardized AR(1)-correlated columns,
    /// λ₂/λ₁ = 1 − O(1/d²)) the power iteration never meets its test and spends its 600 passes (9 s on the
    /// 100000 × 200 peer data), while the Gram matrix costs n·d² multiply-adds at GEMM speed (≈ 0.3 s there).
    pub fn spectral_norm_sq_over_n(&self) -> f64 {
        self.spectral.get_or_init(|| spectral_norm_sq_over_n(&self.design)).0
    }

    /// Σ_{i in [a, b)} φ(aᵢᵀx; yᵢ).
    fn chunk_loss(&self, a: usize, b: usize, x: &[f64]) -> f64 {
        let labels = &self.labels.as_slice().expect("owned labels")[a..b];
        let mut s = 0.0;
        if let Some(rows) = self.design.dense_rows(a, b)
            && !x.is_empty()
        {
            // Dense: the rows as one slice, the next row prefetched while this one is used (same bits).
            return crate::simd::kernels().loss_pass(self.loss, rows, labels, x);
        }
        for (i, &y) in (a..b).zip(labels) {
            s += self.loss.value(self.design.row_dot(i, x), y);
        }
        s
    }

    /// Σ_{i in [a, b)} φ(aᵢᵀx; yᵢ), and part += Σ φ′(aᵢᵀx; yᵢ) aᵢ.
    fn chunk_loss_and_gradient(&self, a: usize, b: usize, x: &[f64], part: &mut [f64]) -> f64 {
        let labels = &self.labels.as_slice().expect("owned labels")[a..b];
        let mut s = 0.0;
        if let Some(rows) = self.design.dense_rows(a, b)
            && !x.is_empty()
        {
            // Dense fast path: the rows as one slice, no per-row dispatch, the next row prefetched while this one
            // is used, compiled for the instruction-set level chosen at run time (same operations, same bits).
            return crate::simd::kernels().loss_and_gradient_pass(self.loss, rows, labels, x, part);
        }
        for (i, &y) in (a..b).zip(labels) {
            let (value, derivative) = self.loss.value_and_derivative(self.design.row_dot(i, x), y);
            s += value;
            self.design.row_axpy(i, derivative, part);
        }
        s
    }

    /// (1/n) Σᵢ φ(aᵢᵀx; yᵢ), and out = (1/n) Σᵢ φ′(aᵢᵀx; yᵢ) aᵢ: the data term and its gradient, without the
    /// regularizers, in one fused parallel sweep over the rows (for each row the margin, the loss and the axpy while
    /// the row is in cache; chunk partials added in chunk order, so the bits do not depend on the thread count).
    /// The duality gap of `gradus-qning` needs exactly these two (its dual point is uᵢ = φ′(aᵢᵀx)).
    pub fn mean_loss_and_data_gradient(&self, x: ArrayView1<f64>, mut out: ArrayViewMut1<f64>) -> f64 {
        let xs = contiguous(&x);
        let d = self.design.ncols();
        let chunks = self.design.chunks();
        let mut partials = vec![0.0; chunks.len() * d];
        let mut losses = vec![0.0; chunks.len()];
        partials
            .par_chunks_mut(d.max(1))
            .zip(losses.par_iter_mut())
            .zip(chunks.par_iter())
            .for_each(|((part, loss), &(a, b))| *loss = self.chunk_loss_and_gradient(a, b, &xs, part));
        out.fill(0.0);
        for part in partials.chunks(d.max(1)) {
            out.zip_mut_with(&ndarray::ArrayView1::from(part), |o, p| *o += p);
        }
        let inv_n = 1.0 / self.n() as f64;
        out.mapv_inplace(|g| g * inv_n);
        losses.iter().sum::<f64>() * inv_n
    }

    /// Writes φ′(mᵢ; yᵢ) for every i (parallel, element-wise).
    pub fn loss_derivatives(&self, margins: ArrayView1<f64>, mut out: ArrayViewMut1<f64>) {
        let loss = self.loss;
        let m = margins.as_slice().expect("margins must be contiguous");
        let y = self.labels.as_slice().expect("owned labels");
        let o = out.as_slice_mut().expect("out must be contiguous");
        o.par_chunks_mut(4096).enumerate().for_each(|(c, chunk)| {
            for (k, oi) in chunk.iter_mut().enumerate() {
                let i = c * 4096 + k;
                *oi = loss.derivative(m[i], y[i]);
            }
        });
    }
}

impl Objective for LinearModel {
    fn dim(&self) -> usize {
        self.design.ncols()
    }

    /// One parallel sweep over the rows (the same chunks and order as [`LinearModel::value_and_gradient`], so the
    /// two agree to the last bit).
    fn value(&self, x: ArrayView1<f64>) -> f64 {
        let xs = contiguous(&x);
        let chunks = self.design.chunks();
        let partial: Vec<f64> = chunks.par_iter().map(|&(a, b)| self.chunk_loss(a, b, &xs)).collect();
        partial.iter().sum::<f64>() * (1.0 / self.n() as f64) + 0.5 * self.l2 * self.penalized_norm_sq(x)
    }

    fn gradient(&self, x: ArrayView1<f64>, out: ArrayViewMut1<f64>) {
        self.value_and_gradient(x, out);
    }

    /// One fused parallel sweep over the rows: for each row, the margin mᵢ = aᵢᵀx, the loss φ(mᵢ; yᵢ) and
    /// φ′(mᵢ; yᵢ)·aᵢ added into the chunk's partial gradient while the row is still in cache — one read of the data
    /// per call instead of two (a `matvec` then a `matvec_t`). Chunks are [`Design::chunks`] and partial results
    /// are added in chunk order, so the result does not depend on the number of threads.
    /// f = mean φ(Xx) + (λ₂/2)‖w‖², ∇f = Xᵀφ′(Xx)/n + λ₂(w, 0) (x = w without an intercept).
    fn value_and_gradient(&self, x: ArrayView1<f64>, mut out: ArrayViewMut1<f64>) -> f64 {
        let mean_loss = self.mean_loss_and_data_gradient(x, out.view_mut());
        self.add_l2_gradient(x, out);
        mean_loss + 0.5 * self.l2 * self.penalized_norm_sq(x)
    }

    /// L = sup φ″ · λ_max(XᵀX/n) · (1 + 1e-3) + λ₂, capped by the always-valid sup φ″ · mean ‖aᵢ‖² + λ₂.
    /// The margin covers the power iteration's residual error. With an intercept X is the augmented design, and
    /// λ₂ on every coordinate over-estimates the Hessian's λ₂ diag(1, …, 1, 0): still an upper bound.
    /// The passes [`LinearModel::spectral_norm_sq_over_n`] costs: 1 on the Gram path, else the power iterations.
    fn smoothness_passes(&self) -> u64 {
        self.spectral.get_or_init(|| spectral_norm_sq_over_n(&self.design)).1
    }

    fn smoothness(&self) -> f64 {
        let trace_bound = self.row_norms_sq().mean().unwrap_or(0.0);
        let spectral = (self.spectral_norm_sq_over_n() * (1.0 + 1e-3)).min(trace_bound);
        self.loss.curvature_bound() * spectral + self.l2
    }

    /// λ₂ without an intercept; 0 with one (b is unpenalized and the loss alone is not strongly convex in b, see
    /// the module docs).
    fn strong_convexity(&self) -> f64 {
        if self.intercept { 0.0 } else { self.l2 }
    }

    fn regularizer(&self) -> Regularizer {
        if self.l1 > 0.0 {
            Regularizer::L1(self.l1)
        } else {
            Regularizer::None
        }
    }
}

impl FiniteSum for LinearModel {
    fn len(&self) -> usize {
        self.n()
    }

    fn component_value(&self, i: usize, x: ArrayView1<f64>) -> f64 {
        let xs = x.as_slice().expect("x must be contiguous");
        self.loss.value(self.design.row_dot(i, xs), self.labels[i]) + 0.5 * self.l2 * self.penalized_norm_sq(x)
    }

    fn component_gradient(&self, i: usize, x: ArrayView1<f64>, mut out: ArrayViewMut1<f64>) {
        let xs = x.as_slice().expect("x must be contiguous");
        let d = self.loss.derivative(self.design.row_dot(i, xs), self.labels[i]);
        // out = λ₂ (w, 0), written (not added) so the bits are those of λ₂ xᵢ, signed zeros included.
        let p = self.n_features();
        out.slice_mut(ndarray::s![..p])
            .zip_mut_with(&x.slice(ndarray::s![..p]), |o, &xi| *o = self.l2 * xi);
        out.slice_mut(ndarray::s![p..]).fill(0.0);
        self.design
            .row_axpy(i, d, out.as_slice_mut().expect("out must be contiguous"));
    }

    fn component_smoothness(&self, i: usize) -> f64 {
        self.loss.curvature_bound() * self.row_norms_sq()[i] + self.l2
    }

    fn max_component_smoothness(&self) -> f64 {
        self.loss.curvature_bound() * self.row_norms_sq().fold(0.0f64, |m, &v| m.max(v)) + self.l2
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::design::Csr;
    use ndarray::Array2;
    use proptest::prelude::*;

    fn model(loss: Loss, sparse: bool, l2: f64) -> LinearModel {
        let a = Array2::from_shape_fn((7, 4), |(i, j)| {
            if (i + j) % 3 == 0 {
                0.0
            } else {
                ((i * 5 + j * 3) % 11) as f64 / 5.0 - 1.0
            }
        });
        let y = Array1::from_shape_fn(7, |i| if i % 3 == 0 { 1.0 } else { -1.0 });
        let design = if sparse {
            let mut indptr = vec![0];
            let (mut idx, mut val) = (vec![], vec![]);
            for i in 0..7 {
                for j in 0..4 {
                    if a[[i, j]] != 0.0 {
                        idx.push(j as u32);
                        val.push(a[[i, j]]);
                    }
                }
                indptr.push(idx.len());
            }
            Design::sparse(Csr::new(7, 4, indptr, idx, val).unwrap()).unwrap()
        } else {
            Design::dense(a).unwrap()
        };
        LinearModel::new(design, y, loss, l2, 0.0).unwrap()
    }

    fn losses() -> impl Strategy<Value = Loss> {
        prop_oneof![Just(Loss::Logistic), Just(Loss::Squared), Just(Loss::SquaredHinge)]
    }

    proptest! {
        #[test]
        fn gradient_matches_finite_differences(
            loss in losses(), sparse in any::<bool>(), x in prop::collection::vec(-2.0f64..2.0, 4)
        ) {
            let p = model(loss, sparse, 0.3);
            let x = Array1::from(x);
            let mut g = Array1::zeros(4);
            let f = p.value_and_gradient(x.view(), g.view_mut());
            prop_assert_eq!(f, p.value(x.view()));
            let h = 1e-6;
            for j in 0..4 {
                let (mut xp, mut xm) = (x.clone(), x.clone());
                xp[j] += h;
                xm[j] -= h;
                let fd = (p.value(xp.view()) - p.value(xm.view())) / (2.0 * h);
                // The squared hinge's second derivative jumps; its gradient is still continuous.
                prop_assert!((fd - g[j]).abs() < 1e-5, "coordinate {j}: fd {fd} vs {}", g[j]);
            }
            // The mean of the component gradients is the gradient.
            let mut mean = Array1::zeros(4);
            let mut gi = Array1::zeros(4);
            let mut fsum = 0.0;
            for i in 0..p.len() {
                p.component_gradient(i, x.view(), gi.view_mut());
                fsum += p.component_value(i, x.view());
                mean += &gi;
            }
            mean /= p.len() as f64;
            prop_assert!((&mean - &g).iter().all(|v| v.abs() < 1e-12));
            prop_assert!((fsum / p.len() as f64 - f).abs() < 1e-12);
        }
    }

    fn intercept_model(loss: Loss, sparse: bool, l2: f64) -> LinearModel {
        let p = model(loss, sparse, l2);
        LinearModel::with_intercept(p.design().clone(), p.labels().to_owned(), loss, l2, 0.0).unwrap()
    }

    proptest! {
        #[test]
        fn intercept_gradient_matches_finite_differences(
            loss in losses(), sparse in any::<bool>(), x in prop::collection::vec(-2.0f64..2.0, 5)
        ) {
            let p = intercept_model(loss, sparse, 0.3);
            prop_assert_eq!(p.dim(), 5);
            prop_assert_eq!(p.n_features(), 4);
            let x = Array1::from(x);
            let mut g = Array1::zeros(5);
            let f = p.value_and_gradient(x.view(), g.view_mut());
            // f = mean φ(aᵢᵀw + b) + (λ₂/2)‖w‖², b unpenalized.
            let plain = model(loss, sparse, 0.0);
            let mut direct = 0.0;
            for i in 0..7 {
                direct += loss.value(dense_row(&plain, i).iter().zip(&x).map(|(a, w)| a * w).sum::<f64>() + x[4], plain.labels()[i]);
            }
            let w = x.slice(ndarray::s![..4]);
            direct = direct / 7.0 + 0.15 * w.dot(&w);
            prop_assert!((f - direct).abs() <= 1e-13 * direct.abs().max(1.0));
            let h = 1e-6;
            for j in 0..5 {
                let (mut xp, mut xm) = (x.clone(), x.clone());
                xp[j] += h;
                xm[j] -= h;
                let fd = (p.value(xp.view()) - p.value(xm.view())) / (2.0 * h);
                prop_assert!((fd - g[j]).abs() < 1e-5, "coordinate {j}: fd {fd} vs {}", g[j]);
            }
            let mut mean = Array1::zeros(5);
            let mut gi = Array1::zeros(5);
            for i in 0..p.len() {
                p.component_gradient(i, x.view(), gi.view_mut());
                mean += &gi;
            }
            mean /= p.len() as f64;
            prop_assert!((&mean - &g).iter().all(|v| v.abs() < 1e-12));
        }
    }

    /// Ridge with an intercept is ridge on centred data: w* = (X_cᵀX_c/n + λ₂I)⁻¹ X_cᵀy_c/n, b* = ȳ − x̄ᵀw*. The
    /// gradient of the intercept model vanishes there, and strong_convexity is 0.
    #[test]
    fn squared_loss_with_intercept_is_centred_least_squares() {
        for sparse in [false, true] {
            let l2 = 0.05;
            let plain = model(Loss::Squared, sparse, 0.0);
            let p = intercept_model(Loss::Squared, sparse, l2);
            assert_eq!(p.strong_convexity(), 0.0);
            assert!(p.has_intercept() && !plain.has_intercept());
            let a = Array2::from_shape_fn((7, 4), |(i, j)| dense_row(&plain, i)[j]);
            let y = plain.labels().to_owned();
            let mean_x = a.mean_axis(ndarray::Axis(0)).unwrap();
            let mean_y = y.mean().unwrap();
            let xc = &a - &mean_x;
            let yc = &y - mean_y;
            let h = xc.t().dot(&xc) / 7.0 + Array2::<f64>::eye(4) * l2;
            let rhs = xc.t().dot(&yc) / 7.0;
            // Solve the 4 × 4 system by Gaussian elimination.
            let mut m = ndarray::concatenate![ndarray::Axis(1), h, rhs.insert_axis(ndarray::Axis(1))];
            for c in 0..4 {
                for r in c + 1..4 {
                    let f = m[[r, c]] / m[[c, c]];
                    for k in c..5 {
                        m[[r, k]] -= f * m[[c, k]];
                    }
                }
            }
            let mut w = Array1::<f64>::zeros(4);
            for c in (0..4).rev() {
                let s: f64 = (c + 1..4).map(|k| m[[c, k]] * w[k]).sum();
                w[c] = (m[[c, 4]] - s) / m[[c, c]];
            }
            let b = mean_y - mean_x.dot(&w);
            let x = ndarray::concatenate![ndarray::Axis(0), w, Array1::from(vec![b])];
            let mut g = Array1::zeros(5);
            p.gradient(x.view(), g.view_mut());
            assert!(g.iter().all(|v| v.abs() < 1e-13), "sparse {sparse}: {g}");
            assert!(b.abs() > 1e-3, "the test needs a nonzero intercept");
            let (wv, bv) = p.split_intercept(x.view());
            assert_eq!((wv.len(), bv), (4, b));
        }
    }

    /// Logistic regression on one binary feature, λ₂ = 0: the maximum-likelihood fit has σ(b*) = p₀ and
    /// σ(w* + b*) = p₁, the fractions of positive labels where the feature is 0 and 1 (a shifted optimum, b* ≠ 0).
    #[test]
    fn logistic_intercept_on_one_binary_feature_has_the_closed_form_optimum() {
        // Feature 0 on 10 rows (3 positive), 1 on 8 rows (6 positive).
        let a = Array2::from_shape_fn((18, 1), |(i, _)| if i < 10 { 0.0 } else { 1.0 });
        let y = Array1::from_shape_fn(18, |i| if i < 3 || (10..16).contains(&i) { 1.0 } else { -1.0 });
        let logit = |p: f64| (p / (1.0 - p)).ln();
        let (b, w) = (logit(0.3), logit(0.75) - logit(0.3));
        for sparse_design in [false, true] {
            let design = if sparse_design {
                let nz: Vec<usize> = (0..18).map(|i| usize::from(i >= 10)).collect();
                let mut indptr = vec![0];
                for k in &nz {
                    indptr.push(indptr.last().unwrap() + k);
                }
                Design::sparse(Csr::new(18, 1, indptr, vec![0; 8], vec![1.0; 8]).unwrap()).unwrap()
            } else {
                Design::dense(a.clone()).unwrap()
            };
            let p = LinearModel::with_intercept(design, y.clone(), Loss::Logistic, 0.0, 0.0).unwrap();
            let mut g = Array1::zeros(2);
            p.gradient(Array1::from(vec![w, b]).view(), g.view_mut());
            assert!(g.iter().all(|v| v.abs() < 1e-15), "{g}");
            // Without the intercept the same point is not optimal.
            let plain =
                LinearModel::new(Design::dense(a.clone()).unwrap(), y.clone(), Loss::Logistic, 0.0, 0.0).unwrap();
            let mut g1 = Array1::zeros(1);
            plain.gradient(Array1::from(vec![w]).view(), g1.view_mut());
            assert!(g1[0].abs() > 1e-2);
        }
        let d = Design::dense(a).unwrap();
        assert!(matches!(
            LinearModel::with_intercept(d.clone(), y.clone(), Loss::Logistic, 0.1, 0.1),
            Err(OracleError::InvalidParameter { name: "l1", .. })
        ));
        let p = LinearModel::with_intercept(d, y, Loss::Logistic, 0.1, 0.0).unwrap();
        assert!(p.with_regularization(0.2, 0.1).is_err());
        let q = p.with_regularization(0.2, 0.0).unwrap();
        assert!(q.has_intercept() && q.dim() == 2 && q.l2() == 0.2);
    }

    #[test]
    fn smoothness_bounds_the_hessian() {
        for loss in [Loss::Logistic, Loss::Squared] {
            let p = model(loss, false, 0.1);
            // For the squared loss the Hessian is XᵀX/n + λ₂I; check L against a dense eigenvalue bound by
            // Rayleigh quotients on many directions.
            let l = p.smoothness();
            let a = match p.design() {
                Design::Dense(a) => a.to_array(),
                Design::Sparse(_) => unreachable!(),
            };
            let h = a.t().dot(&a) / 7.0;
            for k in 0..50 {
                let v = Array1::from_shape_fn(4, |j| ((k * 7 + j * 13) % 17) as f64 - 8.0);
                let q = v.dot(&h.dot(&v)) / v.dot(&v);
                assert!(loss.curvature_bound() * q + 0.1 <= l * (1.0 + 1e-12));
            }
            assert!(p.max_component_smoothness() >= p.mean_component_smoothness());
        }
    }

    /// λ_max(XᵀX/n) of a design with AR(1)-like correlated columns (top eigenvalues clustered) and of the same
    /// matrix stored as CSR (power iteration): the Gram path is an upper bound on every Rayleigh quotient and
    /// agrees with power iteration where that converges; Design::gram = XᵀX on 1 and 2 threads, same bits.
    #[test]
    fn gram_path_gives_lambda_max_and_agrees_with_power_iteration() {
        let (n, d) = (20_000, 40);
        let mut a = Array2::zeros((n, d));
        for i in 0..n {
            let mut prev = 0.0;
            for j in 0..d {
                let z = (((i * 7919 + j * 104_729) % 1009) as f64 / 1009.0 - 0.5) * 3.4;
                prev = 0.5 * prev + 0.866 * z;
                a[[i, j]] = prev;
            }
        }
        let y = Array1::from_shape_fn(n, |i| if i % 3 == 0 { 1.0 } else { -1.0 });
        let dense = LinearModel::new(Design::dense(a.clone()).unwrap(), y.clone(), Loss::Squared, 0.0, 0.0).unwrap();
        let gram = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            pool.install(|| dense.design().gram().unwrap())
        };
        let g1 = gram(1);
        assert_eq!(g1, gram(2));
        let exact = a.t().dot(&a);
        assert!((&g1 - &exact).iter().all(|e| e.abs() <= 1e-9 * exact[[0, 0]]));
        let lambda = dense.spectral_norm_sq_over_n();
        let h = exact / n as f64;
        for k in 0..200 {
            let v = Array1::from_shape_fn(d, |j| {
                (((k * 7 + j * 13) % 17) as f64 - 8.0) * if j % 2 == 0 { 1.0 } else { -1.0 }
            });
            let q = v.dot(&h.dot(&v)) / v.dot(&v);
            assert!(
                q <= lambda * (1.0 + 1e-12),
                "Rayleigh quotient {q} above λ_max {lambda}"
            );
        }
        // The same matrix as CSR takes the power iteration (d = 40 converges within its 300 iterations).
        let csr = Csr::new(
            n,
            d,
            (0..=n).map(|i| i * d).collect(),
            (0..n).flat_map(|_| 0..d as u32).collect(),
            a.iter().copied().collect(),
        )
        .unwrap();
        let sparse = LinearModel::new(Design::sparse(csr).unwrap(), y, Loss::Squared, 0.0, 0.0).unwrap();
        let power = sparse.spectral_norm_sq_over_n();
        assert!(power <= lambda * (1.0 + 1e-12), "{power} > {lambda}");
        assert!(power >= lambda * (1.0 - 1e-4), "{power} vs {lambda}");
    }

    #[test]
    fn fused_sweep_is_deterministic_across_thread_counts() {
        // Enough rows for several chunks.
        let (n, d) = (20_000, 30);
        let a = Array2::from_shape_fn((n, d), |(i, j)| (((i * 7 + j * 13) % 29) as f64 - 14.0) / 9.0);
        let y = Array1::from_shape_fn(n, |i| if (i * 31) % 7 < 3 { 1.0 } else { -1.0 });
        let p = LinearModel::new(Design::dense(a).unwrap(), y, Loss::Logistic, 1e-3, 0.0).unwrap();
        assert!(p.design().chunks().len() > 4);
        let x = Array1::from_shape_fn(d, |j| (j as f64 * 0.37).sin());
        let run = |threads| {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            pool.install(|| {
                let mut g = Array1::zeros(d);
                let f = p.value_and_gradient(x.view(), g.view_mut());
                (f, p.value(x.view()), g)
            })
        };
        let (f1, v1, g1) = run(1);
        for t in [2, 3] {
            let (f, v, g) = run(t);
            assert_eq!(f.to_bits(), f1.to_bits());
            assert_eq!(v.to_bits(), v1.to_bits());
            assert_eq!(g.to_vec(), g1.to_vec());
        }
        assert_eq!(f1, v1);
        // The fused sweep agrees with the two-pass computation to rounding.
        let mut m = Array1::zeros(n);
        p.margins(x.view(), m.view_mut());
        let mut dphi = Array1::zeros(n);
        p.loss_derivatives(m.view(), dphi.view_mut());
        let mut g2 = Array1::zeros(d);
        p.design().matvec_t(dphi.view(), g2.view_mut());
        g2 = g2 / n as f64 + &(&x * 1e-3);
        assert!((&g2 - &g1).iter().all(|e| e.abs() < 1e-13));
        assert!((p.mean_loss(m.view()) + 0.5e-3 * x.dot(&x) - f1).abs() < 1e-13);
    }

    /// Row k of the design as a dense vector.
    fn dense_row(p: &LinearModel, k: usize) -> Vec<f64> {
        let mut row = vec![0.0; p.dim()];
        p.design().row_axpy(k, 1.0, &mut row);
        row
    }

    #[test]
    fn shuffle_rows_keeps_the_objective_and_moves_each_sample_whole() {
        for loss in [Loss::Logistic, Loss::Squared, Loss::SquaredHinge] {
            for sparse in [false, true] {
                let before = model(loss, sparse, 0.3);
                let mut after = model(loss, sparse, 0.3);
                let perm = after.shuffle_rows(11);
                assert_ne!(perm, (0..7).collect::<Vec<_>>(), "the test needs a real shuffle");
                for (k, &from) in perm.iter().enumerate() {
                    assert_eq!(after.labels()[k], before.labels()[from]);
                    assert_eq!(after.row_norms_sq()[k], before.row_norms_sq()[from]);
                    assert_eq!(dense_row(&after, k), dense_row(&before, from));
                }
                for x in [Array1::from(vec![0.3, -1.2, 0.7, 2.0]), Array1::zeros(4)] {
                    let (mut g0, mut g1) = (Array1::zeros(4), Array1::zeros(4));
                    let f0 = before.value_and_gradient(x.view(), g0.view_mut());
                    let f1 = after.value_and_gradient(x.view(), g1.view_mut());
                    assert!(
                        (f1 - f0).abs() <= 1e-12 * f0.abs(),
                        "{loss:?} sparse {sparse}: {f0} vs {f1}"
                    );
                    let scale = g0.iter().fold(0.0f64, |m, v| m.max(v.abs()));
                    assert!(
                        (&g1 - &g0).iter().all(|e| e.abs() <= 1e-12 * scale),
                        "{loss:?} sparse {sparse}"
                    );
                }
                assert!((after.smoothness() - before.smoothness()).abs() <= 1e-9 * before.smoothness());
            }
        }
    }

    #[test]
    fn shuffle_rows_is_a_function_of_the_seed() {
        for sparse in [false, true] {
            let (mut a, mut b, mut c) = (
                model(Loss::Logistic, sparse, 0.1),
                model(Loss::Logistic, sparse, 0.1),
                model(Loss::Logistic, sparse, 0.1),
            );
            assert_eq!(a.shuffle_rows(5), b.shuffle_rows(5));
            assert_eq!(a.design(), b.design());
            assert_eq!(a.labels(), b.labels());
            assert_ne!(c.shuffle_rows(6), fisher_yates(7, 5));
        }
        assert_eq!(fisher_yates(0, 1), Vec::<usize>::new());
        assert_eq!(fisher_yates(1, 1), vec![0]);
        let mut p = fisher_yates(1000, 3);
        p.sort_unstable();
        assert_eq!(p, (0..1000).collect::<Vec<_>>());
    }

    #[test]
    fn permute_rows_rejects_a_bad_permutation_and_changes_nothing() {
        let mut p = model(Loss::Logistic, true, 0.1);
        let labels = p.labels().to_owned();
        assert!(p.permute_rows(&[0, 1, 2, 3, 4, 5, 5]).is_err());
        assert!(p.permute_rows(&[0, 1]).is_err());
        assert_eq!(p.labels(), labels.view());
        assert_eq!(p.design(), model(Loss::Logistic, true, 0.1).design());
    }

    #[test]
    fn rejects_bad_labels_and_sizes() {
        let a = Array2::from_elem((3, 2), 1.0);
        let d = Design::dense(a).unwrap();
        let e = LinearModel::new(d.clone(), Array1::from(vec![1.0, 0.0, -1.0]), Loss::Logistic, 0.1, 0.0);
        assert!(matches!(e, Err(OracleError::InvalidParameter { name: "labels", .. })));
        let e = LinearModel::new(d.clone(), Array1::from(vec![1.0, -1.0]), Loss::Logistic, 0.1, 0.0);
        assert!(matches!(e, Err(OracleError::DimensionMismatch { .. })));
        let e = LinearModel::new(d, Array1::from(vec![1.0, -1.0, 1.0]), Loss::Squared, -0.1, 0.0);
        assert!(matches!(e, Err(OracleError::InvalidParameter { name: "l2", .. })));
    }
}

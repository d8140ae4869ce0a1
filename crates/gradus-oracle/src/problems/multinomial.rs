//! Multinomial (softmax) logistic regression with K classes over a [`Design`]:
//!
//! ```text
//! F(W, b) = (1/n) Σᵢ [ log Σₖ exp(sᵢₖ) − sᵢ,yᵢ ] + (λ₂/2)‖W‖²_F,   sᵢ = Wᵀaᵢ + b ∈ R^K,
//! ```
//!
//! W ∈ R^{d×K}, an optional intercept b ∈ R^K (unpenalized, scikit-learn's and Cyanure's convention), labels
//! yᵢ ∈ {0, …, K−1}. Each component is fᵢ = log Σₖ exp(sᵢₖ) − sᵢ,yᵢ + (λ₂/2)‖W‖²_F, so f = (1/n) Σ fᵢ.
//!
//! **Parameter layout.** x is W stored row-major (feature-major): x[j·K + k] = W[j, k] for j < d, followed, with an
//! intercept, by b: x[d·K + k] = b_k; dim = (d + 1)·K with an intercept, d·K without. Row j of W (the K class
//! weights of feature j) is contiguous, so a sparse row aᵢ touches whole contiguous rows of W. With an intercept
//! the design is stored with a last column of ones ([`super::append_ones_column`]), so b is just the last row of
//! the (d + 1) × K matrix and every kernel covers it. scikit-learn's `coef_` (K × d) is Wᵀ.
//!
//! **Stability.** log Σ exp(s) = m + log Σ exp(sₖ − m) with m = max s; the probabilities are
//! pₖ = exp(sₖ − m) / Σ exp(sₗ − m); no exponential overflows.
//!
//! **Gradient.** ∇_W fᵢ = aᵢ (pᵢ − e_yᵢ)ᵀ + λ₂W, ∇_b fᵢ = pᵢ − e_yᵢ.
//!
//! **Smoothness (proof of the bound used).** The Hessian of ℓ(s) = log Σ exp(sₖ) − s_y is H = diag(p) − ppᵀ. For
//! any v ∈ R^K, vᵀHv = Σ pₖvₖ² − (Σ pₖvₖ)² is the variance of a random variable taking the value vₖ with
//! probability pₖ; a variable with values in [min v, max v] has variance ≤ (max v − min v)²/4 (Popoviciu), and
//! (max v − min v)² ≤ 2(v_max² + v_min²) ≤ 2‖v‖², so vᵀHv ≤ ‖v‖²/2: λ_max(H) ≤ 1/2. The scores are a linear map of
//! x, sᵢ = Aᵢx with Aᵢ = ãᵢᵀ ⊗ I_K (ãᵢ the stored row, with its 1 when there is an intercept), and
//! AᵢAᵢᵀ = ‖ãᵢ‖² I_K, so ‖Aᵢ‖² = ‖ãᵢ‖². Hence ∇²fᵢ = AᵢᵀHAᵢ + λ₂P ≼ (‖ãᵢ‖²/2 + λ₂) I (P the projection on W's
//! entries): **Lᵢ = ‖ãᵢ‖²/2 + λ₂**. For the mean, (1/n) Σ AᵢᵀHᵢAᵢ ≼ ½ (1/n) Σ AᵢᵀAᵢ = ½ (X̃ᵀX̃/n) ⊗ I_K, so
//! **L = λ_max(X̃ᵀX̃/n)/2 + λ₂** (λ_max as [`crate::LinearModel::spectral_norm_sq_over_n`] computes it, with
//! the same 1e-3 margin, capped by the mean of the Lᵢ).
//!
//! **Strong convexity.** Without an intercept F is λ₂-strongly convex (ℓ is convex). With one, adding the same
//! constant to every b_k changes no probability, so F is flat along (0, 1_K): [`Objective::strong_convexity`] is 0
//! and solvers stop on the gradient norm. (Gradient methods started at b = 0 keep Σₖ b_k = 0: the b-gradient
//! Σᵢ(pᵢ − e_yᵢ)/n sums to zero over k.)
//!
//! **Determinism.** Full passes run over [`Design::chunks`] in parallel and add the chunks' partial sums in chunk
//! order, so the bits do not depend on the thread count. Dense chunks use two matrix products (scores S = A_c W̃,
//! gradient A_cᵀ(P − Y)) on the calling thread; CSR chunks go row by row.
//!
//! With K = 2 this is binary logistic regression in another parametrization: at W = (−w/2, w/2), b = (−c/2, c/2),
//! F equals the binary logistic objective at (w, c) with λ₂/2 in place of λ₂ (tested below).

use ndarray::{Array1, Array2, ArrayView1, ArrayView2, ArrayViewMut1, s};
use rayon::prelude::*;

use crate::design::Design;
use crate::error::{OracleError, Result, check_dim, check_nonnegative};
use crate::objective::{FiniteSum, Objective};
use crate::problems::linear_model::{append_ones_column, spectral_norm_sq_over_n};

/// Multinomial logistic regression; see the module docs for the objective, the layout of x and the constants.
#[derive(Debug)]
pub struct Multinomial {
    design: Design,
    labels: Vec<usize>,
    n_classes: usize,
    l2: f64,
    intercept: bool,
    row_norms_sq: Array1<f64>,
    spectral: std::sync::OnceLock<(f64, u64)>,
}

impl Multinomial {
    /// Builds the model: `labels[i]` is the class index of row i (in 0..`n_classes`), `n_classes` ≥ 2, λ₂ ≥ 0,
    /// and with `intercept` an unpenalized b ∈ R^K (the design then gets a column of ones, a copy of a dense
    /// matrix). Errors name the first bad label or parameter.
    pub fn new(design: Design, labels: Vec<usize>, n_classes: usize, l2: f64, intercept: bool) -> Result<Self> {
        check_dim("labels (one per data row)", design.nrows(), labels.len())?;
        check_nonnegative("l2", l2)?;
        if n_classes < 2 {
            return Err(OracleError::InvalidParameter {
                name: "n_classes",
                value: n_classes.to_string(),
                reason: "the multinomial loss needs at least 2 classes",
            });
        }
        if let Some(i) = labels.iter().position(|&y| y >= n_classes) {
            return Err(OracleError::InvalidParameter {
                name: "labels",
                value: format!("y[{i}] = {}", labels[i]),
                reason: "class indices must be in 0..n_classes",
            });
        }
        let design = if intercept { append_ones_column(design)? } else { design };
        let row_norms_sq = design.row_norms_sq();
        Ok(Multinomial {
            design,
            labels,
            n_classes,
            l2,
            intercept,
            row_norms_sq,
            spectral: std::sync::OnceLock::new(),
        })
    }

    /// The stored design (with its last column of ones when there is an intercept).
    pub fn design(&self) -> &Design {
        &self.design
    }
    /// The class index of every row.
    pub fn labels(&self) -> &[usize] {
        &self.labels
    }
    /// K, the number of classes.
    pub fn n_classes(&self) -> usize {
        self.n_classes
    }
    /// d, the number of features (without the intercept's column).
    pub fn n_features(&self) -> usize {
        self.design.ncols() - usize::from(self.intercept)
    }
    /// n, the number of samples.
    pub fn n(&self) -> usize {
        self.design.nrows()
    }
    /// λ₂.
    pub fn l2(&self) -> f64 {
        self.l2
    }
    /// Whether b is fitted.
    pub fn has_intercept(&self) -> bool {
        self.intercept
    }

    /// W (d × K) and b (K; zeros without an intercept) of a parameter vector, copied out of the layout of the
    /// module docs.
    pub fn weights_and_intercept(&self, x: ArrayView1<f64>) -> (Array2<f64>, Array1<f64>) {
        let (d, k) = (self.n_features(), self.n_classes);
        let w = Array2::from_shape_fn((d, k), |(j, c)| x[j * k + c]);
        let b = if self.intercept {
            x.slice(s![d * k..]).to_owned()
        } else {
            Array1::zeros(k)
        };
        (w, b)
    }

    /// ‖W‖²_F: the penalized entries (all of x but b).
    fn penalized_norm_sq(&self, x: ArrayView1<f64>) -> f64 {
        let w = x.slice(s![..self.n_features() * self.n_classes]);
        w.dot(&w)
    }

    /// The stored row i times the (d [+1]) × K matrix of x: the scores sᵢ, written into `scores`.
    fn row_scores(&self, i: usize, x: &[f64], scores: &mut [f64]) {
        let k = self.n_classes;
        scores.fill(0.0);
        match &self.design {
            Design::Dense(a) => {
                for (j, &v) in a.row(i).iter().enumerate() {
                    if v != 0.0 {
                        axpy_small(v, &x[j * k..(j + 1) * k], scores);
                    }
                }
            }
            Design::Sparse(m) => {
                let (idx, val) = m.row(i);
                for (&j, &v) in idx.iter().zip(val) {
                    let j = j as usize;
                    axpy_small(v, &x[j * k..(j + 1) * k], scores);
                }
            }
        }
    }

    /// out (the (d [+1]) × K gradient block, flattened) += ãᵢ rᵀ.
    fn row_outer_add(&self, i: usize, r: &[f64], out: &mut [f64]) {
        let k = self.n_classes;
        match &self.design {
            Design::Dense(a) => {
                for (j, &v) in a.row(i).iter().enumerate() {
                    if v != 0.0 {
                        axpy_small(v, r, &mut out[j * k..(j + 1) * k]);
                    }
                }
            }
            Design::Sparse(m) => {
                let (idx, val) = m.row(i);
                for (&j, &v) in idx.iter().zip(val) {
                    let j = j as usize;
                    axpy_small(v, r, &mut out[j * k..(j + 1) * k]);
                }
            }
        }
    }

    /// Σ over the rows [a, b) of the loss ℓ(sᵢ; yᵢ); with `grad`, also grad += Σ ãᵢ(pᵢ − e_yᵢ)ᵀ.
    fn chunk_pass(&self, a: usize, b: usize, x: &[f64], grad: Option<&mut [f64]>) -> f64 {
        let k = self.n_classes;
        if let Design::Dense(m) = &self.design {
            // Two matrix products for the chunk: S = A_c W̃, then grad += A_cᵀ (P − Y).
            let rows = m.view().slice_move(s![a..b, ..]);
            let w = ArrayView2::from_shape((self.design.ncols(), k), x).expect("x has (d [+1]) K entries");
            let mut scores = rows.dot(&w);
            let mut total = 0.0;
            for (row, &y) in scores.rows_mut().into_iter().zip(&self.labels[a..b]) {
                let r = row.into_slice().expect("a fresh matrix is row-major");
                total += softmax_residual_in_place(r, y);
            }
            if let Some(g) = grad {
                let mut g = ndarray::ArrayViewMut2::from_shape((self.design.ncols(), k), g).expect("same shape");
                ndarray::linalg::general_mat_mul(1.0, &rows.t(), &scores, 1.0, &mut g);
            }
            return total;
        }
        let mut scores = vec![0.0; k];
        let mut total = 0.0;
        let mut grad = grad;
        for i in a..b {
            self.row_scores(i, x, &mut scores);
            total += softmax_residual_in_place(&mut scores, self.labels[i]);
            if let Some(g) = grad.as_deref_mut() {
                self.row_outer_add(i, &scores, g);
            }
        }
        total
    }

    /// (1/n) Σᵢ ℓ(sᵢ; yᵢ) and, with `out`, the data term's gradient (1/n) Σᵢ ãᵢ(pᵢ − e_yᵢ)ᵀ: one parallel pass over
    /// fixed chunks whose partial sums are added in chunk order (same bits for any thread count).
    fn mean_loss_pass(&self, x: ArrayView1<f64>, out: Option<ArrayViewMut1<f64>>) -> f64 {
        let owned;
        let xs = match x.as_slice() {
            Some(s) => s,
            None => {
                owned = x.to_vec();
                &owned
            }
        };
        let chunks = self.design.chunks();
        let inv_n = 1.0 / self.n() as f64;
        match out {
            None => {
                let losses: Vec<f64> = chunks
                    .par_iter()
                    .map(|&(a, b)| self.chunk_pass(a, b, xs, None))
                    .collect();
                losses.iter().sum::<f64>() * inv_n
            }
            Some(mut out) => {
                let dim = xs.len();
                let mut partials = vec![0.0; chunks.len() * dim.max(1)];
                let mut losses = vec![0.0; chunks.len()];
                partials
                    .par_chunks_mut(dim.max(1))
                    .zip(losses.par_iter_mut())
                    .zip(chunks.par_iter())
                    .for_each(|((part, loss), &(a, b))| *loss = self.chunk_pass(a, b, xs, Some(part)));
                out.fill(0.0);
                for part in partials.chunks(dim.max(1)) {
                    out.zip_mut_with(&ArrayView1::from(part), |o, p| *o += p);
                }
                out.mapv_inplace(|g| g * inv_n);
                losses.iter().sum::<f64>() * inv_n
            }
        }
    }

    /// F(x) and its Fenchel duality gap, a certified bound on F(x) − F*, when the model has no intercept and
    /// λ₂ > 0 (`None` otherwise: with an unpenalized b the dual gains the constraint Σᵢ vᵢ = 0, not implemented).
    ///
    /// With ℓᵢ(s) = log Σₖ exp(sₖ) − s_yᵢ, whose conjugate is ℓᵢ*(u) = Σₖ qₖ log qₖ for q = u + e_yᵢ in the simplex
    /// (+∞ elsewhere), the dual of min_W (1/n) Σᵢ ℓᵢ(Wᵀaᵢ) + (λ₂/2)‖W‖² is
    /// max_V −(1/n) Σᵢ ℓᵢ*(−vᵢ) − (λ₂/2)‖(1/(λ₂n)) Σᵢ aᵢvᵢᵀ‖². At the dual point vᵢ = e_yᵢ − pᵢ (pᵢ the
    /// probabilities at W, so −vᵢ + e_yᵢ = pᵢ is feasible) and with G = (1/n) Σᵢ aᵢ(pᵢ − e_yᵢ)ᵀ the data gradient,
    ///
    /// ```text
    /// gap(W) = F(W) + (1/n) Σᵢ Σₖ pᵢₖ log pᵢₖ + ‖G‖²/(2λ₂)  ≥ F(W) − F*,
    /// ```
    ///
    /// which is ⟨G + λ₂W, W⟩ and vanishes at the minimizer (G = −λ₂W* there). Two passes over the data (the loss
    /// and G, then the probabilities); the sums run in a fixed order, so the bits do not depend on the thread count.
    pub fn duality_gap(&self, x: ArrayView1<f64>) -> Option<(f64, f64)> {
        if self.intercept || self.l2 <= 0.0 {
            return None;
        }
        let mut g = Array1::zeros(self.dim());
        let mean_loss = self.mean_loss_pass(x, Some(g.view_mut()));
        let primal = mean_loss + 0.5 * self.l2 * self.penalized_norm_sq(x);
        let p = self.probabilities(x);
        let neg_entropy: f64 = p.iter().map(|&q| if q > 0.0 { q * q.ln() } else { 0.0 }).sum::<f64>() / self.n() as f64;
        let gap = primal + neg_entropy + g.dot(&g) / (2.0 * self.l2);
        Some((primal, gap.max(0.0)))
    }

    /// Class probabilities of every row (n × K) at x.
    pub fn probabilities(&self, x: ArrayView1<f64>) -> Array2<f64> {
        let xs = x.to_vec();
        let k = self.n_classes;
        let mut p = Array2::zeros((self.n(), k));
        p.axis_iter_mut(ndarray::Axis(0))
            .into_par_iter()
            .enumerate()
            .for_each(|(i, mut row)| {
                let r = row.as_slice_mut().expect("rows of a fresh matrix are contiguous");
                self.row_scores(i, &xs, r);
                softmax_in_place(r);
            });
        p
    }
}

/// y += a x on short slices (the K entries of one row of W).
#[inline]
fn axpy_small(a: f64, x: &[f64], y: &mut [f64]) {
    for (yi, &xi) in y.iter_mut().zip(x) {
        *yi += a * xi;
    }
}

/// log Σₖ exp(sₖ), stably: m + log Σ exp(sₖ − m) with m = max s.
pub fn log_sum_exp(s: &[f64]) -> f64 {
    let m = s.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if !m.is_finite() {
        return m;
    }
    m + s.iter().map(|&v| (v - m).exp()).sum::<f64>().ln()
}

/// s ← softmax(s) = exp(s − m)/Σ exp(s − m), m = max s.
pub fn softmax_in_place(s: &mut [f64]) {
    let m = s.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mut z = 0.0;
    for v in s.iter_mut() {
        *v = (*v - m).exp();
        z += *v;
    }
    for v in s.iter_mut() {
        *v /= z;
    }
}

/// The loss ℓ(s; y) = log Σ exp(sₖ) − s_y, and s ← p − e_y (the residual whose outer product with aᵢ is the
/// gradient).
fn softmax_residual_in_place(s: &mut [f64], y: usize) -> f64 {
    let m = s.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let sy = s[y];
    let mut z = 0.0;
    for v in s.iter_mut() {
        *v = (*v - m).exp();
        z += *v;
    }
    for v in s.iter_mut() {
        *v /= z;
    }
    s[y] -= 1.0;
    m + z.ln() - sy
}

impl Objective for Multinomial {
    fn dim(&self) -> usize {
        self.design.ncols() * self.n_classes
    }

    fn value(&self, x: ArrayView1<f64>) -> f64 {
        self.mean_loss_pass(x, None) + 0.5 * self.l2 * self.penalized_norm_sq(x)
    }

    fn gradient(&self, x: ArrayView1<f64>, out: ArrayViewMut1<f64>) {
        self.value_and_gradient(x, out);
    }

    /// One parallel pass: f and ∇f = (1/n) Σ ãᵢ(pᵢ − e_yᵢ)ᵀ + λ₂(W, 0).
    fn value_and_gradient(&self, x: ArrayView1<f64>, mut out: ArrayViewMut1<f64>) -> f64 {
        let loss = self.mean_loss_pass(x, Some(out.view_mut()));
        let p = self.n_features() * self.n_classes;
        out.slice_mut(s![..p])
            .zip_mut_with(&x.slice(s![..p]), |g, &xi| *g += self.l2 * xi);
        loss + 0.5 * self.l2 * self.penalized_norm_sq(x)
    }

    /// The passes the estimate of λ_max costs (as [`crate::LinearModel`]'s).
    fn smoothness_passes(&self) -> u64 {
        self.spectral.get_or_init(|| spectral_norm_sq_over_n(&self.design)).1
    }

    /// λ_max(X̃ᵀX̃/n)(1 + 1e-3)/2 + λ₂, capped by mean ‖ãᵢ‖²/2 + λ₂ (module docs).
    fn smoothness(&self) -> f64 {
        let spectral = self.spectral.get_or_init(|| spectral_norm_sq_over_n(&self.design)).0;
        let trace = self.row_norms_sq.mean().unwrap_or(0.0);
        0.5 * (spectral * (1.0 + 1e-3)).min(trace) + self.l2
    }

    /// λ₂ without an intercept, 0 with one (module docs).
    fn strong_convexity(&self) -> f64 {
        if self.intercept { 0.0 } else { self.l2 }
    }
}

impl FiniteSum for Multinomial {
    fn len(&self) -> usize {
        self.n()
    }

    fn component_value(&self, i: usize, x: ArrayView1<f64>) -> f64 {
        let xs = x.to_vec();
        let mut scores = vec![0.0; self.n_classes];
        self.row_scores(i, &xs, &mut scores);
        let y = self.labels[i];
        log_sum_exp(&scores) - scores[y] + 0.5 * self.l2 * self.penalized_norm_sq(x)
    }

    fn component_gradient(&self, i: usize, x: ArrayView1<f64>, mut out: ArrayViewMut1<f64>) {
        let xs = x.to_vec();
        let mut r = vec![0.0; self.n_classes];
        self.row_scores(i, &xs, &mut r);
        softmax_residual_in_place(&mut r, self.labels[i]);
        let p = self.n_features() * self.n_classes;
        out.fill(0.0);
        out.slice_mut(s![..p])
            .zip_mut_with(&x.slice(s![..p]), |o, &xi| *o = self.l2 * xi);
        self.row_outer_add(i, &r, out.as_slice_mut().expect("out must be contiguous"));
    }

    /// Lᵢ = ‖ãᵢ‖²/2 + λ₂ (module docs).
    fn component_smoothness(&self, i: usize) -> f64 {
        0.5 * self.row_norms_sq[i] + self.l2
    }

    fn max_component_smoothness(&self) -> f64 {
        0.5 * self.row_norms_sq.fold(0.0f64, |m, &v| m.max(v)) + self.l2
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::design::Csr;
    use crate::{LinearModel, Loss};
    use proptest::prelude::*;

    fn data(n: usize, d: usize) -> Array2<f64> {
        Array2::from_shape_fn((n, d), |(i, j)| {
            if (i + 2 * j) % 4 == 0 {
                0.0
            } else {
                ((i * 7 + j * 3) % 13) as f64 / 6.0 - 1.0
            }
        })
    }

    fn to_csr(a: &Array2<f64>) -> Design {
        let (n, d) = a.dim();
        let mut indptr = vec![0];
        let (mut idx, mut val) = (vec![], vec![]);
        for i in 0..n {
            for j in 0..d {
                if a[[i, j]] != 0.0 {
                    idx.push(j as u32);
                    val.push(a[[i, j]]);
                }
            }
            indptr.push(idx.len());
        }
        Design::sparse(Csr::new(n, d, indptr, idx, val).unwrap()).unwrap()
    }

    fn model(sparse: bool, intercept: bool, k: usize, l2: f64) -> Multinomial {
        let a = data(9, 4);
        let design = if sparse { to_csr(&a) } else { Design::dense(a).unwrap() };
        let y = (0..9).map(|i| (i * 5) % k).collect();
        Multinomial::new(design, y, k, l2, intercept).unwrap()
    }

    proptest! {
        #[test]
        fn gradient_matches_finite_differences(
            sparse in any::<bool>(), intercept in any::<bool>(), x in prop::collection::vec(-2.0f64..2.0, 15)
        ) {
            let p = model(sparse, intercept, 3, 0.3);
            let x = Array1::from(x[..p.dim()].to_vec());
            let mut g = Array1::zeros(p.dim());
            let f = p.value_and_gradient(x.view(), g.view_mut());
            prop_assert!((f - p.value(x.view())).abs() <= 1e-14 * f.abs());
            let h = 1e-6;
            for j in 0..p.dim() {
                let (mut xp, mut xm) = (x.clone(), x.clone());
                xp[j] += h;
                xm[j] -= h;
                let fd = (p.value(xp.view()) - p.value(xm.view())) / (2.0 * h);
                prop_assert!((fd - g[j]).abs() < 1e-6, "coordinate {j}: fd {fd} vs {}", g[j]);
            }
            let mut mean = Array1::zeros(p.dim());
            let mut gi = Array1::zeros(p.dim());
            let mut fsum = 0.0;
            for i in 0..p.len() {
                p.component_gradient(i, x.view(), gi.view_mut());
                fsum += p.component_value(i, x.view());
                mean += &gi;
                // Lᵢ bounds the component's gradient change along a direction (a finite-difference check).
                let v = Array1::from_shape_fn(p.dim(), |j| ((j * 7 + i) % 5) as f64 - 2.0);
                let mut gv = Array1::zeros(p.dim());
                p.component_gradient(i, (&x + &(&v * 1e-3)).view(), gv.view_mut());
                let ratio = (&gv - &gi).dot(&(&gv - &gi)).sqrt() / (1e-3 * v.dot(&v).sqrt());
                prop_assert!(ratio <= p.component_smoothness(i) * (1.0 + 1e-6));
            }
            mean /= p.len() as f64;
            prop_assert!((&mean - &g).iter().all(|v| v.abs() < 1e-12));
            prop_assert!((fsum / p.len() as f64 - f).abs() < 1e-12);
        }
    }

    #[test]
    fn dense_and_sparse_agree_and_are_deterministic_across_thread_counts() {
        let (n, d, k) = (20_000, 12, 5);
        let a = data(n, d);
        let y: Vec<usize> = (0..n).map(|i| (i * 31 + i / 7) % k).collect();
        let dense = Multinomial::new(Design::dense(a.clone()).unwrap(), y.clone(), k, 1e-3, true).unwrap();
        let sparse = Multinomial::new(to_csr(&a), y, k, 1e-3, true).unwrap();
        assert!(dense.design().chunks().len() > 2);
        let x = Array1::from_shape_fn(dense.dim(), |j| (j as f64 * 0.37).sin());
        for p in [&dense, &sparse] {
            let run = |threads| {
                let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
                pool.install(|| {
                    let mut g = Array1::zeros(p.dim());
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
        }
        let (mut gd, mut gs) = (Array1::zeros(dense.dim()), Array1::zeros(dense.dim()));
        let fd = dense.value_and_gradient(x.view(), gd.view_mut());
        let fs = sparse.value_and_gradient(x.view(), gs.view_mut());
        assert!((fd - fs).abs() <= 1e-12 * fd.abs());
        assert!((&gd - &gs).iter().all(|e| e.abs() <= 1e-12));
    }

    /// K = 2: at W = (−w/2, w/2), b = (−c/2, c/2) the multinomial objective is the binary logistic one at (w, c)
    /// with λ₂/2, and its gradient is ∓ the binary gradient in the two class columns.
    #[test]
    fn two_classes_are_binary_logistic_with_half_the_l2() {
        let a = data(9, 4);
        let y: Vec<usize> = (0..9).map(|i| (i * 5) % 2).collect();
        let ypm: Array1<f64> = y.iter().map(|&c| if c == 1 { 1.0 } else { -1.0 }).collect();
        for intercept in [false, true] {
            let l2 = 0.3;
            let multi = Multinomial::new(Design::dense(a.clone()).unwrap(), y.clone(), 2, l2, intercept).unwrap();
            let binary = if intercept {
                LinearModel::with_intercept(
                    Design::dense(a.clone()).unwrap(),
                    ypm.clone(),
                    Loss::Logistic,
                    l2 / 2.0,
                    0.0,
                )
            } else {
                LinearModel::new(
                    Design::dense(a.clone()).unwrap(),
                    ypm.clone(),
                    Loss::Logistic,
                    l2 / 2.0,
                    0.0,
                )
            }
            .unwrap();
            let w = Array1::from_shape_fn(binary.dim(), |j| 0.7 * (j as f64 + 1.0).cos());
            let x = Array1::from_shape_fn(
                multi.dim(),
                |t| if t % 2 == 0 { -w[t / 2] / 2.0 } else { w[t / 2] / 2.0 },
            );
            let (mut gm, mut gb) = (Array1::zeros(multi.dim()), Array1::zeros(binary.dim()));
            let fm = multi.value_and_gradient(x.view(), gm.view_mut());
            let fb = binary.value_and_gradient(w.view(), gb.view_mut());
            assert!((fm - fb).abs() <= 1e-14 * fb.abs(), "{fm} vs {fb}");
            for j in 0..binary.dim() {
                assert!((gm[2 * j + 1] - gb[j]).abs() < 1e-14, "intercept {intercept}, j {j}");
                assert!((gm[2 * j] + gb[j]).abs() < 1e-14);
            }
        }
    }

    #[test]
    fn smoothness_bounds_the_hessian_and_log_sum_exp_is_stable() {
        let p = model(false, true, 3, 0.1);
        let l = p.smoothness();
        let x = Array1::from_shape_fn(p.dim(), |j| (j as f64).sin());
        let mut g0 = Array1::zeros(p.dim());
        p.gradient(x.view(), g0.view_mut());
        for t in 0..20 {
            let v = Array1::from_shape_fn(p.dim(), |j| ((j * 3 + t * 5) % 7) as f64 - 3.0);
            let mut g1 = Array1::zeros(p.dim());
            p.gradient((&x + &(&v * 1e-4)).view(), g1.view_mut());
            let ratio = (&g1 - &g0).dot(&(&g1 - &g0)).sqrt() / (1e-4 * v.dot(&v).sqrt());
            assert!(ratio <= l * (1.0 + 1e-6), "{ratio} > {l}");
        }
        assert!(p.max_component_smoothness() >= l * (1.0 - 1e-3) - 0.1);
        assert_eq!(log_sum_exp(&[1000.0, 1000.0]), 1000.0 + std::f64::consts::LN_2);
        assert!((log_sum_exp(&[-1000.0, 0.0]) - 0.0).abs() < 1e-300 + 1e-16);
        let mut s = [800.0, -800.0, 0.0];
        softmax_in_place(&mut s);
        assert_eq!(s, [1.0, 0.0, 0.0]);
    }

    #[test]
    fn duality_gap_bounds_the_suboptimality_and_vanishes_at_the_minimizer() {
        for sparse in [false, true] {
            let m = model(sparse, false, 3, 0.05);
            // A minimizer to ‖∇F‖ ≤ 1e-13 by gradient descent with step 1/L (F is λ₂-strongly convex).
            let mut x = Array1::zeros(m.dim());
            let mut g = Array1::zeros(m.dim());
            let step = 1.0 / m.smoothness();
            for _ in 0..20_000 {
                m.gradient(x.view(), g.view_mut());
                if g.dot(&g).sqrt() <= 1e-13 {
                    break;
                }
                x.scaled_add(-step, &g);
            }
            let f_star = m.value(x.view());
            let (primal, gap) = m.duality_gap(x.view()).unwrap();
            assert!((primal - f_star).abs() <= 1e-15 * f_star.abs());
            assert!(gap < 1e-12, "gap at the minimizer {gap:e}");
            // Away from it the gap is at least the suboptimality, and far above 0.
            for t in [0.0, 0.5, 2.0] {
                let y = x.mapv(|v| v * t);
                let (p, gap) = m.duality_gap(y.view()).unwrap();
                assert!(
                    gap >= p - f_star - 1e-12,
                    "t = {t}: gap {gap} < F − F* = {}",
                    p - f_star
                );
                assert!(gap > 1e-6, "t = {t}");
            }
        }
        let with_b = model(false, true, 3, 0.05);
        assert!(with_b.duality_gap(Array1::zeros(with_b.dim()).view()).is_none());
    }

    #[test]
    fn rejects_bad_labels_and_parameters() {
        let d = Design::dense(data(3, 2)).unwrap();
        assert!(matches!(
            Multinomial::new(d.clone(), vec![0, 3, 1], 3, 0.1, false),
            Err(OracleError::InvalidParameter { name: "labels", .. })
        ));
        assert!(matches!(
            Multinomial::new(d.clone(), vec![0, 0, 0], 1, 0.1, false),
            Err(OracleError::InvalidParameter { name: "n_classes", .. })
        ));
        assert!(matches!(
            Multinomial::new(d.clone(), vec![0, 1], 2, 0.1, false),
            Err(OracleError::DimensionMismatch { .. })
        ));
        assert!(Multinomial::new(d, vec![0, 1, 1], 2, -1.0, false).is_err());
    }
}

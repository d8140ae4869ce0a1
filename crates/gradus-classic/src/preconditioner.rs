//! Preconditioners P ≈ ∇²F for L-BFGS's initial matrix H⁰ = P⁻¹ ([`crate::LbfgsState::set_preconditioner`]),
//! and their construction from a [`LinearModel`]'s curvature.
//!
//! | preconditioner | P | applying P⁻¹ | built from a linear model by |
//! |---|---|---|---|
//! | [`Preconditioner::Diagonal`] | diag(p) | d divisions | [`hessian_diagonal`]: one pass, pⱼ = (1/n) Σᵢ φ″(aᵢᵀx) a_ij² + λ₂ |
//! | [`Preconditioner::Cholesky`] | L Lᵀ | two triangular solves, d² | [`sampled_hessian`]: the Hessian of s seeded rows, (1/s) Σ_{i∈S} φ″(aᵢᵀx) aᵢaᵢᵀ + λ₂I, by GEMM |
//!
//! Why: L-BFGS's usual H⁰ = γI carries one scale for every direction. With a sampled Hessian it starts from a
//! Newton step and the curvature pairs only correct what the sample missed (Byrd, Chin, Neveitt and Nocedal 2011
//! use a subsampled Hessian the same way inside Newton-CG); with the Hessian's diagonal it undoes the columns'
//! different scales (Jacobi scaling), which on bag-of-words data with Zipf-distributed columns spread the
//! diagonal over four orders of magnitude. On the peer benchmark's data (docs/benchmarks.md, "QNing vs Cyanure
//! and scikit-learn") a certified 1e-10 took 31 → 12.6 passes on dense 100000 × 200 and 444 → 22 on sparse
//! 100000 × 20000.

use gradus_oracle::problems::fisher_yates;
use gradus_oracle::{Csr, Design, LinearModel, Objective, Work};
use ndarray::{Array1, Array2, ArrayView1, ArrayViewMut1};

use crate::error::{ClassicError, Result};
use crate::newton::{cholesky_in_place, linear_model_hessian, second_derivative};

const SOLVER: &str = "preconditioner";

/// The first ridge added to a sampled Hessian whose Cholesky factorization fails, relative to its largest
/// diagonal entry; each further attempt multiplies it by 100.
const RIDGE_START: f64 = 1e-12;
/// Factorization attempts (the first without ridge).
const RIDGE_ATTEMPTS: usize = 8;

/// Work counted per row of a sampled Hessian, in component gradients: ⌈d / `HESSIAN_ROW_GRADIENTS_DIVISOR`⌉. The
/// GEMM forms a full Hessian of 100000 × 200 in 10.2 passes' time (docs/benchmarks.md, "Kernels and dispatch"),
/// i.e. one Hessian row costs about d/20 gradient rows.
pub const HESSIAN_ROW_GRADIENTS_DIVISOR: usize = 20;

/// P ≈ ∇²F, symmetric positive definite, as L-BFGS's initial matrix H⁰ = P⁻¹.
#[derive(Debug, Clone, PartialEq)]
pub enum Preconditioner {
    /// P = diag(p), every pⱼ > 0 and finite.
    Diagonal(Array1<f64>),
    /// P = L Lᵀ: the lower triangle of the matrix is L ([`crate::newton::cholesky_in_place`]'s output; the strict
    /// upper triangle is ignored).
    Cholesky(Array2<f64>),
}

impl Preconditioner {
    /// P = diag(p).
    ///
    /// Errors: [`ClassicError::InvalidParameter`] naming the first entry that is not positive and finite.
    pub fn diagonal(p: Array1<f64>) -> Result<Self> {
        if let Some(j) = p.iter().position(|v| !(v.is_finite() && *v > 0.0)) {
            return Err(crate::error::invalid(
                SOLVER,
                "diagonal",
                format!("p[{j}] = {}", p[j]),
                "every entry must be positive and finite",
            ));
        }
        Ok(Preconditioner::Diagonal(p))
    }

    /// P = H for a symmetric positive definite matrix H, factored by Cholesky; when the factorization fails (H
    /// singular or indefinite to working precision) a ridge of 1e-12 · max |Hⱼⱼ|, growing ×100 per attempt, is
    /// added, and the ridge used is returned.
    ///
    /// Errors: [`ClassicError::InvalidParameter`] when H is not square or has a non-finite entry, or when no
    /// ridge up to max |Hⱼⱼ| makes it factor.
    pub fn from_matrix(h: Array2<f64>) -> Result<(Self, f64)> {
        if h.nrows() != h.ncols() {
            return Err(crate::error::invalid(
                SOLVER,
                "matrix",
                format!("{} x {}", h.nrows(), h.ncols()),
                "must be square",
            ));
        }
        if let Some(k) = h.iter().position(|v| !v.is_finite()) {
            return Err(crate::error::invalid(
                SOLVER,
                "matrix",
                format!("entry {k} = {}", h.iter().nth(k).copied().unwrap_or(f64::NAN)),
                "every entry must be finite",
            ));
        }
        let h = h.as_standard_layout().into_owned();
        let max_diagonal = h.diag().fold(0.0f64, |m, &v| m.max(v.abs())).max(f64::MIN_POSITIVE);
        let mut ridge = 0.0;
        for _ in 0..RIDGE_ATTEMPTS {
            let mut factor = h.clone();
            factor.diag_mut().mapv_inplace(|v| v + ridge);
            if cholesky_in_place(&mut factor).is_ok() {
                return Ok((Preconditioner::Cholesky(factor), ridge));
            }
            ridge = if ridge == 0.0 {
                RIDGE_START * max_diagonal
            } else {
                100.0 * ridge
            };
        }
        Err(crate::error::invalid(
            SOLVER,
            "matrix",
            format!("max |H_jj| = {max_diagonal:e}"),
            "is not positive definite even with a ridge of max |H_jj|",
        ))
    }

    /// The dimension d.
    pub fn dim(&self) -> usize {
        match self {
            Preconditioner::Diagonal(p) => p.len(),
            Preconditioner::Cholesky(l) => l.nrows(),
        }
    }

    /// v ← P⁻¹ v (no allocation).
    pub fn apply_inverse_in_place(&self, mut v: ArrayViewMut1<f64>) {
        match self {
            Preconditioner::Diagonal(p) => v.zip_mut_with(p, |vj, &pj| *vj /= pj),
            Preconditioner::Cholesky(l) => {
                let d = l.nrows();
                // L z = v (forward), then Lᵀ x = z (backward), in place.
                for i in 0..d {
                    let row = l.row(i);
                    let mut s = v[i];
                    for k in 0..i {
                        s -= row[k] * v[k];
                    }
                    v[i] = s / row[i];
                }
                for i in (0..d).rev() {
                    let mut s = v[i];
                    for k in i + 1..d {
                        s -= l[[k, i]] * v[k];
                    }
                    v[i] = s / l[[i, i]];
                }
            }
        }
    }
}

/// The diagonal of ∇²F(x) for a linear model, pⱼ = (1/n) Σᵢ φ″(aᵢᵀx; yᵢ) a_ij² + λ₂: the margins (one `matvec`)
/// and one sweep over the stored values in row order on the calling thread (so the bits do not depend on the
/// thread count). A column with pⱼ = 0 (no stored value and λ₂ = 0, where F does not depend on xⱼ but through
/// λ₂) gets the largest pⱼ instead, so that P stays positive definite; all zero gives pⱼ = 1.
pub fn hessian_diagonal(model: &LinearModel, x: ArrayView1<f64>) -> Array1<f64> {
    let (n, d) = (model.n(), model.dim());
    let mut margins = Array1::zeros(n);
    model.design().matvec(x, margins.view_mut());
    let (loss, inv_n) = (model.loss(), 1.0 / n as f64);
    let mut p = Array1::zeros(d);
    let out = p.as_slice_mut().expect("owned arrays are contiguous");
    let labels = model.labels();
    for i in 0..n {
        let w = second_derivative(loss, margins[i], labels[i]) * inv_n;
        if w == 0.0 {
            continue;
        }
        match model.design() {
            Design::Dense(a) => {
                for (o, &v) in out.iter_mut().zip(a.row(i)) {
                    *o += w * v * v;
                }
            }
            Design::Sparse(s) => {
                let (idx, val) = s.row(i);
                for (&j, &v) in idx.iter().zip(val) {
                    out[j as usize] += w * v * v;
                }
            }
        }
    }
    let l2 = model.l2();
    p.mapv_inplace(|v| v + l2);
    let largest = p.iter().fold(0.0f64, |m, &v| m.max(v));
    let fill = if largest > 0.0 && largest.is_finite() {
        largest
    } else {
        1.0
    };
    p.mapv_inplace(|v| if v > 0.0 && v.is_finite() { v } else { fill });
    p
}

/// The rows of a seeded uniform sample without replacement of `rows` of the model's n rows (all of them when
/// rows ≥ n), in increasing order: the first `rows` entries of [`fisher_yates`]`(n, seed)`, sorted.
pub fn sample_rows(n: usize, rows: usize, seed: u64) -> Vec<usize> {
    if rows >= n {
        return (0..n).collect();
    }
    let mut sample = fisher_yates(n, seed);
    sample.truncate(rows);
    sample.sort_unstable();
    sample
}

/// The Hessian of the loss on the sampled rows S, H_S = (1/|S|) Σ_{i∈S} φ″(aᵢᵀx; yᵢ) aᵢaᵢᵀ + λ₂I: the rows are
/// copied into a model of their own and its Hessian formed as Newton's is (GEMM per row chunk on a dense design,
/// partials added in chunk order, so the bits do not depend on the thread count).
///
/// Errors: [`ClassicError::Unsupported`] when `rows` is empty or names a row ≥ n.
pub fn sampled_hessian(model: &LinearModel, x: ArrayView1<f64>, rows: &[usize]) -> Result<Array2<f64>> {
    let (n, d) = (model.n(), model.dim());
    if rows.is_empty() || rows.iter().any(|&i| i >= n) {
        return Err(ClassicError::Unsupported {
            solver: SOLVER,
            reason: format!("a sampled Hessian needs between 1 and n = {n} row indices below n"),
        });
    }
    let labels = model.labels();
    let y = Array1::from_iter(rows.iter().map(|&i| labels[i]));
    let design = match model.design() {
        Design::Dense(a) => {
            let mut sub = Array2::zeros((rows.len(), d));
            for (mut r, &i) in sub.rows_mut().into_iter().zip(rows) {
                r.assign(&ArrayView1::from(a.row(i)));
            }
            Design::dense(sub)?
        }
        Design::Sparse(s) => {
            let (mut indptr, mut indices, mut data) = (vec![0], Vec::new(), Vec::new());
            for &i in rows {
                let (idx, val) = s.row(i);
                indices.extend_from_slice(idx);
                data.extend_from_slice(val);
                indptr.push(data.len());
            }
            Design::sparse(Csr::new(rows.len(), d, indptr, indices, data)?)?
        }
    };
    let sub = LinearModel::new(design, y, model.loss(), model.l2(), 0.0)?;
    Ok(linear_model_hessian(&sub, x))
}

/// Which preconditioner [`LinearModelPreconditioner::build`] makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PreconditionerKind {
    /// The sampled Hessian when the design is dense and its counted cost is at most
    /// [`SAMPLED_HESSIAN_MAX_PASSES`] passes, else the Hessian's diagonal.
    Auto,
    /// [`sampled_hessian`], factored by Cholesky.
    SampledHessian,
    /// [`hessian_diagonal`].
    Diagonal,
}

/// The largest cost, in passes over the data, for which [`PreconditionerKind::Auto`] forms a sampled Hessian. On
/// 100000 × 400 dense logistic data (cost 2.56 passes) the sampled Hessian took certified 1e-10 in 14.6 passes
/// against the diagonal's 29; it saves about 15–20 passes, so up to 8 it pays with a margin.
pub const SAMPLED_HESSIAN_MAX_PASSES: f64 = 8.0;

/// How to build a preconditioner for a linear model at x₀.
///
/// | name | default | range | meaning |
/// |---|---|---|---|
/// | `kind` | `Auto` | see [`PreconditionerKind`] | which P |
/// | `rows_per_dim` | 32 | ≥ 1 | sampled Hessian: s = min(n, `rows_per_dim` · d) rows |
/// | `seed` | 0 | any | sampled Hessian: the rows are [`sample_rows`]`(n, s, seed)` |
///
/// s = 32 d: on the peer data (100000 × 200) certified 1e-10 took 24 / 16 / 12 / 11 passes after a sampled
/// Hessian of s = 5 d / 10 d / 25 d / 50 d rows (counted cost 0.1 / 0.2 / 0.5 / 1.0 pass).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LinearModelPreconditioner {
    /// Which preconditioner.
    pub kind: PreconditionerKind,
    /// Sampled rows per dimension.
    pub rows_per_dim: usize,
    /// The sample's seed.
    pub seed: u64,
}

impl Default for LinearModelPreconditioner {
    fn default() -> Self {
        LinearModelPreconditioner {
            kind: PreconditionerKind::Auto,
            rows_per_dim: 32,
            seed: 0,
        }
    }
}

impl LinearModelPreconditioner {
    /// The number of sampled rows s = min(n, `rows_per_dim` · d).
    pub fn sample_size(&self, model: &LinearModel) -> usize {
        self.rows_per_dim.saturating_mul(model.dim()).min(model.n())
    }

    /// The work a sampled Hessian of `rows` rows is counted as: rows · ⌈d / 20⌉ component gradients
    /// ([`HESSIAN_ROW_GRADIENTS_DIVISOR`]).
    pub fn sampled_hessian_work(rows: usize, d: usize) -> Work {
        Work {
            component_gradients: (rows * d.div_ceil(HESSIAN_ROW_GRADIENTS_DIVISOR).max(1)) as u64,
            ..Work::default()
        }
    }

    /// The kind `Auto` resolves to on `model`.
    pub fn resolve(&self, model: &LinearModel) -> PreconditionerKind {
        match self.kind {
            PreconditionerKind::Auto => {
                let work = Self::sampled_hessian_work(self.sample_size(model), model.dim());
                if !model.design().is_sparse() && work.passes(model.n()) <= SAMPLED_HESSIAN_MAX_PASSES {
                    PreconditionerKind::SampledHessian
                } else {
                    PreconditionerKind::Diagonal
                }
            }
            kind => kind,
        }
    }

    /// Checks every value.
    pub fn validate(&self) -> Result<()> {
        if self.rows_per_dim == 0 {
            return Err(crate::error::invalid(SOLVER, "rows_per_dim", 0, "must be >= 1"));
        }
        Ok(())
    }

    /// P at x for `model`, and the work it cost: [`sampled_hessian`] (counted by
    /// [`Self::sampled_hessian_work`]) or [`hessian_diagonal`] (one full gradient: a `matvec` and one sweep).
    ///
    /// Errors: invalid parameters; those of [`sampled_hessian`] and [`Preconditioner::from_matrix`].
    pub fn build(&self, model: &LinearModel, x: ArrayView1<f64>) -> Result<(Preconditioner, Work)> {
        self.validate()?;
        match self.resolve(model) {
            PreconditionerKind::SampledHessian => {
                let rows = sample_rows(model.n(), self.sample_size(model), self.seed);
                let h = sampled_hessian(model, x, &rows)?;
                let (p, _) = Preconditioner::from_matrix(h)?;
                Ok((p, Self::sampled_hessian_work(rows.len(), model.dim())))
            }
            _ => {
                let p = Preconditioner::diagonal(hessian_diagonal(model, x))?;
                let work = Work {
                    full_gradients: 1,
                    ..Work::default()
                };
                Ok((p, work))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::newton::linear_model_hessian;
    use crate::test_support::*;
    use gradus_oracle::Loss;
    use ndarray::array;

    #[test]
    fn applying_the_inverse_solves_p_z_equals_v() {
        let mut rng = SplitMix(5);
        let b = Array2::from_shape_fn((9, 9), |_| rng.normal());
        let h = b.t().dot(&b) + Array2::<f64>::eye(9);
        let (p, ridge) = Preconditioner::from_matrix(h.clone()).unwrap();
        assert_eq!(ridge, 0.0);
        assert_eq!(p.dim(), 9);
        let v = Array1::from_shape_fn(9, |i| i as f64 - 4.0);
        let mut z = v.clone();
        p.apply_inverse_in_place(z.view_mut());
        assert!((&h.dot(&z) - &v).iter().all(|e| e.abs() < 1e-10));
        let diagonal = Preconditioner::diagonal(array![2.0, 4.0, 0.5]).unwrap();
        let mut z = array![1.0, 1.0, 1.0];
        diagonal.apply_inverse_in_place(z.view_mut());
        assert_eq!(z, array![0.5, 0.25, 2.0]);
    }

    #[test]
    fn a_singular_matrix_gets_a_ridge_and_bad_input_is_a_typed_error() {
        let (p, ridge) = Preconditioner::from_matrix(array![[1.0, 1.0], [1.0, 1.0]]).unwrap();
        assert!(ridge > 0.0 && p.dim() == 2);
        let invalid =
            |r: Result<(Preconditioner, f64)>| matches!(r, Err(ClassicError::InvalidParameter { name: "matrix", .. }));
        assert!(invalid(Preconditioner::from_matrix(Array2::zeros((2, 3)))));
        assert!(invalid(Preconditioner::from_matrix(array![
            [1.0, f64::NAN],
            [0.0, 1.0]
        ])));
        assert!(invalid(Preconditioner::from_matrix(array![[-1.0, 0.0], [0.0, -1.0]])));
        for bad in [0.0, -1.0, f64::INFINITY, f64::NAN] {
            let e = Preconditioner::diagonal(array![1.0, bad]).unwrap_err();
            assert!(
                matches!(&e, ClassicError::InvalidParameter { name: "diagonal", value, .. } if value.starts_with("p[1]")),
                "{e:?}"
            );
        }
    }

    #[test]
    fn the_diagonal_and_the_full_sample_match_the_hessian() {
        for sparse in [false, true] {
            let model = linear_model(400, 7, Loss::Logistic, 1e-3, sparse);
            let x = Array1::from_shape_fn(7, |j| 0.1 * j as f64 - 0.3);
            let h = linear_model_hessian(&model, x.view());
            let p = hessian_diagonal(&model, x.view());
            assert!((&p - &h.diag()).iter().all(|e| e.abs() <= 1e-14), "sparse={sparse}");
            let all: Vec<usize> = (0..400).collect();
            let hs = sampled_hessian(&model, x.view(), &all).unwrap();
            assert!((&hs - &h).iter().all(|e| e.abs() <= 1e-14), "sparse={sparse}");
            // The same bits on any thread count.
            let rows = sample_rows(400, 100, 3);
            let one = with_threads(1, || sampled_hessian(&model, x.view(), &rows).unwrap());
            let two = with_threads(2, || sampled_hessian(&model, x.view(), &rows).unwrap());
            assert_eq!(one, two);
        }
        let model = linear_model(10, 3, Loss::Logistic, 1e-3, false);
        assert!(matches!(
            sampled_hessian(&model, Array1::zeros(3).view(), &[]),
            Err(ClassicError::Unsupported { .. })
        ));
        assert!(matches!(
            sampled_hessian(&model, Array1::zeros(3).view(), &[10]),
            Err(ClassicError::Unsupported { .. })
        ));
    }

    #[test]
    fn an_empty_column_without_l2_keeps_the_diagonal_positive() {
        let a = array![[1.0, 0.0], [2.0, 0.0]];
        let model = LinearModel::new(Design::dense(a).unwrap(), array![1.0, -1.0], Loss::Logistic, 0.0, 0.0).unwrap();
        let p = hessian_diagonal(&model, Array1::zeros(2).view());
        assert_eq!(p[1], p[0]);
        assert!(p[0] > 0.0);
    }

    #[test]
    fn samples_are_seeded_sorted_and_distinct() {
        let s = sample_rows(1000, 50, 9);
        assert_eq!(s, sample_rows(1000, 50, 9));
        assert_ne!(s, sample_rows(1000, 50, 10));
        assert!(s.windows(2).all(|w| w[0] < w[1]) && s.len() == 50 && s[49] < 1000);
        assert_eq!(sample_rows(5, 50, 9), vec![0, 1, 2, 3, 4]);
    }

    #[test]
    fn auto_takes_the_sampled_hessian_on_dense_data_of_moderate_width_only() {
        let recipe = LinearModelPreconditioner::default();
        // 6000 × 12: s = 384 rows at 1 gradient each, 0.06 pass.
        let dense = linear_model(6000, 12, Loss::Logistic, 1e-3, false);
        assert_eq!(recipe.resolve(&dense), PreconditionerKind::SampledHessian);
        assert_eq!(
            recipe.resolve(&linear_model(6000, 12, Loss::Logistic, 1e-3, true)),
            PreconditionerKind::Diagonal
        );
        // 200 × 60: s = n = 200 rows at 3 gradients each, 3 passes ≤ 8; 100 × 200: 100 rows at 10 each, 10 > 8.
        let at = |n, d| recipe.resolve(&linear_model(n, d, Loss::Logistic, 1e-3, false));
        assert_eq!(at(200, 60), PreconditionerKind::SampledHessian);
        assert_eq!(at(100, 200), PreconditionerKind::Diagonal);
        let forced = LinearModelPreconditioner {
            kind: PreconditionerKind::SampledHessian,
            ..recipe
        };
        assert_eq!(
            forced.resolve(&linear_model(200, 60, Loss::Logistic, 1e-3, true)),
            PreconditionerKind::SampledHessian
        );
    }
}

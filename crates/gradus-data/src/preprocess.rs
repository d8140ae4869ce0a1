//! Preprocessing: column standardization of dense matrices and L2 row normalization of dense or CSR designs.

use gradus_oracle::design::{Csr, Design};
use ndarray::{Array1, Array2};

use crate::error::{DataError, Result};

/// Column means and population standard deviations computed by [`standardize_columns`], to apply the same
/// transformation to other data (a test set). A standard deviation of 0 marks a constant column.
#[derive(Debug, Clone, PartialEq)]
pub struct Standardization {
    /// Mean of each column.
    pub mean: Array1<f64>,
    /// Population standard deviation (divisor n) of each column; 0 for a constant column.
    pub std: Array1<f64>,
}

impl Standardization {
    /// Applies x_ij ← (x_ij − mean_j)/std_j, and x_ij ← 0 for constant columns (std_j = 0).
    pub fn apply(&self, a: &mut Array2<f64>) -> Result<()> {
        if a.ncols() != self.mean.len() {
            return Err(DataError::InvalidParameter {
                name: "a",
                value: format!("{} columns", a.ncols()),
                reason: "must have as many columns as the data the standardization was computed on",
            });
        }
        for mut row in a.rows_mut() {
            for ((v, &m), &s) in row.iter_mut().zip(&self.mean).zip(&self.std) {
                *v = standardize_value(*v, m, s);
            }
        }
        Ok(())
    }
}

/// (x − mean)/std, or 0 when std = 0 (a constant column).
fn standardize_value(x: f64, mean: f64, std: f64) -> f64 {
    if std > 0.0 { (x - mean) / std } else { 0.0 }
}

/// Standardizes every column to mean 0 and population standard deviation 1 (divisor n, as NumPy's `x.std(0)`), in
/// place, and returns the means and standard deviations used.
///
/// A column whose entries are all equal is set to 0 (not divided by zero). Two passes over the rows (mean, then
/// variance of the centred values), so the result is accurate even for columns with a large mean.
pub fn standardize_columns(a: &mut Array2<f64>) -> Standardization {
    let (n, d) = a.dim();
    let mut mean = Array1::<f64>::zeros(d);
    let mut varies = vec![false; d];
    if let Some(first) = a.rows().into_iter().next().map(|r| r.to_owned()) {
        for row in a.rows() {
            for (j, &v) in row.iter().enumerate() {
                mean[j] += v;
                varies[j] |= v != first[j];
            }
        }
        mean /= n as f64;
    }
    let mut var = Array1::<f64>::zeros(d);
    for row in a.rows() {
        for (j, &v) in row.iter().enumerate() {
            var[j] += (v - mean[j]).powi(2);
        }
    }
    let std: Array1<f64> = var
        .iter()
        .zip(&varies)
        .map(|(&s, &varies)| if varies { (s / n as f64).sqrt() } else { 0.0 })
        .collect();
    let st = Standardization { mean, std };
    // The matrix has the statistics' own column count.
    st.apply(a).expect("same column count");
    st
}

/// ‖v‖₂.
fn l2_norm(v: &[f64]) -> f64 {
    v.iter().map(|x| x * x).sum::<f64>().sqrt()
}

/// Divides every nonzero row of a dense matrix by its L2 norm; zero rows are left as they are.
pub fn normalize_rows_dense(mut a: ndarray::ArrayViewMut2<f64>) {
    for mut row in a.rows_mut() {
        let norm = row.iter().map(|x| x * x).sum::<f64>().sqrt();
        if norm > 0.0 {
            row.mapv_inplace(|v| v / norm);
        }
    }
}

/// Divides every nonzero row of a CSR matrix by its L2 norm (the sparsity pattern is kept); zero rows are left as
/// they are.
pub fn normalize_rows_csr(c: &mut Csr) {
    let indptr = c.indptr().to_vec();
    let data = c.data_mut();
    for w in indptr.windows(2) {
        let row = &mut data[w[0]..w[1]];
        let norm = l2_norm(row);
        if norm > 0.0 {
            for v in row.iter_mut() {
                *v /= norm;
            }
        }
    }
}

/// Divides every nonzero row of the design by its L2 norm (‖a_i‖ = 1 afterwards); zero rows are left as they are.
pub fn normalize_rows(x: &mut Design) {
    match x {
        Design::Dense(a) => {
            let shape = (a.nrows(), a.ncols());
            let view = ndarray::ArrayViewMut2::from_shape(shape, a.values_mut()).expect("n · d values");
            normalize_rows_dense(view);
        }
        Design::Sparse(c) => normalize_rows_csr(c),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_abs_diff_eq;
    use ndarray::array;

    #[test]
    fn standardizes_columns_and_zeroes_constant_ones() {
        let mut a = array![
            [1.0, 5.0, 1e9 + 1.0],
            [3.0, 5.0, 1e9 + 3.0],
            [5.0, 5.0, 1e9 + 5.0],
            [7.0, 5.0, 1e9 + 7.0]
        ];
        let st = standardize_columns(&mut a);
        assert_eq!(st.mean.to_vec(), vec![4.0, 5.0, 1e9 + 4.0]);
        assert_abs_diff_eq!(st.std[0], 5.0f64.sqrt(), epsilon = 1e-15);
        assert_eq!(st.std[1], 0.0);
        for j in [0, 2] {
            let col = a.column(j);
            assert_abs_diff_eq!(col.mean().unwrap(), 0.0, epsilon = 1e-12);
            assert_abs_diff_eq!(col.mapv(|v| v * v).mean().unwrap(), 1.0, epsilon = 1e-12);
        }
        assert!(a.column(1).iter().all(|&v| v == 0.0));
        // The same transformation on new data; a wrong width is an error.
        let mut test = array![[4.0, 9.0, 1e9 + 4.0]];
        st.apply(&mut test).unwrap();
        assert_eq!(test, array![[0.0, 0.0, 0.0]]);
        assert!(st.apply(&mut array![[1.0]]).is_err());
    }

    #[test]
    fn standardize_empty_and_single_row() {
        let mut empty = Array2::<f64>::zeros((0, 3));
        let st = standardize_columns(&mut empty);
        assert_eq!(st.std.len(), 3);
        let mut one = array![[2.0, -1.0]];
        standardize_columns(&mut one);
        assert_eq!(one, array![[0.0, 0.0]]);
    }

    #[test]
    fn normalizes_dense_and_sparse_rows_keeping_zero_rows() {
        let dense = array![[3.0, 0.0, 4.0], [0.0, 0.0, 0.0], [0.0, -2.0, 0.0]];
        let csr = Csr::new(3, 3, vec![0, 2, 2, 3], vec![0, 2, 1], vec![3.0, 4.0, -2.0]).unwrap();
        let want = array![[0.6, 0.0, 0.8], [0.0, 0.0, 0.0], [0.0, -1.0, 0.0]];
        let mut d = Design::dense(dense).unwrap();
        let mut s = Design::sparse(csr).unwrap();
        normalize_rows(&mut d);
        normalize_rows(&mut s);
        let Design::Dense(da) = &d else { unreachable!() };
        let Design::Sparse(sc) = &s else { unreachable!() };
        assert_eq!(da.view(), want);
        assert_eq!(sc.to_dense(), want);
        assert_eq!(sc.nnz(), 3);
    }
}

//! Data diagnostics: how uneven the per-sample smoothness constants are, and how the labels are distributed.
//!
//! For a linear model f_i(w) = φ(a_iᵀw; y_i) the smoothness constant of sample i is L_i = φ''_max ‖a_i‖² (φ''_max =
//! 1/4 for the logistic loss, 1 for the squared loss). Variance-reduced methods with uniform sampling (SVRG, SAGA,
//! MISO) take steps of order 1/max_i L_i while the average curvature is mean_i L_i, so the ratio
//! max L_i / mean L_i — which does not depend on φ''_max — measures how much they lose on a data set.

use gradus_oracle::design::Design;
use ndarray::Array1;

/// Ratio max L_i / mean L_i above which [`RowNormStats::warning`] warns.
pub const NONUNIFORM_RATIO_THRESHOLD: f64 = 10.0;

/// Statistics of the squared row norms ‖a_i‖², proportional to the per-sample smoothness constants
/// L_i = φ''_max ‖a_i‖².
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RowNormStats {
    /// Smallest ‖a_i‖².
    pub min: f64,
    /// Mean of ‖a_i‖².
    pub mean: f64,
    /// Largest ‖a_i‖².
    pub max: f64,
    /// max L_i / mean L_i = max ‖a_i‖² / mean ‖a_i‖² (1 when every row is zero).
    pub ratio_max_mean: f64,
}

impl RowNormStats {
    /// A warning when max L_i / mean L_i exceeds [`NONUNIFORM_RATIO_THRESHOLD`], `None` otherwise.
    pub fn warning(&self) -> Option<String> {
        (self.ratio_max_mean > NONUNIFORM_RATIO_THRESHOLD).then(|| {
            format!(
                "the per-sample smoothness constants are very uneven: max L_i / mean L_i = {:.1} (> {}); \
                 uniform-sampling methods such as SVRG/SAGA stall on such data; use importance sampling or an \
                 accelerated/quasi-Newton method (or normalize the rows)",
                self.ratio_max_mean, NONUNIFORM_RATIO_THRESHOLD
            )
        })
    }
}

/// Min, mean, max and max/mean of ‖a_i‖² over the rows of `x` (a design always has at least one row).
pub fn row_norm_stats(x: &Design) -> RowNormStats {
    let norms = x.row_norms_sq();
    let min = norms.iter().copied().fold(f64::INFINITY, f64::min);
    let max = norms.iter().copied().fold(0.0, f64::max);
    let mean = norms.mean().unwrap_or(0.0);
    let ratio_max_mean = if mean > 0.0 { max / mean } else { 1.0 };
    RowNormStats {
        min,
        mean,
        max,
        ratio_max_mean,
    }
}

/// Each distinct label value with its count, sorted by value.
pub fn label_counts(y: &Array1<f64>) -> Vec<(f64, usize)> {
    let mut sorted: Vec<f64> = y.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mut counts: Vec<(f64, usize)> = Vec::new();
    for v in sorted {
        match counts.last_mut() {
            Some((last, count)) if last.total_cmp(&v).is_eq() => *count += 1,
            _ => counts.push((v, 1)),
        }
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;
    use gradus_oracle::design::Csr;
    use ndarray::{Array2, array};

    #[test]
    fn stats_of_uniform_and_skewed_rows() {
        let uniform = Design::dense(Array2::from_elem((5, 4), 0.5)).unwrap();
        let s = row_norm_stats(&uniform);
        assert_eq!((s.min, s.mean, s.max, s.ratio_max_mean), (1.0, 1.0, 1.0, 1.0));
        assert!(s.warning().is_none());

        // 99 rows of norm² 1 and one of norm² 10 000: mean 100.99, ratio ≈ 99.
        let n = 100;
        let mut indptr = vec![0];
        let mut indices = Vec::new();
        let mut data = Vec::new();
        for i in 0..n {
            indices.push(0);
            data.push(if i == 7 { 100.0 } else { 1.0 });
            indptr.push(i + 1);
        }
        let skewed = Design::sparse(Csr::new(n, 1, indptr, indices, data).unwrap()).unwrap();
        let s = row_norm_stats(&skewed);
        assert_eq!((s.min, s.max), (1.0, 10_000.0));
        assert!((s.ratio_max_mean - 10_000.0 / 100.99).abs() < 1e-9);
        let w = s.warning().unwrap();
        assert!(w.contains("SVRG/SAGA") && w.contains("importance sampling"));
    }

    #[test]
    fn all_zero_rows_have_ratio_one() {
        let s = row_norm_stats(&Design::dense(Array2::zeros((3, 2))).unwrap());
        assert_eq!((s.min, s.mean, s.max, s.ratio_max_mean), (0.0, 0.0, 0.0, 1.0));
    }

    #[test]
    fn counts_labels_by_value() {
        assert_eq!(
            label_counts(&array![1.0, -1.0, 1.0, 3.0, -1.0, 1.0]),
            vec![(-1.0, 2), (1.0, 3), (3.0, 1)]
        );
        assert!(label_counts(&Array1::zeros(0)).is_empty());
    }
}

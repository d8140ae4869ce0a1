//! Shared test problems.

use gradus_oracle::{Csr, Design, LinearModel, Loss};
use ndarray::{Array1, Array2};

/// A 40 × 6 linear model, dense or CSR (about a third of the entries zero), labels ±1 (or real for squared).
pub fn small_model(loss: Loss, sparse: bool, l2: f64, l1: f64) -> LinearModel {
    let (n, d) = (40, 6);
    let a = Array2::from_shape_fn((n, d), |(i, j)| {
        if (i * 7 + j * 3) % 3 == 0 {
            0.0
        } else {
            (((i * 13 + j * 7) % 17) as f64 / 8.0 - 1.0) * (1.0 + (i % 5) as f64 * 0.3)
        }
    });
    let y = Array1::from_shape_fn(n, |i| {
        if loss == Loss::Squared {
            ((i * 5) % 7) as f64 / 3.0 - 1.0
        } else if (i * 11) % 7 < 3 {
            1.0
        } else {
            -1.0
        }
    });
    let design = if sparse {
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
    } else {
        Design::dense(a).unwrap()
    };
    LinearModel::new(design, y, loss, l2, l1).unwrap()
}

/// [`small_model`] with its rows shuffled once by `seed` (the model of shuffle-once runs with `Sampling::Cyclic`).
pub fn shuffled_small_model(loss: Loss, sparse: bool, l2: f64, l1: f64, seed: u64) -> LinearModel {
    let mut m = small_model(loss, sparse, l2, l1);
    m.shuffle_rows(seed);
    m
}

/// The minimizer by 200 000 proximal-gradient steps with step 1/L (L = the trace bound).
pub fn reference_solution(m: &LinearModel) -> Array1<f64> {
    use gradus_oracle::Objective;
    let d = m.dim();
    let l = m.loss().curvature_bound() * m.row_norms_sq().sum() / m.n() as f64 + m.l2();
    let mut x = Array1::zeros(d);
    let mut g = Array1::zeros(d);
    for _ in 0..200_000 {
        m.gradient(x.view(), g.view_mut());
        for j in 0..d {
            x[j] = gradus_oracle::regularizer::soft_threshold(x[j] - g[j] / l, m.l1() / l);
        }
    }
    x
}

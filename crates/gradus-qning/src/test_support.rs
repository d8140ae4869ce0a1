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

/// An exact inner solver for squared-loss models without λ₁ (test only): one "epoch" solves
/// (XᵀX/n + σI) w = Xᵀy/n + κz by Gaussian elimination, so the accelerators' Moreau gradients are exact and their
/// mechanics can be checked by hand.
pub struct ExactProx<'a> {
    pub sub: crate::ProximalPoint<'a>,
    pub w: Array1<f64>,
}

impl<'a> ExactProx<'a> {
    pub fn new(model: &'a LinearModel, kappa: f64) -> Self {
        assert_eq!(model.loss(), Loss::Squared);
        assert_eq!(model.l1(), 0.0);
        let sub = crate::ProximalPoint::new(model, kappa);
        let d = sub.dim();
        ExactProx {
            sub,
            w: Array1::zeros(d),
        }
    }

    /// The exact proximal point p(x) and the envelope's value F_κ(x) = h_x(p(x)) and gradient κ(x − p(x)).
    pub fn envelope(model: &'a LinearModel, kappa: f64, x: &Array1<f64>) -> (Array1<f64>, f64, Array1<f64>) {
        let mut e = ExactProx::new(model, kappa);
        e.sub.set_center(x.view());
        e.solve();
        let g = (x - &e.w) * kappa;
        let v = e.sub.value(e.w.view());
        (e.w, v, g)
    }

    fn solve(&mut self) {
        let model = self.sub.model();
        let Design::Dense(x) = model.design() else {
            panic!("dense only")
        };
        let x = x.view();
        let (n, d) = (model.n() as f64, self.sub.dim());
        let mut a = x.t().dot(&x) / n;
        for j in 0..d {
            a[[j, j]] += self.sub.sigma();
        }
        let mut b = x.t().dot(&model.labels()) / n;
        for j in 0..d {
            b[j] += self.sub.linear_term(j);
        }
        // Gaussian elimination with partial pivoting.
        for c in 0..d {
            let p = (c..d)
                .max_by(|&i, &k| a[[i, c]].abs().total_cmp(&a[[k, c]].abs()))
                .unwrap();
            for k in 0..d {
                a.swap([c, k], [p, k]);
            }
            b.swap(c, p);
            for r in c + 1..d {
                let f = a[[r, c]] / a[[c, c]];
                for k in c..d {
                    a[[r, k]] -= f * a[[c, k]];
                }
                b[r] -= f * b[c];
            }
        }
        for c in (0..d).rev() {
            let s: f64 = (c + 1..d).map(|k| a[[c, k]] * self.w[k]).sum();
            self.w[c] = (b[c] - s) / a[[c, c]];
        }
    }
}

impl<'a> crate::InnerSolver<'a> for ExactProx<'a> {
    fn name(&self) -> &'static str {
        "exact"
    }
    fn subproblem(&self) -> &dyn crate::proximal_point::Subproblem {
        &self.sub
    }
    fn set_center(&mut self, z: ndarray::ArrayView1<f64>) {
        self.sub.set_center(z);
    }
    fn restart_from(&mut self, w: ndarray::ArrayView1<f64>) {
        self.w.assign(&w);
    }
    fn epoch(&mut self, work: &mut gradus_oracle::Work) {
        self.solve();
        work.full_gradients += 1;
    }
    fn iterate(&self) -> ndarray::ArrayView1<'_, f64> {
        self.w.view()
    }
    fn known_value(&self) -> Option<f64> {
        Some(self.sub.value(self.w.view()))
    }
    fn save_state(&mut self) {}
    fn restore_state(&mut self) {}
}

/// A genuinely non-linear finite sum (test only): fᵢ(w) = log Σₖ exp(bᵢₖᵀw) − bᵢ,yᵢᵀw over K = 3 feature vectors
/// bᵢₖ ∈ R⁴ per sample (a conditional softmax with shared weights), with the regularizer (λ₂/2)‖w‖² + λ₁‖w‖₁
/// from `Objective::regularizer`. Lᵢ = maxₖ ‖bᵢₖ‖² bounds the Hessian Σₖ pₖ bₖbₖᵀ − (Σ pₖbₖ)(Σ pₖbₖ)ᵀ.
pub struct SoftmaxSum {
    pub features: Vec<[[f64; 4]; 3]>,
    pub labels: Vec<usize>,
    pub regularizer: gradus_oracle::Regularizer,
}

impl SoftmaxSum {
    pub fn new(n: usize, l2: f64, l1: f64) -> Self {
        let features: Vec<[[f64; 4]; 3]> = (0..n)
            .map(|i| {
                std::array::from_fn(|k| {
                    std::array::from_fn(|j| {
                        (((i * 7 + k * 5 + j * 3) % 13) as f64 / 6.0 - 1.0) * (1.0 + (i % 3) as f64 * 0.2)
                    })
                })
            })
            .collect();
        // The label is the best class under w = (1, −1, 0.5, 2), except every 7th sample (noise).
        let labels = (0..n)
            .map(|i| {
                let b: &[[f64; 4]; 3] = &features[i];
                let score = |k: usize| b[k][0] - b[k][1] + 0.5 * b[k][2] + 2.0 * b[k][3];
                let best = (0..3).max_by(|&a, &c| score(a).total_cmp(&score(c))).unwrap();
                if i % 7 == 3 { (best + 1) % 3 } else { best }
            })
            .collect();
        SoftmaxSum {
            features,
            labels,
            regularizer: gradus_oracle::Regularizer::from_weights(l1, l2).unwrap(),
        }
    }

    /// (log Σ exp(uₖ), softmax p) of the scores uₖ = bᵢₖᵀw.
    fn scores(&self, i: usize, w: ndarray::ArrayView1<f64>) -> (f64, [f64; 3]) {
        let u: [f64; 3] = std::array::from_fn(|k| (0..4).map(|j| self.features[i][k][j] * w[j]).sum());
        let m = u.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let e: [f64; 3] = std::array::from_fn(|k| (u[k] - m).exp());
        let s: f64 = e.iter().sum();
        (m + s.ln() - u[self.labels[i]], std::array::from_fn(|k| e[k] / s))
    }
}

impl gradus_oracle::Objective for SoftmaxSum {
    fn dim(&self) -> usize {
        4
    }
    fn value(&self, w: ndarray::ArrayView1<f64>) -> f64 {
        use gradus_oracle::FiniteSum;
        (0..self.len()).map(|i| self.component_value(i, w)).sum::<f64>() / self.len() as f64
    }
    fn gradient(&self, w: ndarray::ArrayView1<f64>, mut out: ndarray::ArrayViewMut1<f64>) {
        use gradus_oracle::FiniteSum;
        out.fill(0.0);
        let mut g = Array1::zeros(4);
        for i in 0..self.len() {
            self.component_gradient(i, w, g.view_mut());
            out += &g;
        }
        out /= self.len() as f64;
    }
    fn smoothness(&self) -> f64 {
        use gradus_oracle::FiniteSum;
        self.mean_component_smoothness()
    }
    fn regularizer(&self) -> gradus_oracle::Regularizer {
        self.regularizer
    }
}

impl gradus_oracle::FiniteSum for SoftmaxSum {
    fn len(&self) -> usize {
        self.labels.len()
    }
    fn component_value(&self, i: usize, w: ndarray::ArrayView1<f64>) -> f64 {
        self.scores(i, w).0
    }
    fn component_gradient(&self, i: usize, w: ndarray::ArrayView1<f64>, mut out: ndarray::ArrayViewMut1<f64>) {
        let (_, p) = self.scores(i, w);
        for j in 0..4 {
            out[j] = (0..3).map(|k| p[k] * self.features[i][k][j]).sum::<f64>() - self.features[i][self.labels[i]][j];
        }
    }
    fn component_smoothness(&self, i: usize) -> f64 {
        self.features[i]
            .iter()
            .map(|b| b.iter().map(|v| v * v).sum::<f64>())
            .fold(0.0, f64::max)
    }
}

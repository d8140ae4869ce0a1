//! Test problems built by hand (the dependency rule keeps gradus-data out of this crate's tests).

use gradus_oracle::{Csr, Design, LinearModel, Loss, Monitor, Objective, Quadratic, Regularizer};
use ndarray::{Array1, Array2, ArrayView1, ArrayViewMut1};

/// A deterministic pseudo-random stream (SplitMix64).
pub struct SplitMix(pub u64);

impl SplitMix {
    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform on [0, 1).
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Approximately standard normal (sum of 12 uniforms − 6).
    pub fn normal(&mut self) -> f64 {
        (0..12).map(|_| self.uniform()).sum::<f64>() - 6.0
    }
}

/// The eigenvalues μ = λ₀ < … < λ_{d−1} = L, log-spaced.
pub fn log_spectrum(d: usize, mu: f64, l: f64) -> Array1<f64> {
    Array1::from_shape_fn(d, |k| {
        if d == 1 {
            l
        } else {
            mu * (l / mu).powf(k as f64 / (d - 1) as f64)
        }
    })
}

/// f(x) = ½ (x − x*)ᵀ A (x − x*) with A = Q diag(λ) Qᵀ, Q = I − 2vvᵀ/‖v‖² a Householder reflection, λ log-spaced
/// from `mu` to `l`, and x*ⱼ = sin(j + 1).
pub fn householder_quadratic(d: usize, mu: f64, l: f64) -> Quadratic {
    let lambda = log_spectrum(d, mu, l);
    let v = Array1::from_shape_fn(d, |j| 1.0 + 0.3 * j as f64);
    let vv = v.dot(&v);
    let q = Array2::from_shape_fn((d, d), |(i, j)| f64::from(u8::from(i == j)) - 2.0 * v[i] * v[j] / vv);
    let mut a = Array2::zeros((d, d));
    for i in 0..d {
        for j in i..d {
            let s: f64 = (0..d).map(|k| q[[i, k]] * lambda[k] * q[[j, k]]).sum();
            a[[i, j]] = s;
            a[[j, i]] = s;
        }
    }
    let x_star = Array1::from_shape_fn(d, |j| ((j + 1) as f64).sin());
    Quadratic::new(a, x_star, mu, l).unwrap()
}

/// An n × d data matrix with about 40% zeros and roughly standard-normal non-zeros, and labels ±1 from a noisy
/// linear model (not separable).
pub fn data(n: usize, d: usize, seed: u64) -> (Array2<f64>, Array1<f64>) {
    let mut rng = SplitMix(seed);
    let a = Array2::from_shape_fn((n, d), |_| if rng.uniform() < 0.4 { 0.0 } else { rng.normal() });
    let w: Array1<f64> = (0..d).map(|_| rng.normal()).collect();
    let y = Array1::from_shape_fn(n, |i| {
        let m = a.row(i).dot(&w) + 2.0 * rng.normal();
        if m >= 0.0 { 1.0 } else { -1.0 }
    });
    (a, y)
}

/// The CSR copy of a dense matrix.
pub fn to_csr(a: &Array2<f64>) -> Csr {
    let mut indptr = vec![0];
    let (mut indices, mut values) = (Vec::new(), Vec::new());
    for row in a.rows() {
        for (j, &v) in row.iter().enumerate() {
            if v != 0.0 {
                indices.push(j as u32);
                values.push(v);
            }
        }
        indptr.push(values.len());
    }
    Csr::new(a.nrows(), a.ncols(), indptr, indices, values).unwrap()
}

/// A linear model on [`data`], dense or CSR.
pub fn linear_model(n: usize, d: usize, loss: Loss, l2: f64, sparse: bool) -> LinearModel {
    let (a, y) = data(n, d, 7);
    let design = if sparse {
        Design::sparse(to_csr(&a)).unwrap()
    } else {
        Design::dense(a).unwrap()
    };
    LinearModel::new(design, y, loss, l2, 0.0).unwrap()
}

/// A problem with another regularizer in `regularizer()`.
pub struct WithRegularizer<'a> {
    pub inner: &'a dyn Objective,
    pub regularizer: Regularizer,
}

impl Objective for WithRegularizer<'_> {
    fn dim(&self) -> usize {
        self.inner.dim()
    }
    fn value(&self, x: ArrayView1<f64>) -> f64 {
        self.inner.value(x)
    }
    fn gradient(&self, x: ArrayView1<f64>, out: ArrayViewMut1<f64>) {
        self.inner.gradient(x, out)
    }
    fn smoothness(&self) -> f64 {
        self.inner.smoothness()
    }
    fn strong_convexity(&self) -> f64 {
        self.inner.strong_convexity()
    }
    fn regularizer(&self) -> Regularizer {
        self.regularizer
    }
}

/// The metric `dist` = ‖x − x*‖.
pub struct Distance(pub Array1<f64>);

impl Monitor for Distance {
    fn names(&self) -> Vec<String> {
        vec!["dist".to_string()]
    }
    fn evaluate(&self, x: ArrayView1<f64>, _known: Option<(f64, ArrayView1<f64>)>, out: &mut Vec<f64>) {
        out.clear();
        let r = &x - &self.0;
        out.push(r.dot(&r).sqrt());
    }
}

/// ‖x − y‖.
pub fn distance(x: ArrayView1<f64>, y: ArrayView1<f64>) -> f64 {
    let r = &x - &y;
    r.dot(&r).sqrt()
}

/// Runs `f` on a rayon pool of `threads` threads.
pub fn with_threads<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> T {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
        .install(f)
}

/// F* of a smooth linear model, certified by Newton's method to ‖∇F‖ ≤ 1e-12.
pub fn newton_optimum(model: &LinearModel) -> f64 {
    crate::newton::certify_optimum(model, 1e-12).unwrap().value
}

/// (F(x) − F*)/F*.
pub fn relative_suboptimality(model: &LinearModel, x: ArrayView1<f64>, f_star: f64) -> f64 {
    (model.total_value(x) - f_star) / f_star
}

/// Runs `solve` twice on one thread and once on two, and checks the three reports agree bit for bit (iterate,
/// iterations, status, work, and every recorded metric).
pub fn assert_deterministic(solve: impl Fn() -> gradus_oracle::Report + Send + Sync) {
    let a = with_threads(1, &solve);
    let b = with_threads(1, &solve);
    let c = with_threads(2, &solve);
    for other in [&b, &c] {
        assert_eq!(a.iterations, other.iterations);
        assert_eq!(a.status, other.status);
        assert_eq!(a.work, other.work);
        let bits = |x: &Array1<f64>| x.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&a.x), bits(&other.x));
        assert_eq!(a.trace.rows.len(), other.trace.rows.len());
        for (r, s) in a.trace.rows.iter().zip(&other.trace.rows) {
            let rb: Vec<u64> = r.values.iter().map(|v| v.to_bits()).collect();
            let sb: Vec<u64> = s.values.iter().map(|v| v.to_bits()).collect();
            assert_eq!(rb, sb);
        }
    }
}

//! Nonsmooth nonconvex test functions with the directional oracle of Assumption 1 (Zhang et al. 2020): at x and
//! a direction d they return f(x) and some g ∈ ∂f(x) with ⟨g, d⟩ = f′(x; d). Ties (d = 0, or a direction along
//! a kink) take the *right* one-sided slope, so the answer is a limit of gradients at nearby points.
//!
//! | problem | f | known stationary points |
//! |---|---|---|
//! | [`AbsAbs`] | \|\|x₁\| − 1\| + ½‖x₂:‖² | minimizers x₁ = ±1, x₂: = 0 (f* = 0); x₁ = 0, x₂: = 0 is a Clarke-stationary local max in x₁ |
//! | [`MaxAffine`] | maxⱼ aⱼᵀ(x − x*) with Σⱼ wⱼaⱼ = 0, wⱼ > 0 | the unique minimizer x* (f* = 0, every piece active) |
//! | [`ChebyshevRosenbrock`] | ¼(x₁ − 1)² + Σᵢ \|xᵢ₊₁ − 2xᵢ² + 1\| (Nesterov) | minimizer (1, …, 1), f* = 0 |
//! | [`ReluRegression`] | (1/2n) Σᵢ (vᵀ relu(W aᵢ) − yᵢ)², teacher labels | the teacher (W*, v*), f* = 0; θ = 0 |

use ndarray::{Array1, Array2, ArrayView1, ArrayViewMut1, s};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use rand_distr::{Distribution, StandardNormal};

use crate::error::{OracleError, Result, check_nonnegative};
use crate::oracle::{DirectionalOracle, StochasticOracle};

/// Checks that a count is ≥ 1.
fn check_count(name: &'static str, value: usize) -> Result<()> {
    if value >= 1 {
        Ok(())
    } else {
        Err(OracleError::InvalidParameter {
            name,
            value: "0".into(),
            reason: "must be >= 1",
        })
    }
}

/// Right slope of h(t) = ||t| − 1| (the slope on (t, t + η) for small η).
fn abs_abs_right_slope(t: f64) -> f64 {
    if t >= 1.0 || (-1.0..0.0).contains(&t) {
        1.0
    } else {
        -1.0
    }
}

/// Left slope of h(t) = ||t| − 1| (the slope on (t − η, t)).
fn abs_abs_left_slope(t: f64) -> f64 {
    if t > 1.0 || (t > -1.0 && t <= 0.0) { 1.0 } else { -1.0 }
}

/// The slope s with s·d = f′(t; d) for a piecewise-linear h with left/right slopes (right slope when d = 0).
fn directional_slope(left: f64, right: f64, d: f64) -> f64 {
    if d < 0.0 { left } else { right }
}

/// f(x) = ||x₁| − 1| + ½‖x₂:‖²: a non-regular kink at x₁ = 0 (a Clarke-stationary local maximum in x₁) and
/// minimizers at x₁ = ±1, x₂: = 0.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AbsAbs {
    dim: usize,
}

impl AbsAbs {
    /// The function in `dim` ≥ 1 variables.
    pub fn new(dim: usize) -> Result<Self> {
        check_count("dim", dim)?;
        Ok(AbsAbs { dim })
    }

    /// A minimizer, (1, 0, …, 0).
    pub fn minimizer(&self) -> Array1<f64> {
        let mut x = Array1::zeros(self.dim);
        x[0] = 1.0;
        x
    }

    /// A Lipschitz constant of f on the sublevel set {f ≤ f0} enlarged by `radius`: √(1 + (√(2 f0) + radius)²).
    pub fn lipschitz_on_sublevel(&self, f0: f64, radius: f64) -> f64 {
        (1.0 + ((2.0 * f0.max(0.0)).sqrt() + radius).powi(2)).sqrt()
    }
}

impl DirectionalOracle for AbsAbs {
    fn dim(&self) -> usize {
        self.dim
    }
    fn value(&self, x: ArrayView1<f64>) -> f64 {
        let t = x.slice(s![1..]);
        (x[0].abs() - 1.0).abs() + 0.5 * t.dot(&t)
    }
    fn directional_gradient(&self, x: ArrayView1<f64>, d: ArrayView1<f64>, mut out: ArrayViewMut1<f64>) -> f64 {
        let t = x[0];
        out[0] = directional_slope(abs_abs_left_slope(t), abs_abs_right_slope(t), d[0]);
        out.slice_mut(s![1..]).assign(&x.slice(s![1..]));
        self.value(x)
    }
}

/// f(x) = maxⱼ (aⱼᵀx + bⱼ), built so that Σⱼ wⱼaⱼ = 0 for positive weights and bⱼ = −aⱼᵀx*: the unique minimizer
/// is x* with f* = 0, where every piece is active.
#[derive(Debug, Clone, PartialEq)]
pub struct MaxAffine {
    /// The slopes aⱼ (rows).
    pub a: Array2<f64>,
    /// The offsets bⱼ.
    pub b: Array1<f64>,
    /// The minimizer.
    pub x_star: Array1<f64>,
}

impl MaxAffine {
    /// `pieces` random slopes in `dim` variables (pieces ≥ dim + 1 for a unique minimizer), drawn from `seed`.
    pub fn random(dim: usize, pieces: usize, seed: u64) -> Result<Self> {
        check_count("dim", dim)?;
        check_count("pieces", pieces)?;
        let mut rng = StdRng::seed_from_u64(seed);
        let mut a = Array2::from_shape_fn((pieces, dim), |_| normal(&mut rng));
        let w: Vec<f64> = (0..pieces).map(|_| rng.random_range(0.5..1.5)).collect();
        let total: f64 = w.iter().sum();
        let mut mean = Array1::<f64>::zeros(dim);
        for (j, wj) in w.iter().enumerate() {
            mean.scaled_add(wj / total, &a.row(j));
        }
        for mut row in a.rows_mut() {
            row -= &mean;
        }
        let x_star = Array1::from_shape_fn(dim, |_| normal(&mut rng));
        let b = -a.dot(&x_star);
        Ok(MaxAffine { a, b, x_star })
    }

    /// L = maxⱼ ‖aⱼ‖.
    pub fn lipschitz(&self) -> f64 {
        self.a.rows().into_iter().map(|r| r.dot(&r).sqrt()).fold(0.0, f64::max)
    }
}

impl DirectionalOracle for MaxAffine {
    fn dim(&self) -> usize {
        self.a.ncols()
    }
    fn value(&self, x: ArrayView1<f64>) -> f64 {
        (self.a.dot(&x) + &self.b).fold(f64::NEG_INFINITY, |m, &v| m.max(v))
    }
    fn directional_gradient(&self, x: ArrayView1<f64>, d: ArrayView1<f64>, mut out: ArrayViewMut1<f64>) -> f64 {
        let vals = self.a.dot(&x) + &self.b;
        let f = vals.fold(f64::NEG_INFINITY, |m, &v| m.max(v));
        let tol = 1e-12 * (1.0 + f.abs());
        let slopes = self.a.dot(&d);
        // Among the active pieces, the one whose slope maximises ⟨aⱼ, d⟩ (first index on ties).
        let mut best = None;
        for j in 0..vals.len() {
            if vals[j] >= f - tol && best.is_none_or(|b: usize| slopes[j] > slopes[b]) {
                best = Some(j);
            }
        }
        out.assign(&self.a.row(best.expect("at least one piece")));
        f
    }
}

/// Nesterov's nonsmooth Chebyshev–Rosenbrock function f(x) = ¼(x₁ − 1)² + Σᵢ₌₁ⁿ⁻¹ |xᵢ₊₁ − 2xᵢ² + 1|
/// (Gürbüzbalaban & Overton 2012); minimizer (1, …, 1) with f* = 0.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChebyshevRosenbrock {
    dim: usize,
}

impl ChebyshevRosenbrock {
    /// The function in `dim` ≥ 2 variables.
    pub fn new(dim: usize) -> Result<Self> {
        if dim < 2 {
            return Err(OracleError::InvalidParameter {
                name: "dim",
                value: dim.to_string(),
                reason: "must be >= 2",
            });
        }
        Ok(ChebyshevRosenbrock { dim })
    }

    /// The minimizer (1, …, 1).
    pub fn minimizer(&self) -> Array1<f64> {
        Array1::ones(self.dim)
    }

    /// A Lipschitz constant on the box ‖x‖∞ ≤ r: ½(r + 1) + (n − 1)·√(16r² + 1) bounds ‖g‖.
    pub fn lipschitz_on_box(&self, r: f64) -> f64 {
        0.5 * (r + 1.0) + (self.dim - 1) as f64 * (16.0 * r * r + 1.0).sqrt()
    }
}

impl DirectionalOracle for ChebyshevRosenbrock {
    fn dim(&self) -> usize {
        self.dim
    }
    fn value(&self, x: ArrayView1<f64>) -> f64 {
        let mut f = 0.25 * (x[0] - 1.0).powi(2);
        for i in 0..self.dim - 1 {
            f += (x[i + 1] - 2.0 * x[i] * x[i] + 1.0).abs();
        }
        f
    }
    fn directional_gradient(&self, x: ArrayView1<f64>, d: ArrayView1<f64>, mut out: ArrayViewMut1<f64>) -> f64 {
        out.fill(0.0);
        out[0] = 0.5 * (x[0] - 1.0);
        for i in 0..self.dim - 1 {
            let r = x[i + 1] - 2.0 * x[i] * x[i] + 1.0;
            // r′(x; d) = d_{i+1} − 4xᵢdᵢ; at r = 0 the sign of |r|'s slope follows it (right slope on ties).
            let dr = d[i + 1] - 4.0 * x[i] * d[i];
            let sign = if r != 0.0 {
                r.signum()
            } else if dr < 0.0 {
                -1.0
            } else {
                1.0
            };
            out[i] -= sign * 4.0 * x[i];
            out[i + 1] += sign;
        }
        self.value(x)
    }
}

/// Teacher–student regression with one hidden ReLU layer: θ = (W ∈ ℝ^{h×p} row-major, v ∈ ℝʰ),
/// f(θ) = (1/2n) Σᵢ (vᵀ relu(W aᵢ) − yᵢ)² with yᵢ = v*ᵀ relu(W* aᵢ). The teacher θ* is a global minimizer
/// (f* = 0); θ = 0 is Clarke stationary.
#[derive(Debug, Clone, PartialEq)]
pub struct ReluRegression {
    /// Inputs aᵢ (rows), n × p.
    pub inputs: Array2<f64>,
    /// Targets yᵢ.
    pub targets: Array1<f64>,
    /// Hidden units h.
    pub hidden: usize,
    /// The teacher's parameters θ*.
    pub teacher: Array1<f64>,
}

impl ReluRegression {
    /// n Gaussian inputs in ℝᵖ, a random teacher with h hidden units (W* ~ N(0, 1/p), v* = ±1), from `seed`.
    pub fn random(n: usize, p: usize, hidden: usize, seed: u64) -> Result<Self> {
        check_count("n", n)?;
        check_count("p", p)?;
        check_count("hidden", hidden)?;
        let mut rng = StdRng::seed_from_u64(seed);
        let inputs = Array2::from_shape_fn((n, p), |_| normal(&mut rng));
        let mut teacher = Array1::zeros(hidden * p + hidden);
        let scale = 1.0 / (p as f64).sqrt();
        for k in 0..hidden * p {
            teacher[k] = scale * normal(&mut rng);
        }
        for j in 0..hidden {
            teacher[hidden * p + j] = if rng.random::<bool>() { 1.0 } else { -1.0 };
        }
        let mut r = ReluRegression {
            inputs,
            targets: Array1::zeros(n),
            hidden,
            teacher,
        };
        let (pre, _) = r.pre_activations(r.teacher.view(), None);
        let v = r.teacher.slice(s![hidden * p..]).to_owned();
        r.targets = pre.mapv(|z| z.max(0.0)).dot(&v);
        Ok(r)
    }

    fn p(&self) -> usize {
        self.inputs.ncols()
    }

    /// An upper bound on s = σ_max(A)/√n, A the n × p input matrix: λ_max(M) ≤ tr(M^{2^J})^{1/2^J} for the
    /// positive semidefinite M = AᵀA/n (J = 6 squarings, so the bound is at most p^{1/64} ≈ 1.04 times λ_max for
    /// p = 10), then s = √λ_max. Each squaring is normalised by its trace so nothing overflows.
    pub fn input_scale_bound(&self) -> f64 {
        let n = self.inputs.nrows() as f64;
        let mut m = self.inputs.t().dot(&self.inputs) / n;
        // M^{2^j} = exp(log_c)·N with tr N = 1.
        let mut log_c = m.diag().sum().ln();
        m /= m.diag().sum();
        for _ in 0..6 {
            let sq = m.dot(&m);
            let t = sq.diag().sum();
            log_c = 2.0 * log_c + t.ln();
            m = sq / t;
        }
        (log_c / 64.0).exp().sqrt()
    }

    /// A Lipschitz constant of f valid within distance `r` of any θ with ‖θ‖ ≤ `rho` and f(θ) ≤ `f0`: the bound
    /// L = s(ρ + r)·(√(2f₀) + s(ρ + r)r), s = [`input_scale_bound`](Self::input_scale_bound) ≥ σ_max(A)/√n.
    ///
    /// Derivation. Write the residuals rᵢ(θ) = vᵀrelu(W aᵢ) − yᵢ, so f = ‖r‖²/(2n) and √(2f) = ‖r‖/√n, and let
    /// Act = relu(A Wᵀ) (n × h), σᵢⱼ ∈ {0, 1} the ReLU slopes and Dᵢⱼ = rᵢvⱼσᵢⱼ. A generalized gradient is
    /// g = (∇_W, ∇_v) with ∇_v = Actᵀr/n and ∇_W = DᵀA/n. Since relu is 1-Lipschitz with relu(0) = 0,
    /// ‖Act‖ ≤ ‖Act‖_F ≤ ‖A Wᵀ‖_F ≤ ‖A‖‖W‖_F, so ‖∇_v‖ ≤ ‖A‖‖W‖_F‖r‖/n = s‖W‖_F√(2f); and
    /// ‖D‖_F² = Σᵢ rᵢ² Σⱼ vⱼ²σᵢⱼ ≤ ‖r‖²‖v‖², so ‖∇_W‖_F ≤ ‖D‖_F‖A‖/n ≤ s‖v‖√(2f). Together
    /// ‖g(θ)‖ ≤ s‖θ‖√(2f(θ)) for every θ (and for every element of the Clarke subdifferential, a convex hull of
    /// limits of such gradients). The same two estimates bound the residual map's generalized Jacobian by
    /// √n·s‖θ‖ (‖Σⱼ vⱼσᵢⱼ(A dWᵀ)ᵢⱼ‖ ≤ ‖v‖‖A‖‖dW‖_F and ‖Act dv‖ ≤ ‖A‖‖W‖_F‖dv‖), so moving from θ to a point
    /// θ′ with ‖θ′ − θ‖ ≤ r raises √(2f) by at most s(‖θ‖ + r)r. With ‖θ‖ ≤ ρ and f(θ) ≤ f₀ at the start of the
    /// move, ‖θ′‖ ≤ ρ + r and ‖g(θ′)‖ ≤ s(ρ + r)(√(2f₀) + s(ρ + r)r).
    ///
    /// A descent method that keeps f(x_t) ≤ f(x₀) and queries only within r of its iterates (INGD with δ ≤ r)
    /// sees gradients no larger than this as long as its iterates stay in the ball ‖θ‖ ≤ ρ; f's sublevel sets are
    /// unbounded (W ↦ cW, v ↦ v/c leaves f unchanged), so that is a condition to check on the run
    /// ([`ToyInstance::in_region`]), not a consequence of descent.
    pub fn lipschitz_on_ball(&self, rho: f64, f0: f64, r: f64) -> f64 {
        let s = self.input_scale_bound();
        let reach = rho + r;
        s * reach * ((2.0 * f0.max(0.0)).sqrt() + s * reach * r)
    }

    /// Z = A Wᵀ and, with a direction, dZ = A dWᵀ.
    fn pre_activations(
        &self,
        theta: ArrayView1<f64>,
        d: Option<ArrayView1<f64>>,
    ) -> (Array2<f64>, Option<Array2<f64>>) {
        let (h, p) = (self.hidden, self.p());
        let w = theta
            .slice(s![..h * p])
            .into_shape_with_order((h, p))
            .expect("contiguous");
        let z = self.inputs.dot(&w.t());
        let dz = d.map(|d| {
            let dw = d.slice(s![..h * p]).into_shape_with_order((h, p)).expect("contiguous");
            self.inputs.dot(&dw.t())
        });
        (z, dz)
    }
}

/// The ReLU slope chosen for pre-activation z moving at rate dz: 1 if active along the ray, else 0.
pub fn relu_directional_slope(z: f64, dz: f64) -> f64 {
    if z > 0.0 || (z == 0.0 && dz > 0.0) { 1.0 } else { 0.0 }
}

impl DirectionalOracle for ReluRegression {
    fn dim(&self) -> usize {
        self.hidden * self.p() + self.hidden
    }
    fn value(&self, x: ArrayView1<f64>) -> f64 {
        let (z, _) = self.pre_activations(x, None);
        let v = x.slice(s![self.hidden * self.p()..]);
        let r = z.mapv(|z| z.max(0.0)).dot(&v) - &self.targets;
        0.5 * r.dot(&r) / self.inputs.nrows() as f64
    }
    fn directional_gradient(&self, x: ArrayView1<f64>, d: ArrayView1<f64>, mut out: ArrayViewMut1<f64>) -> f64 {
        let (h, p, n) = (self.hidden, self.p(), self.inputs.nrows());
        let (z, dz) = self.pre_activations(x, Some(d));
        let dz = dz.expect("direction given");
        let sigma = Array2::from_shape_fn(z.raw_dim(), |(i, j)| relu_directional_slope(z[[i, j]], dz[[i, j]]));
        let act = &z * &sigma; // relu(z), with relu(0) = 0 either way
        let v = x.slice(s![h * p..]);
        let r = act.dot(&v) - &self.targets;
        let f = 0.5 * r.dot(&r) / n as f64;
        // ∂/∂v = actᵀ r / n; ∂/∂W = Dᵀ A / n with D_ij = rᵢ vⱼ σᵢⱼ.
        out.slice_mut(s![h * p..]).assign(&(act.t().dot(&r) / n as f64));
        let dmat = Array2::from_shape_fn(z.raw_dim(), |(i, j)| r[i] * v[j] * sigma[[i, j]]);
        let gw = dmat.t().dot(&self.inputs) / n as f64;
        out.slice_mut(s![..h * p])
            .assign(&gw.into_shape_with_order(h * p).expect("contiguous"));
        f
    }
}

/// A stochastic oracle from a directional one: g(x; d) + σ·ξ with ξ ~ N(0, I) (for testing stochastic methods on
/// the toys; [`StochasticOracle::sample_gradient`] uses d = 0).
#[derive(Debug, Clone)]
pub struct NoisyOracle<O> {
    /// The exact oracle.
    pub oracle: O,
    /// The noise level σ.
    pub sigma: f64,
}

impl<O: DirectionalOracle> NoisyOracle<O> {
    /// Wraps `oracle` with noise σ ≥ 0.
    pub fn new(oracle: O, sigma: f64) -> Result<Self> {
        check_nonnegative("sigma", sigma)?;
        Ok(NoisyOracle { oracle, sigma })
    }
}

impl<O: DirectionalOracle> StochasticOracle for NoisyOracle<O> {
    fn dim(&self) -> usize {
        self.oracle.dim()
    }
    fn sample_gradient(&self, x: ArrayView1<f64>, rng: &mut StdRng, mut out: ArrayViewMut1<f64>) -> f64 {
        let f = self.oracle.generalized_gradient(x, out.view_mut());
        for o in out.iter_mut() {
            *o += self.sigma * normal(rng);
        }
        f
    }
    /// g(x; d) + σ·ξ: the exact oracle's directional gradient plus the noise.
    fn sample_directional_gradient(
        &self,
        x: ArrayView1<f64>,
        d: ArrayView1<f64>,
        rng: &mut StdRng,
        mut out: ArrayViewMut1<f64>,
    ) -> f64 {
        let f = self.oracle.directional_gradient(x, d, out.view_mut());
        for o in out.iter_mut() {
            *o += self.sigma * normal(rng);
        }
        f
    }
}

/// One standard normal draw.
pub fn normal(rng: &mut StdRng) -> f64 {
    StandardNormal.sample(rng)
}

/// The largest query radius the toys' Lipschitz constants allow: every oracle call within this distance of an
/// iterate of [`ToyInstance::region`] sees ‖g‖ ≤ L (EXP-N2's δ are at most 0.1).
pub const TOY_QUERY_RADIUS: f64 = 0.1;

/// Where a toy's Lipschitz constant holds: for oracle calls within [`TOY_QUERY_RADIUS`] of an iterate in this
/// region.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum LipschitzRegion {
    /// Everywhere (a global constant).
    Everywhere,
    /// The sublevel set {f ≤ f(x₀)}: every descent method (INGD, MinNorm-INGD) stays in it.
    Sublevel,
    /// The box ‖x‖∞ ≤ the value, less the query radius.
    Box(f64),
    /// The sublevel set intersected with the ball ‖x‖₂ ≤ the value.
    SublevelBall(f64),
}

/// A toy instance of EXP-N2: the problem, a starting point and a Lipschitz constant with the region where it
/// holds.
pub struct ToyInstance {
    /// Short name (`absabs`, `maxaffine`, `chebrosen`, `relureg`).
    pub name: &'static str,
    /// The problem.
    pub oracle: Box<dyn DirectionalOracle>,
    /// The starting point.
    pub x0: Array1<f64>,
    /// L for INGD's β and the Theorem 8 budget: a bound on ‖g‖ for oracle calls within [`TOY_QUERY_RADIUS`] of
    /// an iterate in [`region`](Self::region).
    pub lipschitz: f64,
    /// Where `lipschitz` holds; a run whose iterates leave it has no valid L ([`ToyInstance::in_region`]).
    pub region: LipschitzRegion,
    /// Δ = f(x0) − inf f (inf f = 0 for every toy).
    pub gap: f64,
}

impl ToyInstance {
    /// Whether an iterate x lies in the region where `lipschitz` holds.
    pub fn in_region(&self, x: ArrayView1<f64>) -> bool {
        let sublevel = || self.oracle.value(x) <= self.gap;
        match self.region {
            LipschitzRegion::Everywhere => true,
            LipschitzRegion::Sublevel => sublevel(),
            LipschitzRegion::Box(r) => x.iter().all(|v| v.abs() <= r - TOY_QUERY_RADIUS),
            LipschitzRegion::SublevelBall(rho) => x.dot(&x).sqrt() <= rho && sublevel(),
        }
    }
}

/// The four toys of EXP-N2 with their starting points:
///
/// - `absabs`: [`AbsAbs`] in d = 10 from x0 = (2.5, 0.3, …, 0.3); L on the sublevel set of x0 enlarged by 1
///   (region [`LipschitzRegion::Sublevel`]).
/// - `maxaffine`: [`MaxAffine`] with d = 10, 20 pieces, from x* + 3u (u a random unit vector); L = maxⱼ‖aⱼ‖,
///   global.
/// - `chebrosen`: [`ChebyshevRosenbrock`] in d = 2 from (−1.2, 1); L on the box ‖x‖∞ ≤ 1.5 (region: iterates
///   with ‖x‖∞ ≤ 1.4).
/// - `relureg`: [`ReluRegression`] with n = 200, p = 10, h = 4 (d = 44) from a random N(0, 1/p) W and v = ±½;
///   L = [`ReluRegression::lipschitz_on_ball`] with ρ = ‖x0‖ + 1, f₀ = f(x0), r = [`TOY_QUERY_RADIUS`] (region:
///   the sublevel set within ‖θ‖ ≤ ρ).
pub fn standard_toys(seed: u64) -> Vec<ToyInstance> {
    let mut rng = StdRng::seed_from_u64(seed ^ 0x70ff);
    let mut out = Vec::new();

    let f = AbsAbs::new(10).expect("valid");
    let mut x0 = Array1::from_elem(10, 0.3);
    x0[0] = 2.5;
    let f0 = f.value(x0.view());
    out.push(ToyInstance {
        name: "absabs",
        lipschitz: f.lipschitz_on_sublevel(f0, 1.0),
        region: LipschitzRegion::Sublevel,
        gap: f0,
        oracle: Box::new(f),
        x0,
    });

    let m = MaxAffine::random(10, 20, seed.wrapping_add(1)).expect("valid");
    let u = Array1::from_shape_fn(10, |_| normal(&mut rng));
    let x0 = &m.x_star + &(3.0 / u.dot(&u).sqrt() * &u);
    out.push(ToyInstance {
        name: "maxaffine",
        lipschitz: m.lipschitz(),
        region: LipschitzRegion::Everywhere,
        gap: m.value(x0.view()),
        oracle: Box::new(m),
        x0,
    });

    let c = ChebyshevRosenbrock::new(2).expect("valid");
    let x0 = ndarray::array![-1.2, 1.0];
    out.push(ToyInstance {
        name: "chebrosen",
        lipschitz: c.lipschitz_on_box(1.5),
        region: LipschitzRegion::Box(1.5),
        gap: c.value(x0.view()),
        oracle: Box::new(c),
        x0,
    });

    let r = ReluRegression::random(200, 10, 4, seed.wrapping_add(2)).expect("valid");
    let mut x0 = Array1::zeros(r.dim());
    for k in 0..40 {
        x0[k] = normal(&mut rng) / 10f64.sqrt();
    }
    for k in 40..44 {
        x0[k] = if rng.random::<bool>() { 0.5 } else { -0.5 };
    }
    let f0 = r.value(x0.view());
    let rho = x0.dot(&x0).sqrt() + 1.0;
    out.push(ToyInstance {
        name: "relureg",
        lipschitz: r.lipschitz_on_ball(rho, f0, TOY_QUERY_RADIUS),
        region: LipschitzRegion::SublevelBall(rho),
        gap: f0,
        oracle: Box::new(r),
        x0,
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;
    use proptest::prelude::*;

    fn check_fd(o: &dyn DirectionalOracle, x: &Array1<f64>, tol: f64) {
        let mut g = Array1::zeros(o.dim());
        let zero = Array1::zeros(o.dim());
        o.directional_gradient(x.view(), zero.view(), g.view_mut());
        let h = 1e-6;
        for k in 0..o.dim() {
            let mut xp = x.clone();
            xp[k] += h;
            let mut xm = x.clone();
            xm[k] -= h;
            let fd = (o.value(xp.view()) - o.value(xm.view())) / (2.0 * h);
            assert!(
                (fd - g[k]).abs() < tol * (1.0 + fd.abs()),
                "coordinate {k}: fd {fd} vs {}",
                g[k]
            );
        }
    }

    /// ⟨g, d⟩ = f′(x; d) ≈ (f(x + t d) − f(x))/t for a small t (exact for piecewise-linear pieces).
    fn check_directional(o: &dyn DirectionalOracle, x: &Array1<f64>, d: &Array1<f64>, tol: f64) {
        let mut g = Array1::zeros(o.dim());
        let f = o.directional_gradient(x.view(), d.view(), g.view_mut());
        let t = 1e-7;
        let fd = (o.value((x + &(t * d)).view()) - f) / t;
        assert!(
            (g.dot(d) - fd).abs() < tol,
            "⟨g, d⟩ = {} vs one-sided difference {fd}",
            g.dot(d)
        );
    }

    fn problems(seed: u64) -> Vec<Box<dyn DirectionalOracle>> {
        vec![
            Box::new(AbsAbs::new(4).unwrap()),
            Box::new(MaxAffine::random(4, 9, seed).unwrap()),
            Box::new(ChebyshevRosenbrock::new(4).unwrap()),
            Box::new(ReluRegression::random(30, 3, 2, seed).unwrap()),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(40))]
        #[test]
        fn gradients_match_finite_differences_away_from_kinks(seed in 0u64..1000) {
            let mut rng = StdRng::seed_from_u64(seed);
            for o in problems(seed) {
                let x = Array1::from_shape_fn(o.dim(), |_| normal(&mut rng));
                check_fd(&*o, &x, 1e-5);
                let d = Array1::from_shape_fn(o.dim(), |_| normal(&mut rng));
                check_directional(&*o, &x, &d, 1e-4);
            }
        }
    }

    #[test]
    fn directional_derivatives_are_consistent_at_kinks() {
        let mut rng = StdRng::seed_from_u64(7);
        // AbsAbs at x₁ ∈ {−1, 0, 1}.
        let f = AbsAbs::new(3).unwrap();
        for &t in &[-1.0, 0.0, 1.0] {
            for _ in 0..10 {
                let x = array![t, normal(&mut rng), normal(&mut rng)];
                let d = Array1::from_shape_fn(3, |_| normal(&mut rng));
                check_directional(&f, &x, &d, 1e-5);
            }
        }
        // MaxAffine at x*, where every piece is active.
        let m = MaxAffine::random(5, 8, 3).unwrap();
        for _ in 0..20 {
            let d = Array1::from_shape_fn(5, |_| normal(&mut rng));
            check_directional(&m, &m.x_star, &d, 1e-6);
        }
        assert!(m.value(m.x_star.view()).abs() < 1e-12);
        // Chebyshev–Rosenbrock on its kinks x_{i+1} = 2xᵢ² − 1.
        let c = ChebyshevRosenbrock::new(3).unwrap();
        for _ in 0..20 {
            let x0: f64 = rng.random_range(-1.0..1.0);
            let x1 = 2.0 * x0 * x0 - 1.0;
            let x = array![x0, x1, 2.0 * x1 * x1 - 1.0];
            let d = Array1::from_shape_fn(3, |_| normal(&mut rng));
            check_directional(&c, &x, &d, 1e-4);
        }
        // ReLU regression with a hidden unit exactly at its kink for some samples: W row 0 = 0.
        let r = ReluRegression::random(20, 3, 2, 5).unwrap();
        let mut theta = r.teacher.clone();
        theta.slice_mut(s![..3]).fill(0.0);
        for _ in 0..20 {
            let d = Array1::from_shape_fn(r.dim(), |_| normal(&mut rng));
            check_directional(&r, &theta, &d, 1e-4);
        }
    }

    /// ‖g(θ)‖ ≤ s‖θ‖√(2f(θ)) at random points and kinks, s bounds σ_max(A)/√n from above (within p^{1/64}), and
    /// relureg's L bounds every gradient within the query radius of points of its region.
    #[test]
    fn relu_regression_gradient_bounds_hold() {
        let r = ReluRegression::random(200, 10, 4, 2).unwrap();
        let s_bound = r.input_scale_bound();
        // Power iteration gives σ_max(A)/√n from below.
        let m = r.inputs.t().dot(&r.inputs) / 200.0;
        let mut u = Array1::from_elem(10, 1.0);
        for _ in 0..500 {
            u = m.dot(&u);
            u /= u.dot(&u).sqrt();
        }
        let s_low = u.dot(&m.dot(&u)).sqrt();
        assert!(s_low <= s_bound && s_bound <= s_low * 10f64.powf(1.0 / 128.0) * (1.0 + 1e-12));
        let mut rng = StdRng::seed_from_u64(4);
        let mut g = Array1::zeros(r.dim());
        for k in 0..200 {
            let scale = 0.2 + k as f64 / 50.0;
            let theta = Array1::from_shape_fn(r.dim(), |_| scale * normal(&mut rng) / 5.0);
            let d = Array1::from_shape_fn(r.dim(), |_| normal(&mut rng));
            let f = r.directional_gradient(theta.view(), d.view(), g.view_mut());
            let bound = s_bound * theta.dot(&theta).sqrt() * (2.0 * f).sqrt();
            assert!(
                g.dot(&g).sqrt() <= bound * (1.0 + 1e-12),
                "{} > {bound}",
                g.dot(&g).sqrt()
            );
        }
        let toy = standard_toys(0).pop().unwrap();
        assert_eq!(toy.name, "relureg");
        assert!(toy.in_region(toy.x0.view()));
        for _ in 0..200 {
            let step = Array1::from_shape_fn(toy.x0.len(), |_| normal(&mut rng));
            let y = &toy.x0 + &(TOY_QUERY_RADIUS / step.dot(&step).sqrt() * &step);
            toy.oracle.generalized_gradient(y.view(), g.view_mut());
            assert!(g.dot(&g).sqrt() <= toy.lipschitz);
        }
        let far = 10.0 * &toy.x0;
        assert!(!toy.in_region(far.view()));
    }

    #[test]
    fn regions_of_the_toys() {
        let toys = standard_toys(0);
        for toy in &toys {
            assert!(toy.in_region(toy.x0.view()), "{}", toy.name);
        }
        assert_eq!(toys[1].region, LipschitzRegion::Everywhere);
        assert!(!toys[2].in_region(array![1.45, 0.0].view()));
        let mut above = toys[0].x0.clone();
        above[0] = 5.0;
        assert!(!toys[0].in_region(above.view()));
    }

    /// The noisy oracle passes the direction to the exact one: at a kink, opposite directions give opposite
    /// slopes (with σ = 0, exactly).
    #[test]
    fn noisy_oracle_passes_the_direction() {
        let noisy = NoisyOracle::new(AbsAbs::new(2).unwrap(), 0.0).unwrap();
        let x = array![1.0, 0.0];
        let mut rng = StdRng::seed_from_u64(0);
        let mut g = Array1::zeros(2);
        noisy.sample_directional_gradient(x.view(), array![-1.0, 0.0].view(), &mut rng, g.view_mut());
        assert_eq!(g[0], -1.0);
        noisy.sample_directional_gradient(x.view(), array![1.0, 0.0].view(), &mut rng, g.view_mut());
        assert_eq!(g[0], 1.0);
    }

    #[test]
    fn known_stationary_points() {
        let f = AbsAbs::new(3).unwrap();
        assert_eq!(f.value(f.minimizer().view()), 0.0);
        let c = ChebyshevRosenbrock::new(5).unwrap();
        assert_eq!(c.value(c.minimizer().view()), 0.0);
        let r = ReluRegression::random(50, 4, 3, 1).unwrap();
        assert!(r.value(r.teacher.view()) < 1e-28);
        let mut g = Array1::zeros(r.dim());
        r.generalized_gradient(r.teacher.view(), g.view_mut());
        assert!(g.dot(&g).sqrt() < 1e-12);
        let zero = Array1::zeros(r.dim());
        r.generalized_gradient(zero.view(), g.view_mut());
        assert_eq!(g.dot(&g), 0.0);
    }
}

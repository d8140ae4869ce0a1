//! Oracles for methods that do not see a finite sum's indices, and for nonsmooth functions.

use ndarray::{ArrayView1, ArrayViewMut1};
use rand::rngs::StdRng;

/// A stochastic first-order oracle: each call draws a hidden sample ξ with `rng` and returns f(x; ξ) and
/// out = ∇f(x; ξ), with E ∇f(x; ξ) = ∇f(x).
///
/// To evaluate the **same** hidden sample at two points (as SVRG-type methods do), draw a seed from your own
/// generator and pass two generators made from it (`StdRng::seed_from_u64(seed)`) to the two calls: the sample is
/// a function of the generator's state only. (`StdRng` is not `Clone` in rand 0.10.)
pub trait StochasticOracle: Sync {
    /// The dimension d.
    fn dim(&self) -> usize;

    /// Draws a sample, returns its value and writes its gradient.
    fn sample_gradient(&self, x: ArrayView1<f64>, rng: &mut StdRng, out: ArrayViewMut1<f64>) -> f64;

    /// Draws a sample whose gradient is consistent with the direction d (Zhang et al. 2020, Assumption 1(b): an
    /// unbiased estimate of some g ∈ ∂f(x) with ⟨g, d⟩ = f′(x; d)); Stochastic INGD passes the direction of its
    /// last step. The default ignores d and calls [`sample_gradient`](Self::sample_gradient), which is right
    /// wherever the sampled function is differentiable at x.
    fn sample_directional_gradient(
        &self,
        x: ArrayView1<f64>,
        d: ArrayView1<f64>,
        rng: &mut StdRng,
        out: ArrayViewMut1<f64>,
    ) -> f64 {
        let _ = d;
        self.sample_gradient(x, rng, out)
    }
}

/// The oracle of nonsmooth analysis used by INGD: at x and a direction d, f(x) and a generalized gradient
/// g ∈ ∂f(x) with ⟨g, d⟩ = f′(x; d).
pub trait DirectionalOracle: Sync {
    /// The dimension d.
    fn dim(&self) -> usize;

    /// f(x).
    fn value(&self, x: ArrayView1<f64>) -> f64;

    /// Returns f(x) and writes some g ∈ ∂f(x) with ⟨g, d⟩ = f′(x; d).
    fn directional_gradient(&self, x: ArrayView1<f64>, d: ArrayView1<f64>, out: ArrayViewMut1<f64>) -> f64;

    /// Returns f(x) and writes some g ∈ ∂f(x) (the gradient wherever f is differentiable).
    fn generalized_gradient(&self, x: ArrayView1<f64>, out: ArrayViewMut1<f64>) -> f64 {
        let zero = ndarray::Array1::zeros(self.dim());
        self.directional_gradient(x, zero.view(), out)
    }
}

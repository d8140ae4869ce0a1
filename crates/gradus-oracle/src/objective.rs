//! Objectives F = f + g: a smooth part f with gradients, and an optional regularizer g with a prox.
//!
//! Conventions: `value` and `gradient` are those of the **smooth part** f; `regularizer` is g (often
//! [`Regularizer::None`]); `total_value` = f + g is what solvers report. Finite sums f = (1/n) Σᵢ fᵢ add the
//! component oracles that stochastic methods need.

use ndarray::{ArrayView1, ArrayViewMut1};

use crate::regularizer::Regularizer;

/// A smooth function f: Rᵈ → R, possibly plus a prox-friendly regularizer g.
pub trait Objective: Sync {
    /// The dimension d.
    fn dim(&self) -> usize;

    /// f(x), the smooth part.
    fn value(&self, x: ArrayView1<f64>) -> f64;

    /// out = ∇f(x).
    fn gradient(&self, x: ArrayView1<f64>, out: ArrayViewMut1<f64>);

    /// f(x), and out = ∇f(x). Implementations override this when the two share work (linear models do).
    fn value_and_gradient(&self, x: ArrayView1<f64>, out: ArrayViewMut1<f64>) -> f64 {
        self.gradient(x, out);
        self.value(x)
    }

    /// A Lipschitz constant L of ∇f (an upper bound).
    fn smoothness(&self) -> f64;

    /// Passes over the data that computing [`Objective::smoothness`] costs, when it is estimated from the data
    /// rather than known (a power iteration or a Gram matrix, cached after the first call): every solver that takes
    /// its step or κ from L charges these passes to its work once per run (as full gradients), so a comparison
    /// does not give it L for free. 0 by default (L known in closed form).
    fn smoothness_passes(&self) -> u64 {
        0
    }

    /// The strong-convexity modulus μ of f (0 when not known to be strongly convex).
    fn strong_convexity(&self) -> f64 {
        0.0
    }

    /// The regularizer g of F = f + g.
    fn regularizer(&self) -> Regularizer {
        Regularizer::None
    }

    /// F(x) = f(x) + g(x).
    fn total_value(&self, x: ArrayView1<f64>) -> f64 {
        self.value(x) + self.regularizer().value(x)
    }
}

/// f = (1/n) Σᵢ fᵢ, with oracles for single components.
pub trait FiniteSum: Objective {
    /// The number of components n.
    fn len(&self) -> usize;

    /// Whether there are no components (never true for a validated problem).
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// fᵢ(x).
    fn component_value(&self, i: usize, x: ArrayView1<f64>) -> f64;

    /// out = ∇fᵢ(x).
    fn component_gradient(&self, i: usize, x: ArrayView1<f64>, out: ArrayViewMut1<f64>);

    /// A Lipschitz constant Lᵢ of ∇fᵢ.
    fn component_smoothness(&self, i: usize) -> f64;

    /// max Lᵢ.
    fn max_component_smoothness(&self) -> f64 {
        (0..self.len())
            .map(|i| self.component_smoothness(i))
            .fold(0.0, f64::max)
    }

    /// (1/n) Σ Lᵢ.
    fn mean_component_smoothness(&self) -> f64 {
        (0..self.len()).map(|i| self.component_smoothness(i)).sum::<f64>() / self.len() as f64
    }
}

//! Operators F: Rᴰ → Rᴰ of variational inequalities (find z* with F(z*) = 0), and finite sums of them.
//!
//! For a min–max game min_x max_y f(x, y), z = (x, y) and F(z) = (∇ₓf, −∇_y f).

use ndarray::{Array1, ArrayView1, ArrayViewMut1};

/// An operator F with its constants.
pub trait Operator: Sync {
    /// The dimension D.
    fn dim(&self) -> usize;

    /// out = F(z).
    fn apply(&self, z: ArrayView1<f64>, out: ArrayViewMut1<f64>);

    /// A Lipschitz constant L of F.
    fn lipschitz(&self) -> f64;

    /// The strong-monotonicity modulus μ: ⟨F(z) − F(w), z − w⟩ ≥ μ‖z − w‖² (0 if merely monotone).
    fn strong_monotonicity(&self) -> f64 {
        0.0
    }

    /// A solution z* (F(z*) = 0) when it is known.
    fn solution(&self) -> Option<Array1<f64>> {
        None
    }
}

/// F = (1/n) Σᵢ Fᵢ.
pub trait FiniteSumOperator: Operator {
    /// The number of components n.
    fn len(&self) -> usize;

    /// Whether there are no components (never true for a validated problem).
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// out = Fᵢ(z).
    fn apply_component(&self, i: usize, z: ArrayView1<f64>, out: ArrayViewMut1<f64>);

    /// A Lipschitz constant Lᵢ of Fᵢ.
    fn component_lipschitz(&self, i: usize) -> f64;

    /// L_max = max Lᵢ.
    fn max_component_lipschitz(&self) -> f64 {
        (0..self.len()).map(|i| self.component_lipschitz(i)).fold(0.0, f64::max)
    }
}

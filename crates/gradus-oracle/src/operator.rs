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

    /// σ_min of F's Jacobian for an affine operator F(z) = M̄z + q̄, when it is known (`None` otherwise): the
    /// modulus the SEG-RR theory uses in place of μ for bilinear games, which are monotone but not strongly
    /// monotone.
    fn min_singular_value(&self) -> Option<f64> {
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

/// A closed convex set Z with its Euclidean projection P_Z(z) = argmin_{w ∈ Z} ‖w − z‖, for constrained
/// variational inequalities: find z* ∈ Z with ⟨F(z*), z − z*⟩ ≥ 0 for every z ∈ Z.
///
/// Implement it for a set of your own; [`BoxSet`], [`Ball`], [`Simplex`] and the [`ProductSet`] of blocks (one
/// per player of a game) are provided. Projections must be deterministic (same input, same bits).
pub trait ConvexSet: Sync {
    /// The dimension of the space the set lives in.
    fn dim(&self) -> usize;

    /// z ← P_Z(z), in place (`z` has length [`ConvexSet::dim`]).
    fn project(&self, z: ArrayViewMut1<f64>);
}

/// The box {z : lo ≤ z ≤ hi} (entrywise; infinite bounds allowed); the projection clamps each entry.
#[derive(Debug, Clone, PartialEq)]
pub struct BoxSet {
    lo: Array1<f64>,
    hi: Array1<f64>,
}

impl BoxSet {
    /// The box with bounds `lo` ≤ z ≤ `hi`. Errors: lengths differ, a NaN bound, or `lo[i] > hi[i]`.
    pub fn new(lo: Array1<f64>, hi: Array1<f64>) -> crate::Result<Self> {
        crate::error::check_dim("box bounds (hi vs lo)", lo.len(), hi.len())?;
        for (i, (&l, &h)) in lo.iter().zip(&hi).enumerate() {
            if l.is_nan() || h.is_nan() || l > h {
                return Err(crate::OracleError::InvalidParameter {
                    name: "box bounds",
                    value: format!("lo[{i}] = {l}, hi[{i}] = {h}"),
                    reason: "need lo <= hi (no NaN)",
                });
            }
        }
        Ok(BoxSet { lo, hi })
    }

    /// [lo, hi]^d.
    pub fn uniform(d: usize, lo: f64, hi: f64) -> crate::Result<Self> {
        BoxSet::new(Array1::from_elem(d, lo), Array1::from_elem(d, hi))
    }
}

impl ConvexSet for BoxSet {
    fn dim(&self) -> usize {
        self.lo.len()
    }

    fn project(&self, mut z: ArrayViewMut1<f64>) {
        for ((v, &l), &h) in z.iter_mut().zip(&self.lo).zip(&self.hi) {
            *v = v.max(l).min(h);
        }
    }
}

/// The Euclidean ball {z : ‖z − c‖ ≤ r}; the projection is c + r (z − c)/‖z − c‖ outside the ball.
#[derive(Debug, Clone, PartialEq)]
pub struct Ball {
    center: Array1<f64>,
    radius: f64,
}

impl Ball {
    /// The ball of center `center` and radius `radius` ≥ 0. Errors: a non-finite center entry or radius, r < 0.
    pub fn new(center: Array1<f64>, radius: f64) -> crate::Result<Self> {
        crate::error::check_finite("ball center", center.iter())?;
        crate::error::check_nonnegative("ball radius", radius)?;
        Ok(Ball { center, radius })
    }

    /// The ball of radius r around the origin of Rᵈ.
    pub fn origin(d: usize, radius: f64) -> crate::Result<Self> {
        Ball::new(Array1::zeros(d), radius)
    }
}

impl ConvexSet for Ball {
    fn dim(&self) -> usize {
        self.center.len()
    }

    fn project(&self, mut z: ArrayViewMut1<f64>) {
        let squared: f64 = z.iter().zip(&self.center).map(|(v, c)| (v - c) * (v - c)).sum();
        if squared > self.radius * self.radius {
            let scale = self.radius / squared.sqrt();
            for (v, &c) in z.iter_mut().zip(&self.center) {
                *v = c + scale * (*v - c);
            }
        }
    }
}

/// The probability simplex Δ = {z : z ≥ 0, Σ zᵢ = 1} (scaled by `total` > 0: Σ zᵢ = total).
///
/// Projection (exact, O(d log d)): sort z decreasingly into u, find the largest k with
/// u_k − (Σ_{j≤k} u_j − total)/k > 0, set τ = (Σ_{j≤k} u_j − total)/k and zᵢ ← max(zᵢ − τ, 0)
/// (Held, Wolfe, Crowder 1974; Duchi, Shalev-Shwartz, Singer, Chandra, ICML 2008, Fig. 1).
#[derive(Debug, Clone, PartialEq)]
pub struct Simplex {
    dim: usize,
    total: f64,
}

impl Simplex {
    /// The probability simplex of Rᵈ. Errors: d = 0.
    pub fn new(d: usize) -> crate::Result<Self> {
        Simplex::scaled(d, 1.0)
    }

    /// {z ≥ 0, Σ zᵢ = total}. Errors: d = 0, total not finite and > 0.
    pub fn scaled(d: usize, total: f64) -> crate::Result<Self> {
        if d == 0 {
            return Err(crate::OracleError::Empty {
                what: "simplex (dimension 0)",
            });
        }
        crate::error::check_positive("simplex total", total)?;
        Ok(Simplex { dim: d, total })
    }
}

/// The threshold τ of the simplex projection of `v` onto {z ≥ 0, Σ z = total}.
pub fn simplex_threshold(v: &[f64], total: f64) -> f64 {
    let mut u = v.to_vec();
    u.sort_unstable_by(|a, b| b.total_cmp(a));
    let (mut cumulative, mut tau) = (0.0, (u[0] - total));
    for (k, &uk) in u.iter().enumerate() {
        cumulative += uk;
        let t = (cumulative - total) / (k + 1) as f64;
        if uk - t > 0.0 {
            tau = t;
        } else {
            break;
        }
    }
    tau
}

impl ConvexSet for Simplex {
    fn dim(&self) -> usize {
        self.dim
    }

    fn project(&self, mut z: ArrayViewMut1<f64>) {
        let tau = match z.as_slice() {
            Some(s) => simplex_threshold(s, self.total),
            None => simplex_threshold(&z.to_vec(), self.total),
        };
        z.mapv_inplace(|v| (v - tau).max(0.0));
    }
}

/// The product Z₁ × Z₂ × … of sets acting on consecutive blocks of coordinates (e.g. x ∈ Δ_m, y ∈ Δ_k for a
/// matrix game); the projection projects each block.
pub struct ProductSet<'a> {
    blocks: Vec<&'a dyn ConvexSet>,
}

impl<'a> ProductSet<'a> {
    /// The product of `blocks`, in coordinate order. Errors: no blocks.
    pub fn new(blocks: Vec<&'a dyn ConvexSet>) -> crate::Result<Self> {
        if blocks.is_empty() {
            return Err(crate::OracleError::Empty {
                what: "product set (no blocks)",
            });
        }
        Ok(ProductSet { blocks })
    }
}

impl ConvexSet for ProductSet<'_> {
    fn dim(&self) -> usize {
        self.blocks.iter().map(|b| b.dim()).sum()
    }

    fn project(&self, mut z: ArrayViewMut1<f64>) {
        let mut start = 0;
        for b in &self.blocks {
            let end = start + b.dim();
            b.project(z.slice_mut(ndarray::s![start..end]));
            start = end;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;
    use proptest::prelude::*;

    /// The variational characterization of a projection p = P_Z(v): ⟨v − p, w − p⟩ ≤ 0 for every w ∈ Z.
    fn obtuse(v: &Array1<f64>, p: &Array1<f64>, w: &Array1<f64>) -> f64 {
        (v - p).dot(&(w - p))
    }

    #[test]
    fn box_ball_simplex_by_hand() {
        let b = BoxSet::uniform(3, -1.0, 1.0).unwrap();
        let mut z = array![-2.0, 0.5, 3.0];
        b.project(z.view_mut());
        assert_eq!(z, array![-1.0, 0.5, 1.0]);
        let ball = Ball::origin(2, 1.0).unwrap();
        let mut z = array![3.0, 4.0];
        ball.project(z.view_mut());
        assert!((z[0] - 0.6).abs() < 1e-15 && (z[1] - 0.8).abs() < 1e-15);
        let inside = array![0.1, 0.2];
        let mut w = inside.clone();
        ball.project(w.view_mut());
        assert_eq!(w, inside);
        let s = Simplex::new(3).unwrap();
        let mut z = array![0.5, 0.5, 0.5];
        s.project(z.view_mut());
        assert!(z.iter().all(|v| (v - 1.0 / 3.0).abs() < 1e-15));
        let mut z = array![2.0, 0.0, -1.0];
        s.project(z.view_mut());
        assert_eq!(z, array![1.0, 0.0, 0.0]);
        let mut z = array![0.2, 0.3, 0.5];
        s.project(z.view_mut());
        assert!((z.sum() - 1.0).abs() < 1e-15 && (z[2] - 0.5).abs() < 1e-15);
        let product = ProductSet::new(vec![&s, &ball]).unwrap();
        assert_eq!(product.dim(), 5);
        let mut z = array![2.0, 0.0, -1.0, 3.0, 4.0];
        product.project(z.view_mut());
        assert!((z[0] - 1.0).abs() < 1e-15 && (z[3] - 0.6).abs() < 1e-15);
        assert!(BoxSet::uniform(2, 1.0, 0.0).is_err());
        assert!(Ball::origin(2, -1.0).is_err());
        assert!(Simplex::new(0).is_err());
        assert!(ProductSet::new(vec![]).is_err());
    }

    proptest! {
        /// Each projection lands in its set and satisfies ⟨v − p, w − p⟩ ≤ 0 against points w of the set, and
        /// projecting twice changes nothing.
        #[test]
        fn projections_are_projections(
            v in proptest::collection::vec(-5.0f64..5.0, 1..12),
            w in proptest::collection::vec(0.0f64..1.0, 12),
        ) {
            let d = v.len();
            let v = Array1::from(v);
            let sets: Vec<Box<dyn ConvexSet>> = vec![
                Box::new(Simplex::new(d).unwrap()),
                Box::new(Ball::origin(d, 1.5).unwrap()),
                Box::new(BoxSet::uniform(d, -0.5, 2.0).unwrap()),
            ];
            for set in &sets {
                let mut p = v.clone();
                set.project(p.view_mut());
                let mut twice = p.clone();
                set.project(twice.view_mut());
                prop_assert!((&twice - &p).iter().all(|e| e.abs() < 1e-12));
                // A point of the set: the projection of w.
                let mut q = Array1::from(w[..d].to_vec()) * 3.0 - 1.0;
                set.project(q.view_mut());
                prop_assert!(obtuse(&v, &p, &q) <= 1e-9, "{}", obtuse(&v, &p, &q));
            }
            let mut p = v.clone();
            Simplex::new(d).unwrap().project(p.view_mut());
            prop_assert!(p.iter().all(|&x| x >= 0.0) && (p.sum() - 1.0).abs() < 1e-12);
        }
    }
}

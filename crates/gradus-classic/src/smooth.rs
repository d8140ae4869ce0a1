//! The smooth function the solvers of this crate minimize.
//!
//! A problem is F = f + g with f smooth ([`Objective::value`], [`Objective::gradient`]) and g its
//! [`Objective::regularizer`]. The solvers here are smooth methods, so they accept g only when it is smooth:
//!
//! - g = 0 ([`Regularizer::None`]): F = f.
//! - g = (λ₂/2)‖x‖² ([`Regularizer::L2`], or an elastic net with λ₁ = 0): **handled**, by adding λ₂x to the
//!   gradient and (λ₂/2)‖x‖² to the value; the smoothness and strong-convexity constants grow by λ₂.
//! - any g with an L1 part: rejected with [`ClassicError::Unsupported`] (use a proximal method).
//!
//! [`gradus_oracle::LinearModel`] already puts λ₂ in its smooth part and only λ₁ in its regularizer, so for linear
//! models nothing is added.

use gradus_oracle::{Objective, Regularizer};
use ndarray::{ArrayView1, ArrayViewMut1, Zip};

use crate::error::{ClassicError, Result, invalid};

/// F = f + (λ₂/2)‖x‖² for a problem whose regularizer is none or L2, as one smooth [`Objective`] (whose own
/// regularizer is none).
#[derive(Clone, Copy)]
pub struct SmoothObjective<'a> {
    problem: &'a dyn Objective,
    l2: f64,
}

impl<'a> SmoothObjective<'a> {
    /// Wraps `problem`, or fails with [`ClassicError::Unsupported`] when its regularizer has an L1 part, and
    /// with [`ClassicError::InvalidParameter`] when its L2 weight is negative or not finite. `solver` names the
    /// caller in the error.
    pub fn new(solver: &'static str, problem: &'a dyn Objective) -> Result<Self> {
        let regularizer = problem.regularizer();
        let (l1, l2) = regularizer.weights();
        if !regularizer.is_smooth() {
            return Err(ClassicError::Unsupported {
                solver,
                reason: format!(
                    "the regularizer {regularizer:?} has an L1 part (l1 = {l1}), which is not differentiable; \
                     use a proximal method such as ISTA/FISTA"
                ),
            });
        }
        if !(l2.is_finite() && l2 >= 0.0) {
            return Err(invalid(solver, "regularizer l2", l2, "must be finite and >= 0"));
        }
        Ok(SmoothObjective { problem, l2 })
    }

    /// The L2 weight λ₂ taken from the problem's regularizer (0 when it has none).
    pub fn l2(&self) -> f64 {
        self.l2
    }

    /// The wrapped problem.
    pub fn inner(&self) -> &'a dyn Objective {
        self.problem
    }
}

impl Objective for SmoothObjective<'_> {
    fn dim(&self) -> usize {
        self.problem.dim()
    }

    fn value(&self, x: ArrayView1<f64>) -> f64 {
        let f = self.problem.value(x);
        if self.l2 > 0.0 {
            f + 0.5 * self.l2 * x.dot(&x)
        } else {
            f
        }
    }

    fn gradient(&self, x: ArrayView1<f64>, mut out: ArrayViewMut1<f64>) {
        self.problem.gradient(x, out.view_mut());
        add_l2_gradient(self.l2, x, out);
    }

    fn value_and_gradient(&self, x: ArrayView1<f64>, mut out: ArrayViewMut1<f64>) -> f64 {
        let f = self.problem.value_and_gradient(x, out.view_mut());
        add_l2_gradient(self.l2, x, out);
        if self.l2 > 0.0 {
            f + 0.5 * self.l2 * x.dot(&x)
        } else {
            f
        }
    }

    fn smoothness(&self) -> f64 {
        self.problem.smoothness() + self.l2
    }
    fn smoothness_passes(&self) -> u64 {
        self.problem.smoothness_passes()
    }

    fn strong_convexity(&self) -> f64 {
        self.problem.strong_convexity() + self.l2
    }

    fn regularizer(&self) -> Regularizer {
        Regularizer::None
    }
}

/// out += λ₂ x (nothing when λ₂ = 0).
fn add_l2_gradient(l2: f64, x: ArrayView1<f64>, out: ArrayViewMut1<f64>) {
    if l2 > 0.0 {
        Zip::from(out).and(&x).for_each(|g, &xi| *g += l2 * xi);
    }
}

/// Checks that a starting point has the problem's dimension and finite entries.
pub(crate) fn check_start(solver: &'static str, dim: usize, x0: ArrayView1<f64>) -> Result<()> {
    if x0.len() != dim {
        return Err(ClassicError::DimensionMismatch {
            solver,
            expected: dim,
            got: x0.len(),
        });
    }
    match x0.iter().position(|v| !v.is_finite()) {
        Some(index) => Err(ClassicError::NonFiniteStart {
            solver,
            index,
            value: x0[index],
        }),
        None => Ok(()),
    }
}

/// ‖v‖₂.
pub(crate) fn norm(v: ArrayView1<f64>) -> f64 {
    v.dot(&v).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{WithRegularizer, householder_quadratic};
    use ndarray::{Array1, array};

    #[test]
    fn adds_the_l2_term_and_rejects_l1() {
        let q = householder_quadratic(3, 1.0, 4.0);
        let p = WithRegularizer {
            inner: &q,
            regularizer: Regularizer::L2(0.5),
        };
        let s = SmoothObjective::new("gd", &p).unwrap();
        let x = array![1.0, -2.0, 0.5];
        let mut g = Array1::zeros(3);
        let mut g0 = Array1::zeros(3);
        q.gradient(x.view(), g0.view_mut());
        let f = s.value_and_gradient(x.view(), g.view_mut());
        assert!((f - (q.value(x.view()) + 0.25 * x.dot(&x))).abs() < 1e-14);
        assert!((&g - &(&g0 + &(0.5 * &x))).iter().all(|v| v.abs() < 1e-14));
        assert_eq!(s.smoothness(), 4.5);
        assert_eq!(s.strong_convexity(), 1.5);

        let p = WithRegularizer {
            inner: &q,
            regularizer: Regularizer::ElasticNet { l1: 0.1, l2: 0.5 },
        };
        assert!(matches!(
            SmoothObjective::new("lbfgs", &p),
            Err(ClassicError::Unsupported { solver: "lbfgs", .. })
        ));
        let p = WithRegularizer {
            inner: &q,
            regularizer: Regularizer::L2(f64::NAN),
        };
        assert!(matches!(
            SmoothObjective::new("gd", &p),
            Err(ClassicError::InvalidParameter { .. })
        ));
    }

    #[test]
    fn start_checks_name_the_problem() {
        let x = array![1.0, f64::INFINITY];
        assert_eq!(
            check_start("agd", 3, x.view()),
            Err(ClassicError::DimensionMismatch {
                solver: "agd",
                expected: 3,
                got: 2
            })
        );
        assert!(matches!(
            check_start("agd", 2, x.view()),
            Err(ClassicError::NonFiniteStart { index: 1, .. })
        ));
    }
}

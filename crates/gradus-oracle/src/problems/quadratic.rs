//! f(x) = ½ (x − x*)ᵀ A (x − x*) with A symmetric positive semi-definite and a known minimizer.

use ndarray::{Array1, Array2, ArrayView1, ArrayViewMut1};

use crate::error::{OracleError, Result, check_dim, check_finite};
use crate::objective::Objective;

/// A convex quadratic with known minimizer x* (f* = 0) and spectrum bounds μ = λ_min(A), L = λ_max(A).
#[derive(Debug, Clone)]
pub struct Quadratic {
    a: Array2<f64>,
    x_star: Array1<f64>,
    mu: f64,
    l: f64,
}

impl Quadratic {
    /// Builds the quadratic from A (symmetric to 1e-12 relative), x*, and A's extreme eigenvalues
    /// `mu` ≤ `l` (as known from its construction, e.g. A = Q diag(λ) Qᵀ).
    pub fn new(a: Array2<f64>, x_star: Array1<f64>, mu: f64, l: f64) -> Result<Self> {
        let d = x_star.len();
        if d == 0 {
            return Err(OracleError::Empty {
                what: "quadratic (dimension 0)",
            });
        }
        check_dim("quadratic A rows", d, a.nrows())?;
        check_dim("quadratic A columns", d, a.ncols())?;
        check_finite("quadratic A (row-major index)", a.iter())?;
        check_finite("quadratic x*", x_star.iter())?;
        let scale = a.iter().fold(0.0f64, |m, v| m.max(v.abs())).max(f64::MIN_POSITIVE);
        for i in 0..d {
            for j in 0..i {
                if (a[[i, j]] - a[[j, i]]).abs() > 1e-12 * scale {
                    return Err(OracleError::InvalidParameter {
                        name: "A",
                        value: format!("A[{i},{j}] = {} but A[{j},{i}] = {}", a[[i, j]], a[[j, i]]),
                        reason: "must be symmetric",
                    });
                }
            }
        }
        if !(mu >= 0.0 && l >= mu && l > 0.0 && l.is_finite()) {
            return Err(OracleError::InvalidParameter {
                name: "spectrum bounds (mu, L)",
                value: format!("({mu}, {l})"),
                reason: "must satisfy 0 <= mu <= L, L > 0 finite",
            });
        }
        Ok(Quadratic { a, x_star, mu, l })
    }

    /// The minimizer x*.
    pub fn solution(&self) -> &Array1<f64> {
        &self.x_star
    }

    /// The matrix A.
    pub fn matrix(&self) -> &Array2<f64> {
        &self.a
    }

    /// κ = L/μ.
    pub fn condition_number(&self) -> f64 {
        self.l / self.mu
    }
}

impl Objective for Quadratic {
    fn dim(&self) -> usize {
        self.x_star.len()
    }

    fn value(&self, x: ArrayView1<f64>) -> f64 {
        let r = &x - &self.x_star;
        0.5 * r.dot(&self.a.dot(&r))
    }

    fn gradient(&self, x: ArrayView1<f64>, mut out: ArrayViewMut1<f64>) {
        let r = &x - &self.x_star;
        out.assign(&self.a.dot(&r));
    }

    fn value_and_gradient(&self, x: ArrayView1<f64>, mut out: ArrayViewMut1<f64>) -> f64 {
        let r = &x - &self.x_star;
        let g = self.a.dot(&r);
        let v = 0.5 * r.dot(&g);
        out.assign(&g);
        v
    }

    fn smoothness(&self) -> f64 {
        self.l
    }

    fn strong_convexity(&self) -> f64 {
        self.mu
    }
}

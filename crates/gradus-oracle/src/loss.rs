//! Scalar losses φ(m; y) of linear models, evaluated at the margin m = aᵢᵀx.
//!
//! | loss | φ(m; y) | φ′(m; y) | sup φ″ |
//! |---|---|---|---|
//! | logistic | log(1 + exp(−y m)) | −y / (1 + exp(y m)) | 1/4 (with y = ±1) |
//! | squared | ½ (m − y)² | m − y | 1 |
//! | squared hinge | ½ max(0, 1 − y m)² | −y max(0, 1 − y m) | 1 (with y = ±1) |
//! | your own | [`ScalarLoss::value`] | [`ScalarLoss::derivative`] | [`ScalarLoss::curvature_bound`] |
//!
//! **Your own loss** (the door for generalized linear models): implement [`ScalarLoss`] on a type, put a
//! `static` value of it in [`Loss::Custom`], and build a [`crate::LinearModel`] with it. Every solver that uses
//! a linear model then runs on it unchanged: gradus-qning's fast path (one scalar per sample for SVRG, SAGA and
//! MISO, lazy sparse updates) and gradus-classic's solvers.
//!
//! ```
//! use gradus_oracle::loss::{Loss, ScalarLoss};
//! use gradus_oracle::{Design, LinearModel, Objective};
//! use ndarray::array;
//!
//! /// Poisson regression with the log link: φ(m; y) = exp(m) − y m (y ≥ 0 a count).
//! #[derive(Debug)]
//! struct Poisson;
//! impl ScalarLoss for Poisson {
//!     fn name(&self) -> &'static str { "poisson" }
//!     fn value(&self, m: f64, y: f64) -> f64 { m.exp() - y * m }
//!     fn derivative(&self, m: f64, y: f64) -> f64 { m.exp() - y }
//!     // sup φ″ is infinite; a bound valid on the margins the solver visits (|m| ≤ 2 here) is the user's choice.
//!     fn curvature_bound(&self) -> f64 { 2f64.exp() }
//! }
//! static POISSON: Poisson = Poisson;
//!
//! let x = Design::dense(array![[0.5, 0.1], [0.2, -0.3], [-0.4, 0.6]]).unwrap();
//! let model = LinearModel::new(x, array![1.0, 0.0, 2.0], Loss::Custom(&POISSON), 0.1, 0.0).unwrap();
//! assert!((model.value(array![0.0, 0.0].view()) - 1.0).abs() < 1e-15); // mean of exp(0) − 0
//! ```
//!
//! A custom loss compares equal to itself only (by address), and is not serializable (serializing a
//! `Loss::Custom` is an error; deserialization never produces one).

use serde::{Deserialize, Serialize};

/// A scalar loss φ(m; y) of a linear model, defined by the user: see the module docs.
///
/// Required: the value, the derivative in the margin, and a bound on φ″ (the solvers' step sizes and the
/// smoothness constants Lᵢ = sup φ″ ‖aᵢ‖² come from it: a bound that is too small makes them diverge, which
/// the solvers of gradus-qning report as `Diverged`). Optional: a fused value and derivative, the label domain,
/// the Fenchel conjugate (only the lasso's duality gap needs it; without it that gap is +∞, never a wrong
/// number), and φ″ itself (Newton's method; without it Newton uses the bound, a majorization step).
pub trait ScalarLoss: std::fmt::Debug + Send + Sync {
    /// The name (shown in messages).
    fn name(&self) -> &'static str;
    /// φ(m; y).
    fn value(&self, m: f64, y: f64) -> f64;
    /// φ′(m; y), the derivative in the margin.
    fn derivative(&self, m: f64, y: f64) -> f64;
    /// (φ, φ′) together; override when the two share work.
    fn value_and_derivative(&self, m: f64, y: f64) -> (f64, f64) {
        (self.value(m, y), self.derivative(m, y))
    }
    /// sup_m φ″(m; y) over the labels the loss accepts.
    fn curvature_bound(&self) -> f64;
    /// Whether the labels must be ±1 (checked by [`crate::LinearModel::new`]). Default false.
    fn needs_signed_labels(&self) -> bool {
        false
    }
    /// φ*(u; y) = sup_m u m − φ(m; y), or `None` when not provided (default).
    fn conjugate(&self, _u: f64, _y: f64) -> Option<f64> {
        None
    }
    /// φ″(m; y), or `None` when not provided (default).
    fn second_derivative(&self, _m: f64, _y: f64) -> Option<f64> {
        None
    }
}

/// A loss of a linear model.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub enum Loss {
    /// log(1 + exp(−y m)); labels ±1.
    Logistic,
    /// ½ (m − y)²; any real label.
    Squared,
    /// ½ max(0, 1 − y m)²; labels ±1.
    SquaredHinge,
    /// A loss of your own ([`ScalarLoss`]); not serializable.
    #[serde(skip)]
    Custom(&'static dyn ScalarLoss),
}

/// Built-in losses compare by variant, custom ones by the address of their value.
impl PartialEq for Loss {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Loss::Logistic, Loss::Logistic)
            | (Loss::Squared, Loss::Squared)
            | (Loss::SquaredHinge, Loss::SquaredHinge) => true,
            (Loss::Custom(a), Loss::Custom(b)) => std::ptr::addr_eq(*a as *const dyn ScalarLoss, *b),
            _ => false,
        }
    }
}

impl Eq for Loss {}

impl Loss {
    /// φ(m; y).
    #[inline]
    pub fn value(self, m: f64, y: f64) -> f64 {
        match self {
            Loss::Logistic => softplus(-y * m),
            Loss::Squared => 0.5 * (m - y) * (m - y),
            Loss::SquaredHinge => {
                let s = (1.0 - y * m).max(0.0);
                0.5 * s * s
            }
            Loss::Custom(c) => c.value(m, y),
        }
    }

    /// φ′(m; y), the derivative in the margin.
    #[inline]
    pub fn derivative(self, m: f64, y: f64) -> f64 {
        match self {
            Loss::Logistic => -y * sigmoid(-y * m),
            Loss::Squared => m - y,
            Loss::SquaredHinge => -y * (1.0 - y * m).max(0.0),
            Loss::Custom(c) => c.derivative(m, y),
        }
    }

    /// (φ(m; y), φ′(m; y)) together, bit for bit equal to [`Loss::value`] and [`Loss::derivative`]; the logistic
    /// loss shares one `exp` between the two (see [`softplus_and_sigmoid`]).
    #[inline]
    pub fn value_and_derivative(self, m: f64, y: f64) -> (f64, f64) {
        match self {
            Loss::Logistic => {
                let (value, s) = softplus_and_sigmoid(-y * m);
                (value, -y * s)
            }
            Loss::Custom(c) => c.value_and_derivative(m, y),
            _ => (self.value(m, y), self.derivative(m, y)),
        }
    }

    /// sup_m φ″(m; y) for labels ±1 (logistic, squared hinge) or any label (squared): the factor in
    /// Lᵢ = sup φ″ · ‖aᵢ‖².
    pub fn curvature_bound(self) -> f64 {
        match self {
            Loss::Logistic => 0.25,
            Loss::Squared | Loss::SquaredHinge => 1.0,
            Loss::Custom(c) => c.curvature_bound(),
        }
    }

    /// Whether this loss needs labels in {−1, +1}.
    pub fn needs_signed_labels(self) -> bool {
        match self {
            Loss::Squared => false,
            Loss::Logistic | Loss::SquaredHinge => true,
            Loss::Custom(c) => c.needs_signed_labels(),
        }
    }

    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Loss::Logistic => "logistic",
            Loss::Squared => "squared",
            Loss::SquaredHinge => "squared-hinge",
            Loss::Custom(c) => c.name(),
        }
    }
}

/// log(1 + exp(t)) without overflow.
#[inline]
pub fn softplus(t: f64) -> f64 {
    if t > 0.0 {
        t + (-t).exp().ln_1p()
    } else {
        t.exp().ln_1p()
    }
}

/// 1 / (1 + exp(−t)) without overflow.
#[inline]
pub fn sigmoid(t: f64) -> f64 {
    if t >= 0.0 {
        1.0 / (1.0 + (-t).exp())
    } else {
        let e = t.exp();
        e / (1.0 + e)
    }
}

/// (softplus(t), sigmoid(t)) from the single exponential e = exp(−|t|): softplus(t) = max(t, 0) + ln(1 + e),
/// sigmoid(t) = 1/(1 + e) for t ≥ 0 and e/(1 + e) for t < 0 — the same operations, hence the same bits, as
/// [`softplus`] and [`sigmoid`] called separately.
#[inline]
pub fn softplus_and_sigmoid(t: f64) -> (f64, f64) {
    if t > 0.0 {
        let e = (-t).exp();
        (t + e.ln_1p(), 1.0 / (1.0 + e))
    } else {
        let e = t.exp();
        let s = if t >= 0.0 { 1.0 / (1.0 + e) } else { e / (1.0 + e) };
        (e.ln_1p(), s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn derivative_matches_finite_difference(m in -8.0f64..8.0, pos in any::<bool>()) {
            let y = if pos { 1.0 } else { -1.0 };
            for loss in [Loss::Logistic, Loss::Squared, Loss::SquaredHinge] {
                // Away from the squared hinge's kink of φ″ (φ′ itself is continuous there).
                let h = 1e-6;
                let fd = (loss.value(m + h, y) - loss.value(m - h, y)) / (2.0 * h);
                prop_assert!((fd - loss.derivative(m, y)).abs() < 1e-6 * (1.0 + fd.abs()), "{loss:?} at {m}");
            }
        }
    }

    proptest! {
        #[test]
        fn value_and_derivative_are_bitwise_the_separate_calls(m in -800.0f64..800.0, pos in any::<bool>()) {
            let y = if pos { 1.0 } else { -1.0 };
            for loss in [Loss::Logistic, Loss::Squared, Loss::SquaredHinge] {
                let (v, d) = loss.value_and_derivative(m, y);
                prop_assert_eq!(v.to_bits(), loss.value(m, y).to_bits());
                prop_assert_eq!(d.to_bits(), loss.derivative(m, y).to_bits());
            }
        }
    }

    #[test]
    fn value_and_derivative_at_zero_and_extremes() {
        for m in [0.0, -0.0, 1e-300, -1e-300, 745.0, -745.0, f64::MAX, f64::MIN] {
            for y in [1.0, -1.0] {
                let (v, d) = Loss::Logistic.value_and_derivative(m, y);
                assert_eq!(v.to_bits(), Loss::Logistic.value(m, y).to_bits(), "m = {m}, y = {y}");
                assert_eq!(
                    d.to_bits(),
                    Loss::Logistic.derivative(m, y).to_bits(),
                    "m = {m}, y = {y}"
                );
            }
        }
    }

    /// The logistic loss written as a user would, with the crate's own formulas.
    #[derive(Debug)]
    struct MyLogistic;
    impl ScalarLoss for MyLogistic {
        fn name(&self) -> &'static str {
            "my-logistic"
        }
        fn value(&self, m: f64, y: f64) -> f64 {
            softplus(-y * m)
        }
        fn derivative(&self, m: f64, y: f64) -> f64 {
            -y * sigmoid(-y * m)
        }
        fn curvature_bound(&self) -> f64 {
            0.25
        }
        fn needs_signed_labels(&self) -> bool {
            true
        }
    }
    static MINE: MyLogistic = MyLogistic;
    static OTHER: MyLogistic = MyLogistic;

    #[test]
    fn a_custom_loss_dispatches_to_its_methods_and_compares_by_address() {
        let c = Loss::Custom(&MINE);
        for (m, y) in [(0.3, 1.0), (-2.0, -1.0), (40.0, 1.0)] {
            assert_eq!(c.value(m, y).to_bits(), Loss::Logistic.value(m, y).to_bits());
            assert_eq!(c.derivative(m, y).to_bits(), Loss::Logistic.derivative(m, y).to_bits());
            assert_eq!(c.value_and_derivative(m, y), (c.value(m, y), c.derivative(m, y)));
        }
        assert_eq!(c.curvature_bound(), 0.25);
        assert!(c.needs_signed_labels());
        assert_eq!(c.name(), "my-logistic");
        assert_eq!(c, Loss::Custom(&MINE));
        assert_ne!(c, Loss::Custom(&OTHER));
        assert_ne!(c, Loss::Logistic);
        assert_eq!(Loss::Squared, Loss::Squared);
        // Built-ins serialize as before; a custom loss is refused, not written as something else.
        assert_eq!(serde_json::to_string(&Loss::SquaredHinge).unwrap(), "\"SquaredHinge\"");
        assert!(serde_json::to_string(&c).is_err());
        let back: Loss = serde_json::from_str("\"Logistic\"").unwrap();
        assert_eq!(back, Loss::Logistic);
    }

    #[test]
    fn softplus_is_stable() {
        assert_eq!(softplus(1000.0), 1000.0);
        assert!(softplus(-1000.0) >= 0.0 && softplus(-1000.0) < 1e-300);
        assert!((softplus(0.0) - std::f64::consts::LN_2).abs() < 1e-16);
        assert_eq!(sigmoid(-1000.0), 0.0);
        assert_eq!(sigmoid(1000.0), 1.0);
    }
}

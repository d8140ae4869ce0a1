//! Scalar losses φ(m; y) of linear models, evaluated at the margin m = aᵢᵀx.
//!
//! | loss | φ(m; y) | φ′(m; y) | sup φ″ |
//! |---|---|---|---|
//! | logistic | log(1 + exp(−y m)) | −y / (1 + exp(y m)) | 1/4 (with y = ±1) |
//! | squared | ½ (m − y)² | m − y | 1 |
//! | squared hinge | ½ max(0, 1 − y m)² | −y max(0, 1 − y m) | 1 (with y = ±1) |

use serde::{Deserialize, Serialize};

/// A loss of a linear model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Loss {
    /// log(1 + exp(−y m)); labels ±1.
    Logistic,
    /// ½ (m − y)²; any real label.
    Squared,
    /// ½ max(0, 1 − y m)²; labels ±1.
    SquaredHinge,
}

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
        }
    }

    /// φ′(m; y), the derivative in the margin.
    #[inline]
    pub fn derivative(self, m: f64, y: f64) -> f64 {
        match self {
            Loss::Logistic => -y * sigmoid(-y * m),
            Loss::Squared => m - y,
            Loss::SquaredHinge => -y * (1.0 - y * m).max(0.0),
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
            _ => (self.value(m, y), self.derivative(m, y)),
        }
    }

    /// sup_m φ″(m; y) for labels ±1 (logistic, squared hinge) or any label (squared): the factor in
    /// Lᵢ = sup φ″ · ‖aᵢ‖².
    pub fn curvature_bound(self) -> f64 {
        match self {
            Loss::Logistic => 0.25,
            Loss::Squared | Loss::SquaredHinge => 1.0,
        }
    }

    /// Whether this loss needs labels in {−1, +1}.
    pub fn needs_signed_labels(self) -> bool {
        !matches!(self, Loss::Squared)
    }

    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Loss::Logistic => "logistic",
            Loss::Squared => "squared",
            Loss::SquaredHinge => "squared-hinge",
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

    #[test]
    fn softplus_is_stable() {
        assert_eq!(softplus(1000.0), 1000.0);
        assert!(softplus(-1000.0) >= 0.0 && softplus(-1000.0) < 1e-300);
        assert!((softplus(0.0) - std::f64::consts::LN_2).abs() < 1e-16);
        assert_eq!(sigmoid(-1000.0), 0.0);
        assert_eq!(sigmoid(1000.0), 1.0);
    }
}

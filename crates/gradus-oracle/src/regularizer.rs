//! Regularizers g(x) with their proximal operators: none, L2, L1 and the elastic net.
//!
//! Convention: g(x) = (λ₂/2)‖x‖² + λ₁‖x‖₁. The proximal operator with step t is
//! prox_{t g}(v) = argmin_x g(x) + ‖x − v‖²/(2t), which for the elastic net is
//! soft-thresholding by tλ₁ followed by shrinking by 1/(1 + tλ₂), coordinate-wise.

use ndarray::{ArrayView1, ArrayViewMut1, Zip};
use serde::{Deserialize, Serialize};

use crate::error::{Result, check_nonnegative};

/// A separable regularizer with a closed-form proximal operator.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum Regularizer {
    /// g = 0.
    None,
    /// g(x) = (λ/2)‖x‖².
    L2(f64),
    /// g(x) = λ‖x‖₁.
    L1(f64),
    /// g(x) = (l2/2)‖x‖² + l1‖x‖₁.
    ElasticNet {
        /// λ₁, the L1 weight.
        l1: f64,
        /// λ₂, the L2 weight.
        l2: f64,
    },
}

impl Regularizer {
    /// The regularizer with these weights (zero weights drop out).
    pub fn from_weights(l1: f64, l2: f64) -> Result<Self> {
        check_nonnegative("l1", l1)?;
        check_nonnegative("l2", l2)?;
        Ok(match (l1 > 0.0, l2 > 0.0) {
            (false, false) => Regularizer::None,
            (false, true) => Regularizer::L2(l2),
            (true, false) => Regularizer::L1(l1),
            (true, true) => Regularizer::ElasticNet { l1, l2 },
        })
    }

    /// (λ₁, λ₂).
    pub fn weights(&self) -> (f64, f64) {
        match *self {
            Regularizer::None => (0.0, 0.0),
            Regularizer::L2(l2) => (0.0, l2),
            Regularizer::L1(l1) => (l1, 0.0),
            Regularizer::ElasticNet { l1, l2 } => (l1, l2),
        }
    }

    /// Whether g is differentiable everywhere (no L1 part).
    pub fn is_smooth(&self) -> bool {
        self.weights().0 == 0.0
    }

    /// Whether g = 0.
    pub fn is_none(&self) -> bool {
        self.weights() == (0.0, 0.0)
    }

    /// The strong-convexity modulus of g (λ₂).
    pub fn strong_convexity(&self) -> f64 {
        self.weights().1
    }

    /// g(x).
    pub fn value(&self, x: ArrayView1<f64>) -> f64 {
        let (l1, l2) = self.weights();
        let mut v = 0.0;
        if l2 > 0.0 {
            v += 0.5 * l2 * x.dot(&x);
        }
        if l1 > 0.0 {
            v += l1 * x.iter().map(|a| a.abs()).sum::<f64>();
        }
        v
    }

    /// out = prox_{step·g}(v).
    pub fn prox(&self, v: ArrayView1<f64>, step: f64, mut out: ArrayViewMut1<f64>) {
        let (l1, l2) = self.weights();
        let shrink = 1.0 / (1.0 + step * l2);
        Zip::from(&mut out)
            .and(&v)
            .for_each(|o, &vi| *o = shrink * soft_threshold(vi, step * l1));
    }
}

/// sign(v)·max(|v| − τ, 0): the prox of τ|·|. Returns an exact 0.0 inside the threshold.
#[inline]
pub fn soft_threshold(v: f64, tau: f64) -> f64 {
    if v > tau {
        v - tau
    } else if v < -tau {
        v + tau
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{Array1, array};

    #[test]
    fn prox_is_the_minimizer() {
        let g = Regularizer::ElasticNet { l1: 0.3, l2: 0.5 };
        let v = array![1.0, -0.1, -2.0, 0.25];
        let step = 0.7;
        let mut p = Array1::zeros(4);
        g.prox(v.view(), step, p.view_mut());
        assert_eq!(p[1], 0.0);
        let obj = |x: &Array1<f64>| g.value(x.view()) + (x - &v).mapv(|t| t * t).sum() / (2.0 * step);
        let best = obj(&p);
        for k in 0..4 {
            for h in [1e-4, -1e-4] {
                let mut q = p.clone();
                q[k] += h;
                assert!(obj(&q) >= best - 1e-15);
            }
        }
    }

    #[test]
    fn weights_round_trip_and_reject_negative() {
        assert_eq!(Regularizer::from_weights(0.0, 0.0).unwrap(), Regularizer::None);
        assert_eq!(Regularizer::from_weights(0.1, 0.0).unwrap(), Regularizer::L1(0.1));
        assert_eq!(Regularizer::from_weights(0.1, 0.2).unwrap().weights(), (0.1, 0.2));
        assert!(Regularizer::from_weights(-1.0, 0.0).is_err());
        assert!(Regularizer::from_weights(0.0, f64::NAN).is_err());
    }
}

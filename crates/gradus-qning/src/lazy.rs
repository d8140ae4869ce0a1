//! Just-in-time ("lazy") updates for sparse data.
//!
//! Between two visits of coordinate j, a stochastic step on a sparse row that does not contain j applies the same
//! scalar map to wⱼ:
//!
//! ```text
//! T(w) = S_τ(a w + β),   a = 1 − ησ ∈ (0, 1],  β = −η(cⱼ − bⱼ),  τ = ηλ₁,
//! ```
//!
//! with S_τ the soft-threshold. [`catch_up`] applies T k times in O(1) amortized time, so a stochastic step
//! costs O(nnz of the row) instead of O(d). Inside a sign regime T is affine, w ↦ a w + (β ∓ τ), whose k-fold
//! power is closed-form (`affine_power`); T leaves a regime at most twice (positive → 0 → negative or the
//! converse, and 0 is absorbing or left once), so the loop below runs a bounded number of times.

use gradus_oracle::regularizer::soft_threshold;

/// One application of T: S_τ(a w + β).
#[inline]
pub fn lazy_step(w: f64, a: f64, beta: f64, tau: f64) -> f64 {
    soft_threshold(a * w + beta, tau)
}

/// (1 − aᵏ)/(1 − a) = 1 + a + … + aᵏ⁻¹, accurate for a near 1 (= k at a = 1).
#[inline]
fn geometric_sum(a: f64, k: f64) -> f64 {
    if a == 1.0 {
        k
    } else {
        let ln_a = (a - 1.0).ln_1p();
        -(k * ln_a).exp_m1() / (1.0 - a)
    }
}

/// k applications of w ↦ a w + c: aᵏ w + c (1 − aᵏ)/(1 − a).
#[inline]
pub fn affine_power(w: f64, k: f64, a: f64, c: f64) -> f64 {
    a.powf(k) * w + c * geometric_sum(a, k)
}

/// How many applications of w ↦ a w + c, from w of sign s (s w > 0), keep s·w > 0: the largest k with
/// s·(aᵏ w + c(1 − aᵏ)/(1 − a)) > 0, capped by `cap`, minus one for rounding safety (the caller finishes with
/// exact single steps).
fn steps_keeping_sign(w: f64, a: f64, c: f64, s: f64, cap: u64) -> u64 {
    let (w, c) = (s * w, s * c);
    if c >= 0.0 {
        return cap; // moves away from 0 or towards a non-negative fixed point: never crosses
    }
    let k = if a == 1.0 {
        w / -c
    } else {
        // aᵏ (w − fp) + fp > 0 with fp = c/(1 − a) < 0  ⇔  aᵏ > −fp/(w − fp)  ⇔  k < ln(−fp/(w − fp))/ln a.
        let fp = c / (1.0 - a);
        (-fp / (w - fp)).ln() / (a - 1.0).ln_1p()
    };
    if !k.is_finite() {
        return cap;
    }
    let k = k.floor() - 1.0;
    if k <= 0.0 { 0 } else { (k as u64).min(cap) }
}

/// Applies T(w) = S_τ(a w + β) `k` times (a ∈ (0, 1], τ ≥ 0), in O(1) amortized time.
pub fn catch_up(mut w: f64, mut k: u64, a: f64, beta: f64, tau: f64) -> f64 {
    while k > 0 {
        if w == 0.0 {
            // 0 is a fixed point when |β| ≤ τ; otherwise one step leaves it, into the regime it never leaves.
            if beta.abs() <= tau {
                return 0.0;
            }
            w = lazy_step(w, a, beta, tau);
            k -= 1;
            continue;
        }
        let s = w.signum();
        // In the regime of sign s, T(w) = a w + β − sτ.
        let c = beta - s * tau;
        let safe = steps_keeping_sign(w, a, c, s, k);
        if safe > 0 {
            w = affine_power(w, safe as f64, a, c);
            k -= safe;
        } else {
            w = lazy_step(w, a, beta, tau);
            k -= 1;
        }
    }
    w
}

/// aᵏ and (1 − aᵏ)/(1 − a) for k = 0..=k_max and a fixed a, so that a catch-up inside one sign regime costs two
/// table reads and two multiply–adds instead of the transcendental functions of [`catch_up`] (which dominated a
/// sparse SVRG epoch: ≈ 35 matvec passes before, see docs/benchmarks.md "SVRG epoch").
#[derive(Debug, Clone)]
pub struct PowerTable {
    a: f64,
    pow: Vec<f64>,
    geo: Vec<f64>,
}

/// Relative margin by which the table's endpoint must stay inside its sign regime to be trusted.
const REGIME_MARGIN: f64 = 1e-9;

impl PowerTable {
    /// The table for a ∈ (0, 1] up to k_max steps (the same values as `affine_power` computes).
    pub fn new(a: f64, k_max: usize) -> Self {
        let pow = (0..=k_max).map(|k| a.powf(k as f64)).collect();
        let geo = (0..=k_max).map(|k| geometric_sum(a, k as f64)).collect();
        PowerTable { a, pow, geo }
    }

    /// a.
    pub fn a(&self) -> f64 {
        self.a
    }

    /// [`catch_up`]`(w, k, a, β, τ)`: with τ = 0 the map is affine, aᵏ w + β (1 − aᵏ)/(1 − a); with τ > 0 the
    /// affine map of w's sign regime is applied in one go when its endpoint keeps that sign (the iterates of an
    /// affine map with a ∈ (0, 1] are monotone, so then no intermediate one left the regime), else the exact
    /// regime-by-regime [`catch_up`] runs.
    #[inline]
    pub fn catch_up(&self, w: f64, k: u64, beta: f64, tau: f64) -> f64 {
        let ku = k as usize;
        if ku < self.pow.len() {
            if tau == 0.0 {
                return self.pow[ku] * w + beta * self.geo[ku];
            }
            if w != 0.0 {
                let s = w.signum();
                let c = beta - s * tau;
                let (p, g) = (self.pow[ku] * w, c * self.geo[ku]);
                let v = p + g;
                if s * v > REGIME_MARGIN * (p.abs() + g.abs()) {
                    return v;
                }
            }
        }
        catch_up(w, k, self.a, beta, tau)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn naive(mut w: f64, k: u64, a: f64, beta: f64, tau: f64) -> f64 {
        for _ in 0..k {
            w = lazy_step(w, a, beta, tau);
        }
        w
    }

    proptest! {
        #[test]
        fn catch_up_matches_the_naive_loop(
            w in -3.0f64..3.0, k in 0u64..400, eta_sigma in 0.0f64..0.2,
            beta in -0.1f64..0.1, tau in prop_oneof![Just(0.0), 0.0f64..0.05],
        ) {
            let a = 1.0 - eta_sigma;
            let fast = catch_up(w, k, a, beta, tau);
            let slow = naive(w, k, a, beta, tau);
            prop_assert!((fast - slow).abs() <= 1e-10 * (1.0 + slow.abs()), "{fast} vs {slow}");
            let table = PowerTable::new(a, 500).catch_up(w, k, beta, tau);
            prop_assert!((table - slow).abs() <= 1e-10 * (1.0 + slow.abs()), "{table} vs {slow}");
            if slow == 0.0 && k > 2 { prop_assert!(table == 0.0 || table.abs() < 1e-12); }
            // Exact zeros stay exact.
            if slow == 0.0 && k > 2 { prop_assert!(fast == 0.0 || fast.abs() < 1e-12); }
        }
    }

    #[test]
    fn zero_is_absorbing_inside_the_threshold() {
        assert_eq!(catch_up(0.0, 1000, 0.9, 0.01, 0.02), 0.0);
        assert_eq!(catch_up(1.0, 10_000, 0.9, 0.01, 0.02), 0.0);
        assert_eq!(catch_up(1.0, 10_000, 1.0, 0.0, 0.001), 0.0);
    }
}

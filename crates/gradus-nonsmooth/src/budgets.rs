//! The budgets of Zhang et al. (2020): Theorem 8 (INGD) and Theorem 10 (Stochastic INGD). The constants are the
//! paper's (not optimised, as the paper says).

use crate::error::{Result, check_nonnegative, check_positive};

/// INGD's parameters and oracle budget from Theorem 8.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Theorem8 {
    /// T = ⌈4Δ/(εδ)⌉ outer iterations.
    pub outer: u64,
    /// K = ⌈48L²/ε²⌉ inner iterations per local search.
    pub inner: u64,
    /// T·(2K + 1): one oracle call at x_t, then one function value and one oracle call per inner iteration,
    /// for one local search per outer iteration (restarts, which the theorem controls in probability, cost
    /// 2K + 1 each on top).
    pub oracle_calls: u64,
}

/// Theorem 8's T, K and call budget for δ, ε > 0, Lipschitz constant L > 0 and Δ = f(x₁) − inf f ≥ 0.
///
/// ```
/// let b = gradus_nonsmooth::theorem8(0.1, 0.1, 1.0, 1.0).unwrap();
/// assert_eq!((b.outer, b.inner, b.oracle_calls), (400, 4800, 400 * 9601));
/// ```
pub fn theorem8(delta: f64, epsilon: f64, lipschitz: f64, gap: f64) -> Result<Theorem8> {
    check_positive("delta", delta)?;
    check_positive("epsilon", epsilon)?;
    check_positive("lipschitz", lipschitz)?;
    check_nonnegative("gap", gap)?;
    let outer = (4.0 * gap / (epsilon * delta)).ceil().max(1.0);
    let inner = (48.0 * lipschitz * lipschitz / (epsilon * epsilon)).ceil().max(1.0);
    Ok(Theorem8 {
        outer: outer as u64,
        inner: inner as u64,
        oracle_calls: (outer * (2.0 * inner + 1.0)).min(u64::MAX as f64) as u64,
    })
}

/// Stochastic INGD's parameters from Theorem 10.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Theorem10 {
    /// G = √(L² + σ²).
    pub g: f64,
    /// β = 1 − ε²/(64G²).
    pub beta: f64,
    /// p = 64G² ln(16G/ε)/(δε²).
    pub p: f64,
    /// q = 4Gp.
    pub q: f64,
    /// K = pδ (the output lag).
    pub k: f64,
    /// T = 2¹⁶G³Δ ln(16G/ε)/(ε⁴δ) · max{1, Gδ/(8Δ)}.
    pub iterations: f64,
}

/// Theorem 10's parameters for δ, ε, L > 0, noise σ ≥ 0 and Δ > 0.
pub fn theorem10(delta: f64, epsilon: f64, lipschitz: f64, sigma: f64, gap: f64) -> Result<Theorem10> {
    check_positive("delta", delta)?;
    check_positive("epsilon", epsilon)?;
    check_positive("lipschitz", lipschitz)?;
    check_nonnegative("sigma", sigma)?;
    check_positive("gap", gap)?;
    let g = (lipschitz * lipschitz + sigma * sigma).sqrt();
    let log = (16.0 * g / epsilon).ln();
    let p = 64.0 * g * g * log / (delta * epsilon * epsilon);
    Ok(Theorem10 {
        g,
        beta: 1.0 - epsilon * epsilon / (64.0 * g * g),
        p,
        q: 4.0 * g * p,
        k: p * delta,
        iterations: 65536.0 * g.powi(3) * gap * log / (epsilon.powi(4) * delta) * (g * delta / (8.0 * gap)).max(1.0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn theorem10_constants() {
        let t = theorem10(0.1, 0.1, 1.0, 0.0, 1.0).unwrap();
        assert!((t.beta - (1.0 - 0.01 / 64.0)).abs() < 1e-15);
        assert!((t.q - 4.0 * t.p).abs() < 1e-9);
        assert!((t.k - t.p * 0.1).abs() < 1e-12);
        assert!(theorem10(0.0, 0.1, 1.0, 0.0, 1.0).is_err());
        assert!(theorem8(0.1, -1.0, 1.0, 1.0).is_err());
    }
}

//! The step sizes of the SEG-RR paper's theory, computed from the problem's constants.
//!
//! The formulas are those of the authors' public experiment code (transcriptions of the theorems' step
//! conditions; which theorem each belongs to is not verified, see the implementation notes in
//! `docs/seg.md`). They are applied here to the *unscaled* components Fᵢ with F = (1/n) Σ Fᵢ (the authors' code
//! divides some components by n, which makes every step n times smaller; we do not copy that).
//!
//! | helper | γ (update) | ω (extrapolation) | for |
//! |---|---|---|---|
//! | [`strongly_monotone_steps`] | μ / (10 L_max² √(10n² + 2n + 54)) | 2γ | strongly monotone, RR/SO/IEG/SEG comparison |
//! | [`bilinear_shuffling_steps`] | μ / (2√120 · n · L_max²) | 4γ | bilinear, RR vs SO vs IEG (μ := σ_min(M̄)) |
//! | [`affine_steps`] | γ_max = [`affine_gamma_max`] | 4γ | affine operators, constant step |
//! | [`affine_switching_steps`] | γ_max up to epoch k*, then 2(2k + 1)/(μn(k + 1)²) | 4γ_k | affine, decreasing step |
//! | [`monotone_gamma_max`] | 1 / (3√(2n(n − 1)) L_max) | — | monotone case |
//!
//! Constants ([`Constants::of`]): n, μ, L (Lipschitz constant of F), L_max = max Lᵢ and A = (2/n) Σ Lᵢ². μ is
//! the strong-monotonicity modulus when it is positive; otherwise, for an affine operator that reports σ_min of
//! its matrix ([`gradus_oracle::Operator::min_singular_value`], e.g. a bilinear game), μ := σ_min(M̄), as the
//! paper's code does for bilinear games; [`Constants::mu_source`] says which. [`Constants::with_mu`] overrides it.

use gradus_oracle::FiniteSumOperator;

use crate::error::{Result, SegError};
use crate::sampling::Sampling;
use crate::schedule::Schedule;
use crate::seg::SegParams;

const SOLVER: &str = "theory-steps";

/// Where [`Constants::mu`] comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MuSource {
    /// The operator's strong-monotonicity modulus (> 0).
    StrongMonotonicity,
    /// σ_min(M̄) of an affine operator that is not strongly monotone (the paper's convention for bilinear games).
    MinSingularValue,
    /// Neither is known and positive: μ = 0 (formulas that need μ > 0 return an error).
    Unknown,
    /// Set by hand ([`Constants::with_mu`]).
    Given,
}

/// The problem constants the step formulas use.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Constants {
    /// The number of components n.
    pub n: usize,
    /// μ: the strong-monotonicity modulus, or σ_min(M̄) for an affine operator that is merely monotone (see
    /// [`Constants::mu_source`]).
    pub mu: f64,
    /// Where μ comes from.
    pub mu_source: MuSource,
    /// L, the Lipschitz constant of F.
    pub l: f64,
    /// L_max = max Lᵢ.
    pub l_max: f64,
    /// A = (2/n) Σ Lᵢ².
    pub a: f64,
}

impl Constants {
    /// Reads n, μ, L and the Lᵢ from the operator and computes L_max and A = (2/n) Σ Lᵢ². μ is the strong
    /// monotonicity when positive, else σ_min(M̄) when the operator reports one above 1e-7 L (smaller values are the
    /// round-off of a singular M̄), else 0.
    pub fn of(operator: &dyn FiniteSumOperator) -> Self {
        let n = operator.len();
        let squares: f64 = (0..n).map(|i| operator.component_lipschitz(i).powi(2)).sum();
        let strong = operator.strong_monotonicity();
        let (mu, mu_source) = match operator.min_singular_value() {
            _ if strong > 0.0 => (strong, MuSource::StrongMonotonicity),
            // σ_min from the eigenvalues of M̄ᵀM̄ carries round-off of about √ε·L ≈ 1.5e-8 L: below 1e-7 L it is 0.
            Some(s) if s > 1e-7 * operator.lipschitz() => (s, MuSource::MinSingularValue),
            _ => (0.0, MuSource::Unknown),
        };
        Constants {
            n,
            mu,
            mu_source,
            l: operator.lipschitz(),
            l_max: operator.max_component_lipschitz(),
            a: growth_constant(squares, n),
        }
    }

    /// The same constants with μ replaced by hand.
    pub fn with_mu(mut self, mu: f64) -> Self {
        self.mu = mu;
        self.mu_source = MuSource::Given;
        self
    }

    fn require(&self, mu: bool, min_n: usize) -> Result<()> {
        let unsupported = |reason: String| Err(SegError::Unsupported { solver: SOLVER, reason });
        if self.n < min_n {
            return unsupported(format!("the formula needs n >= {min_n}, got n = {}", self.n));
        }
        if !(self.l_max.is_finite() && self.l_max > 0.0 && self.l.is_finite() && self.l > 0.0) {
            return unsupported(format!(
                "L = {} and L_max = {} must be finite and > 0",
                self.l, self.l_max
            ));
        }
        if mu && !(self.mu.is_finite() && self.mu > 0.0) {
            return unsupported(format!(
                "the formula needs mu > 0, got {} (the operator is neither strongly monotone nor affine with sigma_min > 0; set it with Constants::with_mu)",
                self.mu
            ));
        }
        Ok(())
    }
}

/// A = (2/n) Σ Lᵢ² from Σ Lᵢ².
pub fn growth_constant(sum_of_squares: f64, n: usize) -> f64 {
    2.0 * sum_of_squares / n.max(1) as f64
}

/// A pair of schedules by role.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Steps {
    /// ω, the extrapolation step.
    pub extrapolation: Schedule,
    /// γ, the update step.
    pub update: Schedule,
}

impl Steps {
    /// Constant steps ω = ratio·γ and γ.
    pub fn constant(gamma: f64, ratio: f64) -> Self {
        Steps {
            extrapolation: Schedule::Constant(ratio * gamma),
            update: Schedule::Constant(gamma),
        }
    }

    /// SEG parameters with these steps.
    pub fn params(&self, sampling: Sampling) -> SegParams {
        SegParams::new(sampling, self.extrapolation, self.update)
    }
}

/// γ = μ / (10 L_max² √(10n² + 2n + 54)): the strongly monotone theory step.
pub fn strongly_monotone_gamma(c: &Constants) -> Result<f64> {
    c.require(true, 1)?;
    let n = c.n as f64;
    Ok(c.mu / (10.0 * c.l_max * c.l_max * (10.0 * n * n + 2.0 * n + 54.0).sqrt()))
}

/// The strongly monotone theory steps: γ = [`strongly_monotone_gamma`], ω = 2γ.
pub fn strongly_monotone_steps(c: &Constants) -> Result<Steps> {
    Ok(Steps::constant(strongly_monotone_gamma(c)?, 2.0))
}

/// γ = μ / (2√120 · n · L_max²): the bilinear step of the RR/SO/IEG comparison (μ := σ_min(M̄)).
pub fn bilinear_shuffling_gamma(c: &Constants) -> Result<f64> {
    c.require(true, 1)?;
    Ok(c.mu / (2.0 * 120f64.sqrt() * c.n as f64 * c.l_max * c.l_max))
}

/// The bilinear steps: γ = [`bilinear_shuffling_gamma`], ω = 4γ.
pub fn bilinear_shuffling_steps(c: &Constants) -> Result<Steps> {
    Ok(Steps::constant(bilinear_shuffling_gamma(c)?, 4.0))
}

/// Ω̄ = (L_max/(nμ)) · [2(24n² − 23n + 1 + 2.5(n − 1)(2n − 1)) L² + A (24n² − 23n + 1)].
pub fn affine_omega_bar(c: &Constants) -> Result<f64> {
    c.require(true, 1)?;
    let n = c.n as f64;
    let p = 24.0 * n * n - 23.0 * n + 1.0;
    Ok(c.l_max / (n * c.mu) * (2.0 * (p + 2.5 * (n - 1.0) * (2.0 * n - 1.0)) * c.l * c.l + c.a * p))
}

/// 1 / (3√(2n(n − 1)) L_max); +∞ for n = 1 (the bound is then void).
fn shuffling_bound(c: &Constants) -> f64 {
    let n = c.n as f64;
    1.0 / (3.0 * (2.0 * n * (n - 1.0)).sqrt() * c.l_max)
}

/// γ_max = min{ μ/(4L_max²), 1/(3√(2n(n − 1)) L_max), (√(L_max⁴ + nμΩ̄/4) − L_max²)/Ω̄ }: the affine theory step.
pub fn affine_gamma_max(c: &Constants) -> Result<f64> {
    let omega_bar = affine_omega_bar(c)?;
    let l2 = c.l_max * c.l_max;
    let root = ((l2 * l2 + c.n as f64 * c.mu * omega_bar / 4.0).sqrt() - l2) / omega_bar;
    Ok((c.mu / (4.0 * l2)).min(shuffling_bound(c)).min(root))
}

/// The affine constant steps: γ = [`affine_gamma_max`], ω = 4γ.
pub fn affine_steps(c: &Constants) -> Result<Steps> {
    Ok(Steps::constant(affine_gamma_max(c)?, 4.0))
}

/// The affine switching steps: γ_k = γ_max for k ≤ k*, then 2(2k + 1)/(μn(k + 1)²) (capped at γ_max), and
/// ω_k = 4γ_k. The paper's code takes k* = K/2 for a run of K epochs.
pub fn affine_switching_steps(c: &Constants, k_star: u64) -> Result<Steps> {
    let gamma_max = affine_gamma_max(c)?;
    let update = Schedule::Switching {
        gamma_max,
        k_star,
        c: 2.0 / (c.mu * c.n as f64),
    };
    Ok(Steps {
        extrapolation: update.scaled(4.0),
        update,
    })
}

/// k* = 16/(n³ γ_max² μ²): the switching epoch left commented out in the paper's code (an alternative to K/2).
pub fn affine_switch_epoch(c: &Constants, gamma_max: f64) -> Result<f64> {
    c.require(true, 1)?;
    let n = c.n as f64;
    Ok(16.0 / (n * n * n * gamma_max * gamma_max * c.mu * c.mu))
}

/// γ_max = 1/(3√(2n(n − 1)) L_max): the monotone-case step (needs n ≥ 2).
pub fn monotone_gamma_max(c: &Constants) -> Result<f64> {
    c.require(false, 2)?;
    Ok(shuffling_bound(c))
}

/// The constants (C, G) the paper's code stores for the monotone case at step γ:
/// C = ((50 + 2n)A + 2(10n² + 50n + 2)L²)γ² + 4(A + 2L²)γ² and
/// G = 2(1 + γ²n²(2L² + 8γ²L⁴ + 3) + 3 C L_max²); the monotone bound's neighbourhood is O(γ² G).
pub fn monotone_bound_constants(c: &Constants, gamma: f64) -> Result<(f64, f64)> {
    c.require(false, 1)?;
    let (n, l2, g2) = (c.n as f64, c.l * c.l, gamma * gamma);
    let cc = ((50.0 + 2.0 * n) * c.a + 2.0 * (10.0 * n * n + 50.0 * n + 2.0) * l2) * g2 + 4.0 * (c.a + 2.0 * l2) * g2;
    let g = 2.0 * (1.0 + g2 * n * n * (2.0 * l2 + 8.0 * g2 * l2 * l2 + 3.0) + 3.0 * cc * c.l_max * c.l_max);
    Ok((cc, g))
}

#[cfg(test)]
mod tests {
    use super::*;
    use gradus_oracle::QuadraticGame;

    fn constants(n: usize, mu: f64, l: f64, l_max: f64) -> Constants {
        Constants {
            n,
            mu,
            mu_source: MuSource::Given,
            l,
            l_max,
            a: 2.0 * l_max * l_max,
        }
    }

    #[test]
    fn the_papers_values() {
        // S5: μ = L_max = 1, n = 100: γ = 1/(10√100254) ≈ 3.158e-4, ω = 2γ.
        let s = strongly_monotone_steps(&constants(100, 1.0, 1.0, 1.0)).unwrap();
        let g = 1.0 / (10.0 * 100_254f64.sqrt());
        assert_eq!(s.update, Schedule::Constant(g));
        assert_eq!(s.extrapolation, Schedule::Constant(2.0 * g));
        assert!((g - 3.158e-4).abs() < 1e-7);
        // S2: μ = L_max = 1, n = 10: γ = 1/(20√120) ≈ 4.564e-3, ω = 4γ.
        let b = bilinear_shuffling_gamma(&constants(10, 1.0, 1.0, 1.0)).unwrap();
        assert!((b - 4.564e-3).abs() < 1e-6);
        // Monotone: 1/(3√(2·100·99)·L_max).
        let m = monotone_gamma_max(&constants(100, 0.0, 2.0, 2.0)).unwrap();
        assert!((m - 1.0 / (3.0 * 19_800f64.sqrt() * 2.0)).abs() < 1e-18);
    }

    #[test]
    fn affine_gamma_max_is_the_smallest_bound() {
        let c = constants(5, 1.0, 2.0, 2.0);
        let w = affine_omega_bar(&c).unwrap();
        // n = 5, L = L_max = 2, A = 8: p = 486, Ω̄ = (2/5)(2(486 + 90)·4 + 8·486) = 3398.4.
        assert!((w - 3398.4).abs() < 1e-9);
        let g = affine_gamma_max(&c).unwrap();
        let root = ((16.0 + 5.0 * w / 4.0).sqrt() - 4.0) / w;
        assert_eq!(g, root.min(1.0 / 16.0).min(1.0 / (3.0 * 40f64.sqrt() * 2.0)));
        let s = affine_switching_steps(&c, 100).unwrap();
        assert_eq!(s.update.at(100, 0), g);
        let k = 101.0;
        let expected: f64 = 2.0 * (2.0 * k + 1.0) / (5.0 * (k + 1.0) * (k + 1.0));
        assert!((s.update.at(101, 0) - expected.min(g)).abs() < 1e-18);
        assert_eq!(s.extrapolation.at(101, 0), 4.0 * s.update.at(101, 0));
        // n = 1 voids the shuffling bound instead of dividing by zero.
        assert!(affine_gamma_max(&constants(1, 1.0, 1.0, 1.0)).unwrap().is_finite());
        assert!(affine_switch_epoch(&c, g).unwrap() > 0.0);
    }

    #[test]
    fn constants_of_a_game_and_errors() {
        let game = QuadraticGame::random_bilinear(3, 10, 1.0, 2.0, 0.1, 1).unwrap();
        let c = Constants::of(&game);
        assert_eq!(c.n, 10);
        // A bilinear game is not strongly monotone: μ := σ_min(M̄), the paper's convention.
        assert_eq!(c.mu, game.min_singular_value());
        assert_eq!(c.mu_source, MuSource::MinSingularValue);
        assert!((c.a - 2.0 * c.l_max * c.l_max).abs() < 1e-12);
        assert!(bilinear_shuffling_gamma(&c).unwrap() > 0.0);
        // A strongly monotone game keeps its μ.
        let sm = QuadraticGame::random_identical(3, 10, 0.5, 2.0, 1).unwrap();
        let c = Constants::of(&sm);
        assert_eq!(c.mu_source, MuSource::StrongMonotonicity);
        assert!((c.mu - 0.5).abs() < 1e-9);
        // A singular bilinear game has neither: the μ formulas refuse it.
        let singular = QuadraticGame::random_bilinear_singular(3, 10, 1.0, 0.1, 1).unwrap();
        let c = Constants::of(&singular);
        assert_eq!((c.mu, c.mu_source), (0.0, MuSource::Unknown));
        assert!(matches!(
            bilinear_shuffling_gamma(&c),
            Err(SegError::Unsupported { .. })
        ));
        assert_eq!(c.with_mu(1.0).mu_source, MuSource::Given);
        assert!(monotone_gamma_max(&constants(1, 0.0, 1.0, 1.0)).is_err());
        assert!(strongly_monotone_gamma(&constants(3, 1.0, 0.0, 1.0)).is_err());
        let (cc, g) = monotone_bound_constants(&constants(10, 0.0, 1.0, 1.0), 0.01).unwrap();
        assert!(cc > 0.0 && g > 2.0);
    }
}

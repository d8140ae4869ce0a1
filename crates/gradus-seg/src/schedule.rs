//! Step-size schedules, used by role: the extrapolation step ω (the look-ahead ū = u − ω F(u)) and the update step
//! γ (u ← u − γ F(ū)) each have their own [`Schedule`].
//!
//! A schedule is evaluated at the epoch k (0-based; one epoch = ⌈n/b⌉ inner steps of batch b for the stochastic
//! methods, one iteration for deterministic extragradient) and at the global inner-iteration index t (0-based):
//!
//! | schedule | step at (k, t) | parameters |
//! |---|---|---|
//! | [`Schedule::Constant`] | s | s > 0 (ω may be 0) |
//! | [`Schedule::Switching`] | γ_max for k ≤ k*, then min(γ_max, c(2k + 1)/(k + 1)²) | γ_max > 0, k* ≥ 0, c > 0 |
//! | [`Schedule::PowerLaw`] | a (t + t₀)^(−p) | a > 0, p ≥ 0, t₀ > 0 (t₀ ≥ 0 when p = 0) |
//!
//! The switching rule is the Gower et al. (2019) "constant, then O(1/k)" schedule used by the SEG-RR paper for
//! affine and strongly monotone problems, with c = 2/(μn) for γ (see [`crate::theory_steps`]); the cap at γ_max only
//! matters when k* is chosen before the two branches cross. The power laws are the two-timescale schedules of
//! Hsieh et al. (2020), "Explore aggressively, update conservatively", e.g. γ_t = (t + 19)^(−0.7),
//! ω_t = 0.1 (t + 19)^(−0.2).

use crate::error::{Result, check_nonnegative, check_positive, invalid};

/// A step-size schedule (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Schedule {
    /// The same step at every inner iteration.
    Constant(f64),
    /// γ_max for epochs k ≤ k*, then min(γ_max, c(2k + 1)/(k + 1)²): constant per epoch.
    Switching {
        /// The step of the constant phase.
        gamma_max: f64,
        /// The last epoch of the constant phase.
        k_star: u64,
        /// The constant c of the decreasing phase.
        c: f64,
    },
    /// a (t + offset)^(−power) at global inner iteration t: changes at every inner step.
    PowerLaw {
        /// The scale a.
        a: f64,
        /// The offset t₀ added to t.
        offset: f64,
        /// The exponent p ≥ 0.
        power: f64,
    },
}

/// γ_k of the switching schedule: γ_max for k ≤ k*, then min(γ_max, c(2k + 1)/(k + 1)²).
pub fn switching_step(gamma_max: f64, k_star: u64, c: f64, epoch: u64) -> f64 {
    if epoch <= k_star {
        gamma_max
    } else {
        let k = epoch as f64;
        (c * (2.0 * k + 1.0) / ((k + 1.0) * (k + 1.0))).min(gamma_max)
    }
}

/// a (t + t₀)^(−p).
pub fn power_law_step(a: f64, offset: f64, power: f64, iteration: u64) -> f64 {
    a * (iteration as f64 + offset).powf(-power)
}

impl Schedule {
    /// The step at epoch k and global inner iteration t.
    pub fn at(&self, epoch: u64, iteration: u64) -> f64 {
        match *self {
            Schedule::Constant(s) => s,
            Schedule::Switching { gamma_max, k_star, c } => switching_step(gamma_max, k_star, c, epoch),
            Schedule::PowerLaw { a, offset, power } => power_law_step(a, offset, power, iteration),
        }
    }

    /// Whether the step changes inside an epoch (only power laws do).
    pub fn varies_within_epoch(&self) -> bool {
        matches!(self, Schedule::PowerLaw { power, .. } if *power != 0.0)
    }

    /// Whether this is the constant step 0 (an extrapolation step of 0 turns extragradient into gradient
    /// descent–ascent).
    pub fn is_zero(&self) -> bool {
        *self == Schedule::Constant(0.0)
    }

    /// The same schedule multiplied by `factor` > 0 (e.g. ω = 4γ from γ's schedule).
    pub fn scaled(&self, factor: f64) -> Schedule {
        match *self {
            Schedule::Constant(s) => Schedule::Constant(factor * s),
            Schedule::Switching { gamma_max, k_star, c } => Schedule::Switching {
                gamma_max: factor * gamma_max,
                k_star,
                c: factor * c,
            },
            Schedule::PowerLaw { a, offset, power } => Schedule::PowerLaw {
                a: factor * a,
                offset,
                power,
            },
        }
    }

    /// Checks every value; `name` is the role (`extrapolation step`, `update step`). A constant 0 is accepted only
    /// when `allow_zero` (the extrapolation step of gradient descent–ascent).
    pub fn validate(&self, solver: &'static str, name: &'static str, allow_zero: bool) -> Result<()> {
        match *self {
            Schedule::Constant(s) if allow_zero => check_nonnegative(solver, name, s),
            Schedule::Constant(s) => check_positive(solver, name, s),
            Schedule::Switching { gamma_max, c, .. } => {
                check_positive(solver, name, gamma_max)?;
                check_positive(solver, "switching c", c)
            }
            Schedule::PowerLaw { a, offset, power } => {
                check_positive(solver, name, a)?;
                check_nonnegative(solver, "power-law power", power)?;
                check_nonnegative(solver, "power-law offset", offset)?;
                if power > 0.0 && offset == 0.0 {
                    return Err(invalid(
                        solver,
                        "power-law offset",
                        offset,
                        "must be > 0 when the power is > 0",
                    ));
                }
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn switching_is_constant_then_decreasing() {
        let s = Schedule::Switching {
            gamma_max: 0.1,
            k_star: 10,
            c: 0.1,
        };
        assert_eq!(s.at(0, 0), 0.1);
        assert_eq!(s.at(10, 999), 0.1);
        let k = 11.0;
        assert_eq!(s.at(11, 0), 0.1 * (2.0 * k + 1.0) / ((k + 1.0) * (k + 1.0)));
        assert!(s.at(1000, 0) < s.at(100, 0));
        // The cap: c large makes the formula exceed γ_max just after k*.
        let capped = Schedule::Switching {
            gamma_max: 0.1,
            k_star: 1,
            c: 100.0,
        };
        assert_eq!(capped.at(2, 0), 0.1);
        assert!(!s.varies_within_epoch());
    }

    #[test]
    fn power_law_and_scaling() {
        let p = Schedule::PowerLaw {
            a: 0.1,
            offset: 19.0,
            power: 0.2,
        };
        assert!((p.at(0, 0) - 0.1 * 19f64.powf(-0.2)).abs() < 1e-16);
        assert!(p.varies_within_epoch());
        assert_eq!(p.scaled(4.0).at(0, 5), 4.0 * p.at(0, 5));
        assert_eq!(Schedule::Constant(0.5).scaled(4.0), Schedule::Constant(2.0));
    }

    #[test]
    fn validation() {
        assert!(Schedule::Constant(0.0).validate("seg", "update step", false).is_err());
        assert!(
            Schedule::Constant(0.0)
                .validate("seg", "extrapolation step", true)
                .is_ok()
        );
        assert!(
            Schedule::Constant(-1.0)
                .validate("seg", "extrapolation step", true)
                .is_err()
        );
        assert!(
            Schedule::Constant(f64::INFINITY)
                .validate("seg", "update step", false)
                .is_err()
        );
        let bad = Schedule::Switching {
            gamma_max: 0.1,
            k_star: 3,
            c: 0.0,
        };
        assert!(bad.validate("seg", "update step", false).is_err());
        let bad = Schedule::PowerLaw {
            a: 1.0,
            offset: 0.0,
            power: 0.5,
        };
        assert!(bad.validate("seg", "update step", false).is_err());
        let ok = Schedule::PowerLaw {
            a: 1.0,
            offset: 0.0,
            power: 0.0,
        };
        assert!(ok.validate("seg", "update step", false).is_ok());
    }
}

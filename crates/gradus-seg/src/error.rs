//! The error type of gradus-seg.

use std::fmt::Display;

use gradus_oracle::OracleError;
use thiserror::Error;

/// Everything that can go wrong when configuring or starting a solver of this crate.
///
/// Every variant names the solver (`seg`, `extragradient`, `theory-steps`) and what was wrong, so a message can be
/// shown to a user as it is. Errors of the shared base (an invalid [`gradus_oracle::Stop`], an unknown target
/// metric, …) are wrapped in [`SegError::Oracle`].
#[derive(Debug, Error, Clone, PartialEq)]
pub enum SegError {
    /// A parameter is outside its range (a non-positive step, an averaging weight outside [0, 1), …).
    #[error("{solver}: invalid parameter `{name}` = {value}: {reason}")]
    InvalidParameter {
        /// The solver.
        solver: &'static str,
        /// The parameter's name, as its builder method or field is called.
        name: &'static str,
        /// Its value, formatted.
        value: String,
        /// What the value must be.
        reason: &'static str,
    },
    /// The starting point does not have the operator's dimension.
    #[error("{solver}: the starting point has length {got}, but the operator has dimension {expected}")]
    DimensionMismatch {
        /// The solver.
        solver: &'static str,
        /// The operator's dimension D.
        expected: usize,
        /// The starting point's length.
        got: usize,
    },
    /// The starting point has a NaN or infinite entry.
    #[error("{solver}: the starting point has a non-finite entry z0[{index}] = {value}")]
    NonFiniteStart {
        /// The solver.
        solver: &'static str,
        /// The first non-finite index.
        index: usize,
        /// Its value.
        value: f64,
    },
    /// The convex set does not live in the operator's space.
    #[error("{solver}: the convex set has dimension {got}, but the operator has dimension {expected}")]
    SetDimension {
        /// The solver.
        solver: &'static str,
        /// The operator's dimension D.
        expected: usize,
        /// The set's dimension.
        got: usize,
    },
    /// A user's index stream wrote an index ≥ n (or an empty epoch).
    #[error("seg: the index stream's epoch {epoch} has {} at position {position} (n = {n})", match index { Some(i) => format!("index {i}"), None => "no index".to_string() })]
    BadIndex {
        /// The epoch (0-based) whose sequence was bad.
        epoch: u64,
        /// The position in the sequence.
        position: usize,
        /// The offending index (`None` for an empty sequence).
        index: Option<usize>,
        /// The number of components.
        n: usize,
    },
    /// The finite sum has no components (or the operator has dimension 0).
    #[error("{solver}: {what} is empty")]
    Empty {
        /// The solver.
        solver: &'static str,
        /// What is empty.
        what: &'static str,
    },
    /// The operator lacks a property the solver or formula needs (a known solution for inner recording,
    /// μ > 0 for a strongly monotone step, …).
    #[error("{solver} cannot use this operator: {reason}")]
    Unsupported {
        /// The solver or formula.
        solver: &'static str,
        /// Why, and what to do instead.
        reason: String,
    },
    /// An error of the shared base.
    #[error(transparent)]
    Oracle(#[from] OracleError),
}

/// `Result` with [`SegError`].
pub type Result<T> = std::result::Result<T, SegError>;

/// A [`SegError::InvalidParameter`].
pub(crate) fn invalid(solver: &'static str, name: &'static str, value: impl Display, reason: &'static str) -> SegError {
    SegError::InvalidParameter {
        solver,
        name,
        value: value.to_string(),
        reason,
    }
}

/// Checks that a parameter is finite and > 0.
pub(crate) fn check_positive(solver: &'static str, name: &'static str, value: f64) -> Result<()> {
    if value.is_finite() && value > 0.0 {
        Ok(())
    } else {
        Err(invalid(solver, name, value, "must be finite and > 0"))
    }
}

/// Checks that a parameter is finite and ≥ 0.
pub(crate) fn check_nonnegative(solver: &'static str, name: &'static str, value: f64) -> Result<()> {
    if value.is_finite() && value >= 0.0 {
        Ok(())
    } else {
        Err(invalid(solver, name, value, "must be finite and >= 0"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_solver_parameter_and_value() {
        let e = check_positive("seg", "update step", -1.0).unwrap_err();
        assert_eq!(
            e.to_string(),
            "seg: invalid parameter `update step` = -1: must be finite and > 0"
        );
        assert!(check_nonnegative("seg", "extrapolation step", f64::NAN).is_err());
        assert!(check_nonnegative("seg", "extrapolation step", 0.0).is_ok());
        let e: SegError = OracleError::Empty { what: "x" }.into();
        assert_eq!(e.to_string(), "x is empty");
    }
}

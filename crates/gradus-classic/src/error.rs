//! The error type of gradus-classic.

use std::fmt::Display;

use gradus_oracle::OracleError;
use thiserror::Error;

/// Everything that can go wrong when configuring or starting a solver of this crate.
///
/// Every variant names the solver, and what was wrong, so a message can be shown to a user as it is. Errors
/// of the shared base (an invalid [`gradus_oracle::Stop`], an unknown target metric, …) are wrapped in
/// [`ClassicError::Oracle`].
#[derive(Debug, Error, Clone, PartialEq)]
pub enum ClassicError {
    /// A parameter is outside its range.
    #[error("{solver}: invalid parameter `{name}` = {value}: {reason}")]
    InvalidParameter {
        /// The solver (`gd`, `agd`, `lbfgs`, `newton`).
        solver: &'static str,
        /// The parameter's name, as its builder method is called.
        name: &'static str,
        /// Its value, formatted.
        value: String,
        /// What the value must be.
        reason: &'static str,
    },
    /// The starting point does not have the problem's dimension.
    #[error("{solver}: the starting point has length {got}, but the problem has dimension {expected}")]
    DimensionMismatch {
        /// The solver.
        solver: &'static str,
        /// The problem's dimension d.
        expected: usize,
        /// The starting point's length.
        got: usize,
    },
    /// The starting point has a NaN or infinite entry.
    #[error("{solver}: the starting point has a non-finite entry x0[{index}] = {value}")]
    NonFiniteStart {
        /// The solver.
        solver: &'static str,
        /// The first non-finite index.
        index: usize,
        /// Its value.
        value: f64,
    },
    /// The problem does not have a property the solver needs (an L1 regularizer for a smooth solver, an unknown
    /// smoothness constant for a fixed step, a dimension too large for a dense Hessian, …).
    #[error("{solver} cannot solve this problem: {reason}")]
    Unsupported {
        /// The solver.
        solver: &'static str,
        /// Why, and what to do instead.
        reason: String,
    },
    /// A run that had to reach a tolerance (e.g. [`crate::certify_optimum`]) ended otherwise.
    #[error("{solver} did not reach the tolerance: the run ended {status} with gradient norm {gradient_norm:e}")]
    NotConverged {
        /// The solver.
        solver: &'static str,
        /// How the run ended ([`gradus_oracle::Status::name`]).
        status: &'static str,
        /// The gradient norm at the returned point.
        gradient_norm: f64,
    },
    /// An error of the shared base (invalid stopping rule, unknown target metric, …).
    #[error(transparent)]
    Oracle(#[from] OracleError),
}

/// `Result` with [`ClassicError`].
pub type Result<T> = std::result::Result<T, ClassicError>;

/// An [`ClassicError::InvalidParameter`].
pub(crate) fn invalid(
    solver: &'static str,
    name: &'static str,
    value: impl Display,
    reason: &'static str,
) -> ClassicError {
    ClassicError::InvalidParameter {
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

/// Checks that a parameter lies in the open interval (0, 1).
pub(crate) fn check_open_unit(solver: &'static str, name: &'static str, value: f64) -> Result<()> {
    if value > 0.0 && value < 1.0 {
        Ok(())
    } else {
        Err(invalid(solver, name, value, "must lie in (0, 1)"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_solver_parameter_and_value() {
        let e = check_positive("gd", "step", -1.0).unwrap_err();
        assert_eq!(
            e.to_string(),
            "gd: invalid parameter `step` = -1: must be finite and > 0"
        );
        assert!(check_nonnegative("lbfgs", "gradient_tolerance", f64::NAN).is_err());
        assert!(check_nonnegative("lbfgs", "gradient_tolerance", 0.0).is_ok());
        assert!(check_open_unit("gd", "shrink", 1.0).is_err());
        assert!(check_open_unit("gd", "shrink", 0.5).is_ok());
    }
}

//! The error type of gradus-oracle.

use thiserror::Error;

/// Everything that can go wrong when building a problem, checking a parameter or running a solver.
///
/// Every variant names what was wrong and where, so a message can be shown to a user as it is.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum OracleError {
    /// A parameter is outside its range.
    #[error("invalid parameter `{name}` = {value}: {reason}")]
    InvalidParameter {
        /// The parameter's name as the user writes it.
        name: &'static str,
        /// Its value, formatted.
        value: String,
        /// What the value must be.
        reason: &'static str,
    },
    /// Two sizes that must agree do not.
    #[error("dimension mismatch in {what}: expected {expected}, got {got}")]
    DimensionMismatch {
        /// What was being checked.
        what: &'static str,
        /// The size that was needed.
        expected: usize,
        /// The size that was given.
        got: usize,
    },
    /// A value that must be finite is NaN or infinite.
    #[error("non-finite value {value} in {what} at index {index}")]
    NonFinite {
        /// Which input.
        what: &'static str,
        /// The flat index (row-major for matrices, the position in the stored values for CSR).
        index: usize,
        /// The offending value.
        value: f64,
    },
    /// An input that must not be empty is.
    #[error("{what} is empty")]
    Empty {
        /// Which input.
        what: &'static str,
    },
    /// A CSR matrix whose arrays are inconsistent.
    #[error("malformed CSR matrix: {reason} (at position {position})")]
    MalformedCsr {
        /// What is inconsistent.
        reason: &'static str,
        /// Where in `indptr` or `indices`.
        position: usize,
    },
    /// The problem does not have a property the solver needs.
    #[error("{solver} cannot solve this problem: {reason}")]
    Unsupported {
        /// The solver's name.
        solver: &'static str,
        /// Why.
        reason: String,
    },
    /// Writing a trace or a result failed.
    #[error("cannot write {path}: {message}")]
    Io {
        /// The file.
        path: String,
        /// The underlying error, formatted.
        message: String,
    },
}

/// `Result` with [`OracleError`].
pub type Result<T> = std::result::Result<T, OracleError>;

/// Checks that a named parameter is finite and strictly positive.
pub fn check_positive(name: &'static str, value: f64) -> Result<()> {
    if value.is_finite() && value > 0.0 {
        Ok(())
    } else {
        Err(OracleError::InvalidParameter {
            name,
            value: format!("{value}"),
            reason: "must be finite and > 0",
        })
    }
}

/// Checks that a named parameter is finite and non-negative.
pub fn check_nonnegative(name: &'static str, value: f64) -> Result<()> {
    if value.is_finite() && value >= 0.0 {
        Ok(())
    } else {
        Err(OracleError::InvalidParameter {
            name,
            value: format!("{value}"),
            reason: "must be finite and >= 0",
        })
    }
}

/// Checks that a vector has the dimension a problem expects.
pub fn check_dim(what: &'static str, expected: usize, got: usize) -> Result<()> {
    if expected == got {
        Ok(())
    } else {
        Err(OracleError::DimensionMismatch { what, expected, got })
    }
}

/// Checks that every value is finite, naming the first that is not.
pub fn check_finite<'a>(what: &'static str, values: impl IntoIterator<Item = &'a f64>) -> Result<()> {
    for (index, &value) in values.into_iter().enumerate() {
        if !value.is_finite() {
            return Err(OracleError::NonFinite { what, index, value });
        }
    }
    Ok(())
}

//! The crate's error type: every bad input is a typed error, never a panic.

use thiserror::Error;

/// What can go wrong in `gradus-nonsmooth`.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum NonsmoothError {
    /// A parameter is out of its range.
    #[error("invalid parameter `{name}` = {value}: {reason}")]
    InvalidParameter {
        /// The parameter's name (δ is `delta`, ε is `epsilon`, …).
        name: &'static str,
        /// Its value, formatted.
        value: String,
        /// The allowed range.
        reason: &'static str,
    },
    /// A vector or matrix does not have the dimension the problem expects.
    #[error("dimension mismatch for {what}: expected {expected}, got {got}")]
    DimensionMismatch {
        /// What was checked.
        what: &'static str,
        /// The expected size.
        expected: usize,
        /// The size received.
        got: usize,
    },
    /// An input contains NaN or an infinite value.
    #[error("{what}: entry {index} is not finite ({value})")]
    NonFinite {
        /// What was checked.
        what: &'static str,
        /// The first offending index.
        index: usize,
        /// Its value.
        value: f64,
    },
    /// An input is empty.
    #[error("{what} is empty")]
    Empty {
        /// What was empty.
        what: &'static str,
    },
    /// The shared solve loop reported an error.
    #[error(transparent)]
    Oracle(#[from] gradus_oracle::OracleError),
}

/// `Result` with [`NonsmoothError`].
pub type Result<T> = std::result::Result<T, NonsmoothError>;

fn invalid(name: &'static str, value: f64, reason: &'static str) -> NonsmoothError {
    NonsmoothError::InvalidParameter {
        name,
        value: format!("{value}"),
        reason,
    }
}

/// Checks that a named parameter is finite and > 0.
pub fn check_positive(name: &'static str, value: f64) -> Result<()> {
    if value.is_finite() && value > 0.0 {
        Ok(())
    } else {
        Err(invalid(name, value, "must be finite and > 0"))
    }
}

/// Checks that a named parameter is finite and ≥ 0.
pub fn check_nonnegative(name: &'static str, value: f64) -> Result<()> {
    if value.is_finite() && value >= 0.0 {
        Ok(())
    } else {
        Err(invalid(name, value, "must be finite and >= 0"))
    }
}

/// Checks that a momentum-type parameter lies in [0, 1).
pub fn check_unit_interval(name: &'static str, value: f64) -> Result<()> {
    if (0.0..1.0).contains(&value) {
        Ok(())
    } else {
        Err(invalid(name, value, "must lie in [0, 1)"))
    }
}

/// Checks that a count is ≥ 1.
pub fn check_count(name: &'static str, value: usize) -> Result<()> {
    if value >= 1 {
        Ok(())
    } else {
        Err(NonsmoothError::InvalidParameter {
            name,
            value: "0".into(),
            reason: "must be >= 1",
        })
    }
}

/// Checks that a vector has the expected dimension.
pub fn check_dim(what: &'static str, expected: usize, got: usize) -> Result<()> {
    if expected == got {
        Ok(())
    } else {
        Err(NonsmoothError::DimensionMismatch { what, expected, got })
    }
}

/// Checks that every value is finite.
pub fn check_finite<'a>(what: &'static str, values: impl IntoIterator<Item = &'a f64>) -> Result<()> {
    for (index, &value) in values.into_iter().enumerate() {
        if !value.is_finite() {
            return Err(NonsmoothError::NonFinite { what, index, value });
        }
    }
    Ok(())
}

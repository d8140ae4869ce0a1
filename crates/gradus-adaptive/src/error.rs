//! The crate's error type: every bad input is a typed error, never a panic.

use thiserror::Error;

/// What can go wrong in `gradus-adaptive`.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum AdaptiveError {
    /// A parameter is out of its range.
    #[error("invalid parameter `{name}` = {value}: {reason}")]
    InvalidParameter {
        /// The parameter's name (`lr`, `beta`, `eps`, …).
        name: &'static str,
        /// Its value, formatted.
        value: String,
        /// The allowed range.
        reason: &'static str,
    },
    /// An entry of a schedule is out of its range.
    #[error("invalid entry {index} of `{name}` = {value}: {reason}")]
    InvalidEntry {
        /// The schedule's name.
        name: &'static str,
        /// The first offending index.
        index: usize,
        /// Its value.
        value: f64,
        /// The allowed range.
        reason: &'static str,
    },
    /// An input is empty.
    #[error("{what} is empty")]
    Empty {
        /// What was empty.
        what: &'static str,
    },
    /// The shared base (a runner or the solve loop) reported an error.
    #[error(transparent)]
    Oracle(#[from] gradus_oracle::OracleError),
}

/// `Result` with [`AdaptiveError`].
pub type Result<T> = std::result::Result<T, AdaptiveError>;

fn invalid(name: &'static str, value: f64, reason: &'static str) -> AdaptiveError {
    AdaptiveError::InvalidParameter {
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

/// Checks that a decay-type parameter (momentum, β) lies in [0, 1).
pub fn check_unit_interval(name: &'static str, value: f64) -> Result<()> {
    if (0.0..1.0).contains(&value) {
        Ok(())
    } else {
        Err(invalid(name, value, "must lie in [0, 1)"))
    }
}

/// Checks that a step-decay factor lies in (0, 1].
pub fn check_decay_factor(name: &'static str, value: f64) -> Result<()> {
    if value > 0.0 && value <= 1.0 {
        Ok(())
    } else {
        Err(invalid(name, value, "must lie in (0, 1]"))
    }
}

/// Checks that a schedule is non-empty and every entry is finite and > 0, naming the first that is not.
pub fn check_positive_entries(name: &'static str, values: &[f64]) -> Result<()> {
    if values.is_empty() {
        return Err(AdaptiveError::Empty { what: name });
    }
    match values.iter().position(|v| !(v.is_finite() && *v > 0.0)) {
        None => Ok(()),
        Some(index) => Err(AdaptiveError::InvalidEntry {
            name,
            index,
            value: values[index],
            reason: "must be finite and > 0",
        }),
    }
}

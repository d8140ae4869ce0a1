//! The error type of gradus-qning.

use gradus_classic::ClassicError;
use gradus_oracle::OracleError;
use thiserror::Error;

/// Everything that can go wrong when configuring or starting a solver of this crate.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum QningError {
    /// A parameter is outside its range.
    #[error("{solver}: invalid parameter `{name}` = {value}: {reason}")]
    InvalidParameter {
        /// The solver (`svrg`, `saga`, `miso`, `ista`, `fista`, `catalyst`, `qning`, …).
        solver: &'static str,
        /// The parameter's name, as its builder method is called.
        name: &'static str,
        /// Its value, formatted.
        value: String,
        /// What the value must be.
        reason: &'static str,
    },
    /// The problem lacks a property the solver needs (e.g. MISO needs λ₂ > 0).
    #[error("{solver} cannot solve this problem: {reason}")]
    Unsupported {
        /// The solver.
        solver: &'static str,
        /// Why, and what to do instead.
        reason: String,
    },
    /// The starting point has the wrong length or a non-finite entry.
    #[error("{solver}: bad starting point: {reason}")]
    BadStart {
        /// The solver.
        solver: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// A gradient table (SAGA, MISO on the generic path) would exceed the memory limit
    /// ([`crate::finite_sum::TABLE_LIMIT`] doubles).
    #[error(
        "{solver}: its table of n·d = {n}·{d} gradients ({needed} doubles with copies) exceeds the limit of {limit} \
         doubles; use svrg, qning-svrg or qning-ista (no table), or a LinearModel (one scalar per sample)"
    )]
    MemoryLimit {
        /// The solver.
        solver: &'static str,
        /// n, the number of components.
        n: usize,
        /// d, the dimension.
        d: usize,
        /// The doubles needed.
        needed: usize,
        /// The limit.
        limit: usize,
    },
    /// An unknown solver name.
    #[error("unknown solver `{name}`: choose one of {known}")]
    UnknownSolver {
        /// The name given.
        name: String,
        /// The accepted names, comma-separated.
        known: String,
    },
    /// An error of the shared base.
    #[error(transparent)]
    Oracle(#[from] OracleError),
    /// An error of a classic solver (L-BFGS baseline, Newton certificate).
    #[error(transparent)]
    Classic(#[from] ClassicError),
}

/// `Result` with [`QningError`].
pub type Result<T> = std::result::Result<T, QningError>;

/// An [`QningError::InvalidParameter`].
pub(crate) fn invalid(
    solver: &'static str,
    name: &'static str,
    value: impl std::fmt::Display,
    reason: &'static str,
) -> QningError {
    QningError::InvalidParameter {
        solver,
        name,
        value: value.to_string(),
        reason,
    }
}

/// Checks x₀: length d and finite entries.
pub(crate) fn check_start(solver: &'static str, dim: usize, x0: ndarray::ArrayView1<f64>) -> Result<()> {
    if x0.len() != dim {
        return Err(QningError::BadStart {
            solver,
            reason: format!("length {} but the problem has dimension {dim}", x0.len()),
        });
    }
    if let Some(i) = x0.iter().position(|v| !v.is_finite()) {
        return Err(QningError::BadStart {
            solver,
            reason: format!("x0[{i}] = {} is not finite", x0[i]),
        });
    }
    Ok(())
}

/// The linear-model fast path applies λ₂ (and λ₁) to every coordinate and its duality gap assumes no intercept, so
/// a model built by [`gradus_oracle::LinearModel::with_intercept`] is refused; the generic path
/// ([`crate::solve_finite_sum`]) takes it, since the model's own gradient leaves the intercept unpenalized.
pub(crate) fn check_no_intercept(solver: &'static str, model: &gradus_oracle::LinearModel) -> Result<()> {
    if model.has_intercept() {
        return Err(QningError::Unsupported {
            solver,
            reason: "the model has an unpenalized intercept, which the linear-model fast path would penalize; solve \
                     it with gradus_qning::solve_finite_sum (the generic path) or a gradus-classic solver"
                .into(),
        });
    }
    Ok(())
}

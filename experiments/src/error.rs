//! Errors of the experiment runner.

use std::path::Path;

use thiserror::Error;

/// What can stop an experiment.
#[derive(Debug, Error)]
pub enum ExpError {
    /// A file could not be written or read.
    #[error("{path}: {message}")]
    Io {
        /// The file.
        path: String,
        /// The error.
        message: String,
    },
    /// A solver or problem reported an error.
    #[error(transparent)]
    Oracle(#[from] gradus_oracle::OracleError),
    /// A classic solver reported an error.
    #[error(transparent)]
    Classic(#[from] gradus_classic::ClassicError),
    /// A stochastic optimizer of gradus-adaptive reported an error.
    #[error(transparent)]
    Adaptive(#[from] gradus_adaptive::AdaptiveError),
    /// Reading or generating data failed.
    #[error(transparent)]
    Data(#[from] gradus_data::DataError),
    /// Anything else, with a message.
    #[error("{0}")]
    Other(String),
}

impl ExpError {
    /// An I/O error on `path`.
    pub fn io(path: &Path, e: impl std::fmt::Display) -> Self {
        ExpError::Io {
            path: path.display().to_string(),
            message: e.to_string(),
        }
    }
}

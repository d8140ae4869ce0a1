//! The `gradus` command-line tool's subcommands.

pub mod decentral;
pub mod fit;
pub mod fit_sharded;
pub mod input;
pub mod inspect;
pub mod model_file;
pub mod pipe;
pub mod predict;
pub mod score;
pub mod shard;

use thiserror::Error;

/// Everything the CLI reports as bad input (exit status 2).
#[derive(Debug, Error)]
pub enum CliError {
    /// Reading data failed (the message names the file, line, column or element).
    #[error(transparent)]
    Data(#[from] gradus_data::DataError),
    /// A problem or parameter was rejected (the message names it and its value).
    #[error(transparent)]
    Oracle(#[from] gradus_oracle::OracleError),
    /// A classic solver rejected its parameters or the problem.
    #[error(transparent)]
    Classic(#[from] gradus_classic::ClassicError),
    /// An argument is invalid.
    #[error("{0}")]
    Usage(String),
    /// Another process of an MPI run found bad input (it prints the message); this one stops too.
    #[error("process {rank} stops: another process found bad input (its message names it)")]
    OtherProcess {
        /// This process's rank.
        rank: usize,
    },
    /// Bad input whose message this process has already printed (an MPI run's agreement step prints it before
    /// the processes stop together).
    #[error("bad input (reported above)")]
    Reported,
}

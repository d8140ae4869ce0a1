//! `gradus`: inspect data files, fit linear models, and predict and score with the saved models from the command
//! line.
//!
//! Exit status: 0 on success, 2 for bad input (the message names the file, line, column or parameter); `gradus fit`
//! also exits 3 when it stopped short of `--tol`; `gradus fit` and `gradus decentral` exit 4 when the run diverged (see
//! `gradus fit --help`).

mod cli;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(
    name = "gradus",
    version,
    about = "First-order optimization: inspect data, fit linear models"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Size, sparsity, labels and row-norm spread of a data file.
    Inspect(cli::inspect::InspectArgs),
    /// Fit a regularized linear model to a certified tolerance.
    Fit(cli::fit::FitArgs),
    /// Predict labels or class probabilities with a model saved by `fit --model-out`.
    Predict(cli::predict::PredictArgs),
    /// Accuracy and log-loss (or MSE and R²) of a model saved by `fit --model-out` on labelled data.
    Score(cli::score::ScoreArgs),
    /// Solve a linear model split over the nodes of a network with a decentralized method (simulator, or MPI
    /// processes under mpirun).
    Decentral(cli::decentral::DecentralArgs),
}

fn main() -> ExitCode {
    cli::pipe::end_quietly_on_closed_pipe();
    let parsed = Cli::parse();
    let result = match &parsed.command {
        Command::Inspect(a) => cli::inspect::inspect(a).map(|()| ExitCode::SUCCESS),
        Command::Fit(a) => cli::fit::fit(a),
        Command::Predict(a) => cli::predict::predict(a).map(|()| ExitCode::SUCCESS),
        Command::Score(a) => cli::score::score(a).map(|()| ExitCode::SUCCESS),
        Command::Decentral(a) => cli::decentral::decentral(a),
    };
    match result {
        Ok(code) => code,
        Err(cli::CliError::Reported) => ExitCode::from(2),
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

//! # gradus-experiments
//!
//! Reproduces the experiments of the papers gradus implements, following the contract of `design.md` §4: under
//! `DIR/<experiment>/`, one long-format CSV and one SVG per figure and a `summary.json` of claims computed from
//! the runs; `all` adds `DIR/REPORT.md`. The binary (`src/main.rs`) is the command line; this library holds the
//! harness ([`harness`]), figures ([`plot`]), helpers ([`util`]) and one module per experiment.
#![deny(missing_docs)]

pub mod classic;
pub mod error;
pub mod harness;
pub mod plot;
pub mod util;

use harness::Experiment;

/// Every experiment, in the order `all` runs them.
pub const EXPERIMENTS: &[Experiment] = &[Experiment {
    name: "classic",
    about: "GD, Nesterov AGD and L-BFGS on quadratics (κ up to 1e4) and on L2-logistic regression",
    run: classic::run,
}];

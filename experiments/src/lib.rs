//! # gradus-experiments
//!
//! Reproduces the experiments of the papers gradus implements, following the contract of `design.md` §4: under
//! `DIR/<experiment>/`, one long-format CSV and one SVG per figure and a `summary.json` of claims computed from
//! the runs; `all` adds `DIR/REPORT.md`. The binary (`src/main.rs`) is the command line; this library holds the
//! harness ([`harness`]), figures ([`plot`]), helpers ([`util`]) and one module per experiment.
#![deny(missing_docs)]

pub mod adaptive;
pub mod classic;
pub mod error;
pub mod harness;
pub mod ideal;
pub mod ingd;
pub mod plot;
pub mod qning;
pub mod seg_rr;
pub mod util;

use harness::Experiment;

/// Every experiment, in the order `all` runs them.
pub const EXPERIMENTS: &[Experiment] = &[
    Experiment {
        name: "classic",
        about: "GD, Nesterov AGD and L-BFGS on quadratics (κ up to 1e4) and on L2-logistic regression",
        run: classic::run,
    },
    Experiment {
        name: "seg-rr",
        about: "SEG with random reshuffling vs with-replacement SEG, shuffle once and incremental EG on games",
        run: seg_rr::run,
    },
    Experiment {
        name: "qning",
        about: "SVRG, Catalyst and QNing on Fashion-MNIST (logistic, elastic net), the ISTA family, index-free SVRG",
        run: qning::run,
    },
    Experiment {
        name: "ideal",
        about: "IDEAL/MIDEAL vs EXTRA, NIDS, DIGing, SSDA, MSDA, APM-C on networks (EXP-I2, EXP-I3)",
        run: ideal::run,
    },
    Experiment {
        name: "ingd",
        about: "INGD, MinNorm-INGD, gradient sampling, subgradient, NGD to certified (δ,ε)-stationary points on toys; S-INGD vs SGD-m vs Adam on Fashion-MNIST",
        run: ingd::run_experiment,
    },
    Experiment {
        name: "adaptive",
        about: "SGD vs noise-adaptive steps, AdapSGD and RMSProp under non-stationary noise; gradient noise and SGD-m/AdapSGD/Adam on Fashion-MNIST",
        run: adaptive::run_experiment,
    },
];

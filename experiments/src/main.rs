//! `gradus-experiments`: reproduces the experiments of the papers gradus implements.
//!
//! ```text
//! cargo run --release -- <experiment>|all|list [--quick] [--out DIR] [--seed S] [--threads T] [--check]
//! ```
//! Each experiment writes its CSVs, SVGs and `summary.json` to `DIR/<experiment>/`; `all` also writes
//! `DIR/REPORT.md`. Exit status: 0 when the runs finished (even if a claim does not hold), 1 when a run failed or
//! (with `--check`) a gated claim does not hold or an experiment was skipped, 2 for bad command-line input.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;

use gradus_experiments::EXPERIMENTS;
use gradus_experiments::harness::{self, Experiment, Ran};

#[derive(Parser, Debug)]
#[command(
    name = "gradus-experiments",
    version,
    about = "Reproduce the experiments of the papers gradus implements"
)]
struct Cli {
    /// An experiment's name, `all` (every experiment, then REPORT.md), or `list`.
    experiment: String,
    /// CI size: seconds per experiment instead of the paper's size.
    #[arg(long)]
    quick: bool,
    /// Output directory.
    #[arg(long, default_value = "results")]
    out: PathBuf,
    /// Base random seed.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Worker threads (default: every core). Results do not depend on it.
    #[arg(long)]
    threads: Option<usize>,
    /// Exit non-zero when a gated claim does not hold or an experiment is skipped.
    #[arg(long)]
    check: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if cli.experiment == "list" {
        for e in EXPERIMENTS {
            println!("{:12} {}", e.name, e.about);
        }
        return ExitCode::SUCCESS;
    }
    if let Some(t) = cli.threads {
        if t == 0 {
            eprintln!("error: --threads must be >= 1 (got 0)");
            return ExitCode::from(2);
        }
        if let Err(e) = rayon::ThreadPoolBuilder::new().num_threads(t).build_global() {
            eprintln!("error: cannot set up {t} threads: {e}");
            return ExitCode::from(2);
        }
    }
    let selected: Vec<&Experiment> = if cli.experiment == "all" {
        EXPERIMENTS.iter().collect()
    } else {
        match EXPERIMENTS.iter().find(|e| e.name == cli.experiment) {
            Some(e) => vec![e],
            None => {
                let names: Vec<&str> = EXPERIMENTS.iter().map(|e| e.name).collect();
                eprintln!(
                    "error: unknown experiment `{}`; choose one of: all, list, {}",
                    cli.experiment,
                    names.join(", ")
                );
                return ExitCode::from(2);
            }
        }
    };
    let mut runs: Vec<Ran> = Vec::new();
    for e in selected {
        eprintln!("running {} ({})", e.name, if cli.quick { "quick" } else { "full" });
        match harness::run_experiment(e, &cli.out, cli.quick, cli.seed) {
            Ok(ran) => {
                harness::print_summary(&ran);
                runs.push(ran);
            }
            Err(err) => {
                eprintln!("error: experiment {} failed: {err}", e.name);
                return ExitCode::from(1);
            }
        }
    }
    if cli.experiment == "all" {
        match harness::write_report(&cli.out, &runs, cli.quick, cli.seed) {
            Ok(p) => println!("report: {}", p.display()),
            Err(err) => {
                eprintln!("error: {err}");
                return ExitCode::from(1);
            }
        }
    }
    if cli.check && !harness::passes_check(&runs) {
        eprintln!("check failed: a gated claim does not hold, or an experiment was skipped");
        return ExitCode::from(1);
    }
    ExitCode::SUCCESS
}

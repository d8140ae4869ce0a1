//! `gradus fit`: a regularized linear model, solved to a certified tolerance.
//!
//! Objective: F(w) = (1/n) Σᵢ φ(aᵢᵀw; yᵢ) + (λ₂/2)‖w‖² + λ₁‖w‖₁ (scikit-learn's `C` is 1/(λ₂ n)); with
//! `--fit-intercept` the margins are aᵢᵀw + b, b unpenalized ([`LinearModel::with_intercept`]); with more than two
//! classes (or `--loss multinomial`) the softmax model [`Multinomial`], or K one-vs-rest fits (`--multiclass ovr`).
//! The labels' distinct values, sorted, are the classes; `--model-out` saves them with the weights
//! ([`super::model_file`]). docs/cli.md has the rules in tables.
//!
//! Budget: the shared loop checks `--max-epochs` before each iteration, so a run ends at the first iteration
//! boundary at or past the budget: passes ∈ [E, E + one iteration's passes + one gap check). `--tol 0` asks for
//! the whole budget (exit status 0 when it ends there); `--max-epochs 0` returns the start.
//! Solver: `auto` by default, which picks one of the others from the data's shape, sparsity and regularization
//! ([`choose_solver`]) and says which and why in one line on stderr.
//!
//! Stopping: for gd, agd, lbfgs, lbfgs-precond and newton, when λ₂ > 0, at the first iterate whose **certified** relative
//! suboptimality (r²/2λ₂)/(F − r²/2λ₂), with r = dist(0, ∂F(w)), is ≤ `--tol`; when λ₂ = 0, when r ≤ `--tol`. For
//! gradus-qning's solvers (ista … qning-miso), when the relative duality gap gap(w)/F(w) is ≤ `--tol`, checked every
//! `--gap-every` iterations (`--verbose` logs each check). A check costs one pass over the data (two for the
//! lasso), so by default (see [`default_gap_every`]) it is made every 2 outer iterations of catalyst-* and qning-*
//! (each is 2–3 passes), every 5 epochs of svrg (an epoch is 2 passes) and every 10 iterations of ista, fista, saga
//! and miso (≈ 1 pass each; Cyanure's default interval is also 10): about one check per 4–10 passes of work.
//!
//! Exit status ([`EXIT_STATUSES`], also in `gradus fit --help`): 0 when the fit reached `--tol`; 2 for bad input;
//! 3 when it stopped short of `--tol` (pass budget, or no further progress), with one warning line on stderr saying
//! so and what to try; 4 when it diverged (a non-finite value, or an objective that grew above its value at the
//! start), with a warning line too, the weights written being the best iterate seen (never worse than the start).
//! The duality-gap checks of the gradus-qning solvers are part of their stopping rule, so their passes are counted
//! in `passes` and in the `--max-epochs` budget (as Cyanure counts its evaluations).
//!
//! `--sampling` chooses how svrg, saga, miso and their catalyst-/qning- variants visit the samples; with
//! `shuffle-once` the loaded rows are permuted once (`LinearModel::shuffle_rows(--seed)`) and every epoch visits
//! them in storage order (`Sampling::Cyclic`: shuffle-once SVRG/SAGA/MISO, which streams through memory). The
//! objective is a mean over the samples, so the weights do not depend on the row order. The default, `auto`, is
//! shuffle-once for catalyst-svrg and qning-svrg on a linear model ([`resolved_sampling`] says why) and each
//! solver's own rule otherwise. Any value other than `auto` is rejected (exit status 2) for the other solvers, and
//! `importance` for saga and miso.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use gradus_classic::{AgdParams, GdParams, LbfgsParams, NewtonParams, PreconditionedLbfgsParams};
use gradus_data::npy::{write_npy_matrix, write_npy_vector};
use gradus_oracle::{
    Design, FiniteSum, LinearModel, Loss, Multinomial, Objective, ObjectiveMonitor, Observer, Report, RunConfig,
    Status, Stop, TraceRow,
};
use gradus_qning::auto::{Accelerator, InnerKind};
use gradus_qning::{
    DualityGapMonitor, NamedOptions, QningError, Sampling, choose_solver, solve_finite_sum, solve_named,
};
use indicatif::{ProgressBar, ProgressStyle};
use ndarray::{Array1, Array2};

use super::CliError;
use super::input::load;
use super::model_file::{FORMAT, Kind, SavedModel, VERSION};

/// The losses on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum LossArg {
    /// log(1 + exp(−y aᵀw)), labels mapped to ±1.
    Logistic,
    /// ½(aᵀw − y)².
    Squared,
    /// ½ max(0, 1 − y aᵀw)², labels mapped to ±1.
    SquaredHinge,
}

impl LossArg {
    /// The loss of gradus-oracle.
    pub fn loss(self) -> Loss {
        match self {
            LossArg::Logistic => Loss::Logistic,
            LossArg::Squared => Loss::Squared,
            LossArg::SquaredHinge => Loss::SquaredHinge,
        }
    }
}

/// The losses of `gradus fit` (those of [`LossArg`] and the multinomial one).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FitLossArg {
    /// log(1 + exp(−y aᵀw)) with two classes (mapped to ±1); multinomial with more (see --multiclass).
    Logistic,
    /// ½(aᵀw − y)², real targets.
    Squared,
    /// ½ max(0, 1 − y aᵀw)² with two classes (mapped to ±1); one-vs-rest with more.
    SquaredHinge,
    /// Softmax cross-entropy over K ≥ 2 classes, a d × K weight matrix (gradus_oracle::Multinomial).
    Multinomial,
}

impl FitLossArg {
    /// The loss of a linear model (`None` for the multinomial loss).
    pub fn linear(self) -> Option<Loss> {
        match self {
            FitLossArg::Logistic => Some(Loss::Logistic),
            FitLossArg::Squared => Some(Loss::Squared),
            FitLossArg::SquaredHinge => Some(Loss::SquaredHinge),
            FitLossArg::Multinomial => None,
        }
    }

    /// The value as written on the command line.
    pub fn name(self) -> &'static str {
        match self {
            FitLossArg::Logistic => "logistic",
            FitLossArg::Squared => "squared",
            FitLossArg::SquaredHinge => "squared-hinge",
            FitLossArg::Multinomial => "multinomial",
        }
    }
}

/// How `gradus fit` treats labels with more than two classes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MulticlassArg {
    /// Multinomial for the logistic loss, one-vs-rest for the squared hinge (two classes: binary).
    Auto,
    /// One softmax model over all classes (logistic loss; also with two classes).
    Multinomial,
    /// One binary model per class against the rest (logistic or squared-hinge loss).
    Ovr,
}

/// The classic solvers that fit an unpenalized intercept (`--fit-intercept`); every gradus-qning solver name runs
/// too, on gradus-qning's generic finite-sum path ([`gradus_qning::solve_finite_sum`]), which leaves b unpenalized.
pub const INTERCEPT_SOLVERS: &[&str] = &["auto", "gd", "agd", "lbfgs", "lbfgs-precond", "newton"];
/// The classic solvers of the multinomial loss (`auto` is lbfgs); every gradus-qning solver name runs too, on the
/// generic finite-sum path.
pub const MULTINOMIAL_SOLVERS: &[&str] = &["auto", "gd", "agd", "lbfgs"];

/// Whether `--solver` can fit an intercept model or the multinomial loss (`classic`: the list above for it).
fn runs_generic_or(classic: &[&str], solver: &str) -> bool {
    classic.contains(&solver) || is_qning_solver(solver)
}

/// How the incremental solvers (svrg, saga, miso and their catalyst-/qning- variants) visit the samples.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SamplingArg {
    /// shuffle-once for catalyst-svrg and qning-svrg on a linear model (binary, regression or one-vs-rest;
    /// [`resolved_sampling`]); otherwise each solver's default: uniform for saga and miso, and for svrg
    /// importance sampling when mean Lᵢ ≤ 0.9 max Lᵢ, else uniform.
    Auto,
    /// i.i.d. uniform draws.
    Uniform,
    /// Draws ∝ Lᵢ with reweighted steps (svrg and its variants only).
    Importance,
    /// Shuffle the loaded rows once with --seed, then visit them in that order every epoch (shuffle-once
    /// SVRG/SAGA/MISO: each epoch streams through memory).
    ShuffleOnce,
}

impl SamplingArg {
    /// The solvers' sampling (`ShuffleOnce` is `Cyclic` on the shuffled rows).
    fn sampling(self) -> Sampling {
        match self {
            SamplingArg::Auto => Sampling::Auto,
            SamplingArg::Uniform => Sampling::Uniform,
            SamplingArg::Importance => Sampling::Importance,
            SamplingArg::ShuffleOnce => Sampling::Cyclic,
        }
    }

    /// The value as written on the command line.
    fn name(self) -> String {
        self.to_possible_value()
            .map_or_else(String::new, |v| v.get_name().to_string())
    }
}

/// `--sampling` as a linear model's run uses it: `auto` becomes `shuffle-once` when the solver (`auto`'s choice
/// included) is catalyst-svrg or qning-svrg, and stays `auto` (each solver's own rule) otherwise.
///
/// Why (docs/qning.md, "Shuffle-once"): on the peer data qning-svrg needs 24 passes to a relative gap of 1e-6 with
/// uniform or shuffle-once sampling and 36 with the importance sampling of the solvers' own rule, and a
/// shuffle-once epoch streams through memory (≈ 2.5 matvec passes dense against ≈ 4.3 for random rows). Theory:
/// G. Malinovsky, A. Sailanbayev, P. Richtárik, *Random reshuffling with variance reduction: new analysis and
/// better rates*, UAI 2023. Plain svrg keeps its own rule: at its step it needs 1.3–1.8× the passes with
/// shuffle-once, and saga's and miso's shuffle-once pass counts are not measured.
fn resolved_sampling(a: &FitArgs, model: &LinearModel) -> SamplingArg {
    if a.sampling != SamplingArg::Auto {
        return a.sampling;
    }
    match gradus_qning::auto::parse(run_solver_name(a, model)) {
        Ok((Accelerator::Catalyst | Accelerator::Qning, InnerKind::Svrg)) => SamplingArg::ShuffleOnce,
        _ => SamplingArg::Auto,
    }
}

/// Whether the solver of the run (`auto` resolved) reads the rows in random order: svrg, saga or miso, alone or
/// inside catalyst-/qning-, unless `--sampling shuffle-once`. A mapped NPY file (`input::load`) has 4 KiB pages,
/// which a streaming pass pays little for but random row reads do (qning-svrg on the peer data: 2.4 s instead of
/// 1.9 s on 2 threads), so those runs copy the values onto huge pages first ([`LinearModel::own_values`]); the
/// shuffle-once permutation copies them anyway.
fn reads_rows_at_random(a: &FitArgs, model: &LinearModel) -> bool {
    sampled_inner(run_solver_name(a, model)).is_some() && a.sampling != SamplingArg::ShuffleOnce
}

/// The solver a linear model's run uses: `--solver`, or `auto`'s choice ([`choose_solver`]).
fn run_solver_name<'a>(a: &'a FitArgs, model: &LinearModel) -> &'a str {
    if a.solver == "auto" {
        choose_solver(model).0
    } else {
        a.solver.as_str()
    }
}

/// The inner solver of a name when `--sampling` applies to it: svrg, saga or miso, alone or inside catalyst-/qning-.
fn sampled_inner(solver: &str) -> Option<InnerKind> {
    match gradus_qning::auto::parse(solver) {
        Ok((_, kind @ (InnerKind::Svrg | InnerKind::Saga | InnerKind::Miso))) => Some(kind),
        _ => None,
    }
}

/// The classic solvers `--solver` accepts (stopped on the certified suboptimality bound); the others are
/// gradus-qning's [`gradus_qning::SOLVER_NAMES`] (stopped on the certified relative duality gap).
pub const CLASSIC_SOLVERS: &[&str] = &["gd", "agd", "lbfgs", "lbfgs-precond", "newton"];

/// Every name `--solver` accepts.
fn solver_names() -> impl Iterator<Item = &'static str> {
    CLASSIC_SOLVERS.iter().chain(gradus_qning::SOLVER_NAMES).copied()
}

/// Whether a solver name belongs to gradus-qning (stopped on the certified relative duality gap).
fn is_qning_solver(name: &str) -> bool {
    gradus_qning::SOLVER_NAMES.contains(&name)
}

/// Iterations between two duality-gap checks of a gradus-qning solver (after `auto` has resolved its choice):
/// about one check per 10 passes of solver work for the plain inner solvers, one per 4–6 passes for the
/// accelerators. On the peer data (n = 100000, d = 200) qning-svrg checked every 2 outer iterations instead of
/// every one made 36 passes instead of 34 and took 1.73 s instead of 1.8–2.2 s of wall time.
pub fn default_gap_every(resolved: &str) -> u64 {
    match resolved {
        "svrg" => 5,
        "ista" | "fista" | "saga" | "miso" => 10,
        _ => 2,
    }
}

/// The exit statuses of `gradus fit`, as printed by `gradus fit --help`.
pub const EXIT_STATUSES: &str = "Exit status: 0 reached --tol; 2 bad input (the message names the file, line or \
parameter); 3 stopped short of --tol (budget or no progress; one warning line on stderr says what to try); 4 \
diverged (non-finite values or an objective above its start; the best iterate is written).";

/// Exit status: stopped short of `--tol`.
pub const EXIT_NOT_CONVERGED: u8 = 3;
/// Exit status: diverged.
pub const EXIT_DIVERGED: u8 = 4;

/// Arguments of `gradus fit`.
#[derive(Args, Debug, Clone)]
#[command(after_help = EXIT_STATUSES)]
pub struct FitArgs {
    /// Data file: LIBSVM text (plain or gzip), an NPY float matrix, or IDX images (name containing idx/ubyte).
    #[arg(long)]
    pub data: PathBuf,
    /// Labels as an NPY or IDX vector (needed with NPY/IDX data; overrides a LIBSVM file's labels).
    #[arg(long)]
    pub labels: Option<PathBuf>,
    /// The loss: logistic (two classes; more classes are fit as one multinomial model, see --multiclass),
    /// squared (regression), squared-hinge, or multinomial (softmax over K ≥ 2 classes).
    #[arg(long, value_enum, default_value = "logistic")]
    pub loss: FitLossArg,
    /// Fit an unpenalized intercept b (scikit-learn's fit_intercept=True): margins aᵀw + b, λ₂ on w only. Every
    /// solver but plain miso (gradus-qning's on their generic finite-sum path); stops on ‖∇F‖ ≤ --tol
    /// (no strong-convexity certificate holds for b).
    #[arg(long)]
    pub fit_intercept: bool,
    /// More than two classes: auto (multinomial for the logistic loss, one-vs-rest for the squared hinge),
    /// multinomial, or ovr (one binary model per class).
    #[arg(long, value_enum, default_value = "auto")]
    pub multiclass: MulticlassArg,
    /// λ₂ ≥ 0, the L2 weight (scikit-learn's C = 1/(λ₂ n)).
    #[arg(long, default_value_t = 0.0, allow_negative_numbers = true)]
    pub l2: f64,
    /// λ₁ ≥ 0, the L1 weight.
    #[arg(long, default_value_t = 0.0, allow_negative_numbers = true)]
    pub l1: f64,
    /// The solver: auto (the default: picks one of the others from the data, see `choose_solver`, and says which
    /// on stderr), gd, agd, lbfgs, lbfgs-precond (L-BFGS from a sampled Hessian or the Hessian's diagonal, λ₁ =
    /// 0), newton (Newton-Cholesky, λ₁ = 0, d ≤ 2000), ista, fista, svrg, saga, miso,
    /// catalyst-{ista,fista,svrg,saga,miso}, qning-{ista,fista,svrg,saga,miso} (gradus-qning's stop on the
    /// relative duality gap ≤ --tol).
    #[arg(long, default_value = "auto")]
    pub solver: String,
    /// Tolerance on the certified relative suboptimality (on the gradient norm when λ₂ = 0, with
    /// --fit-intercept, or with the multinomial loss and an intercept). 0 runs the whole --max-epochs budget (exit
    /// status 0 when it ends there).
    #[arg(long, default_value_t = 1e-6, allow_negative_numbers = true)]
    pub tol: f64,
    /// Budget in passes over the data (0 returns the start, zero weights). A run stops before the first iteration
    /// that starts at or above the budget, so it ends within one iteration's passes of it (see the module docs).
    #[arg(long, default_value_t = 1000.0, allow_negative_numbers = true)]
    pub max_epochs: f64,
    /// Worker threads (default: every core). Results do not depend on it.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Seed for stochastic solvers (and for the row shuffle of --sampling shuffle-once).
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// How svrg, saga, miso and their catalyst-/qning- variants visit the samples: auto (shuffle-once for
    /// catalyst-svrg and qning-svrg on binary, regression and one-vs-rest fits; otherwise each solver's default),
    /// uniform, importance (svrg only) or shuffle-once (the rows are shuffled once with --seed after loading, then
    /// every epoch visits them in that order). The weights written do not depend on the row order. Other solvers
    /// accept only auto.
    #[arg(long, value_enum, default_value = "auto")]
    pub sampling: SamplingArg,
    /// Write the weights as a float64 NPY vector (with --fit-intercept, b is the last entry; multinomial: W row-major
    /// (d × K) then b; one-vs-rest: a K-row matrix, one row (w, b) per class).
    #[arg(long)]
    pub weights_out: Option<PathBuf>,
    /// Write the fitted model (weights, intercepts, classes, loss, λ, solver) as JSON for `gradus predict` and
    /// `gradus score` (format: docs/cli.md).
    #[arg(long)]
    pub model_out: Option<PathBuf>,
    /// Print the result as one JSON object on stdout instead of the summary line.
    #[arg(long)]
    pub json: bool,
    /// Write the trace as CSV.
    #[arg(long)]
    pub trace_out: Option<PathBuf>,
    /// Iterations between duality-gap checks of the gradus-qning solvers (default: per solver, see the module
    /// docs).
    #[arg(long)]
    pub gap_every: Option<u64>,
    /// Log every recorded iterate to stderr.
    #[arg(long)]
    pub verbose: bool,
    /// Split the samples over this many nodes and run gd, agd or lbfgs on the all-reduced objective; under
    /// `mpirun -n K` each process reads and holds only a block of the nodes (see docs/mpi.md).
    #[arg(long)]
    pub nodes: Option<usize>,
}

fn bad(name: &str, value: impl std::fmt::Display, reason: &str) -> CliError {
    CliError::Usage(format!("invalid --{name} {value}: {reason}"))
}

/// Checks the numeric arguments before any data is read.
fn validate(a: &FitArgs) -> Result<(), CliError> {
    if !solver_names().any(|n| n == a.solver) {
        let names: Vec<&str> = solver_names().collect();
        return Err(bad("solver", &a.solver, &format!("choose one of {}", names.join(", "))));
    }
    if !(a.l2.is_finite() && a.l2 >= 0.0) {
        return Err(bad("l2", a.l2, "must be finite and >= 0"));
    }
    if !(a.l1.is_finite() && a.l1 >= 0.0) {
        return Err(bad("l1", a.l1, "must be finite and >= 0"));
    }
    if !(a.tol.is_finite() && a.tol >= 0.0) {
        return Err(bad("tol", a.tol, "must be finite and >= 0"));
    }
    if !(a.max_epochs.is_finite() && a.max_epochs >= 0.0) {
        return Err(bad("max-epochs", a.max_epochs, "must be finite and >= 0"));
    }
    if a.fit_intercept && !runs_generic_or(INTERCEPT_SOLVERS, &a.solver) {
        return Err(bad(
            "solver",
            &a.solver,
            &format!(
                "--fit-intercept runs with {} and gradus-qning's solvers",
                INTERCEPT_SOLVERS.join(", ")
            ),
        ));
    }
    if a.fit_intercept && a.l1 != 0.0 {
        return Err(bad("l1", a.l1, "--fit-intercept supports --l1 0 only"));
    }
    if a.loss == FitLossArg::Multinomial {
        if !runs_generic_or(MULTINOMIAL_SOLVERS, &a.solver) {
            return Err(bad(
                "solver",
                &a.solver,
                &format!(
                    "the multinomial loss runs with {} and gradus-qning's solvers",
                    MULTINOMIAL_SOLVERS.join(", ")
                ),
            ));
        }
        if a.multiclass == MulticlassArg::Ovr {
            return Err(bad(
                "multiclass",
                "ovr",
                "--loss multinomial is one model over all classes",
            ));
        }
    }
    if a.multiclass != MulticlassArg::Auto && a.loss == FitLossArg::Squared {
        return Err(bad(
            "multiclass",
            format!("{:?}", a.multiclass).to_lowercase(),
            "the squared loss fits real targets",
        ));
    }
    if a.multiclass == MulticlassArg::Multinomial && a.loss == FitLossArg::SquaredHinge {
        return Err(bad(
            "multiclass",
            "multinomial",
            "needs the logistic loss (the squared hinge runs one-vs-rest)",
        ));
    }
    if a.gap_every == Some(0) {
        return Err(bad("gap-every", 0, "must be >= 1"));
    }
    if a.threads == Some(0) {
        return Err(bad("threads", 0, "must be >= 1"));
    }
    if a.sampling != SamplingArg::Auto {
        match sampled_inner(&a.solver) {
            None => {
                return Err(bad(
                    "sampling",
                    a.sampling.name(),
                    &format!(
                        "applies only to svrg, saga, miso and their catalyst-/qning- variants, not to --solver {}",
                        a.solver
                    ),
                ));
            }
            Some(InnerKind::Saga | InnerKind::Miso) if a.sampling == SamplingArg::Importance => {
                return Err(bad(
                    "sampling",
                    a.sampling.name(),
                    &format!(
                        "importance sampling is implemented for svrg only, not for --solver {}",
                        a.solver
                    ),
                ));
            }
            Some(_) => {}
        }
    }
    Ok(())
}

/// A progress bar over passes (on stderr, only when it is a terminal) and the `--verbose` log.
struct Progress {
    bar: Option<ProgressBar>,
    verbose: bool,
    epoch_size: usize,
}

impl Observer for Progress {
    fn observe(&mut self, names: &[String], row: &TraceRow) {
        let passes = row.work.passes(self.epoch_size);
        if let Some(bar) = &self.bar {
            bar.set_position(passes.round() as u64);
            if let Some(v) = row.values.first() {
                bar.set_message(format!("F = {v:.10e}"));
            }
        }
        if self.verbose && names.iter().any(|n| n == "rel_gap") {
            // gradus-qning solvers: one line per duality-gap check.
            let value = |name: &str| names.iter().position(|n| n == name).map_or(f64::NAN, |k| row.values[k]);
            eprintln!(
                "epoch {:9.2} objective {:.12e} rel_gap {:.3e} seconds {:8.3}",
                passes,
                value("objective"),
                value("rel_gap"),
                row.seconds
            );
        } else if self.verbose {
            let metrics: Vec<String> = names
                .iter()
                .zip(&row.values)
                .map(|(n, v)| format!("{n} {v:.6e}"))
                .collect();
            eprintln!(
                "iter {:6} passes {:9.2} seconds {:8.3} {}",
                row.iteration,
                passes,
                row.seconds,
                metrics.join(" ")
            );
        }
    }
}

/// What the labels ask for, decided from `--loss`, `--multiclass` and the distinct label values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Task {
    Regression,
    Binary,
    Multinomial,
    Ovr,
}

/// The distinct values of the labels, sorted.
fn distinct_sorted(y: &Array1<f64>) -> Vec<f64> {
    let mut v = y.to_vec();
    v.sort_by(f64::total_cmp);
    v.dedup();
    v
}

/// The task and the sorted classes (empty for regression). Classification needs at least two classes.
fn task_of(a: &FitArgs, y: &Array1<f64>, source: &Path) -> Result<(Task, Vec<f64>), CliError> {
    if let Some(i) = y.iter().position(|v| !v.is_finite()) {
        return Err(CliError::Usage(format!(
            "{}: label {i} is {}; labels must be finite numbers",
            source.display(),
            y[i]
        )));
    }
    if a.loss == FitLossArg::Squared {
        return Ok((Task::Regression, Vec::new()));
    }
    let classes = distinct_sorted(y);
    if classes.len() < 2 {
        return Err(CliError::Usage(format!(
            "{}: the labels take {} distinct value(s) {:?}; a classifier needs at least 2 classes",
            source.display(),
            classes.len(),
            classes
        )));
    }
    let task = match (a.loss, a.multiclass) {
        (FitLossArg::Multinomial, _) | (FitLossArg::Logistic, MulticlassArg::Multinomial) => Task::Multinomial,
        (_, MulticlassArg::Ovr) => Task::Ovr,
        (FitLossArg::Logistic, MulticlassArg::Auto) if classes.len() > 2 => Task::Multinomial,
        (FitLossArg::SquaredHinge, MulticlassArg::Auto) if classes.len() > 2 => Task::Ovr,
        _ => Task::Binary,
    };
    if task == Task::Multinomial {
        if !runs_generic_or(MULTINOMIAL_SOLVERS, &a.solver) {
            return Err(bad(
                "solver",
                &a.solver,
                &format!(
                    "{} classes are fit with the multinomial loss, which runs with {} and gradus-qning's solvers \
                     (or pass --multiclass ovr)",
                    classes.len(),
                    MULTINOMIAL_SOLVERS.join(", ")
                ),
            ));
        }
        if a.sampling == SamplingArg::ShuffleOnce {
            return Err(bad(
                "sampling",
                "shuffle-once",
                "the multinomial model's rows are not shuffled; use --sampling auto or uniform",
            ));
        }
        if a.l1 != 0.0 {
            return Err(bad(
                "l1",
                a.l1,
                "the multinomial loss supports --l1 0 only (or pass --multiclass ovr)",
            ));
        }
    }
    Ok((task, classes))
}

/// The result of one solver run of `gradus fit`.
struct Fitted {
    report: Report,
    /// The solver that ran (`auto`'s choice).
    solver: &'static str,
    objective: f64,
}

/// The stopping rule of gd, agd, lbfgs and newton: certified relative suboptimality ≤ --tol when the objective is
/// strongly convex, else ‖∇F‖ ≤ --tol.
fn classic_config(a: &FitArgs, problem: &dyn Objective, n: usize) -> RunConfig {
    let stop = Stop::iterations(u64::MAX).with_max_passes(a.max_epochs);
    let stop = if problem.strong_convexity() > 0.0 {
        stop.with_target("rel_subopt_bound", a.tol)
    } else {
        stop.with_target("grad_norm", a.tol)
    };
    RunConfig::new(stop, n)
}

/// The report of a run that was given no budget (`--max-epochs 0`): the start, no work.
fn zero_budget_report(x0: &Array1<f64>) -> Report {
    Report {
        x: x0.clone(),
        status: Status::MaxWork,
        trace: gradus_oracle::Trace::default(),
        work: gradus_oracle::Work::default(),
        iterations: 0,
        seconds: 0.0,
    }
}

/// The progress bar and `--verbose` log of one run.
fn progress(a: &FitArgs, n: usize) -> Progress {
    let bar = std::io::stderr().is_terminal().then(|| {
        let b = ProgressBar::new(a.max_epochs.ceil() as u64);
        b.set_style(
            ProgressStyle::with_template("{spinner} {elapsed:>4} passes {pos}/{len} {msg}").expect("valid template"),
        );
        b
    });
    Progress {
        bar,
        verbose: a.verbose,
        epoch_size: n,
    }
}

/// Solves a linear model (binary, regression, or one class of one-vs-rest) with `--solver`.
fn fit_linear(a: &FitArgs, model: &LinearModel, quiet_auto: bool) -> Result<Fitted, CliError> {
    let n = model.n();
    let x0 = Array1::zeros(model.dim());
    let solver = if a.solver == "auto" {
        // With an intercept λ₁ = 0, so the choice is lbfgs-precond, which fits b (its preconditioner is only a
        // starting matrix; the gradient leaves b unpenalized).
        let (chosen, why) = choose_solver(model);
        if !quiet_auto {
            eprintln!("auto: {chosen} ({why})");
        }
        chosen
    } else {
        solver_names()
            .find(|s| *s == a.solver)
            .expect("validate checked the name")
    };
    let mut observer = progress(a, n);
    let report = if a.max_epochs == 0.0 {
        zero_budget_report(&x0)
    } else if is_qning_solver(solver) && model.has_intercept() {
        // The fast path would penalize b; the generic path uses the model's own gradient, which does not.
        fit_generic(a, model, solver, &mut observer)?
    } else if is_qning_solver(solver) {
        // Certified stopping on the relative duality gap, as Cyanure does.
        let stop = Stop::iterations(u64::MAX)
            .with_max_passes(a.max_epochs)
            .with_target("rel_gap", a.tol);
        let gap_monitor = DualityGapMonitor::new(model);
        let gap_every = a.gap_every.unwrap_or_else(|| default_gap_every(solver));
        let mut options = NamedOptions {
            seed: a.seed,
            // The gap checks decide when to stop: they are part of the method's work.
            check_passes: gap_monitor.passes_per_check(),
            ..NamedOptions::default()
        };
        let sampling = a.sampling.sampling();
        options.svrg.sampling = sampling;
        options.saga.sampling = sampling;
        options.miso.sampling = sampling;
        let (report, _) = solve_named(
            solver,
            model,
            x0.view(),
            &RunConfig::new(stop, n).record_every(gap_every),
            &gap_monitor,
            &mut observer,
            &options,
        )
        .map_err(qning_error)?;
        report
    } else {
        let config = classic_config(a, model, n);
        let monitor = ObjectiveMonitor::new(model);
        let report = if solver == "newton" {
            NewtonParams::new()
                .gradient_tolerance(0.0)
                .solve(model, x0.view(), &config, &monitor, &mut observer)?
        } else if solver == "lbfgs-precond" {
            PreconditionedLbfgsParams::new().solve(model, x0.view(), &config, &monitor, &mut observer)?
        } else {
            run_solver(solver, model, &x0, &config, &monitor, &mut observer)?
        };
        never_worse_than_start(model, &x0, report)
    };
    if let Some(b) = &observer.bar {
        b.finish_and_clear();
    }
    let objective = final_objective(model, &report);
    Ok(Fitted {
        report,
        solver,
        objective,
    })
}

/// Solves the multinomial model with gd, agd, lbfgs (`auto`) or a gradus-qning solver on the generic path.
fn fit_multinomial(a: &FitArgs, model: &Multinomial) -> Result<Fitted, CliError> {
    let n = model.n();
    let x0 = Array1::zeros(model.dim());
    let solver = match a.solver.as_str() {
        "auto" => {
            eprintln!(
                "auto: lbfgs (the multinomial loss: a smooth objective, where lbfgs is the fastest solver measured)"
            );
            "lbfgs"
        }
        name => solver_names().find(|s| *s == name).expect("validate checked the name"),
    };
    let mut observer = progress(a, n);
    let report = if a.max_epochs == 0.0 {
        zero_budget_report(&x0)
    } else if is_qning_solver(solver) {
        fit_generic(a, model, solver, &mut observer)?
    } else {
        let config = classic_config(a, model, n);
        let monitor = ObjectiveMonitor::new(model);
        never_worse_than_start(
            model,
            &x0,
            run_solver(solver, model, &x0, &config, &monitor, &mut observer)?,
        )
    };
    if let Some(b) = &observer.bar {
        b.finish_and_clear();
    }
    let objective = final_objective(model, &report);
    Ok(Fitted {
        report,
        solver,
        objective,
    })
}

/// A gradus-qning solver on the generic finite-sum path ([`gradus_qning::solve_finite_sum`]), for the models the
/// linear-model fast path does not take (an unpenalized intercept, the multinomial loss). It stops as the classic
/// solvers do ([`classic_config`]: the certified bound when μ > 0, else ‖∇F‖ ≤ --tol), checked every
/// [`default_gap_every`] iterations; each check is one full gradient, charged to the solver's work.
fn fit_generic(
    a: &FitArgs,
    problem: &dyn FiniteSum,
    solver: &str,
    observer: &mut Progress,
) -> Result<Report, CliError> {
    let x0 = Array1::zeros(problem.dim());
    let config = classic_config(a, problem, problem.len()).record_every(default_gap_every(solver));
    let monitor = ObjectiveMonitor::new(problem);
    let mut options = NamedOptions {
        seed: a.seed,
        check_passes: 1,
        ..NamedOptions::default()
    };
    let sampling = a.sampling.sampling();
    options.svrg.sampling = sampling;
    options.saga.sampling = sampling;
    options.miso.sampling = sampling;
    let (report, _) =
        solve_finite_sum(solver, problem, x0.view(), &config, &monitor, observer, &options).map_err(qning_error)?;
    Ok(report)
}

/// (w, b) of a linear model's parameter vector as one coefficient row and its intercept.
fn coef_row(model: &LinearModel, x: &Array1<f64>) -> (Vec<f64>, f64) {
    let (w, b) = model.split_intercept(x.view());
    (w.to_vec(), b)
}

/// Runs `gradus fit`.
pub fn fit(a: &FitArgs) -> Result<ExitCode, CliError> {
    validate(a)?;
    if let Some(t) = a.threads {
        rayon::ThreadPoolBuilder::new()
            .num_threads(t)
            .build_global()
            .map_err(|e| CliError::Usage(format!("cannot start {t} threads: {e}")))?;
    }
    if let Some(m) = a.nodes {
        return super::fit_sharded::fit_sharded(a, m);
    }
    let loaded = load(&a.data, a.labels.as_deref())?;
    let raw = loaded
        .y
        .ok_or_else(|| CliError::Usage(format!("{} has no labels: pass --labels FILE.npy", a.data.display())))?;
    let source = a.labels.as_deref().unwrap_or(&a.data);
    let (task, classes) = task_of(a, &raw, source)?;
    if task == Task::Ovr && a.trace_out.is_some() {
        return Err(bad(
            "trace-out",
            "FILE",
            "one-vs-rest runs K fits; --trace-out writes the trace of one fit",
        ));
    }
    if task != Task::Multinomial && a.loss == FitLossArg::Multinomial {
        unreachable!("task_of maps --loss multinomial to Task::Multinomial");
    }
    let n = loaded.x.nrows();
    let d = loaded.x.ncols();
    let linear_loss = a.loss.linear().unwrap_or(Loss::Logistic);
    let make_linear = |x: Design, y: Array1<f64>| -> Result<LinearModel, CliError> {
        Ok(if a.fit_intercept {
            LinearModel::with_intercept(x, y, linear_loss, a.l2, a.l1)?
        } else {
            LinearModel::new(x, y, linear_loss, a.l2, a.l1)?
        })
    };
    let pm1 = |c: f64| raw.mapv(|v| if v == c { 1.0 } else { -1.0 });

    // One fit, or K for one-vs-rest; each gives a coefficient row and an intercept.
    let mut fits: Vec<Fitted> = Vec::new();
    let mut coef: Vec<Vec<f64>> = Vec::new();
    let mut intercept: Vec<f64> = Vec::new();
    let weights_out: Option<Array2<f64>>;
    match task {
        Task::Regression | Task::Binary => {
            let y = if task == Task::Binary {
                pm1(classes[1])
            } else {
                raw.clone()
            };
            let mut model = make_linear(loaded.x, y)?;
            let a = &FitArgs {
                sampling: resolved_sampling(a, &model),
                ..a.clone()
            };
            if reads_rows_at_random(a, &model) {
                model.own_values();
            }
            if a.sampling == SamplingArg::ShuffleOnce {
                // The objective is a mean over the samples: the row order changes neither it nor the weights.
                model.shuffle_rows(a.seed);
                if a.verbose {
                    eprintln!(
                        "rows shuffled once (seed {}); every epoch visits them in that order",
                        a.seed
                    );
                }
            }
            let fitted = fit_linear(a, &model, false)?;
            let (w, b) = coef_row(&model, &fitted.report.x);
            coef.push(w);
            intercept.push(b);
            weights_out = Some(fitted.report.x.clone().insert_axis(ndarray::Axis(0)));
            fits.push(fitted);
        }
        Task::Ovr => {
            let mut model = make_linear(loaded.x, pm1(classes[0]))?;
            let a = &FitArgs {
                sampling: resolved_sampling(a, &model),
                ..a.clone()
            };
            if reads_rows_at_random(a, &model) {
                model.own_values();
            }
            if a.sampling == SamplingArg::ShuffleOnce {
                let perm = model.shuffle_rows(a.seed);
                // The labels of every class follow the same permutation.
                let shuffled: Array1<f64> = perm.iter().map(|&k| raw[k]).collect();
                return fit_ovr(a, model, &shuffled, &classes, n, d);
            }
            return fit_ovr(a, model, &raw, &classes, n, d);
        }
        Task::Multinomial => {
            let k = classes.len();
            let index: Vec<usize> = raw
                .iter()
                .map(|v| {
                    classes
                        .iter()
                        .position(|c| c == v)
                        .expect("classes are the distinct labels")
                })
                .collect();
            let mut x = loaded.x;
            if sampled_inner(&a.solver).is_some() {
                x.own_values();
            }
            let model = Multinomial::new(x, index, k, a.l2, a.fit_intercept)?;
            let fitted = fit_multinomial(a, &model)?;
            let (w, b) = model.weights_and_intercept(fitted.report.x.view());
            for c in 0..k {
                coef.push(w.column(c).to_vec());
                intercept.push(b[c]);
            }
            weights_out = Some(fitted.report.x.clone().insert_axis(ndarray::Axis(0)));
            fits.push(fitted);
        }
    }
    let kind = match task {
        Task::Regression => Kind::Regression,
        Task::Binary => Kind::Binary,
        Task::Multinomial => Kind::Multinomial,
        Task::Ovr => Kind::Ovr,
    };
    finish(a, kind, classes, coef, intercept, weights_out, &fits, n, d)
}

/// One-vs-rest: K binary fits on one copy of the data (the labels are swapped between fits).
fn fit_ovr(
    a: &FitArgs,
    mut model: LinearModel,
    raw: &Array1<f64>,
    classes: &[f64],
    n: usize,
    d: usize,
) -> Result<ExitCode, CliError> {
    let mut fits = Vec::new();
    let (mut coef, mut intercept) = (Vec::new(), Vec::new());
    let mut rows = Array2::zeros((classes.len(), model.dim()));
    for (k, &c) in classes.iter().enumerate() {
        model.set_labels(raw.mapv(|v| if v == c { 1.0 } else { -1.0 }))?;
        let fitted = fit_linear(a, &model, k > 0)?;
        let (w, b) = coef_row(&model, &fitted.report.x);
        coef.push(w);
        intercept.push(b);
        rows.row_mut(k).assign(&fitted.report.x);
        fits.push(fitted);
    }
    finish(a, Kind::Ovr, classes.to_vec(), coef, intercept, Some(rows), &fits, n, d)
}

/// Writes the outputs of a fit (weights, trace, model file), prints the summary (a line, or JSON with --json) and
/// the warning of a run short of --tol, and returns the exit status.
#[allow(clippy::too_many_arguments)]
fn finish(
    a: &FitArgs,
    kind: Kind,
    classes: Vec<f64>,
    coef: Vec<Vec<f64>>,
    intercept: Vec<f64>,
    weights: Option<Array2<f64>>,
    fits: &[Fitted],
    n: usize,
    d: usize,
) -> Result<ExitCode, CliError> {
    if let (Some(p), Some(w)) = (&a.weights_out, &weights) {
        if w.nrows() == 1 {
            write_npy_vector(p, &w.row(0).to_owned())?;
        } else {
            write_npy_matrix(p, w)?;
        }
    }
    if let (Some(p), [only]) = (&a.trace_out, fits) {
        only.report.trace.write_csv_file(p)?;
    }
    let solver = fits.first().map_or(a.solver.as_str(), |f| f.solver).to_string();
    if let Some(p) = &a.model_out {
        SavedModel {
            format: FORMAT.to_string(),
            version: VERSION,
            kind,
            loss: if kind == Kind::Multinomial {
                "multinomial".to_string()
            } else {
                a.loss.name().to_string()
            },
            classes: classes.clone(),
            n_features: d,
            coef,
            intercept,
            fit_intercept: a.fit_intercept,
            l1: a.l1,
            l2: a.l2,
            solver: solver.clone(),
            solver_requested: a.solver.clone(),
        }
        .save(p)?;
    }
    let objective: f64 = fits.iter().map(|f| f.objective).sum();
    let passes: f64 = fits.iter().map(|f| f.report.work.passes(n)).sum();
    let seconds: f64 = fits.iter().map(|f| f.report.seconds).sum();
    let iterations: u64 = fits.iter().map(|f| f.report.iterations).sum();
    // The first run that did not converge decides the status of the whole (one-vs-rest: of every class).
    let worst = fits
        .iter()
        .find(|f| f.report.status != Status::Converged)
        .or(fits.first())
        .expect("at least one fit");
    let status = &worst.report.status;
    if a.json {
        let value = serde_json::json!({
            "objective": objective,
            "objectives": fits.iter().map(|f| f.objective).collect::<Vec<_>>(),
            "passes": passes,
            "seconds": seconds,
            "iterations": iterations,
            "status": status.name(),
            "converged": *status == Status::Converged,
            "solver": solver,
            "solver_requested": a.solver,
            "kind": format!("{kind:?}").to_lowercase(),
            "loss": if kind == Kind::Multinomial { "multinomial" } else { a.loss.name() },
            "fit_intercept": a.fit_intercept,
            "n": n,
            "d": d,
            "classes": classes,
            "tol": a.tol,
            "max_epochs": a.max_epochs,
        });
        println!("{value}");
    } else {
        println!(
            "objective {:.12e} passes {:.2} seconds {:.6} status {}",
            objective,
            passes,
            seconds,
            status.name()
        );
    }
    // --tol 0 asks for the whole budget: ending there is the requested outcome.
    let budget_run = a.tol == 0.0 && matches!(status, Status::MaxWork);
    if *status != Status::Converged && !budget_run {
        eprintln!(
            "{}",
            not_converged_warning(a, worst.solver, &worst.report, n, worst.objective)
        );
    }
    Ok(match status {
        Status::Converged => ExitCode::SUCCESS,
        Status::Diverged { .. } => ExitCode::from(EXIT_DIVERGED),
        _ if budget_run => ExitCode::SUCCESS,
        _ => ExitCode::from(EXIT_NOT_CONVERGED),
    })
}

/// The one warning line of a fit that did not reach `--tol` (like scikit-learn's `ConvergenceWarning`).
pub(crate) fn not_converged_warning(a: &FitArgs, solver: &str, report: &Report, n: usize, objective: f64) -> String {
    let metric = if is_qning_solver(solver) {
        "relative duality gap"
    } else {
        "stopping metric"
    };
    let last = report
        .trace
        .rows
        .last()
        .and_then(|r| {
            let k = report
                .trace
                .names
                .iter()
                .position(|m| m == "rel_gap" || m == "rel_subopt_bound" || m == "grad_norm")?;
            r.values.get(k).copied()
        })
        .unwrap_or(f64::NAN);
    let what = match report.status {
        Status::Diverged { .. } => format!(
            "diverged (its objective grew above the start or became non-finite); the best iterate is returned \
             (objective {objective:.6e})"
        ),
        _ => format!(
            "stopped ({}) after {:.0} passes with {metric} {last:.2e} > --tol {:e}",
            report.status.name(),
            report.work.passes(n),
            a.tol
        ),
    };
    let advice = if a.solver == "auto" || solver.starts_with("qning-") {
        "scale the features (e.g. standardize the columns; `gradus inspect` shows the row-norm spread) or raise \
         --max-epochs"
    } else {
        "try --solver auto or a qning-* solver, scale the features (e.g. standardize the columns), or raise \
         --max-epochs"
    };
    let name = if a.solver == "auto" {
        format!("auto ({solver})")
    } else {
        solver.to_string()
    };
    format!("warning: --solver {name} {what}; {advice}")
}

/// The monitor's `objective` in a trace row, if it has one.
fn recorded_objective(report: &Report, row: &TraceRow) -> Option<f64> {
    report.trace.metric_index("objective").map(|k| row.values[k])
}

/// F at the returned iterate: the monitor's value when the trace's last row is that iterate (no extra pass over the
/// data), else one evaluation.
fn final_objective(model: &dyn Objective, report: &Report) -> f64 {
    match report.trace.rows.last() {
        Some(row) if row.iteration == report.iterations && !report.status.is_diverged() => {
            recorded_objective(report, row).unwrap_or_else(|| model.total_value(report.x.view()))
        }
        _ => model.total_value(report.x.view()),
    }
}

/// A classic solver's report whose objective ended above its value at x0: the start is returned instead, and
/// the run counts as diverged (the gradus-qning solvers do this themselves, `gradus_qning::guard`). F(x0) and F at
/// the end come from the trace when it has them (rows 0 and last), so the check costs no pass over the data.
fn never_worse_than_start(model: &dyn Objective, x0: &Array1<f64>, mut report: Report) -> Report {
    let f0 = match report.trace.rows.first() {
        Some(row) if row.iteration == 0 => recorded_objective(&report, row),
        _ => None,
    }
    .unwrap_or_else(|| model.total_value(x0.view()));
    let f = final_objective(model, &report);
    if f.is_nan() || f > f0 + 1e-12 * f0.abs() {
        report.x.assign(x0);
        report.status = Status::Diverged {
            iteration: report.iterations,
            last_finite: x0.clone(),
        };
    }
    report
}

/// Maps gradus-qning's errors onto the CLI's (bad parameters and problems keep their typed variants).
fn qning_error(e: QningError) -> CliError {
    match e {
        QningError::Oracle(e) => CliError::Oracle(e),
        QningError::Classic(e) => CliError::Classic(e),
        other => CliError::Usage(other.to_string()),
    }
}

/// Runs gd, agd or lbfgs (names are checked by `validate`; newton and lbfgs-precond, which need a linear model, are
/// called by [`fit_linear`]).
fn run_solver(
    name: &str,
    model: &dyn Objective,
    x0: &Array1<f64>,
    config: &RunConfig,
    monitor: &ObjectiveMonitor,
    observer: &mut Progress,
) -> Result<Report, CliError> {
    Ok(match name {
        "gd" => GdParams::new().solve(model, x0.view(), config, monitor, observer)?,
        "agd" => AgdParams::new()
            .adaptive_restart(true)
            .solve(model, x0.view(), config, monitor, observer)?,
        _ => LbfgsParams::new().solve(model, x0.view(), config, monitor, observer)?,
    })
}

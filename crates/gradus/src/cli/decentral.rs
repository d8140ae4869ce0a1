//! `gradus decentral`: a linear model whose samples are split over the m nodes of a network, solved by a
//! decentralized method, on the deterministic simulator (one process) or on MPI processes (`mpirun -n K`).
//!
//! Problem: min_w Σᵢ fᵢ(w) over the m nodes, fᵢ(w) = (1/nᵢ) Σ_{j ∈ rows of i} φ(aⱼᵀw; yⱼ) + (λ₂/2)‖w‖², the n
//! samples split over the nodes in contiguous blocks in file order, as equal as possible (the first n mod m nodes
//! get one sample more; no sample is dropped). X₀ = 0.
//!
//! Backends (`--backend`): `simulator` holds every node in one process; `mpi` (a binary built with the cargo
//! feature `mpi`, started by `mpirun -n K`) gives process p of K a contiguous block of the nodes
//! (`gradus_decentral::mpi_backend::block_partition`), and the process reads only its nodes' rows of the file
//! ([`super::shard`]). `auto` (the default) is `mpi` when the binary has the feature and was started by an MPI
//! launcher (the environment has `OMPI_COMM_WORLD_SIZE`, `PMI_SIZE` or `PMIX_RANK`), else `simulator`. Same data and
//! arguments ⇒ the same bits (x̄, every trace value and count) on every backend and every K.
//!
//! Outputs (written by process 0): `--weights-out` x̄ = (1/m) Σᵢ xᵢ as a float64 NPY vector; `--trace-out` the
//! trace (iteration, the work counters `communication_rounds`, `all_reduces`, `values_sent`, …, seconds,
//! `objective` = F(x̄), `consensus_error` = (1/m) Σᵢ ‖xᵢ − x̄‖²). The metrics are computed collectively and not
//! counted as work.
//!
//! Bad input on one process (a missing file, a malformed line in its block) is agreed on by every process before the
//! run: the process that found it prints the message (naming the file and line), the others say that another
//! process failed, and all exit with status 2. A run ends on its `--max-rounds`/`--max-iterations` budget with
//! status 0; a diverged run (a non-finite value) exits 4, as `gradus fit` does.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use gradus_data::npy::write_npy_vector;
use gradus_decentral::consensus::{LocalNode, LocalProblem, network_mean};
use gradus_decentral::{
    ApmcParams, Communicator, ConsensusMonitor, DgdParams, DigingParams, ExtraParams, GossipKind, GossipMatrix, Graph,
    IdealParams, MsdaParams, NidsParams, Simulator, SsdaParams,
};
use gradus_oracle::{Design, LinearModel, Report, RunConfig, Silent, Status, Stop};
use ndarray::{Array1, Array2, s};

use super::CliError;
use super::fit::LossArg;
use super::shard::{Procs, Rows, blocks, csr_rows, launched_by_mpi, read_rows, signed_labels};

/// The graphs on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GraphArg {
    /// Cycle over the m nodes.
    Ring,
    /// Path 0 – 1 – … – m−1.
    Path,
    /// Node 0 joined to every other node.
    Star,
    /// Every pair joined.
    Complete,
    /// 2-D torus r × c with r the largest divisor of m that is ≤ √m (a ring when m is prime).
    Grid,
    /// Two complete halves joined by one edge.
    Barbell,
    /// Erdős–Rényi G(m, p) with p = --edge-probability, seeded by --seed (redrawn until connected).
    ErdosRenyi,
}

/// The gossip matrices on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GossipArg {
    /// The graph Laplacian.
    Laplacian,
    /// Metropolis–Hastings weights.
    Metropolis,
    /// Max-degree weights.
    MaxDegree,
}

/// The decentralized methods on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AlgorithmArg {
    /// EXTRA (Shi et al. 2015).
    Extra,
    /// IDEAL (default inner rule).
    Ideal,
    /// MIDEAL (IDEAL on Chebyshev gossip).
    Mideal,
    /// Decentralized gradient descent (inexact with a constant step).
    Dgd,
    /// DIGing (gradient tracking).
    Diging,
    /// NIDS.
    Nids,
    /// SSDA (dual accelerated).
    Ssda,
    /// MSDA (SSDA on Chebyshev gossip).
    Msda,
    /// APM-C.
    ApmC,
}

/// Where the nodes run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BackendArg {
    /// `mpi` under an MPI launcher in a binary built with the feature `mpi`, else `simulator`.
    Auto,
    /// Every node in this process (deterministic simulator).
    Simulator,
    /// One block of nodes per MPI process (needs the feature `mpi` and `mpirun -n K`).
    Mpi,
}

/// Arguments of `gradus decentral`.
#[derive(Args, Debug)]
pub struct DecentralArgs {
    /// Data file: LIBSVM text (plain or gzip), an NPY float matrix, or IDX images.
    #[arg(long)]
    pub data: PathBuf,
    /// Labels as an NPY vector (needed with NPY/IDX data; overrides a LIBSVM file's labels).
    #[arg(long)]
    pub labels: Option<PathBuf>,
    /// The loss.
    #[arg(long, value_enum, default_value = "logistic")]
    pub loss: LossArg,
    /// λ₂ > 0, the L2 weight of every node (the methods need strongly convex nodes).
    #[arg(long, default_value_t = 1e-3, allow_negative_numbers = true)]
    pub l2: f64,
    /// The number of nodes m (≥ the number of processes, ≤ the number of samples).
    #[arg(long)]
    pub nodes: usize,
    /// The graph.
    #[arg(long, value_enum, default_value = "ring")]
    pub graph: GraphArg,
    /// Edge probability of --graph erdos-renyi.
    #[arg(long, default_value_t = 0.3)]
    pub edge_probability: f64,
    /// The gossip matrix W.
    #[arg(long, value_enum, default_value = "laplacian")]
    pub gossip: GossipArg,
    /// The method.
    #[arg(long, value_enum, default_value = "extra")]
    pub algorithm: AlgorithmArg,
    /// Budget in communication rounds (products by W).
    #[arg(long, default_value_t = 1000)]
    pub max_rounds: u64,
    /// Budget in iterations (outer steps).
    #[arg(long, default_value_t = u64::MAX)]
    pub max_iterations: u64,
    /// Record the trace every this many iterations (each record costs two uncounted reductions).
    #[arg(long, default_value_t = 10)]
    pub record_every: u64,
    /// Seed of random graphs.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Where the nodes run.
    #[arg(long, value_enum, default_value = "auto")]
    pub backend: BackendArg,
    /// Worker threads per process (default: every core). Results do not depend on it.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Write x̄ (the mean of the nodes' final iterates) as a float64 NPY vector.
    #[arg(long)]
    pub weights_out: Option<PathBuf>,
    /// Write the trace as CSV.
    #[arg(long)]
    pub trace_out: Option<PathBuf>,
}

fn bad(name: &str, value: impl std::fmt::Display, reason: &str) -> CliError {
    CliError::Usage(format!("invalid --{name} {value}: {reason}"))
}

/// Checks the arguments that need no data.
fn validate(a: &DecentralArgs) -> Result<(), CliError> {
    if !(a.l2.is_finite() && a.l2 > 0.0) {
        return Err(bad(
            "l2",
            a.l2,
            "must be finite and > 0 (the nodes must be strongly convex)",
        ));
    }
    if a.nodes == 0 {
        return Err(bad("nodes", 0, "must be >= 1"));
    }
    if a.max_rounds == 0 || a.max_iterations == 0 || a.record_every == 0 {
        return Err(CliError::Usage(
            "--max-rounds, --max-iterations and --record-every must be >= 1".into(),
        ));
    }
    if a.threads == Some(0) {
        return Err(bad("threads", 0, "must be >= 1"));
    }
    if !(a.edge_probability > 0.0 && a.edge_probability <= 1.0) {
        return Err(bad("edge-probability", a.edge_probability, "must be in (0, 1]"));
    }
    Ok(())
}

/// The graph of the arguments.
fn graph(a: &DecentralArgs) -> Result<Graph, CliError> {
    let m = a.nodes;
    let g = match a.graph {
        GraphArg::Ring => Graph::ring(m),
        GraphArg::Path => Graph::path(m),
        GraphArg::Star => Graph::star(m),
        GraphArg::Complete => Graph::complete(m),
        GraphArg::Grid => {
            let r = (1..=m)
                .filter(|r| m.is_multiple_of(*r) && r * r <= m)
                .max()
                .unwrap_or(1);
            if r == 1 { Graph::ring(m) } else { Graph::torus(r, m / r) }
        }
        GraphArg::Barbell => Graph::barbell(m),
        GraphArg::ErdosRenyi => Graph::erdos_renyi(m, a.edge_probability, a.seed, 1000),
    };
    g.map_err(|e| CliError::Usage(format!("--graph: {e}")))
}

fn gossip_matrix(a: &DecentralArgs) -> Result<GossipMatrix, CliError> {
    let kind = match a.gossip {
        GossipArg::Laplacian => GossipKind::Laplacian,
        GossipArg::Metropolis => GossipKind::MetropolisHastings,
        GossipArg::MaxDegree => GossipKind::MaxDegree,
    };
    GossipMatrix::from_graph(&graph(a)?, kind).map_err(|e| CliError::Usage(format!("--gossip: {e}")))
}

/// The local nodes' objectives: node i's rows of `rows` with `d` columns.
fn local_problem(
    a: &DecentralArgs,
    rows: &Rows,
    y: &Array1<f64>,
    d: usize,
    m: usize,
    nodes: std::ops::Range<usize>,
) -> Result<LocalProblem, CliError> {
    let node_rows = blocks(rows.n, m);
    let mut locals = Vec::with_capacity(nodes.len());
    for i in nodes.clone() {
        let r = node_rows[i].start - rows.first_row..node_rows[i].end - rows.first_row;
        let x = match &rows.x {
            Design::Dense(x) => Design::dense(x.view().slice_move(s![r.clone(), ..]).to_owned())?,
            Design::Sparse(c) => Design::sparse(csr_rows(c, r.clone(), d)?)?,
        };
        let model = LinearModel::new(x, y.slice(s![r]).to_owned(), a.loss.loss(), a.l2, 0.0)?;
        locals.push(LocalNode::new(model).map_err(decentral_error)?);
    }
    let loss = a
        .loss
        .to_possible_value()
        .map_or_else(String::new, |v| v.get_name().to_string());
    let name = format!("{loss} on {} (n = {}, d = {d}, m = {m})", a.data.display(), rows.n);
    LocalProblem::new(name, nodes.start, locals).map_err(decentral_error)
}

fn decentral_error(e: gradus_decentral::DecentralError) -> CliError {
    CliError::Usage(e.to_string())
}

/// Runs `gradus decentral`.
pub fn decentral(a: &DecentralArgs) -> Result<ExitCode, CliError> {
    validate(a)?;
    if let Some(t) = a.threads {
        rayon::ThreadPoolBuilder::new()
            .num_threads(t)
            .build_global()
            .map_err(|e| CliError::Usage(format!("cannot start {t} threads: {e}")))?;
    }
    let use_mpi = match a.backend {
        BackendArg::Simulator => false,
        BackendArg::Mpi => true,
        BackendArg::Auto => cfg!(feature = "mpi") && launched_by_mpi(),
    };
    if use_mpi {
        #[cfg(feature = "mpi")]
        {
            let world = gradus_decentral::mpi_backend::MpiWorld::init().map_err(|e| CliError::Usage(e.to_string()))?;
            return run(a, &Procs::Mpi(&world));
        }
        #[cfg(not(feature = "mpi"))]
        return Err(CliError::Usage(
            "--backend mpi: this gradus was built without the cargo feature `mpi` (cargo build --features mpi)".into(),
        ));
    }
    run(a, &Procs::One)
}

fn run(a: &DecentralArgs, procs: &Procs) -> Result<ExitCode, CliError> {
    let w = gossip_matrix(a)?;
    let (m, k) = (a.nodes, procs.size());
    if k > m {
        return Err(CliError::Usage(format!(
            "{k} processes for --nodes {m}: run with at most {m} processes"
        )));
    }
    let nodes = blocks(m, k)[procs.rank()].clone();
    let rows = procs.agree(read_rows(&a.data, a.labels.as_deref(), m, nodes.clone()))?;
    // The dimension: the widest block (LIBSVM blocks may not use the last features).
    let d = rows.agreed_dim(procs);
    let y = if a.loss.loss().needs_signed_labels() {
        signed_labels(procs, &rows.y, a.labels.as_deref().unwrap_or(&a.data))?
    } else {
        rows.y.clone()
    };
    let problem = procs.agree(local_problem(a, &rows, &y, d, m, nodes.clone()))?;
    drop(rows);

    let comm: Box<dyn Communicator + '_> = match procs {
        #[cfg(feature = "mpi")]
        Procs::Mpi(world) => Box::new(
            gradus_decentral::mpi_backend::MpiCommunicator::new(world, w)
                .map_err(|e| CliError::Usage(e.to_string()))?,
        ),
        _ => Box::new(Simulator::new(w)),
    };
    let x0 = Array2::zeros((nodes.len(), d));
    let monitor = ConsensusMonitor::new(&problem, comm.as_ref(), x0.view());
    let stop = Stop::iterations(a.max_iterations).with_max_communication_rounds(a.max_rounds);
    let config = RunConfig::new(stop, 1).record_every(a.record_every);
    let report = solve(a.algorithm, &problem, comm.as_ref(), x0.view(), &config, &monitor).map_err(decentral_error)?;

    let local = Array2::from_shape_vec((nodes.len(), d), report.x.to_vec())
        .map_err(|e| CliError::Usage(format!("internal: the final iterate has the wrong shape: {e}")))?;
    let xbar = network_mean(comm.as_ref(), local.view());
    let objective = {
        let mut v = Array1::zeros(1);
        let values = Array2::from_shape_fn((nodes.len(), 1), |(r, _)| {
            problem.local(nodes.start + r).objective().value(xbar.view())
        });
        comm.all_reduce_sum(values.view(), v.view_mut(), None);
        v[0]
    };
    if procs.rank() == 0 {
        if let Some(p) = &a.weights_out {
            write_npy_vector(p, &xbar)?;
        }
        if let Some(p) = &a.trace_out {
            report.trace.write_csv_file(p)?;
        }
        println!(
            "objective {:.12e} rounds {} all_reduces {} values_sent {} iterations {} seconds {:.3} status {} processes {k} \
             nodes {m}",
            objective,
            report.work.communication_rounds,
            report.work.all_reduces,
            report.work.values_sent,
            report.iterations,
            report.seconds,
            report.status.name()
        );
    }
    Ok(match report.status {
        Status::Diverged { .. } => ExitCode::from(4),
        _ => ExitCode::SUCCESS,
    })
}

/// Runs the chosen method with its defaults.
fn solve(
    algorithm: AlgorithmArg,
    problem: &LocalProblem,
    comm: &dyn Communicator,
    x0: ndarray::ArrayView2<f64>,
    config: &RunConfig,
    monitor: &ConsensusMonitor,
) -> gradus_decentral::Result<Report> {
    let silent = &mut Silent;
    match algorithm {
        AlgorithmArg::Extra => ExtraParams::new().solve(problem, comm, x0, config, monitor, silent),
        AlgorithmArg::Ideal => IdealParams::new().solve(problem, comm, x0, config, monitor, silent),
        AlgorithmArg::Mideal => IdealParams::mideal().solve(problem, comm, x0, config, monitor, silent),
        AlgorithmArg::Dgd => DgdParams::new().solve(problem, comm, x0, config, monitor, silent),
        AlgorithmArg::Diging => DigingParams::new().solve(problem, comm, x0, config, monitor, silent),
        AlgorithmArg::Nids => NidsParams::new().solve(problem, comm, x0, config, monitor, silent),
        AlgorithmArg::Ssda => SsdaParams::new().solve(problem, comm, x0, config, monitor, silent),
        AlgorithmArg::Msda => MsdaParams::new().solve(problem, comm, x0, config, monitor, silent),
        AlgorithmArg::ApmC => ApmcParams::new().solve(problem, comm, x0, config, monitor, silent),
    }
}

//! `gradus fit --nodes M`: the centralized baseline on data split over M nodes. The samples are split over the
//! nodes as in `gradus decentral` ([`super::shard`]); every process runs gd, agd or lbfgs on the all-reduced
//! objective [`ShardedObjective`] F(w) = Σᵢ (nᵢ/n) fᵢ(w) + (λ₂/2)‖w‖² (fᵢ the mean loss over node i's rows: F is the
//! unsplit model's objective, up to rounding), so every process takes the same steps; process 0 writes the outputs.
//!
//! Under `mpirun -n K` (a binary built with the cargo feature `mpi`) process p holds a block of the nodes and reads
//! only their rows; without it, one process holds every node. The bits do not depend on K: every value and gradient
//! is a node-order sum. The stopping rule is `gradus fit`'s (certified relative suboptimality ≤ --tol, or
//! ‖∇F‖ ≤ --tol when λ₂ = 0; budget --max-epochs in full gradients), and so are its exit statuses and warning line (3
//! short of --tol, 4 diverged); the summary line adds the all-reduces spent.

use std::process::ExitCode;

use gradus_classic::{AgdParams, GdParams, LbfgsParams};
use gradus_data::npy::write_npy_vector;
use gradus_decentral::{Communicator, GossipKind, GossipMatrix, Graph, ShardNode, ShardedObjective, Simulator};
use gradus_oracle::{Design, LinearModel, Objective, ObjectiveMonitor, RunConfig, Silent, Status, Stop};
use ndarray::{Array1, s};

use super::CliError;
use super::fit::{EXIT_DIVERGED, EXIT_NOT_CONVERGED, FitArgs, MulticlassArg, not_converged_warning};
use super::shard::{Procs, blocks, csr_rows, launched_by_mpi, read_rows, signed_labels};

/// Checks what `--nodes` supports.
fn validate(a: &FitArgs, m: usize) -> Result<(), CliError> {
    if m == 0 {
        return Err(CliError::Usage("invalid --nodes 0: must be >= 1".into()));
    }
    // `auto` (the default) is lbfgs here: the fastest of the three.
    if !["gd", "agd", "lbfgs", "auto"].contains(&a.solver.as_str()) {
        return Err(CliError::Usage(format!(
            "--nodes runs gd, agd or lbfgs (auto: lbfgs) on the all-reduced objective, not --solver {}",
            a.solver
        )));
    }
    if a.l1 != 0.0 {
        return Err(CliError::Usage("--nodes supports --l1 0 only".into()));
    }
    let unsupported = [
        (a.fit_intercept, "--fit-intercept"),
        (a.loss.linear().is_none(), "--loss multinomial"),
        (a.multiclass != MulticlassArg::Auto, "--multiclass"),
        (a.model_out.is_some(), "--model-out"),
        (a.json, "--json"),
        (a.max_epochs == 0.0, "--max-epochs 0"),
    ];
    if let Some((_, flag)) = unsupported.iter().find(|(used, _)| *used) {
        return Err(CliError::Usage(format!(
            "--nodes does not support {flag} (it fits binary or squared-loss models without an intercept)"
        )));
    }
    Ok(())
}

/// Runs `gradus fit --nodes M` (after `gradus fit`'s own argument checks).
pub fn fit_sharded(a: &FitArgs, m: usize) -> Result<ExitCode, CliError> {
    validate(a, m)?;
    if cfg!(feature = "mpi") && launched_by_mpi() {
        #[cfg(feature = "mpi")]
        {
            let world = gradus_decentral::mpi_backend::MpiWorld::init().map_err(|e| CliError::Usage(e.to_string()))?;
            return run(a, m, &Procs::Mpi(&world));
        }
    }
    run(a, m, &Procs::One)
}

fn run(a: &FitArgs, m: usize, procs: &Procs) -> Result<ExitCode, CliError> {
    let k = procs.size();
    if k > m {
        return Err(CliError::Usage(format!(
            "{k} processes for --nodes {m}: run with at most {m} processes"
        )));
    }
    let nodes = blocks(m, k)[procs.rank()].clone();
    let rows = procs.agree(read_rows(&a.data, a.labels.as_deref(), m, nodes.clone()))?;
    let d = rows.agreed_dim(procs);
    let loss = a.loss.linear().expect("validate refuses --loss multinomial");
    let y = if loss.needs_signed_labels() {
        signed_labels(procs, &rows.y, a.labels.as_deref().unwrap_or(&a.data))?
    } else {
        rows.y.clone()
    };
    let node_rows = blocks(rows.n, m);
    let shards = procs.agree(
        nodes
            .clone()
            .map(|i| {
                let r = node_rows[i].start - rows.first_row..node_rows[i].end - rows.first_row;
                let x = match &rows.x {
                    Design::Dense(x) => Design::dense(x.view().slice_move(s![r.clone(), ..]).to_owned())?,
                    Design::Sparse(c) => Design::sparse(csr_rows(c, r.clone(), d)?)?,
                };
                let model = LinearModel::new(x, y.slice(s![r.clone()]).to_owned(), loss, 0.0, 0.0)?;
                Ok(ShardNode {
                    objective: Box::new(model),
                    weight: r.len() as f64 / rows.n as f64,
                })
            })
            .collect::<Result<Vec<_>, CliError>>(),
    )?;
    let n = rows.n;
    drop(rows);

    // The network only carries the all-reduces here; its graph does not matter.
    let w = GossipMatrix::from_graph(&Graph::path(m).map_err(usage)?, GossipKind::MetropolisHastings).map_err(usage)?;
    let comm: Box<dyn Communicator + '_> = match procs {
        #[cfg(feature = "mpi")]
        Procs::Mpi(world) => Box::new(
            gradus_decentral::mpi_backend::MpiCommunicator::new(world, w)
                .map_err(|e| CliError::Usage(e.to_string()))?,
        ),
        _ => Box::new(Simulator::new(w)),
    };
    let objective = ShardedObjective::new(comm.as_ref(), shards, a.l2).map_err(usage)?;

    let stop = Stop::iterations(u64::MAX).with_max_passes(a.max_epochs);
    let stop = if objective.strong_convexity() > 0.0 {
        stop.with_target("rel_subopt_bound", a.tol)
    } else {
        stop.with_target("grad_norm", a.tol)
    };
    let config = RunConfig::new(stop, n);
    let monitor = ObjectiveMonitor::new(&objective);
    let x0 = Array1::zeros(d);
    let report = match a.solver.as_str() {
        "gd" => GdParams::new().solve(&objective, x0.view(), &config, &monitor, &mut Silent)?,
        "agd" => {
            AgdParams::new()
                .adaptive_restart(true)
                .solve(&objective, x0.view(), &config, &monitor, &mut Silent)?
        }
        _ => LbfgsParams::new().solve(&objective, x0.view(), &config, &monitor, &mut Silent)?,
    };
    let value = objective.total_value(report.x.view());
    if procs.rank() == 0 {
        if let Some(p) = &a.weights_out {
            write_npy_vector(p, &report.x)?;
        }
        if let Some(p) = &a.trace_out {
            report.trace.write_csv_file(p)?;
        }
        println!(
            "objective {:.12e} passes {:.2} all_reduces {} seconds {:.3} status {} processes {k} nodes {m}",
            value,
            report.work.passes(n),
            objective.work().all_reduces,
            report.seconds,
            report.status.name()
        );
    }
    // The same exit statuses and warning line as the single-process `gradus fit`.
    if procs.rank() == 0 && report.status != Status::Converged {
        eprintln!("{}", not_converged_warning(a, &a.solver, &report, n, value));
    }
    Ok(match report.status {
        Status::Converged => ExitCode::SUCCESS,
        Status::Diverged { .. } => ExitCode::from(EXIT_DIVERGED),
        _ => ExitCode::from(EXIT_NOT_CONVERGED),
    })
}

fn usage(e: impl std::fmt::Display) -> CliError {
    CliError::Usage(e.to_string())
}

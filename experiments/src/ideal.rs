//! Experiment `ideal`: decentralized optimization with IDEAL/MIDEAL against EXTRA, NIDS, DIGing, SSDA, MSDA and
//! APM-C (spec `shared/papers/ideal-ingd.md` §1.5).
//!
//! - **EXP-I2** (regression anchors): ring of m = 10 nodes, Laplacian gossip (κ_W = 10.47), d = 5 diagonal
//!   quadratics with κ = 1e3 (every node has one coordinate at μ and one at L), X₀ = 0, until
//!   (1/m)Σ‖xᵢ − x*‖² ≤ 1e-10 relative to X₀. Spec numbers: IDEAL+AGD ≈ 1.6–1.7k rounds, EXTRA ≈ 11.5k.
//! - **EXP-I3** (scaling sweep): the same quadratics with κ ∈ {1e2, 1e3, 1e4} on ring, 2-D torus, Erdős–Rényi
//!   and barbell graphs with m ∈ {16, 64} (quick: m = 16 and IDEAL/MIDEAL/EXTRA only).
//! - The EXTRA special case: IDEAL with β = 0, η = ρ, one gradient step and gossip (I − W_mix)/(2αρ) against
//!   EXTRA over 50 iterations.
//!
//! - **EXP-I1** (the authors' setup, spec §1.5): L2-logistic regression on binary Fashion-MNIST (classes 0–4 → −1,
//!   5–9 → +1, pixels in [0, 1]), the first n training images split into 10 equal contiguous blocks, one per node
//!   (full: n = 10 000; quick: n = 1000), λ = 0.1 (κ ≈ 300); ring, barbell and complete graphs with the authors'
//!   Sinkhorn–Knopp gossip (regularization 3.1, 1e-9 on the complete graph); IDEAL+AGD, MIDEAL+AGD, EXTRA, NIDS,
//!   SSDA and MSDA (dual gradients of the logistic nodes by warm-started local L-BFGS, `gradus_decentral::dual`;
//!   their inner gradients are counted) and DIGing on the complete graph, until (1/m)Σ‖xᵢ − x*‖² ≤ 1e-10 relative
//!   to X₀ = 0. F* from Newton's method certified by ‖∇f‖ ≤ 1e-12. Skipped (with a note) when Fashion-MNIST is not
//!   installed.
//!
//! IDEAL+AGD runs with its default inner rule T = ⌈2√κ_in⌉ (no global reduction), the spec's T = ⌈√κ_in⌉, and the
//! contraction rule δ = 1/2 (one all-reduce per inner iteration). Comparisons charge **communications = gossip
//! rounds plus all-reduces**, an all-reduce counted as one round (the cheapest a network can do it; a tree needs 2·log₂ m
//! latencies); only the contraction rule makes all-reduces during a run. Tables and trace CSVs have the three
//! counters (rounds, all-reduces, values sent by the busiest node). Claims over sweeps use `max_of_runs` /
//! `min_of_runs` and name their failed runs (`Claim::with_failed_runs`).
//!
//! Every run stops at its target or at a budget of communication rounds (`Stop::with_max_communication_rounds`).
//! Figures: convergence by rounds and by gradients per configuration (legend outside the plot, x axis cut at 1.1×
//! the last run to reach the target), and over EXP-I3 the rounds to 1e-10 against κ·κ_W and the speed-up of
//! IDEAL/MIDEAL (and MSDA in full mode) over the best primal method (EXTRA, NIDS, DIGing) against κ·κ_W.

use gradus_data::fashion_mnist::{FashionMnist, Split};
use gradus_decentral::extra::ExtraState;
use gradus_decentral::{
    ApmcParams, ConsensusMonitor, DEFAULT_INNER_FACTOR, DigingParams, ExtraParams, GossipKind, GossipMatrix, Graph,
    IdealParams, IdealState, InnerStop, LocalProblem, MsdaParams, NetworkConstants, NidsParams, Partition, Simulator,
    SsdaParams, linear_model_reference,
};
use gradus_oracle::{Method, Monitor, Report, RunConfig, Silent, Stop, Work};
use ndarray::Array2;
use rayon::prelude::*;

use crate::classic::thin;
use crate::error::ExpError;
use crate::harness::{Claim, Ctx, Outcome};
use crate::plot::{Curve, Figure, Legend, LongTable, save};
use crate::util::{log_log_slope, max_of_runs, min_of_runs, progress};

/// The accuracy every run aims for: (1/m)Σ‖xᵢ − x*‖² ≤ TOL·(1/m)Σ‖xᵢ⁰ − x*‖².
const TOL: f64 = 1e-10;

fn de(e: gradus_decentral::DecentralError) -> ExpError {
    ExpError::Other(e.to_string())
}

/// The EXP-I2 quadratics (every node built from (seed, node id)) with their reference optimum.
fn quadratics(m: usize, kappa: f64, seed: u64) -> Result<LocalProblem, ExpError> {
    let p = LocalProblem::spec_quadratics(m, 5, kappa, seed, 0..m).map_err(de)?;
    let reference = p.central_reference(0.0).map_err(de)?;
    p.with_reference(reference).map_err(de)
}

/// How a comparison charges communication: gossip rounds + all-reduces, one each (an all-reduce charged as one
/// round, the cheapest any network can do it: a tree needs 2·log₂(m) latencies). Only IDEAL's contraction rule
/// makes all-reduces during a run; every other method here has none, so for them communications = rounds.
fn communications(w: &Work) -> f64 {
    (w.communication_rounds + w.all_reduces) as f64
}

/// The x label of the figures by communication.
const COMM_AXIS: &str = "communications (gossip rounds + all-reduces)";

/// The solvers compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Algo {
    Ideal,
    /// IDEAL+AGD with the spec's fixed T = ⌈√κ_in⌉ (the default is T = ⌈3√κ_in⌉).
    IdealFixed,
    /// IDEAL+AGD with the contraction rule δ = 1/2 (one all-reduce per inner iteration).
    IdealContraction,
    Mideal,
    Extra,
    Nids,
    Diging,
    Ssda,
    Msda,
    Apmc,
}

impl Algo {
    fn name(self) -> &'static str {
        match self {
            Algo::Ideal => "IDEAL+AGD",
            Algo::IdealFixed => "IDEAL+AGD (T = ⌈√κ_in⌉)",
            Algo::IdealContraction => "IDEAL+AGD (contraction δ = 1/2)",
            Algo::Mideal => "MIDEAL+AGD",
            Algo::Extra => "EXTRA",
            Algo::Nids => "NIDS",
            Algo::Diging => "DIGing",
            Algo::Ssda => "SSDA",
            Algo::Msda => "MSDA",
            Algo::Apmc => "APM-C",
        }
    }

    /// Outer iterations are few for the accelerated dual methods and many for the primal ones.
    fn record_every(self) -> u64 {
        match self {
            Algo::Ideal
            | Algo::IdealFixed
            | Algo::IdealContraction
            | Algo::Mideal
            | Algo::Ssda
            | Algo::Msda
            | Algo::Apmc => 1,
            _ => 10,
        }
    }
}

const ALL: [Algo; 10] = [
    Algo::Ideal,
    Algo::IdealFixed,
    Algo::IdealContraction,
    Algo::Mideal,
    Algo::Extra,
    Algo::Nids,
    Algo::Diging,
    Algo::Ssda,
    Algo::Msda,
    Algo::Apmc,
];

/// A run whose relative distance exceeds this has diverged (no convergent run here comes near it).
const DIVERGED: f64 = 1e8;

/// [`ConsensusMonitor`] that reports NaN once rel_dist > [`DIVERGED`], which the shared loop treats as divergence:
/// a diverging run (IDEAL+AGD with the fixed-T rule on some graphs) stops there instead of using its whole budget.
struct Guarded<'a>(ConsensusMonitor<'a>);

impl Monitor for Guarded<'_> {
    fn names(&self) -> Vec<String> {
        self.0.names()
    }

    fn evaluate(
        &self,
        x: ndarray::ArrayView1<f64>,
        known: Option<(f64, ndarray::ArrayView1<f64>)>,
        out: &mut Vec<f64>,
    ) {
        self.0.evaluate(x, known, out);
        if out.last().is_none_or(|v| v.is_nan() || *v > DIVERGED) {
            out.iter_mut().for_each(|v| *v = f64::NAN);
        }
    }
}

/// Runs one solver from X₀ = 0 until the target or the budget of communication rounds (`Stop`'s
/// `max_communication_rounds`, checked before each step: the last step may overshoot by its own rounds).
fn run_algo(algo: Algo, p: &LocalProblem, sim: &Simulator, max_rounds: u64) -> Result<Report, ExpError> {
    let x0 = Array2::zeros((sim.gossip_matrix().nodes(), p.dim()));
    let mon = Guarded(ConsensusMonitor::new(p, sim, x0.view()));
    // Every solver here gossips at least once per iteration, so the round budget also bounds the iterations.
    let stop = Stop::iterations(max_rounds.max(1))
        .with_max_communication_rounds(max_rounds.max(1))
        .with_target("rel_dist", TOL);
    let cfg = RunConfig::new(stop, 1).record_every(algo.record_every());
    let x0 = x0.view();
    let r = match algo {
        Algo::Ideal => IdealParams::new().solve(p, sim, x0, &cfg, &mon, &mut Silent),
        Algo::IdealFixed => IdealParams {
            inner_factor: 1.0,
            ..IdealParams::new()
        }
        .solve(p, sim, x0, &cfg, &mon, &mut Silent),
        Algo::IdealContraction => {
            IdealParams::new()
                .inner_stop(InnerStop::ROBUST)
                .solve(p, sim, x0, &cfg, &mon, &mut Silent)
        }
        Algo::Mideal => IdealParams::mideal().solve(p, sim, x0, &cfg, &mon, &mut Silent),
        Algo::Extra => ExtraParams::new().solve(p, sim, x0, &cfg, &mon, &mut Silent),
        Algo::Nids => NidsParams::new().solve(p, sim, x0, &cfg, &mon, &mut Silent),
        Algo::Diging => DigingParams::new().solve(p, sim, x0, &cfg, &mon, &mut Silent),
        Algo::Ssda => SsdaParams::new().solve(p, sim, x0, &cfg, &mon, &mut Silent),
        Algo::Msda => MsdaParams::new().solve(p, sim, x0, &cfg, &mon, &mut Silent),
        Algo::Apmc => ApmcParams::new().solve(p, sim, x0, &cfg, &mon, &mut Silent),
    };
    r.map_err(de)
}

/// (communications, gradients) at the first recorded row with rel_dist ≤ TOL, or None.
fn to_target(r: &Report) -> Option<(f64, f64)> {
    r.trace
        .first_below("rel_dist", TOL)
        .map(|row| (communications(&row.work), row.work.full_gradients as f64))
}

/// The work at the first recorded row with rel_dist ≤ TOL, or None.
fn work_at_target(r: &Report) -> Option<Work> {
    r.trace.first_below("rel_dist", TOL).map(|row| row.work)
}

/// The x label of the figures by values sent.
const VALUES_AXIS: &str = "values sent by the busiest node (f64 numbers)";

/// A run's (values sent, rel_dist) points, diverging rows cut at 1e6 as in [`add_curves`].
fn values_sent_curve(r: &Report) -> Vec<(f64, f64)> {
    let k_dist = r.trace.metric_index("rel_dist").expect("monitored");
    r.trace
        .rows
        .iter()
        .filter(|row| row.values[k_dist] <= 1e6)
        .map(|row| (row.work.values_sent as f64, row.values[k_dist]))
        .collect()
}

/// Adds a run's curves (by rounds and by gradients) to figures and tables.
fn add_curves(algo: &str, r: &Report, by_comm: &mut Figure, by_grad: &mut Figure, table: &mut LongTable, trial: usize) {
    let k_dist = r.trace.metric_index("rel_dist").expect("monitored");
    let k_sub = r.trace.metric_index("subopt").expect("monitored");
    let mut comm = Vec::new();
    let mut grad = Vec::new();
    for row in &r.trace.rows {
        let (c, g) = (communications(&row.work), row.work.full_gradients as f64);
        // Diverging runs (noted separately) are cut at 1e6 so that log axes stay finite.
        if row.values[k_dist] <= 1e6 {
            comm.push((c, row.values[k_dist]));
            grad.push((g, row.values[k_dist]));
        }
        let w = &row.work;
        table.push(
            algo,
            trial,
            vec![
                c,
                w.communication_rounds as f64,
                w.all_reduces as f64,
                w.values_sent as f64,
                g,
                row.values[k_sub],
                row.values[k_dist],
            ],
        );
    }
    by_comm.curves.push(Curve::new(algo, &thin(&comm, 1500)));
    by_grad.curves.push(Curve::new(algo, &thin(&grad, 1500)));
}

/// Figure conventions of this experiment: NIDS dashed (its curves lie on EXTRA's), the legend outside the plot, and
/// the x axis cut at 1.1× the largest x at which a run reached the target (`targets`), so that a run that never gets
/// there (DIGing on EXP-I2, with its 400 000 rounds) does not squash the others; a cut curve says so in its label.
fn finish_figure(fig: &mut Figure, targets: &[f64]) {
    fig.dashed.push(Algo::Nids.name().to_string());
    // Up to nine curves: a legend inside the plot would hide some of them.
    fig.legend = Legend::Outside;
    let Some(reached) = targets.iter().copied().filter(|t| t.is_finite()).reduce(f64::max) else {
        return;
    };
    let x_max = 1.1 * reached;
    let mut cut = false;
    for c in &mut fig.curves {
        if c.x.iter().any(|&x| x > x_max) {
            c.label.push_str(" (beyond the axis)");
            cut = true;
        }
    }
    if cut {
        fig.x_max = Some(x_max);
    }
}

/// The x label of the figures by gradients: one unit = every node computes one local gradient; a dual-gradient
/// inner solve counts its largest per-node number of gradients.
const GRAD_AXIS: &str = "gradient computations (per node; inner dual solves: slowest node)";

/// The columns of the per-configuration trace tables.
const TRACE_COLUMNS: [&str; 7] = [
    "communications",
    "communication_rounds",
    "all_reduces",
    "values_sent",
    "gradient_computations",
    "subopt",
    "rel_dist",
];

fn laplacian_network(graph: &Graph) -> Result<Simulator, ExpError> {
    Ok(Simulator::new(
        GossipMatrix::from_graph(graph, GossipKind::Laplacian).map_err(de)?,
    ))
}

/// Runs the experiment.
pub fn run(ctx: &Ctx) -> Result<Outcome, ExpError> {
    let mut claims = Vec::new();
    let mut figures = Vec::new();
    let mut notes = Vec::new();
    extra_special_case(ctx, &mut claims, &mut notes)?;
    exp_i2(ctx, &mut claims, &mut figures, &mut notes)?;
    exp_i3(ctx, &mut claims, &mut figures, &mut notes)?;
    exp_i1(ctx, &mut claims, &mut figures, &mut notes)?;
    Ok(Outcome::Done { claims, figures, notes })
}

fn extra_special_case(ctx: &Ctx, claims: &mut Vec<Claim>, notes: &mut Vec<String>) -> Result<(), ExpError> {
    let p = quadratics(10, 1e3, ctx.seed)?;
    let mut worst = 0.0f64;
    let mut counts = Vec::new();
    for kind in [
        GossipKind::Laplacian,
        GossipKind::MetropolisHastings,
        GossipKind::sinkhorn_knopp(),
    ] {
        let sim = Simulator::new(GossipMatrix::from_graph(&Graph::ring(10).map_err(de)?, kind).map_err(de)?);
        // L = κ = 1e3 for the EXP-I2 quadratics.
        let alpha = 0.9 / 1e3;
        let x0 = Array2::from_shape_fn((10, 5), |(i, j)| ((i * 5 + j) % 7) as f64 - 3.0);
        let mut extra = ExtraState::new(&p, &sim, x0.view(), &ExtraParams::new().step(alpha)).map_err(de)?;
        let params = IdealParams::extra_equivalent(alpha, sim.gossip_matrix().spectrum().mixing_scale);
        let mut ideal = IdealState::new(&p, &sim, x0.view(), &params).map_err(de)?;
        let (mut we, mut wi) = (Work::default(), Work::default());
        for _ in 0..50 {
            extra.step(&mut we);
            ideal.step(&mut wi);
            let d = (&extra.iterate() - &ideal.iterate())
                .iter()
                .fold(0.0f64, |a, v| a.max(v.abs()));
            worst = worst.max(d);
        }
        counts.push((we, wi));
    }
    // IDEAL's dual update computes W·X_{k+1} at the end of step k (the next step's first gradient reuses it);
    // EXTRA computes W_mix·X_{k+1} at the start of step k + 1. After K steps IDEAL has made the same K products
    // plus that of its initialization ρWX₀: exactly one round more, and the same gradients.
    let mismatch = counts
        .iter()
        .map(|(we, wi)| {
            (wi.communication_rounds as f64 - we.communication_rounds as f64 - 1.0).abs()
                + (wi.full_gradients as f64 - we.full_gradients as f64).abs()
                + (wi.all_reduces + we.all_reduces) as f64
        })
        .collect::<Vec<_>>();
    notes.push(format!(
        "EXTRA special case: counts over 50 iterations (EXTRA vs IDEAL, rounds / gradients / all-reduces): {}",
        counts
            .iter()
            .map(|(a, b)| format!(
                "{} / {} / {} vs {} / {} / {}",
                a.communication_rounds,
                a.full_gradients,
                a.all_reduces,
                b.communication_rounds,
                b.full_gradients,
                b.all_reduces
            ))
            .collect::<Vec<_>>()
            .join("; ")
    ));
    claims.push(Claim::at_most(
        "ideal.extra_special_case_counts",
        "IDEAL's EXTRA instance over 50 iterations on the three gossip matrices: Σ of |rounds_IDEAL − rounds_EXTRA − 1| \
         + |gradients_IDEAL − gradients_EXTRA| + all-reduces is 0 (an exact special case pays the same communication \
         once Op(X_k) is cached: one round per iteration, plus the initialization's product ρWX₀, which IDEAL makes \
         one step ahead of EXTRA)",
        max_of_runs(&mismatch),
        0.0,
        true,
    ));
    notes.push(format!(
        "EXTRA special case: max |X_IDEAL − X_EXTRA| over 50 iterations on the ring (Laplacian, Metropolis–Hastings, \
         Sinkhorn–Knopp gossip) = {worst:.2e}"
    ));
    claims.push(Claim::at_most(
        "ideal.extra_is_special_case",
        "max entrywise difference between IDEAL (β = 0, η = ρ, one gradient step of size α, gossip (I − W_mix)/(2αρ), \
         Y₀ = ρWX₀) and EXTRA over 50 iterations on a 10-node ring is <= 1e-12 (spec §1.2: an exact special case)",
        worst,
        1e-12,
        true,
    ));
    Ok(())
}

fn exp_i2(
    ctx: &Ctx,
    claims: &mut Vec<Claim>,
    figures: &mut Vec<String>,
    notes: &mut Vec<String>,
) -> Result<(), ExpError> {
    let p = quadratics(10, 1e3, ctx.seed)?;
    let sim = laplacian_network(&Graph::ring(10).map_err(de)?)?;
    let kappa_w = sim.gossip_matrix().spectrum().kappa_w;
    let algos: Vec<Algo> = ALL.to_vec();
    let bar = progress(algos.len() as u64, "EXP-I2");
    let reports: Vec<Report> = algos
        .par_iter()
        .map(|&a| {
            let r = run_algo(a, &p, &sim, 400_000);
            bar.inc(1);
            r
        })
        .collect::<Result<_, _>>()?;
    bar.finish_and_clear();
    let title = format!("EXP-I2: ring m = 10, d = 5, κ = 1e3, κ_W = {kappa_w:.2}");
    let y = "(1/m)Σ‖xᵢ − x*‖² relative to X₀";
    let mut by_comm = Figure::log_y(&title, COMM_AXIS, y);
    let mut by_grad = Figure::log_y(&title, GRAD_AXIS, y);
    let mut table = LongTable::new(&TRACE_COLUMNS);
    let mut rounds = std::collections::HashMap::new();
    let (mut round_targets, mut grad_targets) = (Vec::new(), Vec::new());
    for (a, r) in algos.iter().zip(&reports) {
        add_curves(a.name(), r, &mut by_comm, &mut by_grad, &mut table, 0);
        let t = to_target(r);
        notes.push(match work_at_target(r) {
            Some(w) => format!(
                "EXP-I2 {}: {} rounds + {} all-reduces = {:.0} communications, {} values sent by the busiest node, {} \
                 gradient computations to 1e-10",
                a.name(),
                w.communication_rounds,
                w.all_reduces,
                communications(&w),
                w.values_sent,
                w.full_gradients
            ),
            None => format!(
                "EXP-I2 {}: did not reach 1e-10 within the budget ({} rounds, rel_dist {:.2e})",
                a.name(),
                r.work.communication_rounds,
                r.trace.last_value("rel_dist").unwrap_or(f64::NAN)
            ),
        });
        rounds.insert(a.name(), t.map_or(f64::NAN, |t| t.0));
        round_targets.push(t.map_or(f64::NAN, |t| t.0));
        grad_targets.push(t.map_or(f64::NAN, |t| t.1));
    }
    finish_figure(&mut by_comm, &round_targets);
    finish_figure(&mut by_grad, &grad_targets);
    figures.push(save(&ctx.dir, "exp_i2_by_communication", &by_comm, &table)?);
    let svg = "exp_i2_by_gradients.svg".to_string();
    by_grad.write_svg(&ctx.dir.join(&svg))?;
    figures.push(svg);
    // The third counter: values sent by the busiest node (a gossip of d-vectors sends max_degree·d, an all-reduce of
    // k values k), so a method that gossips short messages or reduces often shows it.
    let mut by_values = Figure::log_y(&title, VALUES_AXIS, y);
    let mut value_targets = Vec::new();
    for (a, r) in algos.iter().zip(&reports) {
        by_values
            .curves
            .push(Curve::new(a.name(), &thin(&values_sent_curve(r), 1500)));
        value_targets.push(work_at_target(r).map_or(f64::NAN, |w| w.values_sent as f64));
    }
    finish_figure(&mut by_values, &value_targets);
    let svg = "exp_i2_by_values_sent.svg".to_string();
    by_values.write_svg(&ctx.dir.join(&svg))?;
    figures.push(svg);
    let failed_of = |names: &[&str]| -> Vec<String> {
        names
            .iter()
            .filter(|n| !rounds[*n].is_finite())
            .map(|n| format!("EXP-I2 {n}"))
            .collect()
    };
    let ratio = rounds["EXTRA"] / rounds["IDEAL+AGD"];
    claims.push(
        Claim::at_least(
            "ideal.beats_extra_ring_k1e3",
            &format!(
                "EXP-I2 (ring m = 10, κ = 1e3): EXTRA's communications to 1e-10 ({:.0}) / IDEAL+AGD's ({:.0}; default \
                 inner rule T = ⌈{DEFAULT_INNER_FACTOR}·√κ_in⌉, no all-reduce) is >= 5 (the spec's §1.3 numbers, ≈ 11.5k \
                 vs ≈ 1.7k rounds, measured with the spec's T = ⌈√κ_in⌉, which diverges on 6 of the 24 EXP-I3 \
                 configurations, and without counting reductions; communications = gossip rounds + all-reduces). Not \
                 gated: a constant-factor comparison that no theorem fixes; the scaling laws below are the gated ones",
                rounds["EXTRA"], rounds["IDEAL+AGD"]
            ),
            ratio,
            5.0,
            false,
        )
        .with_failed_runs(failed_of(&["EXTRA", "IDEAL+AGD"])),
    );
    let ratio = rounds["EXTRA"] / rounds["IDEAL+AGD (contraction δ = 1/2)"];
    claims.push(
        Claim::at_least(
            "ideal.contraction_beats_extra_ring_k1e3",
            &format!(
                "EXP-I2: EXTRA's communications to 1e-10 ({:.0}) / those of IDEAL+AGD with the contraction rule δ = 1/2 \
                 ({:.0}, its all-reduces counted one each) is >= 5 (the spec's regression factor, for the optional rule; \
                 not gated)",
                rounds["EXTRA"], rounds["IDEAL+AGD (contraction δ = 1/2)"]
            ),
            ratio,
            5.0,
            false,
        )
        .with_failed_runs(failed_of(&["EXTRA", "IDEAL+AGD (contraction δ = 1/2)"])),
    );
    Ok(())
}

/// One EXP-I3 configuration.
struct Config {
    kappa: f64,
    graph: Graph,
    family: &'static str,
}

fn exp_i3(
    ctx: &Ctx,
    claims: &mut Vec<Claim>,
    figures: &mut Vec<String>,
    notes: &mut Vec<String>,
) -> Result<(), ExpError> {
    let kappas = [1e2, 1e3, 1e4];
    let sizes: &[usize] = if ctx.quick { &[16] } else { &[16, 64] };
    let algos: Vec<Algo> = if ctx.quick {
        vec![
            Algo::Ideal,
            Algo::IdealFixed,
            Algo::IdealContraction,
            Algo::Mideal,
            Algo::Extra,
        ]
    } else {
        vec![
            Algo::Ideal,
            Algo::IdealFixed,
            Algo::IdealContraction,
            Algo::Mideal,
            Algo::Extra,
            Algo::Nids,
            Algo::Diging,
            Algo::Msda,
            Algo::Apmc,
        ]
    };
    let mut configs = Vec::new();
    for &m in sizes {
        let side = (m as f64).sqrt() as usize;
        let graphs: Vec<(&'static str, Graph)> = vec![
            ("ring", Graph::ring(m).map_err(de)?),
            ("torus", Graph::torus(side, m / side).map_err(de)?),
            (
                "erdos-renyi",
                Graph::erdos_renyi(m, 4.0 / m as f64, ctx.seed.wrapping_add(m as u64), 1000).map_err(de)?,
            ),
            ("barbell", Graph::barbell(m).map_err(de)?),
        ];
        for (family, graph) in graphs {
            for &kappa in &kappas {
                configs.push(Config {
                    kappa,
                    graph: graph.clone(),
                    family,
                });
            }
        }
    }
    let max_rounds: u64 = if ctx.quick { 300_000 } else { 1_000_000 };
    let jobs: Vec<(usize, Algo)> = (0..configs.len())
        .flat_map(|c| algos.iter().map(move |&a| (c, a)))
        .collect();
    let bar = progress(jobs.len() as u64, "EXP-I3");
    let problems: Vec<LocalProblem> = configs
        .iter()
        .map(|c| quadratics(c.graph.nodes(), c.kappa, ctx.seed.wrapping_add(1)))
        .collect::<Result<_, _>>()?;
    let nets: Vec<Simulator> = configs
        .iter()
        .map(|c| laplacian_network(&c.graph))
        .collect::<Result<_, _>>()?;
    let reports: Vec<Report> = jobs
        .par_iter()
        .map(|&(c, a)| {
            let r = run_algo(a, &problems[c], &nets[c], max_rounds);
            bar.inc(1);
            r
        })
        .collect::<Result<_, _>>()?;
    bar.finish_and_clear();

    // Per-configuration figures for the largest m, and the table of rounds to target.
    let m_fig = *sizes.last().expect("a size");
    let mut summary = LongTable::new(&[
        "m",
        "kappa",
        "kappa_w",
        "communications_to_1e-10",
        "rounds_to_1e-10",
        "all_reduces_to_1e-10",
        "values_sent_to_1e-10",
        "gradients_to_1e-10",
    ]);
    let mut ideal_pts = Vec::new();
    let mut ideal_failed = Vec::new();
    let mut mideal_failed = Vec::new();
    let mut fixed_failed = Vec::new();
    let mut contraction_failed = Vec::new();
    let mut mideal_grad = Vec::new();
    let mut mideal_opt = Vec::new();
    let mut mideal_by_kappa: Vec<Vec<f64>> = vec![Vec::new(); kappas.len()];
    for (c, cfg) in configs.iter().enumerate() {
        let kappa_w = nets[c].gossip_matrix().spectrum().kappa_w;
        let m = cfg.graph.nodes();
        let title = format!(
            "EXP-I3: {} m = {m}, κ = {:.0e}, κ_W = {kappa_w:.1}",
            cfg.family, cfg.kappa
        );
        let y = "(1/m)Σ‖xᵢ − x*‖² relative to X₀";
        let mut by_comm = Figure::log_y(&title, COMM_AXIS, y);
        let mut by_grad = Figure::log_y(&title, GRAD_AXIS, y);
        let mut table = LongTable::new(&TRACE_COLUMNS);
        let (mut round_targets, mut grad_targets) = (Vec::new(), Vec::new());
        for (j, &(jc, a)) in jobs.iter().enumerate() {
            if jc != c {
                continue;
            }
            let r = &reports[j];
            let t = to_target(r);
            let (rounds, grads) = t.unwrap_or((f64::NAN, f64::NAN));
            let w = work_at_target(r);
            let count = |f: fn(&Work) -> u64| w.as_ref().map_or(f64::NAN, |w| f(w) as f64);
            summary.push(
                a.name(),
                c,
                vec![
                    m as f64,
                    cfg.kappa,
                    kappa_w,
                    rounds,
                    count(|w| w.communication_rounds),
                    count(|w| w.all_reduces),
                    count(|w| w.values_sent),
                    grads,
                ],
            );
            round_targets.push(rounds);
            grad_targets.push(grads);
            let label = format!("EXP-I3 {} {} m = {m} κ = {:.0e}", a.name(), cfg.family, cfg.kappa);
            if t.is_none() {
                match a {
                    Algo::Ideal => ideal_failed.push(label),
                    Algo::IdealFixed => fixed_failed.push(label),
                    Algo::IdealContraction => contraction_failed.push(label),
                    Algo::Mideal => mideal_failed.push(label),
                    _ => {}
                }
            }
            match a {
                Algo::Ideal => ideal_pts.push((cfg.kappa * kappa_w, rounds)),
                Algo::Mideal => {
                    mideal_grad.push((cfg.kappa, grads));
                    let k = kappas
                        .iter()
                        .position(|&k| k == cfg.kappa)
                        .expect("a kappa of the grid");
                    mideal_by_kappa[k].push(grads);
                    mideal_opt.push(rounds / ((cfg.kappa * kappa_w).sqrt() * (1.0 / TOL).ln()));
                }
                _ => {}
            }
            if t.is_none() {
                notes.push(format!(
                    "EXP-I3 {} m = {m} κ = {:.0e}: {} did not reach 1e-10 within {} rounds (rel_dist {:.2e})",
                    cfg.family,
                    cfg.kappa,
                    a.name(),
                    r.work.communication_rounds,
                    r.trace.last_value("rel_dist").unwrap_or(f64::NAN)
                ));
            }
            if m == m_fig {
                add_curves(a.name(), r, &mut by_comm, &mut by_grad, &mut table, 0);
            }
        }
        if m == m_fig {
            finish_figure(&mut by_comm, &round_targets);
            finish_figure(&mut by_grad, &grad_targets);
            let stem = format!("exp_i3_{}_m{m}_kappa_{:.0e}", cfg.family, cfg.kappa);
            figures.push(save(&ctx.dir, &stem, &by_comm, &table)?);
            let svg = format!("{stem}_by_gradients.svg");
            by_grad.write_svg(&ctx.dir.join(&svg))?;
            figures.push(svg);
        }
    }
    summary.write_csv(&ctx.dir.join("exp_i3_rounds_to_target.csv"))?;

    // Scaling figure: rounds to target against κ·κ_W, one marker per configuration (lines would join
    // configurations of different graphs and κ, which zigzag for EXTRA, whose rounds follow κ + κ_W).
    let rounds_of = |c: usize, a: Algo| {
        jobs.iter()
            .zip(&reports)
            .find(|((jc, b), _)| *jc == c && *b == a)
            .and_then(|(_, r)| to_target(r))
            .map_or(f64::NAN, |t| t.0)
    };
    let kk = |c: usize| configs[c].kappa * nets[c].gossip_matrix().spectrum().kappa_w;
    let mut fig = Figure::log_y(
        "EXP-I3: communications to 1e-10 against κ·κ_W (one marker per graph, m and κ)",
        "κ·κ_W (local condition number × gossip condition number)",
        "communications (gossip rounds + all-reduces) to 1e-10",
    );
    fig.log_x = true;
    fig.markers_only = true;
    fig.legend = Legend::Outside;
    let mut scaling = LongTable::new(&["kappa", "kappa_w", "kappa_times_kappa_w", "communications"]);
    for &a in &algos {
        let mut pts = Vec::new();
        for (c, cfg) in configs.iter().enumerate() {
            let r = rounds_of(c, a);
            scaling.push(a.name(), c, vec![cfg.kappa, kk(c) / cfg.kappa, kk(c), r]);
            if r.is_finite() {
                pts.push((kk(c), r));
            }
        }
        fig.curves.push(Curve::new(a.name(), &pts));
    }
    figures.push(save(&ctx.dir, "exp_i3_rounds_vs_kappa_kappa_w", &fig, &scaling)?);

    // Speed-up figure: the best primal baseline's rounds (EXTRA, NIDS, DIGing: whichever needs fewest) over the
    // accelerated dual methods', per configuration. Above 1 = the dual method is ahead.
    let primal: Vec<Algo> = algos
        .iter()
        .copied()
        .filter(|a| matches!(a, Algo::Extra | Algo::Nids | Algo::Diging))
        .collect();
    let duals: Vec<Algo> = algos
        .iter()
        .copied()
        .filter(|a| matches!(a, Algo::Ideal | Algo::Mideal | Algo::Msda))
        .collect();
    let best_primal = |c: usize| {
        primal
            .iter()
            .map(|&a| rounds_of(c, a))
            .filter(|r| r.is_finite())
            .reduce(f64::min)
            .unwrap_or(f64::NAN)
    };
    let primal_names = primal.iter().map(|a| a.name()).collect::<Vec<_>>().join(", ");
    let mut fig = Figure::log_y(
        "EXP-I3: communications of the best primal method / those of the dual method (> 1: dual ahead)",
        "κ·κ_W (local condition number × gossip condition number)",
        &format!("communications of the best of {primal_names} / those of the method"),
    );
    fig.log_x = true;
    fig.markers_only = true;
    fig.legend = Legend::Outside;
    let mut speedup = LongTable::new(&["kappa", "kappa_w", "kappa_times_kappa_w", "speedup"]);
    let mut ahead = Vec::new();
    let mut ahead_failed = Vec::new();
    let largest = kappas[kappas.len() - 1];
    for &a in &duals {
        let mut pts = Vec::new();
        for (c, cfg) in configs.iter().enumerate() {
            let v = best_primal(c) / rounds_of(c, a);
            speedup.push(a.name(), c, vec![cfg.kappa, kk(c) / cfg.kappa, kk(c), v]);
            if v.is_finite() {
                pts.push((kk(c), v));
            }
        }
        fig.curves
            .push(Curve::new(format!("{primal_names} / {}", a.name()), &pts));
    }
    for (c, cfg) in configs.iter().enumerate() {
        if cfg.kappa == largest {
            // A failed IDEAL or MIDEAL run is named (the better of the two is taken only over runs that reached the
            // target); a configuration where every primal method failed has no baseline and is named too.
            for a in [Algo::Ideal, Algo::Mideal] {
                if !rounds_of(c, a).is_finite() {
                    ahead_failed.push(format!(
                        "EXP-I3 {} {} m = {} κ = {largest:.0e}",
                        a.name(),
                        cfg.family,
                        cfg.graph.nodes()
                    ));
                }
            }
            let dual_best = min_of_runs(&[rounds_of(c, Algo::Ideal), rounds_of(c, Algo::Mideal)]);
            let primal = best_primal(c);
            if !primal.is_finite() {
                ahead_failed.push(format!(
                    "EXP-I3 every primal method, {} m = {} κ = {largest:.0e}",
                    cfg.family,
                    cfg.graph.nodes()
                ));
            }
            ahead.push(primal / dual_best);
        }
    }
    let ahead_at_largest = min_of_runs(&ahead);
    let xs: Vec<f64> = (0..configs.len()).map(kk).collect();
    let (lo, hi) = (min_of_runs(&xs), max_of_runs(&xs));
    fig.curves.push(Curve::new("equal rounds", &[(lo, 1.0), (hi, 1.0)]));
    fig.dashed.push("equal rounds".into());
    figures.push(save(&ctx.dir, "exp_i3_speedup_vs_kappa_kappa_w", &fig, &speedup)?);
    claims.push(
        Claim::at_least(
            "ideal.I3.dual_ahead_at_largest_kappa",
            &format!(
                "EXP-I3 at κ = {largest:.0e}: min over the graphs of (communications to 1e-10 of the best of \
                 {primal_names}) / (those of the better of IDEAL+AGD and MIDEAL+AGD) is >= 1 (communications = gossip \
                 rounds + all-reduces; not gated: theory compares O(κ + κ_W) with Õ(√(κκ_W)) only up to constants and \
                 log factors)"
            ),
            ahead_at_largest,
            1.0,
            false,
        )
        .with_failed_runs(ahead_failed),
    );

    let n_configs = configs.len();
    claims.push(
        Claim::at_most(
            "ideal.ideal_agd_converges_everywhere",
            &format!(
                "number of EXP-I3 configurations (of {n_configs}) where IDEAL+AGD with the default inner rule \
                 T = ⌈{DEFAULT_INNER_FACTOR}·√κ_in⌉ (no global reduction; AGD's bound contracts the inner gap by \
                 2e^(−{DEFAULT_INNER_FACTOR}) per outer step) does not reach 1e-10 is 0 (not gated: the outer loop's \
                 tolerance to this inexactness is measured, not proved)"
            ),
            ideal_failed.len() as f64,
            0.0,
            false,
        )
        .with_failed_runs(ideal_failed.clone()),
    );
    claims.push(
        Claim::at_most(
            "ideal.fixed_t_converges_everywhere",
            &format!(
                "number of EXP-I3 configurations (of {n_configs}) where IDEAL+AGD with the spec's fixed T = ⌈√κ_in⌉ \
                 does not reach 1e-10 is 0 (not gated: the spec's rule is empirical; AGD with T ≈ √κ_in contracts the \
                 inner gap only by 2/e in the worst case)"
            ),
            fixed_failed.len() as f64,
            0.0,
            false,
        )
        .with_failed_runs(fixed_failed),
    );
    claims.push(
        Claim::at_most(
            "ideal.contraction_converges_everywhere",
            &format!(
                "number of EXP-I3 configurations (of {n_configs}) where IDEAL+AGD with the contraction rule δ = 1/2 \
                 (‖∇P_k‖ ≤ (δ/κ_in)·‖∇P_k(X_k)‖, one all-reduce per inner iteration) does not reach 1e-10 is 0 (not \
                 gated)"
            ),
            contraction_failed.len() as f64,
            0.0,
            false,
        )
        .with_failed_runs(contraction_failed),
    );
    let slope = log_log_slope(&ideal_pts);
    notes.push(format!("EXP-I3 IDEAL+AGD (κ·κ_W, communications): {ideal_pts:?}"));
    claims.push(
        Claim::within(
            "ideal.comm_scaling",
            &format!(
                "fitted exponent p of IDEAL+AGD's communications to 1e-10 ∝ (κ·κ_W)^p over the {n_configs} EXP-I3 \
                 configurations lies in [0.35, 0.65] (theory: Õ(√(κκ_W) log 1/ε), p = 1/2; a failed run makes the fit \
                 NaN)"
            ),
            slope,
            0.35,
            0.65,
            true,
        )
        .with_failed_runs(ideal_failed),
    );
    let gslope = log_log_slope(&mideal_grad);
    claims.push(
        Claim::within(
            "ideal.mideal_grad_scaling",
            "fitted exponent p of MIDEAL's gradient computations to 1e-10 ∝ κ^p over EXP-I3 lies in [0.35, 0.65] \
             (theory: Õ(√κ log 1/ε) whatever the graph, p = 1/2)",
            gslope,
            0.35,
            0.65,
            true,
        )
        .with_failed_runs(mideal_failed.clone()),
    );
    let spreads: Vec<f64> = mideal_by_kappa
        .iter()
        .map(|v| max_of_runs(v) / min_of_runs(v))
        .collect();
    let spread = max_of_runs(&spreads);
    notes.push(format!(
        "EXP-I3 MIDEAL gradients per κ across graphs: {mideal_by_kappa:?}"
    ));
    claims.push(
        Claim::at_most(
            "ideal.mideal_grad_spread",
            "max over κ of (largest / smallest) MIDEAL gradient computations to 1e-10 across the EXP-I3 graphs is <= 2 \
             (theory: MIDEAL's gradient count does not depend on the graph)",
            spread,
            2.0,
            true,
        )
        .with_failed_runs(mideal_failed.clone()),
    );
    let worst = max_of_runs(&mideal_opt);
    claims.push(
        Claim::at_most(
            "ideal.optimal_comm",
            "max over EXP-I3 of MIDEAL's communications (gossip rounds + all-reduces; MIDEAL's default rule makes no \
             all-reduce) to ε = 1e-10 / (√(κ·κ_W)·ln(1/ε)) is <= 3 (the lower bound Ω(√(κκ_W) log 1/ε) of Scaman et \
             al. 2017, up to a constant)",
            worst,
            3.0,
            true,
        )
        .with_failed_runs(mideal_failed),
    );
    Ok(())
}

/// EXP-I1's L2 weight: κ = L/μ ≈ 300 on Fashion-MNIST pixels in [0, 1] (L ≈ 29.6 from λ_max(AᵀA/n)/4).
const I1_L2: f64 = 0.1;

/// EXP-I1: decentralized L2-logistic regression on binary Fashion-MNIST over 10 nodes (see the module docs).
///
/// When the data set is not installed the section is skipped with a note naming the install command, so that the
/// quadratic sections (which need no data) still run and are checked.
fn exp_i1(
    ctx: &Ctx,
    claims: &mut Vec<Claim>,
    figures: &mut Vec<String>,
    notes: &mut Vec<String>,
) -> Result<(), ExpError> {
    let m = 10;
    let n = if ctx.quick { 1_000 } else { 10_000 };
    let (x, y) = match FashionMnist::load_binary(Split::Train, n) {
        Ok(d) => d,
        Err(e) => {
            notes.push(format!(
                "EXP-I1 SKIPPED: Fashion-MNIST not found ({e}); install it with `{}`",
                FashionMnist::INSTALL_HINT
            ));
            return Ok(());
        }
    };
    let t0 = std::time::Instant::now();
    let design = gradus_oracle::Design::dense(x).map_err(|e| ExpError::Other(e.to_string()))?;
    let loss = gradus_oracle::Loss::Logistic;
    let reference =
        linear_model_reference(&design, y.view(), loss, I1_L2, m, Partition::Contiguous, 1e-12).map_err(de)?;
    let f_star = reference.f_star;
    let p = LocalProblem::linear_model_split(&design, y.view(), loss, I1_L2, m, Partition::Contiguous, 0..m)
        .map_err(de)?
        .with_reference(reference)
        .map_err(de)?;
    let constants = NetworkConstants::reduce(&p, &laplacian_network(&Graph::ring(m).map_err(de)?)?).map_err(de)?;
    notes.push(format!(
        "EXP-I1: {} — the first {n} Fashion-MNIST training images ({}), classes 0–4 → −1 and 5–9 → +1, pixels in \
         [0, 1], no intercept, node i holds rows i·n/m..(i+1)·n/m; L = {:.3} (max over nodes of λ_max(AᵢᵀAᵢ/nᵢ)/4 + \
         λ), μ = λ = {I1_L2}, κ = {:.1}; F* = {:.12} by Newton's method certified with ‖∇f‖ ≤ 1e-12 ({:.1} s)",
        p.name(),
        if ctx.quick {
            "quick subset"
        } else {
            "a subset of the 60 000"
        },
        constants.l,
        constants.condition_number(),
        f_star,
        t0.elapsed().as_secs_f64()
    ));
    let graphs: Vec<(&'static str, Graph, GossipKind)> = vec![
        ("ring", Graph::ring(m).map_err(de)?, GossipKind::sinkhorn_knopp()),
        ("barbell", Graph::barbell(m).map_err(de)?, GossipKind::sinkhorn_knopp()),
        (
            "complete",
            Graph::complete(m).map_err(de)?,
            GossipKind::SinkhornKnopp { regularization: 1e-9 },
        ),
    ];
    let nets: Vec<Simulator> = graphs
        .iter()
        .map(|(_, g, kind)| GossipMatrix::from_graph(g, *kind).map(Simulator::new))
        .collect::<Result<_, _>>()
        .map_err(de)?;
    // DIGing's step (1 − λ₂)/(2L) is tiny on the ring and the barbell with the regularized gossip (λ₂ ≈ 0.97 and
    // 0.99): it is run only on the complete graph, where λ₂ ≈ 0, and only in full mode.
    let mut jobs: Vec<(usize, Algo)> = Vec::new();
    for (g, (name, _, _)) in graphs.iter().enumerate() {
        for a in [
            Algo::Ideal,
            Algo::IdealFixed,
            Algo::IdealContraction,
            Algo::Mideal,
            Algo::Extra,
            Algo::Nids,
            Algo::Ssda,
            Algo::Msda,
        ] {
            jobs.push((g, a));
        }
        if *name == "complete" && !ctx.quick {
            jobs.push((g, Algo::Diging));
        }
    }
    let max_rounds: u64 = if ctx.quick { 10_000 } else { 20_000 };
    let bar = progress(jobs.len() as u64, "EXP-I1");
    let reports: Vec<Report> = jobs
        .par_iter()
        .map(|&(g, a)| {
            let r = run_algo(a, &p, &nets[g], max_rounds);
            bar.inc(1);
            r
        })
        .collect::<Result<_, _>>()?;
    bar.finish_and_clear();

    // Solver time per algorithm (summed over the graphs; metric evaluation excluded), to see what each costs.
    let mut seconds: Vec<(&'static str, f64)> = Vec::new();
    for ((_, a), r) in jobs.iter().zip(&reports) {
        match seconds.iter_mut().find(|(n, _)| *n == a.name()) {
            Some(e) => e.1 += r.seconds,
            None => seconds.push((a.name(), r.seconds)),
        }
    }
    notes.push(format!(
        "EXP-I1 solver seconds per algorithm, summed over the graphs: {}",
        seconds
            .iter()
            .map(|(n, t)| format!("{n} {t:.1}"))
            .collect::<Vec<_>>()
            .join(", ")
    ));

    let mut summary = LongTable::new(&[
        "kappa_w",
        "communications_to_1e-10",
        "rounds_to_1e-10",
        "all_reduces_to_1e-10",
        "gradients_to_1e-10",
    ]);
    // trial = graph index: 0 ring, 1 barbell, 2 complete.
    let mut at = std::collections::HashMap::new();
    for (g, (name, _, _)) in graphs.iter().enumerate() {
        let s = nets[g].gossip_matrix().spectrum();
        let title = format!(
            "EXP-I1: Fashion-MNIST logistic, n = {n}, {name} m = {m}, κ = {:.0}, κ_W = {:.1}",
            constants.condition_number(),
            s.kappa_w
        );
        let mut figs = [
            Figure::log_y(&title, COMM_AXIS, "F(x̄) − F*"),
            Figure::log_y(&title, GRAD_AXIS, "F(x̄) − F*"),
            Figure::log_y(&title, COMM_AXIS, "(1/m)Σ‖xᵢ − x*‖²"),
            Figure::log_y(&title, GRAD_AXIS, "(1/m)Σ‖xᵢ − x*‖²"),
        ];
        let mut table = LongTable::new(&[
            "communications",
            "communication_rounds",
            "all_reduces",
            "values_sent",
            "gradient_computations",
            "subopt",
            "consensus_dist",
        ]);
        let (mut round_targets, mut grad_targets) = (Vec::new(), Vec::new());
        for ((jg, a), r) in jobs.iter().zip(&reports) {
            if *jg != g {
                continue;
            }
            let ks = r.trace.metric_index("subopt").expect("monitored");
            let kd = r.trace.metric_index("consensus_dist").expect("monitored");
            let mut series: [Vec<(f64, f64)>; 4] = Default::default();
            for row in &r.trace.rows {
                let (c, gr) = (communications(&row.work), row.work.full_gradients as f64);
                let (sub, dist) = (row.values[ks], row.values[kd]);
                let w = &row.work;
                table.push(
                    a.name(),
                    0,
                    vec![
                        c,
                        w.communication_rounds as f64,
                        w.all_reduces as f64,
                        w.values_sent as f64,
                        gr,
                        sub,
                        dist,
                    ],
                );
                // Log axes: keep positive, finite values (F(x̄) − F* reaches rounding level near the optimum).
                if sub > 0.0 && sub <= 1e6 {
                    series[0].push((c, sub));
                    series[1].push((gr, sub));
                }
                if dist > 0.0 && dist <= 1e6 {
                    series[2].push((c, dist));
                    series[3].push((gr, dist));
                }
            }
            for (f, pts) in figs.iter_mut().zip(&series) {
                f.curves.push(Curve::new(a.name(), &thin(pts, 1500)));
            }
            let t = to_target(r);
            let (rounds, grads) = t.unwrap_or((f64::NAN, f64::NAN));
            let w = work_at_target(r);
            summary.push(
                a.name(),
                g,
                vec![
                    s.kappa_w,
                    rounds,
                    w.map_or(f64::NAN, |w| w.communication_rounds as f64),
                    w.map_or(f64::NAN, |w| w.all_reduces as f64),
                    grads,
                ],
            );
            round_targets.push(rounds);
            grad_targets.push(grads);
            at.insert((*name, a.name()), (rounds, grads));
            notes.push(match t {
                Some((c, gr)) => format!(
                    "EXP-I1 {name} (κ_W = {:.2}, λ₂ = {:.4}) {}: {c:.0} communications ({} all-reduces), {gr:.0} \
                     gradient computations to 1e-10 (F(x̄) − F* = {:.2e} at the end)",
                    s.kappa_w,
                    s.lambda2,
                    a.name(),
                    w.map_or(0, |w| w.all_reduces),
                    r.trace.last_value("subopt").unwrap_or(f64::NAN)
                ),
                None => format!(
                    "EXP-I1 {name} {}: did not reach 1e-10 within {} rounds (rel_dist {:.2e})",
                    a.name(),
                    r.work.communication_rounds,
                    r.trace.last_value("rel_dist").unwrap_or(f64::NAN)
                ),
            });
        }
        for (k, f) in figs.iter_mut().enumerate() {
            finish_figure(f, if k % 2 == 0 { &round_targets } else { &grad_targets });
        }
        let stems = [
            "subopt_by_communication",
            "subopt_by_gradients",
            "dist_by_communication",
            "dist_by_gradients",
        ];
        for (k, (f, stem)) in figs.iter().zip(stems).enumerate() {
            let stem = format!("exp_i1_{name}_{stem}");
            if k == 0 {
                figures.push(save(&ctx.dir, &stem, f, &table)?);
            } else {
                let svg = format!("{stem}.svg");
                f.write_svg(&ctx.dir.join(&svg))?;
                figures.push(svg);
            }
        }
    }
    summary.write_csv(&ctx.dir.join("exp_i1_to_target.csv"))?;

    let get = |g: &str, a: Algo| at.get(&(g, a.name())).copied().unwrap_or((f64::NAN, f64::NAN));
    let failed = |runs: &[(&str, Algo)]| -> Vec<String> {
        runs.iter()
            .filter(|(g, a)| !get(g, *a).0.is_finite())
            .map(|(g, a)| format!("EXP-I1 {g} {}", a.name()))
            .collect()
    };
    let (extra_ring, mideal_ring, ideal_ring) = (
        get("ring", Algo::Extra),
        get("ring", Algo::Mideal),
        get("ring", Algo::Ideal),
    );
    claims.push(
        Claim::at_least(
            "ideal.I1.mideal_beats_extra_rounds",
            &format!(
                "EXP-I1 (Fashion-MNIST logistic, ring m = 10, Sinkhorn–Knopp gossip, κ ≈ {:.0}): EXTRA's \
                 communications to 1e-10 ({:.0}) / MIDEAL+AGD's ({:.0}) is >= 1 (communications = gossip rounds + \
                 all-reduces; not gated: the spec's expectation \"IDEAL/MIDEAL fastest\" is the abstract's, with no \
                 recovered number; theory compares O(κ + κ_W) with Õ(√(κκ_W)) only up to constants)",
                constants.condition_number(),
                extra_ring.0,
                mideal_ring.0
            ),
            extra_ring.0 / mideal_ring.0,
            1.0,
            false,
        )
        .with_failed_runs(failed(&[("ring", Algo::Extra), ("ring", Algo::Mideal)])),
    );
    claims.push(
        Claim::at_least(
            "ideal.I1.ideal_beats_extra_rounds",
            &format!(
                "EXP-I1 (ring): EXTRA's communications to 1e-10 ({:.0}) / IDEAL+AGD's ({:.0}) is >= 1 (not gated, as \
                 above)",
                extra_ring.0, ideal_ring.0
            ),
            extra_ring.0 / ideal_ring.0,
            1.0,
            false,
        )
        .with_failed_runs(failed(&[("ring", Algo::Extra), ("ring", Algo::Ideal)])),
    );
    // MIDEAL's gradient count should not depend on the graph, and should beat the primal methods' (one gradient
    // per round, O(κ + κ_W) rounds): the worst ratio over graphs of min(EXTRA, NIDS) gradients / MIDEAL gradients.
    let ratios: Vec<f64> = graphs
        .iter()
        .map(|(g, _, _)| min_of_runs(&[get(g, Algo::Extra).1, get(g, Algo::Nids).1]) / get(g, Algo::Mideal).1)
        .collect();
    let runs: Vec<(&str, Algo)> = graphs
        .iter()
        .flat_map(|(g, _, _)| [(*g, Algo::Extra), (*g, Algo::Nids), (*g, Algo::Mideal)])
        .collect();
    claims.push(
        Claim::at_least(
            "ideal.I1.mideal_fewer_gradients",
            "EXP-I1: min over ring, barbell, complete of (min(EXTRA, NIDS) gradient computations to 1e-10) / \
             MIDEAL+AGD's is >= 1 (not gated: theory Õ(√κ) against O(κ) gradients, up to constants)",
            min_of_runs(&ratios),
            1.0,
            false,
        )
        .with_failed_runs(failed(&runs)),
    );
    // The spec's fixed-T variant is reported in the notes (it diverges on the barbell), not counted here.
    let counted = jobs.iter().filter(|(_, a)| *a != Algo::IdealFixed).count();
    let failures: Vec<String> = jobs
        .iter()
        .zip(&reports)
        .filter(|((_, a), r)| *a != Algo::IdealFixed && to_target(r).is_none())
        .map(|((g, a), _)| format!("EXP-I1 {} {}", graphs[*g].0, a.name()))
        .collect();
    claims.push(
        Claim::at_most(
        "ideal.I1.all_converge",
        &format!(
            "EXP-I1: number of runs (of {}) that do not reach (1/m)Σ‖xᵢ − x*‖² ≤ 1e-10·(1/m)Σ‖xᵢ⁰ − x*‖² within {max_rounds} \
             rounds is 0 (not gated; IDEAL+AGD with the spec's fixed T = ⌈√κ_in⌉ is excluded and reported in the \
             notes)",
            counted
        ),
        failures.len() as f64,
        0.0,
        false,
    )
    .with_failed_runs(failures),
    );
    Ok(())
}

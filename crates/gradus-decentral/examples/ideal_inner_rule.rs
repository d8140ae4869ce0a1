//! IDEAL's inner rule on the 24 EXP-I3 configurations (ring, torus, Erdős–Rényi, barbell; m = 16, 64;
//! κ = 1e2, 1e3, 1e4; d = 5; the experiment's seeds): gossip rounds and all-reduces to a relative distance of 1e-10,
//! for the fixed rule T = ⌈c·√κ_in⌉ (no reduction) at c = 1 (the spec), 1.5, 2, 3, and the contraction rule
//! δ = 0.9 (one all-reduce per inner iteration). Each entry is `communications = rounds + all-reduces` over
//! √(κκ_W)·ln(1e10), or `-` when the run does not reach the target within 2·10⁶ communications.
//!
//! `cargo run --release -p gradus-decentral --example ideal_inner_rule [-- quick]` (quick: m = 16 only).
//! Results: docs/decentral.md ("The inner rule").

use gradus_decentral::{
    ConsensusMonitor, GossipKind, GossipMatrix, Graph, IdealParams, InnerStop, LocalProblem, Simulator,
};
use gradus_oracle::{RunConfig, Silent, Stop};
use ndarray::Array2;

const TOL: f64 = 1e-10;
const BUDGET: u64 = 2_000_000;

/// (gossip rounds, all-reduces) at the first recorded row with rel_dist ≤ 1e-10.
fn to_target(p: &LocalProblem, sim: &Simulator, params: &IdealParams) -> Option<(u64, u64)> {
    let x0 = Array2::zeros((sim.gossip_matrix().nodes(), p.dim()));
    let monitor = ConsensusMonitor::new(p, sim, x0.view());
    let stop = Stop::iterations(BUDGET)
        .with_max_communication_rounds(BUDGET)
        .with_target("rel_dist", TOL);
    let r = params
        .solve(p, sim, x0.view(), &RunConfig::new(stop, 1), &monitor, &mut Silent)
        .ok()?;
    r.trace
        .first_below("rel_dist", TOL)
        .map(|row| (row.work.communication_rounds, row.work.all_reduces))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let quick = std::env::args().any(|a| a == "quick");
    let sizes: &[usize] = if quick { &[16] } else { &[16, 64] };
    let rules: Vec<(String, IdealParams)> = [1.0, 1.5, 2.0, 3.0]
        .iter()
        .map(|&c| {
            (
                format!("c={c}"),
                IdealParams {
                    inner_factor: c,
                    ..IdealParams::new()
                },
            )
        })
        .chain(std::iter::once((
            "delta=0.9".to_string(),
            IdealParams::new().inner_stop(InnerStop::Contraction { delta: 0.9 }),
        )))
        .collect();
    print!("graph m kappa kappa_w |");
    for (name, _) in &rules {
        print!(" {name}");
    }
    println!("   (communications / (sqrt(kappa kappa_w) ln 1e10); rounds + all-reduces in parentheses)");
    let mut diverged = vec![0usize; rules.len()];
    for &m in sizes {
        let side = (m as f64).sqrt() as usize;
        let graphs = [
            ("ring", Graph::ring(m)?),
            ("torus", Graph::torus(side, m / side)?),
            ("erdos-renyi", Graph::erdos_renyi(m, 4.0 / m as f64, m as u64, 1000)?),
            ("barbell", Graph::barbell(m)?),
        ];
        for (name, graph) in graphs {
            let sim = Simulator::new(GossipMatrix::from_graph(&graph, GossipKind::Laplacian)?);
            let kappa_w = sim.gossip_matrix().spectrum().kappa_w;
            for kappa in [1e2, 1e3, 1e4] {
                let p = LocalProblem::spec_quadratics(m, 5, kappa, 1, 0..m)?;
                let re = p.central_reference(0.0)?;
                let p = p.with_reference(re)?;
                let bound = (kappa * kappa_w).sqrt() * (1e10f64).ln();
                let mut line = format!("{name} {m} {kappa:.0e} {kappa_w:.1} |");
                for (k, (_, params)) in rules.iter().enumerate() {
                    match to_target(&p, &sim, params) {
                        Some((r, a)) => line += &format!(" {:.2} ({r} + {a})", (r + a) as f64 / bound),
                        None => {
                            diverged[k] += 1;
                            line += " -"
                        }
                    }
                }
                println!("{line}");
            }
        }
    }
    for ((name, _), d) in rules.iter().zip(&diverged) {
        println!("{name}: {d} configurations without convergence");
    }
    Ok(())
}

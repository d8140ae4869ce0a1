//! IDEAL's constant at large κ_W: rounds to a relative distance of 1e-10 over √(κκ_W)·ln(1e10), for the inner
//! contraction δ of `InnerStop::Contraction` (default 1/2) and MIDEAL for comparison, on the EXP-I3 quadratics.
//!
//! `cargo run --release -p gradus-decentral --example ideal_inner_delta -- [graph m kappa]...`
//! with graph ∈ {ring, torus, erdos-renyi, barbell} (EXP-I3's graphs); default: ring 16 1e3, ring 64 1e3, barbell 64 1e3. Results: docs/decentral.md
//! ("Where IDEAL's constant comes from").

use gradus_decentral::{
    ConsensusMonitor, ConsensusProblem, GossipKind, GossipMatrix, Graph, IdealParams, InnerStop, Simulator,
};
use gradus_oracle::{RunConfig, Silent, Stop};
use ndarray::Array2;

const TOL: f64 = 1e-10;

fn rounds_to_target(p: &ConsensusProblem, sim: &Simulator, params: &IdealParams) -> Option<(u64, u64)> {
    let x0 = Array2::zeros((p.nodes(), p.dim()));
    let monitor = ConsensusMonitor::new(p, x0.view());
    let stop = Stop::iterations(2_000_000)
        .with_max_communication_rounds(2_000_000)
        .with_target("rel_dist", TOL);
    let r = params
        .solve(p, sim, x0.view(), &RunConfig::new(stop, 1), &monitor, &mut Silent)
        .ok()?;
    r.trace
        .first_below("rel_dist", TOL)
        .map(|row| (row.work.communication_rounds, row.iteration))
}

/// Prints `message` and exits with status 2 (bad command-line input).
fn bad_input(message: String) -> ! {
    eprintln!("ideal_inner_delta: {message}");
    std::process::exit(2)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if !args.len().is_multiple_of(3) {
        bad_input(format!(
            "expected triples `graph m kappa`, got {} arguments",
            args.len()
        ));
    }
    let configs: Vec<(String, usize, f64)> = if args.is_empty() {
        vec![
            ("ring".into(), 16, 1e3),
            ("ring".into(), 64, 1e3),
            ("barbell".into(), 64, 1e3),
        ]
    } else {
        args.chunks(3)
            .map(|c| {
                let m = c[1]
                    .parse()
                    .unwrap_or_else(|_| bad_input(format!("m = {:?} is not a node count", c[1])));
                let kappa = c[2]
                    .parse()
                    .unwrap_or_else(|_| bad_input(format!("kappa = {:?} is not a number", c[2])));
                (c[0].clone(), m, kappa)
            })
            .collect()
    };
    println!(
        "graph m kappa kappa_w | rounds / (sqrt(kappa kappa_w) ln 1e10) for IDEAL δ = 0.9, 0.75, 0.5, 0.25 (outer iterations / \
         (sqrt(kappa_w) ln 1e10), rounds per outer iteration / sqrt(kappa)); MIDEAL"
    );
    for (name, m, kappa) in configs {
        let graph = match name.as_str() {
            "ring" => Graph::ring(m),
            "barbell" => Graph::barbell(m),
            "torus" => {
                let side = (m as f64).sqrt() as usize;
                Graph::torus(side, m / side.max(1))
            }
            // EXP-I3's Erdős–Rényi graph with the experiment's default seed 0.
            "erdos-renyi" => Graph::erdos_renyi(m, 4.0 / m as f64, m as u64, 1000),
            other => bad_input(format!("graph {other:?}: choose ring, torus, erdos-renyi or barbell")),
        }
        .unwrap_or_else(|e| bad_input(e.to_string()));
        let gossip =
            GossipMatrix::from_graph(&graph, GossipKind::Laplacian).unwrap_or_else(|e| bad_input(e.to_string()));
        let sim = Simulator::new(gossip);
        let p = ConsensusProblem::spec_quadratics(m, 5, kappa, 1).unwrap_or_else(|e| bad_input(e.to_string()));
        let kappa_w = sim.gossip_matrix().spectrum().kappa_w;
        let bound = (kappa * kappa_w).sqrt() * (1e10f64).ln();
        let mut line = format!("{name} {m} {kappa:.0e} {kappa_w:.1} |");
        for delta in [0.9, 0.75, 0.5, 0.25] {
            let params = IdealParams {
                inner_stop: Some(InnerStop::Contraction { delta }),
                ..IdealParams::new()
            };
            match rounds_to_target(&p, &sim, &params) {
                Some((r, outer)) => {
                    // Outer iterations over √κ_W·ln(1e10), rounds per outer iteration over √κ.
                    let outer_c = outer as f64 / (kappa_w.sqrt() * (1e10f64).ln());
                    let inner_c = r as f64 / outer as f64 / kappa.sqrt();
                    line += &format!(
                        " {:.2} ({r}; outer {outer_c:.2}, per outer {inner_c:.2})",
                        r as f64 / bound
                    )
                }
                None => line += " -",
            }
        }
        match rounds_to_target(&p, &sim, &IdealParams::mideal()) {
            Some((r, _)) => line += &format!(" | MIDEAL {:.2} ({r})", r as f64 / bound),
            None => line += " | MIDEAL -",
        }
        println!("{line}");
    }
}

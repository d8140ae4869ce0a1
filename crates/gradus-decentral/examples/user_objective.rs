//! A node objective defined outside gradus-decentral: a Huber regression node, run under EXTRA and IDEAL.
//!
//! Node i holds nᵢ = 20 rows (aⱼ, bⱼ) of its own, generated from (seed, i) alone, and
//!
//! ```text
//! fᵢ(x) = (1/nᵢ) Σⱼ huber_δ(aⱼᵀx − bⱼ) + (λ/2)‖x‖²,   huber_δ(r) = r²/2 if |r| ≤ δ, δ(|r| − δ/2) otherwise
//! ```
//!
//! which is λ-strongly convex and ((1/nᵢ) Σⱼ ‖aⱼ‖² + λ)-smooth. The type implements only
//! [`gradus_oracle::Objective`]; [`LocalNode::new`] reads μᵢ and Lᵢ from it.
//!
//! `cargo run --release -p gradus-decentral --example user_objective` runs both solvers on a simulated ring of 8
//! nodes to rel_dist ≤ 1e-12 against a central L-BFGS reference, and prints x̄ (and its bits, to compare with a
//! multi-process run of the same code). `tests/user_objective.rs` runs the same functions.

use std::ops::Range;

use gradus_decentral::consensus::node_seed;
use gradus_decentral::{
    Communicator, ConsensusMonitor, DecentralError, ExtraParams, GossipKind, GossipMatrix, Graph, IdealParams,
    LocalNode, LocalProblem, Simulator,
};
use gradus_oracle::{Objective, Report, RunConfig, Silent, Stop};
use ndarray::{Array1, Array2, ArrayView1, ArrayViewMut1};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

/// The Huber regression node (see the module docs).
pub struct HuberNode {
    a: Array2<f64>,
    b: Array1<f64>,
    delta: f64,
    lambda: f64,
}

impl HuberNode {
    /// Node `node`'s data: rows aⱼ uniform in [−1, 1]ᵈ, bⱼ = aⱼᵀx₀ + noise with heavy outliers (every fifth row
    /// off by 5), x₀ = (1, −1, 1, …) shared by every node; from `StdRng::seed_from_u64(node_seed(seed, node))`.
    pub fn generate(node: usize, rows: usize, dim: usize, seed: u64) -> Self {
        let mut rng = StdRng::seed_from_u64(node_seed(seed, node));
        let a = Array2::from_shape_fn((rows, dim), |_| 2.0 * rng.random::<f64>() - 1.0);
        let truth = Array1::from_shape_fn(dim, |k| if k % 2 == 0 { 1.0 } else { -1.0 });
        let b = Array1::from_shape_fn(rows, |j| {
            let noise = 0.1 * (2.0 * rng.random::<f64>() - 1.0);
            let outlier = if j % 5 == 0 { 5.0 } else { 0.0 };
            a.row(j).dot(&truth) + noise + outlier
        });
        HuberNode {
            a,
            b,
            delta: 0.5,
            lambda: 0.1,
        }
    }

    fn residual(&self, j: usize, x: ArrayView1<f64>) -> f64 {
        self.a.row(j).dot(&x) - self.b[j]
    }
}

impl Objective for HuberNode {
    fn dim(&self) -> usize {
        self.a.ncols()
    }

    fn value(&self, x: ArrayView1<f64>) -> f64 {
        let n = self.a.nrows() as f64;
        let loss: f64 = (0..self.a.nrows())
            .map(|j| {
                let r = self.residual(j, x);
                if r.abs() <= self.delta {
                    0.5 * r * r
                } else {
                    self.delta * (r.abs() - 0.5 * self.delta)
                }
            })
            .sum();
        loss / n + 0.5 * self.lambda * x.dot(&x)
    }

    fn gradient(&self, x: ArrayView1<f64>, mut out: ArrayViewMut1<f64>) {
        let n = self.a.nrows() as f64;
        out.assign(&x);
        out *= self.lambda;
        for j in 0..self.a.nrows() {
            let r = self.residual(j, x).clamp(-self.delta, self.delta);
            out.scaled_add(r / n, &self.a.row(j));
        }
    }

    fn smoothness(&self) -> f64 {
        let n = self.a.nrows() as f64;
        self.a.iter().map(|v| v * v).sum::<f64>() / n + self.lambda
    }

    fn strong_convexity(&self) -> f64 {
        self.lambda
    }
}

/// Nodes `nodes` of an m-node Huber problem in dimension 4, each built from (seed, node id) alone.
pub fn huber_problem(nodes: Range<usize>, seed: u64) -> Result<LocalProblem, DecentralError> {
    let first = nodes.start;
    let locals = nodes
        .map(|i| LocalNode::new(HuberNode::generate(i, 20, 4, seed)))
        .collect::<Result<Vec<_>, _>>()?;
    LocalProblem::new("huber regression", first, locals)
}

/// Runs `algorithm` ("extra" or "ideal") from X₀ = 0 until rel_dist ≤ `tol` (with a reference) or `iterations`;
/// returns the report (X = this process's rows) and x̄, the network mean of the final rows.
pub fn run(
    algorithm: &str,
    problem: &LocalProblem,
    comm: &dyn Communicator,
    iterations: u64,
    tol: f64,
) -> Result<(Report, Array1<f64>), DecentralError> {
    let x0 = Array2::zeros((comm.local_nodes().len(), problem.dim()));
    let monitor = ConsensusMonitor::new(problem, comm, x0.view());
    let mut stop = Stop::iterations(iterations);
    if problem.reference().is_some() {
        stop = stop.with_target("rel_dist", tol);
    }
    let config = RunConfig::new(stop, 1).record_every(10);
    let report = match algorithm {
        "extra" => ExtraParams::new().solve(problem, comm, x0.view(), &config, &monitor, &mut Silent)?,
        _ => IdealParams::new().solve(problem, comm, x0.view(), &config, &monitor, &mut Silent)?,
    };
    Ok((report, monitor.mean()))
}

/// The ring of 8 nodes the example uses.
pub fn ring_network() -> Result<Simulator, DecentralError> {
    Ok(Simulator::new(GossipMatrix::from_graph(
        &Graph::ring(8)?,
        GossipKind::Laplacian,
    )?))
}

#[allow(dead_code)]
fn main() -> Result<(), DecentralError> {
    let sim = ring_network()?;
    let whole = huber_problem(0..8, 42)?;
    let reference = whole.central_reference(1e-12)?;
    let x_star = reference.x_star.clone();
    let problem = whole.with_reference(reference)?;
    for algorithm in ["extra", "ideal"] {
        let (report, mean) = run(algorithm, &problem, &sim, 100_000, 1e-12)?;
        let error = (&mean - &x_star).iter().map(|v| v * v).sum::<f64>().sqrt();
        let bits: Vec<String> = mean.iter().map(|v| format!("{:016x}", v.to_bits())).collect();
        println!(
            "{algorithm}: {:?} after {} iterations, {} rounds, {} all-reduces, ‖x̄ − x*‖ = {error:.2e}",
            report.status, report.iterations, report.work.communication_rounds, report.work.all_reduces
        );
        println!("  x̄ = {mean}\n  bits {}", bits.join(" "));
    }
    Ok(())
}

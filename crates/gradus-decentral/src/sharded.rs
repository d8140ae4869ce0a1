//! The centralized baseline on a split data set: [`ShardedObjective`], an [`Objective`] whose value and gradient are
//! all-reduced over the nodes of a [`Communicator`], so that gradus-classic's GD, AGD and L-BFGS run on data split
//! across processes (every process runs the same solver on the same bits and takes the same steps).
//!
//! ```text
//! F(x) = Σᵢ wᵢ fᵢ(x) + (λ/2)‖x‖²,    ∇F(x) = Σᵢ wᵢ ∇fᵢ(x) + λx
//! ```
//! over every node i of the network; a process holds its local nodes' fᵢ (any [`Objective`]) and weights wᵢ.
//! For a linear model whose n samples are split over the nodes, fᵢ is the mean loss over node i's nᵢ rows and
//! wᵢ = nᵢ/n, so F is the mean loss over all rows plus (λ/2)‖x‖², the objective of the unsplit model.
//!
//! Each call is one all-reduce of the per-node rows, summed in node order ([`Communicator::all_reduce_sum`]), so the
//! result has the same bits on every backend and number of processes: `value` reduces 1 number per node,
//! `gradient` d, `value_and_gradient` d + 1. Every all-reduce (including those of a monitor evaluating F) is
//! counted in [`ShardedObjective::work`] (`all_reduces`, `values_sent`); the node-local gradient computations in
//! `full_gradients` (one per call that computes gradients).
//!
//! The constants are bounds: L = Σᵢ wᵢ Lᵢ + λ and μ = Σᵢ wᵢ μᵢ + λ, reduced once at construction (counted).

use std::sync::Mutex;

use gradus_oracle::{Objective, Work};
use ndarray::{Array1, Array2, ArrayView1, ArrayViewMut1};

use crate::error::{DecentralError, Result};
use crate::network::Communicator;

/// One node's part of a sharded objective: fᵢ and its weight wᵢ.
pub struct ShardNode {
    /// fᵢ.
    pub objective: Box<dyn Objective + Send + Sync>,
    /// wᵢ ≥ 0.
    pub weight: f64,
}

/// F(x) = Σᵢ wᵢ fᵢ(x) + (λ/2)‖x‖² over every node of the network, all-reduced (see the module docs).
pub struct ShardedObjective<'c> {
    comm: &'c dyn Communicator,
    nodes: Vec<ShardNode>,
    l2: f64,
    dim: usize,
    smoothness: f64,
    strong_convexity: f64,
    work: Mutex<Work>,
}

impl<'c> ShardedObjective<'c> {
    /// The objective of the local nodes `nodes` (one per node of `comm.local_nodes()`, in order) with the L2 weight
    /// λ = `l2`. Collective: every process must call it.
    ///
    /// Errors (the same on every process): a node count that is not the communicator's local count, dimensions
    /// that differ (within or between processes), a negative or non-finite weight or λ.
    pub fn new(comm: &'c dyn Communicator, nodes: Vec<ShardNode>, l2: f64) -> Result<Self> {
        let local_ok = nodes.len() == comm.local_nodes().len()
            && nodes
                .iter()
                .all(|n| n.weight.is_finite() && n.weight >= 0.0 && n.objective.dim() == nodes[0].objective.dim());
        let dim = nodes.first().map_or(0, |n| n.objective.dim());
        let mut work = Work::default();
        // One reduction of [ok, d, -d, wᵢLᵢ, wᵢμᵢ] per node: the agreement on the setup and the constants.
        let rows = Array2::from_shape_fn((nodes.len(), 5), |(r, k)| {
            let n = &nodes[r];
            match k {
                0 => f64::from(u8::from(!local_ok)),
                1 => dim as f64,
                2 => -(dim as f64),
                3 => n.weight * n.objective.smoothness(),
                _ => n.weight * n.objective.strong_convexity(),
            }
        });
        let mut max = Array1::zeros(5);
        comm.all_reduce_max(rows.view(), max.view_mut(), Some(&mut work));
        let mut sum = Array1::zeros(5);
        comm.all_reduce_sum(rows.view(), sum.view_mut(), Some(&mut work));
        if nodes.len() != comm.local_nodes().len() {
            return Err(DecentralError::DimensionMismatch {
                what: "sharded objective nodes (one per local node of the communicator)",
                expected: comm.local_nodes().len(),
                got: nodes.len(),
            });
        }
        if !local_ok || max[0] != 0.0 || max[1] != -max[2] {
            return Err(crate::error::invalid(
                "sharded",
                "nodes",
                dim as f64,
                "every node on every process needs the same dimension and a finite weight >= 0",
            ));
        }
        if !(l2.is_finite() && l2 >= 0.0) {
            return Err(crate::error::invalid("sharded", "l2", l2, "must be finite and >= 0"));
        }
        Ok(ShardedObjective {
            comm,
            nodes,
            l2,
            dim,
            smoothness: sum[3] + l2,
            strong_convexity: sum[4] + l2,
            work: Mutex::new(work),
        })
    }

    /// The communication and node-gradient work spent so far (all-reduces, values sent, full gradients).
    pub fn work(&self) -> Work {
        *self.work.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Σ over every node of the rows produced by `row` (k columns), counted.
    fn reduce(&self, k: usize, row: impl Fn(&ShardNode, ArrayViewMut1<f64>)) -> Array1<f64> {
        let mut rows = Array2::zeros((self.nodes.len(), k));
        for (n, out) in self.nodes.iter().zip(rows.rows_mut()) {
            row(n, out);
        }
        let mut sum = Array1::zeros(k);
        let mut work = self.work.lock().unwrap_or_else(|e| e.into_inner());
        self.comm.all_reduce_sum(rows.view(), sum.view_mut(), Some(&mut work));
        sum
    }

    fn count_gradients(&self) {
        self.work.lock().unwrap_or_else(|e| e.into_inner()).full_gradients += 1;
    }

    /// (λ/2)‖x‖².
    fn ridge(&self, x: ArrayView1<f64>) -> f64 {
        0.5 * self.l2 * x.dot(&x)
    }
}

impl Objective for ShardedObjective<'_> {
    fn dim(&self) -> usize {
        self.dim
    }

    fn value(&self, x: ArrayView1<f64>) -> f64 {
        let s = self.reduce(1, |n, mut out| out[0] = n.weight * n.objective.value(x));
        s[0] + self.ridge(x)
    }

    fn gradient(&self, x: ArrayView1<f64>, mut out: ArrayViewMut1<f64>) {
        let g = self.reduce(self.dim, |n, mut row| {
            n.objective.gradient(x, row.view_mut());
            row *= n.weight;
        });
        self.count_gradients();
        out.assign(&g);
        out.scaled_add(self.l2, &x);
    }

    fn value_and_gradient(&self, x: ArrayView1<f64>, mut out: ArrayViewMut1<f64>) -> f64 {
        let d = self.dim;
        let s = self.reduce(d + 1, |n, mut row| {
            let v = n.objective.value_and_gradient(x, row.slice_mut(ndarray::s![..d]));
            row.slice_mut(ndarray::s![..d]).mapv_inplace(|g| n.weight * g);
            row[d] = n.weight * v;
        });
        self.count_gradients();
        out.assign(&s.slice(ndarray::s![..d]));
        out.scaled_add(self.l2, &x);
        s[d] + self.ridge(x)
    }

    fn smoothness(&self) -> f64 {
        self.smoothness
    }

    fn strong_convexity(&self) -> f64 {
        self.strong_convexity
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gossip::{GossipKind, GossipMatrix};
    use crate::graph::Graph;
    use crate::network::Simulator;
    use gradus_oracle::{Design, LinearModel, Loss};
    use ndarray::s;

    fn data(n: usize, d: usize) -> (Array2<f64>, Array1<f64>) {
        let x = Array2::from_shape_fn((n, d), |(i, j)| ((i * 31 + j * 7) as f64 * 0.173).sin());
        let y = Array1::from_shape_fn(n, |i| if (i * 13) % 5 < 2 { 1.0 } else { -1.0 });
        (x, y)
    }

    fn shards(x: &Array2<f64>, y: &Array1<f64>, nodes: std::ops::Range<usize>, m: usize) -> Vec<ShardNode> {
        let n = x.nrows();
        let per = n / m;
        nodes
            .map(|i| {
                let r = i * per..if i + 1 == m { n } else { (i + 1) * per };
                let model = LinearModel::new(
                    Design::dense(x.slice(s![r.clone(), ..]).to_owned()).unwrap(),
                    y.slice(s![r.clone()]).to_owned(),
                    Loss::Logistic,
                    0.0,
                    0.0,
                )
                .unwrap();
                ShardNode {
                    objective: Box::new(model),
                    weight: r.len() as f64 / n as f64,
                }
            })
            .collect()
    }

    /// The sharded objective equals the unsplit model to rounding, on the simulator and on a split network (same
    /// bits for every split), and counts one all-reduce per call.
    #[test]
    fn matches_the_unsplit_model_and_every_split_gives_the_same_bits() {
        let (x, y) = data(103, 4);
        let whole = LinearModel::new(Design::dense(x.clone()).unwrap(), y.clone(), Loss::Logistic, 0.01, 0.0).unwrap();
        let m = 6;
        let w = GossipMatrix::from_graph(&Graph::ring(m).unwrap(), GossipKind::Laplacian).unwrap();
        let sim = Simulator::new(w);
        let obj = ShardedObjective::new(&sim, shards(&x, &y, 0..m, m), 0.01).unwrap();
        let p = Array1::from(vec![0.3, -0.2, 0.5, 0.1]);
        let mut g = Array1::zeros(4);
        let mut gw = Array1::zeros(4);
        let v = obj.value_and_gradient(p.view(), g.view_mut());
        let vw = whole.value_and_gradient(p.view(), gw.view_mut());
        assert!((v - vw).abs() <= 1e-14 * vw.abs(), "{v} {vw}");
        assert!(g.iter().zip(&gw).all(|(a, b)| (a - b).abs() <= 1e-14));
        assert_eq!(obj.work().all_reduces, 3); // 2 at setup + 1
        assert_eq!(obj.work().full_gradients, 1);
        let bits = (v.to_bits(), g.mapv(f64::to_bits));

        for sizes in [vec![3, 3], vec![1, 2, 3], vec![2, 1, 1, 2]] {
            let procs = sim.split(&sizes).unwrap();
            let results: Vec<_> = std::thread::scope(|sc| {
                let handles: Vec<_> = procs
                    .iter()
                    .map(|pr| {
                        let (x, y, p) = (&x, &y, &p);
                        sc.spawn(move || {
                            let obj = ShardedObjective::new(pr, shards(x, y, pr.local_nodes(), m), 0.01).unwrap();
                            let mut g = Array1::zeros(4);
                            let v = obj.value_and_gradient(p.view(), g.view_mut());
                            (v.to_bits(), g.mapv(f64::to_bits))
                        })
                    })
                    .collect();
                handles.into_iter().map(|h| h.join().unwrap()).collect()
            });
            assert!(results.iter().all(|r| *r == bits), "{sizes:?}");
        }
    }
}

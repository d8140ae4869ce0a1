//! The network layer: what a decentralized algorithm may do, as the [`Communicator`] trait, and the in-process
//! deterministic [`Simulator`] that implements it.
//!
//! # The contract
//!
//! Node states are matrices whose rows are nodes: a process holds the rows of the nodes
//! [`Communicator::local_nodes`] names (the simulator holds all m; an MPI backend would hold one row per process),
//! and every array an algorithm passes to the communicator has exactly those rows. An algorithm may
//! - compute on its own rows (local gradients through [`Communicator::for_each_node`], axpys on whole blocks);
//! - exchange with neighbours: [`Communicator::gossip`] writes the local rows of W·X and counts **one
//!   communication round** in [`Work::communication_rounds`];
//! - reduce over the whole network for diagnostics and stopping tests: [`Communicator::all_reduce_mean`],
//!   [`Communicator::all_reduce_sum`] (not counted as gossip rounds: a real network would implement them with a
//!   tree or ring all-reduce);
//! - read the spectrum of W ([`Communicator::spectrum`]), which every node knows from the setup.
//!
//! Nothing else: no algorithm indexes another node's row. A later MPI backend (one process per node, rsmpi,
//! behind a cargo feature) implements the same trait: `gossip` becomes a neighbour exchange of rows followed by the
//! local weighted sum, the reductions become `MPI_Allreduce`, and no algorithm changes.
//!
//! # Determinism
//!
//! The simulator computes every output row with one thread, visiting neighbours in a fixed order; it never
//! reduces floats across threads except in the all-reduce, which sums rows in node order. Results are the same
//! bits for every thread count.

use std::ops::Range;

use gradus_oracle::Work;
use ndarray::{Array2, ArrayView1, ArrayView2, ArrayViewMut1, ArrayViewMut2, Axis, Zip};
use rayon::prelude::*;

use crate::gossip::{GossipMatrix, Spectrum};

/// A function of (global node id, input row, output row) run on every local node.
pub type NodeFn<'f> = &'f (dyn Fn(usize, ArrayView1<f64>, ArrayViewMut1<f64>) + Sync);

/// What a decentralized algorithm sees of the network (see the module docs).
pub trait Communicator: Sync {
    /// The number of nodes m in the whole network.
    fn nodes(&self) -> usize;

    /// The global ids of the nodes whose rows this process holds.
    fn local_nodes(&self) -> Range<usize>;

    /// The spectrum of the gossip matrix W (known to every node).
    fn spectrum(&self) -> &Spectrum;

    /// out = the local rows of W·X. One communication round.
    fn gossip(&self, x: ArrayView2<f64>, out: ArrayViewMut2<f64>, work: &mut Work);

    /// out = (1/m) Σᵢ xᵢ over every node of the network (diagnostics; not a gossip round).
    fn all_reduce_mean(&self, x: ArrayView2<f64>, out: ArrayViewMut1<f64>);

    /// Σ over every process of `local` (diagnostics and stopping tests; not a gossip round).
    fn all_reduce_sum(&self, local: f64) -> f64;

    /// Runs `f(i, x_i, out_i)` on every local node i (node-local computation, e.g. gradients), in parallel where
    /// it pays; each row is handled by exactly one thread.
    fn for_each_node(&self, x: ArrayView2<f64>, out: ArrayViewMut2<f64>, f: NodeFn<'_>);

    /// The whole gossip matrix W, when this process knows it (the simulator does; a multi-process backend
    /// returns `None`). Used only by centralized reference computations such as IDEAL's exact inner solve.
    fn dense_gossip(&self) -> Option<Array2<f64>> {
        None
    }
}

/// The in-process network: all m nodes in one process, gossip as a sparse product by W (CSR over the graph),
/// node-local work in parallel with rayon. Deterministic.
#[derive(Debug, Clone)]
pub struct Simulator {
    w: GossipMatrix,
}

impl Simulator {
    /// A simulator over a validated gossip matrix.
    pub fn new(w: GossipMatrix) -> Self {
        Simulator { w }
    }

    /// The gossip matrix.
    pub fn gossip_matrix(&self) -> &GossipMatrix {
        &self.w
    }
}

/// Rows per rayon task for node-local work on rows of length d: about 2048 numbers per task, so tiny problems
/// stay on one thread.
fn rows_per_task(d: usize) -> usize {
    (2048 / d.max(1)).max(1)
}

impl Communicator for Simulator {
    fn nodes(&self) -> usize {
        self.w.nodes()
    }

    fn local_nodes(&self) -> Range<usize> {
        0..self.w.nodes()
    }

    fn spectrum(&self) -> &Spectrum {
        self.w.spectrum()
    }

    fn gossip(&self, x: ArrayView2<f64>, out: ArrayViewMut2<f64>, work: &mut Work) {
        self.w.apply(x, out);
        work.communication_rounds += 1;
    }

    fn all_reduce_mean(&self, x: ArrayView2<f64>, mut out: ArrayViewMut1<f64>) {
        out.fill(0.0);
        for row in x.axis_iter(Axis(0)) {
            out += &row;
        }
        out /= x.nrows().max(1) as f64;
    }

    fn all_reduce_sum(&self, local: f64) -> f64 {
        local
    }

    fn dense_gossip(&self) -> Option<Array2<f64>> {
        Some(self.w.dense().clone())
    }

    fn for_each_node(&self, x: ArrayView2<f64>, mut out: ArrayViewMut2<f64>, f: NodeFn<'_>) {
        let per_task = rows_per_task(x.ncols());
        if x.nrows() > per_task {
            Zip::indexed(x.axis_iter(Axis(0)))
                .and(out.axis_iter_mut(Axis(0)))
                .into_par_iter()
                .with_min_len(per_task)
                .for_each(|(i, xi, oi)| f(i, xi, oi));
        } else {
            for (i, (xi, oi)) in x.axis_iter(Axis(0)).zip(out.axis_iter_mut(Axis(0))).enumerate() {
                f(i, xi, oi);
            }
        }
    }
}

/// out = W_mix·x = x − (W x)/s, the mixing product of the primal baselines. One communication round.
pub fn mixing_product(comm: &dyn Communicator, x: ArrayView2<f64>, mut out: ArrayViewMut2<f64>, work: &mut Work) {
    comm.gossip(x, out.view_mut(), work);
    let inv = 1.0 / comm.spectrum().mixing_scale;
    Zip::from(&mut out).and(&x).for_each(|o, &xv| *o = xv - inv * *o);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gossip::GossipKind;
    use crate::graph::Graph;
    use ndarray::Array1;

    #[test]
    fn simulator_counts_rounds_and_runs_every_node() {
        let w = GossipMatrix::from_graph(&Graph::ring(300).unwrap(), GossipKind::Laplacian).unwrap();
        let sim = Simulator::new(w);
        let x = Array2::from_shape_fn((300, 8), |(i, j)| (i + j) as f64);
        let mut out = Array2::zeros((300, 8));
        let mut work = Work::default();
        sim.gossip(x.view(), out.view_mut(), &mut work);
        assert_eq!(work.communication_rounds, 1);
        sim.for_each_node(x.view(), out.view_mut(), &|i, xi, mut oi| {
            oi.assign(&xi);
            oi[0] = i as f64;
        });
        assert!((0..300).all(|i| out[[i, 0]] == i as f64 && out[[i, 1]] == x[[i, 1]]));
        let mut mean = Array1::zeros(8);
        sim.all_reduce_mean(x.view(), mean.view_mut());
        assert_eq!(mean[0], 149.5);
    }
}

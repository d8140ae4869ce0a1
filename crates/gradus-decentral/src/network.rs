//! The network layer: what a decentralized algorithm may do, as the [`Communicator`] trait; the in-process
//! deterministic [`Simulator`] that implements it with all m nodes; and [`VirtualProcess`], the same network split
//! into blocks of nodes run by threads, the test double for a multi-process backend.
//!
//! # The contract
//!
//! A process holds the nodes [`Communicator::local_nodes`], a contiguous block of node ids (the simulator holds
//! all m; an MPI rank holds its block). Node states are matrices whose rows are the **local** nodes: every array an
//! algorithm passes to the communicator has `local_nodes().len()` rows. An algorithm may
//! - compute on its own rows (local gradients through [`Communicator::for_each_node`], which passes the global node
//!   id, and axpys on whole blocks);
//! - exchange with neighbours: [`Communicator::gossip`] writes the local rows of W·X;
//! - reduce over the whole network: [`Communicator::all_reduce_sum`], [`Communicator::all_reduce_max`],
//!   [`Communicator::all_reduce_min`], [`Communicator::all_gather`], [`Communicator::broadcast`];
//! - agree on a stop decision ([`Communicator::any`]);
//! - read the spectrum of W and the largest degree, which every process knows from the setup.
//!
//! Nothing else: no algorithm indexes another node's row.
//!
//! # Counting
//!
//! The communicator counts communication as it happens, in [`Work`]:
//! - `gossip`: +1 `communication_rounds`, `values_sent` += max_degree·d (the busiest node sends its d-vector to
//!   each neighbour);
//! - every reduction (sum, max, min, gather, broadcast) called with `Some(work)`: +1 `all_reduces`,
//!   `values_sent` += k for a reduction of k values per node. Algorithms pass `Some(work)` for every reduction their
//!   logic uses; monitors and setup checks pass `None` (diagnostics, not part of the algorithm);
//! - `any` is never counted (the shared loop's stop decisions, identical on every process anyway).
//!
//! # Determinism
//!
//! Every backend computes the row i of W·X with [`GossipMatrix::apply_row`] (start from 0, add W_ij·x_j for j in
//! ascending node order) and every reduction as a plain left-to-right fold over the rows of nodes 0, 1, …, m − 1,
//! starting from the row of node 0. So the results are the same bits on every backend, partition into processes
//! and thread count. The simulator computes each output row with one thread.

use std::ops::Range;
use std::sync::{Arc, Barrier, Mutex};

use gradus_oracle::Work;
use ndarray::{Array2, ArrayView1, ArrayView2, ArrayViewMut1, ArrayViewMut2, Axis, Zip, concatenate};
use rayon::prelude::*;

use crate::gossip::{GossipMatrix, Spectrum};

/// A function of (global node id, input row, output row) run on every local node.
pub type NodeFn<'f> = &'f (dyn Fn(usize, ArrayView1<f64>, ArrayViewMut1<f64>) + Sync);

/// What a decentralized algorithm sees of the network (see the module docs for the counting and order rules).
pub trait Communicator: Sync {
    /// The number of nodes m in the whole network.
    fn nodes(&self) -> usize;

    /// The contiguous block of node ids this process holds.
    fn local_nodes(&self) -> Range<usize>;

    /// The spectrum of the gossip matrix W (known to every process from the setup).
    fn spectrum(&self) -> &Spectrum;

    /// The largest degree of the graph (for `values_sent`).
    fn max_degree(&self) -> usize;

    /// out = the local rows of W·X (x: local rows × d). Row i = Σ_j W_ij x_j summed over j in ascending node order
    /// (CSR order, [`GossipMatrix::apply_row`]), so every backend gives the same bits. +1 `communication_rounds`,
    /// `values_sent` += max_degree·d.
    fn gossip(&self, x: ArrayView2<f64>, out: ArrayViewMut2<f64>, work: &mut Work);

    /// out = Σ over all nodes i (ascending node order 0..m, a plain left-to-right sum starting from the row of
    /// node 0) of the rows of `local` (local rows × k). Same bits on every backend and partition.
    /// `work: Some(w)` counts (+1 `all_reduces`, `values_sent` += k); `None` for uncounted diagnostics.
    fn all_reduce_sum(&self, local: ArrayView2<f64>, out: ArrayViewMut1<f64>, work: Option<&mut Work>);

    /// out = the entrywise maximum over all nodes of the rows of `local` (node order, like the sum). Counted like
    /// [`Communicator::all_reduce_sum`].
    fn all_reduce_max(&self, local: ArrayView2<f64>, out: ArrayViewMut1<f64>, work: Option<&mut Work>);

    /// out = the entrywise minimum over all nodes of the rows of `local`. Counted like
    /// [`Communicator::all_reduce_sum`].
    fn all_reduce_min(&self, local: ArrayView2<f64>, out: ArrayViewMut1<f64>, work: Option<&mut Work>);

    /// Every node's row of `local`, on every process (m × k), in node order. Counted like a reduction.
    fn all_gather(&self, local: ArrayView2<f64>, work: Option<&mut Work>) -> Array2<f64>;

    /// Sets `x` to the value of the process holding node 0's `x`, on every process. Counted like a reduction of
    /// `x.len()` values.
    fn broadcast(&self, x: ArrayViewMut1<f64>, work: Option<&mut Work>);

    /// Runs `f(global node id, x_i, out_i)` on every local node (node-local computation, e.g. gradients), in
    /// parallel where it pays; each row is handled by exactly one thread.
    fn for_each_node(&self, x: ArrayView2<f64>, out: ArrayViewMut2<f64>, f: NodeFn<'_>);

    /// Agreement on a stop decision: true on every process iff `local` is true on some process. Never counted.
    fn any(&self, local: bool) -> bool;
}

/// Counts one reduction of `k` values per node.
pub fn count_reduction(work: Option<&mut Work>, k: usize) {
    if let Some(w) = work {
        w.all_reduces += 1;
        w.values_sent += k as u64;
    }
}

/// Counts one gossip round of d-vectors on a graph of largest degree `max_degree`.
pub fn count_gossip(work: &mut Work, max_degree: usize, d: usize) {
    work.communication_rounds += 1;
    work.values_sent += (max_degree * d) as u64;
}

/// out = the left-to-right fold of the rows of an m × k matrix with `op`, starting from row 0 (the reduction
/// order every backend uses).
pub fn fold_rows(all: ArrayView2<f64>, mut out: ArrayViewMut1<f64>, op: fn(f64, f64) -> f64) {
    let mut rows = all.axis_iter(Axis(0));
    match rows.next() {
        Some(first) => out.assign(&first),
        None => out.fill(0.0),
    }
    for row in rows {
        Zip::from(&mut out).and(&row).for_each(|o, &v| *o = op(*o, v));
    }
}

/// The reduction's sum.
pub fn add(a: f64, b: f64) -> f64 {
    a + b
}

/// The reduction's max: NaN wins (a NaN anywhere is reported, never silently dropped).
pub fn max_nan(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() { f64::NAN } else { a.max(b) }
}

/// The reduction's min: NaN wins.
pub fn min_nan(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() { f64::NAN } else { a.min(b) }
}

/// Rows per rayon task for node-local work on rows of length d: about 2048 numbers per task, so tiny problems
/// stay on one thread.
fn rows_per_task(d: usize) -> usize {
    (2048 / d.max(1)).max(1)
}

/// Runs f on every row with global id `first + row`, in parallel where it pays.
fn for_each_row(first: usize, x: ArrayView2<f64>, mut out: ArrayViewMut2<f64>, f: NodeFn<'_>) {
    let per_task = rows_per_task(x.ncols());
    if x.nrows() > per_task {
        Zip::indexed(x.axis_iter(Axis(0)))
            .and(out.axis_iter_mut(Axis(0)))
            .into_par_iter()
            .with_min_len(per_task)
            .for_each(|(i, xi, oi)| f(first + i, xi, oi));
    } else {
        for (i, (xi, oi)) in x.axis_iter(Axis(0)).zip(out.axis_iter_mut(Axis(0))).enumerate() {
            f(first + i, xi, oi);
        }
    }
}

/// The in-process network: all m nodes in one process, gossip as a sparse product by W (CSR over the graph),
/// node-local work in parallel with rayon. Deterministic.
#[derive(Debug, Clone)]
pub struct Simulator {
    w: Arc<GossipMatrix>,
    max_degree: usize,
}

impl Simulator {
    /// A simulator over a validated gossip matrix.
    pub fn new(w: GossipMatrix) -> Self {
        Simulator {
            max_degree: w.graph().max_degree(),
            w: Arc::new(w),
        }
    }

    /// The gossip matrix.
    pub fn gossip_matrix(&self) -> &GossipMatrix {
        &self.w
    }

    /// The same network split into processes holding consecutive blocks of `sizes[p]` nodes (Σ sizes = m, each
    /// ≥ 1), each run by its own thread: a test double for a multi-process backend, exchanging rows through shared
    /// memory. Every collective must be called by every process (one thread each), as under MPI.
    ///
    /// Errors: sizes that do not add up to m or contain 0.
    pub fn split(&self, sizes: &[usize]) -> crate::error::Result<Vec<VirtualProcess>> {
        let m = self.w.nodes();
        if sizes.iter().sum::<usize>() != m || sizes.contains(&0) {
            return Err(crate::error::DecentralError::DimensionMismatch {
                what: "nodes in the process blocks (their sum; each block needs at least one node)",
                expected: m,
                got: sizes.iter().sum(),
            });
        }
        let shared = Arc::new(Shared {
            barrier: Barrier::new(sizes.len()),
            slots: Mutex::new(vec![Array2::zeros((0, 0)); sizes.len()]),
        });
        let mut start = 0;
        Ok(sizes
            .iter()
            .enumerate()
            .map(|(rank, &n)| {
                let block = start..start + n;
                start += n;
                VirtualProcess {
                    w: self.w.clone(),
                    max_degree: self.max_degree,
                    shared: shared.clone(),
                    rank,
                    block,
                }
            })
            .collect())
    }
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

    fn max_degree(&self) -> usize {
        self.max_degree
    }

    fn gossip(&self, x: ArrayView2<f64>, out: ArrayViewMut2<f64>, work: &mut Work) {
        self.w.apply(x, out);
        count_gossip(work, self.max_degree, x.ncols());
    }

    fn all_reduce_sum(&self, local: ArrayView2<f64>, out: ArrayViewMut1<f64>, work: Option<&mut Work>) {
        fold_rows(local, out, add);
        count_reduction(work, local.ncols());
    }

    fn all_reduce_max(&self, local: ArrayView2<f64>, out: ArrayViewMut1<f64>, work: Option<&mut Work>) {
        fold_rows(local, out, max_nan);
        count_reduction(work, local.ncols());
    }

    fn all_reduce_min(&self, local: ArrayView2<f64>, out: ArrayViewMut1<f64>, work: Option<&mut Work>) {
        fold_rows(local, out, min_nan);
        count_reduction(work, local.ncols());
    }

    fn all_gather(&self, local: ArrayView2<f64>, work: Option<&mut Work>) -> Array2<f64> {
        count_reduction(work, local.ncols());
        local.to_owned()
    }

    fn broadcast(&self, x: ArrayViewMut1<f64>, work: Option<&mut Work>) {
        count_reduction(work, x.len());
    }

    fn for_each_node(&self, x: ArrayView2<f64>, out: ArrayViewMut2<f64>, f: NodeFn<'_>) {
        for_each_row(0, x, out, f);
    }

    fn any(&self, local: bool) -> bool {
        local
    }
}

/// The exchange board of a split simulator: one slot per process, and a barrier.
#[derive(Debug)]
struct Shared {
    barrier: Barrier,
    slots: Mutex<Vec<Array2<f64>>>,
}

/// One process of a [`Simulator::split`] network: holds a block of nodes, runs on its own thread, and exchanges
/// through shared memory with the other processes of the split. Same bits as the whole simulator.
#[derive(Debug, Clone)]
pub struct VirtualProcess {
    w: Arc<GossipMatrix>,
    max_degree: usize,
    shared: Arc<Shared>,
    rank: usize,
    block: Range<usize>,
}

impl VirtualProcess {
    /// This process's index in the split.
    pub fn rank(&self) -> usize {
        self.rank
    }

    /// Every process's payload, in process order (so in node order when each payload holds its block's rows).
    fn exchange(&self, payload: Array2<f64>) -> Vec<Array2<f64>> {
        self.shared.barrier.wait();
        self.shared.slots.lock().unwrap_or_else(|e| e.into_inner())[self.rank] = payload;
        self.shared.barrier.wait();
        let all = self.shared.slots.lock().unwrap_or_else(|e| e.into_inner()).clone();
        self.shared.barrier.wait();
        all
    }

    /// The m × k matrix of every node's row of `local`.
    fn gather_rows(&self, local: ArrayView2<f64>) -> Array2<f64> {
        let parts = self.exchange(local.to_owned());
        let views: Vec<ArrayView2<f64>> = parts.iter().map(|p| p.view()).collect();
        concatenate(Axis(0), &views).expect("blocks of equal width")
    }
}

impl Communicator for VirtualProcess {
    fn nodes(&self) -> usize {
        self.w.nodes()
    }

    fn local_nodes(&self) -> Range<usize> {
        self.block.clone()
    }

    fn spectrum(&self) -> &Spectrum {
        self.w.spectrum()
    }

    fn max_degree(&self) -> usize {
        self.max_degree
    }

    fn gossip(&self, x: ArrayView2<f64>, mut out: ArrayViewMut2<f64>, work: &mut Work) {
        let all = self.gather_rows(x);
        for (r, row) in out.axis_iter_mut(Axis(0)).enumerate() {
            self.w.apply_row(self.block.start + r, |j| all.row(j), row);
        }
        count_gossip(work, self.max_degree, x.ncols());
    }

    fn all_reduce_sum(&self, local: ArrayView2<f64>, out: ArrayViewMut1<f64>, work: Option<&mut Work>) {
        fold_rows(self.gather_rows(local).view(), out, add);
        count_reduction(work, local.ncols());
    }

    fn all_reduce_max(&self, local: ArrayView2<f64>, out: ArrayViewMut1<f64>, work: Option<&mut Work>) {
        fold_rows(self.gather_rows(local).view(), out, max_nan);
        count_reduction(work, local.ncols());
    }

    fn all_reduce_min(&self, local: ArrayView2<f64>, out: ArrayViewMut1<f64>, work: Option<&mut Work>) {
        fold_rows(self.gather_rows(local).view(), out, min_nan);
        count_reduction(work, local.ncols());
    }

    fn all_gather(&self, local: ArrayView2<f64>, work: Option<&mut Work>) -> Array2<f64> {
        count_reduction(work, local.ncols());
        self.gather_rows(local)
    }

    fn broadcast(&self, mut x: ArrayViewMut1<f64>, work: Option<&mut Work>) {
        let n = x.len();
        let payload = if self.block.start == 0 {
            x.to_owned().insert_axis(Axis(0))
        } else {
            Array2::zeros((0, n))
        };
        let parts = self.exchange(payload);
        x.assign(&parts[0].row(0));
        count_reduction(work, n);
    }

    fn for_each_node(&self, x: ArrayView2<f64>, out: ArrayViewMut2<f64>, f: NodeFn<'_>) {
        for_each_row(self.block.start, x, out, f);
    }

    fn any(&self, local: bool) -> bool {
        let flag = Array2::from_elem((1, 1), if local { 1.0 } else { 0.0 });
        self.exchange(flag).iter().any(|p| p[[0, 0]] != 0.0)
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
        assert_eq!((work.communication_rounds, work.values_sent), (1, 16));
        sim.for_each_node(x.view(), out.view_mut(), &|i, xi, mut oi| {
            oi.assign(&xi);
            oi[0] = i as f64;
        });
        assert!((0..300).all(|i| out[[i, 0]] == i as f64 && out[[i, 1]] == x[[i, 1]]));
        let mut sum = Array1::zeros(8);
        sim.all_reduce_sum(x.view(), sum.view_mut(), Some(&mut work));
        assert_eq!(sum[0], 44850.0);
        sim.all_reduce_max(x.view(), sum.view_mut(), None);
        assert_eq!(sum[7], 306.0);
        assert_eq!((work.all_reduces, work.values_sent), (1, 24));
    }

    #[test]
    fn split_processes_give_the_simulator_bits() {
        let w = GossipMatrix::from_graph(&Graph::torus(3, 4).unwrap(), GossipKind::MetropolisHastings).unwrap();
        let sim = Simulator::new(w);
        let x = Array2::from_shape_fn((12, 3), |(i, j)| ((i * 7 + j * 3) as f64).sin());
        let mut whole = Array2::zeros((12, 3));
        let mut work = Work::default();
        sim.gossip(x.view(), whole.view_mut(), &mut work);
        let mut sum = Array1::zeros(3);
        sim.all_reduce_sum(x.view(), sum.view_mut(), None);
        let procs = sim.split(&[5, 4, 3]).unwrap();
        type Outputs = (Array2<f64>, Array1<f64>, Array1<f64>, bool);
        let results: Vec<Outputs> = std::thread::scope(|s| {
            let handles: Vec<_> = procs
                .iter()
                .map(|p| {
                    let x = &x;
                    s.spawn(move || {
                        let r = p.local_nodes();
                        let local = x.slice(ndarray::s![r.clone(), ..]);
                        let mut out = Array2::zeros(local.dim());
                        p.gossip(local, out.view_mut(), &mut Work::default());
                        let mut s = Array1::zeros(3);
                        p.all_reduce_sum(local, s.view_mut(), None);
                        let mut b = Array1::from_elem(2, p.rank() as f64);
                        p.broadcast(b.view_mut(), None);
                        (out, s, b, p.any(p.rank() == 1))
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let mut start = 0;
        for (out, s, b, any) in results {
            let n = out.nrows();
            assert_eq!(out, whole.slice(ndarray::s![start..start + n, ..]));
            assert_eq!(s, sum);
            assert_eq!(b, Array1::zeros(2));
            assert!(any);
            start += n;
        }
        assert!(sim.split(&[5, 4]).is_err() && sim.split(&[12, 0]).is_err());
    }
}

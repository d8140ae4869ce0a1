//! The MPI backend (cargo feature `mpi`): [`MpiCommunicator`], the [`Communicator`](crate::Communicator) of a
//! process started by `mpirun -n K`, holding a contiguous block of the m nodes.
//!
//! # What each process holds
//!
//! Process p of K holds the nodes [`block_partition`]`(m, K)[p]`: contiguous blocks in rank order, as equal as
//! possible (the first m mod K blocks have one node more), so m ≥ K is required. Every process knows the whole
//! graph and W from the setup (both are small: m × m), and only its own nodes' rows of every state.
//!
//! # How each operation is done, and why the bits equal the simulator's
//!
//! - **Gossip** (a product by W): process p sends each other process q the rows of its nodes that have a
//!   neighbour in q's block (nonblocking `MPI_Isend`/`MPI_Irecv`, one message per neighbouring process), then
//!   computes its local rows of W·X as the simulator does: (W·X)ᵢ = Σⱼ Wᵢⱼ xⱼ over j = i and i's neighbours in
//!   ascending node order, starting from 0. Same operations in the same order ⇒ the same bits.
//! - **All-reduce** (sum, max, min over nodes): every process all-gathers the per-node rows (`MPI_Allgatherv`),
//!   then folds them in node order. The result does not depend on K, and equals the simulator's node-order fold.
//! - **All-gather**, **broadcast** (from the process holding a node), **any** (stop decisions: `MPI_Allreduce`
//!   with logical or).
//!
//! # Threads
//!
//! MPI is initialized with `MPI_THREAD_SERIALIZED` and every MPI call of this module holds one mutex, so the
//! communicator can be shared with rayon's workers (node-local work never calls MPI).
//!
//! # Failures
//!
//! OpenMPI's default error handler (`MPI_ERRORS_ARE_FATAL`) ends the whole job when a call fails, and `mpirun`
//! ends the job when a process dies. Bad input found on one process is agreed on with [`MpiWorld::any`] before the
//! run starts, so every process stops (see the `gradus decentral` CLI).

use std::ops::Range;
use std::sync::Mutex;

use gradus_oracle::Work;
use mpi::datatype::PartitionMut;
use mpi::environment::Universe;
use mpi::topology::SimpleCommunicator;
use mpi::traits::{Communicator as _, CommunicatorCollectives, Destination, Root, Source};
use mpi::{Count, Threading};
use ndarray::{Array2, ArrayView2, ArrayViewMut1, ArrayViewMut2, Axis, Zip};
use rayon::prelude::*;
use thiserror::Error;

use crate::gossip::{GossipMatrix, Spectrum};
use crate::network::{Communicator, NodeFn, add, count_gossip, count_reduction, fold_rows, max_nan, min_nan};

/// What can go wrong when setting up MPI.
#[derive(Debug, Error)]
pub enum MpiError {
    /// `MPI_Init` was already called in this process (MPI can be initialized once per process).
    #[error("MPI is already initialized in this process (it can be initialized once)")]
    AlreadyInitialized,
    /// More processes than nodes: every process must hold at least one node.
    #[error("{processes} MPI processes for {nodes} nodes: run with at most {nodes} processes (mpirun -n K, K <= m)")]
    TooManyProcesses {
        /// K.
        processes: usize,
        /// m.
        nodes: usize,
    },
}

/// The MPI environment of this process: initialized once, finalized on drop.
pub struct MpiWorld {
    universe: Universe,
    world: SimpleCommunicator,
    lock: Mutex<()>,
}

// SAFETY: MPI is initialized with MPI_THREAD_SERIALIZED (checked in `init`), and every MPI call made through this
// type or a communicator borrowing it takes `lock` first, so no two threads are ever inside MPI at once.
unsafe impl Sync for MpiWorld {}
unsafe impl Send for MpiWorld {}

impl MpiWorld {
    /// Initializes MPI (`MPI_Init_thread` with `MPI_THREAD_SERIALIZED`). A process started without `mpirun` is a
    /// singleton world of size 1.
    ///
    /// Errors: [`MpiError::AlreadyInitialized`] on a second call in the same process.
    pub fn init() -> Result<Self, MpiError> {
        let (universe, provided) =
            mpi::initialize_with_threading(Threading::Serialized).ok_or(MpiError::AlreadyInitialized)?;
        if provided < Threading::Serialized {
            // Never seen with OpenMPI; without it the mutex alone does not make concurrent use sound.
            panic!("the MPI library provides only {provided:?}; MPI_THREAD_SERIALIZED is needed");
        }
        let world = universe.world();
        Ok(MpiWorld {
            universe,
            world,
            lock: Mutex::new(()),
        })
    }

    /// The number of processes K.
    pub fn size(&self) -> usize {
        self.world.size() as usize
    }

    /// This process's rank p ∈ 0..K.
    pub fn rank(&self) -> usize {
        self.world.rank() as usize
    }

    /// The MPI library's version string (for logs).
    pub fn library_version(&self) -> String {
        mpi::environment::library_version()
            .unwrap_or_default()
            .trim_end_matches('\0')
            .to_string()
    }

    /// Whether `flag` is true on any process (`MPI_Allreduce` with logical or). Collective.
    pub fn any(&self, flag: bool) -> bool {
        let _guard = self.guard();
        let mut out = 0i32;
        self.world
            .all_reduce_into(&(flag as i32), &mut out, mpi::collective::SystemOperation::logical_or());
        out != 0
    }

    /// Ends every process of the job with `status` (`MPI_Abort`). Print the reason first.
    pub fn abort(&self, status: i32) -> ! {
        self.world.abort(status)
    }

    /// Waits until every process gets here (`MPI_Barrier`).
    pub fn barrier(&self) {
        let _guard = self.guard();
        self.world.barrier();
    }

    /// The wall-clock time of MPI (`MPI_Wtime`), in seconds.
    pub fn time(&self) -> f64 {
        mpi::time()
    }

    /// All-gathers `local` (this process's numbers) into `out`, where process p contributes `counts[p]` numbers, in
    /// rank order. Collective.
    pub fn all_gather_varcount(&self, local: &[f64], counts: &[usize], out: &mut [f64]) {
        debug_assert_eq!(counts.len(), self.size());
        debug_assert_eq!(local.len(), counts[self.rank()]);
        let counts_c: Vec<Count> = counts.iter().map(|&c| to_count(c)).collect();
        let displs: Vec<Count> = counts
            .iter()
            .scan(0usize, |acc, &c| {
                let start = *acc;
                *acc += c;
                Some(to_count(start))
            })
            .collect();
        let _guard = self.guard();
        let mut partition = PartitionMut::new(out, &counts_c[..], &displs[..]);
        self.world.all_gather_varcount_into(local, &mut partition);
    }

    /// Broadcasts `buf` from process `root` to every process. Collective.
    pub fn broadcast(&self, root: usize, buf: &mut [f64]) {
        let _guard = self.guard();
        self.world.process_at_rank(root as i32).broadcast_into(buf);
    }

    /// Broadcasts bytes from process `root` (their length first). Collective.
    pub fn broadcast_bytes(&self, root: usize, bytes: &mut Vec<u8>) {
        let _guard = self.guard();
        let root = self.world.process_at_rank(root as i32);
        let mut len = bytes.len() as u64;
        root.broadcast_into(&mut len);
        bytes.resize(len as usize, 0);
        root.broadcast_into(&mut bytes[..]);
    }

    fn guard(&self) -> std::sync::MutexGuard<'_, ()> {
        // A poisoned lock means a panic elsewhere while inside MPI; the job is ending anyway.
        self.lock.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The universe (for the rare caller that needs raw rsmpi).
    pub fn universe(&self) -> &Universe {
        &self.universe
    }
}

fn to_count(c: usize) -> Count {
    Count::try_from(c).expect("an MPI message of more than 2^31 - 1 numbers")
}

/// The contiguous node blocks of K processes over m nodes, in rank order, as equal as possible: the first
/// m mod K blocks hold ⌈m/K⌉ nodes, the others ⌊m/K⌋. Requires K ≥ 1 (empty blocks when K > m).
pub fn block_partition(m: usize, k: usize) -> Vec<Range<usize>> {
    let k = k.max(1);
    let (q, r) = (m / k, m % k);
    (0..k)
        .map(|p| {
            let start = p * q + p.min(r);
            start..start + q + usize::from(p < r)
        })
        .collect()
}

/// The messages of one neighbouring process in a gossip round.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Peer {
    /// Its rank.
    pub rank: usize,
    /// The local row indices (ascending node order) whose rows this process sends it.
    pub send: Vec<usize>,
    /// The global ids of its nodes whose rows this process receives (ascending).
    pub receive: Vec<usize>,
    /// Where its rows start in the halo.
    pub halo_offset: usize,
}

/// The communication plan of one process for a product by W: whom to send which rows, and where each neighbour's
/// row is found (locally or in the halo of received rows).
#[derive(Debug, Clone, PartialEq)]
pub struct ExchangePlan {
    /// The nodes of this process.
    pub block: Range<usize>,
    /// The processes this one exchanges rows with, in rank order.
    pub peers: Vec<Peer>,
    /// Number of halo rows.
    pub halo_rows: usize,
    /// For each node j of the network, its row in the halo (`usize::MAX` when it is local or not needed).
    pub halo_of: Vec<usize>,
}

impl ExchangePlan {
    /// The plan of process `rank` for W over the blocks `blocks` (one per process, covering 0..m in order).
    pub fn new(w: &GossipMatrix, blocks: &[Range<usize>], rank: usize) -> Self {
        let graph = w.graph();
        let block = blocks[rank].clone();
        let mut peers = Vec::new();
        let mut halo_rows = 0;
        for (q, other) in blocks.iter().enumerate() {
            if q == rank {
                continue;
            }
            // The rows of mine that q needs: my nodes with a neighbour in q's block; and the reverse.
            let send: Vec<usize> = block
                .clone()
                .filter(|&i| graph.neighbors(i).iter().any(|j| other.contains(j)))
                .map(|i| i - block.start)
                .collect();
            let receive: Vec<usize> = other
                .clone()
                .filter(|&j| graph.neighbors(j).iter().any(|i| block.contains(i)))
                .collect();
            if send.is_empty() && receive.is_empty() {
                continue;
            }
            let halo_offset = halo_rows;
            halo_rows += receive.len();
            peers.push(Peer {
                rank: q,
                send,
                receive,
                halo_offset,
            });
        }
        let mut halo_of = vec![usize::MAX; w.nodes()];
        for p in &peers {
            for (k, &j) in p.receive.iter().enumerate() {
                halo_of[j] = p.halo_offset + k;
            }
        }
        ExchangePlan {
            block,
            peers,
            halo_rows,
            halo_of,
        }
    }

    /// out = the local rows of W·X from the local rows `x` and the received `halo`, each row by
    /// [`GossipMatrix::apply_row`] (the simulator's order).
    pub fn apply(&self, w: &GossipMatrix, x: ArrayView2<f64>, halo: ArrayView2<f64>, mut out: ArrayViewMut2<f64>) {
        let start = self.block.start;
        let row_of = |j: usize| {
            if self.block.contains(&j) {
                x.row(j - start)
            } else {
                halo.row(self.halo_of[j])
            }
        };
        for (r, row) in out.axis_iter_mut(Axis(0)).enumerate() {
            w.apply_row(start + r, row_of, row);
        }
    }

    /// Rows sent per round, summed over peers.
    pub fn rows_sent(&self) -> usize {
        self.peers.iter().map(|p| p.send.len()).sum()
    }
}

/// The communicator of one MPI process: its block of nodes, W, and the exchange plan.
pub struct MpiCommunicator<'w> {
    world: &'w MpiWorld,
    w: GossipMatrix,
    blocks: Vec<Range<usize>>,
    plan: ExchangePlan,
    max_degree: usize,
    /// The send buffers (one per peer) and the halo, reused between gossip rounds.
    buffers: Mutex<(Vec<Vec<f64>>, Vec<f64>)>,
}

impl<'w> MpiCommunicator<'w> {
    /// The communicator of this process over W (every process must pass the same W).
    ///
    /// Errors: [`MpiError::TooManyProcesses`] when K > m.
    pub fn new(world: &'w MpiWorld, w: GossipMatrix) -> Result<Self, MpiError> {
        let (m, k) = (w.nodes(), world.size());
        if k > m {
            return Err(MpiError::TooManyProcesses { processes: k, nodes: m });
        }
        let blocks = block_partition(m, k);
        let plan = ExchangePlan::new(&w, &blocks, world.rank());
        Ok(MpiCommunicator {
            world,
            max_degree: w.graph().max_degree(),
            w,
            blocks,
            plan,
            buffers: Mutex::new((Vec::new(), Vec::new())),
        })
    }

    /// The MPI world.
    pub fn world(&self) -> &MpiWorld {
        self.world
    }

    /// The gossip matrix.
    pub fn gossip_matrix(&self) -> &GossipMatrix {
        &self.w
    }

    /// Every process's block, in rank order.
    pub fn blocks(&self) -> &[Range<usize>] {
        &self.blocks
    }

    /// The exchange plan of this process.
    pub fn plan(&self) -> &ExchangePlan {
        &self.plan
    }

    /// The process holding node `i`.
    pub fn owner(&self, i: usize) -> usize {
        self.blocks.iter().position(|b| b.contains(&i)).unwrap_or(0)
    }

    /// Sends the boundary rows of `x` (this process's rows) to the neighbouring processes and writes the received
    /// rows into `halo` (peers in rank order, nodes ascending; `halo_rows × d`), packing into `sends` (reused
    /// buffers, one per peer).
    fn exchange_into(&self, x: ArrayView2<f64>, sends: &mut Vec<Vec<f64>>, halo: &mut Vec<f64>) {
        let d = x.ncols();
        sends.resize_with(self.plan.peers.len(), Vec::new);
        for (p, buf) in self.plan.peers.iter().zip(sends.iter_mut()) {
            buf.clear();
            for &k in &p.send {
                let row = x.row(k);
                match row.as_slice() {
                    Some(values) => buf.extend_from_slice(values),
                    None => buf.extend(row.iter()),
                }
            }
        }
        halo.resize(self.plan.halo_rows * d, 0.0);
        let _guard = self.world.guard();
        let world = &self.world.world;
        mpi::request::scope(|scope| {
            let mut rest = &mut halo[..];
            let mut receives = Vec::with_capacity(self.plan.peers.len());
            for p in &self.plan.peers {
                let (mine, tail) = rest.split_at_mut(p.receive.len() * d);
                rest = tail;
                receives.push(world.process_at_rank(p.rank as i32).immediate_receive_into(scope, mine));
            }
            let sent: Vec<_> = self
                .plan
                .peers
                .iter()
                .zip(sends.iter())
                .map(|(p, buf)| world.process_at_rank(p.rank as i32).immediate_send(scope, &buf[..]))
                .collect();
            for r in receives {
                r.wait();
            }
            for s in sent {
                s.wait();
            }
        });
    }

    /// The rows this process receives in a neighbour exchange of `x` (peers in rank order, nodes ascending).
    pub fn exchange(&self, x: ArrayView2<f64>) -> Array2<f64> {
        let (mut sends, mut halo) = (Vec::new(), Vec::new());
        self.exchange_into(x, &mut sends, &mut halo);
        Array2::from_shape_vec((self.plan.halo_rows, x.ncols()), halo).expect("halo_rows × d values")
    }

    /// out = the local rows of W·X (one neighbour exchange; the message buffers are reused between rounds).
    pub fn gossip_rows(&self, x: ArrayView2<f64>, out: ArrayViewMut2<f64>) {
        let mut buffers = self.buffers.lock().unwrap_or_else(|e| e.into_inner());
        let (sends, halo) = &mut *buffers;
        self.exchange_into(x, sends, halo);
        let halo = ArrayView2::from_shape((self.plan.halo_rows, x.ncols()), &halo[..]).expect("halo_rows × d values");
        self.plan.apply(&self.w, x, halo, out);
    }

    /// Every node's row of `local` (this process's rows, d columns), m × d in node order. Collective.
    pub fn all_gather_rows(&self, local: ArrayView2<f64>) -> Array2<f64> {
        let d = local.ncols();
        let counts: Vec<usize> = self.blocks.iter().map(|b| b.len() * d).collect();
        let mut all = Array2::zeros((self.w.nodes(), d));
        let local = local.as_standard_layout();
        self.world.all_gather_varcount(
            local.as_slice().expect("standard layout"),
            &counts,
            all.as_slice_mut().expect("a fresh array is contiguous"),
        );
        all
    }
}

impl Communicator for MpiCommunicator<'_> {
    fn nodes(&self) -> usize {
        self.w.nodes()
    }

    fn local_nodes(&self) -> Range<usize> {
        self.plan.block.clone()
    }

    fn spectrum(&self) -> &Spectrum {
        self.w.spectrum()
    }

    fn max_degree(&self) -> usize {
        self.max_degree
    }

    fn gossip(&self, x: ArrayView2<f64>, out: ArrayViewMut2<f64>, work: &mut Work) {
        self.gossip_rows(x, out);
        count_gossip(work, self.max_degree, x.ncols());
    }

    fn all_reduce_sum(&self, local: ArrayView2<f64>, out: ArrayViewMut1<f64>, work: Option<&mut Work>) {
        fold_rows(self.all_gather_rows(local).view(), out, add);
        count_reduction(work, local.ncols());
    }

    fn all_reduce_max(&self, local: ArrayView2<f64>, out: ArrayViewMut1<f64>, work: Option<&mut Work>) {
        fold_rows(self.all_gather_rows(local).view(), out, max_nan);
        count_reduction(work, local.ncols());
    }

    fn all_reduce_min(&self, local: ArrayView2<f64>, out: ArrayViewMut1<f64>, work: Option<&mut Work>) {
        fold_rows(self.all_gather_rows(local).view(), out, min_nan);
        count_reduction(work, local.ncols());
    }

    fn all_gather(&self, local: ArrayView2<f64>, work: Option<&mut Work>) -> Array2<f64> {
        count_reduction(work, local.ncols());
        self.all_gather_rows(local)
    }

    fn broadcast(&self, mut x: ArrayViewMut1<f64>, work: Option<&mut Work>) {
        let n = x.len();
        let mut buf = x.to_vec();
        // Node 0 is in rank 0's block.
        self.world.broadcast(0, &mut buf);
        x.assign(&ndarray::ArrayView1::from(&buf[..]));
        count_reduction(work, n);
    }

    fn for_each_node(&self, x: ArrayView2<f64>, mut out: ArrayViewMut2<f64>, f: NodeFn<'_>) {
        // Node-local work never calls MPI; rows run in parallel as in the simulator.
        let first = self.plan.block.start;
        let per_task = (2048 / x.ncols().max(1)).max(1);
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

    fn any(&self, local: bool) -> bool {
        self.world.any(local)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gossip::GossipKind;
    use crate::graph::Graph;

    #[test]
    fn blocks_are_contiguous_ordered_and_as_equal_as_possible() {
        for m in 1..40 {
            for k in 1..=m {
                let b = block_partition(m, k);
                assert_eq!(b.len(), k);
                assert_eq!(b[0].start, 0);
                assert_eq!(b[k - 1].end, m);
                for p in 1..k {
                    assert_eq!(b[p].start, b[p - 1].end);
                    assert!(b[p - 1].len() >= b[p].len());
                }
                let (lo, hi) = (m / k, m.div_ceil(k));
                assert!(b.iter().all(|r| r.len() == lo || r.len() == hi));
            }
        }
        assert_eq!(block_partition(10, 4), vec![0..3, 3..6, 6..8, 8..10]);
    }

    /// Every process's plan, with the halos built by copying the rows the peers would send, gives the simulator's
    /// product bit for bit.
    #[test]
    fn plans_reproduce_the_simulator_product_bitwise() {
        let graphs = [
            Graph::ring(11).unwrap(),
            Graph::complete(7).unwrap(),
            Graph::torus(3, 4).unwrap(),
            Graph::star(9).unwrap(),
            Graph::erdos_renyi(13, 0.3, 5, 100).unwrap(),
        ];
        for g in &graphs {
            for kind in [GossipKind::Laplacian, GossipKind::MetropolisHastings] {
                let w = GossipMatrix::from_graph(g, kind).unwrap();
                let m = w.nodes();
                let d = 3;
                let x = Array2::from_shape_fn((m, d), |(i, j)| ((i * 7 + j * 3) as f64 * 0.37).sin() * 1e3);
                let mut want = Array2::zeros((m, d));
                w.apply(x.view(), want.view_mut());
                for k in [1, 2, 3, 4, m] {
                    let blocks = block_partition(m, k);
                    let plans: Vec<ExchangePlan> = (0..k).map(|p| ExchangePlan::new(&w, &blocks, p)).collect();
                    for (p, plan) in plans.iter().enumerate() {
                        // What each peer sends p must be exactly the rows p expects, in order.
                        let mut halo = Array2::zeros((plan.halo_rows, d));
                        for peer in &plan.peers {
                            let theirs = &plans[peer.rank];
                            let back = theirs.peers.iter().find(|q| q.rank == p).unwrap();
                            assert_eq!(back.send.len(), peer.receive.len());
                            for (r, (&k_local, &node)) in back.send.iter().zip(&peer.receive).enumerate() {
                                assert_eq!(blocks[peer.rank].start + k_local, node);
                                halo.row_mut(peer.halo_offset + r).assign(&x.row(node));
                            }
                        }
                        let b = blocks[p].clone();
                        let mut out = Array2::zeros((b.len(), d));
                        plan.apply(&w, x.slice(ndarray::s![b.clone(), ..]), halo.view(), out.view_mut());
                        let same = out
                            .iter()
                            .zip(want.slice(ndarray::s![b, ..]).iter())
                            .all(|(a, c)| a.to_bits() == c.to_bits());
                        assert!(same, "{} {} K={k} p={p}", g.name(), w.kind());
                    }
                }
            }
        }
    }
}

//! The per-round cost of [`MpiCommunicator`]'s gossip against a bare MPI neighbour exchange of the same rows.
//!
//! ```text
//! cargo build --release -p gradus-decentral --features mpi --example mpi_round_cost
//! mpirun -n 4 target/release/examples/mpi_round_cost [NODES] [D] [ROUNDS] [REPEATS]
//! ```
//! Defaults: NODES = K (one node per process), a ring, Metropolis weights, D = 1000, ROUNDS = 2000, REPEATS = 5.
//! Each process runs x ← W_mix x = x − W x / s for ROUNDS rounds three ways, timed with `MPI_Wtime` between
//! barriers (medians over REPEATS, in µs per round; the three run in a rotated order in each repeat):
//! - `backend`: `MpiCommunicator::gossip_rows` (pack the boundary rows, nonblocking exchange, the local product in
//!   the simulator's order) + the mixing axpy;
//! - `bare`: the same messages with preallocated buffers and raw rsmpi calls (`MPI_Isend`/`MPI_Irecv`), no product;
//! - `bare+product`: `bare` followed by the same product and axpy written by hand.
//!
//! Rank 0 then gathers the backend's final rows and checks them bit for bit against the simulator's
//! (`GossipMatrix::apply` on all m rows), printing `bitwise_match=true|false`.

use gradus_decentral::mpi_backend::{MpiCommunicator, MpiWorld};
use gradus_decentral::{GossipKind, GossipMatrix, Graph};
use mpi::traits::*;
use ndarray::{Array2, Axis, Zip, s};

fn arg(i: usize, default: usize) -> usize {
    std::env::args()
        .nth(i)
        .map(|a| a.parse().expect("a positive integer"))
        .unwrap_or(default)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let world = MpiWorld::init().expect("MPI initializes once");
    let k = world.size();
    let m = arg(1, k);
    let d = arg(2, 1000);
    let rounds = arg(3, 2000);
    let repeats = arg(4, 5);
    let w = GossipMatrix::from_graph(&Graph::ring(m).expect("m >= 1"), GossipKind::MetropolisHastings)
        .expect("a ring is connected");
    let inv_s = 1.0 / w.spectrum().mixing_scale;
    let x0 = Array2::from_shape_fn((m, d), |(i, j)| ((i * 131 + j * 17) as f64 * 0.013).sin());
    let comm = MpiCommunicator::new(&world, w.clone()).expect("K <= m");
    let block = comm.plan().block.clone();
    let plan = comm.plan().clone();
    let raw = world.universe().world();

    let mix = |x: &mut Array2<f64>, wx: &Array2<f64>| {
        Zip::from(x).and(wx).for_each(|xv, &w| *xv -= inv_s * w);
    };

    let mut backend = Vec::new();
    let mut bare = Vec::new();
    let mut bare_product = Vec::new();
    let mut x_backend = Array2::zeros((0, d));
    for rep in 0..repeats {
        // The three variants in a rotated order (repeat r starts with variant r mod 3), so that none is always
        // measured first.
        for which in (0..3).map(|v| (v + rep) % 3) {
            if which == 0 {
                let mut x = x0.slice(s![block.clone(), ..]).to_owned();
                let mut wx = Array2::zeros(x.dim());
                world.barrier();
                let t = world.time();
                for _ in 0..rounds {
                    comm.gossip_rows(x.view(), wx.view_mut());
                    mix(&mut x, &wx);
                }
                world.barrier();
                backend.push((world.time() - t) / rounds as f64 * 1e6);
                x_backend = x;
            } else {
                let with_product = which == 2;
                {
                    let mut x = x0.slice(s![block.clone(), ..]).to_owned();
                    let mut wx = Array2::<f64>::zeros(x.dim());
                    let mut sends: Vec<Vec<f64>> = plan.peers.iter().map(|p| vec![0.0; p.send.len() * d]).collect();
                    let mut halo = vec![0.0; plan.halo_rows * d];
                    world.barrier();
                    let t = world.time();
                    for _ in 0..rounds {
                        for (p, buf) in plan.peers.iter().zip(sends.iter_mut()) {
                            for (r, &row) in p.send.iter().enumerate() {
                                buf[r * d..(r + 1) * d].copy_from_slice(x.row(row).as_slice().expect("contiguous"));
                            }
                        }
                        mpi::request::scope(|scope| {
                            let mut rest = &mut halo[..];
                            let mut recvs = Vec::new();
                            for p in &plan.peers {
                                let (mine, tail) = rest.split_at_mut(p.receive.len() * d);
                                rest = tail;
                                recvs.push(raw.process_at_rank(p.rank as i32).immediate_receive_into(scope, mine));
                            }
                            let sent: Vec<_> = plan
                                .peers
                                .iter()
                                .zip(&sends)
                                .map(|(p, buf)| raw.process_at_rank(p.rank as i32).immediate_send(scope, &buf[..]))
                                .collect();
                            for r in recvs {
                                r.wait();
                            }
                            for r in sent {
                                r.wait();
                            }
                        });
                        if with_product {
                            for (r, mut row) in wx.axis_iter_mut(Axis(0)).enumerate() {
                                row.fill(0.0);
                                let out = row.as_slice_mut().expect("contiguous");
                                let (cols, weights) = w.row_entries(block.start + r);
                                for (&j, &wij) in cols.iter().zip(weights) {
                                    let src = if block.contains(&j) {
                                        x.row(j - block.start).to_slice().expect("contiguous")
                                    } else {
                                        let k = plan.halo_of[j];
                                        &halo[k * d..(k + 1) * d]
                                    };
                                    for (o, &v) in out.iter_mut().zip(src) {
                                        *o += wij * v;
                                    }
                                }
                            }
                            mix(&mut x, &wx);
                        }
                    }
                    world.barrier();
                    let per_round = (world.time() - t) / rounds as f64 * 1e6;
                    if with_product {
                        bare_product.push(per_round);
                    } else {
                        bare.push(per_round);
                    }
                }
            }
        }
    }

    let gathered = comm.all_gather_rows(x_backend.view());
    if world.rank() == 0 {
        let mut x = x0.clone();
        let mut wx = Array2::zeros((m, d));
        for _ in 0..rounds {
            w.apply(x.view(), wx.view_mut());
            mix(&mut x, &wx);
        }
        let same = x.iter().zip(gathered.iter()).all(|(a, b)| a.to_bits() == b.to_bits());
        let (b, e, ep) = (median(backend), median(bare), median(bare_product));
        println!(
            "K={k} m={m} d={d} rounds={rounds} repeats={repeats} rows_sent={} backend_us={b:.2} bare_us={e:.2} \
             bare_product_us={ep:.2} ratio_bare={:.3} ratio_bare_product={:.3} bitwise_match={same}",
            comm.plan().rows_sent(),
            b / e,
            b / ep
        );
    }
}

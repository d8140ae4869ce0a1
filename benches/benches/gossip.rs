//! One gossip round of the decentralized simulator (`Simulator::gossip`: out = W·X through the `Communicator`
//! trait, with its work counter) on m = 64 nodes, d = 1000, against the sparse product it stands for (a plain
//! sequential CSR loop over the same W), with 1 and 2 rayon threads. Graphs: 8 × 8 torus (degree 4) and
//! Erdős–Rényi with p = 0.2 (mean degree ≈ 12.6). Issue target: gossip ≤ 1.3× the reference product.

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use gradus_benches::pool;
use gradus_decentral::{Communicator, GossipKind, GossipMatrix, Graph, Simulator};
use gradus_oracle::Work;
use ndarray::Array2;

const M: usize = 64;
const D: usize = 1000;

/// The CSR of a dense W (diagonal and nonzeros).
fn csr(w: &Array2<f64>) -> (Vec<usize>, Vec<usize>, Vec<f64>) {
    let mut indptr = vec![0];
    let (mut idx, mut val) = (Vec::new(), Vec::new());
    for i in 0..w.nrows() {
        for j in 0..w.ncols() {
            if w[[i, j]] != 0.0 || i == j {
                idx.push(j);
                val.push(w[[i, j]]);
            }
        }
        indptr.push(idx.len());
    }
    (indptr, idx, val)
}

/// The reference: out_i = Σ_k val_k x_{idx_k}, sequential, on slices.
fn csr_product(a: &(Vec<usize>, Vec<usize>, Vec<f64>), x: &[f64], out: &mut [f64], d: usize) {
    let (indptr, idx, val) = a;
    for i in 0..indptr.len() - 1 {
        let o = &mut out[i * d..(i + 1) * d];
        o.fill(0.0);
        for k in indptr[i]..indptr[i + 1] {
            let (v, xr) = (val[k], &x[idx[k] * d..(idx[k] + 1) * d]);
            for (oj, xj) in o.iter_mut().zip(xr) {
                *oj += v * xj;
            }
        }
    }
}

fn bench(c: &mut Criterion) {
    let graphs = [
        ("torus8x8", Graph::torus(8, 8).expect("torus")),
        (
            "erdos_renyi_p0.2",
            Graph::erdos_renyi(M, 0.2, 1, 100).expect("connected"),
        ),
    ];
    for (name, graph) in graphs {
        let w = GossipMatrix::from_graph(&graph, GossipKind::MetropolisHastings).expect("valid");
        let reference = csr(w.dense());
        let sim = Simulator::new(w);
        let x = Array2::from_shape_fn((M, D), |(i, j)| ((i * 31 + j * 7) % 101) as f64 / 101.0);
        let mut out = Array2::<f64>::zeros((M, D));
        let mut g = c.benchmark_group(format!("gossip_{name}_m{M}_d{D}"));
        g.bench_function("csr_reference_sequential", |b| {
            let xs = x.as_slice().expect("contiguous");
            let os = out.as_slice_mut().expect("contiguous");
            b.iter(|| csr_product(black_box(&reference), black_box(xs), black_box(&mut *os), D))
        });
        for t in [1, 2] {
            let p = pool(t);
            g.bench_function(BenchmarkId::new("simulator_gossip", t), |b| {
                let mut work = Work::default();
                p.install(|| b.iter(|| sim.gossip(black_box(x.view()), black_box(out.view_mut()), &mut work)))
            });
        }
        g.finish();
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().measurement_time(Duration::from_secs(3)).warm_up_time(Duration::from_secs(1));
    targets = bench
}
criterion_main!(benches);

//! Data-matrix kernels of `gradus_oracle::Design` (`row_dot` pass, `matvec`, `matvec_t`) on a dense
//! 100000×200 and a sparse 50000×20000 (0.2 %) matrix, with 1 and 2 rayon threads, against sequential and
//! ndarray references. See the crate docs of `gradus-benches` and `docs/benchmarks.md`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use gradus_benches::{
    DENSE_SHAPE, SPARSE_DENSITY, SPARSE_SHAPE, bytes_per_pass, dense_matrix, normal_vector, pool, row_dot_pass,
    seq_matvec, seq_matvec_t, sparse_matrix,
};
use gradus_oracle::Design;
use ndarray::{Array1, ArrayView1};

const THREADS: [usize; 2] = [1, 2];

fn kernels_on(c: &mut Criterion, name: &str, x: &Design) {
    let (n, d) = (x.nrows(), x.ncols());
    let w = Array1::from(normal_vector(d, 11));
    let v = Array1::from(normal_vector(n, 12));
    let pools: Vec<_> = THREADS.iter().map(|&t| (t, pool(t))).collect();
    let bytes = Throughput::Bytes(bytes_per_pass(x));
    let mut out_n = Array1::<f64>::zeros(n);
    let mut out_d = Array1::<f64>::zeros(d);

    let mut g = c.benchmark_group(format!("row_dot_{name}"));
    g.throughput(bytes.clone());
    for (t, p) in &pools {
        g.bench_function(BenchmarkId::new("design", t), |b| {
            let out = out_n.as_slice_mut().expect("contiguous");
            let ws = w.as_slice().expect("contiguous");
            p.install(|| b.iter(|| row_dot_pass(black_box(x), black_box(ws), black_box(&mut *out))));
        });
    }
    g.finish();

    let mut g = c.benchmark_group(format!("matvec_{name}"));
    g.throughput(bytes.clone());
    for (t, p) in &pools {
        g.bench_function(BenchmarkId::new("design", t), |b| {
            p.install(|| b.iter(|| black_box(x).matvec(black_box(w.view()), black_box(out_n.view_mut()))));
        });
    }
    g.bench_function(BenchmarkId::new("seq_loop", 1), |b| {
        let out = out_n.as_slice_mut().expect("contiguous");
        let ws = w.as_slice().expect("contiguous");
        b.iter(|| seq_matvec(black_box(x), black_box(ws), black_box(&mut *out)));
    });
    if let Design::Dense(a) = x {
        g.bench_function(BenchmarkId::new("ndarray", 1), |b| {
            b.iter(|| black_box(a).view().dot(black_box(&w)));
        });
    }
    g.finish();

    let mut g = c.benchmark_group(format!("matvec_t_{name}"));
    g.throughput(bytes);
    for (t, p) in &pools {
        g.bench_function(BenchmarkId::new("design", t), |b| {
            p.install(|| b.iter(|| black_box(x).matvec_t(black_box(v.view()), black_box(out_d.view_mut()))));
        });
    }
    g.bench_function(BenchmarkId::new("seq_loop", 1), |b| {
        let out = out_d.as_slice_mut().expect("contiguous");
        let vs = v.as_slice().expect("contiguous");
        b.iter(|| seq_matvec_t(black_box(x), black_box(vs), black_box(&mut *out)));
    });
    if let Design::Dense(a) = x {
        g.bench_function(BenchmarkId::new("ndarray", 1), |b| {
            let vv: ArrayView1<f64> = v.view();
            b.iter(|| black_box(a).view().t().dot(black_box(&vv)));
        });
    }
    g.finish();
}

fn kernels(c: &mut Criterion) {
    let (n, d) = DENSE_SHAPE;
    let dense = Design::dense(dense_matrix(n, d, 1)).expect("finite values");
    kernels_on(c, &format!("dense_{n}x{d}"), &dense);
    drop(dense);

    let (n, d) = SPARSE_SHAPE;
    let sparse = Design::sparse(sparse_matrix(n, d, SPARSE_DENSITY, 2)).expect("rows");
    kernels_on(c, &format!("sparse_{n}x{d}"), &sparse);
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(4));
    targets = kernels
}
criterion_main!(benches);

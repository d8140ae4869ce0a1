//! One SVRG epoch (`gradus_qning::Svrg`, κ = 0, logistic loss, λ₂ = 1/(10n)) against one `Design::matvec` pass
//! over the same data, on one rayon thread.
//!
//! | id | what one iteration does |
//! |---|---|
//! | `svrg_epoch_{data}/svrg_epoch_uniform` | one `InnerSolver::epoch` with uniform sampling: a snapshot (one `matvec` + one `matvec_t`) and n proximal stochastic steps |
//! | `svrg_epoch_{data}/svrg_epoch_auto` | the same with the default sampling (`Auto`: importance sampling on the dense data, whose row norms vary; uniform on the L2-normalized sparse rows) |
//! | `svrg_epoch_{data}/svrg_epoch_l1` | uniform sampling with λ₁ = 10/n (soft-thresholding steps; on CSR the just-in-time catch-up) |
//! | `svrg_epoch_{data}/svrg_epoch_shuffle_once` | `Sampling::Cyclic` on the same data with its rows shuffled once (`LinearModel::shuffle_rows`): shuffle-once SVRG, whose steps stream through memory |
//! | `svrg_epoch_{data}/matvec` | one `Design::matvec` (X w, length n) |
//! | `svrg_epoch_{data}/matvec_t` | one `Design::matvec_t` (Xᵀ v, length d) |
//! | `svrg_epoch_{data}/random_rows_dot_axpy` | the memory floor of the n steps: n uniformly drawn rows, `row_dot` then `row_axpy` of each (no loss, no prox, no catch-up) |
//! | `svrg_epoch_{data}/sequential_rows_dot_axpy` | the same floor for rows visited in storage order (the steps of shuffle-once SVRG) |
//! | `svrg_epoch_{data}/random_rows_dot_axpy_prefetched` | `random_rows_dot_axpy` with the epochs' prefetches (`gradus_qning::lookahead::prefetch_ahead`) |
//! | `svrg_epoch_{data}/epoch_floor` | the floor of a whole i.i.d. epoch: one snapshot pass (`sequential_rows_dot_axpy`), then the n random rows of `random_rows_dot_axpy_prefetched` |
//!
//! Data: `dense` = `correlated_gaussian_logistic(100000, 200, 1)`; `sparse` = `sparse_bag_of_words(50000, 20000,
//! 0.002, 1)`. Targets: a uniform epoch within 1.3× of `epoch_floor`, a shuffle-once epoch ≤ 3× a matvec pass
//! (numbers in `docs/benchmarks.md`, sections "Kernels and dispatch" and "SVRG epoch").

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use gradus_benches::pool;
use gradus_data::generate::{correlated_gaussian_logistic, sparse_bag_of_words};
use gradus_oracle::{Design, LinearModel, Loss, Work};
use gradus_qning::lookahead::prefetch_ahead;
use gradus_qning::{InnerSolver, ProximalPoint, Sampling, Svrg, SvrgParams};
use ndarray::{Array1, Array2};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

fn bench_on(c: &mut Criterion, name: &str, design: Design, y: Array1<f64>) {
    let n = design.nrows();
    let d = design.ncols();
    let l2 = 1.0 / (10.0 * n as f64);
    let model = LinearModel::new(design.clone(), y.clone(), Loss::Logistic, l2, 0.0).expect("valid model");
    let mut shuffled = LinearModel::new(design.clone(), y.clone(), Loss::Logistic, l2, 0.0).expect("valid model");
    shuffled.shuffle_rows(1);
    let model_l1 = LinearModel::new(design, y, Loss::Logistic, l2, 10.0 / n as f64).expect("valid model");
    let single = pool(1);
    let mut group = c.benchmark_group(format!("svrg_epoch_{name}"));
    let x0 = Array1::<f64>::zeros(d);

    for (id, m, sampling) in [
        ("svrg_epoch_uniform", &model, Sampling::Uniform),
        ("svrg_epoch_auto", &model, Sampling::Auto),
        ("svrg_epoch_l1", &model_l1, Sampling::Uniform),
        ("svrg_epoch_shuffle_once", &shuffled, Sampling::Cyclic),
    ] {
        let params = SvrgParams::new().sampling(sampling).seed(1);
        let mut svrg = Svrg::new(ProximalPoint::new(m, 0.0), x0.view(), &params).expect("valid solver");
        let mut work = Work::default();
        // A few epochs first, so the iterate (and the sparsity of the l1 run) is representative.
        single.install(|| {
            for _ in 0..3 {
                svrg.epoch(&mut work);
            }
        });
        group.bench_function(id, |b| {
            single.install(|| b.iter(|| svrg.epoch(black_box(&mut work))));
        });
    }

    let w = Array1::from_shape_fn(d, |j| ((j * 7919) % 13) as f64 / 13.0 - 0.5);
    let mut out = Array1::<f64>::zeros(n);
    group.bench_function("matvec", |b| {
        single.install(|| b.iter(|| model.design().matvec(black_box(w.view()), black_box(out.view_mut()))));
    });
    let v = Array1::from_shape_fn(n, |i| ((i * 104_729) % 17) as f64 / 17.0 - 0.5);
    let mut out_d = Array1::<f64>::zeros(d);
    group.bench_function("matvec_t", |b| {
        single.install(|| {
            b.iter(|| {
                model
                    .design()
                    .matvec_t(black_box(v.view()), black_box(out_d.view_mut()))
            })
        });
    });
    let mut rng = StdRng::seed_from_u64(3);
    let order: Vec<usize> = (0..n).map(|_| rng.random_range(0..n)).collect();
    let mut acc = vec![0.0; d];
    let ws = w.as_slice().expect("contiguous");
    group.bench_function("random_rows_dot_axpy", |b| {
        b.iter(|| {
            for &i in &order {
                let m = model.design().row_dot(i, ws);
                model.design().row_axpy(i, 1e-9 * m, &mut acc);
            }
            black_box(&acc);
        })
    });
    group.bench_function("sequential_rows_dot_axpy", |b| {
        b.iter(|| {
            sequential_rows_dot_axpy(model.design(), ws, &mut acc);
            black_box(&acc);
        })
    });
    group.bench_function("random_rows_dot_axpy_prefetched", |b| {
        b.iter(|| {
            prefetched_rows_dot_axpy(model.design(), &order, ws, &mut acc);
            black_box(&acc);
        })
    });
    let mut snapshot = vec![0.0; d];
    group.bench_function("epoch_floor", |b| {
        b.iter(|| {
            sequential_rows_dot_axpy(model.design(), ws, &mut snapshot);
            prefetched_rows_dot_axpy(model.design(), &order, ws, &mut acc);
            black_box((&snapshot, &acc));
        })
    });
    group.finish();
}

/// Every row in storage order: its dot with `w`, then an axpy of it into `acc` (the floor of a snapshot pass).
fn sequential_rows_dot_axpy(design: &Design, w: &[f64], acc: &mut [f64]) {
    for i in 0..design.nrows() {
        let m = design.row_dot(i, w);
        design.row_axpy(i, 1e-9 * m, acc);
    }
}

/// The rows of `order`, each prefetched `LOOKAHEAD` steps ahead as the epochs do: its dot with `w`, then an axpy.
fn prefetched_rows_dot_axpy(design: &Design, order: &[usize], w: &[f64], acc: &mut [f64]) {
    for (t, &i) in order.iter().enumerate() {
        prefetch_ahead(design, t, |k| order.get(k).copied(), &[], false);
        let m = design.row_dot(i, w);
        design.row_axpy(i, 1e-9 * m, acc);
    }
}

fn svrg_epoch(c: &mut Criterion) {
    let (x, y): (Array2<f64>, Array1<f64>) = correlated_gaussian_logistic(100_000, 200, 1);
    bench_on(c, "dense", Design::dense(x).expect("finite"), y);
    let (csr, y) = sparse_bag_of_words(50_000, 20_000, 0.002, 1).expect("valid generator arguments");
    bench_on(c, "sparse", Design::sparse(csr).expect("finite"), y);
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    targets = svrg_epoch
}
criterion_main!(benches);

//! The runtime-dispatched dense kernels (`gradus_oracle::simd`) on every instruction-set level this CPU has, and
//! a Newton-Cholesky step against an L-BFGS pass, on the dense 100000 × 200 data, one thread unless named. All
//! in one run, so the ratios are between benchmarks measured side by side. See docs/benchmarks.md, "Kernels and
//! dispatch".

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use gradus_benches::pool;
use gradus_classic::newton::{linear_model_hessian, linear_model_hessian_by_rows};
use gradus_classic::{LbfgsParams, LinearModelPreconditioner, NewtonParams, NewtonState, PreconditionedLbfgsParams};
use gradus_data::generate::correlated_gaussian_logistic;
use gradus_oracle::simd::Level;
use gradus_oracle::{Design, LinearModel, Loss, Method, NoMetrics, Objective, RunConfig, Silent, Stop, Work};
use ndarray::Array1;

fn simd_levels(c: &mut Criterion) {
    let (x, y) = correlated_gaussian_logistic(100_000, 200, 1);
    let d = x.ncols();
    let rows = x.as_slice().expect("standard layout");
    let labels = y.as_slice().expect("contiguous");
    let w: Vec<f64> = (0..d).map(|j| ((j * 7919) % 13) as f64 / 1300.0 - 0.005).collect();
    let mut g = c.benchmark_group("simd_dense_100000x200");
    for kernels in Level::ALL.into_iter().filter_map(Level::kernels) {
        let name = kernels.level.name();
        g.bench_function(BenchmarkId::new("dot_pass", name), |b| {
            b.iter(|| {
                let mut s = 0.0;
                for row in rows.chunks_exact(d) {
                    s += kernels.dot(row, black_box(&w));
                }
                black_box(s)
            })
        });
        let mut part = vec![0.0; d];
        g.bench_function(BenchmarkId::new("axpy_pass", name), |b| {
            b.iter(|| {
                for (row, &yi) in rows.chunks_exact(d).zip(labels) {
                    kernels.axpy(1e-9 * yi, row, &mut part);
                }
                black_box(&part);
            })
        });
        g.bench_function(BenchmarkId::new("fused_pass", name), |b| {
            b.iter(|| black_box(kernels.loss_and_gradient_pass(Loss::Logistic, rows, labels, &w, &mut part)))
        });
        // The dense SVRG/SAGA step on every row in turn: w ← a·w + β + c·aᵢ.
        let beta: Vec<f64> = w.iter().map(|v| 1e-3 * v).collect();
        let mut iterate = w.clone();
        g.bench_function(BenchmarkId::new("affine_step_pass", name), |b| {
            b.iter(|| {
                for (row, &yi) in rows.chunks_exact(d).zip(labels) {
                    kernels.affine_step(1.0 - 1e-9, &beta, 1e-9 * yi, row, &mut iterate);
                }
                black_box(&iterate);
            })
        });
    }
    g.finish();
}

fn newton_vs_lbfgs(c: &mut Criterion) {
    let (x, y) = correlated_gaussian_logistic(100_000, 200, 1);
    let n = x.nrows();
    let model = LinearModel::new(
        Design::dense(x).expect("finite"),
        y,
        Loss::Logistic,
        1.0 / (10.0 * n as f64),
        0.0,
    )
    .expect("valid model");
    let d = model.dim();
    let x0 = Array1::<f64>::zeros(d);
    let xh = Array1::from_shape_fn(d, |j| 0.01 * (j as f64 * 0.37).sin());
    let mut grad = Array1::<f64>::zeros(d);
    let mut g = c.benchmark_group("newton_100000x200");
    for threads in [1, 2] {
        let p = pool(threads);
        g.bench_function(BenchmarkId::new("value_and_gradient", threads), |b| {
            p.install(|| b.iter(|| black_box(model.value_and_gradient(xh.view(), grad.view_mut()))))
        });
        g.bench_function(BenchmarkId::new("hessian_gemm", threads), |b| {
            p.install(|| b.iter(|| black_box(linear_model_hessian(&model, xh.view()))))
        });
        g.bench_function(BenchmarkId::new("newton_step", threads), |b| {
            p.install(|| {
                b.iter(|| {
                    let mut state = NewtonState::new(&model, x0.view(), &NewtonParams::default()).expect("valid");
                    let mut work = Work::default();
                    black_box(state.step(&mut work));
                })
            })
        });
        // The whole solves to ‖∇F‖ ≤ 1e-8 (what `--tol 1e-10` asks of a relative suboptimality here: μ = 1e-6,
        // F ≈ 0.5), from 0.
        g.bench_function(BenchmarkId::new("newton_solve_1e-8", threads), |b| {
            let params = NewtonParams::default().gradient_tolerance(1e-8);
            let config = RunConfig::new(Stop::iterations(100), n).record_every(u64::MAX);
            p.install(|| b.iter(|| black_box(params.solve(&model, x0.view(), &config, &NoMetrics, &mut Silent))))
        });
        g.bench_function(BenchmarkId::new("lbfgs_solve_1e-8", threads), |b| {
            let params = LbfgsParams::default().gradient_tolerance(1e-8);
            let config = RunConfig::new(Stop::iterations(1000), n).record_every(u64::MAX);
            p.install(|| b.iter(|| black_box(params.solve(&model, x0.view(), &config, &NoMetrics, &mut Silent))))
        });
        // L-BFGS from the inverse of a sampled Hessian (32 d rows; `gradus fit`'s `auto` on dense data), and the
        // preconditioner alone.
        g.bench_function(BenchmarkId::new("lbfgs_precond_solve_1e-8", threads), |b| {
            let params = PreconditionedLbfgsParams::new().lbfgs(LbfgsParams::default().gradient_tolerance(1e-8));
            let config = RunConfig::new(Stop::iterations(1000), n).record_every(u64::MAX);
            p.install(|| b.iter(|| black_box(params.solve(&model, x0.view(), &config, &NoMetrics, &mut Silent))))
        });
        g.bench_function(BenchmarkId::new("sampled_hessian_32d", threads), |b| {
            let recipe = LinearModelPreconditioner::default();
            p.install(|| b.iter(|| black_box(recipe.build(&model, x0.view()))))
        });
    }
    let single = pool(1);
    g.bench_function(BenchmarkId::new("hessian_by_rows", 1), |b| {
        single.install(|| b.iter(|| black_box(linear_model_hessian_by_rows(&model, xh.view()))))
    });
    g.finish();
}

/// The certified solves on narrower data (100000 × d, d = 25, 50 and 100, one thread): Newton-Cholesky, L-BFGS and
/// L-BFGS from a sampled Hessian (what `gradus fit`'s `auto` picks).
fn newton_vs_lbfgs_narrow(c: &mut Criterion) {
    let single = pool(1);
    let mut g = c.benchmark_group("newton_narrow");
    for d in [25, 50, 100] {
        let (x, y) = correlated_gaussian_logistic(100_000, d, 1);
        let n = x.nrows();
        let model = LinearModel::new(
            Design::dense(x).expect("finite"),
            y,
            Loss::Logistic,
            1.0 / (10.0 * n as f64),
            0.0,
        )
        .expect("valid model");
        let x0 = Array1::<f64>::zeros(d);
        g.bench_function(BenchmarkId::new("newton_solve_1e-8", d), |b| {
            let params = NewtonParams::default().gradient_tolerance(1e-8);
            let config = RunConfig::new(Stop::iterations(100), n).record_every(u64::MAX);
            single.install(|| b.iter(|| black_box(params.solve(&model, x0.view(), &config, &NoMetrics, &mut Silent))))
        });
        g.bench_function(BenchmarkId::new("lbfgs_solve_1e-8", d), |b| {
            let params = LbfgsParams::default().gradient_tolerance(1e-8);
            let config = RunConfig::new(Stop::iterations(1000), n).record_every(u64::MAX);
            single.install(|| b.iter(|| black_box(params.solve(&model, x0.view(), &config, &NoMetrics, &mut Silent))))
        });
        g.bench_function(BenchmarkId::new("lbfgs_precond_solve_1e-8", d), |b| {
            let params = PreconditionedLbfgsParams::new().lbfgs(LbfgsParams::default().gradient_tolerance(1e-8));
            let config = RunConfig::new(Stop::iterations(1000), n).record_every(u64::MAX);
            single.install(|| b.iter(|| black_box(params.solve(&model, x0.view(), &config, &NoMetrics, &mut Silent))))
        });
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = simd_levels, newton_vs_lbfgs, newton_vs_lbfgs_narrow
}
criterion_main!(benches);

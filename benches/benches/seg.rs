//! One SEG-RR epoch against the bare component evaluations it performs, on the d = 100 strongly monotone quadratic
//! game (D = 200, identical component matrices, the paper's final generator) with n = 1000 components.
//!
//! | id | what one iteration does |
//! |---|---|
//! | `seg_epoch_d100_n1000/seg_rr_epoch` | one `Method::step` of SEG-RR: a Fisher–Yates reshuffle of n indices, then n inner steps (2n component evaluations, 2n axpy-like updates of length D) |
//! | `seg_epoch_d100_n1000/bare_2n_evaluations` | the same 2n `apply_component` calls in a fixed random order, on fixed points, nothing else |
//! | `seg_epoch_d100_n1000/seg_epoch` | one epoch of with-replacement SEG (n uniform draws instead of the reshuffle) |
//!
//! The ratio of the first to the second is the solver's overhead over its oracle calls (target ≤ 1.15; the numbers
//! are in `docs/benchmarks.md`, section "SEG epoch overhead").

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use gradus_oracle::{FiniteSumOperator, Method, QuadraticGame, Work};
use gradus_seg::theory_steps::{Constants, strongly_monotone_steps};
use gradus_seg::{Sampling, SegState};
use ndarray::Array1;

const D: usize = 100;
const N: usize = 1000;

fn seg_epoch(c: &mut Criterion) {
    let game = QuadraticGame::random_identical(D, N, 1.0, 10.0, 1).expect("valid game");
    let steps = strongly_monotone_steps(&Constants::of(&game)).expect("mu > 0");
    let z0 = Array1::from_elem(2 * D, 1.0);
    let mut group = c.benchmark_group(format!("seg_epoch_d{D}_n{N}"));

    let rr = steps.params(Sampling::RandomReshuffling).seed(1);
    let mut state = SegState::new(&game, z0.view(), &rr).expect("valid start");
    let mut work = Work::default();
    group.bench_function("seg_rr_epoch", |b| {
        b.iter(|| black_box(state.step(black_box(&mut work))))
    });

    let seg = steps.params(Sampling::WithReplacement).seed(1);
    let mut state = SegState::new(&game, z0.view(), &seg).expect("valid start");
    group.bench_function("seg_epoch", |b| b.iter(|| black_box(state.step(black_box(&mut work)))));

    // The order of one reshuffled epoch, fixed; two evaluations per component at two fixed points.
    let order: Vec<usize> = {
        let mut s = SegState::new(&game, z0.view(), &rr).expect("valid start");
        s.step(&mut Work::default());
        s.order().to_vec()
    };
    let u = z0.clone();
    let u_bar = Array1::from_elem(2 * D, 0.5);
    let mut value = Array1::zeros(2 * D);
    group.bench_function("bare_2n_evaluations", |b| {
        b.iter(|| {
            for &j in &order {
                game.apply_component(j, black_box(u.view()), value.view_mut());
                black_box(&value);
                game.apply_component(j, black_box(u_bar.view()), value.view_mut());
                black_box(&value);
            }
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(30)
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(6));
    targets = seg_epoch
}
criterion_main!(benches);

//! The dispatched dense kernels of every instruction-set level, measured round-robin on the dense 100000 × 200
//! logistic data (one thread): each round runs the dot pass, the axpy pass, the fused loss-and-gradient pass and
//! the affine-step pass (the dense SVRG/SAGA step on every row in turn) once per level, so drift and a busy neighbour hit all levels alike. Prints per kernel and level the median
//! time and the median over rounds of the ratio to the SSE2 level's time in the same round.
//!
//! `cargo run -p gradus-benches --release --example dispatch_levels -- [ROUNDS]`

use std::hint::black_box;
use std::time::Instant;

use gradus_data::generate::correlated_gaussian_logistic;
use gradus_oracle::Loss;
use gradus_oracle::simd::{Kernels, Level};

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let rounds: usize = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(30);
    let (x, y) = correlated_gaussian_logistic(100_000, 200, 1);
    let d = x.ncols();
    let rows = x.as_slice().expect("standard layout");
    let labels = y.as_slice().expect("contiguous");
    let w: Vec<f64> = (0..d).map(|j| ((j * 7919) % 13) as f64 / 1300.0 - 0.005).collect();
    let levels: Vec<Kernels> = Level::ALL.into_iter().filter_map(Level::kernels).collect();
    let mut part = vec![0.0; d];
    let beta: Vec<f64> = w.iter().map(|v| 1e-3 * v).collect();
    let mut iterate = w.clone();
    let kernels = ["dot_pass", "axpy_pass", "fused_pass", "affine_step_pass"];
    // times[kernel][level][round], in ms
    let mut times = vec![vec![Vec::new(); levels.len()]; kernels.len()];
    for _ in 0..rounds {
        for (l, k) in levels.iter().enumerate() {
            let t = Instant::now();
            let mut s = 0.0;
            for row in rows.chunks_exact(d) {
                s += k.dot(row, &w);
            }
            black_box(s);
            times[0][l].push(t.elapsed().as_secs_f64() * 1e3);
            let t = Instant::now();
            for (row, &yi) in rows.chunks_exact(d).zip(labels) {
                k.axpy(1e-9 * yi, row, &mut part);
            }
            black_box(&part);
            times[1][l].push(t.elapsed().as_secs_f64() * 1e3);
            let t = Instant::now();
            black_box(k.loss_and_gradient_pass(Loss::Logistic, rows, labels, &w, &mut part));
            times[2][l].push(t.elapsed().as_secs_f64() * 1e3);
            let t = Instant::now();
            for (row, &yi) in rows.chunks_exact(d).zip(labels) {
                k.affine_step(1.0 - 1e-9, &beta, 1e-9 * yi, row, &mut iterate);
            }
            black_box(&iterate);
            times[3][l].push(t.elapsed().as_secs_f64() * 1e3);
        }
    }
    println!("kernel level median_ms ratio_to_sse2 (median over {rounds} rounds)");
    for (kernel, per_level) in kernels.iter().zip(&times) {
        for (l, k) in levels.iter().enumerate() {
            let ratios: Vec<f64> = per_level[l].iter().zip(&per_level[0]).map(|(a, b)| a / b).collect();
            println!(
                "{kernel} {} {:.2} {:.3}",
                k.level.name(),
                median(per_level[l].clone()),
                median(ratios)
            );
        }
    }
}

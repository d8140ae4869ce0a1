//! One training epoch of the ReLU MLP of `gradus_oracle::problems::Mlp` (784-256-128-10, mini-batch 128, SGD with
//! momentum, on 12 800 synthetic 784-pixel images = 100 batches) against the same epoch's GEMM work alone: the
//! five products per batch (three forward, dW for three layers, dH for two) timed with `general_mat_mul` on
//! preallocated buffers. The epoch should cost at most 1.5× its GEMMs; the ratio is printed at the end of the
//! run (`cargo bench -p gradus-benches --bench mlp`).

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use gradus_adaptive::{EpochTrainer, SgdMomentum};
use gradus_oracle::problems::Mlp;
use gradus_oracle::{Method, Work};
use ndarray::linalg::general_mat_mul;
use ndarray::{Array1, Array2};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

const SIZES: [usize; 4] = [784, 256, 128, 10];
const BATCH: usize = 128;
const BATCHES: usize = 100;

fn model() -> Mlp {
    let n = BATCH * BATCHES;
    let mut rng = StdRng::seed_from_u64(1);
    let x = Array2::from_shape_fn((n, SIZES[0]), |_| rng.random::<f64>());
    let y = Array1::from_shape_fn(n, |i| (i % 10) as f64);
    Mlp::new(&SIZES, x, &y).expect("valid model")
}

/// The GEMMs of one epoch: per batch, Z_l = H_{l−1}W_lᵀ, dW_l = dZ_lᵀH_{l−1}, dH_{l−1} = dZ_l W_l (l ≥ 2).
struct Gemms {
    acts: Vec<Array2<f64>>,
    weights: Vec<Array2<f64>>,
    grads: Vec<Array2<f64>>,
    dh: Vec<Array2<f64>>,
}

impl Gemms {
    fn new() -> Self {
        let mut rng = StdRng::seed_from_u64(2);
        let mut m = |r, c| Array2::from_shape_fn((r, c), |_| rng.random::<f64>() - 0.5);
        let acts = SIZES.iter().map(|&s| m(BATCH, s)).collect();
        let weights = SIZES.windows(2).map(|w| m(w[1], w[0])).collect();
        let grads = SIZES.windows(2).map(|w| m(w[1], w[0])).collect();
        let dh = SIZES.iter().map(|&s| m(BATCH, s)).collect();
        Gemms {
            acts,
            weights,
            grads,
            dh,
        }
    }

    fn epoch(&mut self) {
        for _ in 0..BATCHES {
            for l in 0..3 {
                let (lo, hi) = self.acts.split_at_mut(l + 1);
                general_mat_mul(1.0, &lo[l], &self.weights[l].t(), 0.0, &mut hi[0]);
            }
            for l in (0..3).rev() {
                general_mat_mul(1.0, &self.dh[l + 1].t(), &self.acts[l], 0.0, &mut self.grads[l]);
                if l > 0 {
                    let (lo, hi) = self.dh.split_at_mut(l + 1);
                    general_mat_mul(1.0, &hi[0], &self.weights[l], 0.0, &mut lo[l]);
                }
            }
        }
    }
}

fn epoch_seconds(trainer: &mut EpochTrainer<'_, Mlp>) -> f64 {
    let mut work = Work::default();
    let t = Instant::now();
    trainer.step(&mut work);
    t.elapsed().as_secs_f64()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn bench(c: &mut Criterion) {
    let mlp = model();
    let dim = mlp.num_params();
    let x0 = mlp.init(3);
    let opt = SgdMomentum::new(dim, 0.01, 0.9, 5e-4).expect("valid");
    let mut trainer = EpochTrainer::new(&mlp, Box::new(opt), x0.view(), BATCH, 4).expect("valid");
    let mut gemms = Gemms::new();
    let flops = 2.0 * mlp.macs_per_sample() * (BATCH * BATCHES) as f64;

    let mut g = c.benchmark_group("mlp_epoch_784_256_128_10");
    g.throughput(Throughput::Elements((BATCH * BATCHES) as u64));
    g.sample_size(10).measurement_time(Duration::from_secs(10));
    g.bench_function("epoch_sgd_m", |b| {
        b.iter(|| {
            let mut w = Work::default();
            black_box(&mut trainer).step(&mut w)
        })
    });
    g.bench_function("gemm_only", |b| b.iter(|| black_box(&mut gemms).epoch()));
    g.finish();

    // The ratio, measured here in the same process (medians of 7 alternating runs).
    let (mut te, mut tg) = (Vec::new(), Vec::new());
    for _ in 0..7 {
        te.push(epoch_seconds(&mut trainer));
        let t = Instant::now();
        gemms.epoch();
        tg.push(t.elapsed().as_secs_f64());
    }
    let (e, gm) = (median(te), median(tg));
    println!(
        "MLP epoch ({} samples, batch {BATCH}): {:.3} s; its GEMMs alone: {:.3} s ({:.2} GFLOP/s); ratio {:.2} \
         (target <= 1.5)",
        BATCH * BATCHES,
        e,
        gm,
        flops / gm / 1e9,
        e / gm
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);

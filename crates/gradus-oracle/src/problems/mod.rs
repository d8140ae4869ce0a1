//! The standard problem library shared by every crate and test: linear models over a [`crate::Design`] and
//! quadratics with a chosen spectrum. (Games, nonsmooth test functions and the MLP are added with the solver
//! families that use them, on the same traits.)

mod games;
pub use games::{GameBlocks, GameConstants, GameMatrices, QuadraticGame};
mod linear_model;
mod quadratic;

pub use linear_model::LinearModel;
pub use quadratic::Quadratic;

/// Σ of `f(i)` for i in 0..n, computed in parallel over fixed chunks of 4096 indices and added in chunk order,
/// so the result does not depend on the number of threads.
pub fn fixed_order_sum(n: usize, f: impl Fn(usize) -> f64 + Sync) -> f64 {
    use rayon::prelude::*;
    const CHUNK: usize = 4096;
    let chunks = n.div_ceil(CHUNK);
    let partial: Vec<f64> = (0..chunks)
        .into_par_iter()
        .map(|c| {
            let mut s = 0.0;
            for i in c * CHUNK..((c + 1) * CHUNK).min(n) {
                s += f(i);
            }
            s
        })
        .collect();
    partial.iter().sum()
}

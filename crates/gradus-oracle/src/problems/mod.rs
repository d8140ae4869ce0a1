//! The standard problem library shared by every crate and test: linear models over a [`crate::Design`],
//! quadratics with a chosen spectrum, quadratic min–max games, nonsmooth nonconvex test functions with the
//! directional oracle ([`nonsmooth_toys`]: [`AbsAbs`], [`MaxAffine`], [`ChebyshevRosenbrock`], [`ReluRegression`],
//! the EXP-N2 instances of [`nonsmooth_toys::standard_toys`]) and a ReLU MLP as a mini-batch/stochastic objective
//! ([`mlp`]: [`Mlp`] with its reusable [`MlpWorkspace`]) and gradient noise with a chosen second-moment schedule
//! ([`nonstationary_noise`]: [`NonstationaryNoise`], [`NoiseSchedule`] and the power means of its levels).

mod games;
pub use games::{GameBlocks, GameConstants, GameMatrices, MatrixGame, QuadraticGame};
mod linear_model;
pub mod mlp;
mod multinomial;
pub mod nonsmooth_toys;
pub mod nonstationary_noise;
mod quadratic;

pub use linear_model::{LinearModel, append_ones_column, fisher_yates};
pub use mlp::{MiniBatchObjective, Mlp, MlpWorkspace};
pub use multinomial::{Multinomial, log_sum_exp, softmax_in_place};
pub use nonsmooth_toys::{AbsAbs, ChebyshevRosenbrock, MaxAffine, NoisyOracle, ReluRegression};
pub use nonstationary_noise::{CosineWells, NoiseSchedule, NonstationaryNoise};
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

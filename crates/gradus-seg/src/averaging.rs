//! Optional iterate averaging: the solvers report (and return) an average of their epoch iterates z₁, …, z_k
//! instead of the last one, while the iteration itself continues from the last iterate.
//!
//! | variant | reported point after epoch k |
//! |---|---|
//! | [`Averaging::None`] | z_k |
//! | [`Averaging::Uniform`] | z̄_k = (1/k) Σ_{j=1..k} z_j |
//! | [`Averaging::Exponential`] | z̄_k = β z̄_{k−1} + (1 − β) z_k, z̄₀ = z₀, with β ∈ [0, 1) |
//!
//! Averaged iterates are what ergodic (averaged-residual or gap) bounds for monotone problems are stated for.

use ndarray::{Array1, ArrayView1};

use crate::error::{Result, invalid};

/// Which point a solver reports (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum Averaging {
    /// The last iterate.
    #[default]
    None,
    /// The running mean of the epoch iterates.
    Uniform,
    /// An exponential moving average with weight β ∈ [0, 1) on the past.
    Exponential {
        /// The weight of the past average.
        beta: f64,
    },
}

impl Averaging {
    /// Checks β ∈ [0, 1).
    pub fn validate(&self, solver: &'static str) -> Result<()> {
        match *self {
            Averaging::Exponential { beta } if !(0.0..1.0).contains(&beta) => {
                Err(invalid(solver, "averaging beta", beta, "must lie in [0, 1)"))
            }
            _ => Ok(()),
        }
    }
}

/// The running average of a solver's epoch iterates.
#[derive(Debug, Clone)]
pub(crate) struct Averager {
    kind: Averaging,
    average: Array1<f64>,
    count: u64,
}

impl Averager {
    /// Starts at z₀.
    pub(crate) fn new(kind: Averaging, z0: ArrayView1<f64>) -> Self {
        Averager {
            kind,
            average: z0.to_owned(),
            count: 0,
        }
    }

    /// Whether a separate average is kept.
    pub(crate) fn is_active(&self) -> bool {
        self.kind != Averaging::None
    }

    /// Adds the epoch iterate z_k.
    pub(crate) fn add(&mut self, z: ArrayView1<f64>) {
        self.count += 1;
        let weight_of_new = match self.kind {
            Averaging::None => return,
            Averaging::Uniform => 1.0 / self.count as f64,
            Averaging::Exponential { beta } => 1.0 - beta,
        };
        // z̄ ← z̄ + w (z − z̄).
        self.average.zip_mut_with(&z, |a, &v| *a += weight_of_new * (v - *a));
    }

    /// The current average.
    pub(crate) fn average(&self) -> ArrayView1<'_, f64> {
        self.average.view()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn uniform_and_exponential_averages() {
        let z0 = array![10.0];
        let mut u = Averager::new(Averaging::Uniform, z0.view());
        for v in [1.0, 2.0, 3.0] {
            u.add(array![v].view());
        }
        assert!((u.average()[0] - 2.0).abs() < 1e-15);
        let mut e = Averager::new(Averaging::Exponential { beta: 0.5 }, z0.view());
        e.add(array![2.0].view());
        assert_eq!(e.average()[0], 6.0);
        assert!(Averaging::Exponential { beta: 1.0 }.validate("seg").is_err());
        assert!(Averaging::Exponential { beta: -0.1 }.validate("seg").is_err());
        assert!(Averaging::Exponential { beta: 0.0 }.validate("seg").is_ok());
        assert!(!Averager::new(Averaging::None, z0.view()).is_active());
    }
}

//! SGD with a constant step (the baseline of the non-stationary-noise analysis, A1 of the spec):
//!
//! ```text
//! x_{t+1} = x_t − η_e · (g_t + wd·x_t),     g_t = ∇f(x_t; ξ_t),     η_e = η · γ^{#milestones ≤ e}
//! ```
//!
//! With a noise of second moment E‖g_t‖² ≤ m_t² and the tuned constant η* = √(2Δ/(L Σ_t m_t²)), the
//! derived bound of the spec (§3.2) is (1/T) Σ_t E‖∇f(x_t)‖² ≤ √(2ΔL/T) · M₂(m): the **quadratic mean** of the
//! noise levels decides SGD's rate, and tuning η needs the whole future noise sequence.
//!
//! | parameter | default | range | meaning |
//! |---|---|---|---|
//! | `lr` η | — | > 0 | step size |
//! | `weight_decay` wd | 0 | ≥ 0 | L2 coefficient added to the direction |
//! | `decay` | none | [`StepDecay`] | lr ÷ γ at milestone epochs |
//!
//! Paper: Zhang, Lin, Das, Sra, Jadbabaie, "Stochastic optimization with non-stationary noise",
//! arXiv 2006.04429.

use ndarray::{Array1, Zip};

use gradus_oracle::stochastic::{GradientFn, StochasticStep};

use crate::error::{Result, check_nonnegative, check_positive};
use crate::schedule::StepDecay;

/// SGD with a constant step (see the [module documentation](self)).
#[derive(Debug, Clone)]
pub struct Sgd {
    lr: f64,
    weight_decay: f64,
    decay: StepDecay,
    current_lr: f64,
    g: Array1<f64>,
}

impl Sgd {
    /// SGD in dimension `dim` with step `lr` > 0.
    pub fn new(dim: usize, lr: f64) -> Result<Self> {
        check_positive("lr", lr)?;
        Ok(Sgd {
            lr,
            weight_decay: 0.0,
            decay: StepDecay::none(),
            current_lr: lr,
            g: Array1::zeros(dim),
        })
    }

    /// Adds wd·x to the direction.
    pub fn with_weight_decay(mut self, weight_decay: f64) -> Result<Self> {
        check_nonnegative("weight_decay", weight_decay)?;
        self.weight_decay = weight_decay;
        Ok(self)
    }

    /// Decays the step by epochs.
    pub fn with_decay(mut self, decay: StepDecay) -> Self {
        self.decay = decay;
        self
    }
}

impl StochasticStep for Sgd {
    fn update(&mut self, x: &mut Array1<f64>, grad: &mut GradientFn<'_>) -> f64 {
        let loss = grad(x.view(), self.g.view_mut());
        let (lr, wd) = (self.current_lr, self.weight_decay);
        Zip::from(x).and(&self.g).for_each(|x, &g| *x -= lr * (g + wd * *x));
        loss
    }
    fn start_epoch(&mut self, epoch: usize) {
        self.current_lr = self.decay.lr_at(self.lr, epoch);
    }
    fn step_size(&self) -> Option<f64> {
        Some(self.current_lr)
    }
    fn name(&self) -> &'static str {
        "SGD"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{ArrayView1, ArrayViewMut1, array};

    #[test]
    fn one_step_and_bad_parameters() {
        let mut opt = Sgd::new(2, 0.1).unwrap().with_weight_decay(0.5).unwrap();
        let mut x = array![1.0, -2.0];
        let mut f = |p: ArrayView1<f64>, mut o: ArrayViewMut1<f64>| {
            o.assign(&p);
            0.0
        };
        opt.update(&mut x, &mut f); // x − 0.1 (x + 0.5 x) = 0.85 x
        assert!((x[0] - 0.85).abs() < 1e-15 && (x[1] + 1.7).abs() < 1e-15);
        assert_eq!(opt.step_size(), Some(0.1));
        assert!(Sgd::new(1, 0.0).is_err());
        assert!(Sgd::new(1, f64::NAN).is_err());
        assert!(Sgd::new(1, 0.1).unwrap().with_weight_decay(-1.0).is_err());
    }
}

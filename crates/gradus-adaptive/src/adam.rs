//! Adam in PyTorch's convention (`torch.optim.Adam`, L2-style weight decay added to the gradient):
//!
//! ```text
//! g ← ∇f(x; ξ) + wd·x;  m ← β₁m + (1 − β₁)g;  v ← β₂v + (1 − β₂)g²;
//! x ← x − lr · (m/(1 − β₁ᵗ)) / (√(v/(1 − β₂ᵗ)) + eps)
//! ```
//!
//! | parameter | default | range | meaning |
//! |---|---|---|---|
//! | `lr` | 1e-3 | > 0 | learning rate (constant) |
//! | `beta1` β₁ | 0.9 | [0, 1) | first-moment decay |
//! | `beta2` β₂ | 0.999 | [0, 1) | second-moment decay |
//! | `eps` | 1e-3 | > 0 | denominator offset (the paper's value; PyTorch's default is 1e-8) |
//! | `weight_decay` wd | 1e-6 | ≥ 0 | L2 coefficient |
//! | `decay` | none | [`StepDecay`] | lr ÷ γ at milestone epochs |
//!
//! [`Adam::paper`] is the INGD paper's CIFAR setting (Zhang, Lin, Jegelka, Jadbabaie, Sra, ICML 2020, §6; eps
//! 1e-3, wd 1e-6); [`Adam::torch`] is PyTorch's defaults (eps 1e-8), as in the non-stationary-noise authors'
//! `main.py` (Zhang, Lin, Das, Sra, Jadbabaie, arXiv 2006.04429), where lr and wd are set on the command line.
//! Papers: Kingma and Ba, "Adam: A Method for Stochastic Optimization" (ICLR 2015).

use ndarray::{Array1, Zip};

use gradus_oracle::stochastic::{GradientFn, StochasticStep};

use crate::error::{Result, check_nonnegative, check_positive, check_unit_interval};
use crate::schedule::StepDecay;

/// Adam (see the [module documentation](self)).
#[derive(Debug, Clone)]
pub struct Adam {
    lr: f64,
    beta1: f64,
    beta2: f64,
    eps: f64,
    weight_decay: f64,
    decay: StepDecay,
    current_lr: f64,
    t: i32,
    m: Array1<f64>,
    v: Array1<f64>,
    g: Array1<f64>,
}

impl Adam {
    /// Adam in dimension `dim`.
    pub fn new(dim: usize, lr: f64, beta1: f64, beta2: f64, eps: f64, weight_decay: f64) -> Result<Self> {
        check_positive("lr", lr)?;
        check_unit_interval("beta1", beta1)?;
        check_unit_interval("beta2", beta2)?;
        check_positive("eps", eps)?;
        check_nonnegative("weight_decay", weight_decay)?;
        Ok(Adam {
            lr,
            beta1,
            beta2,
            eps,
            weight_decay,
            decay: StepDecay::none(),
            current_lr: lr,
            t: 0,
            m: Array1::zeros(dim),
            v: Array1::zeros(dim),
            g: Array1::zeros(dim),
        })
    }

    /// The INGD paper's setting: lr 1e-3, (0.9, 0.999), eps 1e-3, wd 1e-6.
    pub fn paper(dim: usize) -> Result<Self> {
        Self::new(dim, 1e-3, 0.9, 0.999, 1e-3, 1e-6)
    }

    /// PyTorch's defaults ((0.9, 0.999), eps 1e-8) with the given lr and weight decay.
    pub fn torch(dim: usize, lr: f64, weight_decay: f64) -> Result<Self> {
        Self::new(dim, lr, 0.9, 0.999, 1e-8, weight_decay)
    }

    /// Decays the lr by epochs.
    pub fn with_decay(mut self, decay: StepDecay) -> Self {
        self.decay = decay;
        self
    }
}

impl StochasticStep for Adam {
    fn update(&mut self, x: &mut Array1<f64>, grad: &mut GradientFn<'_>) -> f64 {
        let loss = grad(x.view(), self.g.view_mut());
        self.t += 1;
        let (b1, b2, wd) = (self.beta1, self.beta2, self.weight_decay);
        let c1 = 1.0 - b1.powi(self.t);
        let c2 = 1.0 - b2.powi(self.t);
        let (lr, eps) = (self.current_lr, self.eps);
        Zip::from(x)
            .and(&mut self.m)
            .and(&mut self.v)
            .and(&self.g)
            .for_each(|x, m, v, &g| {
                let g = g + wd * *x;
                *m = b1 * *m + (1.0 - b1) * g;
                *v = b2 * *v + (1.0 - b2) * g * g;
                *x -= lr * (*m / c1) / ((*v / c2).sqrt() + eps);
            });
        loss
    }
    fn start_epoch(&mut self, epoch: usize) {
        self.current_lr = self.decay.lr_at(self.lr, epoch);
    }
    fn name(&self) -> &'static str {
        "Adam"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{ArrayView1, ArrayViewMut1, array};

    #[test]
    fn first_step_is_lr_times_sign() {
        let mut opt = Adam::new(2, 0.01, 0.9, 0.999, 1e-12, 0.0).unwrap();
        let mut x = array![1.0, -2.0];
        let mut f = |p: ArrayView1<f64>, mut o: ArrayViewMut1<f64>| {
            o.assign(&p);
            0.0
        };
        opt.update(&mut x, &mut f);
        assert!((x[0] - 0.99).abs() < 1e-12 && (x[1] + 1.99).abs() < 1e-12);
        assert!(Adam::new(1, 1e-3, 1.0, 0.999, 1e-3, 0.0).is_err());
        assert!(Adam::new(1, 1e-3, 0.9, 0.999, 0.0, 0.0).is_err());
    }
}

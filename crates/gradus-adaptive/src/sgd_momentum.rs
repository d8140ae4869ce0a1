//! SGD with momentum in PyTorch's convention (`torch.optim.SGD`, dampening 0, not Nesterov), with L2 weight
//! decay added to the gradient and a step-decay schedule (`MultiStepLR`):
//!
//! ```text
//! g ← ∇f(x; ξ) + wd·x;   v ← g (first step), v ← μv + g (after);   x ← x − lr_e·v,
//! lr_e = lr · γ^{#milestones ≤ e}   (e the current epoch)
//! ```
//!
//! | parameter | default | range | meaning |
//! |---|---|---|---|
//! | `lr` | 0.1 | > 0 | learning rate |
//! | `momentum` μ | 0.9 | [0, 1) | momentum |
//! | `weight_decay` wd | 5e-4 | ≥ 0 | L2 coefficient |
//! | `milestones` | none | epochs | lr ← γ·lr at each |
//! | `gamma` γ | 0.1 | (0, 1] | decay factor |
//!
//! Defaults are the CIFAR setting shared by the INGD paper (Zhang, Lin, Jegelka, Jadbabaie, Sra, ICML 2020, §6)
//! and the non-stationary-noise authors' `main.py` (Zhang, Lin, Das, Sra, Jadbabaie, arXiv 2006.04429): lr 0.1,
//! momentum 0.9, wd 5e-4, ÷10 at 50 % and 75 % of the epochs ([`SgdMomentum::paper`]).

use ndarray::{Array1, Zip};

use gradus_oracle::stochastic::{GradientFn, StochasticStep};

use crate::error::{Result, check_decay_factor, check_nonnegative, check_positive, check_unit_interval};
use crate::schedule::step_decay;

/// SGD with momentum (see the [module documentation](self)).
#[derive(Debug, Clone)]
pub struct SgdMomentum {
    lr: f64,
    momentum: f64,
    weight_decay: f64,
    milestones: Vec<usize>,
    gamma: f64,
    current_lr: f64,
    v: Option<Array1<f64>>,
    g: Array1<f64>,
}

impl SgdMomentum {
    /// SGD with momentum in dimension `dim`.
    pub fn new(dim: usize, lr: f64, momentum: f64, weight_decay: f64) -> Result<Self> {
        check_positive("lr", lr)?;
        check_unit_interval("momentum", momentum)?;
        check_nonnegative("weight_decay", weight_decay)?;
        Ok(SgdMomentum {
            lr,
            momentum,
            weight_decay,
            milestones: Vec::new(),
            gamma: 0.1,
            current_lr: lr,
            v: None,
            g: Array1::zeros(dim),
        })
    }

    /// The paper's setting for a run of `epochs`: lr 0.1, μ 0.9, wd 5e-4, ÷10 at 50 % and 75 % of the epochs.
    pub fn paper(dim: usize, epochs: usize) -> Result<Self> {
        Self::new(dim, 0.1, 0.9, 5e-4)?.with_milestones(vec![epochs / 2, epochs * 3 / 4], 0.1)
    }

    /// Sets the step-decay milestones (epochs) and factor γ ∈ (0, 1].
    pub fn with_milestones(mut self, milestones: Vec<usize>, gamma: f64) -> Result<Self> {
        check_decay_factor("gamma", gamma)?;
        self.milestones = milestones;
        self.gamma = gamma;
        Ok(self)
    }

    /// The learning rate in use.
    pub fn current_lr(&self) -> f64 {
        self.current_lr
    }
}

impl StochasticStep for SgdMomentum {
    fn update(&mut self, x: &mut Array1<f64>, grad: &mut GradientFn<'_>) -> f64 {
        let loss = grad(x.view(), self.g.view_mut());
        let (wd, mu, lr) = (self.weight_decay, self.momentum, self.current_lr);
        match &mut self.v {
            None => {
                self.g.scaled_add(wd, x);
                x.scaled_add(-lr, &self.g);
                self.v = Some(self.g.clone());
            }
            // One fused pass: g + wd·x, v ← μv + g, x ← x − lr·v.
            Some(v) => Zip::from(x).and(v).and(&self.g).for_each(|x, v, &g| {
                *v = mu * *v + (g + wd * *x);
                *x -= lr * *v;
            }),
        }
        loss
    }
    fn start_epoch(&mut self, epoch: usize) {
        self.current_lr = step_decay(self.lr, self.gamma, &self.milestones, epoch);
    }
    fn step_size(&self) -> Option<f64> {
        Some(self.current_lr)
    }
    fn name(&self) -> &'static str {
        "SGD-m"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{ArrayView1, ArrayViewMut1, array};

    #[test]
    fn matches_pytorch_recursion_and_schedule() {
        // f(x) = ½x², gradient x; wd 0.1; μ 0.5; lr 0.1.
        let mut opt = SgdMomentum::new(1, 0.1, 0.5, 0.1).unwrap();
        let mut x = array![1.0];
        let mut f = |p: ArrayView1<f64>, mut o: ArrayViewMut1<f64>| {
            o.assign(&p);
            0.0
        };
        opt.update(&mut x, &mut f); // g = 1.1, v = 1.1, x = 0.89
        assert!((x[0] - 0.89).abs() < 1e-15);
        opt.update(&mut x, &mut f); // g = 0.979, v = 0.55 + 0.979 = 1.529, x = 0.89 − 0.1529
        assert!((x[0] - (0.89 - 0.1529)).abs() < 1e-14);
        assert_eq!(step_decay(0.1, 0.1, &[5, 7], 4), 0.1);
        assert!((step_decay(0.1, 0.1, &[5, 7], 7) - 0.001).abs() < 1e-18);
        assert!(SgdMomentum::new(1, 0.1, 1.0, 0.0).is_err());
        assert!(SgdMomentum::new(1, -0.1, 0.5, 0.0).is_err());
    }
}

//! RMSProp: the per-coordinate form of [`crate::AdapSgd`] (A4 of the spec), one second-moment estimate per
//! coordinate instead of one for the whole model:
//!
//! ```text
//! v_0 = g_0 ⊙ g_0                                      (Order::AfterStep, the AdapSGD ordering)
//! x_{t+1,i} = x_{t,i} − lr_e · (g_{t,i} + wd·x_{t,i}) / (√v_{t,i} + ε)
//! v_{t+1} = β v_t + (1 − β) g_t ⊙ g_t
//! ```
//!
//! With [`Order::BeforeStep`] v starts at 0 and is updated before the step (PyTorch's `torch.optim.RMSprop`
//! without momentum or centering: β is torch's α). The abstract of the paper says the online estimator recovers
//! "close variants of RMSProp"; which variant is meant could not be read (spec §6.7), so both orders are offered.
//!
//! | parameter | default | range | meaning |
//! |---|---|---|---|
//! | `lr` | — | > 0 | step size |
//! | `beta` β | 0.95 | [0, 1) | EMA decay of g ⊙ g |
//! | `eps` ε | 1e-8 | > 0 | added to √v per coordinate (the global 0.01 of AdapSGD is far above per-coordinate scales) |
//! | `weight_decay` wd | 0 | ≥ 0 | L2 coefficient added to the direction |
//! | `order` | [`Order::AfterStep`] | | when v takes in g_t |
//! | `decay` | none | [`crate::StepDecay`] | lr ÷ γ at milestone epochs |
//!
//! Papers: Tieleman and Hinton, Lecture 6.5 "RMSProp" (2012); Zhang, Lin, Das, Sra, Jadbabaie, arXiv 2006.04429.

use ndarray::{Array1, Zip};

use gradus_oracle::stochastic::{GradientFn, StochasticStep};

use crate::adap_sgd::Order;
use crate::error::{Result, check_nonnegative, check_positive, check_unit_interval};
use crate::schedule::StepDecay;

/// RMSProp (see the [module documentation](self)).
#[derive(Debug, Clone)]
pub struct RmsProp {
    lr: f64,
    beta: f64,
    eps: f64,
    weight_decay: f64,
    order: Order,
    decay: StepDecay,
    current_lr: f64,
    started: bool,
    v: Array1<f64>,
    g: Array1<f64>,
}

impl RmsProp {
    /// RMSProp in dimension `dim`: β 0.95, ε 1e-8, no weight decay, the AdapSGD ordering.
    pub fn new(dim: usize, lr: f64) -> Result<Self> {
        Self::with_parameters(dim, lr, 0.95, 1e-8, 0.0)
    }

    /// RMSProp with every parameter: lr > 0, β ∈ [0, 1), ε > 0, wd ≥ 0.
    pub fn with_parameters(dim: usize, lr: f64, beta: f64, eps: f64, weight_decay: f64) -> Result<Self> {
        check_positive("lr", lr)?;
        check_unit_interval("beta", beta)?;
        check_positive("eps", eps)?;
        check_nonnegative("weight_decay", weight_decay)?;
        Ok(RmsProp {
            lr,
            beta,
            eps,
            weight_decay,
            order: Order::AfterStep,
            decay: StepDecay::none(),
            current_lr: lr,
            started: false,
            v: Array1::zeros(dim),
            g: Array1::zeros(dim),
        })
    }

    /// Sets when v takes in the current gradient.
    pub fn with_order(mut self, order: Order) -> Self {
        self.order = order;
        self
    }

    /// Decays the lr by epochs.
    pub fn with_decay(mut self, decay: StepDecay) -> Self {
        self.decay = decay;
        self
    }

    /// The per-coordinate second-moment estimate.
    pub fn second_moment_estimate(&self) -> &Array1<f64> {
        &self.v
    }
}

impl StochasticStep for RmsProp {
    fn update(&mut self, x: &mut Array1<f64>, grad: &mut GradientFn<'_>) -> f64 {
        let loss = grad(x.view(), self.g.view_mut());
        let (lr, beta, eps, wd) = (self.current_lr, self.beta, self.eps, self.weight_decay);
        if self.order == Order::AfterStep && !self.started {
            Zip::from(&mut self.v).and(&self.g).for_each(|v, &g| *v = g * g);
        }
        let after = self.order == Order::AfterStep;
        Zip::from(x).and(&mut self.v).and(&self.g).for_each(|x, v, &g| {
            if !after {
                *v = beta * *v + (1.0 - beta) * g * g;
            }
            *x -= lr * (g + wd * *x) / (v.sqrt() + eps);
            if after {
                *v = beta * *v + (1.0 - beta) * g * g;
            }
        });
        self.started = true;
        loss
    }
    fn start_epoch(&mut self, epoch: usize) {
        self.current_lr = self.decay.lr_at(self.lr, epoch);
    }
    fn name(&self) -> &'static str {
        "RMSProp"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{ArrayView1, ArrayViewMut1, array};

    #[test]
    fn first_step_is_lr_times_sign_and_v_follows_the_ema() {
        let mut opt = RmsProp::with_parameters(2, 0.1, 0.9, 1e-12, 0.0).unwrap();
        let mut x = array![1.0, -2.0];
        let mut f = |p: ArrayView1<f64>, mut o: ArrayViewMut1<f64>| {
            o.assign(&p);
            0.0
        };
        opt.update(&mut x, &mut f); // v = g² first, step = lr·sign(g)
        assert!((x[0] - 0.9).abs() < 1e-12 && (x[1] + 1.9).abs() < 1e-12);
        // v after the step: 0.9·g² + 0.1·g² = g² (g the first gradient).
        assert!((opt.second_moment_estimate()[1] - 4.0).abs() < 1e-12);
        let mut torch = RmsProp::with_parameters(1, 0.1, 0.99, 1e-12, 0.0)
            .unwrap()
            .with_order(Order::BeforeStep);
        let mut y = array![1.0];
        torch.update(&mut y, &mut f); // v = 0.01, step = 0.1 / 0.1 = 1
        assert!((y[0] - 0.0).abs() < 1e-9);
        assert!(RmsProp::new(1, -1.0).is_err());
        assert!(RmsProp::with_parameters(1, 0.1, 0.9, 0.0, 0.0).is_err());
    }
}

//! AdapSGD: SGD whose step follows an online estimate of the gradient's second moment (moment estimation, A3 of
//! the spec), as in the authors' CIFAR code (`JingzhaoZhang/nonstationary-noise-cifar`, `utils.py`, class
//! `AdapSGD`, read line by line):
//!
//! ```text
//! n_t² = ‖g_t‖²                                (g_t the raw stochastic gradient: one norm over ALL parameters)
//! v_0 = n_0²                                   (the first step uses its own gradient; no bias correction)
//! η_t = lr_e / (√v_t + ε)                      (ε outside the square root)
//! x_{t+1} = x_t − η_t · (g_t + wd·x_t)          (weight decay enters the direction only, not the norm)
//! v_{t+1} = β v_t + (1 − β) n_t²               (after the step: for t ≥ 1, η_t is built from g_0 … g_{t−1} only)
//! ```
//!
//! v_t is one scalar for the whole model ("AdaGrad-Norm with an exponential moving average"), an estimate of the
//! second moment m_t² = E‖g_t‖²; so AdapSGD is the idealized step c/m_t of [`crate::IdealizedSgd`] (p = 1) with
//! m_t replaced by its estimate. Because η_t is fixed before g_t is drawn (for t ≥ 1), the derived one-step
//! lemma applies: if m_t²/ρ ≤ v_t ≤ ρ m_t², the p = 1 bound is lost by at most a factor ρ (spec §3.7 [D]). The
//! estimator needs m_t to change slowly relative to its memory 1/(1 − β) (20 updates at β = 0.95).
//! [`Order::BeforeStep`] updates v before the step (v then includes g_t, as in `torch.optim.RMSprop`; v starts
//! at 0, so the first v is (1 − β)n_0²).
//!
//! No momentum (the authors' class carries commented-out momentum lines only). The authors' `main.py` divides the
//! lr by 10 at 50 % and 75 % of the epochs for AdapSGD too ([`crate::StepDecay`]).
//!
//! | parameter | default | range | meaning |
//! |---|---|---|---|
//! | `lr` | 0.1 | > 0 | step length in parameter space (≈ lr per step when √v ≈ ‖g‖ ≫ ε) |
//! | `beta` β | 0.95 | [0, 1) | EMA decay of ‖g‖² |
//! | `eps` ε | 0.01 | > 0 | added to √v |
//! | `weight_decay` wd | 0 (5e-4 in `main.py`) | ≥ 0 | L2 coefficient added to the direction |
//! | `order` | [`Order::AfterStep`] | | when v takes in ‖g_t‖² |
//! | `decay` | none | [`crate::StepDecay`] | lr ÷ γ at milestone epochs |
//!
//! Paper: Zhang, Lin, Das, Sra, Jadbabaie, "Stochastic optimization with non-stationary noise",
//! arXiv 2006.04429 (Abstract: "an online estimator of the noise level can … recover close variants of RMSProp").

use ndarray::{Array1, Zip};

use gradus_oracle::stochastic::{GradientFn, StochasticStep};

use crate::error::{Result, check_nonnegative, check_positive, check_unit_interval};
use crate::schedule::StepDecay;

/// When the second-moment estimate takes in the current gradient.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Order {
    /// After the step (the authors' code): the step uses g_0 … g_{t−1} only; v starts at the first gradient's
    /// square.
    #[default]
    AfterStep,
    /// Before the step (PyTorch's RMSprop): the step uses g_0 … g_t; v starts at 0.
    BeforeStep,
}

/// v ← βv + (1 − β)·s, the exponential moving average of a second moment.
pub fn ema(v: f64, beta: f64, s: f64) -> f64 {
    beta * v + (1.0 - beta) * s
}

/// η = lr / (√v + ε).
pub fn moment_step(lr: f64, v: f64, eps: f64) -> f64 {
    lr / (v.sqrt() + eps)
}

/// AdapSGD (see the [module documentation](self)).
#[derive(Debug, Clone)]
pub struct AdapSgd {
    lr: f64,
    beta: f64,
    eps: f64,
    weight_decay: f64,
    order: Order,
    decay: StepDecay,
    current_lr: f64,
    v: Option<f64>,
    last_step: Option<f64>,
    g: Array1<f64>,
}

impl AdapSgd {
    /// AdapSGD in dimension `dim` with the authors' β = 0.95, ε = 0.01, no weight decay.
    pub fn new(dim: usize, lr: f64) -> Result<Self> {
        Self::with_parameters(dim, lr, 0.95, 0.01, 0.0)
    }

    /// AdapSGD with every parameter: lr > 0, β ∈ [0, 1), ε > 0, wd ≥ 0.
    pub fn with_parameters(dim: usize, lr: f64, beta: f64, eps: f64, weight_decay: f64) -> Result<Self> {
        check_positive("lr", lr)?;
        check_unit_interval("beta", beta)?;
        check_positive("eps", eps)?;
        check_nonnegative("weight_decay", weight_decay)?;
        Ok(AdapSgd {
            lr,
            beta,
            eps,
            weight_decay,
            order: Order::AfterStep,
            decay: StepDecay::none(),
            current_lr: lr,
            v: None,
            last_step: None,
            g: Array1::zeros(dim),
        })
    }

    /// The authors' CIFAR setting for a run of `epochs`: β 0.95, ε 0.01, wd 5e-4, lr ÷10 at 50 % and 75 %.
    pub fn authors(dim: usize, lr: f64, epochs: usize) -> Result<Self> {
        Ok(Self::with_parameters(dim, lr, 0.95, 0.01, 5e-4)?.with_decay(StepDecay::halves_and_three_quarters(epochs)))
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

    /// The current second-moment estimate v (None before the first update).
    pub fn second_moment_estimate(&self) -> Option<f64> {
        self.v
    }
}

impl StochasticStep for AdapSgd {
    fn update(&mut self, x: &mut Array1<f64>, grad: &mut GradientFn<'_>) -> f64 {
        let loss = grad(x.view(), self.g.view_mut());
        let n2 = self.g.dot(&self.g);
        let v = match (self.order, self.v) {
            (Order::AfterStep, None) => n2,
            (Order::AfterStep, Some(v)) => v,
            (Order::BeforeStep, v) => ema(v.unwrap_or(0.0), self.beta, n2),
        };
        let eta = moment_step(self.current_lr, v, self.eps);
        let wd = self.weight_decay;
        Zip::from(x).and(&self.g).for_each(|x, &g| *x -= eta * (g + wd * *x));
        self.v = Some(match self.order {
            Order::AfterStep => ema(v, self.beta, n2),
            Order::BeforeStep => v,
        });
        self.last_step = Some(eta);
        loss
    }
    fn start_epoch(&mut self, epoch: usize) {
        self.current_lr = self.decay.lr_at(self.lr, epoch);
    }
    fn step_size(&self) -> Option<f64> {
        self.last_step
    }
    fn name(&self) -> &'static str {
        "AdapSGD"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{ArrayView1, ArrayViewMut1, array};

    /// A fixed sequence of gradients (independent of x), to check the recursion by hand.
    fn replay(grads: Vec<Array1<f64>>) -> impl FnMut(ArrayView1<f64>, ArrayViewMut1<f64>) -> f64 {
        let mut k = 0;
        move |_p, mut o| {
            o.assign(&grads[k]);
            k += 1;
            0.0
        }
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-12 * b.abs().max(1e-300)
    }

    /// Spec C10: (a) step t ≥ 1 uses v from g_0 … g_{t−1}; (b) step 0 uses ‖g_0‖; (c) the norm excludes wd·x;
    /// (d) ‖Δx_t‖ = lr‖g_t + wd x_t‖/(√v_t + ε).
    #[test]
    fn recursion_matches_the_authors_code() {
        let (lr, beta, eps, wd) = (0.1, 0.95, 0.01, 0.5);
        let grads = vec![array![3.0, 4.0], array![0.0, 1.0], array![10.0, 0.0]];
        let mut opt = AdapSgd::with_parameters(2, lr, beta, eps, wd).unwrap();
        let mut f = replay(grads.clone());
        let mut x = array![1.0, 2.0];
        let mut v: f64 = 25.0; // (b) ‖g_0‖² = 25
        for g in &grads {
            let x_before = x.clone();
            opt.update(&mut x, &mut f);
            let d = g + &(wd * &x_before); // (c): wd·x enters the direction, not v
            let expected = &x_before - &(lr / (v.sqrt() + eps) * &d);
            let dx = &x - &x_before;
            // (d)
            assert!(close(dx.dot(&dx).sqrt(), lr * d.dot(&d).sqrt() / (v.sqrt() + eps)));
            assert!(x.iter().zip(&expected).all(|(a, b)| close(*a, *b)));
            assert!(close(opt.step_size().unwrap(), lr / (v.sqrt() + eps)));
            // (a): the next step's v takes in this g only now.
            v = beta * v + (1.0 - beta) * g.dot(g);
            assert!(close(opt.second_moment_estimate().unwrap(), v));
        }
    }

    #[test]
    fn before_step_order_includes_the_current_gradient() {
        let mut opt = AdapSgd::with_parameters(1, 1.0, 0.5, 1e-12, 0.0)
            .unwrap()
            .with_order(Order::BeforeStep);
        let mut f = replay(vec![array![2.0]]);
        let mut x = array![0.0];
        opt.update(&mut x, &mut f); // v = 0.5·0 + 0.5·4 = 2
        assert!(close(opt.second_moment_estimate().unwrap(), 2.0));
        assert!(close(x[0], -2.0 / 2f64.sqrt()));
    }

    /// One update on pure Gaussian noise of second moment `level` in dimension x.len(); returns the new v.
    fn noise_update(opt: &mut AdapSgd, x: &mut Array1<f64>, rng: &mut rand::rngs::StdRng, level: f64) -> f64 {
        use rand_distr::{Distribution, StandardNormal};
        let scale = (level / x.len() as f64).sqrt();
        let mut noise = |_p: ArrayView1<f64>, mut o: ArrayViewMut1<f64>| -> f64 {
            for v in o.iter_mut() {
                let z: f64 = StandardNormal.sample(&mut *rng);
                *v = scale * z;
            }
            0.0
        };
        opt.update(x, &mut noise);
        opt.second_moment_estimate().unwrap()
    }

    /// Spec C7: after a ×100 jump of the noise's second moment (d = 1000, so ‖g‖² concentrates), the estimate
    /// reaches half the new level after ln(2(r − 1)/r)/ln(1/β) = 13.3 updates going up, and falls below twice the
    /// new level ln(r − 1)/ln(1/β) = 89.6 updates after the drop back (β = 0.95).
    #[test]
    fn ema_lag_after_a_jump_matches_the_recursion() {
        use rand::SeedableRng;
        let mut rng = rand::rngs::StdRng::seed_from_u64(5);
        let mut opt = AdapSgd::with_parameters(1000, 1e-3, 0.95, 0.01, 0.0).unwrap();
        let mut x = Array1::zeros(1000);
        for _ in 0..300 {
            noise_update(&mut opt, &mut x, &mut rng, 1.0);
        }
        let up = (1..=1000)
            .find(|_| noise_update(&mut opt, &mut x, &mut rng, 100.0) >= 50.0)
            .unwrap();
        assert!((11..=16).contains(&up), "up: {up} updates");
        for _ in 0..300 {
            noise_update(&mut opt, &mut x, &mut rng, 100.0);
        }
        let down = (1..=1000)
            .find(|_| noise_update(&mut opt, &mut x, &mut rng, 1.0) <= 2.0)
            .unwrap();
        assert!((80..=100).contains(&down), "down: {down} updates");
    }

    #[test]
    fn bad_parameters_are_errors() {
        assert!(AdapSgd::new(1, 0.0).is_err());
        assert!(AdapSgd::with_parameters(1, 0.1, 1.0, 0.01, 0.0).is_err());
        assert!(AdapSgd::with_parameters(1, 0.1, 0.9, 0.0, 0.0).is_err());
        assert!(AdapSgd::with_parameters(1, 0.1, 0.9, 0.01, -1.0).is_err());
    }
}

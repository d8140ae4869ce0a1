//! ISTA and FISTA on any finite sum, with backtracking on full gradients.
//!
//! With the smooth part s(w) = f(w) + (λ₂/2)‖w‖² + (κ/2)‖w − z‖² and ψ = λ₁‖·‖₁:
//!
//! ```text
//! ISTA:   w⁺ = S_{λ₁/L}( v − ∇s(v)/L ),  v = w_k
//! FISTA:  v = w_k + β_k (w_k − w_{k−1}),  β_k = (√L − √σ)/(√L + √σ) if σ = λ₂ + κ > 0, else (t_k − 1)/t_{k+1}
//! backtracking: while s(w⁺) > s(v) + ∇s(v)ᵀ(w⁺ − v) + (L/2)‖w⁺ − v‖², L ← backtrack · L
//! ```
//!
//! L starts at half of [`gradus_oracle::Objective::smoothness`] + λ₂ + κ. Work per iteration: one
//! value-and-gradient at v (a full gradient) and one function value per trial point, accepted or not (the fast
//! path reuses the margins and pays only the rejected ones). The value h(w⁺) is then known, so QNing pays no
//! extra pass for it.
//!
//! | name | default | range | meaning |
//! |---|---|---|---|
//! | `accelerated` | false (ISTA) | bool | FISTA momentum |
//! | `backtrack` | 1.5 | > 1 | factor on L after a failed test |
//!
//! References: A. Beck and M. Teboulle (2009), SIAM J. Imaging Sci. 2(1); Y. Nesterov (2013), Math. Program. 140.

use gradus_oracle::Work;
use gradus_oracle::regularizer::soft_threshold;
use ndarray::{Array1, ArrayView1, Zip};

use super::FiniteSumPoint;
use crate::error::{Result, check_start};
use crate::ista::IstaParams;
use crate::proximal_point::{InnerSolver, Subproblem, back, keep};

/// The state of ISTA/FISTA on a finite sum.
pub struct GenericIsta<'a> {
    sub: FiniteSumPoint<'a>,
    accelerated: bool,
    backtrack: f64,
    lipschitz: f64,
    w: Array1<f64>,
    w_prev: Array1<f64>,
    v: Array1<f64>,
    grad: Array1<f64>,
    trial: Array1<f64>,
    t: f64,
    /// h_z(w) when known (after an iteration at the current centre).
    value: Option<f64>,
    saved: [Option<Array1<f64>>; 2],
    saved_scalars: Option<(f64, f64, Option<f64>)>,
    /// The passes the problem's estimate of L cost (`Objective::smoothness_passes`), charged by the first epoch.
    setup_passes: u64,
}

impl<'a> GenericIsta<'a> {
    /// ISTA/FISTA on `sub` from x0.
    pub fn new(sub: FiniteSumPoint<'a>, x0: ArrayView1<f64>, params: &IstaParams) -> Result<Self> {
        params.validate()?;
        let name = if params.accelerated { "fista" } else { "ista" };
        check_start(name, sub.dim(), x0)?;
        let l = 0.5 * sub.problem().smoothness().max(0.0) + sub.ridge();
        let setup_passes = sub.problem().smoothness_passes();
        let d = sub.dim();
        Ok(GenericIsta {
            accelerated: params.accelerated,
            backtrack: params.backtrack,
            lipschitz: if l > 0.0 && l.is_finite() { l } else { 1.0 },
            w: x0.to_owned(),
            w_prev: x0.to_owned(),
            v: Array1::zeros(d),
            grad: Array1::zeros(d),
            trial: Array1::zeros(d),
            t: 1.0,
            value: None,
            saved: [None, None],
            saved_scalars: None,
            setup_passes,
            sub,
        })
    }

    /// The current estimate of L.
    pub fn lipschitz(&self) -> f64 {
        self.lipschitz
    }

    fn momentum(&mut self) -> f64 {
        if !self.accelerated {
            return 0.0;
        }
        let sigma = self.sub.ridge();
        if sigma > 0.0 {
            let (a, b) = (self.lipschitz.sqrt(), sigma.sqrt());
            (a - b) / (a + b)
        } else {
            let t_next = 0.5 * (1.0 + (1.0 + 4.0 * self.t * self.t).sqrt());
            let beta = (self.t - 1.0) / t_next;
            self.t = t_next;
            beta
        }
    }
}

impl<'a> InnerSolver<'a> for GenericIsta<'a> {
    fn name(&self) -> &'static str {
        if self.accelerated { "fista" } else { "ista" }
    }
    fn subproblem(&self) -> &dyn Subproblem {
        &self.sub
    }
    fn set_center(&mut self, z: ArrayView1<f64>) {
        self.sub.set_center(z);
        self.value = None;
    }
    fn restart_from(&mut self, w: ArrayView1<f64>) {
        self.w.assign(&w);
        self.w_prev.assign(&w);
        self.t = 1.0;
        self.value = None;
    }
    fn iterate(&self) -> ArrayView1<'_, f64> {
        self.w.view()
    }
    fn known_value(&self) -> Option<f64> {
        self.value
    }
    fn save_state(&mut self) {
        keep(&mut self.saved[0], &self.w);
        keep(&mut self.saved[1], &self.w_prev);
        self.saved_scalars = Some((self.t, self.lipschitz, self.value));
    }
    fn restore_state(&mut self) {
        let Some((t, l, value)) = self.saved_scalars else {
            return;
        };
        back(&mut self.w, &self.saved[0]);
        back(&mut self.w_prev, &self.saved[1]);
        (self.t, self.lipschitz, self.value) = (t, l, value);
    }

    fn epoch(&mut self, work: &mut Work) {
        work.full_gradients += std::mem::take(&mut self.setup_passes);
        let beta = self.momentum();
        Zip::from(&mut self.v)
            .and(&self.w)
            .and(&self.w_prev)
            .for_each(|v, &a, &b| *v = a + beta * (a - b));
        let s_v = self.sub.smooth_value_and_gradient(self.v.view(), self.grad.view_mut());
        work.full_gradients += 1;
        let l1 = self.sub.l1();
        let s_t = loop {
            let l = self.lipschitz;
            Zip::from(&mut self.trial)
                .and(&self.v)
                .and(&self.grad)
                .for_each(|t, &v, &g| *t = soft_threshold(v - g / l, l1 / l));
            let s_t = self.sub.smooth_value(self.trial.view());
            work.function_values += 1;
            let (mut lin, mut quad) = (0.0, 0.0);
            for j in 0..self.trial.len() {
                let dj = self.trial[j] - self.v[j];
                lin += self.grad[j] * dj;
                quad += dj * dj;
            }
            let bound = s_v + lin + 0.5 * l * quad;
            if s_t <= bound + 1e-13 * s_v.abs() || quad == 0.0 || !s_t.is_finite() && l > 1e300 {
                break s_t;
            }
            self.lipschitz *= self.backtrack;
        };
        std::mem::swap(&mut self.w_prev, &mut self.w);
        self.w.assign(&self.trial);
        self.value = Some(s_t + self.sub.l1_value(self.w.view()));
        work.prox_calls += 1;
    }
}

//! Prox-SVRG on any finite sum: a snapshot w̃ with its full gradient, two component gradients per step.
//!
//! For h(w) = (1/n) Σᵢ fᵢ(w) + ((λ₂ + κ)/2)‖w‖² − bᵀw + λ₁‖w‖₁ ([`super::FiniteSumPoint`]):
//!
//! ```text
//! every epoch (or with probability 1/n per step, loopless): w̃ = w, ḡ = ∇f(w̃)
//! i ~ p (uniform, pᵢ ∝ Lᵢ, or i = t cyclic),   v = (∇fᵢ(w) − ∇fᵢ(w̃))/(n pᵢ) + ḡ
//! w ← S_{ηλ₁}( w − η [ v + (λ₂ + κ) w − b ] ),   η = step_scale/(L + λ₂ + κ)
//! ```
//!
//! L = max Lᵢ (mean Lᵢ under importance sampling). Work: one full gradient per snapshot and two component
//! gradients per step, so an epoch is 3 passes (the linear-model fast path stores the snapshot's scalar
//! derivatives and pays 2).
//!
//! | name | default | range | meaning |
//! |---|---|---|---|
//! | `sampling` | `Auto` | Uniform, Importance, Auto, Cyclic | as [`crate::SvrgParams`]: Auto = importance when mean Lᵢ ≤ 0.9 max Lᵢ |
//! | `step_scale` | 1/3 | (0, 1] | η = step_scale/(L + λ₂ + κ) |
//! | `loopless` | false | bool | refresh the snapshot with probability 1/n per step |
//! | `seed` | 0 | any u64 | the sampling seed |
//!
//! References: R. Johnson and T. Zhang (2013), NeurIPS; L. Xiao and T. Zhang (2014), SIAM J. Optim. 24(4).

use gradus_oracle::Work;
use ndarray::{Array1, ArrayView1};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

use super::{FiniteSumPoint, component_constants, prox_step};
use crate::error::{Result, check_start, invalid};
use crate::proximal_point::{InnerSolver, Subproblem, back, keep};
use crate::sampling::{Sampler, Sampling};
use crate::svrg::SvrgParams;

const SOLVER: &str = "svrg";

/// The state of SVRG on a finite sum.
pub struct GenericSvrg<'a> {
    sub: FiniteSumPoint<'a>,
    w: Array1<f64>,
    snapshot: Array1<f64>,
    snap_grad: Array1<f64>,
    g_new: Array1<f64>,
    g_old: Array1<f64>,
    has_snapshot: bool,
    loopless: bool,
    eta: f64,
    sampler: Sampler,
    rng: StdRng,
    /// The safeguard's copy: w, w̃, ḡ, and whether a snapshot was held.
    saved: [Option<Array1<f64>>; 3],
    saved_snapshot: bool,
}

impl<'a> GenericSvrg<'a> {
    /// SVRG on `sub` from x0.
    pub fn new(sub: FiniteSumPoint<'a>, x0: ArrayView1<f64>, params: &SvrgParams) -> Result<Self> {
        params.validate()?;
        check_start(SOLVER, sub.dim(), x0)?;
        let li = component_constants(sub.problem());
        let l_max = li.iter().copied().fold(0.0, f64::max);
        let l_mean = li.iter().sum::<f64>() / li.len() as f64;
        let sampling = params.sampling.resolve(l_max, l_mean);
        let l = if sampling == Sampling::Importance {
            l_mean
        } else {
            l_max
        };
        let eta = params.step_scale / (l + sub.ridge());
        if !(eta.is_finite() && eta > 0.0) {
            return Err(invalid(SOLVER, "step", eta, "L + λ₂ + κ must be finite and > 0"));
        }
        let d = sub.dim();
        Ok(GenericSvrg {
            w: x0.to_owned(),
            snapshot: Array1::zeros(d),
            snap_grad: Array1::zeros(d),
            g_new: Array1::zeros(d),
            g_old: Array1::zeros(d),
            has_snapshot: false,
            loopless: params.loopless,
            eta,
            sampler: Sampler::new(sampling, &li),
            rng: StdRng::seed_from_u64(params.seed),
            saved: [None, None, None],
            saved_snapshot: false,
            sub,
        })
    }

    /// The step η.
    pub fn step_size(&self) -> f64 {
        self.eta
    }

    /// w̃ = w and ḡ = ∇f(w̃): one full gradient.
    fn take_snapshot(&mut self, work: &mut Work) {
        self.snapshot.assign(&self.w);
        self.sub
            .problem()
            .gradient(self.snapshot.view(), self.snap_grad.view_mut());
        self.has_snapshot = true;
        work.full_gradients += 1;
    }
}

impl<'a> InnerSolver<'a> for GenericSvrg<'a> {
    fn name(&self) -> &'static str {
        SOLVER
    }
    fn subproblem(&self) -> &dyn Subproblem {
        &self.sub
    }
    fn set_center(&mut self, z: ArrayView1<f64>) {
        self.sub.set_center(z);
    }
    fn restart_from(&mut self, w: ArrayView1<f64>) {
        self.w.assign(&w);
    }
    fn iterate(&self) -> ArrayView1<'_, f64> {
        self.w.view()
    }
    fn save_state(&mut self) {
        keep(&mut self.saved[0], &self.w);
        keep(&mut self.saved[1], &self.snapshot);
        keep(&mut self.saved[2], &self.snap_grad);
        self.saved_snapshot = self.has_snapshot;
    }
    fn restore_state(&mut self) {
        if self.saved[0].is_none() {
            return;
        }
        back(&mut self.w, &self.saved[0]);
        back(&mut self.snapshot, &self.saved[1]);
        back(&mut self.snap_grad, &self.saved[2]);
        self.has_snapshot = self.saved_snapshot;
    }

    fn epoch(&mut self, work: &mut Work) {
        let n = self.sub.n();
        if !self.loopless || !self.has_snapshot {
            self.take_snapshot(work);
        }
        let (eta, ridge, l1) = (self.eta, self.sub.ridge(), self.sub.l1());
        let problem = self.sub.problem();
        for t in 0..n {
            if self.loopless && self.rng.random::<f64>() < 1.0 / n as f64 {
                self.take_snapshot(work);
            }
            let (i, weight) = self.sampler.draw(t, &mut self.rng);
            problem.component_gradient(i, self.w.view(), self.g_new.view_mut());
            problem.component_gradient(i, self.snapshot.view(), self.g_old.view_mut());
            work.component_gradients += 2;
            for j in 0..self.w.len() {
                let v = weight * (self.g_new[j] - self.g_old[j]) + self.snap_grad[j];
                let grad = v + ridge * self.w[j] - self.sub.linear_term(j);
                self.w[j] = prox_step(self.w[j], eta, grad, l1);
            }
        }
    }
}

//! ISTA and FISTA (proximal gradient, plain and accelerated) with backtracking.
//!
//! With the smooth part s(w) = (1/n) Σᵢ φᵢ(aᵢᵀw) + (σ/2)‖w‖² − bᵀw and ψ = λ₁‖·‖₁:
//!
//! ```text
//! ISTA:   w⁺ = S_{λ₁/L}( v − ∇s(v)/L ),  v = w_k
//! FISTA:  v = w_k + β_k (w_k − w_{k−1}),  β_k = (√L − √σ)/(√L + √σ) if σ > 0, else (t_k − 1)/t_{k+1}
//!         with t_{k+1} = (1 + √(1 + 4t_k²))/2
//! backtracking: while s(w⁺) > s(v) + ∇s(v)ᵀ(w⁺ − v) + (L/2)‖w⁺ − v‖², L ← 1.5 L
//! ```
//!
//! The margins are linear in w, so Xv = Xw_k + β(Xw_k − Xw_{k−1}) costs no pass and an accepted step costs one
//! gradient pass (Xᵀu for ∇s(v), Xw⁺ for the test, reused by the next step); a rejected trial costs one extra
//! matvec, counted as a function value. L starts at half the bound σ + sup φ″ λ_max(XᵀX/n) (power iteration),
//! so backtracking finds the local constant; the estimate's passes ([`Objective::smoothness_passes`]) are charged
//! to the first epoch. An "epoch" is one iteration.
//!
//! | name | default | range | meaning |
//! |---|---|---|---|
//! | `accelerated` | false (ISTA) | bool | FISTA momentum |
//! | `backtrack` | 1.5 | > 1 | factor on L after a failed test |
//!
//! References: A. Beck and M. Teboulle (2009), *A fast iterative shrinkage-thresholding algorithm for linear
//! inverse problems*, SIAM J. Imaging Sci. 2(1); Y. Nesterov (2013), *Gradient methods for minimizing composite
//! functions*, Math. Program. 140.

use gradus_oracle::regularizer::soft_threshold;
use gradus_oracle::{LinearModel, Monitor, Objective, Observer, Report, RunConfig, Work};
use ndarray::{Array1, ArrayView1, Zip};

use crate::error::{Result, check_no_intercept, check_start, invalid};
use crate::proximal_point::{EpochMethod, InnerSolver, ProximalPoint, back, keep};

/// The parameters of ISTA/FISTA; see the module docs.
#[derive(Debug, Clone, PartialEq)]
pub struct IstaParams {
    /// FISTA when true.
    pub accelerated: bool,
    /// Backtracking factor.
    pub backtrack: f64,
}

impl Default for IstaParams {
    fn default() -> Self {
        IstaParams {
            accelerated: false,
            backtrack: 1.5,
        }
    }
}

impl IstaParams {
    /// ISTA.
    pub fn ista() -> Self {
        Self::default()
    }
    /// FISTA.
    pub fn fista() -> Self {
        IstaParams {
            accelerated: true,
            ..Self::default()
        }
    }
    fn name(&self) -> &'static str {
        if self.accelerated { "fista" } else { "ista" }
    }
    /// Checks every value.
    pub fn validate(&self) -> Result<()> {
        if !(self.backtrack > 1.0 && self.backtrack.is_finite()) {
            return Err(invalid(
                self.name(),
                "backtrack",
                self.backtrack,
                "must be finite and > 1",
            ));
        }
        Ok(())
    }
    /// Solves the model from x0 (κ = 0), one trace step per iteration.
    pub fn solve(
        &self,
        model: &LinearModel,
        x0: ArrayView1<f64>,
        config: &RunConfig,
        monitor: &dyn Monitor,
        observer: &mut dyn Observer,
    ) -> Result<Report> {
        let mut s = Ista::new(ProximalPoint::new(model, 0.0), x0, self)?;
        crate::guard::run_guarded(&mut EpochMethod { inner: &mut s }, monitor, config, observer, 0)
    }
}

/// The state of ISTA/FISTA.
pub struct Ista<'a> {
    sub: ProximalPoint<'a>,
    accelerated: bool,
    backtrack: f64,
    lipschitz: f64,
    w: Array1<f64>,
    w_prev: Array1<f64>,
    m: Array1<f64>,
    m_prev: Array1<f64>,
    v: Array1<f64>,
    mv: Array1<f64>,
    u: Array1<f64>,
    grad: Array1<f64>,
    trial: Array1<f64>,
    m_trial: Array1<f64>,
    t: f64,
    margins_fresh: bool,
    /// The safeguard's copy: w, w_prev, Xw, Xw_prev, and (t, L, margins fresh).
    saved: [Option<Array1<f64>>; 4],
    saved_scalars: Option<(f64, f64, bool)>,
    /// The passes the estimate of L cost ([`Objective::smoothness_passes`]), charged by the first epoch.
    setup_passes: u64,
}

impl<'a> Ista<'a> {
    /// ISTA/FISTA on `sub` from x0.
    pub fn new(sub: ProximalPoint<'a>, x0: ArrayView1<f64>, params: &IstaParams) -> Result<Self> {
        params.validate()?;
        check_start(params.name(), sub.dim(), x0)?;
        check_no_intercept(params.name(), sub.model())?;
        let model = sub.model();
        let data_l = model.smoothness() - model.l2();
        let setup_passes = model.smoothness_passes();
        let lipschitz = 0.5 * data_l.max(0.0) + sub.sigma();
        let lipschitz = if lipschitz > 0.0 { lipschitz } else { 1.0 };
        let (n, d) = (sub.n(), sub.dim());
        Ok(Ista {
            accelerated: params.accelerated,
            backtrack: params.backtrack,
            lipschitz,
            w: x0.to_owned(),
            w_prev: x0.to_owned(),
            m: Array1::zeros(n),
            m_prev: Array1::zeros(n),
            v: Array1::zeros(d),
            mv: Array1::zeros(n),
            u: Array1::zeros(n),
            grad: Array1::zeros(d),
            trial: Array1::zeros(d),
            m_trial: Array1::zeros(n),
            t: 1.0,
            margins_fresh: false,
            saved: [None, None, None, None],
            saved_scalars: None,
            setup_passes,
            sub,
        })
    }

    /// The current estimate of L.
    pub fn lipschitz(&self) -> f64 {
        self.lipschitz
    }

    /// s(w) from margins (without λ₁ and constants).
    fn smooth_value(&self, w: ArrayView1<f64>, m: ArrayView1<f64>) -> f64 {
        let sigma = self.sub.sigma();
        let mut r = 0.0;
        for (j, &wj) in w.iter().enumerate() {
            r += 0.5 * sigma * wj * wj - self.sub.linear_term(j) * wj;
        }
        self.sub.model().mean_loss(m) + r
    }

    fn momentum(&mut self) -> f64 {
        if !self.accelerated {
            return 0.0;
        }
        let sigma = self.sub.sigma();
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

impl<'a> InnerSolver<'a> for Ista<'a> {
    fn name(&self) -> &'static str {
        if self.accelerated { "fista" } else { "ista" }
    }
    fn subproblem(&self) -> &dyn crate::proximal_point::Subproblem {
        &self.sub
    }
    fn set_center(&mut self, z: ArrayView1<f64>) {
        self.sub.set_center(z);
    }
    fn restart_from(&mut self, w: ArrayView1<f64>) {
        self.w.assign(&w);
        self.w_prev.assign(&w);
        self.t = 1.0;
        self.margins_fresh = false;
    }
    fn iterate(&self) -> ArrayView1<'_, f64> {
        self.w.view()
    }
    fn known_value(&self) -> Option<f64> {
        self.margins_fresh
            .then(|| self.sub.value_from_margins(self.w.view(), self.m.view()))
    }
    fn save_state(&mut self) {
        keep(&mut self.saved[0], &self.w);
        keep(&mut self.saved[1], &self.w_prev);
        keep(&mut self.saved[2], &self.m);
        keep(&mut self.saved[3], &self.m_prev);
        self.saved_scalars = Some((self.t, self.lipschitz, self.margins_fresh));
    }
    fn restore_state(&mut self) {
        let Some((t, l, fresh)) = self.saved_scalars else {
            return;
        };
        back(&mut self.w, &self.saved[0]);
        back(&mut self.w_prev, &self.saved[1]);
        back(&mut self.m, &self.saved[2]);
        back(&mut self.m_prev, &self.saved[3]);
        (self.t, self.lipschitz, self.margins_fresh) = (t, l, fresh);
    }

    fn epoch(&mut self, work: &mut Work) {
        work.full_gradients += std::mem::take(&mut self.setup_passes);
        let model = self.sub.model();
        let n = self.sub.n() as f64;
        if !self.margins_fresh {
            model.margins(self.w.view(), self.m.view_mut());
            self.m_prev.assign(&self.m);
            self.w_prev.assign(&self.w);
            self.margins_fresh = true;
            work.function_values += 1;
        }
        let beta = self.momentum();
        Zip::from(&mut self.v)
            .and(&self.w)
            .and(&self.w_prev)
            .for_each(|v, &a, &b| *v = a + beta * (a - b));
        Zip::from(&mut self.mv)
            .and(&self.m)
            .and(&self.m_prev)
            .for_each(|v, &a, &b| *v = a + beta * (a - b));
        model.loss_derivatives(self.mv.view(), self.u.view_mut());
        model.design().matvec_t(self.u.view(), self.grad.view_mut());
        let sigma = self.sub.sigma();
        for j in 0..self.grad.len() {
            self.grad[j] = self.grad[j] / n + sigma * self.v[j] - self.sub.linear_term(j);
        }
        let s_v = self.smooth_value(self.v.view(), self.mv.view());
        work.full_gradients += 1;
        let l1 = self.sub.l1();
        loop {
            let l = self.lipschitz;
            Zip::from(&mut self.trial)
                .and(&self.v)
                .and(&self.grad)
                .for_each(|t, &v, &g| *t = soft_threshold(v - g / l, l1 / l));
            model.margins(self.trial.view(), self.m_trial.view_mut());
            let s_t = self.smooth_value(self.trial.view(), self.m_trial.view());
            let mut lin = 0.0;
            let mut quad = 0.0;
            for j in 0..self.trial.len() {
                let dj = self.trial[j] - self.v[j];
                lin += self.grad[j] * dj;
                quad += dj * dj;
            }
            let bound = s_v + lin + 0.5 * l * quad;
            if s_t <= bound + 1e-13 * s_v.abs() || quad == 0.0 || !s_t.is_finite() && l > 1e300 {
                break;
            }
            self.lipschitz *= self.backtrack;
            work.function_values += 1;
        }
        std::mem::swap(&mut self.w_prev, &mut self.w);
        std::mem::swap(&mut self.m_prev, &mut self.m);
        self.w.assign(&self.trial);
        self.m.assign(&self.m_trial);
        work.prox_calls += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::duality_gap::DualityGapMonitor;
    use crate::test_support::*;
    use gradus_oracle::{Loss, Silent, Status, Stop};

    #[test]
    fn ista_and_fista_reach_the_optimum() {
        for sparse in [false, true] {
            for (loss, l2, l1) in [
                (Loss::Logistic, 0.05, 0.0),
                (Loss::Squared, 0.01, 0.02),
                (Loss::Squared, 0.0, 0.05),
            ] {
                for p in [IstaParams::ista(), IstaParams::fista()] {
                    let m = small_model(loss, sparse, l2, l1);
                    let x0 = Array1::zeros(m.design().ncols());
                    let cfg = RunConfig::new(Stop::iterations(100_000).with_target("rel_gap", 1e-11), m.n());
                    let r = p
                        .solve(&m, x0.view(), &cfg, &DualityGapMonitor::new(&m), &mut Silent)
                        .unwrap();
                    assert_eq!(r.status, Status::Converged, "{loss:?} {p:?}");
                    let xs = reference_solution(&m);
                    assert!((&r.x - &xs).iter().all(|e| e.abs() < 1e-4));
                }
            }
        }
        assert!(
            IstaParams {
                accelerated: false,
                backtrack: 1.0
            }
            .validate()
            .is_err()
        );
    }
}

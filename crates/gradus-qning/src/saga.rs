//! SAGA on the linear-model fast path: a table of one scalar αᵢ = φ′ᵢ(aᵢᵀwᵢ) per sample, a prox step for λ₁, and
//! lazy updates on CSR data.
//!
//! With ḡ = (1/n) Σᵢ αᵢ aᵢ:
//!
//! ```text
//! i ~ Uniform{1..n} (cyclic: i = t at step t of every epoch),   δ = φ′ᵢ(aᵢᵀw) − αᵢ
//! w ← prox_{ηλ₁‖·‖₁}( w − η [ δ aᵢ + ḡ + σ w − b ] ),   ḡ ← ḡ + δ aᵢ / n,   αᵢ ← αᵢ + δ
//! ```
//!
//! One epoch = n steps (n component gradients); the table is filled by one full gradient at the start. ḡⱼ
//! changes only at coordinates of the sampled row, so between visits a coordinate follows a fixed scalar map and
//! is caught up just in time ([`crate::lazy`]). The table persists across [`InnerSolver::set_center`] and
//! [`InnerSolver::restart_from`] (the warm start of Catalyst and QNing).
//!
//! | name | default | range | meaning |
//! |---|---|---|---|
//! | `sampling` | `Auto` | Uniform, Auto, Cyclic | Auto = Uniform; Cyclic = rows 0, 1, …, n−1 in storage order every epoch (Importance: typed error) |
//! | `step_scale` | 1/3 | (0, 1] | η = step_scale / (max Lᵢ + σ) |
//! | `seed` | 0 | any u64 | sampling seed |
//!
//! No importance sampling: with badly scaled rows use SVRG with importance sampling or an accelerator (`auto`
//! does). Cyclic sampling on a model whose rows were shuffled once ([`gradus_oracle::LinearModel::shuffle_rows`])
//! is shuffle-once SAGA, whose epochs stream through memory; on data sorted e.g. by label it is the plain
//! incremental method, which can be much slower.
//!
//! References: A. Defazio, F. Bach, S. Lacoste-Julien (2014), *SAGA: a fast incremental gradient method with
//! support for non-strongly convex composite objectives*, NeurIPS; K. Mishchenko, A. Khaled, P. Richtárik (2020),
//! *Random reshuffling: simple analysis with vast improvements*, NeurIPS (shuffle-once).

use gradus_oracle::{Design, LinearModel, Monitor, Observer, Report, RunConfig, Work};
use ndarray::{Array1, ArrayView1};
use rand::SeedableRng;
use rand::rngs::StdRng;

use crate::error::{Result, check_no_intercept, check_start, invalid};
use crate::lazy::PowerTable;
use crate::lookahead::prefetch_ahead;
use crate::proximal_point::{EpochMethod, InnerSolver, ProximalPoint, back, keep};
use crate::sampling::{Sampler, Sampling};
use crate::svrg::{ScaledIterate, dense_step};

const SOLVER: &str = "saga";

/// The parameters of SAGA; see the module docs.
#[derive(Debug, Clone, PartialEq)]
pub struct SagaParams {
    /// How samples are visited: uniform draws (`Uniform`, `Auto`) or storage order (`Cyclic`).
    pub sampling: Sampling,
    /// η = step_scale / (max Lᵢ + σ).
    pub step_scale: f64,
    /// The seed.
    pub seed: u64,
}

impl Default for SagaParams {
    fn default() -> Self {
        SagaParams {
            sampling: Sampling::Auto,
            step_scale: 1.0 / 3.0,
            seed: 0,
        }
    }
}

impl SagaParams {
    /// The defaults.
    pub fn new() -> Self {
        Self::default()
    }
    /// Sets the sampling (`Importance` is rejected by [`SagaParams::validate`]).
    pub fn sampling(mut self, s: Sampling) -> Self {
        self.sampling = s;
        self
    }
    /// Sets the step scale.
    pub fn step_scale(mut self, s: f64) -> Self {
        self.step_scale = s;
        self
    }
    /// Sets the seed.
    pub fn seed(mut self, s: u64) -> Self {
        self.seed = s;
        self
    }
    /// Checks every value.
    pub fn validate(&self) -> Result<()> {
        if !(self.step_scale > 0.0 && self.step_scale <= 1.0) {
            return Err(invalid(SOLVER, "step_scale", self.step_scale, "must be in (0, 1]"));
        }
        if self.sampling == Sampling::Importance {
            return Err(invalid(
                SOLVER,
                "sampling",
                "Importance",
                "SAGA samples uniformly or cyclically (importance sampling: use SVRG)",
            ));
        }
        Ok(())
    }
    /// Solves the model from x0 (κ = 0), one trace step per epoch.
    pub fn solve(
        &self,
        model: &LinearModel,
        x0: ArrayView1<f64>,
        config: &RunConfig,
        monitor: &dyn Monitor,
        observer: &mut dyn Observer,
    ) -> Result<Report> {
        let mut s = Saga::new(ProximalPoint::new(model, 0.0), x0, self)?;
        crate::guard::run_guarded(&mut EpochMethod { inner: &mut s }, monitor, config, observer, 0)
    }
}

/// The state of SAGA.
pub struct Saga<'a> {
    sub: ProximalPoint<'a>,
    w: Array1<f64>,
    last: Vec<u32>,
    table: Array1<f64>,
    mean_grad: Array1<f64>,
    beta: Array1<f64>,
    filled: bool,
    eta: f64,
    powers: PowerTable,
    sampler: Sampler,
    rng: StdRng,
    /// The current epoch's draws (kept to reuse the allocation).
    plan: Vec<u32>,
    /// The safeguard's copy: w, the table, ḡ, and whether the table was filled.
    saved: [Option<Array1<f64>>; 3],
    saved_filled: bool,
}

impl<'a> Saga<'a> {
    /// SAGA on `sub` from x0.
    pub fn new(sub: ProximalPoint<'a>, x0: ArrayView1<f64>, params: &SagaParams) -> Result<Self> {
        params.validate()?;
        check_start(SOLVER, sub.dim(), x0)?;
        check_no_intercept(SOLVER, sub.model())?;
        let (l_max, _) = sub.data_smoothness_max_mean();
        let eta = params.step_scale / (l_max + sub.sigma());
        if !eta.is_finite() {
            return Err(invalid(SOLVER, "step", eta, "L + σ must be > 0"));
        }
        let (n, d) = (sub.n(), sub.dim());
        // The catch-up table (sparse data only): a = 1 − ησ is fixed for the subproblem; k ≤ n within an epoch.
        let k_max = if sub.model().design().is_sparse() { n } else { 0 };
        Ok(Saga {
            powers: PowerTable::new(1.0 - eta * sub.sigma(), k_max),
            w: x0.to_owned(),
            last: vec![0; d],
            table: Array1::zeros(n),
            mean_grad: Array1::zeros(d),
            beta: Array1::zeros(d),
            filled: false,
            eta,
            sampler: Sampler::unweighted(params.sampling, n),
            rng: StdRng::seed_from_u64(params.seed),
            plan: Vec::new(),
            saved: [None, None, None],
            saved_filled: false,
            sub,
        })
    }

    fn refresh_beta(&mut self) {
        for j in 0..self.w.len() {
            self.beta[j] = -self.eta * (self.mean_grad[j] - self.sub.linear_term(j));
        }
    }

    fn fill_table(&mut self, work: &mut Work) {
        let model = self.sub.model();
        let mut m = Array1::zeros(self.sub.n());
        model.margins(self.w.view(), m.view_mut());
        model.loss_derivatives(m.view(), self.table.view_mut());
        model.design().matvec_t(self.table.view(), self.mean_grad.view_mut());
        self.mean_grad /= self.sub.n() as f64;
        self.refresh_beta();
        self.filled = true;
        work.full_gradients += 1;
    }
}

impl<'a> InnerSolver<'a> for Saga<'a> {
    fn name(&self) -> &'static str {
        SOLVER
    }
    fn subproblem(&self) -> &dyn crate::proximal_point::Subproblem {
        &self.sub
    }
    fn set_center(&mut self, z: ArrayView1<f64>) {
        self.sub.set_center(z);
        self.refresh_beta();
    }
    fn restart_from(&mut self, w: ArrayView1<f64>) {
        self.w.assign(&w);
    }
    fn iterate(&self) -> ArrayView1<'_, f64> {
        self.w.view()
    }
    fn save_state(&mut self) {
        keep(&mut self.saved[0], &self.w);
        keep(&mut self.saved[1], &self.table);
        keep(&mut self.saved[2], &self.mean_grad);
        self.saved_filled = self.filled;
    }
    fn restore_state(&mut self) {
        if self.saved[0].is_none() {
            return;
        }
        back(&mut self.w, &self.saved[0]);
        back(&mut self.table, &self.saved[1]);
        back(&mut self.mean_grad, &self.saved[2]);
        self.filled = self.saved_filled;
        self.refresh_beta();
    }

    fn epoch(&mut self, work: &mut Work) {
        if !self.filled {
            self.fill_table(work);
        }
        let model = self.sub.model();
        let (loss, y) = (model.loss(), model.labels());
        let n = self.sub.n();
        let inv_n = 1.0 / n as f64;
        let eta = self.eta;
        let (a, tau) = (1.0 - eta * self.sub.sigma(), eta * self.sub.l1());
        // The epoch's draws up front, in the loop's order (same seed, same bits), for `crate::lookahead`.
        // On CSR data without λ₁: the iterate as s·u + r·β, starting at w = u.
        let mut scaled = ScaledIterate::new();
        let mut plan = std::mem::take(&mut self.plan);
        plan.clear();
        plan.extend((0..n).map(|t| self.sampler.draw(t, &mut self.rng).0 as u32));
        for t in 0..n as u32 {
            let i = plan[t as usize] as usize;
            let index = |k: usize| plan.get(k).map(|&i| i as usize);
            prefetch_ahead(
                model.design(),
                t as usize,
                index,
                &[self.table.as_slice().expect("contiguous")],
                self.sampler.is_cyclic(),
            );
            match model.design() {
                Design::Dense(x) => {
                    let row = x.row(i);
                    let w = self.w.as_slice_mut().expect("contiguous");
                    let m = gradus_oracle::design::dot(row, w);
                    let delta = loss.derivative(m, y[i]) - self.table[i];
                    dense_step(w, row, self.beta.as_slice().expect("contiguous"), a, -eta * delta, tau);
                    self.table[i] += delta;
                    let (g, b) = (
                        self.mean_grad.as_slice_mut().expect("c"),
                        self.beta.as_slice_mut().expect("c"),
                    );
                    for ((gj, bj), &v) in g.iter_mut().zip(b.iter_mut()).zip(row) {
                        *gj += delta * inv_n * v;
                        *bj -= eta * delta * inv_n * v;
                    }
                }
                Design::Sparse(csr) if tau == 0.0 => {
                    // w = s·u + r·β (`ScaledIterate`); βⱼ changes only on the row's coordinates, and there u absorbs
                    // the change so that wⱼ stays what it was.
                    let (idx, val) = csr.row(i);
                    let (u, beta) = (self.w.as_slice_mut().expect("c"), self.beta.as_slice_mut().expect("c"));
                    let (mut du, mut db) = (0.0, 0.0);
                    for (&j, &v) in idx.iter().zip(val) {
                        du += v * u[j as usize];
                        db += v * beta[j as usize];
                    }
                    let delta = loss.derivative(scaled.margin(du, db), y[i]) - self.table[i];
                    if scaled.advance(a) {
                        scaled.write_out(u, beta);
                    }
                    let (s, r, c) = (scaled.s, scaled.r, -eta * delta);
                    for (&j, &v) in idx.iter().zip(val) {
                        let j = j as usize;
                        self.mean_grad[j] += delta * inv_n * v;
                        let beta_new = -eta * (self.mean_grad[j] - self.sub.linear_term(j));
                        u[j] += (c * v + r * (beta[j] - beta_new)) / s;
                        beta[j] = beta_new;
                    }
                    self.table[i] += delta;
                }
                Design::Sparse(csr) => {
                    let (idx, val) = csr.row(i);
                    let mut m = 0.0;
                    for (&j, &v) in idx.iter().zip(val) {
                        let j = j as usize;
                        let k = t - self.last[j];
                        if k > 0 {
                            self.w[j] = self.powers.catch_up(self.w[j], k as u64, self.beta[j], tau);
                        }
                        m += v * self.w[j];
                    }
                    let delta = loss.derivative(m, y[i]) - self.table[i];
                    let c = -eta * delta;
                    for (&j, &v) in idx.iter().zip(val) {
                        let j = j as usize;
                        self.w[j] =
                            gradus_oracle::regularizer::soft_threshold(a * self.w[j] + self.beta[j] + c * v, tau);
                        self.last[j] = t + 1;
                        self.mean_grad[j] += delta * inv_n * v;
                        self.beta[j] = -eta * (self.mean_grad[j] - self.sub.linear_term(j));
                    }
                    self.table[i] += delta;
                }
            }
        }
        self.plan = plan;
        if model.design().is_sparse() && tau == 0.0 {
            scaled.write_out(self.w.as_slice_mut().expect("c"), self.beta.as_slice().expect("c"));
        } else if model.design().is_sparse() {
            let t = n as u32;
            for j in 0..self.w.len() {
                let k = t - self.last[j];
                if k > 0 {
                    self.w[j] = self.powers.catch_up(self.w[j], k as u64, self.beta[j], tau);
                }
                self.last[j] = 0;
            }
        }
        work.component_gradients += n as u64;
        work.prox_calls += if tau > 0.0 { n as u64 } else { 0 };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::duality_gap::DualityGapMonitor;
    use crate::test_support::*;
    use gradus_oracle::{Loss, Silent, Status, Stop};

    #[test]
    fn reaches_the_optimum_dense_and_sparse() {
        for sparse in [false, true] {
            for (loss, l1) in [(Loss::Logistic, 0.0), (Loss::Squared, 0.02), (Loss::SquaredHinge, 0.01)] {
                let m = small_model(loss, sparse, 0.05, l1);
                let x0 = Array1::zeros(m.design().ncols());
                let cfg = RunConfig::new(Stop::iterations(3000).with_target("rel_gap", 1e-11), m.n());
                let r = SagaParams::new()
                    .seed(1)
                    .solve(&m, x0.view(), &cfg, &DualityGapMonitor::new(&m), &mut Silent)
                    .unwrap();
                assert_eq!(r.status, Status::Converged, "{loss:?} sparse {sparse}");
                let xs = reference_solution(&m);
                assert!((&r.x - &xs).iter().all(|e| e.abs() < 1e-4));
            }
        }
    }

    #[test]
    fn shuffle_once_reaches_a_certified_gap_of_1e_minus_9() {
        for sparse in [false, true] {
            for (loss, l1) in [(Loss::Logistic, 0.0), (Loss::Squared, 0.02), (Loss::SquaredHinge, 0.01)] {
                let m = shuffled_small_model(loss, sparse, 0.05, l1, 7);
                let x0 = Array1::zeros(m.design().ncols());
                let cfg = RunConfig::new(Stop::iterations(3000).with_target("rel_gap", 1e-9), m.n());
                let r = SagaParams::new()
                    .sampling(Sampling::Cyclic)
                    .solve(&m, x0.view(), &cfg, &DualityGapMonitor::new(&m), &mut Silent)
                    .unwrap();
                assert_eq!(r.status, Status::Converged, "{loss:?} sparse {sparse}");
                let xs = reference_solution(&m);
                assert!((&r.x - &xs).iter().all(|e| e.abs() < 1e-4), "{loss:?} sparse {sparse}");
            }
        }
        let m = small_model(Loss::Logistic, false, 0.05, 0.0);
        let x0 = Array1::zeros(m.design().ncols());
        let e = Saga::new(
            ProximalPoint::new(&m, 0.0),
            x0.view(),
            &SagaParams::new().sampling(Sampling::Importance),
        );
        assert!(matches!(
            e,
            Err(crate::QningError::InvalidParameter { name: "sampling", .. })
        ));
    }

    #[test]
    fn sparse_equals_dense_with_and_without_l1() {
        // With λ₁ the CSR path catches coordinates up just in time; without, it keeps w = s·u + r·β.
        for (loss, l1) in [(Loss::Squared, 0.01), (Loss::Squared, 0.0), (Loss::Logistic, 0.0)] {
            let md = small_model(loss, false, 0.05, l1);
            let ms = small_model(loss, true, 0.05, l1);
            let err = sparse_vs_dense_after_three_epochs(&md, &ms, &SagaParams::new().seed(2));
            assert!(err < 1e-12, "{loss:?} λ₁ = {l1}: {err:e}");
        }
    }

    #[test]
    fn cyclic_sparse_equals_dense_with_and_without_l1() {
        for l1 in [0.01, 0.0] {
            let md = shuffled_small_model(Loss::Squared, false, 0.05, l1, 3);
            let ms = shuffled_small_model(Loss::Squared, true, 0.05, l1, 3);
            let err = sparse_vs_dense_after_three_epochs(&md, &ms, &SagaParams::new().sampling(Sampling::Cyclic));
            assert!(err < 1e-12, "λ₁ = {l1}: {err:e}");
        }
    }

    /// The largest |w_dense − w_csr| / max(1, ‖w_dense‖∞) after 3 epochs on the same data stored dense (`md`) and
    /// as CSR (`ms`), with the same parameters and a prox centre away from 0.
    fn sparse_vs_dense_after_three_epochs(md: &LinearModel, ms: &LinearModel, p: &SagaParams) -> f64 {
        let x0 = Array1::zeros(md.design().ncols());
        let mut a = Saga::new(ProximalPoint::new(md, 0.2), x0.view(), p).unwrap();
        let mut b = Saga::new(ProximalPoint::new(ms, 0.2), x0.view(), p).unwrap();
        let z = Array1::from_shape_fn(x0.len(), |j| 0.1 * j as f64);
        a.set_center(z.view());
        b.set_center(z.view());
        let mut w = Work::default();
        for _ in 0..3 {
            a.epoch(&mut w);
            b.epoch(&mut w);
        }
        let scale = a.w.iter().fold(1.0f64, |m, v| m.max(v.abs()));
        (&a.w - &b.w).iter().fold(0.0f64, |m, e| m.max(e.abs())) / scale
    }
}

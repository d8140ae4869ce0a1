//! SVRG on the linear-model fast path, with importance sampling, a loopless option, a prox step for λ₁ and lazy
//! updates on CSR data.
//!
//! For h(w) = (1/n) Σᵢ φᵢ(aᵢᵀw) + (σ/2)‖w‖² − bᵀw + λ₁‖w‖₁ (see [`crate::proximal_point`]), with a snapshot w̃,
//! its stored scalars d̃ᵢ = φ′ᵢ(aᵢᵀw̃) (one per sample) and ḡ = (1/n) Σ d̃ᵢ aᵢ:
//!
//! ```text
//! i ~ p (uniform, or pᵢ ∝ Lᵢ),   δ = (φ′ᵢ(aᵢᵀw) − d̃ᵢ) / (n pᵢ)
//!   or, cyclic: step t of every epoch takes i = t, δ = φ′ᵢ(aᵢᵀw) − d̃ᵢ
//! w ← prox_{ηλ₁‖·‖₁}( w − η [ δ aᵢ + ḡ + σ w − b ] )
//! ```
//!
//! Cyclic sampling on a model whose rows were shuffled once ([`gradus_oracle::LinearModel::shuffle_rows`]) is
//! shuffle-once SVRG (Malinovsky, Sailanbayev, Richtárik 2023): each epoch reads the rows in storage order, so it
//! streams through memory instead of drawing n random rows (measured: docs/benchmarks.md, "SVRG epoch"). On data
//! sorted e.g. by label it is plain incremental SVRG, which can be much slower. It needs more passes than uniform
//! sampling at the default step (docs/qning.md, "Shuffle-once").
//!
//! An epoch is a snapshot (one full gradient) followed by m = n steps (one component gradient each, the
//! snapshot's being stored): 2 passes. The loopless variant instead refreshes the snapshot with probability
//! 1/n at each step (Kovalev et al., 2020; as Cyanure does). On CSR data the coordinates outside row i follow
//! the same scalar map each step, so a step costs O(nnz(aᵢ)): with λ₁ > 0 they are caught up just in time
//! ([`crate::lazy`]); without λ₁ the map w ↦ a w + β is affine, so the iterate is kept as w = s·u + r·β with two
//! scalars s, r (s ← a s, r ← a r + 1 per step; the row's update goes into u as (c/s)·aᵢ), which reads two
//! values per stored entry instead of five (see `ScaledIterate`).
//! The output is the last iterate (the authors' MATLAB averages the inner iterates; Cyanure does not).
//!
//! | name | default | range | meaning |
//! |---|---|---|---|
//! | `sampling` | `Auto` | Uniform, Importance, Auto, Cyclic | Auto = importance sampling when mean Lᵢ ≤ 0.9 max Lᵢ, else uniform (never Cyclic); Cyclic = rows 0, 1, …, n−1 in storage order every epoch, weight 1 (shuffle-once SVRG on shuffled rows) |
//! | `step_scale` | 1/3 | (0, 1] | η = step_scale / (L + σ), L = max Lᵢ (uniform, cyclic) or mean Lᵢ (importance) |
//! | `loopless` | false | bool | refresh the snapshot with probability 1/n per step instead of every epoch |
//! | `seed` | 0 | any u64 | the sampling seed; same seed ⇒ same bits on any thread count |
//!
//! References: R. Johnson and T. Zhang (2013), *Accelerating stochastic gradient descent using predictive variance
//! reduction*, NeurIPS; L. Xiao and T. Zhang (2014), *A proximal stochastic gradient method with progressive
//! variance reduction*, SIAM J. Optim. 24(4) (prox-SVRG with importance sampling); G. Malinovsky, A. Sailanbayev,
//! P. Richtárik (2023), *Random reshuffling with variance reduction: new analysis and better rates*, UAI
//! (shuffle-once and random-reshuffling SVRG).

use gradus_oracle::design::{affine_step, axpy, dot};
use gradus_oracle::memory::prefetch;
use gradus_oracle::{Csr, Design, LinearModel, Monitor, Observer, Report, RunConfig, Work};
use ndarray::{Array1, ArrayView1};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use rayon::prelude::*;

use crate::error::{Result, check_no_intercept, check_start, invalid};
use crate::lazy::PowerTable;
use crate::lookahead::prefetch_ahead;
use crate::proximal_point::{EpochMethod, InnerSolver, ProximalPoint, back, keep};
use crate::sampling::{Sampler, Sampling};

const SOLVER: &str = "svrg";

/// The parameters of SVRG; see the module docs.
#[derive(Debug, Clone, PartialEq)]
pub struct SvrgParams {
    /// How samples are drawn (or visited, for `Cyclic`).
    pub sampling: Sampling,
    /// η = step_scale / L.
    pub step_scale: f64,
    /// Loopless snapshot refresh.
    pub loopless: bool,
    /// The seed.
    pub seed: u64,
}

impl Default for SvrgParams {
    fn default() -> Self {
        SvrgParams {
            sampling: Sampling::Auto,
            step_scale: 1.0 / 3.0,
            loopless: false,
            seed: 0,
        }
    }
}

impl SvrgParams {
    /// The defaults.
    pub fn new() -> Self {
        Self::default()
    }
    /// Sets the sampling.
    pub fn sampling(mut self, s: Sampling) -> Self {
        self.sampling = s;
        self
    }
    /// Sets the step scale.
    pub fn step_scale(mut self, s: f64) -> Self {
        self.step_scale = s;
        self
    }
    /// Loopless or not.
    pub fn loopless(mut self, l: bool) -> Self {
        self.loopless = l;
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
        Ok(())
    }

    /// Solves the model from x0 (κ = 0), one trace step per epoch.
    pub fn solve(
        &self,
        model: &gradus_oracle::LinearModel,
        x0: ArrayView1<f64>,
        config: &RunConfig,
        monitor: &dyn Monitor,
        observer: &mut dyn Observer,
    ) -> Result<Report> {
        let mut s = Svrg::new(ProximalPoint::new(model, 0.0), x0, self)?;
        crate::guard::run_guarded(&mut EpochMethod { inner: &mut s }, monitor, config, observer, 0)
    }
}

/// The state of SVRG on a proximal-point subproblem.
pub struct Svrg<'a> {
    sub: ProximalPoint<'a>,
    w: Array1<f64>,
    last: Vec<u32>,
    snap_deriv: Array1<f64>,
    snap_grad: Array1<f64>,
    beta: Array1<f64>,
    margins: Array1<f64>,
    has_snapshot: bool,
    loopless: bool,
    eta: f64,
    powers: PowerTable,
    plan: Vec<(bool, u32, f64)>,
    sampler: Sampler,
    rng: StdRng,
    /// The safeguard's copy: w, d̃, ḡ, and whether a snapshot was held.
    saved: [Option<Array1<f64>>; 3],
    saved_snapshot: bool,
}

impl<'a> Svrg<'a> {
    /// SVRG on `sub` from x0.
    pub fn new(sub: ProximalPoint<'a>, x0: ArrayView1<f64>, params: &SvrgParams) -> Result<Self> {
        params.validate()?;
        check_start(SOLVER, sub.dim(), x0)?;
        check_no_intercept(SOLVER, sub.model())?;
        let (l_max, l_mean) = sub.data_smoothness_max_mean();
        let sampling = params.sampling.resolve(l_max, l_mean);
        let l = if sampling == Sampling::Importance {
            l_mean
        } else {
            l_max
        };
        let eta = params.step_scale / (l + sub.sigma());
        if !eta.is_finite() {
            return Err(invalid(
                SOLVER,
                "step",
                eta,
                "L + σ must be > 0 (all rows zero and no regularization)",
            ));
        }
        let li: Vec<f64> = (0..sub.n()).map(|i| sub.data_smoothness(i)).collect();
        let (n, d) = (sub.n(), sub.dim());
        // The catch-up table (sparse data only): a = 1 − ησ is fixed for the subproblem; k ≤ n within an epoch.
        let k_max = if sub.model().design().is_sparse() { n } else { 0 };
        let powers = PowerTable::new(1.0 - eta * sub.sigma(), k_max);
        Ok(Svrg {
            w: x0.to_owned(),
            powers,
            plan: Vec::with_capacity(n),
            last: vec![0; d],
            snap_deriv: Array1::zeros(n),
            snap_grad: Array1::zeros(d),
            beta: Array1::zeros(d),
            margins: Array1::zeros(n),
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

    /// βⱼ = −η(ḡⱼ − bⱼ) for every j.
    fn refresh_beta(&mut self) {
        let eta = self.eta;
        for j in 0..self.w.len() {
            self.beta[j] = -eta * (self.snap_grad[j] - self.sub.linear_term(j));
        }
    }

    /// Takes the snapshot at the current w (one full gradient of the data term).
    fn snapshot(&mut self, work: &mut Work) {
        fused_snapshot(
            self.sub.model(),
            self.w.as_slice().expect("contiguous"),
            self.margins.as_slice_mut().expect("contiguous"),
            self.snap_deriv.as_slice_mut().expect("contiguous"),
            self.snap_grad.as_slice_mut().expect("contiguous"),
        );
        self.snap_grad /= self.sub.n() as f64;
        self.refresh_beta();
        self.has_snapshot = true;
        work.full_gradients += 1;
    }

    /// The steps of an epoch on CSR data without λ₁, on the scaled representation ([`ScaledIterate`]); `self.w`
    /// holds u during the steps and w again at the end.
    fn sparse_ridge_steps(&mut self, csr: &Csr, plan: &[(bool, u32, f64)], a: f64, work: &mut Work) {
        let model = self.sub.model();
        let (loss, y) = (model.loss(), model.labels());
        let eta = self.eta;
        let mut scaled = ScaledIterate::new();
        for (t, &(refresh, i, weight)) in plan.iter().enumerate() {
            let i = i as usize;
            if refresh {
                scaled.write_out(
                    self.w.as_slice_mut().expect("contiguous"),
                    self.beta.as_slice().expect("contiguous"),
                );
                self.snapshot(work);
            }
            let index = |k: usize| plan.get(k).map(|&(_, i, _)| i as usize);
            prefetch_ahead(
                model.design(),
                t,
                index,
                &[self.snap_deriv.as_slice().expect("contiguous")],
                self.sampler.is_cyclic(),
            );
            let (idx, val) = csr.row(i);
            let u = self.w.as_slice_mut().expect("contiguous");
            let beta = self.beta.as_slice().expect("contiguous");
            let (mut du, mut db) = (0.0, 0.0);
            for (&j, &v) in idx.iter().zip(val) {
                du += v * u[j as usize];
                db += v * beta[j as usize];
            }
            let m = scaled.margin(du, db);
            let c = -eta * (loss.derivative(m, y[i]) - self.snap_deriv[i]) * weight;
            if scaled.advance(a) {
                scaled.write_out(u, beta);
            }
            let step = c / scaled.s;
            for (&j, &v) in idx.iter().zip(val) {
                u[j as usize] += step * v;
            }
        }
        scaled.write_out(
            self.w.as_slice_mut().expect("contiguous"),
            self.beta.as_slice().expect("contiguous"),
        );
    }

    /// Brings every coordinate to step t.
    fn catch_up_all(&mut self, t: u32) {
        if !self.sub.model().design().is_sparse() {
            return; // dense steps update every coordinate
        }
        let tau = self.eta * self.sub.l1();
        for j in 0..self.w.len() {
            let k = t - self.last[j];
            if k > 0 {
                self.w[j] = self.powers.catch_up(self.w[j], k as u64, self.beta[j], tau);
            }
            self.last[j] = t;
        }
    }
}

/// The SVRG (and SAGA) iterate on sparse data without λ₁, as w = s·u + r·β (SVRG: β fixed between snapshots;
/// SAGA: βⱼ changes only when row i touches j, and u absorbs the change).
///
/// A step maps every coordinate by T(w) = a w + β and adds c aᵢ on the row's coordinates. With w = s·u + r·β,
/// T(w) + c aᵢ = (a s)·u + (a r + 1)·β + c aᵢ, so the step is s ← a s, r ← a r + 1 and u ← u + (c/s)·aᵢ: O(nnz(aᵢ)).
/// When s falls below [`ScaledIterate::RESCALE_BELOW`] (a small a), w is written out and the representation
/// restarts at s = 1, r = 0, so u stays far from overflow.
pub(crate) struct ScaledIterate {
    pub(crate) s: f64,
    pub(crate) r: f64,
}

impl ScaledIterate {
    /// Below this, the scale is folded back into u.
    const RESCALE_BELOW: f64 = 1e-100;

    /// The identity representation: w = u.
    pub(crate) fn new() -> Self {
        ScaledIterate { s: 1.0, r: 0.0 }
    }

    /// aᵢᵀw from Σ v uⱼ and Σ v βⱼ over the row's entries.
    #[inline]
    pub(crate) fn margin(&self, row_dot_u: f64, row_dot_beta: f64) -> f64 {
        self.s * row_dot_u + self.r * row_dot_beta
    }

    /// Applies T to the scalars; returns true when u must first be written out ([`ScaledIterate::write_out`]).
    #[inline]
    pub(crate) fn advance(&mut self, a: f64) -> bool {
        self.s *= a;
        self.r = a * self.r + 1.0;
        self.s < Self::RESCALE_BELOW
    }

    /// u ← s·u + r·β (= w), and back to the identity representation.
    pub(crate) fn write_out(&mut self, u: &mut [f64], beta: &[f64]) {
        for (uj, &bj) in u.iter_mut().zip(beta) {
            *uj = self.s * *uj + self.r * bj;
        }
        *self = ScaledIterate::new();
    }
}

/// The snapshot in one pass over the data: for each row, mᵢ = aᵢᵀw, dᵢ = φ′(mᵢ; yᵢ) and grad += dᵢ aᵢ while the row
/// is in cache (the separate `margins`, `loss_derivatives` and `matvec_t` read the matrix twice; on dense data the
/// next row is prefetched, as in `LinearModel`'s fused value and gradient). Parallel over
/// `Design::chunks`, partial sums added in chunk order, with the kernels' own arithmetic (`row_dot`, `row_axpy`): the
/// same bits as the three calls, on any number of threads.
fn fused_snapshot(model: &LinearModel, w: &[f64], margins: &mut [f64], derivs: &mut [f64], grad: &mut [f64]) {
    let design = model.design();
    let (loss, y) = (model.loss(), model.labels());
    let y = y.as_slice().expect("owned labels");
    let fill = |start: usize, m: &mut [f64], g: &mut [f64], part: &mut [f64]| {
        if let Some(rows) = design.dense_rows(start, start + m.len())
            && !w.is_empty()
        {
            // Dense: the chunk's rows as one slice, the next row prefetched while this one is used (the kernels'
            // `dot` and `axpy`: the same bits).
            let mut rows = rows.chunks_exact(w.len()).peekable();
            for (k, (mk, gk)) in m.iter_mut().zip(g.iter_mut()).enumerate() {
                let Some(row) = rows.next() else { break };
                if let Some(next) = rows.peek() {
                    prefetch(next);
                }
                *mk = dot(row, w);
                *gk = loss.derivative(*mk, y[start + k]);
                axpy(*gk, row, part);
            }
            return;
        }
        for (k, (mk, gk)) in m.iter_mut().zip(g.iter_mut()).enumerate() {
            let i = start + k;
            *mk = design.row_dot(i, w);
            *gk = loss.derivative(*mk, y[i]);
            design.row_axpy(i, *gk, part);
        }
    };
    grad.fill(0.0);
    let chunks = design.chunks();
    if chunks.len() == 1 {
        fill(0, margins, derivs, grad);
        return;
    }
    let mut pieces = Vec::with_capacity(chunks.len());
    let (mut m_rest, mut g_rest) = (margins, derivs);
    for &(a, b) in &chunks {
        let (m, m_tail) = m_rest.split_at_mut(b - a);
        let (g, g_tail) = g_rest.split_at_mut(b - a);
        pieces.push((a, m, g));
        m_rest = m_tail;
        g_rest = g_tail;
    }
    let d = grad.len();
    let partials: Vec<Vec<f64>> = pieces
        .into_par_iter()
        .map(|(a, m, g)| {
            let mut part = vec![0.0; d];
            fill(a, m, g, &mut part);
            part
        })
        .collect();
    for part in &partials {
        for (o, p) in grad.iter_mut().zip(part) {
            *o += p;
        }
    }
}

/// One proximal stochastic step on a dense row: wⱼ ← S_τ(a wⱼ + βⱼ + c aᵢⱼ) for every j.
#[inline]
pub(crate) fn dense_step(w: &mut [f64], row: &[f64], beta: &[f64], a: f64, c: f64, tau: f64) {
    if tau == 0.0 {
        affine_step(a, beta, c, row, w);
    } else {
        for ((wj, &x), &b) in w.iter_mut().zip(row).zip(beta) {
            *wj = gradus_oracle::regularizer::soft_threshold(a * *wj + b + c * x, tau);
        }
    }
}

impl<'a> InnerSolver<'a> for Svrg<'a> {
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
        if !self.loopless {
            self.has_snapshot = false;
        }
    }
    fn iterate(&self) -> ArrayView1<'_, f64> {
        self.w.view()
    }
    fn save_state(&mut self) {
        keep(&mut self.saved[0], &self.w);
        keep(&mut self.saved[1], &self.snap_deriv);
        keep(&mut self.saved[2], &self.snap_grad);
        self.saved_snapshot = self.has_snapshot;
    }
    fn restore_state(&mut self) {
        if self.saved[0].is_none() {
            return;
        }
        back(&mut self.w, &self.saved[0]);
        back(&mut self.snap_deriv, &self.saved[1]);
        back(&mut self.snap_grad, &self.saved[2]);
        self.has_snapshot = self.saved_snapshot;
        self.refresh_beta();
    }

    fn epoch(&mut self, work: &mut Work) {
        if !self.loopless || !self.has_snapshot {
            self.snapshot(work);
        }
        let model = self.sub.model();
        let (loss, y) = (model.loss(), model.labels());
        let n = self.sub.n();
        let eta = self.eta;
        let (a, tau) = (1.0 - eta * self.sub.sigma(), eta * self.sub.l1());
        let refresh_p = 1.0 / n as f64;
        // The epoch's draws, made up front in the order the loop used to make them (same seed, same bits), so that
        // the rows of the steps to come can be prefetched (`crate::lookahead`).
        let mut plan = std::mem::take(&mut self.plan);
        plan.clear();
        for t in 0..n {
            let refresh = self.loopless && t > 0 && self.rng.random::<f64>() < refresh_p;
            let (i, weight) = self.sampler.draw(t, &mut self.rng);
            plan.push((refresh, i as u32, weight));
        }
        if let Design::Sparse(csr) = model.design()
            && tau == 0.0
        {
            self.sparse_ridge_steps(csr, &plan, a, work);
            self.plan = plan;
            work.component_gradients += n as u64;
            return;
        }
        for t in 0..n as u32 {
            let (refresh, i, weight) = plan[t as usize];
            let i = i as usize;
            if refresh {
                self.catch_up_all(t);
                self.snapshot(work);
            }
            let index = |k: usize| plan.get(k).map(|&(_, i, _)| i as usize);
            let per_sample = [
                self.snap_deriv.as_slice().expect("contiguous"),
                y.as_slice().unwrap_or(&[]),
            ];
            prefetch_ahead(model.design(), t as usize, index, &per_sample, self.sampler.is_cyclic());
            match model.design() {
                Design::Dense(x) => {
                    let row = x.row(i);
                    let w = self.w.as_slice_mut().expect("contiguous");
                    let m = dot(row, w);
                    let c = -eta * (loss.derivative(m, y[i]) - self.snap_deriv[i]) * weight;
                    dense_step(w, row, self.beta.as_slice().expect("contiguous"), a, c, tau);
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
                    let c = -eta * (loss.derivative(m, y[i]) - self.snap_deriv[i]) * weight;
                    for (&j, &v) in idx.iter().zip(val) {
                        let j = j as usize;
                        self.w[j] =
                            gradus_oracle::regularizer::soft_threshold(a * self.w[j] + self.beta[j] + c * v, tau);
                        self.last[j] = t + 1;
                    }
                }
            }
        }
        self.plan = plan;
        if model.design().is_sparse() {
            self.catch_up_all(n as u32);
            self.last.iter_mut().for_each(|l| *l = 0);
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
    fn reaches_the_optimum_dense_and_sparse_with_every_option() {
        for sparse in [false, true] {
            for (loss, l1) in [(Loss::Logistic, 0.0), (Loss::Squared, 0.02), (Loss::SquaredHinge, 0.0)] {
                for (sampling, loopless) in [(Sampling::Uniform, false), (Sampling::Importance, true)] {
                    let m = small_model(loss, sparse, 0.05, l1);
                    let x0 = Array1::zeros(m.design().ncols());
                    let cfg = RunConfig::new(Stop::iterations(3000).with_target("rel_gap", 1e-11), m.n());
                    let p = SvrgParams::new().sampling(sampling).loopless(loopless).seed(3);
                    let r = p
                        .solve(&m, x0.view(), &cfg, &DualityGapMonitor::new(&m), &mut Silent)
                        .unwrap();
                    assert_eq!(r.status, Status::Converged, "{loss:?} sparse {sparse} {sampling:?}");
                    let xs = reference_solution(&m);
                    assert!((&r.x - &xs).iter().all(|e| e.abs() < 1e-4), "{loss:?} sparse {sparse}");
                }
            }
        }
    }

    #[test]
    fn shuffle_once_reaches_a_certified_gap_of_1e_minus_9() {
        // Cyclic sampling on rows shuffled once: dense, CSR with λ₁ (just-in-time catch-ups) and CSR without
        // (the scaled iterate); the epoch variant and the loopless one.
        for sparse in [false, true] {
            for (loss, l1) in [(Loss::Logistic, 0.0), (Loss::Squared, 0.02), (Loss::SquaredHinge, 0.0)] {
                for loopless in [false, true] {
                    let m = shuffled_small_model(loss, sparse, 0.05, l1, 7);
                    let x0 = Array1::zeros(m.design().ncols());
                    let cfg = RunConfig::new(Stop::iterations(3000).with_target("rel_gap", 1e-9), m.n());
                    let p = SvrgParams::new().sampling(Sampling::Cyclic).loopless(loopless).seed(3);
                    let r = p
                        .solve(&m, x0.view(), &cfg, &DualityGapMonitor::new(&m), &mut Silent)
                        .unwrap();
                    let what = format!("{loss:?} sparse {sparse} loopless {loopless}");
                    assert_eq!(r.status, Status::Converged, "{what}");
                    let xs = reference_solution(&m);
                    assert!((&r.x - &xs).iter().all(|e| e.abs() < 1e-4), "{what}");
                }
            }
        }
    }

    #[test]
    fn cyclic_sparse_epoch_equals_the_dense_epoch() {
        for (l1, loopless) in [(0.0, false), (0.0, true), (0.01, false), (0.01, true)] {
            let p = SvrgParams::new().sampling(Sampling::Cyclic).loopless(loopless).seed(9);
            let err = sparse_vs_dense_after_three_epochs(l1, &p);
            assert!(err < 1e-12, "λ₁ {l1} loopless {loopless}: {err:e}");
        }
    }

    /// The largest |w_dense − w_csr| / max(1, ‖w_dense‖∞) after 3 epochs on the same data stored dense and as CSR,
    /// with the same seed and a prox centre away from 0.
    fn sparse_vs_dense_after_three_epochs(l1: f64, params: &SvrgParams) -> f64 {
        let md = small_model(Loss::Logistic, false, 0.05, l1);
        let ms = small_model(Loss::Logistic, true, 0.05, l1);
        let x0 = Array1::zeros(md.design().ncols());
        let mut a = Svrg::new(ProximalPoint::new(&md, 0.3), x0.view(), params).unwrap();
        let mut b = Svrg::new(ProximalPoint::new(&ms, 0.3), x0.view(), params).unwrap();
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

    #[test]
    fn lazy_sparse_epoch_equals_the_dense_epoch() {
        // With λ₁ the CSR path catches coordinates up just in time.
        let p = SvrgParams::new().sampling(Sampling::Uniform).seed(9);
        let err = sparse_vs_dense_after_three_epochs(0.01, &p);
        assert!(err < 1e-12, "{err:e}");
    }

    #[test]
    fn scaled_sparse_epoch_equals_the_dense_epoch() {
        // Without λ₁ the CSR path keeps w = s·u + r·β; with and without the loopless snapshot refreshes (which
        // write w out mid-epoch).
        for loopless in [false, true] {
            let p = SvrgParams::new()
                .sampling(Sampling::Importance)
                .loopless(loopless)
                .seed(9);
            let err = sparse_vs_dense_after_three_epochs(0.0, &p);
            assert!(err < 1e-12, "loopless {loopless}: {err:e}");
        }
    }

    #[test]
    fn scaled_iterate_matches_the_plain_recurrence_through_rescales() {
        // w ← a w + β + c e_j with a small a, so s underflows the threshold many times.
        let beta = [0.5, -1.0, 2.0, 0.25];
        for a in [0.999, 0.3, 1e-3, 0.0] {
            let mut plain = vec![1.0, 2.0, -3.0, 0.5];
            let mut u = plain.clone();
            let mut scaled = ScaledIterate::new();
            for t in 0..2000usize {
                let (j, c) = (t % 4, ((t * 7) % 11) as f64 - 5.0);
                let w_j = scaled.s * u[j] + scaled.r * beta[j];
                assert!(
                    (w_j - plain[j]).abs() <= 1e-9 * (1.0 + plain[j].abs()),
                    "a = {a}, t = {t}"
                );
                for (p, b) in plain.iter_mut().zip(&beta) {
                    *p = a * *p + b;
                }
                plain[j] += c;
                if scaled.advance(a) {
                    scaled.write_out(&mut u, &beta);
                }
                u[j] += c / scaled.s;
            }
        }
    }

    #[test]
    fn same_seed_same_bits() {
        let m = small_model(Loss::Logistic, true, 0.05, 0.0);
        let x0 = Array1::zeros(m.design().ncols());
        let cfg = RunConfig::new(Stop::iterations(5), m.n());
        let run1 = SvrgParams::new()
            .seed(4)
            .solve(&m, x0.view(), &cfg, &gradus_oracle::NoMetrics, &mut Silent)
            .unwrap();
        let run2 = SvrgParams::new()
            .seed(4)
            .solve(&m, x0.view(), &cfg, &gradus_oracle::NoMetrics, &mut Silent)
            .unwrap();
        assert_eq!(run1.x, run2.x);
        assert!(SvrgParams::new().step_scale(0.0).validate().is_err());
    }
}

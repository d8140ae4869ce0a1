//! MISO (Finito/MISO, the primal form of dual-free SDCA) on the linear-model fast path, with the damping that
//! keeps it convergent when nσ ≪ L.
//!
//! Each fᵢ(w) = φᵢ(aᵢᵀw) + (σ/2)‖w‖² is σ-strongly convex, so fᵢ(w) ≥ fᵢ(wᵢ) + ∇fᵢ(wᵢ)ᵀ(w − wᵢ) + (σ/2)‖w − wᵢ‖².
//! Minimizing the mean of these lower bounds plus −bᵀw + λ₁‖w‖₁ gives w = prox_{λ₁/σ}(z̄ + b/σ) with
//! z̄ = −(1/(nσ)) Σᵢ αᵢ aᵢ: **one scalar αᵢ per sample**. A step updates one bound:
//!
//! ```text
//! i ~ Uniform{1..n} (cyclic: i = t),   w = S_{λ₁/σ}(z̄ + b/σ),   αᵢ⁺ = (1 − δ) αᵢ + δ φ′ᵢ(aᵢᵀw)
//! z̄ ← z̄ − (αᵢ⁺ − αᵢ) aᵢ / (nσ)
//! ```
//!
//! δ = 1 is plain MISO, which needs nσ ≥ L (Cyanure's MISO fails otherwise). The safeguard
//! δ = min(1, nσ / (2 max Lᵢ)) (Lin, Mairal, Harchaoui 2018, MISO-Prox) keeps it convergent at any nσ. Only the
//! row's coordinates of w change in a step, so w is kept explicitly and a step costs O(nnz(aᵢ)). A new centre
//! (Catalyst/QNing) changes only b, so the dual memory is kept: the shifted warm start of Cyanure.
//!
//! | name | default | range | meaning |
//! |---|---|---|---|
//! | `damping` | `None` (auto) | (0, 1] | δ; auto = min(1, nσ/(2 max Lᵢ)) |
//! | `sampling` | `Auto` | Uniform, Auto, Cyclic | Auto = Uniform; Cyclic = rows 0, 1, …, n−1 in storage order every epoch, i.e. shuffle-once MISO on rows shuffled by [`gradus_oracle::LinearModel::shuffle_rows`] (on sorted data, plain incremental MISO, which can be much slower); Importance: typed error |
//! | `seed` | 0 | any u64 | sampling seed |
//!
//! Requires σ = λ₂ + κ > 0 (typed error otherwise). References: J. Mairal (2015), *Incremental majorization-
//! minimization optimization with application to large-scale machine learning*, SIAM J. Optim. 25(2);
//! H. Lin, J. Mairal, Z. Harchaoui (2018), *Catalyst acceleration for first-order convex optimization*, JMLR 18.

use gradus_oracle::regularizer::soft_threshold;
use gradus_oracle::{Design, LinearModel, Monitor, Observer, Report, RunConfig, Work};
use ndarray::{Array1, ArrayView1};
use rand::SeedableRng;
use rand::rngs::StdRng;

use crate::error::{QningError, Result, check_no_intercept, check_start, invalid};
use crate::lookahead::prefetch_ahead;
use crate::proximal_point::{EpochMethod, InnerSolver, ProximalPoint, back, keep};
use crate::sampling::{Sampler, Sampling};

const SOLVER: &str = "miso";

/// The parameters of MISO; see the module docs.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MisoParams {
    /// δ, or `None` for the safeguard.
    pub damping: Option<f64>,
    /// How samples are visited: uniform draws (`Uniform`, `Auto`) or storage order (`Cyclic`).
    pub sampling: Sampling,
    /// The seed.
    pub seed: u64,
}

impl MisoParams {
    /// The defaults.
    pub fn new() -> Self {
        Self::default()
    }
    /// Sets the sampling (`Importance` is rejected by [`MisoParams::validate`]).
    pub fn sampling(mut self, s: Sampling) -> Self {
        self.sampling = s;
        self
    }
    /// Fixes δ.
    pub fn damping(mut self, d: f64) -> Self {
        self.damping = Some(d);
        self
    }
    /// Sets the seed.
    pub fn seed(mut self, s: u64) -> Self {
        self.seed = s;
        self
    }
    /// Checks every value.
    pub fn validate(&self) -> Result<()> {
        if let Some(d) = self.damping
            && !(d > 0.0 && d <= 1.0)
        {
            return Err(invalid(SOLVER, "damping", d, "must be in (0, 1]"));
        }
        if self.sampling == Sampling::Importance {
            return Err(invalid(
                SOLVER,
                "sampling",
                "Importance",
                "MISO samples uniformly or cyclically (importance sampling: use SVRG)",
            ));
        }
        Ok(())
    }
    /// Solves the model from x0 (κ = 0; needs λ₂ > 0), one trace step per epoch.
    pub fn solve(
        &self,
        model: &LinearModel,
        x0: ArrayView1<f64>,
        config: &RunConfig,
        monitor: &dyn Monitor,
        observer: &mut dyn Observer,
    ) -> Result<Report> {
        let mut s = Miso::new(ProximalPoint::new(model, 0.0), x0, self)?;
        crate::guard::run_guarded(&mut EpochMethod { inner: &mut s }, monitor, config, observer, 0)
    }
}

/// The state of MISO.
pub struct Miso<'a> {
    sub: ProximalPoint<'a>,
    alpha: Array1<f64>,
    zbar: Array1<f64>,
    w: Array1<f64>,
    start: Option<Array1<f64>>,
    delta: f64,
    sampler: Sampler,
    rng: StdRng,
    /// The current epoch's draws (kept to reuse the allocation).
    plan: Vec<u32>,
    zero_start: bool,
    /// The safeguard's copy: α, z̄, w, and the pending start.
    saved: [Option<Array1<f64>>; 3],
    saved_start: Option<Option<Array1<f64>>>,
}

impl<'a> Miso<'a> {
    /// MISO on `sub`; its dual memory is initialized at x0 on the first epoch.
    pub fn new(sub: ProximalPoint<'a>, x0: ArrayView1<f64>, params: &MisoParams) -> Result<Self> {
        params.validate()?;
        check_start(SOLVER, sub.dim(), x0)?;
        check_no_intercept(SOLVER, sub.model())?;
        let sigma = sub.sigma();
        if sigma <= 0.0 {
            return Err(QningError::Unsupported {
                solver: SOLVER,
                reason: "MISO needs strong convexity: λ₂ > 0 (or κ > 0 inside catalyst-miso / qning-miso)".into(),
            });
        }
        let (l_max, _) = sub.data_smoothness_max_mean();
        let delta = params.damping.unwrap_or_else(|| {
            if l_max > 0.0 {
                (sub.n() as f64 * sigma / (2.0 * l_max)).min(1.0)
            } else {
                1.0
            }
        });
        Ok(Miso {
            alpha: Array1::zeros(sub.n()),
            zbar: Array1::zeros(sub.dim()),
            w: x0.to_owned(),
            start: Some(x0.to_owned()),
            delta,
            sampler: Sampler::unweighted(params.sampling, sub.n()),
            rng: StdRng::seed_from_u64(params.seed),
            plan: Vec::new(),
            zero_start: false,
            saved: [None, None, None],
            saved_start: None,
            sub,
        })
    }

    /// δ in use.
    pub fn damping(&self) -> f64 {
        self.delta
    }

    #[inline]
    fn primal(&self, j: usize) -> f64 {
        let s = self.sub.sigma();
        soft_threshold(self.zbar[j] + self.sub.linear_term(j) / s, self.sub.l1() / s)
    }

    fn materialize(&mut self) {
        for j in 0..self.w.len() {
            self.w[j] = self.primal(j);
        }
    }

    /// The dual memory from the minorants at x0 (αᵢ = φ′ᵢ(aᵢᵀx0)), whose first iterate is a step of length 1/σ
    /// from x0; when that iterate is worse than x0 (h larger: badly scaled rows, or nσ ≪ L, where the step is far
    /// too long and δ too small to come back), the memory starts at α = 0 instead, whose iterate S(b/σ) is x0 for
    /// plain MISO from x0 = 0. One full gradient, plus one function value for the test.
    fn initialize(&mut self, x0: &Array1<f64>, work: &mut Work) {
        let model = self.sub.model();
        let mut m = Array1::zeros(self.sub.n());
        model.margins(x0.view(), m.view_mut());
        let start_value = self.sub.value_from_margins(x0.view(), m.view());
        model.loss_derivatives(m.view(), self.alpha.view_mut());
        model.design().matvec_t(self.alpha.view(), self.zbar.view_mut());
        let c = -1.0 / (self.sub.n() as f64 * self.sub.sigma());
        self.zbar *= c;
        self.materialize();
        work.full_gradients += 1;
        work.function_values += 1;
        let first = self.sub.value(self.w.view());
        if first.is_nan() || first > start_value {
            self.alpha.fill(0.0);
            self.zbar.fill(0.0);
            self.materialize();
            self.zero_start = true;
        }
    }

    /// Whether the dual memory started at α = 0 (see `initialize`).
    pub fn started_at_zero(&self) -> bool {
        self.zero_start
    }
}

impl<'a> InnerSolver<'a> for Miso<'a> {
    fn name(&self) -> &'static str {
        SOLVER
    }
    fn subproblem(&self) -> &dyn crate::proximal_point::Subproblem {
        &self.sub
    }
    fn set_center(&mut self, z: ArrayView1<f64>) {
        self.sub.set_center(z);
        if self.start.is_none() {
            self.materialize();
        }
    }
    fn restart_from(&mut self, _w: ArrayView1<f64>) {}
    fn iterate(&self) -> ArrayView1<'_, f64> {
        self.w.view()
    }
    fn save_state(&mut self) {
        keep(&mut self.saved[0], &self.alpha);
        keep(&mut self.saved[1], &self.zbar);
        keep(&mut self.saved[2], &self.w);
        self.saved_start = Some(self.start.clone());
    }
    fn restore_state(&mut self) {
        let Some(start) = self.saved_start.clone() else {
            return;
        };
        back(&mut self.alpha, &self.saved[0]);
        back(&mut self.zbar, &self.saved[1]);
        back(&mut self.w, &self.saved[2]);
        self.start = start;
        if self.start.is_none() {
            self.materialize();
        }
    }

    fn epoch(&mut self, work: &mut Work) {
        if let Some(x0) = self.start.take() {
            self.initialize(&x0, work);
        }
        let model = self.sub.model();
        let (loss, y) = (model.loss(), model.labels());
        let n = self.sub.n();
        let scale = 1.0 / (n as f64 * self.sub.sigma());
        let delta = self.delta;
        // The epoch's draws up front, in the loop's order (same seed, same bits), for `crate::lookahead`.
        let mut plan = std::mem::take(&mut self.plan);
        plan.clear();
        plan.extend((0..n).map(|t| self.sampler.draw(t, &mut self.rng).0 as u32));
        for t in 0..n {
            let i = plan[t] as usize;
            let index = |k: usize| plan.get(k).map(|&i| i as usize);
            prefetch_ahead(
                model.design(),
                t,
                index,
                &[self.alpha.as_slice().expect("contiguous")],
                self.sampler.is_cyclic(),
            );
            let m = model.design().row_dot(i, self.w.as_slice().expect("contiguous"));
            let change = delta * (loss.derivative(m, y[i]) - self.alpha[i]);
            self.alpha[i] += change;
            match model.design() {
                Design::Dense(x) => {
                    let row = x.row(i);
                    for (j, &v) in row.iter().enumerate() {
                        self.zbar[j] -= change * scale * v;
                        self.w[j] = self.primal(j);
                    }
                }
                Design::Sparse(csr) => {
                    let (idx, val) = csr.row(i);
                    for (&j, &v) in idx.iter().zip(val) {
                        let j = j as usize;
                        self.zbar[j] -= change * scale * v;
                        self.w[j] = self.primal(j);
                    }
                }
            }
        }
        self.plan = plan;
        work.component_gradients += n as u64;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::duality_gap::DualityGapMonitor;
    use crate::test_support::*;
    use gradus_oracle::{Loss, Silent, Status, Stop};

    #[test]
    fn reaches_the_optimum_and_is_safeguarded() {
        for sparse in [false, true] {
            for (loss, l1) in [(Loss::Logistic, 0.0), (Loss::Squared, 0.02)] {
                // nσ = 40·0.001 ≪ L: plain MISO (δ = 1) is not guaranteed here; the safeguard is.
                for l2 in [0.05, 0.001] {
                    let m = small_model(loss, sparse, l2, l1);
                    let x0 = Array1::zeros(m.design().ncols());
                    let cfg = RunConfig::new(Stop::iterations(20000).with_target("rel_gap", 1e-10), m.n());
                    let r = MisoParams::new()
                        .solve(&m, x0.view(), &cfg, &DualityGapMonitor::new(&m), &mut Silent)
                        .unwrap();
                    assert_eq!(r.status, Status::Converged, "{loss:?} sparse {sparse} l2 {l2}");
                }
            }
        }
    }

    #[test]
    fn shuffle_once_reaches_a_certified_gap_of_1e_minus_9() {
        for sparse in [false, true] {
            for (loss, l1) in [(Loss::Logistic, 0.0), (Loss::Squared, 0.02)] {
                for l2 in [0.05, 0.001] {
                    let m = shuffled_small_model(loss, sparse, l2, l1, 7);
                    let x0 = Array1::zeros(m.design().ncols());
                    let cfg = RunConfig::new(Stop::iterations(20000).with_target("rel_gap", 1e-9), m.n());
                    let r = MisoParams::new()
                        .sampling(Sampling::Cyclic)
                        .solve(&m, x0.view(), &cfg, &DualityGapMonitor::new(&m), &mut Silent)
                        .unwrap();
                    assert_eq!(r.status, Status::Converged, "{loss:?} sparse {sparse} l2 {l2}");
                    let xs = reference_solution(&m);
                    assert!(
                        (&r.x - &xs).iter().all(|e| e.abs() < 1e-4),
                        "{loss:?} sparse {sparse} l2 {l2}"
                    );
                }
            }
        }
    }

    #[test]
    fn needs_strong_convexity() {
        let m = small_model(Loss::Squared, false, 0.0, 0.1);
        let x0 = Array1::zeros(m.design().ncols());
        assert!(matches!(
            Miso::new(ProximalPoint::new(&m, 0.0), x0.view(), &MisoParams::new()),
            Err(QningError::Unsupported { .. })
        ));
        assert!(MisoParams::new().damping(1.5).validate().is_err());
        assert!(matches!(
            MisoParams::new().sampling(Sampling::Importance).validate(),
            Err(QningError::InvalidParameter { name: "sampling", .. })
        ));
    }
}

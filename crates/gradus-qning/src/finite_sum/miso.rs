//! MISO on any finite sum, with the n × d table of minorant slopes and the δ safeguard.
//!
//! Each fᵢ is taken as μ_f-strongly convex, μ_f = [`gradus_oracle::Objective::strong_convexity`] (true of every
//! component of a `LinearModel`, and of components that each carry the same ridge term); then
//! fᵢ(w) ≥ fᵢ(wᵢ) + ∇fᵢ(wᵢ)ᵀ(w − wᵢ) + (μ_f/2)‖w − wᵢ‖², i.e. fᵢ − (μ_f/2)‖·‖² has the linear minorant of slope
//! Gᵢ = ∇fᵢ(wᵢ) − μ_f wᵢ. With σ = μ_f + λ₂ + κ, minimizing the mean of the minorants plus the rest of h gives
//!
//! ```text
//! w = S_{λ₁/σ}( z̄ + b/σ ),   z̄ = −(1/(nσ)) Σᵢ Gᵢ
//! i ~ Uniform (or i = t cyclic):   Gᵢ⁺ = (1 − δ) Gᵢ + δ (∇fᵢ(w) − μ_f w),   z̄ ← z̄ − (Gᵢ⁺ − Gᵢ)/(nσ)
//! δ = min(1, nσ/(2 max(Lᵢ − μ_f)))  (the safeguard of the fast path; δ = 1 is plain MISO)
//! ```
//!
//! If only the mean f is μ_f-strongly convex and not each fᵢ, these are not lower bounds: use SVRG or SAGA. The
//! first epoch fills the table at x₀ (n component gradients), or with zeros when the iterate that gives is worse
//! than x₀ (two function values; the fast path's start test). Needs σ > 0 (typed error otherwise). Memory n·d
//! doubles (twice under QNing), refused above [`super::TABLE_LIMIT`]. A new centre changes only b: the table
//! is kept (Cyanure's warm start), so the start point of a restart is ignored.
//!
//! | name | default | range | meaning |
//! |---|---|---|---|
//! | `damping` | `None` (auto) | (0, 1] | δ; auto = min(1, nσ/(2 max(Lᵢ − μ_f))) |
//! | `sampling` | `Auto` | Uniform, Auto, Cyclic | Auto = Uniform; Importance: typed error |
//! | `seed` | 0 | any u64 | sampling seed |
//!
//! Reference: J. Mairal (2015), *Incremental majorization-minimization optimization with application to
//! large-scale machine learning*, SIAM J. Optim. 25(2).

use gradus_oracle::Work;
use gradus_oracle::regularizer::soft_threshold;
use ndarray::{Array1, Array2, ArrayView1};
use rand::SeedableRng;
use rand::rngs::StdRng;

use super::{FiniteSumPoint, SavedTable, check_table, component_constants};
use crate::error::{QningError, Result, check_start};
use crate::miso::MisoParams;
use crate::proximal_point::{InnerSolver, Subproblem};
use crate::sampling::Sampler;

const SOLVER: &str = "miso";

/// The state of MISO on a finite sum.
pub struct GenericMiso<'a> {
    sub: FiniteSumPoint<'a>,
    w: Array1<f64>,
    table: Array2<f64>,
    zbar: Array1<f64>,
    g_new: Array1<f64>,
    has_table: bool,
    zero_start: bool,
    sigma: f64,
    delta: f64,
    sampler: Sampler,
    rng: StdRng,
    saved: Option<SavedTable>,
}

impl<'a> GenericMiso<'a> {
    /// MISO on `sub` from x0; `copies` tables count against the limit (2 under QNing).
    pub fn new(sub: FiniteSumPoint<'a>, x0: ArrayView1<f64>, params: &MisoParams, copies: usize) -> Result<Self> {
        params.validate()?;
        check_start(SOLVER, sub.dim(), x0)?;
        let sigma = sub.sigma();
        if sigma <= 0.0 {
            return Err(QningError::Unsupported {
                solver: SOLVER,
                reason: "MISO needs strong convexity: μ of f or λ₂ of the regularizer > 0 (or κ > 0 inside \
                         catalyst-miso / qning-miso)"
                    .into(),
            });
        }
        let (n, d) = (sub.n(), sub.dim());
        check_table(SOLVER, n, d, copies)?;
        let l_max = component_constants(sub.problem())
            .iter()
            .map(|l| l - sub.mu_f())
            .fold(0.0, f64::max);
        let delta = params.damping.unwrap_or(if l_max > 0.0 {
            (n as f64 * sigma / (2.0 * l_max)).min(1.0)
        } else {
            1.0
        });
        Ok(GenericMiso {
            w: x0.to_owned(),
            table: Array2::zeros((n, d)),
            zbar: Array1::zeros(d),
            g_new: Array1::zeros(d),
            has_table: false,
            zero_start: false,
            sigma,
            delta,
            sampler: Sampler::unweighted(params.sampling, n),
            rng: StdRng::seed_from_u64(params.seed),
            saved: None,
            sub,
        })
    }

    /// δ in use.
    pub fn damping(&self) -> f64 {
        self.delta
    }

    /// w = S_{λ₁/σ}(z̄ + b/σ).
    fn materialize(&mut self) {
        let (s, l1) = (self.sigma, self.sub.l1());
        for j in 0..self.w.len() {
            self.w[j] = soft_threshold(self.zbar[j] + self.sub.linear_term(j) / s, l1 / s);
        }
    }

    /// The table from the minorants at the start x₀; when the first iterate they give is worse than x₀ (h larger:
    /// badly scaled components, nσ ≪ L, where that step of length 1/σ is far too long), the table starts at 0
    /// instead, as on the fast path. n component gradients and two function values (h(x₀) and h of the first
    /// iterate).
    fn initialize(&mut self, work: &mut Work) {
        let n = self.sub.n();
        let c = 1.0 / (n as f64 * self.sigma);
        let start_value = self.sub.value(self.w.view());
        self.zbar.fill(0.0);
        for i in 0..n {
            self.slope(i, work);
            self.table.row_mut(i).assign(&self.g_new);
            self.zbar.scaled_add(-c, &self.g_new);
        }
        self.has_table = true;
        self.materialize();
        let first = self.sub.value(self.w.view());
        work.function_values += 2;
        if first.is_nan() || first > start_value {
            self.table.fill(0.0);
            self.zbar.fill(0.0);
            self.materialize();
            self.zero_start = true;
        }
    }

    /// Whether the table started at 0 (see `initialize`).
    pub fn started_at_zero(&self) -> bool {
        self.zero_start
    }

    /// gᵢ ← ∇fᵢ(w) − μ_f w into `g_new`: one component gradient.
    fn slope(&mut self, i: usize, work: &mut Work) {
        self.sub
            .problem()
            .component_gradient(i, self.w.view(), self.g_new.view_mut());
        let mu = self.sub.mu_f();
        if mu > 0.0 {
            self.g_new.scaled_add(-mu, &self.w);
        }
        work.component_gradients += 1;
    }
}

impl<'a> InnerSolver<'a> for GenericMiso<'a> {
    fn name(&self) -> &'static str {
        SOLVER
    }
    fn subproblem(&self) -> &dyn Subproblem {
        &self.sub
    }
    fn set_center(&mut self, z: ArrayView1<f64>) {
        self.sub.set_center(z);
        if self.has_table {
            self.materialize();
        }
    }
    fn restart_from(&mut self, _w: ArrayView1<f64>) {}
    fn iterate(&self) -> ArrayView1<'_, f64> {
        self.w.view()
    }
    fn save_state(&mut self) {
        SavedTable::keep(&mut self.saved, &self.w, &self.table, &self.zbar, self.has_table);
    }
    fn restore_state(&mut self) {
        if let Some(s) = &self.saved {
            self.w.assign(&s.w);
            self.table.assign(&s.table);
            self.zbar.assign(&s.mean);
            self.has_table = s.filled;
        }
    }

    fn epoch(&mut self, work: &mut Work) {
        let n = self.sub.n();
        let c = 1.0 / (n as f64 * self.sigma);
        if !self.has_table {
            self.initialize(work);
        }
        let delta = self.delta;
        for t in 0..n {
            let (i, _) = self.sampler.draw(t, &mut self.rng);
            self.slope(i, work);
            let mut row = self.table.row_mut(i);
            for j in 0..self.zbar.len() {
                let new = (1.0 - delta) * row[j] + delta * self.g_new[j];
                self.zbar[j] -= (new - row[j]) * c;
                row[j] = new;
            }
            self.materialize();
        }
    }
}

//! Prox-SAGA on any finite sum, with the n × d table of component gradients.
//!
//! ```text
//! table: Gᵢ = ∇fᵢ at i's last visit (all filled at x₀ in the first epoch),  ḡ = (1/n) Σ Gᵢ
//! i ~ Uniform (or i = t cyclic),   gᵢ = ∇fᵢ(w)
//! w ← S_{ηλ₁}( w − η [ gᵢ − Gᵢ + ḡ + (λ₂ + κ) w − b ] ),   ḡ += (gᵢ − Gᵢ)/n,   Gᵢ = gᵢ
//! η = step_scale/(max Lᵢ + λ₂ + κ)
//! ```
//!
//! Memory n·d doubles (twice under QNing), refused above [`super::TABLE_LIMIT`]
//! ([`crate::QningError::MemoryLimit`]). Work: one component gradient per step, n for the first table. The table
//! persists across centres (the warm start of Catalyst and QNing).
//!
//! | name | default | range | meaning |
//! |---|---|---|---|
//! | `sampling` | `Auto` | Uniform, Auto, Cyclic | Auto = Uniform; Importance: typed error |
//! | `step_scale` | 1/3 | (0, 1] | η = step_scale/(max Lᵢ + λ₂ + κ) |
//! | `seed` | 0 | any u64 | the sampling seed |
//!
//! Reference: A. Defazio, F. Bach, S. Lacoste-Julien (2014), *SAGA: a fast incremental gradient method with
//! support for non-strongly convex composite objectives*, NeurIPS.

use gradus_oracle::Work;
use ndarray::{Array1, Array2, ArrayView1};
use rand::SeedableRng;
use rand::rngs::StdRng;

use super::{FiniteSumPoint, SavedTable, check_table, prox_step};
use crate::error::{Result, check_start, invalid};
use crate::proximal_point::{InnerSolver, Subproblem};
use crate::saga::SagaParams;
use crate::sampling::Sampler;

const SOLVER: &str = "saga";

/// The state of SAGA on a finite sum.
pub struct GenericSaga<'a> {
    sub: FiniteSumPoint<'a>,
    w: Array1<f64>,
    table: Array2<f64>,
    mean: Array1<f64>,
    g_new: Array1<f64>,
    has_table: bool,
    eta: f64,
    sampler: Sampler,
    rng: StdRng,
    saved: Option<SavedTable>,
}

impl<'a> GenericSaga<'a> {
    /// SAGA on `sub` from x0; `copies` tables count against the limit (2 under QNing).
    pub fn new(sub: FiniteSumPoint<'a>, x0: ArrayView1<f64>, params: &SagaParams, copies: usize) -> Result<Self> {
        params.validate()?;
        check_start(SOLVER, sub.dim(), x0)?;
        let (n, d) = (sub.n(), sub.dim());
        check_table(SOLVER, n, d, copies)?;
        let eta = params.step_scale / (sub.problem().max_component_smoothness() + sub.ridge());
        if !(eta.is_finite() && eta > 0.0) {
            return Err(invalid(SOLVER, "step", eta, "max Lᵢ + λ₂ + κ must be finite and > 0"));
        }
        Ok(GenericSaga {
            w: x0.to_owned(),
            table: Array2::zeros((n, d)),
            mean: Array1::zeros(d),
            g_new: Array1::zeros(d),
            has_table: false,
            eta,
            sampler: Sampler::unweighted(params.sampling, n),
            rng: StdRng::seed_from_u64(params.seed),
            saved: None,
            sub,
        })
    }

    /// Gᵢ = ∇fᵢ(w) for every i and their mean: n component gradients.
    fn fill_table(&mut self, work: &mut Work) {
        let problem = self.sub.problem();
        self.mean.fill(0.0);
        for (i, mut row) in self.table.rows_mut().into_iter().enumerate() {
            problem.component_gradient(i, self.w.view(), row.view_mut());
            self.mean += &row;
        }
        self.mean /= self.sub.n() as f64;
        work.component_gradients += self.sub.n() as u64;
        self.has_table = true;
    }
}

impl<'a> InnerSolver<'a> for GenericSaga<'a> {
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
        SavedTable::keep(&mut self.saved, &self.w, &self.table, &self.mean, self.has_table);
    }
    fn restore_state(&mut self) {
        if let Some(s) = &self.saved {
            self.w.assign(&s.w);
            self.table.assign(&s.table);
            self.mean.assign(&s.mean);
            self.has_table = s.filled;
        }
    }

    fn epoch(&mut self, work: &mut Work) {
        if !self.has_table {
            self.fill_table(work);
        }
        let n = self.sub.n();
        let inv_n = 1.0 / n as f64;
        let (eta, ridge, l1) = (self.eta, self.sub.ridge(), self.sub.l1());
        let problem = self.sub.problem();
        for t in 0..n {
            let (i, _) = self.sampler.draw(t, &mut self.rng);
            problem.component_gradient(i, self.w.view(), self.g_new.view_mut());
            work.component_gradients += 1;
            let mut row = self.table.row_mut(i);
            for j in 0..self.w.len() {
                let delta = self.g_new[j] - row[j];
                let grad = delta + self.mean[j] + ridge * self.w[j] - self.sub.linear_term(j);
                self.w[j] = prox_step(self.w[j], eta, grad, l1);
                self.mean[j] += delta * inv_n;
                row[j] = self.g_new[j];
            }
        }
    }
}

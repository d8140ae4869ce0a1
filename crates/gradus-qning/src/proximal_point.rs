//! The proximal-point subproblem every inner solver of this crate sees, and the [`InnerSolver`] interface the
//! accelerators drive.
//!
//! For a [`LinearModel`] F(w) = (1/n) Σᵢ φ(aᵢᵀw; yᵢ) + (λ₂/2)‖w‖² + λ₁‖w‖₁, a smoothing κ ≥ 0 and a centre z,
//!
//! ```text
//! h_z(w) = F(w) + (κ/2)‖w − z‖²
//!        = (1/n) Σᵢ φᵢ(aᵢᵀw) + (σ/2)‖w‖² − bᵀw + λ₁‖w‖₁ + (κ/2)‖z‖²,   σ = λ₂ + κ,  b = κ z.
//! ```
//!
//! κ = 0 is the original problem, so the plain solvers (SVRG, SAGA, MISO, ISTA, FISTA) are the same code with
//! κ = 0. The ridge part (σ/2)‖w‖² − bᵀw is handled exactly (not sampled) and λ₁ by its prox, as in Cyanure.
//!
//! The accelerators see a subproblem only through the [`Subproblem`] trait (κ, μ, the centre, h_z(w), a
//! certified inner criterion, the prox-gradient step, ε₀'s bound), so they drive the fast-path solvers on
//! [`ProximalPoint`] and the generic ones on [`crate::finite_sum::FiniteSumPoint`] alike.

use gradus_oracle::{LinearModel, Method, Objective, StepOutcome, Work};
use ndarray::{Array1, ArrayView1};

use crate::duality_gap::primal_and_gap;

/// What the accelerators (Catalyst, QNing) need of the subproblem h_z(w) = F(w) + (κ/2)‖w − z‖², whatever F is:
/// the linear-model fast path ([`ProximalPoint`]) and any [`gradus_oracle::FiniteSum`]
/// ([`crate::finite_sum::FiniteSumPoint`]) implement it. The costs of the oracle calls are counted by the caller
/// as the method says.
pub trait Subproblem {
    /// κ > 0 (0 for a plain solver).
    fn kappa(&self) -> f64;
    /// μ, the strong-convexity modulus of F (0 when not known).
    fn strong_convexity(&self) -> f64;
    /// σ = μ + κ, the strong convexity of h_z (λ₂ + κ for a linear model).
    fn sigma(&self) -> f64;
    /// λ₁, the weight of the ℓ₁ part of F's regularizer (0 when it has none).
    fn l1(&self) -> f64;
    /// The centre z.
    fn center(&self) -> ArrayView1<'_, f64>;
    /// d.
    fn dim(&self) -> usize;
    /// h_z(w): one function value (a pass), counted by the caller.
    fn value(&self, w: ArrayView1<f64>) -> f64;
    /// h_z(w) and a certified bound on h_z(w) − min h_z (a duality gap, or dist(0, ∂h_z(w))²/(2σ)): one full
    /// gradient, counted by the caller.
    fn value_and_gap(&self, w: ArrayView1<f64>) -> (f64, f64);
    /// One prox-gradient step on h_z from w, S_{λ₁η}(w − η∇s(w)) with η = 1/(L + σ) (s the smooth part of h_z);
    /// adds its full gradient to `work`.
    fn prox_gradient_step(&self, w: ArrayView1<f64>, work: &mut Work) -> Array1<f64>;
    /// The passes the problem's estimate of L costs (`Objective::smoothness_passes`), which the prox-gradient
    /// step's η needs: charged once per run by the warm starts that take that step.
    fn smoothness_passes(&self) -> u64;
    /// A certified bound on F(x₀) − F* (κ plays no part) with the work it cost, or `None` when the problem has no
    /// certificate there (the absolute inner rule's ε₀ needs one).
    fn objective_gap(&self, x0: ArrayView1<f64>) -> Option<(f64, Work)>;
}

/// h_z(w) = F(w) + (κ/2)‖w − z‖² over a linear model; see the module docs.
#[derive(Debug, Clone)]
pub struct ProximalPoint<'a> {
    model: &'a LinearModel,
    kappa: f64,
    center: Array1<f64>,
}

impl<'a> ProximalPoint<'a> {
    /// The subproblem with smoothing `kappa` ≥ 0 and centre 0.
    pub fn new(model: &'a LinearModel, kappa: f64) -> Self {
        ProximalPoint {
            model,
            kappa,
            center: Array1::zeros(model.design().ncols()),
        }
    }

    /// The model.
    pub fn model(&self) -> &'a LinearModel {
        self.model
    }
    /// κ.
    pub fn kappa(&self) -> f64 {
        self.kappa
    }
    /// σ = λ₂ + κ, the strong convexity of the ridge part.
    pub fn sigma(&self) -> f64 {
        self.model.l2() + self.kappa
    }
    /// λ₁.
    pub fn l1(&self) -> f64 {
        self.model.l1()
    }
    /// The centre z.
    pub fn center(&self) -> ArrayView1<'_, f64> {
        self.center.view()
    }
    /// bⱼ = κ zⱼ, the linear term.
    #[inline]
    pub fn linear_term(&self, j: usize) -> f64 {
        self.kappa * self.center[j]
    }
    /// Moves the centre.
    pub fn set_center(&mut self, z: ArrayView1<f64>) {
        self.center.assign(&z);
    }
    /// n.
    pub fn n(&self) -> usize {
        self.model.n()
    }
    /// d.
    pub fn dim(&self) -> usize {
        self.model.design().ncols()
    }

    /// Lᵢ of the data term of sample i: sup φ″ ‖aᵢ‖².
    #[inline]
    pub fn data_smoothness(&self, i: usize) -> f64 {
        self.model.loss().curvature_bound() * self.model.row_norms_sq()[i]
    }

    /// max and mean of the data smoothness constants Lᵢ.
    pub fn data_smoothness_max_mean(&self) -> (f64, f64) {
        let c = self.model.loss().curvature_bound();
        let r = self.model.row_norms_sq();
        let max = r.fold(0.0f64, |m, &v| m.max(v));
        (c * max, c * r.mean().unwrap_or(0.0))
    }

    /// h_z(w) given the margins m = Xw.
    pub fn value_from_margins(&self, w: ArrayView1<f64>, margins: ArrayView1<f64>) -> f64 {
        self.value_from_mean_loss(w, self.model.mean_loss(margins))
    }

    /// h_z(w) given the data term (1/n) Σᵢ φᵢ(aᵢᵀw).
    pub fn value_from_mean_loss(&self, w: ArrayView1<f64>, mean_loss: f64) -> f64 {
        let mut v = mean_loss + 0.5 * self.model.l2() * w.dot(&w);
        if self.model.l1() > 0.0 {
            v += self.model.l1() * w.iter().map(|x| x.abs()).sum::<f64>();
        }
        if self.kappa > 0.0 {
            let d2: f64 = w.iter().zip(self.center.iter()).map(|(a, b)| (a - b) * (a - b)).sum();
            v += 0.5 * self.kappa * d2;
        }
        v
    }

    /// h_z(w) (one pass for the margins; allocates, not for inner loops).
    pub fn value(&self, w: ArrayView1<f64>) -> f64 {
        let mut m = Array1::zeros(self.n());
        self.model.margins(w, m.view_mut());
        self.value_from_margins(w, m.view())
    }
}

impl Subproblem for ProximalPoint<'_> {
    fn kappa(&self) -> f64 {
        self.kappa
    }
    fn strong_convexity(&self) -> f64 {
        Objective::strong_convexity(self.model)
    }
    fn sigma(&self) -> f64 {
        self.model.l2() + self.kappa
    }
    fn l1(&self) -> f64 {
        self.model.l1()
    }
    fn center(&self) -> ArrayView1<'_, f64> {
        self.center.view()
    }
    fn dim(&self) -> usize {
        self.model.design().ncols()
    }
    fn value(&self, w: ArrayView1<f64>) -> f64 {
        ProximalPoint::value(self, w)
    }
    /// The Fenchel duality gap ([`crate::duality_gap::primal_and_gap`]).
    fn value_and_gap(&self, w: ArrayView1<f64>) -> (f64, f64) {
        primal_and_gap(self, w)
    }
    fn smoothness_passes(&self) -> u64 {
        self.model.smoothness_passes()
    }
    fn prox_gradient_step(&self, w: ArrayView1<f64>, work: &mut Work) -> Array1<f64> {
        let model = self.model;
        let sigma = ProximalPoint::sigma(self);
        let eta = 1.0 / ((model.smoothness() - Objective::strong_convexity(model)).max(0.0) + sigma);
        let mut g = Array1::zeros(ProximalPoint::dim(self));
        model.mean_loss_and_data_gradient(w, g.view_mut());
        work.full_gradients += 1;
        let tau = eta * ProximalPoint::l1(self);
        Array1::from_shape_fn(ProximalPoint::dim(self), |j| {
            let grad = g[j] + sigma * w[j] - self.linear_term(j);
            gradus_oracle::regularizer::soft_threshold(w[j] - eta * grad, tau)
        })
    }
    /// The duality gap of F at x₀: one fused pass, two for the lasso.
    fn objective_gap(&self, x0: ArrayView1<f64>) -> Option<(f64, Work)> {
        let (_, g) = crate::duality_gap::duality_gap(self.model, x0);
        let work = Work {
            function_values: if self.model.l2() > 0.0 { 1 } else { 2 },
            ..Work::default()
        };
        Some((g, work))
    }
}

/// A solver of the proximal-point subproblem that the accelerators (Catalyst, QNing) can drive, one epoch at a
/// time. Every inner solver keeps its memory (SVRG's snapshot, SAGA's table, MISO's dual scalars) between calls,
/// which is the warm start of its auxiliary variables.
pub trait InnerSolver<'a>: Send {
    /// The solver's name (`svrg`, `saga`, `miso`, `ista`, `fista`).
    fn name(&self) -> &'static str;
    /// The subproblem it solves.
    fn subproblem(&self) -> &dyn Subproblem;
    /// Moves the centre z of the subproblem (κ stays).
    fn set_center(&mut self, z: ArrayView1<f64>);
    /// Restarts the primal iterate at `w` (MISO, whose iterate is a function of its dual memory, ignores it).
    fn restart_from(&mut self, w: ArrayView1<f64>);
    /// One epoch (about one pass over the data); adds its oracle calls to `work`.
    fn epoch(&mut self, work: &mut Work);
    /// The current iterate.
    fn iterate(&self) -> ArrayView1<'_, f64>;
    /// h_z(iterate) when the solver already knows it without a pass (ISTA keeps the margins); `None` by default.
    fn known_value(&self) -> Option<f64> {
        None
    }
    /// Saves the state (iterate and memory: SVRG's snapshot, SAGA's table, MISO's dual scalars, ISTA's margins and
    /// step estimate) so that [`InnerSolver::restore_state`] can return to it: Cyanure's safeguard in QNing.
    fn save_state(&mut self);
    /// Returns to the state of the last [`InnerSolver::save_state`] (no-op before any save); the centre stays
    /// where it is.
    fn restore_state(&mut self);
}

/// `dst ← src`, reusing `dst`'s allocation (the safeguard's copies, made once per outer iteration).
pub(crate) fn keep(dst: &mut Option<Array1<f64>>, src: &Array1<f64>) {
    match dst {
        Some(d) if d.len() == src.len() => d.assign(src),
        _ => *dst = Some(src.clone()),
    }
}

/// `dst ← saved` when something was saved.
pub(crate) fn back(dst: &mut Array1<f64>, saved: &Option<Array1<f64>>) {
    if let Some(s) = saved {
        dst.assign(s);
    }
}

/// Runs an inner solver as a [`Method`]: one step = one epoch.
pub struct EpochMethod<'s, 'a> {
    /// The solver.
    pub inner: &'s mut dyn InnerSolver<'a>,
}

impl Method for EpochMethod<'_, '_> {
    fn iterate(&self) -> ArrayView1<'_, f64> {
        self.inner.iterate()
    }
    fn step(&mut self, work: &mut Work) -> StepOutcome {
        self.inner.epoch(work);
        StepOutcome::Continue
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::small_model;
    use gradus_oracle::Objective;

    #[test]
    fn value_adds_the_proximal_term() {
        let m = small_model(gradus_oracle::Loss::Logistic, false, 0.1, 0.05);
        let mut p = ProximalPoint::new(&m, 0.7);
        let z = Array1::from_shape_fn(p.dim(), |j| j as f64 * 0.1);
        p.set_center(z.view());
        let w = Array1::from_shape_fn(p.dim(), |j| 0.3 - j as f64 * 0.2);
        let expected = m.total_value(w.view()) + 0.35 * (&w - &z).mapv(|t| t * t).sum();
        assert!((p.value(w.view()) - expected).abs() < 1e-14);
    }
}

//! Fenchel duality gaps of regularized linear models (and of their proximal-point subproblems), and the
//! [`DualityGapMonitor`] used for certified stopping.
//!
//! Primal P(w) = (1/n) Σᵢ φᵢ(aᵢᵀw) + g(w), g(w) = (σ/2)‖w‖² − bᵀw + λ₁‖w‖₁ + const (σ = λ₂ + κ, b = κz). For any
//! dual point u ∈ Rⁿ, D(u) = −(1/n) Σ φᵢ*(uᵢ) − g*(−Xᵀu/n) ≤ P*, so P(w) − D(u) ≥ P(w) − P*. With the natural
//! dual point uᵢ = φ′(aᵢᵀw) the loss part of the gap is exactly 0 (Fenchel–Young equality), and the gap is the
//! regularizer's Fenchel–Young gap at v = −Xᵀu/n, summed over coordinates with no cancellation:
//!
//! ```text
//! gap(w) = Σⱼ [ (σ/2) wⱼ² + λ₁|wⱼ| − qⱼ wⱼ + S_{λ₁}(qⱼ)²/(2σ) ],   q = v + b          (σ > 0)
//! ```
//!
//! For σ = 0 (lasso), g* is the indicator of ‖v‖∞ ≤ λ₁, so u is scaled by s = min(1, λ₁/‖Xᵀu/n‖∞) and the loss
//! part (1/n) Σ [φ(mᵢ) + φ*(s uᵢ) − s uᵢ mᵢ] is added. Conjugates (labels ±1 for logistic and squared hinge):
//!
//! | loss | φ*(u) |
//! |---|---|
//! | logistic | p ln p + (1 − p) ln(1 − p) with u = −y p, p ∈ [0, 1] |
//! | squared | u²/2 + u y |
//! | squared hinge | u²/2 + u y for u y ≤ 0 |
//! | custom | `ScalarLoss::conjugate` (+∞ without one: no certificate for the lasso) |
//!
//! This is the gap Cyanure and the authors' `compute_dualgap.m` use for their relative tolerance.

use gradus_oracle::regularizer::soft_threshold;
use gradus_oracle::{LinearModel, Loss, Monitor};
use ndarray::{Array1, ArrayView1};

use crate::proximal_point::ProximalPoint;

/// φ*(u; y); for a custom loss its [`gradus_oracle::loss::ScalarLoss::conjugate`], or +∞ when it has none (no certificate,
/// never a wrong gap).
pub fn conjugate(loss: Loss, u: f64, y: f64) -> f64 {
    match loss {
        Loss::Logistic => {
            let p = (-u * y).clamp(0.0, 1.0);
            xlogx(p) + xlogx(1.0 - p)
        }
        Loss::Squared | Loss::SquaredHinge => 0.5 * u * u + u * y,
        // No conjugate: no certificate (an infinite gap, never a wrong one).
        Loss::Custom(c) => c.conjugate(u, y).unwrap_or(f64::INFINITY),
    }
}

fn xlogx(p: f64) -> f64 {
    if p <= 0.0 { 0.0 } else { p * p.ln() }
}

/// The primal value h_z(w) and the duality gap at w: one fused pass over the data when σ > 0 (the data term and
/// Xᵀu/n together, [`LinearModel::mean_loss_and_data_gradient`]), two for the lasso (whose dual scaling needs the
/// margins again).
pub fn primal_and_gap(sub: &ProximalPoint, w: ArrayView1<f64>) -> (f64, f64) {
    let model = sub.model();
    let n = model.n();
    let (sigma, l1) = (sub.sigma(), sub.l1());
    if sigma > 0.0 {
        let mut v = Array1::zeros(sub.dim());
        let mean_loss = model.mean_loss_and_data_gradient(w, v.view_mut());
        let primal = sub.value_from_mean_loss(w, mean_loss);
        // q = v + b with v = −Xᵀu/n.
        let gap: f64 = w
            .iter()
            .zip(v.iter())
            .enumerate()
            .map(|(j, (&wj, &gj))| regularizer_fenchel_young(wj, sub.linear_term(j) - gj, sigma, l1))
            .sum();
        return (primal, gap.max(0.0));
    }
    let mut m = Array1::zeros(n);
    model.margins(w, m.view_mut());
    let primal = sub.value_from_margins(w, m.view());
    let mut u = Array1::zeros(n);
    model.loss_derivatives(m.view(), u.view_mut());
    let mut v = Array1::zeros(sub.dim());
    model.design().matvec_t(u.view(), v.view_mut());
    v.mapv_inplace(|t| -t / n as f64);
    let gap = if l1 > 0.0 {
        let vmax = v.iter().fold(0.0f64, |a, &b| a.max(b.abs()));
        let scale = if vmax > l1 { l1 / vmax } else { 1.0 };
        let y = model.labels();
        let loss = model.loss();
        let mut lp = 0.0;
        for i in 0..n {
            let su = scale * u[i];
            lp += loss.value(m[i], y[i]) + conjugate(loss, su, y[i]) - su * m[i];
        }
        let reg: f64 = w
            .iter()
            .zip(v.iter())
            .map(|(&wj, &vj)| l1 * wj.abs() - scale * vj * wj)
            .sum();
        lp / n as f64 + reg
    } else {
        // No regularization: the dual is feasible only at Xᵀu = 0.
        if v.iter().all(|&t| t == 0.0) {
            0.0
        } else {
            f64::INFINITY
        }
    };
    (primal, gap.max(0.0))
}

/// The Fenchel–Young gap of gⱼ(w) = (σ/2)w² + λ₁|w| at (w, q): (σ/2)w² + λ₁|w| − q w + S_{λ₁}(q)²/(2σ) ≥ 0.
#[inline]
pub fn regularizer_fenchel_young(w: f64, q: f64, sigma: f64, l1: f64) -> f64 {
    let s = soft_threshold(q, l1);
    // = (σ w − s)²/(2σ) + λ₁|w| − (q − s) w, both terms ≥ 0 (q − s ∈ λ₁[−1, 1]·…).
    let r = sigma * w - s;
    (r * r / (2.0 * sigma) + l1 * w.abs() - (q - s) * w).max(0.0)
}

/// The model's objective and its duality gap at w. A model with an unpenalized intercept
/// ([`LinearModel::with_intercept`]) has another dual (Σᵢ uᵢ = 0), not implemented: its gap is +∞, never a wrong
/// certificate.
pub fn duality_gap(model: &LinearModel, w: ArrayView1<f64>) -> (f64, f64) {
    if model.has_intercept() {
        return (gradus_oracle::Objective::total_value(model, w), f64::INFINITY);
    }
    primal_and_gap(&ProximalPoint::new(model, 0.0), w)
}

/// Metrics, in order: `objective` = F(w); `rel_subopt` = (F − F*)/|F*| when F* is given; `rel_gap` =
/// gap(w)/|F(w)|, a certified bound on the relative suboptimality (up to F*/F(w)). One pass per evaluation (two
/// for the lasso), excluded from solver time and work by [`gradus_oracle::run`].
pub struct DualityGapMonitor<'a> {
    model: &'a LinearModel,
    f_star: Option<f64>,
}

impl<'a> DualityGapMonitor<'a> {
    /// Monitors `model`.
    pub fn new(model: &'a LinearModel) -> Self {
        DualityGapMonitor { model, f_star: None }
    }
    /// Passes over the data one evaluation costs: one fused pass when λ₂ > 0, two for the lasso (whose dual
    /// scaling needs the margins first).
    pub fn passes_per_check(&self) -> u64 {
        if self.model.l2() > 0.0 { 1 } else { 2 }
    }
    /// Adds `rel_subopt`.
    pub fn with_optimum(mut self, f_star: f64) -> Self {
        self.f_star = Some(f_star);
        self
    }
}

impl Monitor for DualityGapMonitor<'_> {
    fn names(&self) -> Vec<String> {
        let mut v = vec!["objective".to_string()];
        if self.f_star.is_some() {
            v.push("rel_subopt".into());
        }
        v.push("rel_gap".into());
        v
    }
    fn evaluate(&self, x: ArrayView1<f64>, _known: Option<(f64, ArrayView1<f64>)>, out: &mut Vec<f64>) {
        out.clear();
        let (p, gap) = duality_gap(self.model, x);
        out.push(p);
        if let Some(fs) = self.f_star {
            let scale = if fs != 0.0 { fs.abs() } else { 1.0 };
            out.push((p - fs) / scale);
        }
        out.push(if p != 0.0 { gap / p.abs() } else { gap });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::small_model;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn conjugates_satisfy_fenchel_young(m in -4.0f64..4.0, pos in any::<bool>(), du in -0.3f64..0.3) {
            let y = if pos { 1.0 } else { -1.0 };
            for loss in [Loss::Logistic, Loss::Squared, Loss::SquaredHinge] {
                let u = loss.derivative(m, y);
                // Equality at u = φ′(m).
                let eq = loss.value(m, y) + conjugate(loss, u, y) - u * m;
                prop_assert!(eq.abs() < 1e-12, "{loss:?}: {eq}");
                // Inequality at other dual points inside the domain.
                let u2 = u + du;
                let inside = match loss { Loss::Logistic => (-u2 * y) >= 0.0 && (-u2 * y) <= 1.0, Loss::SquaredHinge => u2 * y <= 0.0, Loss::Squared => true, Loss::Custom(_) => false };
                if inside {
                    prop_assert!(loss.value(m, y) + conjugate(loss, u2, y) - u2 * m >= -1e-12);
                }
            }
        }
    }

    #[test]
    fn gap_bounds_suboptimality_and_vanishes_at_the_optimum() {
        for (loss, l1) in [
            (Loss::Logistic, 0.0),
            (Loss::Squared, 0.02),
            (Loss::SquaredHinge, 0.01),
            (Loss::Squared, 0.0),
        ] {
            let m = small_model(loss, true, 0.05, l1);
            let x = crate::test_support::reference_solution(&m);
            let (p_star, g_star) = duality_gap(&m, x.view());
            assert!(g_star < 1e-12, "{loss:?}: gap at optimum {g_star}");
            let w = Array1::from_shape_fn(x.len(), |j| x[j] + 0.1 * (j as f64 - 2.0));
            let (p, g) = duality_gap(&m, w.view());
            assert!(g >= p - p_star - 1e-12, "{loss:?}: gap {g} < subopt {}", p - p_star);
        }
        // Lasso (σ = 0).
        let m = small_model(Loss::Squared, true, 0.0, 0.05);
        let x = crate::test_support::reference_solution(&m);
        let (p_star, g_star) = duality_gap(&m, x.view());
        assert!(g_star < 1e-9, "lasso gap {g_star}");
        let w = Array1::from_elem(x.len(), 0.1);
        let (p, g) = duality_gap(&m, w.view());
        assert!(g >= p - p_star - 1e-12);
    }
}

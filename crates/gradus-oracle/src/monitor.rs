//! The standard monitor of an objective F = f + g: its value, its relative suboptimality when F* is known, and
//! the norm of its minimum-norm subgradient.

use ndarray::{Array1, ArrayView1};

use crate::objective::Objective;
use crate::solve::Monitor;

/// Metrics, in this order:
/// - `objective` = F(x);
/// - `rel_subopt` = (F(x) − F*)/scale, only with a reference value;
/// - `grad_norm` = dist(0, ∂F(x)) = ‖∇f(x) + the min-norm element of ∂g(x)‖ (for smooth F, ‖∇F(x)‖);
/// - `rel_subopt_bound`, only when F is μ-strongly convex (μ > 0): a certified upper bound on (F(x) − F*)/F*
///   from F(x) − F* ≤ dist(0, ∂F(x))²/(2μ), see [`certified_relative_suboptimality`]. It needs no F*. μ is that of
///   F = f + g: [`Objective::strong_convexity`] of f plus the regularizer's λ₂.
pub struct ObjectiveMonitor<'a> {
    problem: &'a dyn Objective,
    reference: Option<(f64, f64)>,
}

impl<'a> ObjectiveMonitor<'a> {
    /// Monitors `problem` without a reference value.
    pub fn new(problem: &'a dyn Objective) -> Self {
        ObjectiveMonitor {
            problem,
            reference: None,
        }
    }

    /// Adds `rel_subopt` = (F − F*)/|F*| (or F − F* when F* = 0).
    pub fn with_optimum(mut self, f_star: f64) -> Self {
        let scale = if f_star != 0.0 { f_star.abs() } else { 1.0 };
        self.reference = Some((f_star, scale));
        self
    }

    /// Adds `rel_subopt` = (F − F*)/scale with a chosen scale (e.g. F(x₀) − F* for problems with F* = 0).
    pub fn with_optimum_and_scale(mut self, f_star: f64, scale: f64) -> Self {
        self.reference = Some((f_star, scale));
        self
    }
}

impl ObjectiveMonitor<'_> {
    /// μ of F = f + g: that of f plus the regularizer's λ₂.
    fn mu(&self) -> f64 {
        self.problem.strong_convexity() + self.problem.regularizer().strong_convexity()
    }
}

impl Monitor for ObjectiveMonitor<'_> {
    fn names(&self) -> Vec<String> {
        let mut n = vec!["objective".to_string()];
        if self.reference.is_some() {
            n.push("rel_subopt".to_string());
        }
        n.push("grad_norm".to_string());
        if self.mu() > 0.0 {
            n.push("rel_subopt_bound".to_string());
        }
        n
    }

    fn evaluate(&self, x: ArrayView1<f64>, known: Option<(f64, ArrayView1<f64>)>, out: &mut Vec<f64>) {
        out.clear();
        let mut g = Array1::zeros(self.problem.dim());
        let f = match known {
            Some((f, grad)) => {
                g.assign(&grad);
                f
            }
            None => self.problem.value_and_gradient(x, g.view_mut()),
        };
        let reg = self.problem.regularizer();
        let total = f + reg.value(x);
        out.push(total);
        if let Some((f_star, scale)) = self.reference {
            out.push((total - f_star) / scale);
        }
        let residual = min_norm_subgradient_norm(x, g.view(), reg.weights());
        out.push(residual);
        let mu = self.mu();
        if mu > 0.0 {
            out.push(certified_relative_suboptimality(total, residual, mu));
        }
    }
}

/// An upper bound on (F(x) − F*)/F* for a μ-strongly convex F with F* > 0, from the residual r = dist(0, ∂F(x)):
/// strong convexity gives F(x) − F* ≤ r²/(2μ), hence F* ≥ F(x) − r²/(2μ) and
/// (F(x) − F*)/F* ≤ (r²/(2μ)) / (F(x) − r²/(2μ)). Infinite when the lower bound on F* is not positive.
pub fn certified_relative_suboptimality(f: f64, residual: f64, mu: f64) -> f64 {
    let gap = residual * residual / (2.0 * mu);
    let lower = f - gap;
    if lower > 0.0 { gap / lower } else { f64::INFINITY }
}

/// ‖∇f(x) + λ₂x + s‖ minimized over s ∈ λ₁ ∂‖x‖₁: coordinate-wise, gⱼ + λ₁ sign(xⱼ) where xⱼ ≠ 0, and
/// max(|gⱼ| − λ₁, 0) where xⱼ = 0.
pub fn min_norm_subgradient_norm(x: ArrayView1<f64>, grad_f: ArrayView1<f64>, (l1, l2): (f64, f64)) -> f64 {
    let mut s = 0.0;
    for (&xj, &gj) in x.iter().zip(grad_f.iter()) {
        let g = gj + l2 * xj;
        let r = if xj > 0.0 {
            g + l1
        } else if xj < 0.0 {
            g - l1
        } else {
            (g.abs() - l1).max(0.0)
        };
        s += r * r;
    }
    s.sqrt()
}

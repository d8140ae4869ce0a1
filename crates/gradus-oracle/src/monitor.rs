//! The standard monitor of an objective F = f + g: its value, its relative suboptimality when F* is known, and
//! the norm of its minimum-norm subgradient.

use ndarray::{Array1, ArrayView1};

use crate::objective::Objective;
use crate::solve::Monitor;

/// Metrics `objective` = F(x), `rel_subopt` = (F(x) − F*)/scale (only with a reference value), and
/// `grad_norm` = dist(0, ∂F(x)) = ‖∇f(x) + the min-norm element of ∂g(x)‖ (for smooth F, ‖∇F(x)‖).
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

impl Monitor for ObjectiveMonitor<'_> {
    fn names(&self) -> Vec<String> {
        let mut n = vec!["objective".to_string()];
        if self.reference.is_some() {
            n.push("rel_subopt".to_string());
        }
        n.push("grad_norm".to_string());
        n
    }

    fn evaluate(&self, x: ArrayView1<f64>, out: &mut Vec<f64>) {
        out.clear();
        let mut g = Array1::zeros(self.problem.dim());
        let f = self.problem.value_and_gradient(x, g.view_mut());
        let reg = self.problem.regularizer();
        let total = f + reg.value(x);
        out.push(total);
        if let Some((f_star, scale)) = self.reference {
            out.push((total - f_star) / scale);
        }
        out.push(min_norm_subgradient_norm(x, g.view(), reg.weights()));
    }
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

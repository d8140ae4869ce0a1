//! The standard monitor of a variational inequality: the relative squared distance to the solution and the
//! relative squared residual.

use gradus_oracle::{Monitor, Operator};
use ndarray::{Array1, ArrayView1};

/// Metrics, in this order:
/// - `rel_error` = ‖z − z*‖² / ‖z₀ − z*‖², only when the operator knows its solution (the paper's metric);
/// - `rel_residual` = ‖F(z)‖² / ‖F(z₀)‖².
///
/// (The iterates themselves reach you through [`crate::SegState::on_epoch`].)
/// A zero denominator (z₀ = z*, or F(z₀) = 0) is replaced by 1, so the metric is then absolute.
pub struct OperatorMonitor<'a> {
    operator: &'a dyn Operator,
    solution: Option<Array1<f64>>,
    distance_scale: f64,
    residual_scale: f64,
}

/// ‖v‖².
fn squared_norm(v: ArrayView1<f64>) -> f64 {
    v.dot(&v)
}

/// A denominator: the value, or 1 when it is zero or not finite.
fn scale_or_one(v: f64) -> f64 {
    if v > 0.0 && v.is_finite() { v } else { 1.0 }
}

impl<'a> OperatorMonitor<'a> {
    /// Monitors `operator` relative to the starting point `z0`.
    pub fn new(operator: &'a dyn Operator, z0: ArrayView1<f64>) -> Self {
        let solution = operator.solution();
        let distance_scale = solution
            .as_ref()
            .map_or(1.0, |s| scale_or_one(squared_norm((&z0 - s).view())));
        let mut f0 = Array1::zeros(operator.dim());
        operator.apply(z0, f0.view_mut());
        OperatorMonitor {
            operator,
            solution,
            distance_scale,
            residual_scale: scale_or_one(squared_norm(f0.view())),
        }
    }
}

impl Monitor for OperatorMonitor<'_> {
    fn names(&self) -> Vec<String> {
        let mut names = Vec::new();
        if self.solution.is_some() {
            names.push("rel_error".to_string());
        }
        names.push("rel_residual".to_string());
        names
    }

    fn evaluate(&self, z: ArrayView1<f64>, _known: Option<(f64, ArrayView1<f64>)>, out: &mut Vec<f64>) {
        out.clear();
        if let Some(s) = &self.solution {
            out.push(squared_norm((&z - s).view()) / self.distance_scale);
        }
        let mut f = Array1::zeros(self.operator.dim());
        self.operator.apply(z, f.view_mut());
        out.push(squared_norm(f.view()) / self.residual_scale);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gradus_oracle::QuadraticGame;

    #[test]
    fn relative_metrics_start_at_one() {
        let game = QuadraticGame::random_bilinear(1, 10, 1.0, 1.0, 0.1, 1).unwrap();
        let z0 = ndarray::array![1.0, -2.0];
        let m = OperatorMonitor::new(&game, z0.view());
        assert_eq!(m.names(), vec!["rel_error", "rel_residual"]);
        let mut out = Vec::new();
        m.evaluate(z0.view(), None, &mut out);
        assert!((out[0] - 1.0).abs() < 1e-15 && (out[1] - 1.0).abs() < 1e-15);
        m.evaluate(game.solution_view(), None, &mut out);
        assert!(out[0] == 0.0 && out[1] < 1e-24);
        // z₀ = z*: the metrics are absolute rather than NaN.
        let at_solution = OperatorMonitor::new(&game, game.solution_view());
        at_solution.evaluate(game.solution_view(), None, &mut out);
        assert!(out.iter().all(|v| v.is_finite()));
    }
}

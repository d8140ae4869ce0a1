//! Small helpers shared by experiments: progress bars and fits.

use indicatif::{ProgressBar, ProgressStyle};

/// A progress bar on stderr (drawn only when stderr is a terminal).
pub fn progress(len: u64, what: &str) -> ProgressBar {
    let pb = ProgressBar::new(len);
    pb.set_style(
        ProgressStyle::with_template("{prefix:>10} [{bar:30}] {pos}/{len} {msg} ({elapsed})")
            .expect("valid template")
            .progress_chars("=> "),
    );
    pb.set_prefix(what.to_string());
    pb
}

/// The least-squares slope of log(y) against log(x): the exponent p in y ≈ c·xᵖ.
///
/// NaN when any point is not finite and positive (a failed run is never dropped from a fit: a caller that means
/// to leave a point out does so itself and says so in the claim), or with fewer than two points.
pub fn log_log_slope(points: &[(f64, f64)]) -> f64 {
    if points
        .iter()
        .any(|&(x, y)| !(x.is_finite() && y.is_finite() && x > 0.0 && y > 0.0))
    {
        return f64::NAN;
    }
    let pts: Vec<(f64, f64)> = points.iter().map(|(x, y)| (x.ln(), y.ln())).collect();
    let n = pts.len() as f64;
    if pts.len() < 2 {
        return f64::NAN;
    }
    let mx = pts.iter().map(|p| p.0).sum::<f64>() / n;
    let my = pts.iter().map(|p| p.1).sum::<f64>() / n;
    let sxy: f64 = pts.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    let sxx: f64 = pts.iter().map(|p| (p.0 - mx) * (p.0 - mx)).sum();
    sxy / sxx
}

/// The largest value of a sweep's runs; NaN when any run is NaN or the sweep is empty (`f64::max` would skip a
/// NaN and let a failed run vanish from the claim).
pub fn max_of_runs(values: &[f64]) -> f64 {
    if values.is_empty() || values.iter().any(|v| v.is_nan()) {
        return f64::NAN;
    }
    values.iter().copied().fold(f64::NEG_INFINITY, f64::max)
}

/// The smallest value of a sweep's runs; NaN when any run is NaN or the sweep is empty.
pub fn min_of_runs(values: &[f64]) -> f64 {
    if values.is_empty() || values.iter().any(|v| v.is_nan()) {
        return f64::NAN;
    }
    values.iter().copied().fold(f64::INFINITY, f64::min)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slope_of_a_power_law() {
        let pts: Vec<(f64, f64)> = (1..10).map(|i| (i as f64, 3.0 * (i as f64).powf(0.5))).collect();
        assert!((log_log_slope(&pts) - 0.5).abs() < 1e-12);
        assert!(log_log_slope(&[(1.0, 1.0)]).is_nan());
        assert!(log_log_slope(&[(1.0, 1.0), (2.0, 0.0), (3.0, 3.0)]).is_nan());
        assert_eq!(max_of_runs(&[1.0, 3.0, 2.0]), 3.0);
        assert!(max_of_runs(&[1.0, f64::NAN]).is_nan() && max_of_runs(&[]).is_nan());
        assert_eq!(min_of_runs(&[1.0, 3.0]), 1.0);
        assert!(min_of_runs(&[f64::NAN, 3.0]).is_nan());
    }
}

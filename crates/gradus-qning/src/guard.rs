//! The run loop of this crate's solvers: [`gradus_oracle::run`] plus a guard against silent failure, and the
//! optional counting of the stopping test's own passes.
//!
//! The guard reads the monitor's `objective` metric (the first metric of [`crate::DualityGapMonitor`]) at every
//! recorded row, i.e. at every stopping check, and keeps the best iterate seen (the lowest objective):
//!
//! | what happens | status | `Report::x` |
//! |---|---|---|
//! | the target is reached | `Converged` | the last iterate |
//! | the objective is above F(x₀) at [`PATIENCE`] checks in a row (it grows instead of decreasing) | `Diverged`, the run stops there | the best iterate (never worse than x₀) |
//! | a NaN or infinite value (the base loop's rule) | `Diverged` | the best iterate |
//! | the run ends on its budget above F(x₀) | `Diverged` | the best iterate |
//! | the run ends on its budget below F(x₀) but above its best check | unchanged (`MaxWork`, …) | the best iterate |
//!
//! "Above F(x₀)" means F > F(x₀) + 1e-12 |F(x₀)| (rounding is not growth). Without an `objective` metric the
//! guard does nothing.
//!
//! **Counting the checks.** A monitor is an observer: [`gradus_oracle::run`] excludes its cost from the work. When
//! the check is part of the method — `gradus fit` stops on the certified duality gap, as Cyanure does — pass
//! `check_passes` > 0: every evaluation is then charged as that many function values (one pass each; a duality-gap
//! check costs one fused pass, two for the lasso: [`crate::DualityGapMonitor::passes_per_check`]). The charge is
//! made at the next step, so it counts towards the pass budget; a trace row's work includes the checks made before
//! it, and the report's work (and its last row) every check.

use std::cell::RefCell;

use gradus_oracle::{Method, Monitor, Observer, Report, RunConfig, Status, StepOutcome, Work, run};
use ndarray::{Array1, ArrayView1};

use crate::error::Result;

/// Checks in a row above F(x₀) after which a run stops as `Diverged`.
pub const PATIENCE: u32 = 3;

/// What the guard has seen.
#[derive(Default)]
struct Seen {
    start: Option<f64>,
    best: Option<(f64, Array1<f64>)>,
    above_start: u32,
    evaluations: u64,
    charged: u64,
    stopped: bool,
}

impl Seen {
    fn above(&self, value: f64) -> bool {
        self.start
            .is_some_and(|f0| value.is_nan() || value > f0 + 1e-12 * f0.abs())
    }
}

struct GuardMonitor<'m> {
    inner: &'m dyn Monitor,
    objective: Option<usize>,
    seen: &'m RefCell<Seen>,
}

impl Monitor for GuardMonitor<'_> {
    fn names(&self) -> Vec<String> {
        self.inner.names()
    }
    fn evaluate(&self, x: ArrayView1<f64>, known: Option<(f64, ArrayView1<f64>)>, out: &mut Vec<f64>) {
        self.inner.evaluate(x, known, out);
        let mut seen = self.seen.borrow_mut();
        seen.evaluations += 1;
        let Some(value) = self.objective.and_then(|k| out.get(k).copied()) else {
            return;
        };
        if seen.start.is_none() {
            seen.start = Some(value);
        }
        if value.is_finite() && seen.best.as_ref().is_none_or(|(b, _)| value < *b) {
            seen.best = Some((value, x.to_owned()));
        }
        seen.above_start = if seen.above(value) { seen.above_start + 1 } else { 0 };
    }
}

struct GuardMethod<'s, 'm> {
    inner: &'s mut dyn Method,
    seen: &'m RefCell<Seen>,
    check_passes: u64,
}

impl Method for GuardMethod<'_, '_> {
    fn iterate(&self) -> ArrayView1<'_, f64> {
        self.inner.iterate()
    }
    fn step(&mut self, work: &mut Work) -> StepOutcome {
        {
            let mut seen = self.seen.borrow_mut();
            work.function_values += (seen.evaluations - seen.charged) * self.check_passes;
            seen.charged = seen.evaluations;
            if seen.above_start >= PATIENCE {
                seen.stopped = true;
                return StepOutcome::Stalled;
            }
        }
        self.inner.step(work)
    }
    fn known_value_and_gradient(&self) -> Option<(f64, ArrayView1<'_, f64>)> {
        self.inner.known_value_and_gradient()
    }
}

/// Runs `method` like [`gradus_oracle::run`], with the guard of the module docs; `check_passes` > 0 charges every
/// monitor evaluation as that many passes (function values).
pub fn run_guarded(
    method: &mut dyn Method,
    monitor: &dyn Monitor,
    config: &RunConfig,
    observer: &mut dyn Observer,
    check_passes: u64,
) -> Result<Report> {
    let seen = RefCell::new(Seen::default());
    let names = monitor.names();
    let guarded = GuardMonitor {
        inner: monitor,
        objective: names.iter().position(|n| n == "objective"),
        seen: &seen,
    };
    let mut stepper = GuardMethod {
        inner: method,
        seen: &seen,
        check_passes,
    };
    let mut report = run(&mut stepper, &guarded, config, observer)?;
    let objective = guarded.objective;
    let seen = seen.take();
    report.work.function_values += (seen.evaluations - seen.charged) * check_passes;
    if let Some(row) = report.trace.rows.last_mut()
        && row.iteration == report.iterations
    {
        row.work = report.work;
    }
    if report.status == Status::Converged {
        return Ok(report);
    }
    let ended_above = |last: f64| seen.stopped || report.status.is_diverged() || seen.above(last);
    let last = objective
        .and_then(|k| report.trace.rows.last().and_then(|r| r.values.get(k).copied()))
        .unwrap_or(f64::NAN);
    let ended_above_start = ended_above(last);
    let Some((best_value, best_x)) = seen.best else {
        return Ok(report);
    };
    if ended_above_start || last.is_nan() || last > best_value {
        report.x.assign(&best_x);
    }
    if ended_above_start {
        report.status = Status::Diverged {
            iteration: report.iterations,
            last_finite: best_x,
        };
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use gradus_oracle::{Silent, Stop};

    /// x ← a·x (plus a shift), one component gradient per step; objective x².
    struct Drift {
        x: Array1<f64>,
        a: f64,
        shift: f64,
    }
    impl Method for Drift {
        fn iterate(&self) -> ArrayView1<'_, f64> {
            self.x.view()
        }
        fn step(&mut self, work: &mut Work) -> StepOutcome {
            self.x.mapv_inplace(|v| self.a * v + self.shift);
            work.component_gradients += 1;
            StepOutcome::Continue
        }
    }
    struct Square;
    impl Monitor for Square {
        fn names(&self) -> Vec<String> {
            vec!["objective".into()]
        }
        fn evaluate(&self, x: ArrayView1<f64>, _k: Option<(f64, ArrayView1<f64>)>, out: &mut Vec<f64>) {
            out.clear();
            out.push(x.dot(&x));
        }
    }

    #[test]
    fn growing_objective_stops_as_diverged_with_the_best_iterate() {
        let mut m = Drift {
            x: Array1::from(vec![1.0]),
            a: 2.0,
            shift: 0.0,
        };
        let cfg = RunConfig::new(Stop::iterations(100), 1);
        let r = run_guarded(&mut m, &Square, &cfg, &mut Silent, 0).unwrap();
        assert!(r.status.is_diverged(), "{:?}", r.status);
        assert_eq!(r.x[0], 1.0, "the start is the best iterate");
        assert_eq!(
            r.iterations,
            PATIENCE as u64 + 1,
            "stopped after {PATIENCE} checks above F(x0)"
        );
    }

    #[test]
    fn a_run_ending_on_its_budget_returns_its_best_iterate() {
        // x: 1 → 0.5·1 − 0.4 = 0.1 → −0.35 → −0.575 …: the best check is the first step.
        let mut m = Drift {
            x: Array1::from(vec![1.0]),
            a: 0.5,
            shift: -0.4,
        };
        let cfg = RunConfig::new(Stop::iterations(3), 1);
        let r = run_guarded(&mut m, &Square, &cfg, &mut Silent, 0).unwrap();
        assert_eq!(r.status, Status::MaxIterations);
        assert!((r.x[0] - 0.1).abs() < 1e-15, "{}", r.x[0]);
    }

    #[test]
    fn checks_are_charged_when_asked() {
        let mut m = Drift {
            x: Array1::from(vec![1.0]),
            a: 0.5,
            shift: 0.0,
        };
        let cfg = RunConfig::new(Stop::iterations(4), 10).record_every(2);
        let r = run_guarded(&mut m, &Square, &cfg, &mut Silent, 2).unwrap();
        // Checks at iterations 0, 2, 4: 3 evaluations × 2 passes.
        assert_eq!(r.work.function_values, 6);
        assert_eq!(r.trace.rows.last().unwrap().work, r.work);
        let mut m = Drift {
            x: Array1::from(vec![1.0]),
            a: 0.5,
            shift: 0.0,
        };
        let r = run_guarded(&mut m, &Square, &cfg, &mut Silent, 0).unwrap();
        assert_eq!(r.work.function_values, 0);
    }
}

//! The shared solve loop. A solver writes only its step (a [`Method`]); this loop does the stopping rules, the
//! trace, the observers, the timing and the divergence check, the same way for every solver.

use std::time::Instant;

use ndarray::{Array1, ArrayView1};

use crate::error::Result;
use crate::stop::{Status, Stop};
use crate::trace::{Trace, TraceRow};
use crate::work::Work;

/// What one step reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepOutcome {
    /// Keep going.
    Continue,
    /// The solver's own convergence test passed.
    Converged,
    /// No further progress is possible.
    Stalled,
}

/// The state of an iterative solver: its current iterate and one step.
pub trait Method {
    /// The current iterate x_k (what is monitored and returned).
    fn iterate(&self) -> ArrayView1<'_, f64>;

    /// Performs one iteration and adds the oracle calls it made to `work`.
    fn step(&mut self, work: &mut Work) -> StepOutcome;

    /// f(x_k) and ∇f(x_k) at the current iterate, when the method already holds them (GD and L-BFGS do), so that
    /// monitors need not pay another pass over the data. `None` by default.
    fn known_value_and_gradient(&self) -> Option<(f64, ArrayView1<'_, f64>)> {
        None
    }
}

/// Evaluates named metrics at an iterate (objective, relative suboptimality, gradient norm, …).
/// Its cost is excluded from the trace's time and from the work counters.
pub trait Monitor {
    /// The metric names, in order.
    fn names(&self) -> Vec<String>;
    /// Writes the metrics at `x` into `out` (cleared first). `known` is f(x) and ∇f(x) when the method already
    /// holds them ([`Method::known_value_and_gradient`]).
    fn evaluate(&self, x: ArrayView1<f64>, known: Option<(f64, ArrayView1<f64>)>, out: &mut Vec<f64>);
}

/// A monitor with no metrics (for inner solvers whose caller does its own monitoring).
pub struct NoMetrics;

impl Monitor for NoMetrics {
    fn names(&self) -> Vec<String> {
        Vec::new()
    }
    fn evaluate(&self, _x: ArrayView1<f64>, _known: Option<(f64, ArrayView1<f64>)>, out: &mut Vec<f64>) {
        out.clear();
    }
}

/// Receives every trace row as it is recorded (progress bars and live logs plug in here; library crates never
/// print).
pub trait Observer {
    /// Called once per recorded row.
    fn observe(&mut self, names: &[String], row: &TraceRow);
}

/// An observer that does nothing.
pub struct Silent;

impl Observer for Silent {
    fn observe(&mut self, _names: &[String], _row: &TraceRow) {}
}

/// How to run: stopping rules, recording frequency, and the n that turns work into passes.
#[derive(Debug, Clone, PartialEq)]
pub struct RunConfig {
    /// When to stop.
    pub stop: Stop,
    /// Record a trace row every this many iterations (the first and the last are always recorded).
    pub record_every: u64,
    /// n, the number of components, for passes (1 when the problem is not a finite sum).
    pub epoch_size: usize,
}

impl RunConfig {
    /// A config recording every iteration.
    pub fn new(stop: Stop, epoch_size: usize) -> Self {
        RunConfig {
            stop,
            record_every: 1,
            epoch_size,
        }
    }

    /// Records every `k` iterations.
    pub fn record_every(mut self, k: u64) -> Self {
        self.record_every = k.max(1);
        self
    }
}

/// The result of a run.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// The final iterate (the last finite one if the run diverged).
    pub x: Array1<f64>,
    /// How the run ended.
    pub status: Status,
    /// The recorded history.
    pub trace: Trace,
    /// The total work.
    pub work: Work,
    /// Iterations performed.
    pub iterations: u64,
    /// Solver seconds (metric evaluation excluded).
    pub seconds: f64,
}

/// Runs `method` until a stopping rule fires, recording metrics from `monitor` and calling `observer` on every
/// row.
///
/// Order in each iteration: budget checks (iterations, passes, communication rounds, time), one step (timed), the
/// divergence check (every entry of the iterate finite, else [`Status::Diverged`] with the last finite iterate), the
/// solver's own outcome, then recording and the target check on recorded rows. A NaN metric, or an infinite first
/// metric (the objective by convention), on a recorded row also counts as divergence.
pub fn run(
    method: &mut dyn Method,
    monitor: &dyn Monitor,
    config: &RunConfig,
    observer: &mut dyn Observer,
) -> Result<Report> {
    config.stop.validate()?;
    let names = monitor.names();
    let target = match &config.stop.target {
        Some(t) => match names.iter().position(|n| *n == t.metric) {
            Some(k) => Some((k, t.below)),
            None => {
                return Err(crate::error::OracleError::InvalidParameter {
                    name: "target metric",
                    value: t.metric.clone(),
                    reason: "is not one of the monitored metrics",
                });
            }
        },
        None => None,
    };
    let mut trace = Trace {
        names: names.clone(),
        epoch_size: config.epoch_size.max(1),
        rows: Vec::new(),
    };
    let mut work = Work::default();
    let mut seconds = 0.0;
    let mut values = Vec::with_capacity(names.len());
    let mut last_finite = method.iterate().to_owned();
    let mut iteration = 0u64;

    // Records a row; returns Some(status) when the row ends the run.
    let mut record = |iteration: u64, work: &Work, seconds: f64, method: &dyn Method, trace: &mut Trace| {
        monitor.evaluate(method.iterate(), method.known_value_and_gradient(), &mut values);
        let row = TraceRow {
            iteration,
            work: *work,
            seconds,
            values: values.clone(),
        };
        observer.observe(&trace.names, &row);
        // A NaN metric, or an infinite first metric (the objective, by convention), is divergence; other metrics
        // may be legitimately infinite (e.g. a certified bound that is not yet available).
        let nonfinite = row.values.iter().any(|v| v.is_nan()) || row.values.first().is_some_and(|v| v.is_infinite());
        let reached = target.is_some_and(|(k, below)| row.values[k] <= below);
        trace.rows.push(row);
        (nonfinite, reached)
    };

    if !last_finite.iter().all(|v| v.is_finite()) {
        return Err(crate::error::OracleError::NonFinite {
            what: "starting point",
            index: last_finite.iter().position(|v| !v.is_finite()).unwrap_or(0),
            value: f64::NAN,
        });
    }
    let (_, reached) = record(0, &work, seconds, &*method, &mut trace);
    let status = if reached {
        Status::Converged
    } else {
        loop {
            if iteration >= config.stop.max_iterations {
                break Status::MaxIterations;
            }
            if config
                .stop
                .max_passes
                .is_some_and(|p| work.passes(config.epoch_size) >= p)
            {
                break Status::MaxWork;
            }
            if config
                .stop
                .max_communication_rounds
                .is_some_and(|r| work.communication_rounds >= r)
            {
                break Status::MaxWork;
            }
            if config.stop.max_seconds.is_some_and(|s| seconds >= s) {
                break Status::TimeOut;
            }
            let t0 = Instant::now();
            let outcome = method.step(&mut work);
            seconds += t0.elapsed().as_secs_f64();
            iteration += 1;
            if !method.iterate().iter().all(|v| v.is_finite()) {
                break Status::Diverged {
                    iteration,
                    last_finite: last_finite.clone(),
                };
            }
            last_finite.assign(&method.iterate());
            let forced = outcome != StepOutcome::Continue;
            if forced || iteration.is_multiple_of(config.record_every) {
                let (nonfinite, reached) = record(iteration, &work, seconds, &*method, &mut trace);
                if nonfinite {
                    break Status::Diverged {
                        iteration,
                        last_finite: last_finite.clone(),
                    };
                }
                if reached {
                    break Status::Converged;
                }
            }
            match outcome {
                StepOutcome::Continue => {}
                StepOutcome::Converged => break Status::Converged,
                StepOutcome::Stalled => break Status::Stalled,
            }
        }
    };
    let recorded_last = trace.rows.last().is_some_and(|r| r.iteration == iteration);
    if !recorded_last && !status.is_diverged() {
        record(iteration, &work, seconds, &*method, &mut trace);
    }
    Ok(Report {
        x: last_finite,
        status,
        trace,
        work,
        iterations: iteration,
        seconds,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    /// x ← a·x, one "component gradient" per step.
    struct Scale {
        x: Array1<f64>,
        a: f64,
    }
    impl Method for Scale {
        fn iterate(&self) -> ArrayView1<'_, f64> {
            self.x.view()
        }
        fn step(&mut self, work: &mut Work) -> StepOutcome {
            self.x *= self.a;
            work.component_gradients += 1;
            StepOutcome::Continue
        }
    }
    struct Norm;
    impl Monitor for Norm {
        fn names(&self) -> Vec<String> {
            vec!["norm".into()]
        }
        fn evaluate(&self, x: ArrayView1<f64>, _known: Option<(f64, ArrayView1<f64>)>, out: &mut Vec<f64>) {
            out.clear();
            out.push(x.dot(&x).sqrt());
        }
    }

    #[test]
    fn stops_on_target_budget_and_divergence() {
        let mut m = Scale {
            x: array![1.0, 0.0],
            a: 0.5,
        };
        let r = run(
            &mut m,
            &Norm,
            &RunConfig::new(Stop::iterations(100).with_target("norm", 0.1), 1),
            &mut Silent,
        )
        .unwrap();
        assert_eq!(r.status, Status::Converged);
        assert_eq!(r.iterations, 4);
        assert_eq!(r.trace.rows.len(), 5);

        let mut m = Scale { x: array![1.0], a: 0.5 };
        let cfg = RunConfig::new(Stop::iterations(100).with_max_passes(3.0), 2).record_every(4);
        let r = run(&mut m, &Norm, &cfg, &mut Silent).unwrap();
        assert_eq!(r.status, Status::MaxWork);
        assert_eq!(r.iterations, 6);
        assert_eq!(r.trace.rows.last().unwrap().iteration, 6);

        // A non-finite metric (‖x‖ overflows at x = 1e200) ends the run with the iterate that produced it,
        // which is still finite.
        let mut m = Scale {
            x: array![1.0],
            a: 1e200,
        };
        let r = run(&mut m, &Norm, &RunConfig::new(Stop::iterations(10), 1), &mut Silent).unwrap();
        assert!(matches!(r.status, Status::Diverged { iteration: 1, .. }));
        assert_eq!(r.x[0], 1e200);
        // A non-finite iterate ends the run with the previous iterate.
        let mut m = Scale {
            x: array![1e10],
            a: 1e300,
        };
        let r = run(
            &mut m,
            &NoMetrics,
            &RunConfig::new(Stop::iterations(10), 1),
            &mut Silent,
        )
        .unwrap();
        match r.status {
            Status::Diverged {
                iteration,
                ref last_finite,
            } => {
                assert_eq!(iteration, 1);
                assert_eq!(last_finite[0], 1e10);
            }
            ref s => panic!("expected divergence, got {s:?}"),
        }
        assert_eq!(r.x[0], 1e10);
    }

    /// x ← a·x with `rounds` communication rounds per step.
    struct Gossiping {
        x: Array1<f64>,
        rounds: u64,
    }
    impl Method for Gossiping {
        fn iterate(&self) -> ArrayView1<'_, f64> {
            self.x.view()
        }
        fn step(&mut self, work: &mut Work) -> StepOutcome {
            self.x *= 0.5;
            work.communication_rounds += self.rounds;
            work.full_gradients += 1;
            StepOutcome::Continue
        }
    }

    #[test]
    fn stops_on_the_communication_round_budget() {
        // 3 rounds per step, budget 10: checked before each step, so 4 steps run (12 rounds, the last overshoots).
        let mut m = Gossiping {
            x: array![1.0],
            rounds: 3,
        };
        let cfg = RunConfig::new(Stop::iterations(1000).with_max_communication_rounds(10), 1).record_every(100);
        let r = run(&mut m, &Norm, &cfg, &mut Silent).unwrap();
        assert_eq!(r.status, Status::MaxWork);
        assert_eq!(r.iterations, 4);
        assert_eq!(r.work.communication_rounds, 12);
        assert_eq!(r.trace.rows.last().unwrap().work.communication_rounds, 12);
        // A target reached first still wins; an iteration budget hit first still says so.
        let mut m = Gossiping {
            x: array![1.0],
            rounds: 1,
        };
        let cfg = RunConfig::new(
            Stop::iterations(1000)
                .with_max_communication_rounds(100)
                .with_target("norm", 0.1),
            1,
        );
        assert_eq!(run(&mut m, &Norm, &cfg, &mut Silent).unwrap().status, Status::Converged);
        let mut m = Gossiping {
            x: array![1.0],
            rounds: 1,
        };
        let cfg = RunConfig::new(Stop::iterations(5).with_max_communication_rounds(100), 1);
        assert_eq!(
            run(&mut m, &Norm, &cfg, &mut Silent).unwrap().status,
            Status::MaxIterations
        );
        // A budget of 0 rounds is invalid.
        let e = Stop::iterations(5)
            .with_max_communication_rounds(0)
            .validate()
            .unwrap_err();
        assert!(e.to_string().contains("max_communication_rounds"), "{e}");
        let mut m = Gossiping {
            x: array![1.0],
            rounds: 1,
        };
        let cfg = RunConfig::new(Stop::iterations(5).with_max_communication_rounds(0), 1);
        assert!(run(&mut m, &Norm, &cfg, &mut Silent).is_err());
        // Without the field (older serialized rules) it defaults to no budget.
        let old = r#"{"max_iterations":7,"max_passes":null,"max_seconds":null,"target":null}"#;
        let stop: Stop = serde_json::from_str(old).unwrap();
        assert_eq!(stop, Stop::iterations(7));
    }

    #[test]
    fn unknown_target_metric_is_an_error() {
        let mut m = Scale { x: array![1.0], a: 0.5 };
        let cfg = RunConfig::new(Stop::iterations(3).with_target("gap", 1e-3), 1);
        assert!(run(&mut m, &Norm, &cfg, &mut Silent).is_err());
    }
}

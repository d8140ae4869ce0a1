//! Stopping rules and the status a run ends with.

use ndarray::Array1;
use serde::{Deserialize, Serialize};

use crate::error::{OracleError, Result, check_positive};

/// When to stop. A run stops at the first rule that fires.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stop {
    /// At most this many iterations.
    pub max_iterations: u64,
    /// At most this many passes over the data ([`crate::Work::passes`]).
    pub max_passes: Option<f64>,
    /// At most this many seconds of solver time.
    pub max_seconds: Option<f64>,
    /// At most this many communication rounds ([`crate::Work::communication_rounds`]; decentralized solvers).
    /// Checked before each step, like the other budgets, so the last step may overshoot by its own rounds.
    #[serde(default)]
    pub max_communication_rounds: Option<u64>,
    /// Stop when a named metric is at or below a value (checked at every recorded row).
    pub target: Option<Target>,
}

/// A tolerance on a named metric.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Target {
    /// The metric's name, as the monitor names it (e.g. `rel_subopt`, `grad_norm`).
    pub metric: String,
    /// Converged when the metric is ≤ this.
    pub below: f64,
}

impl Default for Stop {
    fn default() -> Self {
        Stop {
            max_iterations: 1000,
            max_passes: None,
            max_seconds: None,
            max_communication_rounds: None,
            target: None,
        }
    }
}

impl Stop {
    /// At most `n` iterations.
    pub fn iterations(n: u64) -> Self {
        Stop {
            max_iterations: n,
            ..Stop::default()
        }
    }

    /// Adds a target on a named metric.
    pub fn with_target(mut self, metric: &str, below: f64) -> Self {
        self.target = Some(Target {
            metric: metric.to_string(),
            below,
        });
        self
    }

    /// Adds a budget of passes.
    pub fn with_max_passes(mut self, passes: f64) -> Self {
        self.max_passes = Some(passes);
        self
    }

    /// Adds a time budget.
    pub fn with_max_seconds(mut self, seconds: f64) -> Self {
        self.max_seconds = Some(seconds);
        self
    }

    /// Adds a budget of communication rounds (ends the run with [`Status::MaxWork`]).
    pub fn with_max_communication_rounds(mut self, rounds: u64) -> Self {
        self.max_communication_rounds = Some(rounds);
        self
    }

    /// Checks every value.
    pub fn validate(&self) -> Result<()> {
        if self.max_iterations == 0 {
            return Err(OracleError::InvalidParameter {
                name: "max_iterations",
                value: "0".into(),
                reason: "must be >= 1",
            });
        }
        if let Some(p) = self.max_passes {
            check_positive("max_passes", p)?;
        }
        if let Some(s) = self.max_seconds {
            check_positive("max_seconds", s)?;
        }
        if self.max_communication_rounds == Some(0) {
            return Err(OracleError::InvalidParameter {
                name: "max_communication_rounds",
                value: "0".into(),
                reason: "must be >= 1",
            });
        }
        if let Some(t) = &self.target
            && t.below.is_nan()
        {
            return Err(OracleError::InvalidParameter {
                name: "target",
                value: format!("{}", t.below),
                reason: "must be a number",
            });
        }
        Ok(())
    }
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Status {
    /// The target was reached, or the solver's own convergence test passed.
    Converged,
    /// The iteration budget ran out.
    MaxIterations,
    /// A work budget ran out (passes, or communication rounds).
    MaxWork,
    /// The time budget ran out.
    TimeOut,
    /// A NaN or infinite value appeared at `iteration`; `last_finite` is the last iterate whose entries were all
    /// finite (also the report's `x`).
    Diverged {
        /// The iteration that produced the non-finite value.
        iteration: u64,
        /// The last finite iterate.
        last_finite: Array1<f64>,
    },
    /// The solver can make no further progress (e.g. a line search failed at machine precision).
    Stalled,
}

impl Status {
    /// A short lower-case name (`converged`, `max-iterations`, …).
    pub fn name(&self) -> &'static str {
        match self {
            Status::Converged => "converged",
            Status::MaxIterations => "max-iterations",
            Status::MaxWork => "max-work",
            Status::TimeOut => "time-out",
            Status::Diverged { .. } => "diverged",
            Status::Stalled => "stalled",
        }
    }

    /// Whether the run diverged.
    pub fn is_diverged(&self) -> bool {
        matches!(self, Status::Diverged { .. })
    }
}

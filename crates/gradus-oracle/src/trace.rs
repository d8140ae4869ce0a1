//! Traces: one row per recorded iteration with the work spent, the elapsed time (excluding the time spent
//! evaluating metrics) and the metrics.

use std::io::Write;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{OracleError, Result};
use crate::work::Work;

/// One recorded iteration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TraceRow {
    /// The iteration (0 = the starting point).
    pub iteration: u64,
    /// Work spent so far.
    pub work: Work,
    /// Seconds spent in the solver's steps so far (metric evaluation excluded).
    pub seconds: f64,
    /// Metric values, in the order of [`Trace::names`].
    pub values: Vec<f64>,
}

/// The recorded history of a run.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Trace {
    /// Metric names (objective, rel_subopt, grad_norm, …).
    pub names: Vec<String>,
    /// The number of components n used to turn component counts into passes (1 for non-finite-sum problems).
    pub epoch_size: usize,
    /// The rows, in iteration order.
    pub rows: Vec<TraceRow>,
}

impl Trace {
    /// The column of a named metric, if recorded.
    pub fn metric_index(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n == name)
    }

    /// (passes, value) pairs of a named metric.
    pub fn series_by_passes(&self, name: &str) -> Vec<(f64, f64)> {
        match self.metric_index(name) {
            Some(k) => self
                .rows
                .iter()
                .map(|r| (r.work.passes(self.epoch_size), r.values[k]))
                .collect(),
            None => Vec::new(),
        }
    }

    /// (iteration, value) pairs of a named metric.
    pub fn series_by_iteration(&self, name: &str) -> Vec<(f64, f64)> {
        match self.metric_index(name) {
            Some(k) => self.rows.iter().map(|r| (r.iteration as f64, r.values[k])).collect(),
            None => Vec::new(),
        }
    }

    /// The first row at which a named metric is ≤ `target`.
    pub fn first_below(&self, name: &str, target: f64) -> Option<&TraceRow> {
        let k = self.metric_index(name)?;
        self.rows.iter().find(|r| r.values[k] <= target)
    }

    /// The last value of a named metric.
    pub fn last_value(&self, name: &str) -> Option<f64> {
        let k = self.metric_index(name)?;
        self.rows.last().map(|r| r.values[k])
    }

    /// The CSV header: iteration, passes, the work counters, seconds, the metrics.
    pub fn csv_header(&self) -> Vec<String> {
        let mut h = vec!["iteration".to_string(), "passes".to_string()];
        h.extend(Work::COLUMN_NAMES.iter().map(|s| s.to_string()));
        h.push("seconds".to_string());
        h.extend(self.names.iter().cloned());
        h
    }

    /// Writes the trace as CSV.
    pub fn write_csv<W: Write>(&self, out: W) -> std::result::Result<(), csv::Error> {
        let mut w = csv::Writer::from_writer(out);
        w.write_record(self.csv_header())?;
        for r in &self.rows {
            let mut rec = vec![r.iteration.to_string(), format!("{}", r.work.passes(self.epoch_size))];
            rec.extend(r.work.columns().iter().map(|c| c.to_string()));
            rec.push(format!("{}", r.seconds));
            rec.extend(r.values.iter().map(|v| format!("{v:e}")));
            w.write_record(rec)?;
        }
        w.flush()?;
        Ok(())
    }

    /// Writes the trace as CSV to a file.
    pub fn write_csv_file(&self, path: &Path) -> Result<()> {
        let io = |e: &dyn std::fmt::Display| OracleError::Io {
            path: path.display().to_string(),
            message: e.to_string(),
        };
        let f = std::fs::File::create(path).map_err(|e| io(&e))?;
        self.write_csv(std::io::BufWriter::new(f)).map_err(|e| io(&e))
    }

    /// Writes the trace in benchopt's result layout (one row per recorded iteration with the columns
    /// `solver_name, data_name, objective_name, idx_rep, stop_val, time, objective_value`, plus one
    /// `objective_<metric>` column per other metric), for users who compare with that tool.
    pub fn write_benchopt_csv<W: Write>(
        &self,
        out: W,
        solver_name: &str,
        data_name: &str,
        objective_name: &str,
    ) -> std::result::Result<(), csv::Error> {
        let mut w = csv::Writer::from_writer(out);
        let mut header: Vec<String> = [
            "solver_name",
            "data_name",
            "objective_name",
            "idx_rep",
            "stop_val",
            "time",
            "objective_value",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let objective = self.metric_index("objective");
        let others: Vec<usize> = (0..self.names.len()).filter(|&k| Some(k) != objective).collect();
        header.extend(others.iter().map(|&k| format!("objective_{}", self.names[k])));
        w.write_record(&header)?;
        for r in &self.rows {
            let mut rec = vec![
                solver_name.to_string(),
                data_name.to_string(),
                objective_name.to_string(),
                "0".to_string(),
                r.iteration.to_string(),
                format!("{}", r.seconds),
                objective.map(|k| format!("{:e}", r.values[k])).unwrap_or_default(),
            ];
            rec.extend(others.iter().map(|&k| format!("{:e}", r.values[k])));
            w.write_record(rec)?;
        }
        w.flush()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_has_header_and_rows() {
        let t = Trace {
            names: vec!["objective".into(), "grad_norm".into()],
            epoch_size: 10,
            rows: vec![TraceRow {
                iteration: 3,
                work: Work {
                    component_gradients: 25,
                    ..Work::default()
                },
                seconds: 0.5,
                values: vec![1.5, 0.25],
            }],
        };
        let mut buf = Vec::new();
        t.write_csv(&mut buf).unwrap();
        let s = String::from_utf8(buf).unwrap();
        let mut lines = s.lines();
        assert!(
            lines
                .next()
                .unwrap()
                .starts_with("iteration,passes,component_gradients")
        );
        assert!(lines.next().unwrap().starts_with("3,2.5,25,"));
        let mut b = Vec::new();
        t.write_benchopt_csv(&mut b, "gd", "toy", "logreg").unwrap();
        assert!(
            String::from_utf8(b)
                .unwrap()
                .contains("gd,toy,logreg,0,3,0.5,1.5e0,2.5e-1")
        );
        assert_eq!(t.first_below("grad_norm", 0.3).unwrap().iteration, 3);
    }
}

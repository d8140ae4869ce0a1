//! The experiment contract (design §4): every experiment writes, under `DIR/<exp>/`, one long-format CSV and one
//! SVG per figure and a `summary.json` with its claims; `all` adds `DIR/REPORT.md`.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::Serialize;

use crate::error::ExpError;

/// What an experiment receives.
pub struct Ctx {
    /// CI size (seconds) instead of the paper's size.
    pub quick: bool,
    /// `DIR/<exp>/`, created before the experiment runs.
    pub dir: PathBuf,
    /// The base seed; every random draw of the experiment derives from it.
    pub seed: u64,
}

impl Ctx {
    /// `"quick"` or `"full"`.
    pub fn mode(&self) -> &'static str {
        if self.quick { "quick" } else { "full" }
    }

    /// The path of a file in this experiment's directory.
    pub fn path(&self, file: &str) -> PathBuf {
        self.dir.join(file)
    }
}

/// One checkable statement, computed from the runs.
#[derive(Debug, Clone, Serialize)]
pub struct Claim {
    /// Stable id, e.g. `classic.agd_sqrt_kappa`.
    pub id: String,
    /// What is claimed, with the threshold and where it comes from.
    pub statement: String,
    /// The measured value.
    pub value: f64,
    /// The threshold (the lower end for a range).
    pub threshold: f64,
    /// The upper end, for claims that a value lies in a range.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub threshold_high: Option<f64>,
    /// Whether the value satisfies the threshold.
    pub holds: bool,
    /// Whether a correct implementation must show this (`--check` fails on a gated claim that does not hold).
    pub gate: bool,
    /// The runs of the claim's sweep that failed (diverged, NaN, out of budget where the claim needs
    /// convergence). A claim with a failed run does not hold, whatever its value.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub failed_runs: Vec<String>,
}

impl Claim {
    /// Holds when value ≥ threshold.
    pub fn at_least(id: &str, statement: &str, value: f64, threshold: f64, gate: bool) -> Self {
        Claim::new(id, statement, value, threshold, None, value >= threshold, gate)
    }

    /// Holds when value ≤ threshold.
    pub fn at_most(id: &str, statement: &str, value: f64, threshold: f64, gate: bool) -> Self {
        Claim::new(id, statement, value, threshold, None, value <= threshold, gate)
    }

    /// Holds when lo ≤ value ≤ hi.
    pub fn within(id: &str, statement: &str, value: f64, lo: f64, hi: f64, gate: bool) -> Self {
        Claim::new(id, statement, value, lo, Some(hi), value >= lo && value <= hi, gate)
    }

    /// Marks the runs of the claim's sweep that failed: with any, the claim does not hold and its statement names
    /// them. Call it with every run a sweep lost, so a failed run can never vanish from a claim.
    pub fn with_failed_runs(mut self, failed: Vec<String>) -> Self {
        if !failed.is_empty() {
            self.holds = false;
            self.statement = format!(
                "{} — FAILED RUNS ({}): {}",
                self.statement,
                failed.len(),
                failed.join(", ")
            );
        }
        self.failed_runs.extend(failed);
        self
    }

    fn new(id: &str, statement: &str, value: f64, threshold: f64, hi: Option<f64>, holds: bool, gate: bool) -> Self {
        // A non-finite value never holds: NaN fails every comparison, and ±∞ (an empty or all-failed sweep
        // folded with max/min) is no measurement.
        Claim {
            id: id.to_string(),
            statement: statement.to_string(),
            value,
            threshold,
            threshold_high: hi,
            holds: holds && value.is_finite(),
            gate,
            failed_runs: Vec::new(),
        }
    }
}

/// `summary.json`.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// The experiment's name.
    pub experiment: String,
    /// `quick` or `full`.
    pub mode: String,
    /// Every claim, holding or not.
    pub claims: Vec<Claim>,
    /// Wall-clock seconds of the whole experiment.
    pub wall_seconds: f64,
    /// The SVG files written (names relative to the experiment's directory).
    pub figures: Vec<String>,
    /// Free-form notes (what was run, sizes, reference values).
    pub notes: Vec<String>,
}

/// What an experiment returns.
pub enum Outcome {
    /// It ran; claims, figures and notes.
    Done {
        /// The claims.
        claims: Vec<Claim>,
        /// SVG file names.
        figures: Vec<String>,
        /// Notes for the report.
        notes: Vec<String>,
    },
    /// It could not run because a data set is not installed.
    Skipped {
        /// Why, and how to install what is missing.
        reason: String,
    },
}

/// An experiment: a name, a one-line description and its function.
pub struct Experiment {
    /// The command-line name.
    pub name: &'static str,
    /// One line for `list` and the report.
    pub about: &'static str,
    /// Runs it.
    pub run: fn(&Ctx) -> Result<Outcome, ExpError>,
}

/// The result of running one experiment.
pub enum Ran {
    /// It ran and wrote its summary.
    Done(Summary),
    /// It was skipped.
    Skipped {
        /// The experiment.
        name: String,
        /// Why.
        reason: String,
    },
}

/// Runs an experiment into `out/<name>/` and writes its `summary.json`.
pub fn run_experiment(exp: &Experiment, out: &Path, quick: bool, seed: u64) -> Result<Ran, ExpError> {
    let dir = out.join(exp.name);
    fs::create_dir_all(&dir).map_err(|e| ExpError::io(&dir, e))?;
    let ctx = Ctx {
        quick,
        dir: dir.clone(),
        seed,
    };
    let t0 = Instant::now();
    let outcome = (exp.run)(&ctx)?;
    let wall_seconds = t0.elapsed().as_secs_f64();
    match outcome {
        Outcome::Done { claims, figures, notes } => {
            let summary = Summary {
                experiment: exp.name.to_string(),
                mode: ctx.mode().to_string(),
                claims,
                wall_seconds,
                figures,
                notes,
            };
            let path = dir.join("summary.json");
            let text = serde_json::to_string_pretty(&summary).expect("summary serializes");
            fs::write(&path, text + "\n").map_err(|e| ExpError::io(&path, e))?;
            Ok(Ran::Done(summary))
        }
        Outcome::Skipped { reason } => {
            let path = dir.join("SKIPPED.txt");
            fs::write(&path, format!("{reason}\n")).map_err(|e| ExpError::io(&path, e))?;
            Ok(Ran::Skipped {
                name: exp.name.to_string(),
                reason,
            })
        }
    }
}

/// Prints a claim table to stdout.
pub fn print_summary(ran: &Ran) {
    match ran {
        Ran::Done(s) => {
            println!("== {} ({}, {:.1} s)", s.experiment, s.mode, s.wall_seconds);
            for c in &s.claims {
                println!(
                    "  [{}] {}{} value {:.4e} threshold {}",
                    if c.holds { "holds" } else { "FAILS" },
                    c.id,
                    if c.gate { "" } else { " (not gated)" },
                    c.value,
                    threshold_text(c)
                );
            }
        }
        Ran::Skipped { name, reason } => println!("== {name}: SKIPPED — {reason}"),
    }
}

fn threshold_text(c: &Claim) -> String {
    match c.threshold_high {
        Some(hi) => format!("[{:e}, {:e}]", c.threshold, hi),
        None => format!("{:e}", c.threshold),
    }
}

/// Whether every gated claim holds and nothing was skipped (what `--check` requires).
pub fn passes_check(runs: &[Ran]) -> bool {
    runs.iter().all(|r| match r {
        Ran::Done(s) => s.claims.iter().all(|c| c.holds || !c.gate),
        Ran::Skipped { .. } => false,
    })
}

/// Writes `out/REPORT.md`: every claim with its value and verdict, and the figures.
pub fn write_report(out: &Path, runs: &[Ran], quick: bool, seed: u64) -> Result<PathBuf, ExpError> {
    let mut s = String::new();
    s.push_str("# gradus — experiment report\n\n");
    s.push_str(&format!(
        "Mode: **{}**, seed {seed}. Generated by `cargo run --release -- all{}`.\n\n",
        if quick { "quick" } else { "full" },
        if quick { " --quick" } else { "" }
    ));
    s.push_str("| experiment | claim | value | threshold | verdict | gated |\n|---|---|---|---|---|---|\n");
    for r in runs {
        match r {
            Ran::Done(sum) => {
                for c in &sum.claims {
                    s.push_str(&format!(
                        "| {} | `{}` | {:.4e} | {} | {} | {} |\n",
                        sum.experiment,
                        c.id,
                        c.value,
                        threshold_text(c),
                        if c.holds { "holds" } else { "**does not hold**" },
                        if c.gate { "yes" } else { "no" }
                    ));
                }
            }
            Ran::Skipped { name, reason } => {
                s.push_str(&format!("| {name} | — | — | — | **skipped**: {reason} | — |\n"));
            }
        }
    }
    for r in runs {
        if let Ran::Done(sum) = r {
            s.push_str(&format!("\n## {} ({:.1} s)\n\n", sum.experiment, sum.wall_seconds));
            for c in &sum.claims {
                s.push_str(&format!("- `{}`: {}\n", c.id, c.statement));
            }
            if !sum.notes.is_empty() {
                s.push('\n');
                for n in &sum.notes {
                    s.push_str(&format!("- {n}\n"));
                }
            }
            s.push('\n');
            for f in &sum.figures {
                s.push_str(&format!("![{f}]({}/{f})\n\n", sum.experiment));
            }
        }
    }
    let path = out.join("REPORT.md");
    fs::write(&path, s).map_err(|e| ExpError::io(&path, e))?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claims_judge_their_thresholds() {
        assert!(Claim::at_least("a", "", 2.0, 1.0, true).holds);
        assert!(!Claim::at_least("a", "", f64::NAN, 1.0, true).holds);
        assert!(Claim::at_most("a", "", 1e-11, 1e-10, true).holds);
        assert!(!Claim::within("a", "", 0.7, 0.35, 0.65, true).holds);
        assert!(
            !Claim::at_most("a", "", f64::NEG_INFINITY, 1.0, true).holds,
            "an all-NaN min fold is no value"
        );
        assert!(!Claim::at_least("a", "", f64::INFINITY, 1.0, true).holds);
        let ungated = Claim::at_least("b", "", 0.0, 1.0, false);
        let s = Summary {
            experiment: "x".into(),
            mode: "quick".into(),
            claims: vec![ungated],
            wall_seconds: 0.0,
            figures: vec![],
            notes: vec![],
        };
        assert!(passes_check(&[Ran::Done(s.clone())]));
        let mut failing = s;
        failing.claims.push(Claim::at_most("c", "", 2.0, 1.0, true));
        assert!(!passes_check(&[Ran::Done(failing)]));
        assert!(!passes_check(&[Ran::Skipped {
            name: "q".into(),
            reason: "no data".into()
        }]));
        let json = serde_json::to_value(Claim::at_most("c", "s", 2.0, 1.0, true)).unwrap();
        assert_eq!(json["holds"], false);
        assert!(json.get("threshold_high").is_none());
    }

    #[test]
    fn a_nan_run_in_a_sweep_makes_its_claim_fail() {
        use crate::util::{log_log_slope, max_of_runs};
        // A sweep of four runs, one of which diverged (NaN): the folded value is NaN, not the max of the rest.
        let runs = [1.0, 2.0, f64::NAN, 1.5];
        let worst = max_of_runs(&runs);
        assert!(worst.is_nan());
        let claim = Claim::at_most("sweep.max", "max over runs <= 3", worst, 3.0, true);
        assert!(!claim.holds);
        // A fitted exponent with a failed point is no exponent.
        let slope = log_log_slope(&[(1.0, 1.0), (2.0, f64::NAN), (4.0, 4.0)]);
        assert!(slope.is_nan());
        assert!(!Claim::within("sweep.slope", "", slope, 0.5, 1.5, true).holds);
        // The failed runs, named, make a claim fail even where the surviving value would pass.
        let named =
            Claim::at_most("sweep.named", "max <= 3", 2.0, 3.0, true).with_failed_runs(vec!["delta=1e-3".into()]);
        assert!(!named.holds && named.statement.contains("delta=1e-3"));
        let json = serde_json::to_value(&named).unwrap();
        assert_eq!(json["failed_runs"][0], "delta=1e-3");
        assert!(Claim::at_most("ok", "", 2.0, 3.0, true).with_failed_runs(vec![]).holds);
    }

    fn done(_ctx: &Ctx) -> Result<Outcome, ExpError> {
        Ok(Outcome::Done {
            claims: vec![Claim::at_most("fake.small", "a small value", 0.5, 1.0, true)],
            figures: vec![],
            notes: vec!["a note".into()],
        })
    }

    fn skipped(_ctx: &Ctx) -> Result<Outcome, ExpError> {
        Ok(Outcome::Skipped {
            reason: "data set not installed: apt-get install it".into(),
        })
    }

    #[test]
    fn runs_write_summaries_and_the_report_marks_skips() {
        let out = std::env::temp_dir().join(format!("gradus-harness-test-{}", std::process::id()));
        let a = Experiment {
            name: "fake",
            about: "",
            run: done,
        };
        let b = Experiment {
            name: "needs-data",
            about: "",
            run: skipped,
        };
        let runs = vec![
            run_experiment(&a, &out, true, 3).unwrap(),
            run_experiment(&b, &out, true, 3).unwrap(),
        ];
        let summary: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(out.join("fake/summary.json")).unwrap()).unwrap();
        assert_eq!(summary["experiment"], "fake");
        assert_eq!(summary["mode"], "quick");
        assert_eq!(summary["claims"][0]["id"], "fake.small");
        assert_eq!(summary["claims"][0]["holds"], true);
        assert_eq!(summary["claims"][0]["gate"], true);
        assert!(summary["wall_seconds"].as_f64().unwrap() >= 0.0);
        assert!(out.join("needs-data/SKIPPED.txt").exists());
        assert!(!passes_check(&runs), "a skip fails --check");
        assert!(passes_check(&runs[..1]));
        let report = std::fs::read_to_string(write_report(&out, &runs, true, 3).unwrap()).unwrap();
        assert!(report.contains("`fake.small`") && report.contains("holds"));
        assert!(report.contains("needs-data") && report.contains("**skipped**"));
        std::fs::remove_dir_all(&out).unwrap();
    }
}

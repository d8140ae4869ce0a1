//! `gradus score`: accuracy and log-loss (classifiers), or mean squared error and R² (the squared loss), of a model
//! saved by `gradus fit --model-out` on a labelled data set.
//!
//! Output: `accuracy A log_loss L n N` (log_loss is `NaN`, and `null` in JSON, for the squared hinge, which
//! defines no probabilities), or `mse M r2 R n N`; with `--json` one JSON object with the same fields.

use std::path::PathBuf;

use clap::Args;

use super::CliError;
use super::input::load;
use super::model_file::{Kind, SavedModel};

/// Arguments of `gradus score`.
#[derive(Args, Debug)]
pub struct ScoreArgs {
    /// A model file written by `gradus fit --model-out`.
    #[arg(long)]
    pub model: PathBuf,
    /// Data file (the formats of `gradus fit --data`).
    #[arg(long)]
    pub data: PathBuf,
    /// Labels as an NPY or IDX vector (needed with NPY/IDX data; overrides a LIBSVM file's labels).
    #[arg(long)]
    pub labels: Option<PathBuf>,
    /// Print one JSON object instead of the line.
    #[arg(long)]
    pub json: bool,
}

/// Runs `gradus score`.
pub fn score(a: &ScoreArgs) -> Result<(), CliError> {
    let model = SavedModel::load(&a.model)?;
    let loaded = load(&a.data, a.labels.as_deref())?;
    let y = loaded
        .y
        .ok_or_else(|| CliError::Usage(format!("{} has no labels: pass --labels FILE", a.data.display())))?;
    let source = a.labels.as_deref().unwrap_or(&a.data);
    let t = model.decision(&loaded.x, &a.data)?;
    let n = y.len();
    let predicted = model.predict(&t);
    if model.kind == Kind::Regression {
        let mse = predicted.iter().zip(&y).map(|(p, t)| (p - t) * (p - t)).sum::<f64>() / n as f64;
        let mean = y.mean().unwrap_or(0.0);
        let var = y.iter().map(|t| (t - mean) * (t - mean)).sum::<f64>() / n as f64;
        let r2 = 1.0 - mse / var;
        if a.json {
            println!("{}", serde_json::json!({"mse": mse, "r2": r2, "n": n}));
        } else {
            println!("mse {mse:.12e} r2 {r2:.6} n {n}");
        }
        return Ok(());
    }
    let index = model.class_indices(&y, source)?;
    let correct = predicted.iter().zip(&y).filter(|(p, t)| p == t).count();
    let accuracy = correct as f64 / n as f64;
    let log_loss = model.log_loss(&t, &index).unwrap_or(f64::NAN);
    if a.json {
        let ll = if log_loss.is_nan() {
            serde_json::Value::Null
        } else {
            serde_json::json!(log_loss)
        };
        println!("{}", serde_json::json!({"accuracy": accuracy, "log_loss": ll, "n": n}));
    } else {
        println!("accuracy {accuracy:.6} log_loss {log_loss:.12e} n {n}");
    }
    Ok(())
}

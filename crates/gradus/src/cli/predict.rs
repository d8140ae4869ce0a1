//! `gradus predict`: labels or class probabilities of a data file from a model saved by `gradus fit --model-out`.
//!
//! Output: one line per row of `--data` — the predicted label (an original class value; the fitted value for the
//! squared loss), or with `--proba` the K class probabilities separated by commas in the order of the model's
//! `classes`. With `--out FILE.npy` the same as a float64 NPY vector (labels) or n × K matrix (probabilities);
//! any other `--out` name gets the text.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;
use gradus_data::npy::{write_npy_matrix, write_npy_vector};

use super::CliError;
use super::input::load;
use super::model_file::SavedModel;

/// Arguments of `gradus predict`.
#[derive(Args, Debug)]
pub struct PredictArgs {
    /// A model file written by `gradus fit --model-out`.
    #[arg(long)]
    pub model: PathBuf,
    /// Data file (the formats of `gradus fit --data`; a LIBSVM file's labels are ignored).
    #[arg(long)]
    pub data: PathBuf,
    /// Write class probabilities instead of labels (logistic and multinomial models).
    #[arg(long)]
    pub proba: bool,
    /// Output file (NPY when the name ends in .npy, else text); default stdout.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// Formats a number as the shortest text that reads back to the same f64: plain (`3`, `0.25`) for integers and
/// moderate magnitudes, scientific (`1.4e-8`) otherwise.
fn number(v: f64) -> String {
    if v == 0.0 || (1e-4..1e15).contains(&v.abs()) {
        format!("{v}")
    } else {
        format!("{v:e}")
    }
}

/// Runs `gradus predict`.
pub fn predict(a: &PredictArgs) -> Result<(), CliError> {
    let model = SavedModel::load(&a.model)?;
    if a.proba && !model.has_probabilities() {
        return Err(CliError::Usage(format!(
            "invalid --proba: the model's loss ({}) defines no probabilities (logistic and multinomial do)",
            model.loss
        )));
    }
    let x = load(&a.data, None)?.x;
    let t = model.decision(&x, &a.data)?;
    let npy = a
        .out
        .as_ref()
        .is_some_and(|p| p.extension().is_some_and(|e| e.eq_ignore_ascii_case("npy")));
    let mut text = String::new();
    if a.proba {
        let p = model.probabilities(&t).expect("checked above");
        if npy {
            write_npy_matrix(a.out.as_ref().expect("npy implies --out"), &p)?;
            return Ok(());
        }
        for r in p.rows() {
            let cells: Vec<String> = r.iter().map(|&v| number(v)).collect();
            text.push_str(&cells.join(","));
            text.push('\n');
        }
    } else {
        let labels = model.predict(&t);
        if npy {
            write_npy_vector(a.out.as_ref().expect("npy implies --out"), &labels)?;
            return Ok(());
        }
        for &v in &labels {
            text.push_str(&number(v));
            text.push('\n');
        }
    }
    match &a.out {
        Some(p) => std::fs::write(p, text).map_err(|e| CliError::Usage(format!("cannot write {}: {e}", p.display()))),
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(text.as_bytes())
                .and_then(|()| out.flush())
                .map_err(|e| CliError::Usage(format!("cannot write to stdout: {e}")))
        }
    }
}

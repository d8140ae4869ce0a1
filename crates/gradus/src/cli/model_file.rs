//! The model file of `gradus fit --model-out`, read by `gradus predict` and `gradus score`: one JSON object.
//!
//! ```json
//! {
//!   "format": "gradus-linear-model", "version": 1,
//!   "kind": "binary",            // "binary", "multinomial", "ovr" (one-vs-rest) or "regression"
//!   "loss": "logistic",          // logistic, squared-hinge, multinomial or squared
//!   "classes": [0.0, 1.0],       // the original label values, sorted; [] for "regression"
//!   "n_features": 3,
//!   "coef": [[0.5, -1.0, 2.0]],  // one row per output (scikit-learn's coef_): 1 row for binary and
//!                                // regression, K rows (one per class, in the order of "classes") otherwise
//!   "intercept": [0.25],         // one entry per row of coef (zeros when fit_intercept is false)
//!   "fit_intercept": true, "l1": 0.0, "l2": 0.001,
//!   "solver": "lbfgs", "solver_requested": "auto"
//! }
//! ```
//!
//! Decision values: tᵢ,ₖ = coef[k]·aᵢ + intercept[k]. Prediction: "binary" gives classes[1] when tᵢ,₀ > 0, else
//! classes[0]; "multinomial" and "ovr" give the class of the largest tᵢ,ₖ (the first on ties); "regression" gives
//! tᵢ,₀. Probabilities: "binary" with the logistic loss P(classes[1]) = σ(tᵢ,₀); "multinomial" the softmax of tᵢ;
//! "ovr" with the logistic loss σ(tᵢ,ₖ) normalized to sum 1 (scikit-learn's one-vs-rest rule). The squared hinge
//! defines no probabilities.

use std::path::Path;

use gradus_oracle::Design;
use ndarray::{Array1, Array2};
use serde::{Deserialize, Serialize};

use super::CliError;

/// The `format` field of every model file.
pub const FORMAT: &str = "gradus-linear-model";
/// The current `version`.
pub const VERSION: u32 = 1;

/// What a model predicts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// Two classes, one weight vector.
    Binary,
    /// K classes, softmax over K weight vectors.
    Multinomial,
    /// K classes, one binary model per class.
    Ovr,
    /// Real-valued targets (the squared loss).
    Regression,
}

/// A fitted linear model as saved by `gradus fit --model-out` (see the module docs for the fields).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedModel {
    /// Always [`FORMAT`].
    pub format: String,
    /// Always [`VERSION`].
    pub version: u32,
    /// What the model predicts.
    pub kind: Kind,
    /// The loss's command-line name.
    pub loss: String,
    /// The original label values, sorted (empty for regression).
    pub classes: Vec<f64>,
    /// d.
    pub n_features: usize,
    /// One weight row per output.
    pub coef: Vec<Vec<f64>>,
    /// One intercept per output.
    pub intercept: Vec<f64>,
    /// Whether the intercepts were fitted.
    pub fit_intercept: bool,
    /// λ₁.
    pub l1: f64,
    /// λ₂.
    pub l2: f64,
    /// The solver that ran.
    pub solver: String,
    /// The solver asked for (`auto` or the same name).
    pub solver_requested: String,
}

fn bad_model(path: &Path, why: impl std::fmt::Display) -> CliError {
    CliError::Usage(format!("{}: not a gradus model file: {why}", path.display()))
}

impl SavedModel {
    /// Writes the model as pretty-printed JSON.
    pub fn save(&self, path: &Path) -> Result<(), CliError> {
        let text = serde_json::to_string_pretty(self).map_err(|e| bad_model(path, e))?;
        std::fs::write(path, text + "\n").map_err(|e| CliError::Usage(format!("cannot write {}: {e}", path.display())))
    }

    /// Reads and checks a model file (format, version, shapes, finite values), naming the file and the field
    /// that is wrong (serde_json's message gives the line and column of a syntax error).
    pub fn load(path: &Path) -> Result<SavedModel, CliError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| CliError::Usage(format!("cannot read {}: {e}", path.display())))?;
        let m: SavedModel = serde_json::from_str(&text).map_err(|e| bad_model(path, e))?;
        if m.format != FORMAT {
            return Err(bad_model(
                path,
                format!("field \"format\" is {:?}, expected {FORMAT:?}", m.format),
            ));
        }
        if m.version != VERSION {
            return Err(bad_model(
                path,
                format!("field \"version\" is {}, this gradus reads {VERSION}", m.version),
            ));
        }
        let rows = match m.kind {
            Kind::Binary | Kind::Regression => 1,
            Kind::Multinomial | Kind::Ovr => m.classes.len(),
        };
        let expected_classes = match m.kind {
            Kind::Binary => m.classes.len() == 2,
            Kind::Regression => m.classes.is_empty(),
            Kind::Multinomial | Kind::Ovr => m.classes.len() >= 2,
        };
        if !expected_classes {
            return Err(bad_model(
                path,
                format!("{} classes for kind {:?}", m.classes.len(), m.kind),
            ));
        }
        if m.coef.len() != rows || m.intercept.len() != rows {
            return Err(bad_model(
                path,
                format!(
                    "\"coef\" has {} rows and \"intercept\" {} entries, expected {rows}",
                    m.coef.len(),
                    m.intercept.len()
                ),
            ));
        }
        if let Some(k) = m.coef.iter().position(|r| r.len() != m.n_features) {
            return Err(bad_model(
                path,
                format!(
                    "\"coef\" row {k} has {} entries, expected n_features = {}",
                    m.coef[k].len(),
                    m.n_features
                ),
            ));
        }
        let finite = m
            .coef
            .iter()
            .flatten()
            .chain(&m.intercept)
            .chain(&m.classes)
            .all(|v| v.is_finite());
        if !finite {
            return Err(bad_model(
                path,
                "a non-finite value in \"coef\", \"intercept\" or \"classes\"",
            ));
        }
        Ok(m)
    }

    /// The decision values t (n × rows) of every row of `x` (which must have `n_features` columns).
    pub fn decision(&self, x: &Design, data: &Path) -> Result<Array2<f64>, CliError> {
        if x.ncols() != self.n_features {
            // LIBSVM files infer d from the largest index seen: fewer columns are padded with zeros.
            if !(x.is_sparse() && x.ncols() < self.n_features) {
                return Err(CliError::Usage(format!(
                    "{}: {} features, but the model was fitted on {}",
                    data.display(),
                    x.ncols(),
                    self.n_features
                )));
            }
        }
        let rows = self.coef.len();
        let mut t = Array2::zeros((x.nrows(), rows));
        for (k, (w, &b)) in self.coef.iter().zip(&self.intercept).enumerate() {
            let w = Array1::from(w[..x.ncols()].to_vec());
            let mut col = Array1::zeros(x.nrows());
            x.matvec(w.view(), col.view_mut());
            t.column_mut(k).assign(&col.mapv(|v| v + b));
        }
        Ok(t)
    }

    /// Whether [`SavedModel::probabilities`] is defined.
    pub fn has_probabilities(&self) -> bool {
        matches!(self.loss.as_str(), "logistic" | "multinomial")
    }

    /// Predicted labels (original class values, or the regression output).
    pub fn predict(&self, t: &Array2<f64>) -> Array1<f64> {
        match self.kind {
            Kind::Regression => t.column(0).to_owned(),
            Kind::Binary => t
                .column(0)
                .mapv(|v| if v > 0.0 { self.classes[1] } else { self.classes[0] }),
            Kind::Multinomial | Kind::Ovr => t
                .rows()
                .into_iter()
                .map(|r| {
                    let mut best = 0;
                    for k in 1..r.len() {
                        if r[k] > r[best] {
                            best = k;
                        }
                    }
                    self.classes[best]
                })
                .collect(),
        }
    }

    /// Class probabilities (n × K, columns in the order of `classes`), or `None` when the loss defines none.
    pub fn probabilities(&self, t: &Array2<f64>) -> Option<Array2<f64>> {
        if !self.has_probabilities() {
            return None;
        }
        let sigmoid = gradus_oracle::loss::sigmoid;
        Some(match self.kind {
            Kind::Regression => return None,
            Kind::Binary => {
                let mut p = Array2::zeros((t.nrows(), 2));
                for (i, &v) in t.column(0).iter().enumerate() {
                    let p1 = sigmoid(v);
                    p[[i, 0]] = 1.0 - p1;
                    p[[i, 1]] = p1;
                }
                p
            }
            Kind::Multinomial => {
                let mut p = t.clone();
                for mut r in p.rows_mut() {
                    gradus_oracle::problems::softmax_in_place(r.as_slice_mut().expect("row-major"));
                }
                p
            }
            Kind::Ovr => {
                let mut p = t.mapv(sigmoid);
                for mut r in p.rows_mut() {
                    let s = r.sum();
                    if s > 0.0 {
                        r.mapv_inplace(|v| v / s);
                    } else {
                        let k = r.len() as f64;
                        r.fill(1.0 / k);
                    }
                }
                p
            }
        })
    }

    /// The mean log-loss −(1/n) Σᵢ log P(yᵢ | aᵢ) for class indices `y`, computed from the decision values without
    /// forming probabilities where a closed form exists (binary: softplus(∓t); multinomial: log Σ exp(t) − t_y);
    /// one-vs-rest uses its normalized probabilities. `None` when the loss defines no probabilities.
    pub fn log_loss(&self, t: &Array2<f64>, y: &[usize]) -> Option<f64> {
        if !self.has_probabilities() || y.is_empty() {
            return None;
        }
        let n = y.len() as f64;
        let total: f64 = match self.kind {
            Kind::Regression => return None,
            Kind::Binary => y
                .iter()
                .zip(t.column(0))
                .map(|(&c, &v)| gradus_oracle::loss::softplus(if c == 1 { -v } else { v }))
                .sum(),
            Kind::Multinomial => t
                .rows()
                .into_iter()
                .zip(y)
                .map(|(r, &c)| gradus_oracle::problems::log_sum_exp(r.as_slice().expect("row-major")) - r[c])
                .sum(),
            Kind::Ovr => {
                let p = self.probabilities(t)?;
                y.iter()
                    .enumerate()
                    .map(|(i, &c)| -p[[i, c]].max(f64::MIN_POSITIVE).ln())
                    .sum()
            }
        };
        Some(total / n)
    }

    /// The index in `classes` of every label, or an error naming the first label that is not one of them.
    pub fn class_indices(&self, y: &Array1<f64>, source: &Path) -> Result<Vec<usize>, CliError> {
        y.iter()
            .enumerate()
            .map(|(i, v)| {
                self.classes.iter().position(|c| c == v).ok_or_else(|| {
                    CliError::Usage(format!(
                        "{}: label {i} is {v}, not one of the model's classes {:?}",
                        source.display(),
                        self.classes
                    ))
                })
            })
            .collect()
    }
}

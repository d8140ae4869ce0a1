//! The Rust side of the Python package `gradus`: one function per input layout that fits a binary L2-regularized
//! logistic regression with a named gradus solver, with the GIL released during the solve.
//!
//! Objective (gradus's mean convention): F(w) = (1/n) Σᵢ log(1 + exp(−yᵢ aᵢᵀw)) + (λ/2)‖w‖², labels yᵢ ∈ {−1, +1}.
//! The solvers and their stopping rules are those of `gradus fit`: gd, agd and lbfgs stop when the certified
//! relative suboptimality is ≤ `tol`; the gradus-qning solvers (ista … qning-miso, auto) when the relative duality
//! gap is ≤ `tol`. `max_iter` is the budget in the solver's own iterations.
#![deny(missing_docs)]

use gradus_classic::{AgdParams, GdParams, LbfgsParams};
use gradus_oracle::design::{Csr, Design};
use gradus_oracle::{LinearModel, Loss, Objective, ObjectiveMonitor, Report, RunConfig, Silent, Stop};
use gradus_qning::{DualityGapMonitor, NamedOptions, solve_named};
use ndarray::{Array1, Array2};
use numpy::{IntoPyArray, PyArray1, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

/// What a fit returns to Python: weights, objective, passes over the data, iterations, status and the solver run.
type FitResult<'py> = (Bound<'py, PyArray1<f64>>, f64, f64, u64, String, String);

/// The solver names accepted: gradus fit's `--solver` values.
fn solver_names() -> Vec<&'static str> {
    ["gd", "agd", "lbfgs"]
        .into_iter()
        .chain(gradus_qning::SOLVER_NAMES.iter().copied())
        .collect()
}

/// Iterations between duality-gap checks of a gradus-qning solver: about one check per 4–10 passes of work, as in
/// `gradus fit` (see the CLI's `default_gap_every`).
fn gap_every(resolved: &str) -> u64 {
    if resolved.starts_with("catalyst-") || resolved.starts_with("qning-") {
        2
    } else if resolved == "svrg" {
        5
    } else if ["ista", "fista", "saga", "miso"].contains(&resolved) {
        10
    } else {
        2
    }
}

/// Options of one fit.
struct FitOptions {
    lambda: f64,
    solver: String,
    tol: f64,
    max_iter: u64,
    seed: u64,
}

fn value_error(e: impl std::fmt::Display) -> PyErr {
    PyValueError::new_err(e.to_string())
}

/// Fits the model from `x0` with the named solver; returns the report, the objective and the solver actually run.
fn solve(model: &LinearModel, x0: Array1<f64>, o: &FitOptions) -> Result<(Report, f64, String), String> {
    let n = model.n();
    let (report, used) = if gradus_qning::SOLVER_NAMES.contains(&o.solver.as_str()) {
        let resolved = if o.solver == "auto" {
            gradus_qning::auto::choose(model).0
        } else {
            o.solver.as_str()
        };
        let stop = Stop::iterations(o.max_iter).with_target("rel_gap", o.tol);
        let config = RunConfig::new(stop, n).record_every(gap_every(resolved));
        let options = NamedOptions {
            seed: o.seed,
            ..NamedOptions::default()
        };
        let monitor = DualityGapMonitor::new(model);
        solve_named(&o.solver, model, x0.view(), &config, &monitor, &mut Silent, &options).map_err(|e| e.to_string())?
    } else {
        let stop = Stop::iterations(o.max_iter).with_target("rel_subopt_bound", o.tol);
        let config = RunConfig::new(stop, n);
        let monitor = ObjectiveMonitor::new(model);
        let report = match o.solver.as_str() {
            "gd" => GdParams::new().solve(model, x0.view(), &config, &monitor, &mut Silent),
            "agd" => AgdParams::new()
                .adaptive_restart(true)
                .solve(model, x0.view(), &config, &monitor, &mut Silent),
            _ => LbfgsParams::new().solve(model, x0.view(), &config, &monitor, &mut Silent),
        }
        .map_err(|e| e.to_string())?;
        (report, o.solver.clone())
    };
    let objective = model.total_value(report.x.view());
    Ok((report, objective, used))
}

/// Checks the options and the labels, builds the model, and solves with the GIL released.
fn fit_design<'py>(
    py: Python<'py>,
    x: Design,
    y: Array1<f64>,
    x0: Option<Array1<f64>>,
    o: FitOptions,
) -> PyResult<FitResult<'py>> {
    if !solver_names().contains(&o.solver.as_str()) {
        return Err(value_error(format!(
            "solver '{}' is not one of {}",
            o.solver,
            solver_names().join(", ")
        )));
    }
    if !(o.lambda.is_finite() && o.lambda > 0.0) {
        return Err(value_error(format!("lambda = {} must be finite and > 0", o.lambda)));
    }
    if !(o.tol.is_finite() && o.tol > 0.0) {
        return Err(value_error(format!("tol = {} must be finite and > 0", o.tol)));
    }
    if let Some(i) = y.iter().position(|&v| v != 1.0 && v != -1.0) {
        return Err(value_error(format!("label {i} is {}, expected -1 or +1", y[i])));
    }
    let d = x.ncols();
    let x0 = match x0 {
        Some(w) if w.len() != d => {
            return Err(value_error(format!("warm start has {} weights, expected {d}", w.len())));
        }
        Some(w) => w,
        None => Array1::zeros(d),
    };
    let model = LinearModel::new(x, y, Loss::Logistic, o.lambda, 0.0).map_err(value_error)?;
    let n = model.n();
    let (report, objective, used) = py.detach(|| solve(&model, x0, &o)).map_err(value_error)?;
    let passes = report.work.passes(n);
    Ok((
        report.x.into_pyarray(py),
        objective,
        passes,
        report.iterations,
        report.status.name().to_string(),
        used,
    ))
}

/// Fits a binary L2-logistic model on a dense C-contiguous float64 matrix `x` (n × d) and labels `y` in {−1, +1}.
///
/// Returns `(weights, objective, passes, iterations, status, solver_run)`.
#[pyfunction]
#[pyo3(signature = (x, y, lambda_, solver, tol, max_iter, seed, x0=None))]
#[allow(clippy::too_many_arguments)]
fn fit_logistic_dense<'py>(
    py: Python<'py>,
    x: PyReadonlyArray2<'py, f64>,
    y: PyReadonlyArray1<'py, f64>,
    lambda_: f64,
    solver: String,
    tol: f64,
    max_iter: u64,
    seed: u64,
    x0: Option<PyReadonlyArray1<'py, f64>>,
) -> PyResult<FitResult<'py>> {
    let xv = x.as_array();
    if xv.nrows() != y.len()? {
        return Err(value_error(format!(
            "x has {} rows but y has {} labels",
            xv.nrows(),
            y.len()?
        )));
    }
    let x: Array2<f64> = xv.to_owned();
    let design = Design::dense(x).map_err(value_error)?;
    let options = FitOptions {
        lambda: lambda_,
        solver,
        tol,
        max_iter,
        seed,
    };
    fit_design(
        py,
        design,
        y.as_array().to_owned(),
        x0.map(|w| w.as_array().to_owned()),
        options,
    )
}

/// Fits a binary L2-logistic model on a CSR matrix given by its parts (sorted, unique column indices per row, as
/// after SciPy's `sum_duplicates`), labels `y` in {−1, +1}.
///
/// Returns `(weights, objective, passes, iterations, status, solver_run)`.
#[pyfunction]
#[pyo3(signature = (shape, indptr, indices, data, y, lambda_, solver, tol, max_iter, seed, x0=None))]
#[allow(clippy::too_many_arguments)]
fn fit_logistic_csr<'py>(
    py: Python<'py>,
    shape: (usize, usize),
    indptr: PyReadonlyArray1<'py, i64>,
    indices: PyReadonlyArray1<'py, i64>,
    data: PyReadonlyArray1<'py, f64>,
    y: PyReadonlyArray1<'py, f64>,
    lambda_: f64,
    solver: String,
    tol: f64,
    max_iter: u64,
    seed: u64,
    x0: Option<PyReadonlyArray1<'py, f64>>,
) -> PyResult<FitResult<'py>> {
    let to_usize = |v: i64, what: &str| usize::try_from(v).map_err(|_| value_error(format!("negative {what} {v}")));
    let indptr: Vec<usize> = indptr
        .as_array()
        .iter()
        .map(|&v| to_usize(v, "row offset"))
        .collect::<PyResult<_>>()?;
    let indices: Vec<u32> = indices
        .as_array()
        .iter()
        .map(|&v| u32::try_from(v).map_err(|_| value_error(format!("column index {v} out of range"))))
        .collect::<PyResult<_>>()?;
    let (n, d) = shape;
    if n != y.len()? {
        return Err(value_error(format!("x has {n} rows but y has {} labels", y.len()?)));
    }
    let csr = Csr::new(n, d, indptr, indices, data.as_array().to_vec()).map_err(value_error)?;
    let design = Design::sparse(csr).map_err(value_error)?;
    let options = FitOptions {
        lambda: lambda_,
        solver,
        tol,
        max_iter,
        seed,
    };
    fit_design(
        py,
        design,
        y.as_array().to_owned(),
        x0.map(|w| w.as_array().to_owned()),
        options,
    )
}

/// The solver names `fit_logistic_*` accept.
#[pyfunction]
fn solvers() -> Vec<&'static str> {
    solver_names()
}

/// gradus's compiled core.
#[pymodule]
fn _gradus(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(fit_logistic_dense, m)?)?;
    m.add_function(wrap_pyfunction!(fit_logistic_csr, m)?)?;
    m.add_function(wrap_pyfunction!(solvers, m)?)?;
    Ok(())
}

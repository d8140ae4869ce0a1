//! The Rust side of the Python package `gradus`: [`LinearProblem`], a regularized linear model built from a dense
//! or a CSR matrix (one constructor per layout, the loss a parameter, so the logistic regression and the
//! squared-loss estimators share it), and its `solve` with a named gradus solver, the GIL released.
//!
//! Objective (gradus's mean convention, [`LinearModel`]):
//! F(w) = (1/n) Σᵢ φ(aᵢᵀw; yᵢ) + (λ₂/2)‖w‖² + λ₁‖w‖₁, with φ logistic (labels ±1) or squared, ½(m − y)².
//!
//! Solvers and stopping rules are those of `gradus fit`: `gd`, `agd`, `lbfgs`, `newton` (smooth problems, λ₁ = 0)
//! stop when the certified relative suboptimality is ≤ `tol` (the gradient norm when λ₂ = 0); gradus-qning's
//! solvers (`ista` … `qning-miso`) when the relative duality gap is ≤ `tol`, its checks counted in the passes as the
//! CLI counts them. `max_iter` is the budget in the solver's own iterations. `auto` resolves by the CLI's rule
//! ([`choose_solver`]).
//!
//! Copies: a dense matrix is copied exactly once, when the problem is built, into the row-major `Array2` gradus's
//! `Design` owns, whatever its memory layout (C or Fortran order, strided); the optional column offsets
//! (`x_offset`, the centring of an intercept fit) are subtracted during that copy. A CSR matrix is copied once too
//! (its values, and its int32 or int64 index arrays converted to gradus's integer types while they are copied). `solve` copies nothing.
#![deny(missing_docs)]

use gradus_classic::{AgdParams, GdParams, LbfgsParams, NEWTON_MAX_DIM, NewtonParams};
use gradus_oracle::design::{Csr, Design};
use gradus_oracle::{LinearModel, Loss, Objective, ObjectiveMonitor, Report, RunConfig, Silent, Status, Stop};
use gradus_qning::{DualityGapMonitor, NamedOptions, solve_named};
use ndarray::{Array1, Array2};
use numpy::{IntoPyArray, PyArray1, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

/// What a fit returns to Python: weights, objective, passes over the data, iterations, status and the solver run.
type FitResult<'py> = (Bound<'py, PyArray1<f64>>, f64, f64, u64, String, String);

/// The solvers stopped on the certified suboptimality bound (gradus-classic); the others are gradus-qning's
/// [`gradus_qning::SOLVER_NAMES`], stopped on the certified relative duality gap. The same lists as `gradus fit`.
const CLASSIC_SOLVERS: &[&str] = &["gd", "agd", "lbfgs", "newton"];

/// Every solver name accepted: `gradus fit --solver`'s values.
fn solver_names() -> Vec<&'static str> {
    CLASSIC_SOLVERS
        .iter()
        .chain(gradus_qning::SOLVER_NAMES)
        .copied()
        .collect()
}

/// `auto`, the rule of `gradus fit` (its `choose_solver`, which lives in the CLI binary and cannot be imported):
/// λ₁ > 0: `fista` when n < 1000, else gradus-qning's choice; λ₁ = 0: `newton` on a dense design with d ≤ 100 and
/// λ₂ > 0, else `lbfgs`. The measurements behind it are in the CLI's docs.
fn choose_solver(model: &LinearModel) -> &'static str {
    let (n, d) = (model.n(), model.dim());
    if model.l1() > 0.0 {
        if n < 1000 {
            "fista"
        } else {
            gradus_qning::auto::choose(model).0
        }
    } else if !model.design().is_sparse() && d <= 100.min(NEWTON_MAX_DIM) && model.l2() > 0.0 {
        "newton"
    } else {
        "lbfgs"
    }
}

/// Iterations between duality-gap checks of a gradus-qning solver, as `gradus fit`'s `default_gap_every`: about
/// one check per 4–10 passes of solver work.
fn gap_every(resolved: &str) -> u64 {
    match resolved {
        "svrg" => 5,
        "ista" | "fista" | "saga" | "miso" => 10,
        _ => 2,
    }
}

/// Options of one solve.
struct FitOptions {
    solver: String,
    tol: f64,
    max_iter: u64,
    seed: u64,
}

fn value_error(e: impl std::fmt::Display) -> PyErr {
    PyValueError::new_err(e.to_string())
}

/// Runs a named solver from `x0`; returns the report and the solver actually run (`auto` resolved).
fn solve(model: &LinearModel, x0: Array1<f64>, o: &FitOptions) -> Result<(Report, String), String> {
    let n = model.n();
    let solver = if o.solver == "auto" {
        choose_solver(model)
    } else {
        o.solver.as_str()
    };
    if gradus_qning::SOLVER_NAMES.contains(&solver) {
        let stop = Stop::iterations(o.max_iter).with_target("rel_gap", o.tol);
        let monitor = DualityGapMonitor::new(model);
        let options = NamedOptions {
            seed: o.seed,
            // The gap checks decide when to stop: their passes are part of the method's work, as in `gradus fit`.
            check_passes: monitor.passes_per_check(),
            ..NamedOptions::default()
        };
        let config = RunConfig::new(stop, n).record_every(gap_every(solver));
        let (report, _) = solve_named(solver, model, x0.view(), &config, &monitor, &mut Silent, &options)
            .map_err(|e| e.to_string())?;
        return Ok((report, solver.to_string()));
    }
    if model.l1() > 0.0 {
        return Err(format!(
            "solver '{solver}' needs a smooth objective but l1 = {} > 0: use a proximal solver (ista, fista, svrg, \
             saga, miso, catalyst-*, qning-*, auto)",
            model.l1()
        ));
    }
    let stop = Stop::iterations(o.max_iter);
    let stop = if model.strong_convexity() > 0.0 {
        stop.with_target("rel_subopt_bound", o.tol)
    } else {
        stop.with_target("grad_norm", o.tol)
    };
    let config = RunConfig::new(stop, n);
    let monitor = ObjectiveMonitor::new(model);
    let x = x0.view();
    let report = match solver {
        "gd" => GdParams::new().solve(model, x, &config, &monitor, &mut Silent),
        "agd" => AgdParams::new()
            .adaptive_restart(true)
            .solve(model, x, &config, &monitor, &mut Silent),
        "newton" => NewtonParams::new()
            .gradient_tolerance(0.0)
            .solve(model, x, &config, &monitor, &mut Silent),
        _ => LbfgsParams::new().solve(model, x, &config, &monitor, &mut Silent),
    }
    .map_err(|e| e.to_string())?;
    Ok((never_worse_than_start(model, &x0, report), solver.to_string()))
}

/// A classic solver's report whose objective ended above its value at x0 returns x0 as diverged (the gradus-qning
/// solvers guard themselves; `gradus fit` does the same).
fn never_worse_than_start(model: &LinearModel, x0: &Array1<f64>, mut report: Report) -> Report {
    let f0 = model.total_value(x0.view());
    let f = model.total_value(report.x.view());
    if f.is_nan() || f > f0 + 1e-12 * f0.abs() {
        report.x.assign(x0);
        report.status = Status::Diverged {
            iteration: report.iterations,
            last_finite: x0.clone(),
        };
    }
    report
}

/// Checks a loss name.
fn parse_loss(loss: &str) -> PyResult<Loss> {
    match loss {
        "logistic" => Ok(Loss::Logistic),
        "squared" => Ok(Loss::Squared),
        "squared-hinge" => Ok(Loss::SquaredHinge),
        other => Err(value_error(format!(
            "loss '{other}' is not one of logistic, squared, squared-hinge"
        ))),
    }
}

/// Checks λ₂, λ₁ ≥ 0 and finite.
fn check_penalties(l2: f64, l1: f64) -> PyResult<()> {
    for (name, v) in [("l2", l2), ("l1", l1)] {
        if !(v.is_finite() && v >= 0.0) {
            return Err(value_error(format!("{name} = {v} must be finite and >= 0")));
        }
    }
    Ok(())
}

/// Checks the solver's options.
fn options(solver: String, tol: f64, max_iter: u64, seed: u64) -> PyResult<FitOptions> {
    if !solver_names().contains(&solver.as_str()) {
        return Err(value_error(format!(
            "solver '{solver}' is not one of {}",
            solver_names().join(", ")
        )));
    }
    if !(tol.is_finite() && tol > 0.0) {
        return Err(value_error(format!("tol = {tol} must be finite and > 0")));
    }
    if max_iter == 0 {
        return Err(value_error("max_iter = 0 must be >= 1"));
    }
    Ok(FitOptions {
        solver,
        tol,
        max_iter,
        seed,
    })
}

/// A CSR index array as SciPy stores it: int32 (its default) or int64 (large matrices), read without conversion.
#[derive(FromPyObject)]
enum IndexArray<'py> {
    /// int32 indices.
    I32(PyReadonlyArray1<'py, i32>),
    /// int64 indices.
    I64(PyReadonlyArray1<'py, i64>),
}

impl IndexArray<'_> {
    /// The one copy, into gradus's integer type; an entry out of its range is a ValueError naming it.
    fn convert<T: TryFrom<i64>>(&self, what: &str) -> PyResult<Vec<T>> {
        let one = |v: i64| T::try_from(v).map_err(|_| value_error(format!("{what} {v} is out of range")));
        match self {
            IndexArray::I32(a) => a.as_array().iter().map(|&v| one(i64::from(v))).collect(),
            IndexArray::I64(a) => a.as_array().iter().map(|&v| one(v)).collect(),
        }
    }
}

/// A regularized linear model held by the compiled core: its data were copied once when it was built, and every
/// `solve` runs on them without another copy (benchopt times `solve` only).
///
/// F(w) = (1/n) Σᵢ φ(aᵢᵀw; yᵢ) + (λ₂/2)‖w‖² + λ₁‖w‖₁ with `loss` φ = `logistic` (labels in {−1, +1}), `squared` or
/// `squared-hinge` (labels in {−1, +1}).
#[pyclass(frozen, module = "gradus._gradus")]
struct LinearProblem {
    model: LinearModel,
}

#[pymethods]
impl LinearProblem {
    /// From a dense float64 matrix `x` (n × d, any memory layout). `x_offset` (length d), when given, is subtracted
    /// from every row while `x` is copied into gradus's row-major storage (the one copy made).
    #[staticmethod]
    #[pyo3(signature = (x, y, loss, l2, l1, x_offset=None))]
    fn dense(
        x: PyReadonlyArray2<'_, f64>,
        y: PyReadonlyArray1<'_, f64>,
        loss: &str,
        l2: f64,
        l1: f64,
        x_offset: Option<PyReadonlyArray1<'_, f64>>,
    ) -> PyResult<Self> {
        let loss = parse_loss(loss)?;
        check_penalties(l2, l1)?;
        let xv = x.as_array();
        let (n, d) = xv.dim();
        if n != y.len()? {
            return Err(value_error(format!("x has {n} rows but y has {} targets", y.len()?)));
        }
        let offset = match &x_offset {
            Some(o) if o.len()? != d => {
                return Err(value_error(format!("x_offset has {} entries, expected {d}", o.len()?)));
            }
            Some(o) => o.as_array().to_owned(),
            None => Array1::zeros(d),
        };
        // The one copy: row by row into a row-major buffer, subtracting the offsets on the way.
        let mut buf = Vec::with_capacity(n * d);
        for row in xv.rows() {
            buf.extend(row.iter().zip(offset.iter()).map(|(&v, &c)| v - c));
        }
        let x = Array2::from_shape_vec((n, d), buf).map_err(value_error)?;
        let design = Design::dense(x).map_err(value_error)?;
        let model = LinearModel::new(design, y.as_array().to_owned(), loss, l2, l1).map_err(value_error)?;
        Ok(LinearProblem { model })
    }

    /// From a CSR matrix given by its parts (sorted, unique column indices per row, as after SciPy's
    /// `sum_duplicates`); its values and indices are copied once.
    #[staticmethod]
    #[allow(clippy::too_many_arguments)]
    fn csr(
        shape: (usize, usize),
        indptr: IndexArray<'_>,
        indices: IndexArray<'_>,
        data: PyReadonlyArray1<'_, f64>,
        y: PyReadonlyArray1<'_, f64>,
        loss: &str,
        l2: f64,
        l1: f64,
    ) -> PyResult<Self> {
        let loss = parse_loss(loss)?;
        check_penalties(l2, l1)?;
        let (n, d) = shape;
        if n != y.len()? {
            return Err(value_error(format!("x has {n} rows but y has {} targets", y.len()?)));
        }
        let indptr: Vec<usize> = indptr.convert("row offset")?;
        let indices: Vec<u32> = indices.convert("column index")?;
        let csr = Csr::new(n, d, indptr, indices, data.as_array().to_vec()).map_err(value_error)?;
        let design = Design::sparse(csr).map_err(value_error)?;
        let model = LinearModel::new(design, y.as_array().to_owned(), loss, l2, l1).map_err(value_error)?;
        Ok(LinearProblem { model })
    }

    /// Solves from `x0` (zeros when None) with a named solver, the GIL released.
    ///
    /// Returns `(weights, objective, passes, iterations, status, solver_run)`: the objective F reached, passes over
    /// the data (gradient evaluations and duality-gap checks, divided by n), the solver's iterations, how it ended
    /// (`converged`, `max-iterations`, `stalled`, `diverged`, …) and the solver run (`auto` resolved).
    #[pyo3(signature = (solver, tol, max_iter, seed, x0=None))]
    fn solve<'py>(
        &self,
        py: Python<'py>,
        solver: String,
        tol: f64,
        max_iter: u64,
        seed: u64,
        x0: Option<PyReadonlyArray1<'py, f64>>,
    ) -> PyResult<FitResult<'py>> {
        let o = options(solver, tol, max_iter, seed)?;
        let model = &self.model;
        let d = model.dim();
        let x0 = match x0 {
            Some(w) if w.len()? != d => {
                return Err(value_error(format!(
                    "warm start has {} weights, expected {d}",
                    w.len()?
                )));
            }
            Some(w) => w.as_array().to_owned(),
            None => Array1::zeros(d),
        };
        let (report, used) = py.detach(|| solve(model, x0, &o)).map_err(value_error)?;
        let objective = model.total_value(report.x.view());
        let passes = report.work.passes(model.n());
        Ok((
            report.x.into_pyarray(py),
            objective,
            passes,
            report.iterations,
            report.status.name().to_string(),
            used,
        ))
    }

    /// The number of samples n.
    #[getter]
    fn n(&self) -> usize {
        self.model.n()
    }

    /// The number of features d.
    #[getter]
    fn d(&self) -> usize {
        self.model.dim()
    }
}

/// The solver names `LinearProblem.solve` accepts (`gradus fit --solver`'s).
#[pyfunction]
fn solvers() -> Vec<&'static str> {
    solver_names()
}

/// The solvers that accept an L1 penalty (the proximal ones, gradus-qning's, with `auto`).
#[pyfunction]
fn proximal_solvers() -> Vec<&'static str> {
    gradus_qning::SOLVER_NAMES.to_vec()
}

/// gradus's compiled core.
#[pymodule]
fn _gradus(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<LinearProblem>()?;
    m.add_function(wrap_pyfunction!(solvers, m)?)?;
    m.add_function(wrap_pyfunction!(proximal_solvers, m)?)?;
    Ok(())
}

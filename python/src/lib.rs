//! The Rust side of the Python package `gradus`: [`LinearProblem`], a regularized linear model (optionally with an
//! unpenalized intercept), and [`MultinomialProblem`], the softmax model, each built from a dense or a CSR matrix
//! (one constructor per layout), and their `solve` with a named gradus solver, the GIL released.
//!
//! Objectives (gradus's mean convention, [`LinearModel`] and [`Multinomial`]):
//! F(w, b) = (1/n) Σᵢ φ(aᵢᵀw + b; yᵢ) + (λ₂/2)‖w‖² + λ₁‖w‖₁, with φ logistic (labels ±1) or squared, ½(m − y)²,
//! and b = 0 without an intercept; F(W, b) = (1/n) Σᵢ [log Σₖ exp(sᵢₖ) − sᵢ,yᵢ] + (λ₂/2)‖W‖²_F, sᵢ = Wᵀaᵢ + b.
//!
//! Solvers and stopping rules are those of `gradus fit`: `gd`, `agd`, `lbfgs`, `lbfgs-precond`, `newton` (smooth problems, λ₁ = 0)
//! stop when the certified relative suboptimality is ≤ `tol` (the gradient norm ‖∇F‖ when F is not known to be
//! strongly convex: λ₂ = 0, or an intercept); gradus-qning's solvers (`ista` … `qning-miso`) on a linear model
//! without intercept run its fast path and stop when the relative duality gap is ≤ `tol`, its checks counted in the
//! passes as the CLI counts them. On an intercept model and on the multinomial model gradus-qning's solvers run its
//! generic path ([`solve_finite_sum`]), which is exact there (the models keep λ₂ in their smooth part, which skips
//! b, and report no [`gradus_oracle::Regularizer`], so nothing else shrinks b), and stop on the same rule as the
//! classic solvers, each check (one gradient, one pass) counted in the passes. `max_iter` is the budget in the
//! solver's own iterations. `auto` resolves by the CLI's rule, the same function ([`gradus_qning::choose_solver`]).
//!
//! Copies: a C-contiguous, aligned float64 matrix is used in place, without a copy (gradus's `Design` borrows its
//! values and holds a reference to the array; NumPy puts large arrays on huge pages, and memory not on them yet is
//! moved there on Linux, values and addresses unchanged, see `gradus_oracle::memory::collapse_huge_pages`). Any
//! other layout (Fortran order, strided) is copied once, when the problem is built, into a row-major buffer, and so
//! is a matrix with column offsets (`x_offset`, the centring of a squared-loss intercept fit), subtracted during
//! that copy. With an intercept in the model the core makes a copy with a column of ones appended (a copy made for
//! the offsets is freed). A CSR matrix's values and int32 column indices are used in place too (int64 indices are
//! converted, a copy); its row offsets (n + 1 entries) are always converted. `solve` and `set_labels` copy no data.
//! The values must not be written from Python while a problem built on them lives: the fit reads them in place, as
//! scikit-learn's solvers do.
#![deny(missing_docs)]

use gradus_classic::{AgdParams, GdParams, LbfgsParams, NewtonParams, PreconditionedLbfgsParams};
use gradus_oracle::design::{Csr, DenseMatrix, Design};
use gradus_oracle::values::Values;
use gradus_oracle::{
    FiniteSum, LinearModel, Loss, Multinomial, Objective, ObjectiveMonitor, Report, RunConfig, Silent, Status, Stop,
};
use gradus_qning::{DualityGapMonitor, NamedOptions, solve_finite_sum, solve_named};
use ndarray::{Array1, Array2};
use numpy::{IntoPyArray, PyArray1, PyArray2, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

/// What a fit returns to Python: weights, objective, passes over the data, iterations, status and the solver run.
type FitResult<'py> = (Bound<'py, PyArray1<f64>>, f64, f64, u64, String, String);

/// The solvers stopped on the certified suboptimality bound (gradus-classic); the others are gradus-qning's
/// [`gradus_qning::SOLVER_NAMES`], stopped on the certified relative duality gap. The same lists as `gradus fit`.
const CLASSIC_SOLVERS: &[&str] = &["gd", "agd", "lbfgs", "lbfgs-precond", "newton"];

/// Every solver name accepted: `gradus fit --solver`'s values.
fn solver_names() -> Vec<&'static str> {
    CLASSIC_SOLVERS
        .iter()
        .chain(gradus_qning::SOLVER_NAMES)
        .copied()
        .collect()
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

/// Runs a named solver from `x0` on a linear model; returns the report and the solver actually run (`auto`
/// resolved). gradus-qning's solvers run the fast path without an intercept, the generic path with one.
fn solve_linear(model: &LinearModel, x0: Array1<f64>, o: &FitOptions) -> Result<(Report, String), String> {
    let n = model.n();
    let solver = if o.solver == "auto" {
        // `gradus fit`'s rule, the same function.
        gradus_qning::choose_solver(model).0
    } else {
        o.solver.as_str()
    };
    if gradus_qning::SOLVER_NAMES.contains(&solver) {
        if model.has_intercept() {
            return solve_generic(model, solver, x0, o);
        }
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
    if solver == "newton" || solver == "lbfgs-precond" {
        let config = classic_config(model, o);
        let monitor = ObjectiveMonitor::new(model);
        let report = if solver == "newton" {
            NewtonParams::new()
                .gradient_tolerance(0.0)
                .solve(model, x0.view(), &config, &monitor, &mut Silent)
        } else {
            PreconditionedLbfgsParams::new().solve(model, x0.view(), &config, &monitor, &mut Silent)
        }
        .map_err(|e| e.to_string())?;
        return Ok((never_worse_than_start(model, &x0, report), solver.to_string()));
    }
    solve_classic(model, solver, x0, o)
}

/// The classic solvers of the multinomial model (`auto` is lbfgs, as in `gradus fit`); gradus-qning's solvers run on
/// it too, through the generic path (plain `miso` only without an intercept: it needs μ > 0).
const MULTINOMIAL_CLASSIC: &[&str] = &["auto", "gd", "agd", "lbfgs"];

/// Runs a named solver from `x0` on the multinomial model.
fn solve_multinomial(model: &Multinomial, x0: Array1<f64>, o: &FitOptions) -> Result<(Report, String), String> {
    let solver = if o.solver == "auto" { "lbfgs" } else { o.solver.as_str() };
    if gradus_qning::SOLVER_NAMES.contains(&solver) {
        return solve_generic(model, solver, x0, o);
    }
    if !MULTINOMIAL_CLASSIC.contains(&solver) {
        return Err(format!(
            "solver '{solver}' does not run on the multinomial model: use one of {}",
            multinomial_solver_names().join(", ")
        ));
    }
    solve_classic(model, solver, x0, o)
}

/// Every solver name of the multinomial model.
fn multinomial_solver_names() -> Vec<&'static str> {
    MULTINOMIAL_CLASSIC
        .iter()
        .chain(gradus_qning::SOLVER_NAMES.iter().filter(|n| **n != "auto"))
        .copied()
        .collect()
}

/// The stopping rule of gd, agd, lbfgs, newton and of the generic path: certified relative suboptimality ≤ tol
/// when F is strongly convex, else ‖∇F‖ ≤ tol (as `gradus fit`).
fn classic_config(problem: &dyn FiniteSum, o: &FitOptions) -> RunConfig {
    let stop = Stop::iterations(o.max_iter);
    let stop = if problem.strong_convexity() > 0.0 {
        stop.with_target("rel_subopt_bound", o.tol)
    } else {
        stop.with_target("grad_norm", o.tol)
    };
    RunConfig::new(stop, problem.len())
}

/// gd, agd or lbfgs on any smooth objective, the start returned as diverged when the end is worse.
fn solve_classic(
    problem: &dyn FiniteSum,
    solver: &str,
    x0: Array1<f64>,
    o: &FitOptions,
) -> Result<(Report, String), String> {
    let config = classic_config(problem, o);
    let monitor = ObjectiveMonitor::new(problem);
    let x = x0.view();
    let report = match solver {
        "gd" => GdParams::new().solve(problem, x, &config, &monitor, &mut Silent),
        "agd" => AgdParams::new()
            .adaptive_restart(true)
            .solve(problem, x, &config, &monitor, &mut Silent),
        _ => LbfgsParams::new().solve(problem, x, &config, &monitor, &mut Silent),
    }
    .map_err(|e| e.to_string())?;
    let used = if solver == "auto" { "lbfgs" } else { solver };
    Ok((never_worse_than_start(problem, &x0, report), used.to_string()))
}

/// A gradus-qning solver on its generic path ([`solve_finite_sum`]), stopped as the classic solvers are, each check
/// (one value and gradient: one pass) counted in the work.
fn solve_generic(
    problem: &dyn FiniteSum,
    solver: &str,
    x0: Array1<f64>,
    o: &FitOptions,
) -> Result<(Report, String), String> {
    if solver == "miso" && problem.strong_convexity() <= 0.0 {
        let others: Vec<&str> = gradus_qning::SOLVER_NAMES
            .iter()
            .copied()
            .filter(|n| *n != "miso" && *n != "auto")
            .collect();
        return Err(format!(
            "solver 'miso' needs a strongly convex objective, and a model with an unpenalized intercept is not: \
             use gd, agd, lbfgs or one of {}",
            others.join(", ")
        ));
    }
    let config = classic_config(problem, o).record_every(gap_every(solver));
    let monitor = ObjectiveMonitor::new(problem);
    let options = NamedOptions {
        seed: o.seed,
        check_passes: 1,
        ..NamedOptions::default()
    };
    let (report, _) = solve_finite_sum(solver, problem, x0.view(), &config, &monitor, &mut Silent, &options)
        .map_err(|e| e.to_string())?;
    Ok((report, solver.to_string()))
}

/// A classic solver's report whose objective ended above its value at x0 returns x0 as diverged (the gradus-qning
/// solvers guard themselves; `gradus fit` does the same).
fn never_worse_than_start(model: &dyn Objective, x0: &Array1<f64>, mut report: Report) -> Report {
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

/// The dense design. A C-contiguous, aligned `x` without `x_offset` is used in place: the design borrows its values
/// and holds a reference to the array, which keeps it alive (and memory not on huge pages yet is moved there where
/// Linux allows, [`gradus_oracle::memory::collapse_huge_pages`], which changes no value). Otherwise `x` is copied
/// once, row by row into a row-major buffer, `x_offset` (length d) subtracted from every row on the way when given.
fn dense_design(x: &PyReadonlyArray2<'_, f64>, x_offset: Option<&PyReadonlyArray1<'_, f64>>) -> PyResult<Design> {
    let xv = x.as_array();
    let (n, d) = xv.dim();
    if x_offset.is_none() && xv.is_standard_layout() && xv.as_ptr().is_aligned() && n * d > 0 {
        let values = xv.as_slice().expect("a C-contiguous array is one row-major slice");
        gradus_oracle::memory::collapse_huge_pages(values);
        let owner: Py<PyArray2<f64>> = x.as_unbound().clone_ref(x.py());
        // SAFETY: `values` (n · d aligned f64) is the memory of the array `owner` refers to; holding `owner` keeps
        // the array, and so its buffer, alive for as long as the design lives (NumPy does not free or resize the
        // buffer of an array that is referenced). Its values must not be written while a fit runs, as for any
        // estimator that reads its input in place; the design itself never writes them (it copies on write).
        let matrix = unsafe { DenseMatrix::borrowed(values.as_ptr(), n, d, Box::new(owner)) };
        return Design::dense_matrix(matrix).map_err(value_error);
    }
    let offset = match x_offset {
        Some(o) if o.len()? != d => {
            return Err(value_error(format!("x_offset has {} entries, expected {d}", o.len()?)));
        }
        Some(o) => o.as_array().to_owned(),
        None => Array1::zeros(d),
    };
    let mut buf = Vec::with_capacity(n * d);
    for row in xv.rows() {
        buf.extend(row.iter().zip(offset.iter()).map(|(&v, &c)| v - c));
    }
    let x = Array2::from_shape_vec((n, d), buf).map_err(value_error)?;
    Design::dense(x).map_err(value_error)
}

/// The CSR design from its parts (sorted, unique column indices per row): contiguous float64 values and int32
/// column indices are used in place as the dense values are (the design holds references to those arrays); int64
/// indices are converted (a copy), and so are the row offsets.
fn csr_design(
    shape: (usize, usize),
    indptr: &IndexArray<'_>,
    indices: &IndexArray<'_>,
    data: &PyReadonlyArray1<'_, f64>,
) -> PyResult<Design> {
    let (n, d) = shape;
    let indptr: Vec<usize> = indptr.convert("row offset")?;
    let indices = match indices {
        IndexArray::I32(a) if a.as_slice().is_ok_and(|s| s.as_ptr().is_aligned()) => {
            let owner: Py<PyArray1<i32>> = a.as_unbound().clone_ref(a.py());
            let s = a.as_slice().map_err(value_error)?;
            if let Some(v) = s.iter().find(|&&v| v < 0) {
                return Err(value_error(format!("column index {v} is out of range")));
            }
            // SAFETY: as for the dense values: `owner` keeps the index array alive and unchanged while the design
            // lives. An i32 has the size and alignment of a u32, and every index is ≥ 0 (checked above), so each
            // reads as the same u32.
            unsafe { Values::borrowed(s.as_ptr().cast::<u32>(), s.len(), Box::new(owner)) }
        }
        other => Values::owned(other.convert("column index")?),
    };
    let values = match data.as_slice() {
        Ok(s) if s.as_ptr().is_aligned() => {
            let owner: Py<PyArray1<f64>> = data.as_unbound().clone_ref(data.py());
            // SAFETY: `owner` keeps the value array alive and unchanged while the design lives.
            unsafe { Values::borrowed(s.as_ptr(), s.len(), Box::new(owner)) }
        }
        _ => Values::owned(data.as_array().to_vec()),
    };
    let csr = Csr::from_values(n, d, indptr, indices, values).map_err(value_error)?;
    Design::sparse(csr).map_err(value_error)
}

/// Checks that there is one target per row.
fn check_rows(n: usize, targets: usize) -> PyResult<()> {
    if n != targets {
        return Err(value_error(format!("x has {n} rows but y has {targets} targets")));
    }
    Ok(())
}

/// The linear model over a design, with or without an intercept.
fn linear_model(
    design: Design,
    y: &PyReadonlyArray1<'_, f64>,
    loss: &str,
    l2: f64,
    l1: f64,
    intercept: bool,
) -> PyResult<LinearModel> {
    let loss = parse_loss(loss)?;
    check_penalties(l2, l1)?;
    check_rows(design.nrows(), y.len()?)?;
    let y = y.as_array().to_owned();
    if intercept {
        LinearModel::with_intercept(design, y, loss, l2, l1).map_err(value_error)
    } else {
        LinearModel::new(design, y, loss, l2, l1).map_err(value_error)
    }
}

/// A start vector of length `dim` (zeros when None).
fn start(x0: Option<PyReadonlyArray1<'_, f64>>, dim: usize) -> PyResult<Array1<f64>> {
    match x0 {
        Some(w) if w.len()? != dim => Err(value_error(format!(
            "warm start has {} parameters, expected {dim}",
            w.len()?
        ))),
        Some(w) => Ok(w.as_array().to_owned()),
        None => Ok(Array1::zeros(dim)),
    }
}

/// The tuple returned to Python from a report.
fn fit_result<'py>(py: Python<'py>, problem: &dyn FiniteSum, report: Report, used: String) -> FitResult<'py> {
    let objective = problem.total_value(report.x.view());
    let passes = report.work.passes(problem.len());
    (
        report.x.into_pyarray(py),
        objective,
        passes,
        report.iterations,
        report.status.name().to_string(),
        used,
    )
}

/// A regularized linear model held by the compiled core: its data were used in place or copied once when it was
/// built (module docs, "Copies"), and every `solve` runs on them without another copy (benchopt times `solve`
/// only).
///
/// F(w, b) = (1/n) Σᵢ φ(aᵢᵀw + b; yᵢ) + (λ₂/2)‖w‖² + λ₁‖w‖₁ with `loss` φ = `logistic` (labels in {−1, +1}),
/// `squared` or `squared-hinge` (labels in {−1, +1}); b is fitted, unpenalized, with `intercept` (then λ₁ must be
/// 0), and is the last parameter; b = 0 otherwise. `set_labels` replaces y and keeps the data, so the K fits of
/// one-vs-rest share one copy.
#[pyclass(module = "gradus._gradus")]
struct LinearProblem {
    model: LinearModel,
}

#[pymethods]
impl LinearProblem {
    /// From a dense float64 matrix `x` (n × d, any memory layout), used in place when C-contiguous and aligned
    /// without `x_offset`. `x_offset` (length d), when given, is subtracted from every row while `x` is copied into
    /// gradus's row-major storage. With `intercept` the core copies the values with a column of ones appended.
    #[staticmethod]
    #[pyo3(signature = (x, y, loss, l2, l1, x_offset=None, intercept=false))]
    fn dense(
        x: PyReadonlyArray2<'_, f64>,
        y: PyReadonlyArray1<'_, f64>,
        loss: &str,
        l2: f64,
        l1: f64,
        x_offset: Option<PyReadonlyArray1<'_, f64>>,
        intercept: bool,
    ) -> PyResult<Self> {
        check_rows(x.as_array().nrows(), y.len()?)?;
        let design = dense_design(&x, x_offset.as_ref())?;
        Ok(LinearProblem {
            model: linear_model(design, &y, loss, l2, l1, intercept)?,
        })
    }

    /// From a CSR matrix given by its parts (sorted, unique column indices per row, as after SciPy's
    /// `sum_duplicates`); float64 values and int32 indices are used in place (copied with `intercept`, with one
    /// entry per row added for the column of ones).
    #[staticmethod]
    #[allow(clippy::too_many_arguments)]
    #[pyo3(signature = (shape, indptr, indices, data, y, loss, l2, l1, intercept=false))]
    fn csr(
        shape: (usize, usize),
        indptr: IndexArray<'_>,
        indices: IndexArray<'_>,
        data: PyReadonlyArray1<'_, f64>,
        y: PyReadonlyArray1<'_, f64>,
        loss: &str,
        l2: f64,
        l1: f64,
        intercept: bool,
    ) -> PyResult<Self> {
        check_rows(shape.0, y.len()?)?;
        let design = csr_design(shape, &indptr, &indices, &data)?;
        Ok(LinearProblem {
            model: linear_model(design, &y, loss, l2, l1, intercept)?,
        })
    }

    /// Solves from `x0` (zeros when None; length d, or d + 1 with the intercept last) with a named solver, the GIL
    /// released.
    ///
    /// Returns `(parameters, objective, passes, iterations, status, solver_run)`: (w, b) (b last, with an
    /// intercept), the objective F reached, passes over the data (gradient evaluations and stopping-rule checks,
    /// divided by n), the solver's iterations, how it ended (`converged`, `max-iterations`, `stalled`,
    /// `diverged`, …) and the solver run (`auto` resolved).
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
        let x0 = start(x0, model.dim())?;
        let (report, used) = py.detach(|| solve_linear(model, x0, &o)).map_err(value_error)?;
        Ok(fit_result(py, model, report, used))
    }

    /// Whether the model reads the caller's array (dense values, or CSR values) in place rather than a copy.
    #[getter]
    fn in_place(&self) -> bool {
        self.model.design().borrows_values()
    }

    /// Replaces the labels (one per row; ±1 for the logistic and squared-hinge losses) and keeps the data: no
    /// copy of X. On error nothing changes.
    fn set_labels(&mut self, y: PyReadonlyArray1<'_, f64>) -> PyResult<()> {
        check_rows(self.model.n(), y.len()?)?;
        self.model.set_labels(y.as_array().to_owned()).map_err(value_error)
    }

    /// The number of samples n.
    #[getter]
    fn n(&self) -> usize {
        self.model.n()
    }

    /// The number of features d (without the intercept).
    #[getter]
    fn d(&self) -> usize {
        self.model.n_features()
    }

    /// Whether an intercept is fitted (the last parameter).
    #[getter]
    fn intercept(&self) -> bool {
        self.model.has_intercept()
    }
}

/// Class indices as the multinomial model takes them: int64, each in 0..n_classes.
fn class_indices(labels: &PyReadonlyArray1<'_, i64>) -> PyResult<Vec<usize>> {
    labels
        .as_array()
        .iter()
        .enumerate()
        .map(|(i, &v)| usize::try_from(v).map_err(|_| value_error(format!("label y[{i}] = {v} is negative"))))
        .collect()
}

/// The multinomial (softmax) logistic regression held by the compiled core, built once, solved any number of times:
///
/// F(W, b) = (1/n) Σᵢ [log Σₖ exp(sᵢₖ) − sᵢ,yᵢ] + (λ₂/2)‖W‖²_F, sᵢ = Wᵀaᵢ + b, W ∈ R^{d×K}, labels yᵢ ∈ 0..K,
/// b ∈ R^K unpenalized with `intercept` (else 0). Parameters: x[j·K + k] = W[j, k], then b_k at x[d·K + k].
#[pyclass(frozen, module = "gradus._gradus")]
struct MultinomialProblem {
    model: Multinomial,
}

#[pymethods]
impl MultinomialProblem {
    /// From a dense float64 matrix (any layout; used in place as [`LinearProblem::dense`] uses it, copied with
    /// `intercept` for the column of ones) and int64 class indices.
    #[staticmethod]
    fn dense(
        x: PyReadonlyArray2<'_, f64>,
        labels: PyReadonlyArray1<'_, i64>,
        n_classes: usize,
        l2: f64,
        intercept: bool,
    ) -> PyResult<Self> {
        check_penalties(l2, 0.0)?;
        check_rows(x.as_array().nrows(), labels.len()?)?;
        let design = dense_design(&x, None)?;
        let model = Multinomial::new(design, class_indices(&labels)?, n_classes, l2, intercept).map_err(value_error)?;
        Ok(MultinomialProblem { model })
    }

    /// Whether the model reads the caller's array in place (as [`LinearProblem::in_place`]).
    #[getter]
    fn in_place(&self) -> bool {
        self.model.design().borrows_values()
    }

    /// From a CSR matrix given by its parts (as [`LinearProblem::csr`]) and int64 class indices.
    #[staticmethod]
    #[allow(clippy::too_many_arguments)]
    fn csr(
        shape: (usize, usize),
        indptr: IndexArray<'_>,
        indices: IndexArray<'_>,
        data: PyReadonlyArray1<'_, f64>,
        labels: PyReadonlyArray1<'_, i64>,
        n_classes: usize,
        l2: f64,
        intercept: bool,
    ) -> PyResult<Self> {
        check_penalties(l2, 0.0)?;
        check_rows(shape.0, labels.len()?)?;
        let design = csr_design(shape, &indptr, &indices, &data)?;
        let model = Multinomial::new(design, class_indices(&labels)?, n_classes, l2, intercept).map_err(value_error)?;
        Ok(MultinomialProblem { model })
    }

    /// Solves from `x0` (zeros when None; the layout above) with a named solver, the GIL released; returns what
    /// [`LinearProblem::solve`] returns. Solvers: gd, agd, lbfgs, auto (lbfgs), and gradus-qning's on its generic
    /// path; others are a ValueError naming these.
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
        let x0 = start(x0, model.dim())?;
        let (report, used) = py.detach(|| solve_multinomial(model, x0, &o)).map_err(value_error)?;
        Ok(fit_result(py, model, report, used))
    }

    /// The number of samples n.
    #[getter]
    fn n(&self) -> usize {
        self.model.n()
    }

    /// The number of features d (without the intercept).
    #[getter]
    fn d(&self) -> usize {
        self.model.n_features()
    }

    /// K, the number of classes.
    #[getter]
    fn n_classes(&self) -> usize {
        self.model.n_classes()
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

/// The solvers `MultinomialProblem.solve` accepts.
#[pyfunction]
fn multinomial_solvers() -> Vec<&'static str> {
    multinomial_solver_names()
}

/// gradus's compiled core.
#[pymodule]
fn _gradus(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<LinearProblem>()?;
    m.add_class::<MultinomialProblem>()?;
    m.add_function(wrap_pyfunction!(solvers, m)?)?;
    m.add_function(wrap_pyfunction!(proximal_solvers, m)?)?;
    m.add_function(wrap_pyfunction!(multinomial_solvers, m)?)?;
    Ok(())
}

"""The benchopt solver (python/benchopt/solvers/gradus.py) on benchopt's simulated correlated data, offline: called
through benchopt's Solver API, and run by `benchopt run` on the folder python/benchopt (whose objective is
benchmark_logreg_l2's problem). Skipped when benchopt is not installed."""

import glob
import importlib.util
import pathlib
import shutil
import subprocess
import sys

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression as SkLogisticRegression

benchopt = pytest.importorskip("benchopt")
from benchopt.datasets import make_correlated_data  # noqa: E402

BENCH = pathlib.Path(__file__).resolve().parents[1] / "benchopt"


def load(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def correlated(n, d):
    """The data of python/benchopt/datasets/correlated.py: benchopt's generator, labels the signs of its targets."""
    X, t, _ = make_correlated_data(n, d, rho=0.6, random_state=0)
    return np.ascontiguousarray(X), np.where(t > 0, 1.0, -1.0)


def benchmark_objective(X, y, lmbd, beta):
    """benchmark_logreg_l2's objective Σᵢ log(1 + exp(−yᵢ xᵢᵀβ)) + (λ/2)‖β‖²."""
    return np.logaddexp(0.0, -y * (X @ beta)).sum() + 0.5 * lmbd * beta @ beta


def sklearn_optimum(X, y, lmbd):
    """scikit-learn's C Σ loss + ½‖β‖² with C = 1/λ is the benchmark's objective divided by λ; Newton to 1e-14."""
    ref = SkLogisticRegression(C=1.0 / lmbd, fit_intercept=False, solver="newton-cholesky", tol=1e-14, max_iter=1000)
    return benchmark_objective(X, y, lmbd, ref.fit(X, y).coef_.ravel())


# catalyst-miso only at λ = 1: at λ = 0.01 (gradus's λ₂ = 2e-5) it needs about 3000 outer steps (4500 passes) to
# reach 1e-10 here, where qning-svrg and lbfgs need fewer than 500 iterations.
@pytest.mark.parametrize(
    "solver, lmbd",
    [(s, lmbd) for s in ["lbfgs", "newton", "qning-svrg", "auto"] for lmbd in [1.0, 0.01]] + [("catalyst-miso", 1.0)],
)
def test_solver_api_reaches_sklearn_objective(solver, lmbd):
    module = load(BENCH / "solvers" / "gradus.py", "gradus_benchopt_solver")
    assert solver in module.Solver.parameters["solver"]
    X, y = correlated(500, 50)
    s = module.Solver.get_instance(solver=solver)  # how benchopt builds a solver with its parameters
    s.set_objective(X=X, y=y, lmbd=lmbd)
    s.run(0)
    np.testing.assert_array_equal(s.get_result()["beta"], np.zeros(50))
    s.run(1)
    f1 = benchmark_objective(X, y, lmbd, s.get_result()["beta"])
    assert f1 < benchmark_objective(X, y, lmbd, np.zeros(50))
    s.run(500)
    beta = s.get_result()["beta"]
    assert beta.shape == (50,)
    f_star = sklearn_optimum(X, y, lmbd)
    f = benchmark_objective(X, y, lmbd, beta)
    assert abs(f - f_star) <= 1e-10 * f_star, (f, f_star)


def test_benchopt_run(tmp_path):
    bench = tmp_path / "bench"
    shutil.copytree(BENCH, bench, ignore=shutil.ignore_patterns("__pycache__", "outputs", "__cache__"))
    cmd = [
        sys.executable, "-m", "benchopt", "run", str(bench),
        "-s", "gradus[solver=lbfgs]", "-s", "gradus[solver=qning-miso]",
        "-d", "correlated[n_samples=500,n_features=50]", "-o", "L2 Logistic Regression[lmbd=1.0]",
        "-n", "12", "-r", "1", "--no-plot", "--no-display", "--timeout", "120",
    ]  # fmt: skip
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    import pandas as pd

    (out,) = glob.glob(str(bench / "outputs" / "*.parquet"))
    df = pd.read_parquet(out)
    X, y = correlated(500, 50)
    f_star = sklearn_optimum(X, y, 1.0)
    for name in ["gradus[lbfgs]", "gradus[qning-miso]"]:
        rows = df[df["solver_name"] == name]
        assert len(rows) >= 5, (name, len(rows))
        # The curve starts at β = 0 (n log 2) and ends at scikit-learn's optimum.
        assert rows["objective_value"].iloc[0] == pytest.approx(500 * np.log(2), rel=1e-12)
        assert abs(rows["objective_value"].min() - f_star) <= 1e-10 * f_star, (name, rows["objective_value"].min())

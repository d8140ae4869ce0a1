#!/usr/bin/env python3
"""The same fits from Python through gradus, scikit-learn and Cyanure, timed side by side in one process.

Problems (synthetic, seeded, built in memory; nothing is read from disk or downloaded):

- ``logistic-dense``: n × d Gaussian features with correlation 0.5 between neighbouring features (AR(1)),
  standardized columns, labels from a logistic model; L2-regularized logistic loss without intercept, gradus's
  λ = 1/(10 n) (scikit-learn's C = 1/(λ n) = 10, Cyanure's lambda_1 = λ). Default 100000 × 200.
- ``logistic-sparse``: CSR, n × d binary features at the given density (Zipf-like column popularity), rows scaled
  to unit norm, labels from a sparse logistic model; the same loss and λ. Default 100000 × 20000, 50 per row.
- ``lasso``: n × d AR(1) Gaussian features (standardized), y = X w* + noise with 10 % of w* nonzero;
  scikit-learn's Lasso objective (1/(2n))‖y − Xw − b‖² + α‖w‖₁ with an intercept, α = α_max / 20 (gradus's λ₁ and
  Cyanure's lambda_1 are α). Default 20000 × 500.

Every tool is asked for its own stopping rule at tolerance ``--tol`` (gradus: certified relative duality gap or
suboptimality bound; Cyanure: relative duality gap; scikit-learn: its solver's ``tol``), so the table also gives
the relative suboptimality each fit actually reached, (F − F*)/F*, with F* the lowest objective of all runs and of
a reference run (scikit-learn's Newton-Cholesky / gradus's newton at tol 1e-14 for dense logistic, every tool at
tol 1e-14 otherwise). Times are wall-clock seconds of ``fit`` (input validation and gradus's one copy of the data
included), medians of ``--repeats`` runs taken round-robin (each repeat runs every solver once), so the ratios
compare runs made under the same load. Threads: ``--threads`` for every tool (RAYON_NUM_THREADS for gradus,
threadpoolctl for scikit-learn's BLAS, ``n_threads`` for Cyanure).

Needs: numpy, scipy, scikit-learn, threadpoolctl, cyanure and gradus (``pip install ./python cyanure``).
Run: ``python python/bench/compare.py [--threads 1] [--repeats 5] [--scale 0.1] [--problems lasso,...]``
"""

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
import warnings


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--tol", type=float, default=1e-8)
    ap.add_argument("--scale", type=float, default=1.0, help="multiplies every n (0.1 for a quick check)")
    ap.add_argument("--problems", default="logistic-dense,logistic-sparse,lasso")
    return ap.parse_args()


ARGS = parse_args()
# Before numpy, scikit-learn, Cyanure and gradus start their thread pools.
for var in ["RAYON_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"]:
    os.environ[var] = str(ARGS.threads)

import numpy as np  # noqa: E402
import scipy.sparse as sp  # noqa: E402
from sklearn import linear_model as sk  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

import cyanure.estimators as cy  # noqa: E402
import gradus  # noqa: E402

warnings.filterwarnings("ignore")


def ar1_gaussian(rng, n, d, rho=0.5):
    z = rng.standard_normal((n, d))
    x = np.empty_like(z)
    x[:, 0] = z[:, 0]
    for j in range(1, d):
        x[:, j] = rho * x[:, j - 1] + np.sqrt(1 - rho * rho) * z[:, j]
    return np.ascontiguousarray((x - x.mean(0)) / x.std(0))


def logistic_dense(n, d, seed=0):
    rng = np.random.default_rng(seed)
    x = ar1_gaussian(rng, n, d)
    p = 1 / (1 + np.exp(-x @ (rng.standard_normal(d) / np.sqrt(d))))
    return x, np.where(rng.random(n) < p, 1.0, -1.0)


def logistic_sparse(n, d, per_row, seed=0):
    rng = np.random.default_rng(seed)
    pop = 1.0 / np.arange(1, d + 1) ** 0.8
    rows = np.repeat(np.arange(n), per_row)
    cols = rng.choice(d, size=n * per_row, p=pop / pop.sum())
    x = sp.csr_matrix((np.ones(n * per_row), (rows, cols)), shape=(n, d))
    x.sum_duplicates()
    x = (sp.diags(1.0 / np.sqrt(np.asarray(x.multiply(x).sum(1)).ravel())) @ x).tocsr()
    x.sort_indices()
    w = np.zeros(d)
    support = rng.choice(d, size=d // 10, replace=False)
    w[support] = 3.0 * rng.standard_normal(d // 10)
    p = 1 / (1 + np.exp(-(x @ w)))
    return x, np.where(rng.random(n) < p, 1.0, -1.0)


def lasso_data(n, d, seed=0):
    rng = np.random.default_rng(seed)
    x = ar1_gaussian(rng, n, d)
    w = np.zeros(d)
    support = rng.choice(d, size=d // 10, replace=False)
    w[support] = rng.standard_normal(d // 10)
    t = x @ w
    return x, t + 0.5 * np.std(t) * rng.standard_normal(n) + 3.0


def logistic_objective(x, y, lam, w, b=0.0):
    return float(np.mean(np.logaddexp(0.0, -y * (np.asarray(x @ w).ravel() + b))) + 0.5 * lam * w @ w)


def lasso_objective(x, y, alpha, w, b):
    r = y - np.asarray(x @ w).ravel() - b
    return float(r @ r / (2 * len(y)) + alpha * np.abs(w).sum())


def coef_intercept(est):
    w = np.asarray(getattr(est, "coef_")).ravel()
    b = np.asarray(getattr(est, "intercept_", 0.0)).ravel()
    return w, float(b[0]) if b.size else 0.0


def logistic_runs(x, y, lam, tol, nt, sparse):
    n = x.shape[0]
    C = 1.0 / (lam * n)

    def g(solver, t=tol):
        return lambda: gradus.LogisticRegression(
            lambda_=lam, fit_intercept=False, solver=solver, tol=t, max_iter=1000
        ).fit(x, y)

    def c(solver, t=tol):
        return lambda: cy.LogisticRegression(
            lambda_1=lam, fit_intercept=False, solver=solver, tol=t, max_iter=1000, n_threads=nt, verbose=False
        ).fit(x, y)

    def s(solver, t=tol):
        def fit():
            with threadpool_limits(nt):
                return sk.LogisticRegression(C=C, fit_intercept=False, solver=solver, tol=t, max_iter=1000).fit(x, y)

        return fit

    runs = [("gradus auto", g("auto")), ("gradus lbfgs", g("lbfgs")), ("gradus qning-svrg", g("qning-svrg")),
            ("gradus qning-miso", g("qning-miso")),
            ("cyanure auto", c("auto")), ("cyanure qning-svrg", c("qning-svrg")), ("sklearn lbfgs", s("lbfgs"))]
    if not sparse:
        runs.append(("sklearn newton-cholesky", s("newton-cholesky")))
        refs = [s("newton-cholesky", 1e-14), g("newton", 1e-14)]
    else:
        refs = [g("lbfgs", 1e-14), c("qning-svrg", 1e-14), s("lbfgs", 1e-14)]
    return runs, refs, lambda est: logistic_objective(x, y, lam, *coef_intercept(est))


def lasso_runs(x, y, alpha, tol, nt):
    def g(solver, t=tol):
        return lambda: gradus.Lasso(alpha=alpha, solver=solver, tol=t, max_iter=100_000).fit(x, y)

    def c(solver, t=tol):
        return lambda: cy.Lasso(
            lambda_1=alpha, solver=solver, tol=t, max_iter=100_000, n_threads=nt, verbose=False
        ).fit(x, y)

    def s(t=tol):
        def fit():
            with threadpool_limits(nt):
                return sk.Lasso(alpha=alpha, tol=t, max_iter=100_000).fit(x, y)

        return fit

    runs = [("gradus auto", g("auto")), ("gradus fista", g("fista")), ("gradus qning-svrg", g("qning-svrg")),
            ("gradus catalyst-miso", g("catalyst-miso")),
            ("cyanure auto", c("auto")), ("cyanure qning-svrg", c("qning-svrg")), ("sklearn cd", s())]
    refs = [s(1e-14), g("fista", 1e-14)]
    return runs, refs, lambda est: lasso_objective(x, y, alpha, *coef_intercept(est))


def measure(title, runs, refs, objective, repeats):
    times = {name: [] for name, _ in runs}
    values, extra = {}, {}
    for _ in range(repeats):
        for name, fit in runs:
            t0 = time.perf_counter()
            est = fit()
            times[name].append(time.perf_counter() - t0)
            values[name] = objective(est)
            if name.startswith("gradus"):
                extra[name] = f"{np.ravel(est.solver_)[0]}, {np.ravel(est.n_passes_)[0]:.0f} passes"
    f_star = min([objective(r()) for r in refs] + list(values.values()))
    med = {k: statistics.median(v) for k, v in times.items()}

    def best(prefix):
        return min((k for k in med if k.startswith(prefix)), key=med.get)

    bc, bs = best("cyanure"), best("sklearn")
    print(f"\n### {title}\n")
    print(f"F* = {f_star:.15g}; fastest Cyanure: {bc}, fastest scikit-learn: {bs}\n")
    print("| solver | median s | min–max s | rel. subopt. | / fastest Cyanure | / fastest scikit-learn | note |")
    print("|---|---|---|---|---|---|---|")
    for name, _ in runs:
        sub = (values[name] - f_star) / abs(f_star)
        print(f"| {name} | {med[name]:.3f} | {min(times[name]):.3f}–{max(times[name]):.3f} | {sub:.1e} | "
              f"{med[name] / med[bc]:.2f} | {med[name] / med[bs]:.2f} | {extra.get(name, '')} |")
    sys.stdout.flush()


def load():
    return open("/proc/loadavg").read().split()[:3] if os.path.exists("/proc/loadavg") else ["?"] * 3


def main():
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    except OSError:
        commit = "?"
    from importlib.metadata import version

    print(f"# gradus {gradus.__version__} (commit {commit or '?'}), scikit-learn {version('scikit-learn')}, "
          f"Cyanure {version('cyanure')}, numpy {np.__version__}, Python {platform.python_version()}")
    print(f"# {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, threads {ARGS.threads}, repeats {ARGS.repeats}, "
          f"tol {ARGS.tol:g}, load average at start {' '.join(load())}, nproc {os.cpu_count()}")
    k = ARGS.scale
    for problem in ARGS.problems.split(","):
        if problem == "logistic-dense":
            n, d = int(100_000 * k), 200
            x, y = logistic_dense(n, d)
            runs, refs, obj = logistic_runs(x, y, 1.0 / (10 * n), ARGS.tol, ARGS.threads, sparse=False)
            measure(f"Logistic, dense {n} × {d}, λ = 1/(10n)", runs, refs, obj, ARGS.repeats)
        elif problem == "logistic-sparse":
            n, d = int(100_000 * k), 20_000
            x, y = logistic_sparse(n, d, 50)
            runs, refs, obj = logistic_runs(x, y, 1.0 / (10 * n), ARGS.tol, ARGS.threads, sparse=True)
            measure(f"Logistic, sparse CSR {n} × {d}, 50 nonzeros per row, λ = 1/(10n)", runs, refs, obj,
                    ARGS.repeats)
        elif problem == "lasso":
            n, d = int(20_000 * k), 500
            x, y = lasso_data(n, d)
            alpha = np.max(np.abs(x.T @ (y - y.mean()))) / n / 20
            runs, refs, obj = lasso_runs(x, y, alpha, ARGS.tol, ARGS.threads)
            measure(f"Lasso with intercept, dense {n} × {d}, α = α_max/20 = {alpha:.4g}", runs, refs, obj,
                    ARGS.repeats)
        else:
            raise SystemExit(f"unknown problem {problem!r}")
    print(f"\n# load average at end {' '.join(load())}")


if __name__ == "__main__":
    main()

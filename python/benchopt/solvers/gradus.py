"""gradus's solvers for benchopt's ``benchmark_logreg_l2`` (https://github.com/benchopt/benchmark_logreg_l2).

Copy this file to ``solvers/gradus.py`` in a checkout of the benchmark; the ``gradus`` Python package must be
installed in the environment benchopt runs in (``pip install <gradus checkout>/python``; see python/README.md).

The benchmark's objective is a sum over the n samples plus an L2 term,

    Σᵢ log(1 + exp(−yᵢ xᵢᵀβ)) + (λ/2)‖β‖²,      labels yᵢ ∈ {−1, +1},

which is n times gradus's mean convention (1/n) Σᵢ log(1 + exp(−yᵢ xᵢᵀβ)) + (λ₂/2)‖β‖² with λ₂ = λ/n: the same
minimizer. ``run(n_iter)`` runs exactly ``n_iter`` of the solver's own iterations (an L-BFGS or Newton iteration,
an SVRG/SAGA/MISO epoch, an outer step of Catalyst or QNing) from zero, with no tolerance stop (the tolerance is
the smallest positive float), unless the solver stalls first at its floating-point limit. The data are handed to
gradus once, in ``set_objective``, which benchopt does not time: used in place when they are C-contiguous float64
(or CSR with int32 indices), else copied.
"""

import numpy as np
from benchopt import BaseSolver

import gradus


class Solver(BaseSolver):
    name = "gradus"

    # gradus is not on PyPI: install it from a checkout before running the benchmark (see the module docstring).
    requirements = []

    parameters = {
        "solver": [
            "lbfgs",
            "newton",
            "svrg",
            "saga",
            "miso",
            "catalyst-miso",
            "qning-svrg",
            "qning-miso",
            "auto",
        ],
    }
    parameter_template = "{solver}"
    sampling_strategy = "iteration"

    def skip(self, X, y, lmbd):
        if self.solver == "newton" and X.shape[1] > 2000:
            return True, "gradus's newton solves d x d systems, d <= 2000"
        return False, None

    def set_objective(self, X, y, lmbd):
        n = X.shape[0]
        # Σ loss + (λ/2)‖β‖² = n · [mean loss + (λ/n)/2 ‖β‖²]: gradus's λ₂ = λ / n.
        self.problem = gradus.LinearProblem(X, np.asarray(y, dtype=np.float64), loss="logistic", l2=lmbd / n)
        self.beta = np.zeros(X.shape[1])

    def warm_up(self):
        # One untimed iteration before the timed runs: what the model computes once and caches (λ_max(XᵀX/n) by
        # power iteration for ista/fista's first step when d > 256) is then outside every timed run alike, instead
        # of inside the first one only.
        self.run_once(1)

    def run(self, n_iter):
        if n_iter == 0:
            self.beta = np.zeros_like(self.beta)
            return
        fit = self.problem.solve(self.solver, tol=np.finfo(np.float64).tiny, max_iter=n_iter, seed=0)
        self.beta = fit.coef

    def get_result(self):
        return dict(beta=self.beta)

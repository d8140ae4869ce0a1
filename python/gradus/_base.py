"""What every gradus estimator shares: parameter checks, the call into the compiled core for dense and CSR input,
the intercept handling, and the ConvergenceWarning."""

import numbers
import warnings
from collections import namedtuple

import numpy as np
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning

from . import _gradus


def check_positive(name, value, allow_zero=False):
    """A finite real number > 0 (>= 0 with ``allow_zero``), as a float; ValueError naming it otherwise."""
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool) and np.isfinite(value)
    ok = ok and (value >= 0 if allow_zero else value > 0)
    if not ok:
        raise ValueError(f"{name} = {value!r} must be a finite number {'>=' if allow_zero else '>'} 0")
    return float(value)


def check_common(est, solvers=None):
    """Checks ``solver``, ``tol``, ``max_iter`` and ``random_state``; returns the seed (None means 0)."""
    names = solvers if solvers is not None else _gradus.solvers()
    if est.solver not in names:
        raise ValueError(f"solver={est.solver!r} is not one of {', '.join(names)}")
    check_positive("tol", est.tol)
    if not (isinstance(est.max_iter, numbers.Integral) and not isinstance(est.max_iter, bool) and est.max_iter >= 1):
        raise ValueError(f"max_iter = {est.max_iter!r} must be an integer >= 1")
    rs = est.random_state
    if rs is not None and not (isinstance(rs, numbers.Integral) and rs >= 0):
        raise ValueError(f"random_state = {rs!r} must be None or an integer >= 0")
    return 0 if rs is None else int(rs)


def csr_parts(X):
    """The canonical CSR parts (sorted, summed duplicates) as the core takes them (int32 or int64 indices, float64
    values); copies in Python only when X is not canonical CSR already or its values are not float64."""
    X = X.tocsr() if X.format != "csr" else X
    if not X.has_canonical_format:
        X = X.copy()
        X.sum_duplicates()
    return (
        X.shape,
        np.ascontiguousarray(X.indptr),
        np.ascontiguousarray(X.indices),
        np.ascontiguousarray(X.data, dtype=np.float64),
    )


Fit = namedtuple("Fit", "coef objective n_passes n_iter status solver")
Fit.__doc__ = """The result of ``LinearProblem.solve``: weights, the objective F reached (gradus's mean convention),
passes over the data (gradient evaluations and duality-gap checks, divided by n), the solver's iterations, how it
ended (``converged``, ``max-iterations``, ``stalled``, ``diverged``, ...) and the solver run (``auto`` resolved)."""


class LinearProblem:
    """A regularized linear model held by gradus's compiled core, built once and solved any number of times:

        F(w, b) = (1/n) Σᵢ φ(xᵢᵀw + b; yᵢ) + (l2/2)‖w‖² + l1‖w‖₁,

    ``loss`` φ = ``"logistic"`` (log(1 + exp(−y m)), labels ±1), ``"squared"`` (½(m − y)²) or ``"squared-hinge"``
    (½ max(0, 1 − y m)², labels ±1). With ``intercept=True`` the unpenalized b is fitted (the last entry of
    ``Fit.coef``; l1 must then be 0), else b = 0.

    Copies: dense X is converted to float64 first when it is not. A C-contiguous X is then used in place (no copy;
    the problem holds a reference to it) unless ``x_offset`` is given or ``intercept=True``; otherwise it is copied
    once, here, into gradus's row-major storage, with ``x_offset`` (length d) subtracted from every row while it is
    copied (with ``intercept=True``, the copy has a column of ones appended). CSR X (any scipy.sparse matrix,
    converted to canonical CSR) is used in place too (float64 values, int32 indices) without an intercept.
    ``in_place`` tells which happened. Data used in place must not be written while the problem lives. ``solve``
    copies nothing, so a benchmark that times ``solve`` times the solver only.
    """

    def __init__(self, X, y, loss="logistic", l2=0.0, l1=0.0, x_offset=None, intercept=False):
        y = np.ascontiguousarray(y, dtype=np.float64)
        if sp.issparse(X):
            if x_offset is not None:
                raise ValueError("column offsets (centring) of sparse input are not supported")
            self.core = _gradus.LinearProblem.csr(*csr_parts(X), y, loss, float(l2), float(l1), bool(intercept))
        else:
            X = np.asarray(X, dtype=np.float64)
            offset = None if x_offset is None else np.ascontiguousarray(x_offset, dtype=np.float64)
            self.core = _gradus.LinearProblem.dense(X, y, loss, float(l2), float(l1), offset, bool(intercept))

    @property
    def in_place(self):
        """Whether the problem reads the caller's array in place (no copy of X was made)."""
        return self.core.in_place

    def set_labels(self, y):
        """Replaces the labels and keeps the data (no copy of X): the K fits of one-vs-rest share one copy."""
        self.core.set_labels(np.ascontiguousarray(y, dtype=np.float64))

    def solve(self, solver="auto", tol=1e-10, max_iter=1000, seed=0, x0=None):
        """Runs a ``gradus fit --solver`` name from ``x0`` (zeros when None) until ``tol`` (the certified relative
        duality gap or suboptimality; the gradient norm with an intercept or λ₂ = 0) or ``max_iter`` of the
        solver's iterations, the GIL released; returns a ``Fit``."""
        x0 = None if x0 is None else np.ascontiguousarray(x0, dtype=np.float64)
        return Fit(*self.core.solve(solver, float(tol), int(max_iter), int(seed), x0))


class MultinomialProblem:
    """The multinomial (softmax) logistic regression held by gradus's compiled core:

        F(W, b) = (1/n) Σᵢ [log Σₖ exp(sᵢₖ) − sᵢ,yᵢ] + (l2/2)‖W‖²_F,   sᵢ = Wᵀxᵢ + b,

    W of shape d × K, labels ``y`` class indices in 0..K (``n_classes`` = K), b ∈ R^K unpenalized with
    ``intercept=True`` (else 0). ``Fit.coef`` holds W row-major (entry j·K + k is W[j, k]) then b. Copies as
    ``LinearProblem``. Solvers: ``gradus.multinomial_solvers()`` (gd, agd, lbfgs, auto = lbfgs, and gradus-qning's
    solvers on its generic path; plain miso only without an intercept).
    """

    def __init__(self, X, y, n_classes, l2=0.0, intercept=False):
        y = np.ascontiguousarray(y, dtype=np.int64)
        if sp.issparse(X):
            self.core = _gradus.MultinomialProblem.csr(*csr_parts(X), y, int(n_classes), float(l2), bool(intercept))
        else:
            X = np.asarray(X, dtype=np.float64)
            self.core = _gradus.MultinomialProblem.dense(X, y, int(n_classes), float(l2), bool(intercept))

    @property
    def in_place(self):
        """Whether the problem reads the caller's array in place (no copy of X was made)."""
        return self.core.in_place

    def solve(self, solver="auto", tol=1e-10, max_iter=1000, seed=0, x0=None):
        """As ``LinearProblem.solve``; the stopping rule is the certified relative suboptimality without an
        intercept, the gradient norm with one."""
        x0 = None if x0 is None else np.ascontiguousarray(x0, dtype=np.float64)
        return Fit(*self.core.solve(solver, float(tol), int(max_iter), int(seed), x0))


def centring(X, y, fit_intercept, loss, l1=0.0):
    """The intercept handling, in one place: returns ``(x_offset, y_offset, intercept_in_model)``: the offsets
    subtracted from X's columns and from y before the solve (None when nothing is subtracted), and whether the
    core fits b itself (``LinearModel::with_intercept``, b the last parameter).

    Squared loss with ``fit_intercept=True`` on dense X: the column means x̄ and the mean ȳ. The problem
    min_{w,b} (1/2n)‖y − Xw − b1‖² + R(w) has b = ȳ − x̄ᵀw at its minimum, and substituting it leaves the same
    problem in w on the centred data (X − 1x̄ᵀ, y − ȳ): exact, not an approximation, and F stays λ₂-strongly
    convex, so the solvers keep their certified stopping rules.
    Squared loss, sparse X, ``fit_intercept=True`` and no L1 term (Ridge): the core fits b (centring would make X
    dense). With an L1 term: a ValueError (gradus's intercept model refuses λ₁ > 0: the L1 prox would shrink b).
    Logistic loss with ``fit_intercept=True``: the core fits b.
    """
    if not fit_intercept:
        return None, None, False
    if loss != "squared":
        return None, None, True
    if sp.issparse(X):
        if l1 > 0:
            raise ValueError(
                "fit_intercept=True with sparse input and an L1 penalty is not supported: the exact intercept of "
                "the squared loss centres X, which would make it dense, and gradus's intercept model refuses "
                "l1 > 0 (the L1 prox would shrink b). Pass fit_intercept=False (for instance after centring y), "
                "or a dense X."
            )
        return None, None, True
    return X.mean(axis=0), float(np.mean(y)), False


def warn_if_not_converged(used, status, iterations, passes, tol, stacklevel=3):
    """The ConvergenceWarning of a fit whose status is not ``converged``."""
    if status != "converged":
        warnings.warn(
            f"gradus solver {used} ended with status {status} after {iterations} iterations "
            f"({passes:.1f} passes) before reaching tol={tol}; raise max_iter or tol",
            ConvergenceWarning,
            stacklevel=stacklevel,
        )

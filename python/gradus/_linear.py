"""Squared-loss linear regression solved by gradus (ridge, lasso, elastic net), following scikit-learn's estimator
conventions and objective scaling."""

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from . import _gradus
from ._base import LinearProblem, centring, check_common, check_positive, warn_if_not_converged

_SHARED_DOC = """
    fit_intercept : bool, default=True
        Fit an unpenalized intercept b. Exact for the squared loss: the problem in (w, b) has b = ȳ − x̄ᵀw at its
        minimum, so X and y are centred (x̄ and ȳ subtracted) and w solves the same problem on the centred data.
        Dense input only: sparse input with ``fit_intercept=True`` raises a ValueError (centring would densify it;
        gradus's intercept model refuses an L1 term); pass ``fit_intercept=False`` for sparse X.
    solver : str, default="auto"
        A ``gradus fit --solver`` name (see ``gradus.solvers()``). ``auto`` picks as ``gradus fit`` does.
    tol : float, default=1e-10
        Relative tolerance (> 0) of the solver's certified stopping rule: the relative duality gap for the
        proximal solvers (ista … qning-miso), the certified relative suboptimality for gd, agd, lbfgs and newton
        (the gradient norm when the objective has no L2 term).
    max_iter : int, default=1000
        Budget in the solver's own iterations (an epoch of SVRG, an outer step of Catalyst or QNing, an iteration
        of FISTA or L-BFGS). When it ends before ``tol`` is reached a ``sklearn.exceptions.ConvergenceWarning``
        is issued.
    random_state : int or None, default=None
        Seed of the stochastic solvers; None means 0 (fits are deterministic either way).
    warm_start : bool, default=False
        Start from the previous ``coef_`` when the feature count is unchanged.

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,)
    intercept_ : float, ȳ − x̄ᵀ coef_ with ``fit_intercept=True`` (dense X), else 0.0
    n_iter_ : int, the solver's iterations
    n_passes_ : float, passes over the data (gradient evaluations and duality-gap checks, divided by n)
    objective_ : float, gradus's objective (mean convention, above) reached on the (centred) data
    status_ : str, how the fit ended (``converged``, ``max-iterations``, ``stalled``, ``diverged``)
    solver_ : str, the solver run (what ``auto`` chose)
    n_features_in_ : int

    Input: dense arrays are converted to float64 when they are not (any memory layout is kept); with
    ``fit_intercept=True`` the compiled core copies X once, subtracting x̄ while copying, and without it a
    C-contiguous array is read in place (no copy). ``scipy.sparse`` matrices are passed as canonical CSR; their
    float64 values and int32 indices are read in place, except for Ridge with an intercept (one copy with the
    intercept's column). The GIL is released while the solver runs; X must not be written meanwhile.
    ``sample_weight`` is not supported.
"""


class _SquaredLoss(RegressorMixin, BaseEstimator):
    """The squared-loss estimators' shared fit, predict and tags; subclasses give ``_penalties(n)`` = (λ₂, λ₁)."""

    _proximal_only = True
    # Whether sparse input with fit_intercept=True is fitted (Ridge: the core's intercept model; with an L1 term
    # the core refuses an intercept, and centring would densify X).
    _sparse_intercept = False

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = self._sparse_intercept or not self.fit_intercept
        return tags

    def fit(self, X, y):
        """Fit the model; returns self."""
        names = _gradus.proximal_solvers() if self._proximal_only else None
        seed = check_common(self, names)
        X, y = validate_data(
            self, X, y, accept_sparse="csr", dtype=np.float64, y_numeric=True, accept_large_sparse=True
        )
        n, d = X.shape
        l2, l1 = self._penalties(n)
        x_offset, y_offset, in_model = centring(X, y, self.fit_intercept, "squared", l1)
        target = y if y_offset is None else y - y_offset
        problem = LinearProblem(X, target, "squared", l2, l1, x_offset, in_model)
        x0 = None
        if self.warm_start and getattr(self, "coef_", None) is not None and self.coef_.shape == (d,):
            x0 = np.append(self.coef_, self.intercept_) if in_model else self.coef_
        w, objective, passes, iterations, status, used = problem.solve(
            self.solver, self.tol, self.max_iter, seed, x0
        )
        warn_if_not_converged(used, status, iterations, passes, self.tol)
        if in_model:
            self.coef_, self.intercept_ = w[:d], float(w[d])
        else:
            self.coef_ = w
            self.intercept_ = 0.0 if y_offset is None else float(y_offset - x_offset @ w)
        self.n_iter_ = int(iterations)
        self.n_passes_ = float(passes)
        self.objective_ = float(objective)
        self.status_ = status
        self.solver_ = used
        return self

    def predict(self, X):
        """X coef_ + intercept_."""
        check_is_fitted(self)
        X = validate_data(self, X, accept_sparse="csr", dtype=np.float64, reset=False)
        out = X @ self.coef_
        return np.asarray(out).ravel() + self.intercept_

    @property
    def sparse_coef_(self):
        """``coef_`` as a scipy.sparse CSR matrix of shape (1, n_features)."""
        check_is_fitted(self)
        return sp.csr_matrix(self.coef_)


class Ridge(_SquaredLoss):
    """Linear least squares with L2 regularization, fitted by a gradus solver.

    Objective (scikit-learn's): ‖y − Xw − b‖² + α‖w‖². gradus solves it in its mean convention,

        (1/n) Σᵢ ½ (xᵢᵀw + b − yᵢ)² + (λ₂/2)‖w‖²,   λ₂ = α / n,

    which is scikit-learn's objective divided by 2n (2n · (λ₂/2) = nλ₂ = α): the same minimizer.

    Parameters
    ----------
    alpha : float, default=1.0
        L2 weight (>= 0), mapped to λ₂ = alpha / n_samples.
    """

    __doc__ += _SHARED_DOC.replace(
        "Dense input only: sparse input with ``fit_intercept=True`` raises a ValueError (centring would densify it;\n"
        "        gradus's intercept model refuses an L1 term); pass ``fit_intercept=False`` for sparse X.",
        "Sparse input (centring would densify it): b is a parameter of gradus's model, the last one, unpenalized;\n"
        "        the stopping rule is then the gradient norm.",
    )
    _proximal_only = False
    _sparse_intercept = True

    def __init__(
        self, alpha=1.0, *, fit_intercept=True, solver="auto", tol=1e-10, max_iter=1000, random_state=None,
        warm_start=False,
    ):
        self.alpha = alpha
        self.fit_intercept = fit_intercept
        self.solver = solver
        self.tol = tol
        self.max_iter = max_iter
        self.random_state = random_state
        self.warm_start = warm_start

    def _penalties(self, n):
        return check_positive("alpha", self.alpha, allow_zero=True) / n, 0.0


class Lasso(_SquaredLoss):
    """Linear least squares with L1 regularization, fitted by a gradus proximal solver.

    Objective (scikit-learn's, the same as gradus's mean convention):

        (1/(2n)) ‖y − Xw − b‖² + α‖w‖₁,   so λ₁ = α and λ₂ = 0.

    Parameters
    ----------
    alpha : float, default=1.0
        L1 weight (>= 0), λ₁ = alpha.
    """

    __doc__ += _SHARED_DOC.replace(
        "A ``gradus fit --solver`` name (see ``gradus.solvers()``).",
        "A proximal ``gradus fit --solver`` name: ista, fista, svrg, saga, miso, catalyst-*, qning-*, auto.",
    )

    def __init__(
        self, alpha=1.0, *, fit_intercept=True, solver="auto", tol=1e-10, max_iter=1000, random_state=None,
        warm_start=False,
    ):
        self.alpha = alpha
        self.fit_intercept = fit_intercept
        self.solver = solver
        self.tol = tol
        self.max_iter = max_iter
        self.random_state = random_state
        self.warm_start = warm_start

    def _penalties(self, n):
        return 0.0, check_positive("alpha", self.alpha, allow_zero=True)


class ElasticNet(_SquaredLoss):
    """Linear least squares with L1 and L2 regularization, fitted by a gradus proximal solver.

    Objective (scikit-learn's, the same as gradus's mean convention):

        (1/(2n)) ‖y − Xw − b‖² + α ρ ‖w‖₁ + (α (1 − ρ) / 2) ‖w‖²,   so λ₁ = α ρ and λ₂ = α (1 − ρ),

    with ρ = ``l1_ratio``.

    Parameters
    ----------
    alpha : float, default=1.0
        Overall weight (>= 0).
    l1_ratio : float in [0, 1], default=0.5
        ρ, the L1 share of the penalty.
    """

    __doc__ += _SHARED_DOC.replace(
        "A ``gradus fit --solver`` name (see ``gradus.solvers()``).",
        "A proximal ``gradus fit --solver`` name: ista, fista, svrg, saga, miso, catalyst-*, qning-*, auto.",
    )

    def __init__(
        self, alpha=1.0, *, l1_ratio=0.5, fit_intercept=True, solver="auto", tol=1e-10, max_iter=1000,
        random_state=None, warm_start=False,
    ):
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.fit_intercept = fit_intercept
        self.solver = solver
        self.tol = tol
        self.max_iter = max_iter
        self.random_state = random_state
        self.warm_start = warm_start

    def _penalties(self, n):
        alpha = check_positive("alpha", self.alpha, allow_zero=True)
        rho = check_positive("l1_ratio", self.l1_ratio, allow_zero=True)
        if rho > 1:
            raise ValueError(f"l1_ratio = {self.l1_ratio!r} must be in [0, 1]")
        return alpha * (1.0 - rho), alpha * rho

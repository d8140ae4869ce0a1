"""L2-regularized logistic regression solved by gradus, following scikit-learn's estimator conventions."""

import numbers

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from ._base import LinearProblem, centring, check_common, warn_if_not_converged


class LogisticRegression(ClassifierMixin, BaseEstimator):
    """L2-regularized logistic regression fitted by a gradus solver.

    The objective of each binary fit, with labels ``y_i`` in {-1, +1}, is scikit-learn's

        C * sum_i log(1 + exp(-y_i x_i^T w)) + ||w||^2 / 2,

    which gradus solves in its mean convention, divided by ``C * n``:

        (1/n) sum_i log(1 + exp(-y_i x_i^T w)) + (lambda/2) ||w||^2,   lambda = 1 / (C * n).

    Both have the same minimizer. ``lambda_`` (Cyanure's name) sets lambda directly and then ``C`` is ignored.

    Parameters
    ----------
    C : float, default=1.0
        Inverse regularization strength (> 0), mapped to lambda = 1 / (C * n_samples).
    solver : str, default="lbfgs"
        A ``gradus fit --solver`` name: ``gd``, ``agd``, ``lbfgs`` (stop when the certified relative
        suboptimality is <= tol) or ``ista``, ``fista``, ``svrg``, ``saga``, ``miso``, ``catalyst-*``,
        ``qning-*``, ``auto`` (stop when the relative duality gap is <= tol). See ``gradus.solvers()``.
    tol : float, default=1e-10
        Relative tolerance (> 0) of the stopping rule above; both are certified bounds on the relative
        suboptimality F(w)/F* - 1.
    max_iter : int, default=1000
        Budget in the solver's own iterations (an L-BFGS iteration, an SVRG epoch, one outer step of Catalyst or
        QNing). When it ends before ``tol`` is reached a ``sklearn.exceptions.ConvergenceWarning`` is issued.
    random_state : int or None, default=None
        Seed of the stochastic solvers; None means 0 (fits are deterministic either way).
    warm_start : bool, default=False
        Start from the previous ``coef_`` when the classes and feature count are unchanged.
    fit_intercept : bool, default=False
        Only False is implemented: gradus has no intercept model yet, and True raises NotImplementedError.
        Center the features (or add a constant column, which is then penalized) to approximate one.
    lambda_ : float or None, default=None
        Cyanure's regularization parameter lambda (> 0); when given, ``C`` is not used.

    Attributes
    ----------
    coef_ : ndarray of shape (1, n_features) or (n_classes, n_features)
    intercept_ : ndarray of shape (1,) or (n_classes,), zeros (no intercept is fitted)
    classes_ : ndarray of shape (n_classes,)
    n_iter_ : ndarray of shape (1,) or (n_classes,), the solver's iterations per binary fit
    n_passes_ : ndarray, passes over the data per binary fit (gradient evaluations / n)
    objective_ : ndarray, gradus's objective (mean convention) reached by each binary fit
    status_ : list of str, how each binary fit ended (``converged``, ``max-iterations``, ``stalled``, ...)
    solver_ : list of str, the solver each binary fit ran (what ``auto`` chose)
    n_features_in_ : int

    Multiclass: one-vs-rest over binary fits (class k against the rest, each with the same lambda), as
    scikit-learn's ``OneVsRestClassifier(LogisticRegression(...))``; ``predict_proba`` normalizes the K sigmoid
    probabilities to sum to 1. A multinomial (softmax) model is not implemented yet.

    Input: dense arrays are converted to float64 when they are not (any memory layout is kept) and copied once
    per binary fit by the compiled core into its row-major storage (K copies for K one-vs-rest classes, each
    freed before the next); ``scipy.sparse`` matrices are passed as canonical CSR (sorted, summed duplicates)
    and copied once per binary fit too. The GIL is released while the solver runs.
    """

    def __init__(
        self,
        C=1.0,
        solver="lbfgs",
        tol=1e-10,
        max_iter=1000,
        random_state=None,
        warm_start=False,
        fit_intercept=False,
        lambda_=None,
    ):
        self.C = C
        self.solver = solver
        self.tol = tol
        self.max_iter = max_iter
        self.random_state = random_state
        self.warm_start = warm_start
        self.fit_intercept = fit_intercept
        self.lambda_ = lambda_

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags

    def __sklearn_is_fitted__(self):
        # The parameter `lambda_` ends with an underscore, so scikit-learn's default test (any attribute ending
        # with "_") would call an unfitted estimator fitted.
        return hasattr(self, "coef_")

    def _lambda(self, n):
        if self.lambda_ is not None:
            lam = self.lambda_
            if not (isinstance(lam, numbers.Real) and np.isfinite(lam) and lam > 0):
                raise ValueError(f"lambda_ = {lam!r} must be a finite number > 0")
            return float(lam)
        C = self.C
        if not (isinstance(C, numbers.Real) and np.isfinite(C) and C > 0):
            raise ValueError(f"C = {C!r} must be a finite number > 0")
        return 1.0 / (float(C) * n)

    def fit(self, X, y):
        """Fit the model; returns self."""
        seed = check_common(self)
        centring(X, y, self.fit_intercept, "logistic")
        X, y = validate_data(self, X, y, accept_sparse="csr", dtype=np.float64, accept_large_sparse=True)
        check_classification_targets(y)
        classes = np.unique(y)
        if classes.size < 2:
            raise ValueError(
                "LogisticRegression needs samples of at least 2 classes, "
                f"but the data contains only one class: {classes[0]!r}"
            )
        n, d = X.shape
        lam = self._lambda(n)
        targets = [classes[1]] if classes.size == 2 else list(classes)
        warm = (
            self.warm_start
            and hasattr(self, "coef_")
            and np.array_equal(getattr(self, "classes_", None), classes)
            and self.coef_.shape == (len(targets), d)
        )
        coefs, n_iter, passes, objectives, statuses, used_solvers = [], [], [], [], [], []
        for k, positive in enumerate(targets):
            yy = np.where(y == positive, 1.0, -1.0)
            x0 = np.ascontiguousarray(self.coef_[k], dtype=np.float64) if warm else None
            problem = LinearProblem(X, yy, "logistic", lam, 0.0)
            w, objective, n_passes, iterations, status, used = problem.solve(
                self.solver, self.tol, self.max_iter, seed, x0
            )
            coefs.append(w)
            n_iter.append(iterations)
            passes.append(n_passes)
            objectives.append(objective)
            statuses.append(status)
            used_solvers.append(used)
            warn_if_not_converged(used, status, iterations, n_passes, self.tol)
        self.classes_ = classes
        self.coef_ = np.vstack(coefs)
        self.intercept_ = np.zeros(len(targets))
        self.n_iter_ = np.asarray(n_iter, dtype=np.int32)
        self.n_passes_ = np.asarray(passes)
        self.objective_ = np.asarray(objectives)
        self.status_ = statuses
        self.solver_ = used_solvers
        return self

    def decision_function(self, X):
        """Margins X w: shape (n,) for two classes, (n, n_classes) otherwise."""
        check_is_fitted(self)
        X = validate_data(self, X, accept_sparse="csr", dtype=np.float64, reset=False)
        scores = X @ self.coef_.T + self.intercept_
        scores = np.asarray(scores)
        return scores.ravel() if scores.shape[1] == 1 else scores

    def predict(self, X):
        """The class with the largest margin (binary: classes_[1] where the margin is > 0)."""
        scores = self.decision_function(X)
        if scores.ndim == 1:
            return self.classes_[(scores > 0).astype(int)]
        return self.classes_[np.argmax(scores, axis=1)]

    def predict_proba(self, X):
        """Class probabilities: the sigmoid of the margin (binary), normalized one-vs-rest sigmoids otherwise."""
        scores = self.decision_function(X)
        if scores.ndim == 1:
            p = _sigmoid(scores)
            return np.column_stack([1.0 - p, p])
        p = _sigmoid(scores)
        return p / p.sum(axis=1, keepdims=True)

    def predict_log_proba(self, X):
        """The logarithm of ``predict_proba``."""
        return np.log(self.predict_proba(X))


def _sigmoid(t):
    """1 / (1 + exp(-t)), without overflow."""
    out = np.empty_like(t, dtype=np.float64)
    pos = t >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-t[pos]))
    e = np.exp(t[~pos])
    out[~pos] = e / (1.0 + e)
    return out

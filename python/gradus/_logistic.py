"""L2-regularized logistic regression (binary, multinomial, one-vs-rest) solved by gradus, following scikit-learn's
estimator conventions."""

import numbers

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from . import _gradus
from ._base import LinearProblem, MultinomialProblem, check_common, warn_if_not_converged


class LogisticRegression(ClassifierMixin, BaseEstimator):
    """L2-regularized logistic regression fitted by a gradus solver, binary, multinomial or one-vs-rest.

    The objective of a binary fit, with labels ``y_i`` in {-1, +1} and an unpenalized intercept ``b``
    (``fit_intercept=True``, the default as in scikit-learn; b = 0 otherwise), is scikit-learn's

        C * sum_i log(1 + exp(-y_i (x_i^T w + b))) + ||w||^2 / 2,

    which gradus solves in its mean convention, divided by ``C * n``:

        (1/n) sum_i log(1 + exp(-y_i (x_i^T w + b))) + (lambda/2) ||w||^2,   lambda = 1 / (C * n).

    With more than two classes the default is scikit-learn's (>= 1.5): one multinomial (softmax) model,

        C * sum_i [log sum_k exp(s_ik) - s_i,y_i] + ||W||_F^2 / 2,   s_i = W x_i + b,  W of shape K x d,

    again with lambda = 1 / (C * n) in gradus's mean convention. ``lambda_`` (Cyanure's name) sets lambda directly
    and then ``C`` is ignored.

    Parameters
    ----------
    C : float, default=1.0
        Inverse regularization strength (> 0), mapped to lambda = 1 / (C * n_samples).
    solver : str, default="lbfgs"
        A ``gradus fit --solver`` name: ``gd``, ``agd``, ``lbfgs``, ``newton`` or gradus-qning's ``ista``,
        ``fista``, ``svrg``, ``saga``, ``miso``, ``catalyst-*``, ``qning-*``, ``auto``. See ``gradus.solvers()``.
        Binary and one-vs-rest fits without intercept run gradus-qning's linear-model fast path; with an intercept
        and for the multinomial model gradus-qning's solvers run its generic path (exact: b is never penalized),
        plain ``miso`` needs a model without intercept, ``newton`` runs on binary and one-vs-rest fits only
        (``gradus.multinomial_solvers()`` lists the multinomial's), and ``auto`` is ``lbfgs``.
    tol : float, default=1e-10
        Tolerance (> 0) of the solver's stopping rule, a certified bound on the relative suboptimality
        F(w)/F* - 1 when F is strongly convex (no intercept): the relative duality gap (gradus-qning's solvers on
        the fast path) or the strong-convexity bound from the gradient (the others). With an intercept F is not
        strongly convex in b, so every solver stops on the gradient norm ||grad F|| <= tol instead, as
        ``gradus fit --fit-intercept`` does.
    max_iter : int, default=1000
        Budget in the solver's own iterations (an L-BFGS iteration, an SVRG epoch, one outer step of Catalyst or
        QNing). When it ends before ``tol`` is reached a ``sklearn.exceptions.ConvergenceWarning`` is issued.
    random_state : int or None, default=None
        Seed of the stochastic solvers; None means 0 (fits are deterministic either way).
    warm_start : bool, default=False
        Start from the previous ``coef_`` and ``intercept_`` when the classes, the feature count, the model and
        ``fit_intercept`` are unchanged.
    fit_intercept : bool, default=True
        Fit an unpenalized intercept (scikit-learn's and Cyanure's default): b is a parameter of gradus's model,
        its last one, left out of the L2 term.
    multi_class : {"auto", "multinomial", "ovr"}, default="auto"
        With more than two classes, ``auto`` and ``multinomial`` fit one softmax model (scikit-learn's behaviour
        since 1.5); ``ovr`` fits one binary model per class against the rest (scikit-learn's
        ``OneVsRestClassifier(LogisticRegression())``). With two classes every choice fits the binary model.
    lambda_ : float or None, default=None
        Cyanure's regularization parameter lambda (> 0); when given, ``C`` is not used.

    Attributes
    ----------
    coef_ : ndarray of shape (1, n_features) or (n_classes, n_features)
    intercept_ : ndarray of shape (1,) or (n_classes,); zeros without intercept. The multinomial's intercepts are
        defined up to a common shift (it changes no probability); they are returned summing to 0, scikit-learn's
        symmetric convention.
    classes_ : ndarray of shape (n_classes,)
    n_iter_ : ndarray of shape (1,) (binary, multinomial) or (n_classes,) (one-vs-rest), the solver's iterations
    n_passes_ : ndarray, passes over the data per fit (gradient evaluations and stopping-rule checks / n)
    objective_ : ndarray, gradus's objective (mean convention) reached by each fit
    status_ : list of str, how each fit ended (``converged``, ``max-iterations``, ``stalled``, ...)
    solver_ : list of str, the solver each fit ran (what ``auto`` chose)
    n_features_in_ : int

    ``predict_proba``: the sigmoid of the margin (binary), the softmax of the K scores (multinomial), the K
    one-vs-rest sigmoids normalized to sum to 1 (``ovr``).

    Input: dense arrays are converted to float64 when they are not (any memory layout is kept). Without an
    intercept a C-contiguous array (and a CSR matrix's values and int32 indices) is read in place, with no copy;
    otherwise the compiled core copies X once into its row-major storage, with the intercept's column of ones
    appended (the K one-vs-rest fits share that copy or array). ``scipy.sparse`` matrices are passed as canonical
    CSR (sorted, summed duplicates). The GIL is released while the solver runs; X must not be written meanwhile.
    """

    def __init__(
        self,
        C=1.0,
        solver="lbfgs",
        tol=1e-10,
        max_iter=1000,
        random_state=None,
        warm_start=False,
        fit_intercept=True,
        multi_class="auto",
        lambda_=None,
    ):
        self.C = C
        self.solver = solver
        self.tol = tol
        self.max_iter = max_iter
        self.random_state = random_state
        self.warm_start = warm_start
        self.fit_intercept = fit_intercept
        self.multi_class = multi_class
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
        if self.multi_class not in ("auto", "multinomial", "ovr"):
            raise ValueError(f"multi_class={self.multi_class!r} is not one of auto, multinomial, ovr")
        if not isinstance(self.fit_intercept, (bool, np.bool_)):
            raise ValueError(f"fit_intercept={self.fit_intercept!r} must be True or False")
        intercept = bool(self.fit_intercept)
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
        multinomial = classes.size > 2 and self.multi_class != "ovr"
        if multinomial and self.solver not in _gradus.multinomial_solvers():
            raise ValueError(
                f"solver={self.solver!r} does not run on the multinomial model; use one of "
                f"{', '.join(_gradus.multinomial_solvers())}, or multi_class='ovr'"
            )
        rows = 1 if classes.size == 2 else classes.size
        warm = (
            self.warm_start
            and hasattr(self, "coef_")
            and np.array_equal(getattr(self, "classes_", None), classes)
            and self.coef_.shape == (rows, d)
            and getattr(self, "_fitted_as", None) == (multinomial, intercept)
        )
        if multinomial:
            fits = [self._fit_multinomial(X, y, classes, lam, intercept, seed, warm)]
            coef, b = fits[0][0]
        else:
            targets = [classes[1]] if classes.size == 2 else list(classes)
            fits = []
            problem = None
            for k, positive in enumerate(targets):
                yy = np.where(y == positive, 1.0, -1.0)
                x0 = None
                if warm:
                    x0 = np.append(self.coef_[k], self.intercept_[k]) if intercept else self.coef_[k]
                if problem is None:
                    problem = LinearProblem(X, yy, "logistic", lam, 0.0, intercept=intercept)
                else:
                    problem.set_labels(yy)  # one copy of X for all K fits
                fit = problem.solve(self.solver, self.tol, self.max_iter, seed, x0)
                w = fit.coef
                fits.append(((w[:d], w[d] if intercept else 0.0), fit))
            coef = np.vstack([f[0][0] for f in fits])
            b = np.array([f[0][1] for f in fits], dtype=np.float64)
        for _, fit in fits:
            warn_if_not_converged(fit.solver, fit.status, fit.n_iter, fit.n_passes, self.tol)
        self.classes_ = classes
        self.coef_ = coef
        self.intercept_ = b
        self.n_iter_ = np.asarray([f.n_iter for _, f in fits], dtype=np.int32)
        self.n_passes_ = np.asarray([f.n_passes for _, f in fits])
        self.objective_ = np.asarray([f.objective for _, f in fits])
        self.status_ = [f.status for _, f in fits]
        self.solver_ = [f.solver for _, f in fits]
        self._fitted_as = (multinomial, intercept)
        return self

    def _fit_multinomial(self, X, y, classes, lam, intercept, seed, warm):
        """The softmax model over all classes; returns ((coef K × d, intercept K), Fit)."""
        n, d = X.shape
        k = classes.size
        x0 = None
        if warm:
            x0 = self.coef_.T.ravel()
            if intercept:
                x0 = np.concatenate([x0, self.intercept_])
        problem = MultinomialProblem(X, np.searchsorted(classes, y), k, lam, intercept)
        fit = problem.solve(self.solver, self.tol, self.max_iter, seed, x0)
        coef = fit.coef[: d * k].reshape(d, k).T.copy()
        # A common shift of the intercepts changes no probability: return the representative summing to 0.
        b = fit.coef[d * k :] - np.mean(fit.coef[d * k :]) if intercept else np.zeros(k)
        return (coef, b), fit

    def decision_function(self, X):
        """Scores X w + b: shape (n,) for two classes, (n, n_classes) otherwise."""
        check_is_fitted(self)
        X = validate_data(self, X, accept_sparse="csr", dtype=np.float64, reset=False)
        scores = X @ self.coef_.T + self.intercept_
        scores = np.asarray(scores)
        return scores.ravel() if scores.shape[1] == 1 else scores

    def predict(self, X):
        """The class with the largest score (binary: classes_[1] where the score is > 0)."""
        scores = self.decision_function(X)
        if scores.ndim == 1:
            return self.classes_[(scores > 0).astype(int)]
        return self.classes_[np.argmax(scores, axis=1)]

    def predict_proba(self, X):
        """Class probabilities: the sigmoid of the score (binary), the softmax of the scores (multinomial), the
        one-vs-rest sigmoids normalized to sum to 1 (``multi_class="ovr"``)."""
        scores = self.decision_function(X)
        if scores.ndim == 1:
            p = _sigmoid(scores)
            return np.column_stack([1.0 - p, p])
        if self._fitted_as[0]:
            z = scores - scores.max(axis=1, keepdims=True)
            e = np.exp(z)
            return e / e.sum(axis=1, keepdims=True)
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

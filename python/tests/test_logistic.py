"""gradus.LogisticRegression against scikit-learn on its bundled data sets (nothing is downloaded)."""

import functools
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import load_breast_cancer, load_digits, load_wine
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression as SkLogisticRegression
from sklearn.multiclass import OneVsRestClassifier
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import check_estimator

import gradus

REL = 1e-8


def sklearn_objective(X, y_pm, w, C):
    """scikit-learn's primal objective C * sum log(1 + exp(-y x^T w)) + ||w||^2 / 2."""
    margins = y_pm * np.asarray(X @ w).ravel()
    return C * np.logaddexp(0.0, -margins).sum() + 0.5 * w @ w


def reference(C, fit_intercept=False):
    """scikit-learn's fit (binary, or multinomial for > 2 classes), solved to machine precision by Newton's
    method."""
    return SkLogisticRegression(fit_intercept=fit_intercept, C=C, solver="newton-cholesky", tol=1e-14, max_iter=1000)


def sklearn_intercept_objective(X, y_pm, w, b, C):
    """scikit-learn's binary objective with an unpenalized intercept: C Σ log(1 + exp(−y (xᵀw + b))) + ‖w‖²/2."""
    margins = y_pm * (np.asarray(X @ w).ravel() + b)
    return C * np.logaddexp(0.0, -margins).sum() + 0.5 * w @ w


def sklearn_multinomial_objective(X, y, classes, coef, intercept, C):
    """scikit-learn's multinomial objective C Σᵢ [log Σₖ exp(sᵢₖ) − sᵢ,yᵢ] + ‖W‖²_F/2, sᵢ = W xᵢ + b."""
    s = np.asarray(X @ coef.T) + intercept
    m = s.max(axis=1, keepdims=True)
    lse = (m + np.log(np.exp(s - m).sum(axis=1, keepdims=True))).ravel()
    idx = np.searchsorted(classes, y)
    return C * (lse - s[np.arange(len(y)), idx]).sum() + 0.5 * (coef * coef).sum()


def breast_cancer():
    X, y = load_breast_cancer(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def wine():
    X, y = load_wine(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def digits():
    X, y = load_digits(return_X_y=True)
    return X / 16.0, y  # pixels in [0, 1]; about half of them are 0, so the CSR form is genuinely sparse


def as_layout(X, layout):
    return sp.csr_matrix(X) if layout == "csr" else np.ascontiguousarray(X)


@pytest.mark.parametrize("layout", ["dense", "csr"])
@pytest.mark.parametrize("solver", ["lbfgs", "svrg", "qning-miso"])
def test_binary_matches_sklearn_objective_and_predictions(layout, solver):
    X, y = breast_cancer()
    C = 0.5
    ours = gradus.LogisticRegression(C=C, solver=solver, tol=1e-12, max_iter=5000, fit_intercept=False)
    ours.fit(as_layout(X, layout), y)
    ref = reference(C).fit(X, y)
    y_pm = np.where(y == ref.classes_[1], 1.0, -1.0)
    f_ours = sklearn_objective(X, y_pm, ours.coef_[0], C)
    f_ref = sklearn_objective(X, y_pm, ref.coef_[0], C)
    assert abs(f_ours - f_ref) <= REL * f_ref, (f_ours, f_ref)
    # gradus's own objective is the same one divided by C n.
    assert abs(ours.objective_[0] * C * X.shape[0] - f_ours) <= 1e-12 * f_ours
    np.testing.assert_array_equal(ours.predict(as_layout(X, layout)), ref.predict(X))
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), rtol=1e-5, atol=1e-8)
    assert ours.status_ == ["converged"]
    assert ours.intercept_.tolist() == [0.0]


@pytest.mark.parametrize("layout", ["dense", "csr"])
@pytest.mark.parametrize("load, C", [(wine, 1.0), (digits, 0.1)])
def test_one_vs_rest_matches_sklearn(layout, load, C):
    X, y = load()
    ours = gradus.LogisticRegression(C=C, tol=1e-12, fit_intercept=False, multi_class="ovr")
    ours.fit(as_layout(X, layout), y)
    ref = OneVsRestClassifier(reference(C)).fit(X, y)
    np.testing.assert_array_equal(ours.classes_, ref.classes_)
    for k, est in enumerate(ref.estimators_):
        y_pm = np.where(y == ref.classes_[k], 1.0, -1.0)
        f_ours = sklearn_objective(X, y_pm, ours.coef_[k], C)
        f_ref = sklearn_objective(X, y_pm, est.coef_[0], C)
        assert abs(f_ours - f_ref) <= REL * f_ref, (k, f_ours, f_ref)
    np.testing.assert_array_equal(ours.predict(as_layout(X, layout)), ref.predict(X))
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), rtol=1e-5, atol=1e-8)
    assert ours.score(X, y) == ref.score(X, y)


def test_lambda_is_one_over_C_n():
    X, y = breast_cancer()
    n = X.shape[0]
    a = gradus.LogisticRegression(C=2.0).fit(X, y)
    b = gradus.LogisticRegression(lambda_=1.0 / (2.0 * n), C=123.0).fit(X, y)
    np.testing.assert_array_equal(a.coef_, b.coef_)


def test_budget_end_warns_and_warm_start_continues():
    X, y = breast_cancer()
    clf = gradus.LogisticRegression(max_iter=3, warm_start=True)
    with pytest.warns(ConvergenceWarning, match="max-iterations"):
        clf.fit(X, y)
    assert clf.n_iter_.tolist() == [3]
    first = clf.objective_[0]
    with pytest.warns(ConvergenceWarning):
        clf.fit(X, y)
    assert clf.objective_[0] < first
    clf.set_params(max_iter=1000)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        clf.fit(X, y)
    assert clf.status_ == ["converged"]


@pytest.mark.parametrize("layout", ["dense", "csr"])
@pytest.mark.parametrize("solver", ["lbfgs", "auto", "newton", "qning-svrg", "catalyst-miso"])
def test_binary_with_intercept_matches_sklearn(layout, solver):
    # fit_intercept=True is the default, as in scikit-learn; b is unpenalized. gradus-qning's solvers run their
    # generic path on the intercept model. With an intercept F is not strongly convex in b, so the stopping rule is
    # the gradient norm: tol=1e-10 puts the coefficients within ~1e-8 of the optimum.
    X, y = breast_cancer()
    C = 0.5
    ours = gradus.LogisticRegression(C=C, solver=solver, max_iter=5000).fit(as_layout(X, layout), y)
    ref = reference(C, fit_intercept=True).fit(X, y)
    assert ours.status_ == ["converged"]
    assert ours.solver_ == ["lbfgs-precond" if solver == "auto" else solver]
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=0, atol=1e-6)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, rtol=0, atol=1e-6)
    y_pm = np.where(y == ref.classes_[1], 1.0, -1.0)
    f_ours = sklearn_intercept_objective(X, y_pm, ours.coef_[0], ours.intercept_[0], C)
    f_ref = sklearn_intercept_objective(X, y_pm, ref.coef_[0], ref.intercept_[0], C)
    assert abs(f_ours - f_ref) <= REL * f_ref, (f_ours, f_ref)
    assert abs(ours.objective_[0] * C * X.shape[0] - f_ours) <= 1e-12 * f_ours
    np.testing.assert_array_equal(ours.predict(as_layout(X, layout)), ref.predict(X))
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("layout", ["dense", "csr"])
def test_one_vs_rest_with_intercept_matches_sklearn(layout):
    X, y = wine()
    C = 1.0
    ours = gradus.LogisticRegression(C=C, multi_class="ovr").fit(as_layout(X, layout), y)
    ref = OneVsRestClassifier(reference(C, fit_intercept=True)).fit(X, y)
    assert ours.coef_.shape == (3, X.shape[1]) and ours.n_iter_.shape == (3,)
    for k, est in enumerate(ref.estimators_):
        np.testing.assert_allclose(ours.coef_[k], est.coef_[0], rtol=0, atol=1e-6)
        np.testing.assert_allclose(ours.intercept_[k], est.intercept_[0], rtol=0, atol=1e-6)
    np.testing.assert_array_equal(ours.predict(as_layout(X, layout)), ref.predict(X))
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("layout", ["dense", "csr"])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_multinomial_matches_sklearn_on_wine(layout, fit_intercept):
    # More than two classes: one softmax model by default, as scikit-learn >= 1.5. Its objective is
    # C Σ log-loss + ‖W‖²/2, gradus's mean convention times C n with λ = 1/(C n). Without an intercept the stop is
    # the certified relative suboptimality (tol=1e-14 here: the coefficients' error is ~ its square root).
    X, y = wine()
    C = 1.0
    tol = 1e-10 if fit_intercept else 1e-14
    ours = gradus.LogisticRegression(C=C, tol=tol, fit_intercept=fit_intercept).fit(as_layout(X, layout), y)
    ref = reference(C, fit_intercept=fit_intercept).fit(X, y)
    assert ours.coef_.shape == (3, X.shape[1]) and ours.intercept_.shape == (3,)
    assert ours.status_ == ["converged"] and ours.solver_ == ["lbfgs"] and ours.n_iter_.shape == (1,)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=0, atol=1e-6)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, rtol=0, atol=1e-6)
    f_ours = sklearn_multinomial_objective(X, y, ours.classes_, ours.coef_, ours.intercept_, C)
    f_ref = sklearn_multinomial_objective(X, y, ref.classes_, ref.coef_, ref.intercept_, C)
    assert abs(f_ours - f_ref) <= REL * f_ref, (f_ours, f_ref)
    assert abs(ours.objective_[0] * C * X.shape[0] - f_ours) <= 1e-12 * f_ours
    np.testing.assert_array_equal(ours.predict(as_layout(X, layout)), ref.predict(X))
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(ours.predict_proba(X).sum(axis=1), 1.0, rtol=1e-14)


@functools.lru_cache
def digits_lbfgs_reference(C, fit_intercept):
    X, y = digits()
    return SkLogisticRegression(C=C, tol=1e-12, max_iter=10_000, fit_intercept=fit_intercept).fit(X, y)


@pytest.mark.parametrize("layout", ["dense", "csr"])
@pytest.mark.parametrize("fit_intercept", [True])  # without: tested exactly on wine (scikit-learn's L-BFGS is slow)
def test_multinomial_reaches_sklearn_objective_on_digits(layout, fit_intercept):
    # 10 classes, 64 features. scikit-learn's Newton-Cholesky takes ~9 s here, so the reference is its L-BFGS at
    # tol 1e-12: gradus must reach its objective (to 1e-8 relative, or lower) with the same predictions, and the
    # coefficients agree to what L-BFGS's stop leaves (~1e-5).
    X, y = digits()
    C = 0.1
    ours = gradus.LogisticRegression(C=C, fit_intercept=fit_intercept).fit(as_layout(X, layout), y)
    ref = digits_lbfgs_reference(C, fit_intercept)
    f_ours = sklearn_multinomial_objective(X, y, ours.classes_, ours.coef_, ours.intercept_, C)
    f_ref = sklearn_multinomial_objective(X, y, ref.classes_, ref.coef_, ref.intercept_, C)
    assert f_ours <= f_ref * (1 + REL), (f_ours, f_ref)
    assert ours.status_ == ["converged"]
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=0, atol=1e-4)
    np.testing.assert_array_equal(ours.predict(as_layout(X, layout)), ref.predict(X))
    assert abs(ours.intercept_.sum()) <= 1e-12  # scikit-learn's symmetric convention


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("solver", ["agd", "svrg", "saga", "qning-svrg", "qning-miso", "catalyst-saga"])
def test_multinomial_generic_path_solvers_agree_with_lbfgs(solver, fit_intercept):
    X, y = wine()
    X = sp.csr_matrix(X) if solver == "saga" else X
    kw = dict(C=1.0, fit_intercept=fit_intercept, tol=1e-10 if fit_intercept else 1e-14, max_iter=5000)
    base = gradus.LogisticRegression(solver="lbfgs", **kw).fit(X, y)
    ours = gradus.LogisticRegression(solver=solver, **kw).fit(X, y)
    assert ours.status_ == ["converged"] and ours.solver_ == [solver]
    np.testing.assert_allclose(ours.coef_, base.coef_, rtol=0, atol=1e-6)
    np.testing.assert_allclose(ours.intercept_, base.intercept_, rtol=0, atol=1e-6)
    assert abs(ours.objective_[0] - base.objective_[0]) <= 1e-10 * base.objective_[0]


def test_multinomial_warm_start_continues():
    X, y = digits()
    clf = gradus.LogisticRegression(C=0.1, max_iter=5, warm_start=True)
    with pytest.warns(ConvergenceWarning, match="max-iterations"):
        clf.fit(X, y)
    first = clf.objective_[0]
    with pytest.warns(ConvergenceWarning):
        clf.fit(X, y)
    assert clf.objective_[0] < first


def test_bad_parameters_raise():
    X, y = breast_cancer()
    with pytest.raises(ValueError, match="solver"):
        gradus.LogisticRegression(solver="newton-cg").fit(X, y)
    with pytest.raises(ValueError, match="C = "):
        gradus.LogisticRegression(C=0.0).fit(X, y)
    with pytest.raises(ValueError, match="one class"):
        gradus.LogisticRegression().fit(X, np.zeros(X.shape[0]))
    with pytest.raises(ValueError, match="multi_class"):
        gradus.LogisticRegression(multi_class="crammer-singer").fit(X, y)
    Xw, yw = wine()
    # Newton runs on binary and one-vs-rest fits only; plain MISO needs a model without intercept.
    with pytest.raises(ValueError, match="does not run on the multinomial model; use one of auto, gd, agd, lbfgs"):
        gradus.LogisticRegression(solver="newton").fit(Xw, yw)
    with pytest.raises(ValueError, match="'miso' needs a strongly convex objective"):
        gradus.LogisticRegression(solver="miso").fit(Xw, yw)
    with pytest.raises(ValueError, match="'miso' needs a strongly convex objective"):
        gradus.LogisticRegression(solver="miso").fit(X, y)
    assert gradus.LogisticRegression(solver="newton", multi_class="ovr").fit(Xw, yw).status_ == ["converged"] * 3
    assert gradus.LogisticRegression(solver="miso", fit_intercept=False).fit(Xw, yw).status_ == ["converged"]


def test_params_round_trip():
    clf = gradus.LogisticRegression(C=3.0, solver="saga", random_state=7)
    params = clf.get_params()
    assert params["C"] == 3.0 and params["solver"] == "saga" and params["lambda_"] is None
    assert params["fit_intercept"] is True and params["multi_class"] == "auto"
    assert clf.set_params(tol=1e-6) is clf and clf.tol == 1e-6
    assert "lbfgs" in gradus.solvers() and "qning-svrg" in gradus.solvers()
    assert "newton" not in gradus.multinomial_solvers() and "qning-svrg" in gradus.multinomial_solvers()


@pytest.mark.parametrize(
    "est",
    [
        gradus.LogisticRegression(),
        gradus.LogisticRegression(fit_intercept=False),
        gradus.LogisticRegression(multi_class="ovr"),
        gradus.LogisticRegression(fit_intercept=False, multi_class="ovr"),
    ],
    ids=lambda e: f"intercept-{e.fit_intercept}-{e.multi_class}",
)
def test_check_estimator(est):
    # Every check passes (none is listed as an expected failure).
    check_estimator(est)


def test_one_vs_rest_shares_one_copy_with_the_same_bits():
    # The K one-vs-rest fits relabel one LinearProblem (no copy of X per class): the same bits as a fresh problem
    # per class.
    X, y = wine()
    n = X.shape[0]
    clf = gradus.LogisticRegression(C=1.0, multi_class="ovr").fit(X, y)
    for k, c in enumerate(clf.classes_):
        yy = np.where(y == c, 1.0, -1.0)
        fit = gradus.LinearProblem(X, yy, "logistic", l2=1.0 / n, intercept=True).solve("lbfgs", 1e-10, 1000)
        np.testing.assert_array_equal(clf.coef_[k], fit.coef[:-1])
        assert clf.intercept_[k] == fit.coef[-1]
    problem = gradus.LinearProblem(X, np.ones(n), "logistic", l2=1.0 / n)
    with pytest.raises(ValueError, match="rows"):
        problem.set_labels(np.ones(n - 1))
    with pytest.raises(ValueError, match="labels"):
        problem.set_labels(np.full(n, 2.0))

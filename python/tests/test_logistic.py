"""gradus.LogisticRegression against scikit-learn on its bundled data sets (nothing is downloaded)."""

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


def reference(C):
    """scikit-learn's binary fit without intercept, solved to machine precision by Newton's method."""
    return SkLogisticRegression(fit_intercept=False, C=C, solver="newton-cholesky", tol=1e-14, max_iter=1000)


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
    ours = gradus.LogisticRegression(C=C, solver=solver, tol=1e-12, max_iter=5000).fit(as_layout(X, layout), y)
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
    ours = gradus.LogisticRegression(C=C, tol=1e-12).fit(as_layout(X, layout), y)
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


def test_bad_parameters_raise():
    X, y = breast_cancer()
    with pytest.raises(NotImplementedError, match="fit_intercept"):
        gradus.LogisticRegression(fit_intercept=True).fit(X, y)
    with pytest.raises(ValueError, match="solver"):
        gradus.LogisticRegression(solver="newton-cg").fit(X, y)
    with pytest.raises(ValueError, match="C = "):
        gradus.LogisticRegression(C=0.0).fit(X, y)
    with pytest.raises(ValueError, match="one class"):
        gradus.LogisticRegression().fit(X, np.zeros(X.shape[0]))


def test_params_round_trip():
    clf = gradus.LogisticRegression(C=3.0, solver="saga", random_state=7)
    params = clf.get_params()
    assert params["C"] == 3.0 and params["solver"] == "saga" and params["lambda_"] is None
    assert clf.set_params(tol=1e-6) is clf and clf.tol == 1e-6
    assert "lbfgs" in gradus.solvers() and "qning-svrg" in gradus.solvers()


def test_check_estimator():
    # Every check passes without an intercept (none is listed as an expected failure).
    check_estimator(gradus.LogisticRegression())

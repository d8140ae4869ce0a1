"""gradus.Ridge, Lasso and ElasticNet against scikit-learn on its bundled diabetes data (nothing is downloaded)."""

import functools
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn import linear_model as sk
from sklearn.datasets import load_diabetes
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.estimator_checks import check_estimator

import gradus


def diabetes():
    """scikit-learn's diabetes data: 442 × 10, columns centred and scaled to unit norm, targets 25–346."""
    return load_diabetes(return_X_y=True)


def sparse_diabetes():
    """The same with the entries of magnitude < 0.02 set to 0 (about 30 % of them): a genuinely sparse CSR."""
    X, y = diabetes()
    X = np.where(np.abs(X) < 0.02, 0.0, X)
    return sp.csr_matrix(X), y


def sk_lasso_objective(X, y, w, b, alpha, l1_ratio=1.0):
    """scikit-learn's elastic-net objective (1/(2n))‖y − Xw − b‖² + α ρ ‖w‖₁ + (α (1 − ρ)/2) ‖w‖²."""
    r = y - np.asarray(X @ w).ravel() - b
    return r @ r / (2 * len(y)) + alpha * l1_ratio * np.abs(w).sum() + 0.5 * alpha * (1 - l1_ratio) * w @ w


def assert_coef_close(ours, ref, rel):
    err = np.linalg.norm(ours - ref)
    assert err <= rel * np.linalg.norm(ref), (err / np.linalg.norm(ref), ours, ref)


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("solver", ["auto", "lbfgs", "qning-svrg"])
@pytest.mark.parametrize("alpha", [0.01, 1.0])
def test_ridge_matches_sklearn_dense(fit_intercept, solver, alpha):
    X, y = diabetes()
    ref = sk.Ridge(alpha=alpha, fit_intercept=fit_intercept, solver="cholesky").fit(X, y)
    ours = gradus.Ridge(alpha=alpha, fit_intercept=fit_intercept, solver=solver, tol=1e-20, max_iter=5000)
    with warnings.catch_warnings():
        # tol=1e-20 is below what some solvers can certify in floating point; the coefficients are checked below.
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours.fit(X, y)
    assert_coef_close(ours.coef_, ref.coef_, 1e-8)
    assert abs(ours.intercept_ - ref.intercept_) <= 1e-8 * abs(y.mean())
    np.testing.assert_allclose(ours.predict(X), ref.predict(X), rtol=1e-8, atol=1e-8 * np.abs(y).mean())
    assert abs(ours.score(X, y) - ref.score(X, y)) <= 1e-10


@pytest.mark.parametrize("solver", ["auto", "lbfgs"])
def test_ridge_matches_sklearn_csr_without_intercept(solver):
    Xs, y = sparse_diabetes()
    ref = sk.Ridge(alpha=0.1, fit_intercept=False, solver="cholesky").fit(Xs.toarray(), y)
    ours = gradus.Ridge(alpha=0.1, fit_intercept=False, solver=solver, tol=1e-20, max_iter=5000)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours.fit(Xs, y)
    assert_coef_close(ours.coef_, ref.coef_, 1e-8)
    np.testing.assert_allclose(ours.predict(Xs), ref.predict(Xs.toarray()), rtol=1e-8, atol=1e-8 * np.abs(y).mean())


def test_ridge_alpha_maps_to_lambda_alpha_over_n():
    # gradus's objective (1/n) Σ ½ r² + (λ₂/2)‖w‖² at its optimum, with λ₂ = α/n, times 2n is scikit-learn's.
    X, y = diabetes()
    alpha, n = 0.3, X.shape[0]
    ours = gradus.Ridge(alpha=alpha, fit_intercept=False, solver="newton").fit(X, y)
    r = y - X @ ours.coef_
    assert abs(2 * n * ours.objective_ - (r @ r + alpha * ours.coef_ @ ours.coef_)) <= 1e-12 * (r @ r)


@functools.cache
def lasso_reference(layout, alpha, l1_ratio):
    """scikit-learn's coordinate descent, run to its floating-point limit (computed once per case: it runs its
    whole budget of 10⁶ sweeps on the CSR case, which never meets tol=1e-16)."""
    X, y = diabetes()
    fit_intercept = layout == "dense"
    if not fit_intercept:
        X = sparse_diabetes()[0].toarray()
    if l1_ratio == 1.0:
        ref = sk.Lasso(alpha=alpha, fit_intercept=fit_intercept, tol=1e-16, max_iter=1_000_000)
    else:
        ref = sk.ElasticNet(alpha=alpha, l1_ratio=l1_ratio, fit_intercept=fit_intercept, tol=1e-16, max_iter=1_000_000)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return ref.fit(X, y)


def ours_l1(alpha, l1_ratio, **kw):
    if l1_ratio == 1.0:
        return gradus.Lasso(alpha=alpha, **kw)
    return gradus.ElasticNet(alpha=alpha, l1_ratio=l1_ratio, **kw)


@pytest.mark.parametrize("layout", ["dense", "csr"])
@pytest.mark.parametrize("solver", ["auto", "fista", "svrg", "qning-fista"])
@pytest.mark.parametrize("alpha, l1_ratio", [(0.1, 1.0), (0.5, 1.0), (0.01, 0.5)])
def test_lasso_and_elastic_net_match_sklearn(layout, solver, alpha, l1_ratio):
    if layout == "dense":
        X, y = diabetes()
        Xd, fit_intercept = X, True
    else:
        X, y = sparse_diabetes()
        Xd, fit_intercept = X.toarray(), False
    ref = lasso_reference(layout, alpha, l1_ratio)
    ours = ours_l1(alpha, l1_ratio, fit_intercept=fit_intercept, solver=solver, tol=1e-14, max_iter=100_000)
    ours.fit(X, y)
    assert ours.status_ == "converged"
    f_ours = sk_lasso_objective(Xd, y, ours.coef_, ours.intercept_, alpha, l1_ratio)
    f_ref = sk_lasso_objective(Xd, y, ref.coef_, ref.intercept_, alpha, l1_ratio)
    assert f_ours <= f_ref * (1 + 1e-12), (f_ours, f_ref)
    assert_coef_close(ours.coef_, ref.coef_, 1e-6)
    # The same sparsity pattern: the exact zeros of the proximal steps where coordinate descent has its zeros.
    np.testing.assert_array_equal(ours.coef_ == 0, ref.coef_ == 0)
    assert 0 < np.count_nonzero(ours.coef_) < X.shape[1] or l1_ratio < 1
    np.testing.assert_allclose(ours.predict(X), ref.predict(Xd), rtol=1e-6, atol=1e-6 * np.abs(y).mean())
    if fit_intercept:
        assert abs(ours.intercept_ - ref.intercept_) <= 1e-6 * abs(ref.intercept_)


@pytest.mark.parametrize("solver", ["auto", "lbfgs", "qning-svrg"])
def test_ridge_sparse_with_intercept_matches_sklearn(solver):
    # Sparse X with an intercept: b is a parameter of gradus's model (not centring, which would densify X); the
    # stopping rule is then the gradient norm.
    Xs, y = sparse_diabetes()
    ref = sk.Ridge(alpha=0.1, fit_intercept=True, solver="cholesky").fit(Xs.toarray(), y)
    ours = gradus.Ridge(alpha=0.1, solver=solver, tol=1e-9, max_iter=100_000).fit(Xs, y)
    assert ours.status_ == "converged"
    assert ours.solver_ == ("lbfgs-precond" if solver == "auto" else solver)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-8, atol=1e-8 * np.abs(ref.coef_).max())
    assert abs(ours.intercept_ - ref.intercept_) <= 1e-8 * abs(ref.intercept_)
    np.testing.assert_allclose(ours.predict(Xs), ref.predict(Xs.toarray()), rtol=1e-8)


def test_sparse_input_with_intercept_and_l1_raises():
    Xs, y = sparse_diabetes()
    for est in [gradus.Lasso(), gradus.ElasticNet()]:
        with pytest.raises(ValueError, match="sparse input and an L1 penalty"):
            est.fit(Xs, y)


def test_budget_end_warns_and_warm_start_continues():
    X, y = diabetes()
    reg = gradus.Lasso(alpha=0.1, solver="ista", max_iter=5, warm_start=True)
    with pytest.warns(ConvergenceWarning, match="max-iterations"):
        reg.fit(X, y)
    assert reg.n_iter_ == 5 and reg.status_ == "max-iterations"
    first = reg.objective_
    with pytest.warns(ConvergenceWarning):
        reg.fit(X, y)
    assert reg.objective_ < first
    reg.set_params(max_iter=100_000, solver="fista")
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        reg.fit(X, y)
    assert reg.status_ == "converged"


def test_bad_parameters_raise():
    X, y = diabetes()
    with pytest.raises(ValueError, match="solver"):
        gradus.Lasso(solver="lbfgs").fit(X, y)  # L1 needs a proximal solver
    with pytest.raises(ValueError, match="alpha"):
        gradus.Ridge(alpha=-1.0).fit(X, y)
    with pytest.raises(ValueError, match="l1_ratio"):
        gradus.ElasticNet(l1_ratio=1.5).fit(X, y)
    with pytest.raises(ValueError, match="max_iter"):
        gradus.Ridge(max_iter=0).fit(X, y)


def test_params_round_trip():
    reg = gradus.ElasticNet(alpha=0.2, l1_ratio=0.3, solver="qning-svrg", random_state=3)
    params = reg.get_params()
    assert params["alpha"] == 0.2 and params["l1_ratio"] == 0.3 and params["solver"] == "qning-svrg"
    assert reg.set_params(tol=1e-6) is reg and reg.tol == 1e-6


# Lasso and ElasticNet with fit_intercept=True (the default) declare no sparse support and refuse sparse input with
# a ValueError naming it; Ridge always, and the others with fit_intercept=False, declare it and scikit-learn's sparse
# checks fit them.
@pytest.mark.parametrize(
    "est",
    [gradus.Ridge(), gradus.Lasso(), gradus.ElasticNet(), gradus.Ridge(fit_intercept=False),
     gradus.Lasso(fit_intercept=False), gradus.ElasticNet(fit_intercept=False)],
    ids=lambda e: f"{type(e).__name__}-intercept-{e.fit_intercept}",
)
def test_check_estimator(est):
    check_estimator(est)


def test_any_dense_layout_gives_the_same_bits():
    # The core copies any layout into the same row-major buffer, so fits without intercept agree bit for bit: C
    # order, Fortran order, a strided view, and float32 input (widened first). With an intercept, numpy's column
    # means depend on the layout in their last bits (its summation order follows memory), so 1e-12 there.
    X, y = diabetes()
    wide = np.repeat(X, 2, axis=1)
    for fit_intercept in [False, True]:
        base = gradus.Lasso(alpha=0.1, solver="fista", fit_intercept=fit_intercept).fit(X, y)
        for other in [np.asfortranarray(X), wide[:, ::2]]:
            assert not other.flags["C_CONTIGUOUS"]
            fit = gradus.Lasso(alpha=0.1, solver="fista", fit_intercept=fit_intercept).fit(other, y)
            if fit_intercept:
                np.testing.assert_allclose(fit.coef_, base.coef_, rtol=1e-12)
            else:
                np.testing.assert_array_equal(fit.coef_, base.coef_)
    X32 = X.astype(np.float32)
    a = gradus.Lasso(alpha=0.1, solver="fista", fit_intercept=False).fit(X32, y)
    b = gradus.Lasso(alpha=0.1, solver="fista", fit_intercept=False).fit(X32.astype(np.float64), y)
    np.testing.assert_array_equal(a.coef_, b.coef_)


def test_csr_int32_and_int64_indices_give_the_same_bits():
    Xs, y = sparse_diabetes()
    assert Xs.indices.dtype == np.int32
    X64 = Xs.copy()
    X64.indices, X64.indptr = Xs.indices.astype(np.int64), Xs.indptr.astype(np.int64)
    assert X64.indices.dtype == np.int64
    a = gradus.Lasso(alpha=0.1, fit_intercept=False).fit(Xs, y)
    b = gradus.Lasso(alpha=0.1, fit_intercept=False).fit(X64, y)
    np.testing.assert_array_equal(a.coef_, b.coef_)
    parts = ((1, 1), np.array([0, 1], dtype=np.int32), np.array([-1], dtype=np.int32), np.array([1.0]))
    with pytest.raises(ValueError, match="column index -1 is out of range"):
        gradus._gradus.LinearProblem.csr(*parts, np.array([1.0]), "squared", 0.0, 0.0)


def test_input_is_read_in_place_where_the_layout_allows_and_kept_alive():
    # C-contiguous float64 without an intercept column (dense), and a CSR matrix's float64 values, are read in place:
    # the same bits as a copy (Fortran order), and the problem keeps the array alive after the caller drops it. With
    # an intercept column, with centring or in Fortran order, the core copies.
    import gc
    import weakref

    X, y = diabetes()
    Xc = np.ascontiguousarray(X)
    cases = [
        (Xc, False, True),
        (np.asfortranarray(X), False, False),
        (Xc, True, False),
    ]
    Xs, _ = sparse_diabetes()
    X64 = Xs.copy()
    X64.indices, X64.indptr = Xs.indices.astype(np.int64), Xs.indptr.astype(np.int64)
    # int64 indices are converted, but the values are still read in place.
    cases += [(Xs, False, True), (X64, False, True), (Xs, True, False)]
    for data, intercept, in_place in cases:
        p = gradus.LinearProblem(data, y, loss="squared", l2=1e-3, intercept=intercept)
        assert p.in_place == in_place, (type(data), intercept)
    assert not gradus.LinearProblem(Xc, y, loss="squared", l2=1e-3, x_offset=Xc.mean(axis=0)).in_place

    owned = Xc.copy()
    reference = gradus.LinearProblem(Xc, y, loss="squared", l2=1e-3).solve("lbfgs", tol=1e-12)
    copied = gradus.LinearProblem(np.asfortranarray(X), y, loss="squared", l2=1e-3).solve("lbfgs", tol=1e-12)
    np.testing.assert_array_equal(reference.coef, copied.coef)
    p = gradus.LinearProblem(owned, y, loss="squared", l2=1e-3)
    alive = weakref.ref(owned)
    del owned
    gc.collect()
    assert alive() is not None, "the problem holds the array it reads"
    np.testing.assert_array_equal(p.solve("lbfgs", tol=1e-12).coef, reference.coef)
    del p
    gc.collect()
    assert alive() is None, "and releases it with the problem"

    mp = gradus.MultinomialProblem(Xc, (y > np.median(y)).astype(np.int64), 2, l2=1e-2)
    assert mp.in_place

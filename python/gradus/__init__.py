"""gradus: first-order optimization from Rust, with scikit-learn-style estimators.

>>> import gradus
>>> clf = gradus.LogisticRegression(C=1.0, solver="lbfgs").fit(X, y)  # doctest: +SKIP
>>> reg = gradus.Lasso(alpha=0.1, solver="fista").fit(X, t)  # doctest: +SKIP
"""

from ._base import Fit, LinearProblem, MultinomialProblem
from ._gradus import multinomial_solvers, proximal_solvers, solvers
from ._linear import ElasticNet, Lasso, Ridge
from ._logistic import LogisticRegression

__all__ = [
    "ElasticNet",
    "Fit",
    "Lasso",
    "LinearProblem",
    "LogisticRegression",
    "MultinomialProblem",
    "Ridge",
    "multinomial_solvers",
    "proximal_solvers",
    "solvers",
]
__version__ = "0.1.0"

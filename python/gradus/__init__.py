"""gradus: first-order optimization from Rust, with scikit-learn-style estimators.

>>> from gradus import LogisticRegression
>>> clf = LogisticRegression(C=1.0, solver="lbfgs").fit(X, y)  # doctest: +SKIP
"""

from ._gradus import solvers
from ._logistic import LogisticRegression

__all__ = ["LogisticRegression", "solvers"]
__version__ = "0.1.0"

"""A stand-alone stand-in for ``benchmark_logreg_l2``'s objective, so the gradus solver runs in benchopt from this
folder alone (``benchopt run python/benchopt``), offline, in tests and CI.

It is the same problem as the benchmark's: the L2-regularized logistic loss summed over the samples,

    P(β) = Σᵢ log(1 + exp(−yᵢ xᵢᵀβ)) + (λ/2)‖β‖²,   labels yᵢ ∈ {−1, +1},

evaluated on the training data (and on test data when the data set gives some), with the result ``beta`` a
vector of length n_features, as in the benchmark. Solver files written for the benchmark run here unchanged.
"""

import numpy as np
from benchopt import BaseObjective


def logistic_l2(X, y, lmbd, beta):
    """Σᵢ log(1 + exp(−yᵢ xᵢᵀβ)) + (λ/2)‖β‖², without overflow for large margins."""
    margins = y * np.asarray(X @ beta).ravel()
    return float(np.logaddexp(0.0, -margins).sum() + 0.5 * lmbd * (beta @ beta))


class Objective(BaseObjective):
    name = "L2 Logistic Regression"
    min_benchopt_version = "1.7"

    parameters = {"lmbd": [1.0, 0.01]}

    def set_data(self, X, y, X_test=None, y_test=None):
        labels = set(np.unique(y).tolist())
        if labels != {-1.0, 1.0}:
            raise ValueError(f"the logistic loss here takes labels in {{-1, +1}}, got {sorted(labels)}")
        self.X, self.y, self.X_test, self.y_test = X, y, X_test, y_test

    def get_objective(self):
        return dict(X=self.X, y=self.y, lmbd=self.lmbd)

    def evaluate_result(self, beta):
        result = {"value": logistic_l2(self.X, self.y, self.lmbd, beta)}
        if self.X_test is not None:
            result["test_loss"] = logistic_l2(self.X_test, self.y_test, self.lmbd, beta)
        return result

    def get_one_result(self):
        return dict(beta=np.zeros(self.X.shape[1]))

"""Simulated binary classification data from benchopt's own generator (``make_correlated_data``: Gaussian
features with correlation ρ^|i−j| between features i and j), labels the signs of its noisy linear targets; no
download. Usable with ``benchmark_logreg_l2`` as ``-d <path to this file>``."""

import numpy as np
from benchopt import BaseDataset
from benchopt.datasets import make_correlated_data


class Dataset(BaseDataset):
    name = "correlated"

    parameters = {
        "n_samples, n_features": [(500, 50), (10_000, 200)],
        "rho": [0.6],
        "random_state": [0],
    }

    def get_data(self):
        X, t, _ = make_correlated_data(
            self.n_samples, self.n_features, rho=self.rho, random_state=self.random_state
        )
        y = np.where(t > 0, 1.0, -1.0)
        return dict(X=np.ascontiguousarray(X), y=y)

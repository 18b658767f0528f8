"""Estimators that misbehave on purpose, for the sklearn flavor's tests.
The workers import this module when they unpickle a model (the test runs
them with this folder as their working directory).

Each wraps a fitted estimator and, on predict:
- Recording appends the number of rows to the file $MLCD_TEST_CALLS;
- Crashy exits the process at once when a row's first feature is 666;
- Picky raises ValueError when a row's first feature is 13.
Every one writes its pid to $MLCD_TEST_PIDS (one line per process) when
it is unpickled.
"""
import os

import numpy as np


def _note_pid():
    path = os.environ.get("MLCD_TEST_PIDS")
    if path:
        with open(path, "a") as f:
            f.write("%d\n" % os.getpid())


class Wrapped:
    def __init__(self, inner):
        self.inner = inner
        self.n_features_in_ = inner.n_features_in_
        if hasattr(inner, "feature_names_in_"):
            self.feature_names_in_ = inner.feature_names_in_
        if hasattr(inner, "classes_"):
            self.classes_ = inner.classes_

    def __setstate__(self, state):
        self.__dict__.update(state)
        _note_pid()

    def check(self, x):
        pass

    def predict(self, x):
        self.check(np.asarray(x))
        return self.inner.predict(x)

    def predict_proba(self, x):
        self.check(np.asarray(x))
        return self.inner.predict_proba(x)


class Recording(Wrapped):
    def check(self, x):
        with open(os.environ["MLCD_TEST_CALLS"], "a") as f:
            f.write("%d\n" % len(x))


class Crashy(Wrapped):
    def check(self, x):
        if (x[:, 0] == 666).any():
            os._exit(1)


class Picky(Wrapped):
    def check(self, x):
        if (x[:, 0] == 13).any():
            raise ValueError("13 is unlucky")

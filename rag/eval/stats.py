"""Spread of a figure over questions: percentile bootstrap intervals (fixed seed, so a report is reproducible)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

RESAMPLES = 2000
SEED = 15


@dataclass(frozen=True)
class Estimate:
    value: float | None  # the mean over the questions it is defined on (None when there are none)
    lo: float | None  # 95% percentile bootstrap interval
    hi: float | None
    n: int

    def as_dict(self) -> dict[str, float | int | None]:
        return {"value": self.value, "lo": self.lo, "hi": self.hi, "n": self.n}

    def __str__(self) -> str:
        if self.value is None:
            return "-"
        return f"{self.value:.3f} [{self.lo:.2f}, {self.hi:.2f}] (n={self.n})"


def mean_ci(values: Sequence[float], resamples: int = RESAMPLES, seed: int = SEED) -> Estimate:
    """Mean and 95% bootstrap interval of per-question values (0/1 for shares)."""
    x = np.asarray(values, dtype=np.float64)
    if not len(x):
        return Estimate(None, None, None, 0)
    rng = np.random.default_rng(seed)
    means = x[rng.integers(0, len(x), size=(resamples, len(x)))].mean(axis=1)
    lo, hi = np.percentile(means, [2.5, 97.5])
    return Estimate(round(float(x.mean()), 4), round(float(lo), 4), round(float(hi), 4), len(x))


def quantile_ci(values: Sequence[float], q: float, resamples: int = RESAMPLES, seed: int = SEED) -> Estimate:
    """A quantile (latency p50/p95) and its bootstrap interval."""
    x = np.asarray(values, dtype=np.float64)
    if not len(x):
        return Estimate(None, None, None, 0)
    rng = np.random.default_rng(seed)
    qs = np.quantile(x[rng.integers(0, len(x), size=(resamples, len(x)))], q, axis=1)
    lo, hi = np.percentile(qs, [2.5, 97.5])
    return Estimate(round(float(np.quantile(x, q)), 3), round(float(lo), 3), round(float(hi), 3), len(x))

"""Benchmark: 10,000 Monte Carlo draws of the PII engine for 34 units × 52 indicators (budget: under 2 s).

Random lognormal indicator values in a 7-pillar, 18-group framework of the PII's size; prints the best of 3.
"""

import time

import numpy as np
import pandas as pd

from bnkpi_utils import pii


def synthetic(n_units: int = 34, n_indicators: int = 52, seed: int = 0):
    rng = np.random.default_rng(seed)
    units = [f"u{i:02d}" for i in range(n_units)]
    indicators = [f"i{j:02d}" for j in range(n_indicators)]
    framework = pd.DataFrame({"indicator": indicators,
                              "group": [f"g{j % 18:02d}" for j in range(n_indicators)],
                              "pillar": [pii.PILLARS[(j % 18) % 7] for j in range(n_indicators)],
                              "direction": 1})
    values = pd.DataFrame(rng.lognormal(size=(n_units, n_indicators)), index=units, columns=indicators)
    return values, framework


def measure(n_draws: int = 10_000, repeats: int = 3) -> float:
    values, framework = synthetic()
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        pii.monte_carlo_ranks(values, framework, n_draws=n_draws)
        best = min(best, time.perf_counter() - start)
    return best


if __name__ == "__main__":
    seconds = measure()
    print(f"pii_monte_carlo_10000_draws_34x52\t{seconds:.3f} s\t(budget 2 s)")

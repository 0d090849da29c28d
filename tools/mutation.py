"""`make mutation`: mutation testing of the method modules (pii.py, tfp.py, targets.py) with mutmut.

mutmut (configured in pyproject.toml, ``[tool.mutmut]``) generates every mutant of the three modules; this script
runs the mutants of the method functions — the computations a verdict rests on, not the wording of notes — against
the fast unit tests, and prints the survival rate per module and every survivor. Mutating the ~5,000 sites of the
three modules takes hours on two busy cores, so by default a fixed random sample (``--sample``, seed ``--seed``)
is run (``SEED`` in the environment sets the seed); ``--all`` runs every method mutant. Survivors: ``.venv/bin/mutmut show <name>``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MUTMUT = [str(Path(sys.executable).parent / "mutmut"), "run"]
METHOD_FUNCTIONS = {
    "pii": ("aggregate_pillars", "rank_percentile", "score_bounds", "implied_rank", "gap_to_rank", "what_if",
            "pillar_moves", "_is_outlying", "treat_outliers", "gii_log", "normalise", "compute_index",
            "monte_carlo_ranks"),
    "tfp": ("log_growth", "perpetual_inventory", "complete", "growth_accounting", "period_shares", "_break_free",
            "reconciling_alpha", "national_record", "target_arithmetic", "inputs_for", "merged_inputs",
            "regional_inputs"),
    "targets": ("default_territory", "partial_months", "target_territory", "scale_dependent", "meets",
                "effective_target", "growth_rate", "eurostat_ratio", "status_from_ratio", "probability_words",
                "_prob_normal", "forecast_models", "backtest", "project", "_territory_rule", "_period_status",
                "_tfp_share", "pace_short", "contradicts", "reconcile", "_increase", "_assess_period_sum",
                "no_verdict_reason", "_ols_prediction", "_local_linear_trend_fit", "series_for", "_rows"),
}
STATUS = {0: "survived", 1: "killed", 3: "killed", 5: "no tests", 33: "no tests", 34: "skipped", 36: "timeout",
          -24: "timeout", 24: "timeout", 152: "timeout", 255: "timeout", None: "not checked"}


def _meta() -> dict[str, int | None]:
    codes: dict[str, int | None] = {}
    for path in (ROOT / "mutants" / "bnkpi_utils").glob("*.py.meta"):
        codes.update(json.loads(path.read_text())["exit_code_by_key"])
    return codes


def _function(name: str) -> tuple[str, str]:
    module, rest = name.split(".")[1], name.split(".", 2)[2]
    return module, rest.removeprefix("x_").rsplit("__mutmut_", 1)[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=int, default=500, help="mutants to run (default 500)")
    # the sample's seed: `make mutation SEED=…`; 1919 is the December 2026 sample (docs/methods-testing.md)
    parser.add_argument("--seed", type=int, default=int(os.environ.get("SEED", 1919)))
    parser.add_argument("--all", action="store_true", help="run every mutant of the method functions")
    args = parser.parse_args()
    # one cheap mutant: makes mutmut generate every mutant and collect which tests cover which function
    subprocess.run(MUTMUT + ["bnkpi_utils.pii.x_rank_percentile__mutmut_1"], cwd=ROOT, check=False,
                   stdout=subprocess.DEVNULL)
    names = sorted(n for n in _meta() if _function(n)[1] in METHOD_FUNCTIONS[_function(n)[0]])
    chosen = names if args.all or args.sample >= len(names) else sorted(random.Random(args.seed).sample(names, args.sample))
    print(f"{len(names)} mutants in the method functions; running {len(chosen)}", flush=True)
    subprocess.run(MUTMUT + chosen, cwd=ROOT, check=False, stdout=subprocess.DEVNULL)
    codes = _meta()
    results = {n: STATUS.get(codes.get(n), "suspicious") for n in chosen}
    print(f"\n{'module':10} {'run':>5} {'killed':>7} {'timeout':>8} {'survived':>9} {'no tests':>9} {'survival':>9}")
    for module in (*METHOD_FUNCTIONS, "all"):
        mine = [s for n, s in results.items() if module == "all" or _function(n)[0] == module]
        count = Counter(mine)
        checked = count["killed"] + count["timeout"] + count["survived"] + count["no tests"]
        rate = 100 * (count["survived"] + count["no tests"]) / checked if checked else float("nan")
        print(f"{module:10} {len(mine):5} {count['killed']:7} {count['timeout']:8} {count['survived']:9} "
              f"{count['no tests']:9} {rate:8.1f}%")
    survivors = [n for n, s in results.items() if s in ("survived", "no tests")]
    if survivors:
        print("\nSurvivors (mutmut show NAME):")
        for name in survivors:
            print(f"  {name} ({results[name]})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Expected agreement figures for thematic's tests, from the reference implementations.

Cohen's kappa from scikit-learn (`sklearn.metrics.cohen_kappa_score`), Krippendorff's alpha
(nominal) from the PyPI package `krippendorff`, percent agreement by its definition (share of
agreeing coder pairs over units rated by both). Writes `agreement_expected.json` beside this
script; `tests/agreement.rs` asserts thematic's figures equal these to 1e-9.

    python3 -m venv /tmp/oracle && /tmp/oracle/bin/pip install scikit-learn==1.9.1 krippendorff==0.9.0
    /tmp/oracle/bin/python tests/oracles/agreement.py

Fixtures are fixed by a seeded generator, so the file is reproducible.
"""
import itertools
import json
import math
import pathlib
import random

import krippendorff
import numpy as np
import sklearn
from sklearn.metrics import cohen_kappa_score

rng = random.Random(20261123)


def fixture(name, coders, units, categories, missing, agreement):
    """Ratings (coders x units); each coder copies a unit's 'true' category with probability
    `agreement`, else picks one at random; a rating is missing with probability `missing`."""
    truth = [rng.randrange(categories) for _ in range(units)]
    ratings = []
    for _ in range(coders):
        row = []
        for t in truth:
            if rng.random() < missing:
                row.append(None)
            elif rng.random() < agreement:
                row.append(t)
            else:
                row.append(rng.randrange(categories))
        ratings.append(row)
    return {"name": name, "ratings": ratings}


fixtures = [
    fixture("binary, two coders, 200 passages", 2, 200, 2, 0.0, 0.8),
    fixture("binary, two coders, rare code", 2, 500, 2, 0.0, 0.95),
    fixture("three categories, two coders", 2, 120, 3, 0.0, 0.6),
    fixture("binary, three coders, missing ratings", 3, 150, 2, 0.15, 0.75),
    fixture("five categories, four coders, missing ratings", 4, 80, 5, 0.2, 0.5),
    fixture("binary, two coders, near chance", 2, 300, 2, 0.0, 0.1),
    {
        "name": "Krippendorff (2011) nominal example",
        "ratings": [
            [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
            [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
            [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
            [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
        ],
    },
]

for f in fixtures:
    ratings = f["ratings"]
    data = np.array([[np.nan if r is None else r for r in row] for row in ratings], dtype=float)
    f["alpha"] = float(krippendorff.alpha(reliability_data=data, level_of_measurement="nominal"))
    kappas = {}
    for a, b in itertools.combinations(range(len(ratings)), 2):
        pairs = [(x, y) for x, y in zip(ratings[a], ratings[b]) if x is not None and y is not None]
        k = cohen_kappa_score([x for x, _ in pairs], [y for _, y in pairs])
        kappas[f"{a},{b}"] = None if math.isnan(k) else float(k)
    f["kappa"] = kappas
    agree = pairs_total = 0
    for unit in zip(*ratings):
        rated = [r for r in unit if r is not None]
        for x, y in itertools.combinations(rated, 2):
            pairs_total += 1
            agree += x == y
    f["percent"] = agree / pairs_total

out = {
    "generated_by": f"tests/oracles/agreement.py with scikit-learn {sklearn.__version__}, "
    f"krippendorff 0.9.0, numpy {np.__version__}",
    "fixtures": fixtures,
}
path = pathlib.Path(__file__).with_name("agreement_expected.json")
path.write_text(json.dumps(out, indent=1) + "\n")
print(f"wrote {path}: {len(fixtures)} fixtures")

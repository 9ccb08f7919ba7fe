#!/usr/bin/env python3
"""Writes logistic_oracle.json: scikit-learn's fits that src/learn/logistic/ must agree with.

The Rust test reads the committed JSON and needs no Python. To regenerate:

    python3 -m venv /tmp/skl && /tmp/skl/bin/pip install scikit-learn numpy
    /tmp/skl/bin/python tests/data/learn/make_logistic_oracle.py

The data imitate the real use: more features than passages (so the training set is
linearly separable and only the L2 term keeps the weights finite), rows that look like
L2-normalised tf-idf, about one positive in five, and a few empty rows.
"""

import json
import pathlib
import warnings

import numpy as np
import scipy.sparse as sp
import sklearn
from sklearn.linear_model import LogisticRegression

ROWS = 300
COLUMNS = 2000
TERMS_PER_ROW = 20  # about 1% density
INFORMATIVE = 100  # columns with a true weight
POSITIVE_SHARE = 0.2
EMPTY_ROWS = (17, 151, 299)

FITS = [
    {"c": 1.0, "balanced": False},
    {"c": 10.0, "balanced": True},
]

HERE = pathlib.Path(__file__).resolve().parent


def significant(x, digits=10):
    """Rounds to `digits` significant digits so the JSON stays small."""
    return float(f"{x:.{digits}g}")


def make_matrix(rng):
    """A CSR matrix of float32 values whose rows look like L2-normalised tf-idf."""
    indptr, indices, values = [0], [], []
    for row in range(ROWS):
        if row in EMPTY_ROWS:
            indptr.append(len(indices))
            continue
        count = max(1, rng.poisson(TERMS_PER_ROW))
        columns = np.sort(rng.choice(COLUMNS, size=count, replace=False))
        weights = rng.uniform(0.05, 1.0, size=count)
        weights /= np.linalg.norm(weights)
        indices.extend(int(c) for c in columns)
        # float32 is what SparseRows stores, so both sides fit the very same numbers.
        values.extend(np.float32(w) for w in weights)
        indptr.append(len(indices))
    values = np.array(values, dtype=np.float32)
    matrix = sp.csr_matrix(
        (values.astype(np.float64), np.array(indices), np.array(indptr)),
        shape=(ROWS, COLUMNS),
    )
    return matrix, indptr, indices, values


def make_labels(rng, matrix):
    """Labels from a sparse true weight vector plus noise, the top POSITIVE_SHARE positive."""
    truth = np.zeros(COLUMNS)
    informative = rng.choice(COLUMNS, size=INFORMATIVE, replace=False)
    truth[informative] = rng.normal(0.0, 4.0, size=INFORMATIVE)
    score = matrix @ truth
    score += rng.normal(0.0, 0.5 * score.std(), size=ROWS)
    threshold = np.quantile(score, 1.0 - POSITIVE_SHARE)
    return score > threshold


def fit(matrix, labels, c, balanced):
    model = LogisticRegression(
        penalty="l2",
        C=c,
        solver="lbfgs",
        fit_intercept=True,
        tol=1e-10,
        max_iter=10000,
        class_weight="balanced" if balanced else None,
    )
    with warnings.catch_warnings():
        # scikit-learn 1.8 deprecated `penalty` in favour of `l1_ratio`; "l2" is still
        # exactly the objective the Rust code minimises.
        warnings.simplefilter("ignore", FutureWarning)
        model.fit(matrix, labels)
    probability = model.predict_proba(matrix)[:, 1]
    return {
        "c": c,
        "balanced": balanced,
        "iterations": int(model.n_iter_[0]),
        "intercept": significant(model.intercept_[0]),
        "coef": [significant(w) for w in model.coef_[0]],
        "probability": [significant(p) for p in probability],
    }


def main():
    rng = np.random.RandomState(7)
    matrix, indptr, indices, values = make_matrix(rng)
    labels = make_labels(rng, matrix)
    oracle = {
        "generator": "make_logistic_oracle.py",
        "sklearn": sklearn.__version__,
        "rows": ROWS,
        "columns": COLUMNS,
        "indptr": indptr,
        "indices": indices,
        # Shortest decimal that reads back as the same float32.
        "values": [float(np.format_float_positional(v, unique=True)) for v in values],
        "positive": [bool(p) for p in labels],
        "fits": [fit(matrix, labels, **options) for options in FITS],
    }
    path = HERE / "logistic_oracle.json"
    path.write_text(json.dumps(oracle, separators=(",", ":")) + "\n")
    print(
        f"{path.name}: {path.stat().st_size} bytes, {len(indices)} non-zeros, "
        f"{int(labels.sum())} positives, iterations "
        + ", ".join(str(f["iterations"]) for f in oracle["fits"])
    )


if __name__ == "__main__":
    main()

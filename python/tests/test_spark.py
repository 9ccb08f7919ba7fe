"""thematic.spark on a local Spark (`local[2]`): segments and tables equal the command line's,
on the shipped corpus and on a generated corpus (20 MB in the test suite, THEMATIC_SPARK_MB=200
for the full check). Skipped, saying why, where pyspark or Java is missing
(scripts/python-test.sh installs both unless THEMATIC_SPARK_TESTS=0)."""

import json
import os
import pathlib
import random
import shutil
import subprocess
import sys

import pandas as pd
import pandas.testing as pdt
import pytest

import thematic

pyspark = pytest.importorskip("pyspark", reason="pyspark is not installed: no Spark tests")
if shutil.which("java") is None:
    pytest.skip("no Java runtime on PATH: no Spark tests", allow_module_level=True)

from pyspark.sql import SparkSession  # noqa: E402

from thematic import spark as ts  # noqa: E402
from test_thematic import csv, run_cli  # noqa: E402


@pytest.fixture(scope="module")
def session():
    # The executors' Python is this one, where the package is installed.
    os.environ["PYSPARK_PYTHON"] = sys.executable
    spark = (
        SparkSession.builder.master("local[2]")
        .appName("thematic-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.driver.memory", "1g")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    yield spark
    spark.stop()


def texts_of(folder: pathlib.Path):
    """The documents of a folder of .txt files, named as the shipped manifest names them."""
    return [
        (p.stem, p.read_text(encoding="utf-8"))
        for p in sorted(folder.rglob("*.txt"))
    ]


def test_segments_equal_thematic_code_on_the_shipped_corpus(root, session):
    docs = texts_of(root / "corpus")
    df = session.createDataFrame(docs, "doc string, text string").repartition(2)
    got = ts.code(df).toPandas()
    want = pd.DataFrame(
        [json.loads(l) for l in run_cli(root, "code", "corpus").splitlines()]
    )[["doc", "passage", "start", "end", "code", "origin", "lang", "role", "text", "hits"]]
    got["hits"] = got["hits"].map(lambda hs: [h if isinstance(h, dict) else h.asDict() for h in hs])
    key = ["doc", "passage", "code"]
    got = got.sort_values(key).reset_index(drop=True)
    want = want.sort_values(key).reset_index(drop=True)
    assert len(got) > 100
    pdt.assert_frame_equal(got, want, check_dtype=False)


def test_summarized_tables_equal_thematic_analyze(root, session, tmp_path):
    docs = texts_of(root / "corpus")
    df = session.createDataFrame(docs, "doc string, text string").repartition(3)
    tables = ts.summarize(df)
    out = tmp_path / "out"
    run_cli(root, "analyze", "corpus", "-o", str(out))
    pdt.assert_frame_equal(tables.frequencies, csv(out / "frequencies.csv"))
    pdt.assert_frame_equal(tables.cooccurrence, csv(out / "cooccurrence.csv"))
    assert tables.documents == len(docs)


def generated(root: pathlib.Path, folder: pathlib.Path, megabytes: int):
    """A corpus of `megabytes` MB: documents of 40 paragraphs drawn from the shipped corpus."""
    paragraphs = [
        p for _, t in texts_of(root / "corpus") for p in t.split("\n\n") if len(p.strip()) > 40
    ]
    rng = random.Random(17)
    folder.mkdir()
    size, n = 0, 0
    while size < megabytes * 1_000_000:
        text = "\n\n".join(rng.choice(paragraphs) for _ in range(40))
        (folder / f"d{n:06}.txt").write_text(text, encoding="utf-8")
        size += len(text.encode("utf-8"))
        n += 1
    return n


def test_a_generated_corpus_gives_the_command_lines_tables(root, session, tmp_path):
    folder = tmp_path / "gen"
    n = generated(root, folder, int(os.environ.get("THEMATIC_SPARK_MB", "20")))
    summary = subprocess.run(
        [os.environ.get("THEMATIC_BIN", str(root / "target/release/thematic")), "-q", "code", str(folder), "--format", "summary"],
        check=True, capture_output=True, text=True,
    ).stdout
    want = ts.merge([summary])
    df = session.read.text(str(folder), wholetext=True).selectExpr(
        "regexp_extract(input_file_name(), '([^/]+)\\\\.txt$', 1) as doc", "value as text"
    )
    got = ts.summarize(df)
    assert got.documents == want.documents == n
    pdt.assert_frame_equal(got.frequencies, want.frequencies)
    pdt.assert_frame_equal(got.cooccurrence, want.cooccurrence)

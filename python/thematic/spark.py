"""thematic on Apache Spark: code a DataFrame of texts on the executors, and merge per-partition
summaries into the frequency and co-occurrence tables on the driver.

    >>> from thematic import spark as ts
    >>> segments = ts.code(df, text_col="text", id_col="doc")      # a Spark DataFrame
    >>> tables = ts.summarize(df, text_col="text", id_col="doc")   # pandas DataFrames

The codebook is compiled once per executor process (Spark reuses its Python workers) and sent
as the way it was made: the shipped codebook, its TOML text, or a file path — which every
executor must then reach at the same path (put it on shared storage, or use ``from_toml``).
A document (one row) is never split, so the merged tables equal those of one run over all
rows; the driver receives one summary per partition, not the segments, so its memory does
not grow with the corpus.

The command-line route needs no Python package on the executors, only the ``thematic``
binary::

    rdd.map(lambda r: json.dumps({"id": r.doc, "text": r.text})) \\
       .pipe("thematic code --stdin --format summary")          # one summary per partition

and ``thematic merge`` (or :func:`merge`) of the collected summaries.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator, List, Optional, Sequence, Union

import pandas as pd

from . import Codebook, Coder, _frame
from ._thematic import merge_summaries

__all__ = ["SEGMENT_SCHEMA", "Summary", "code", "merge", "summarize"]

SEGMENT_SCHEMA = (
    "doc string, passage long, start long, `end` long, code string, origin string, "
    "lang string, role string, text string, "
    "hits array<struct<start: long, `end`: long, pattern: string>>"
)
"""The schema of :func:`code`'s DataFrame: the record of ``thematic code``."""

_COLUMNS = ["doc", "passage", "start", "end", "code", "origin", "lang", "role", "text", "hits"]

# One coder per executor process and configuration: compiling the codebook costs far more
# than coding a batch.
_CODERS: dict = {}


def _coder(codebook: Codebook, unit: str, roles: str) -> Coder:
    key = (codebook.__reduce__()[1], unit, roles)
    coder = _CODERS.get(key)
    if coder is None:
        coder = _CODERS[key] = Coder(codebook, unit=unit, roles=roles)
    return coder


def _codebook(codebook: Union[Codebook, str, None]) -> Codebook:
    if codebook is None:
        return Codebook.shipped()
    if isinstance(codebook, Codebook):
        return codebook
    return Codebook.load(str(codebook))


def code(
    df,
    text_col: str = "text",
    id_col: str = "doc",
    codebook: Union[Codebook, str, None] = None,
    *,
    unit: str = "paragraph",
    roles: str = "body",
    lang: Optional[str] = None,
):
    """Codes each row's text: a Spark DataFrame of coded segments (:data:`SEGMENT_SCHEMA`),
    one row per coded passage and code, offsets in characters of the row's text as
    ``thematic code`` gives them."""
    book = _codebook(codebook)

    def run(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        coder = _coder(book, unit, roles)
        for batch in batches:
            ids = batch[id_col].astype(str).tolist()
            texts = batch[text_col].fillna("").astype(str).tolist()
            yield pd.DataFrame(coder.code_columns(texts, ids=ids, lang=lang), columns=_COLUMNS)

    return df.select(id_col, text_col).mapInPandas(run, SEGMENT_SCHEMA)


@dataclass
class Summary:
    """Frequencies and co-occurrence merged from per-partition summaries."""

    frequencies: pd.DataFrame
    """As ``frequencies.csv`` of ``thematic merge``."""
    cooccurrence: pd.DataFrame
    """As ``cooccurrence.csv`` of ``thematic merge``."""
    documents: int
    """Rows (documents) coded."""
    passages: int
    """Passages coded."""
    summary: str
    """The merged summary (JSON), to merge again with others."""


def merge(parts: Sequence[str]) -> Summary:
    """Merges summaries (JSON from :func:`summarize`'s partitions, ``Coder.summarize`` or
    ``thematic code --format summary``) into their tables."""
    merged, frequencies, cooccurrence, documents, passages = merge_summaries(list(parts))
    return Summary(_frame(frequencies), _frame(cooccurrence), documents, passages, merged)


def summarize(
    df,
    text_col: str = "text",
    id_col: str = "doc",
    codebook: Union[Codebook, str, None] = None,
    *,
    unit: str = "paragraph",
    roles: str = "body",
    lang: Optional[str] = None,
) -> Summary:
    """The frequency and co-occurrence tables of a DataFrame of texts: each partition is coded
    into a mergeable summary on its executor, and only the summaries reach the driver."""
    book = _codebook(codebook)

    def run(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        coder = _coder(book, unit, roles)
        parts: List[str] = []
        for batch in batches:
            ids = batch[id_col].astype(str).tolist()
            texts = batch[text_col].fillna("").astype(str).tolist()
            parts.append(coder.summarize(texts, ids=ids, lang=lang))
        if parts:
            yield pd.DataFrame({"summary": [merge_summaries(parts)[0]]})

    rows = df.select(id_col, text_col).mapInPandas(run, "summary string").collect()
    if not rows:
        return merge([Coder(book, unit=unit, roles=roles).summarize([])])
    return merge([r.summary for r in rows])

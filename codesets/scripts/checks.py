"""Checks run on the finished output: counts match the sources; no CPT or CDT descriptor text."""
import os

import zstandard


def read_text(path):
    with open(path, "rb") as f:
        data = f.read()
    if path.endswith(".zst"):
        data = zstandard.ZstdDecompressor().decompress(data)
    return data.decode("utf-8", errors="replace")


def no_forbidden_text(paths, forbidden):
    """Fail if any field of any committed text file equals a CPT/CDT descriptor.

    Whole fields are compared (case-insensitive): short descriptors are generic enough that a
    substring test would flag ordinary words; CPT titles only ever arrive as whole fields.
    """
    bad = {d.lower() for d in forbidden if len(d) >= 4}
    for path in paths:
        if path.endswith(".bin.zst"):
            continue  # binary NCCI table: codes and numbers only
        for lineno, line in enumerate(read_text(path).splitlines(), 1):
            if line.startswith("#"):
                continue
            for field in line.split("\t"):
                for part in (field, field.split("=", 1)[-1]):
                    if part.strip().lower() in bad:
                        raise SystemExit(f"{path}:{lineno}: CPT/CDT descriptor text {part!r}")


def expect(name, got, want):
    if got != want:
        raise SystemExit(f"count check failed: {name}: got {got}, expected {want}")
    print(f"  {name}: {got}")


def relpaths(paths, root):
    return sorted(os.path.relpath(p, root) for p in paths)

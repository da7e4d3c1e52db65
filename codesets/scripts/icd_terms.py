"""ICD-10-CM inclusion terms (the tabular's `inclusionTerm` notes) -> icd10cm/inclusion_terms.tsv.zst.

Inclusion terms are the other names the classification gives a code ("High blood pressure" under
I10); the search index reads them. Run by build.py, or alone (needs only simple-icd-10-cm and
zstandard): `python3 icd_terms.py --out codesets/`.
"""
import argparse
import os
import sys
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from common import clean, compress, tsv_bytes, write  # noqa: E402

HEADER = [
    "source: CDC ICD-10-CM tabular list, April 1 2026 update (FY2026), via PyPI simple-icd-10-cm 1.5.0;"
    " public domain",
    "columns: code term (inclusionTerm notes of the tabular, in tabular order; code without dot)",
]


def rows(data_dir=None):
    """(code, term) for every inclusion-term note of every code, in tabular order, duplicates dropped."""
    if data_dir is None:
        import simple_icd_10_cm

        data_dir = os.path.join(os.path.dirname(simple_icd_10_cm.__file__), "data")
    root = ET.parse(os.path.join(data_dir, "icd10c-tabular-April-1-2026.xml")).getroot()
    out, seen = [], set()
    for diag in root.iter("diag"):
        code = diag.findtext("name").replace(".", "")
        for inc in diag.findall("inclusionTerm"):
            for note in inc.findall("note"):
                term = clean(note.text)
                if term and (code, term) not in seen:
                    seen.add((code, term))
                    out.append((code, term))
    return out


def build(out_dir, data_dir=None):
    """Write the file; returns its path (for the manifest) and the number of rows."""
    r = rows(data_dir)
    path = write(f"{out_dir}/icd10cm/inclusion_terms.tsv.zst", compress(tsv_bytes(HEADER, r)))
    return path, len(r)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True, help="codesets/ folder")
    args = ap.parse_args()
    p, n = build(args.out)
    print(f"{p}: {n} inclusion terms")

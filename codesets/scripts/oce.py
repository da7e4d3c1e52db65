"""I/OCE data (pyoce package, LMDB of marshal values): versions, HCPCS II, modifiers, NCCI PTP."""
import marshal
import re

import lmdb

LEVEL2 = re.compile(r"^[A-V][0-9]{4}$")


class Oce:
    def __init__(self, path):
        self.env = lmdb.open(path, subdir=False, readonly=True, lock=False, max_dbs=100)

    def rows(self, name):
        """Yield (key, value) of one named database; values are Python marshal data."""
        db = self.env.open_db(name.encode())
        with self.env.begin(db=db) as txn:
            for k, v in txn.cursor():
                yield bytes(k).decode("ascii"), marshal.loads(bytes(v))


def versions(oce):
    """{version index: (version_id, start, end)} from version_range."""
    out = {}
    for k, v in oce.rows("version_range"):
        out[int(k)] = (v["version_id"], v["date_started"], v["date_ended"])
    return out


def version_rows(vers):
    latest = max(vers)
    # The latest version's end date is a placeholder far in the future: write it open.
    return [(i, vid, s, "" if i == latest else e) for i, (vid, s, e) in sorted(vers.items())]


def _span(vers, lo, hi):
    latest = max(vers)
    return vers[lo][1], ("" if hi == latest else vers[hi][2])


def hcpcs_rows(oce, vers):
    """Rows for hcpcs.tsv: code, from, to, lo_age, hi_age, short title (blank for CDT D-codes).

    Consecutive OCE rows that differ only in fields we do not keep are merged.
    """
    raw = []
    for k, v in oce.rows("data_hcpcs"):
        code = k.split("|")[0]
        if not LEVEL2.match(code):
            continue  # CPT: codes and AMA descriptors are not taken from here
        title = "" if code.startswith("D") else v["description"].strip()
        raw.append((code, v["lo_version"], v["hi_version"], int(v["lo_age"]), int(v["hi_age"]), title))
    raw.sort()
    merged = []
    for r in raw:
        if merged and merged[-1][0] == r[0] and merged[-1][3:] == r[3:] and merged[-1][2] + 1 == r[1]:
            merged[-1] = (r[0], merged[-1][1], r[2]) + r[3:]
        else:
            merged.append(r)
    return [(c, *_span(vers, lo, hi), la, ha, t) for c, lo, hi, la, ha, t in merged]


def forbidden_descriptors(oce):
    """Descriptors that must never be committed: CPT (AMA) and CDT D-codes (ADA)."""
    bad, allowed = set(), set()
    for k, v in oce.rows("data_hcpcs"):
        code, desc = k.split("|")[0], v["description"].strip()
        if not desc:
            continue
        if LEVEL2.match(code) and not code.startswith("D"):
            allowed.add(desc)
        else:
            bad.add(desc)
    return bad - allowed


def modifier_rows(oce, vers):
    """Rows for modifiers.tsv: code, from, to, ncci (1 = bypasses an NCCI PTP edit)."""
    rows = []
    for k, v in oce.rows("data_modifier"):
        code, lo, hi = k.split("|")
        if code.startswith("#"):
            continue  # internal placeholders of the editor, not billable modifiers
        rows.append((code, *_span(vers, int(lo), int(hi)), 1 if v["ncci"] else 0))
    return sorted(rows)


def icd_short_titles(oce):
    """{code: latest OCE short title} for ICD-10-CM codes (used for codes gone from the tabular)."""
    best = {}
    for k, v in oce.rows("data_dx10"):
        code = k.split("|")[0]
        if code not in best or v["hi_version"] > best[code][0]:
            best[code] = (v["hi_version"], v["description"].strip())
    return {c: t for c, (_, t) in best.items()}


def ncci_rows(oce):
    """Sorted [(col1, col2, lo_version, hi_version, modifier_indicator 0/1)]."""
    rows = []
    for col1, pairs in oce.rows("map_ncci"):
        for c2, blob in pairs:
            d = marshal.loads(bytes(blob))
            rows.append((col1, d["code2"], d["lo_version"], d["hi_version"], 1 if d["mod_indicator"] else 0))
    rows.sort()
    return rows

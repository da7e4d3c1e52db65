"""Columnar binary encoding of the NCCI PTP table (see docs/codesets.md for the layout)."""

MAGIC = b"MBNCCI01"


def _varint(n, out):
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return


def encode(rows):
    """rows: sorted (col1, col2, lo, hi, mod). Returns the uncompressed file bytes.

    Layout: magic; varint ncodes; ncodes x 5-byte codes (sorted); varint npairs; varint nrows;
    then streams: per code its number of column-1 pairs; per pair the column-2 code id as a delta
    from the previous pair of the same column-1 code; per pair its number of rows; per row lo
    version, hi version, modifier indicator (one byte each, three separate streams).
    """
    codes = sorted({r[0] for r in rows} | {r[1] for r in rows})
    if any(len(c) != 5 for c in codes):
        raise ValueError("NCCI codes are expected to be 5 characters")
    if len(codes) > 0xFFFF:
        raise ValueError("too many NCCI codes for u16 ids")
    ids = {c: i for i, c in enumerate(codes)}
    pairs = []  # (c1 id, c2 id, [(lo, hi, mod)])
    for c1, c2, lo, hi, mod in rows:
        key = (ids[c1], ids[c2])
        if pairs and pairs[-1][0:2] == key:
            pairs[-1][2].append((lo, hi, mod))
        else:
            pairs.append((key[0], key[1], [(lo, hi, mod)]))
    per_code = [0] * len(codes)
    for c1, _, _ in pairs:
        per_code[c1] += 1
    out = bytearray(MAGIC)
    _varint(len(codes), out)
    for c in codes:
        out += c.encode("ascii")
    _varint(len(pairs), out)
    _varint(len(rows), out)
    for n in per_code:
        _varint(n, out)
    prev1, prev2 = -1, 0
    for c1, c2, _ in pairs:
        _varint(c2 - prev2 if c1 == prev1 else c2, out)
        prev1, prev2 = c1, c2
    for _, _, rs in pairs:
        _varint(len(rs), out)
    for field in range(3):
        out += bytes(r[field] for _, _, rs in pairs for r in rs)
    return bytes(out)

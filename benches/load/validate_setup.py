#!/usr/bin/env python3
"""Data for the `validate` load scenario (benches/load/run.sh, issue 20).

Against a running medbill at $BASE with $TOKEN (admin): a patient with a commercial coverage,
rendering and billing providers (the billing one with the address an 837P needs), a frequency
rule on 80061 for the payer (so `frequency.exceeded` loads the patient's history), two prior
claims (earlier dates, built from signed-off encounters: `claim_services` rows for the history
checks to read), and ENCOUNTERS (default 8) open encounters with the realistic body below
(3 diagnoses, 4 lines, on a date with a prior claim that has one of the codes, so
`claim.duplicate_service` finds rows and `frequency.exceeded` fires on the lipid panel). Prints the encounter ids, comma-joined, for benches/load/validate.lua.
Standard library only.
"""
import json
import os
import sys
import urllib.request
from datetime import date, timedelta

BASE = os.environ["BASE"]
TOKEN = os.environ["TOKEN"]
N = int(os.environ.get("ENCOUNTERS", "8"))
TAG = os.environ.get("TAG", "V")


def call(method, path, body=None, if_match=None):
    req = urllib.request.Request(BASE + path, method=method)
    req.add_header("Authorization", f"Bearer {TOKEN}")
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        req.add_header("Content-Type", "application/json")
    if if_match is not None:
        req.add_header("If-Match", if_match)
    try:
        with urllib.request.urlopen(req, data=data, timeout=120) as r:
            return json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        sys.exit(f"{method} {path}: {e.code} {e.read().decode(errors='replace')}")


def days_ago(n):
    return (date.today() - timedelta(days=n)).isoformat()


def main():
    patient = call("POST", "/v1/patients", {
        "mrn": f"{TAG}-VAL-1", "first_name": "Val", "last_name": "Idate",
        "birth_date": "1958-04-12", "sex": "F", "address_line1": "1 Main St",
        "city": "Springfield", "state": "IL", "postal_code": "62701"})["id"]
    payer = call("POST", "/v1/payers", {
        "name": "Aetna", "edi_payer_id": "60054", "claim_filing_indicator": "CI",
        "timely_filing_days": 365})["id"]
    coverage = call("POST", "/v1/coverages", {
        "patient_id": patient, "payer_id": payer, "member_id": "W123",
        "relationship_code": "18", "priority": "primary",
        "effective_from": days_ago(800)})["id"]

    def provider(npi, roles):
        return call("POST", "/v1/providers", {
            "npi": npi, "entity_type": "person", "first_name": "Greg", "last_name": "House",
            "roles": roles, "tax_id": "12-3456789"})["id"]

    rendering = provider("1500000017", ["rendering"])
    billing = provider("1600000024", ["billing"])
    call("PATCH", f"/v1/providers/{billing}", {
        "address_line1": "100 Maple St", "city": "Springfield", "state": "IL",
        "postal_code": "62701-1234"}, if_match='"1"')
    call("POST", "/v1/frequency-rules", {
        "code": "80061", "payer_id": payer, "max_units": 1, "period_kind": "rolling_months",
        "period_months": 60, "description": "Lipid panel (load test policy)"})

    def body(dos, diagnoses, lines):
        return {"patient_id": patient, "date_of_service": dos, "place_of_service": "11",
                "rendering_provider_id": rendering, "billing_provider_id": billing,
                "coverage_id": coverage, "diagnoses": diagnoses, "lines": lines}

    # Prior claims: a lipid panel 10 months ago (within timely filing; frequency.exceeded fires),
    # and a visit with a draw on the scenario's date (claim.duplicate_service finds the draw).
    today = days_ago(2)
    priors = [
        body(days_ago(300), ["E78.5"], [
            {"code": "80061", "charge_cents": 4500, "diagnosis_pointers": [1]}]),
        body(today, ["I10"], [
            {"code": "99213", "charge_cents": 12500, "diagnosis_pointers": [1]},
            {"code": "36415", "charge_cents": 1200, "diagnosis_pointers": [1]}]),
    ]
    for b in priors:
        enc = call("POST", "/v1/encounters", b)["id"]
        call("POST", f"/v1/encounters/{enc}/sign-off", if_match='"1"')
        call("POST", f"/v1/encounters/{enc}/claims", {})

    # The realistic visit: hypertension, type 2 diabetes, hyperlipidemia; an established
    # patient visit with a lipid panel, an HbA1c and the draw.
    visit = body(today, ["I10", "E11.9", "E78.5"], [
        {"code": "99214", "modifiers": ["25"], "charge_cents": 18500,
         "diagnosis_pointers": [1, 2, 3]},
        {"code": "80061", "charge_cents": 4500, "diagnosis_pointers": [3]},
        {"code": "83036", "charge_cents": 2800, "diagnosis_pointers": [2]},
        {"code": "36415", "charge_cents": 1200, "diagnosis_pointers": [2, 3]},
    ])
    ids = [call("POST", "/v1/encounters", visit)["id"] for _ in range(N)]
    # The history checks must be what is measured: refuse a setup where they do not fire.
    report = call("POST", f"/v1/encounters/{ids[0]}/validate")
    rules = {f["rule"] for f in report["findings"]}
    missing = {"claim.duplicate_service", "frequency.exceeded"} - rules
    if missing:
        sys.exit(f"the history rules did not fire: {sorted(missing)} (found {sorted(rules)})")
    print(",".join(ids))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Claims from HTTP to files with the batch calls, for docs/performance.md.

Starts a release `medbill serve` (in-process worker, file drop) on a fresh SQLite data folder
(or DATABASE_URL), signs off N encounters through the API (setup, not timed), then times:
  1. POST /v1/claims/batch in requests of 1,000 (build: scrub, snapshot, 837P check, billed),
  2. POST /v1/claims/queue in requests of 1,000 (the outbox jobs),
  3. the worker writing every claim to the outbox as 837P interchanges (CLM segments counted).
Usage: benches/load/claims_batch.py [N]   (default 2000; MEDBILL_BIN, DATABASE_URL, PORT)
Standard library only.
"""
import http.client
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta

N = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
BIN = os.environ.get("MEDBILL_BIN", "target/release/medbill")
PORT = int(os.environ.get("PORT", "18282"))
CHUNK = 1000


class Api:
    def __init__(self):
        self.c = http.client.HTTPConnection("127.0.0.1", PORT, timeout=600)
        self.token = None

    def call(self, method, path, body=None, headers=None, form=None):
        h = dict(headers or {})
        if self.token:
            h["Authorization"] = f"Bearer {self.token}"
        data = None
        if form is not None:
            data = "&".join(f"{k}={v}" for k, v in form.items())
            h["Content-Type"] = "application/x-www-form-urlencoded"
        elif body is not None:
            data = json.dumps(body)
            h["Content-Type"] = "application/json"
        self.c.request(method, path, body=data, headers=h)
        r = self.c.getresponse()
        raw = r.read()
        out = json.loads(raw) if raw and raw[:1] in b"{[" else raw
        if r.status >= 300:
            raise SystemExit(f"{method} {path}: {r.status} {out}")
        return out, r


COUNTED = {}


def clm_count(outbox):
    """Claims (CLM segments) in the finished interchanges of `outbox`. Each file is read once:
    the worker renames a file into place only when it is complete, and re-reading every file
    every few milliseconds took a core away from the server being measured."""
    # The worker makes the outbox with its first file.
    if not os.path.isdir(outbox):
        return 0
    for f in os.listdir(outbox):
        if f.endswith(".837") and not f.startswith(".") and f not in COUNTED:
            with open(os.path.join(outbox, f)) as fh:
                COUNTED[f] = len(re.findall(r"(?:^|~)\s*CLM\*", fh.read()))
    return sum(COUNTED.values())


def cpu_seconds(pid):
    """User + system CPU time of a process so far (Linux), to compare builds on a busy machine."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return float("nan")


def main():
    data = tempfile.mkdtemp(prefix="medbill-claims-bench-")
    outbox = os.path.join(data, "outbox")
    env = dict(os.environ, MEDBILL_DATA_DIR=data, RUST_LOG="warn")
    server = subprocess.Popen(
        [BIN, "serve", "--listen", f"127.0.0.1:{PORT}", "--outbox-dir", outbox,
         "--poll-ms", "10", "--batch-size", "1000"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        first = server.stdout.readline()
        password = re.search(r"password (\S+)", first).group(1)
        # Up to 2 minutes: a debug build on a loaded machine takes long to load the code tables.
        for _ in range(1200):
            try:
                api = Api()
                api.call("GET", "/health/ready")
                break
            except (ConnectionError, OSError, http.client.HTTPException):
                time.sleep(0.1)
        else:
            raise SystemExit("the server did not get ready")
        tok, _ = api.call("POST", "/v1/auth/token",
                          form={"grant_type": "password", "username": "admin", "password": password})
        api.token = tok["access_token"]
        ago = lambda n: (date.today() - timedelta(days=n)).isoformat()
        payer, _ = api.call("POST", "/v1/payers", {
            "name": "Aetna", "edi_payer_id": "60054", "claim_filing_indicator": "CI",
            "timely_filing_days": 365})
        # One patient per 300 visits on distinct dates: the same service on the same day for
        # the same patient would be a claim.duplicate_service.
        people = []
        for k in range((N + 299) // 300):
            patient, _ = api.call("POST", "/v1/patients", {
                "mrn": f"BENCH-{k}", "first_name": "Ann", "last_name": "Lee",
                "birth_date": "1980-02-03", "sex": "F", "address_line1": "1 Main St",
                "city": "Springfield", "state": "IL", "postal_code": "62701"})
            cov, _ = api.call("POST", "/v1/coverages", {
                "patient_id": patient["id"], "payer_id": payer["id"], "member_id": "W123",
                "relationship_code": "18", "priority": "primary", "effective_from": ago(400)})
            people.append((patient["id"], cov["id"]))
        prov = lambda npi, roles, extra: api.call("POST", "/v1/providers", dict({
            "npi": npi, "entity_type": "person", "first_name": "Greg", "last_name": "House",
            "roles": roles, "tax_id": "12-3456789"}, **extra))[0]
        rendering = prov("1234567893", ["rendering"], {})
        billing = prov("1245319599", ["billing"], {
            "address_line1": "100 Maple St", "city": "Springfield", "state": "IL",
            "postal_code": "62701-1234"})
        body = {"place_of_service": "11",
                "rendering_provider_id": rendering["id"], "billing_provider_id": billing["id"],
                "diagnoses": ["I10"],
                "lines": [{"code": "99213", "charge_cents": 12500, "diagnosis_pointers": [1]}]}
        t = time.perf_counter()
        encounters = []
        for i in range(N):
            pid, cid = people[i // 300]
            body.update(patient_id=pid, coverage_id=cid, date_of_service=ago(3 + i % 300))
            enc, r = api.call("POST", "/v1/encounters", body)
            api.call("POST", f"/v1/encounters/{enc['id']}/sign-off",
                     headers={"If-Match": r.getheader("ETag")})
            encounters.append(enc["id"])
        setup = time.perf_counter() - t
        # For a profiler: PROFILE_READY names a file touched (with the server's pid) just
        # before the timed part, which starts PROFILE_WAIT seconds later.
        if os.environ.get("PROFILE_READY"):
            with open(os.environ["PROFILE_READY"], "w") as fh:
                fh.write(str(server.pid))
            time.sleep(float(os.environ.get("PROFILE_WAIT", "1")))

        t0 = time.perf_counter()
        c0 = cpu_seconds(server.pid)
        claims = []
        for i in range(0, N, CHUNK):
            res, _ = api.call("POST", "/v1/claims/batch",
                              {"items": [{"encounter_id": e} for e in encounters[i:i + CHUNK]]})
            assert res["failed"] == 0, res["results"][:3]
            claims += [x["claim"]["id"] for x in res["results"]]
        t1 = time.perf_counter()
        for i in range(0, N, CHUNK):
            res, _ = api.call("POST", "/v1/claims/queue", {"claim_ids": claims[i:i + CHUNK]})
            assert res["failed"] == 0, res["results"][:3]
        t2 = time.perf_counter()
        while clm_count(outbox) < N:
            time.sleep(0.005)
        t3 = time.perf_counter()
        c3 = cpu_seconds(server.pid)
        assert clm_count(outbox) == N
        print(f"claims: {N}, setup (create + sign-off {N} encounters): {setup:.1f} s")
        print(f"| batch build | {t1 - t0:.2f} s | {N / (t1 - t0):,.0f} claims/s |")
        print(f"| batch queue | {t2 - t1:.2f} s | {N / (t2 - t1):,.0f} claims/s |")
        print(f"| queue call to files (queue + worker) | {t3 - t1:.2f} s | {N / (t3 - t1):,.0f} claims/s |")
        print(f"| build + queue + files | {t3 - t0:.2f} s | {N / (t3 - t0):,.0f} claims/s |")
        # The server's CPU time over the timed part: steadier than wall time when the machine
        # is busy (two cores give at most 2 s of CPU a second).
        print(f"| server CPU, build + queue + files | {c3 - c0:.2f} s | {1e6 * (c3 - c0) / N:,.0f} µs/claim |")
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()

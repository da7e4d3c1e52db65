#!/usr/bin/env bash
# Load figures for docs/performance.md: a release server on loopback, wrk against it, on SQLite
# and on PostgreSQL. Usage: benches/load/run.sh [sqlite|postgres|both]
# Needs: a release build (cargo build --release), wrk (apt-get install wrk), and for PostgreSQL
# a server at $PG_ADMIN_URL (default postgres://postgres@127.0.0.1:5432/test).
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${MEDBILL_BIN:-target/release/medbill}
DURATION=${DURATION:-10s}
CONNS=${CONNS:-32}
THREADS=${THREADS:-2}
PORT=${PORT:-18181}
PG_ADMIN_URL=${PG_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/test}
WHICH=${1:-both}
BASE="http://127.0.0.1:$PORT"

# Waits until the audit sealer has chained every row, so a scenario does not pay for the
# previous scenario's backlog (and so a scenario's own sealing shows in its figure).
settle() {
  local token=$1
  for _ in $(seq 1 120); do
    curl -sf "$BASE/v1/audit/verify" -H "Authorization: Bearer $token" |
      python3 -c 'import sys, json; sys.exit(0 if json.load(sys.stdin)["unsealed"] == 0 else 1)' && return 0
    sleep 0.5
  done
}

summary() { # label, wrk output -> one line: requests/s, p50, p99, errors
  local label=$1 out=$2
  local rps p50 p99 errs
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1=="50%" {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  errs=$(awk '/Non-2xx/ {print $5}' <<<"$out")
  printf '| %s | %s | %s | %s | %s |\n' "$label" "$rps" "$p50" "$p99" "${errs:-0}"
}

run_backend() {
  local name=$1 url=$2 data
  data=$(mktemp -d)
  MEDBILL_DATA_DIR=$data DATABASE_URL=$url RUST_LOG=warn \
    "$BIN" serve --listen "127.0.0.1:$PORT" >"$data/out" 2>"$data/err" &
  local pid=$!
  for _ in $(seq 1 100); do curl -sf "$BASE/health/ready" >/dev/null && break; sleep 0.1; done
  local pw token id
  pw=$(grep -o "password [^ ]*" "$data/out" | head -1 | cut -d' ' -f2)
  token=$(curl -sf -X POST "$BASE/v1/auth/token" -d grant_type=password -d username=admin -d "password=$pw" |
    python3 -c 'import sys, json; print(json.load(sys.stdin)["access_token"])')
  id=$(curl -sf -X POST "$BASE/v1/patients" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
    -d '{"mrn":"READ-1","first_name":"Read","last_name":"Test","birth_date":"1970-01-01","sex":"M"}' |
    python3 -c 'import sys, json; print(json.load(sys.stdin)["id"])')
  echo "## $name ($DURATION, $CONNS connections, $THREADS wrk threads)"
  echo "| scenario | requests/s | p50 | p99 | non-2xx |"
  echo "|---|---|---|---|---|"
  summary "GET /health/live" "$(wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency "$BASE/health/live")"
  summary "POST /v1/patients" "$(TOKEN=$token wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency -s benches/load/create_patient.lua "$BASE")"
  settle "$token"
  summary "GET /v1/patients/{id} (audited)" "$(wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency -H "Authorization: Bearer $token" "$BASE/v1/patients/$id")"
  local prov acc
  prov=$(curl -sf -X POST "$BASE/v1/providers" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
    -d '{"npi":"1234567893","entity_type":"person","first_name":"Greg","last_name":"House","roles":["rendering"]}' |
    python3 -c 'import sys, json; print(json.load(sys.stdin)["id"])')
  settle "$token"
  summary "POST /v1/specimens (accessioning)" "$(TOKEN=$token PATIENT=$id PROVIDER=$prov wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency -s benches/load/create_specimen.lua "$BASE")"
  acc=$(curl -sf "$BASE/v1/specimens?limit=1" -H "Authorization: Bearer $token" |
    python3 -c 'import sys, json; print(json.load(sys.stdin)["items"][0]["accession_number"])')
  settle "$token"
  summary "GET /v1/specimens/by-accession/{acc} (audited)" "$(wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency -H "Authorization: Bearer $token" "$BASE/v1/specimens/by-accession/$acc")"
  summary "GET /v1/codesets/icd10cm/search?q=diab mel typ 2" "$(wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency -H "Authorization: Bearer $token" "$BASE/v1/codesets/icd10cm/search?q=diab%20mel%20typ%202&limit=20")"
  local t0=$SECONDS
  settle "$token"
  echo "(audit sealer caught up $((SECONDS - t0)) s after the last scenario)"
  kill "$pid"
  wait "$pid" 2>/dev/null || true
  rm -rf "$data"
}

if [[ $WHICH == sqlite || $WHICH == both ]]; then
  run_backend SQLite "$(mktemp -d)/bench.sqlite3"
fi
if [[ $WHICH == postgres || $WHICH == both ]]; then
  db="medbill_bench_$$"
  psql "$PG_ADMIN_URL" -qc "CREATE DATABASE $db"
  run_backend PostgreSQL "${PG_ADMIN_URL%/*}/$db"
  psql "$PG_ADMIN_URL" -qc "DROP DATABASE $db WITH (FORCE)"
fi

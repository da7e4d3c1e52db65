#!/usr/bin/env bash
# Load figures for docs/performance.md: a release server on loopback, wrk against it, on SQLite
# and on PostgreSQL, each figure also as a share of GET /health/live in the same run (issue 17).
# Usage: [SCENARIOS=read,search] [DURATION=8s] benches/load/run.sh [sqlite|postgres|both]
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

# Scenarios to run (comma list; /health/live always runs first, as the reference for shares):
# create, read, specimen_create, specimen_lookup, specimen_lookup4, search, search_mix,
# search_uncached, validate.
SCENARIOS=${SCENARIOS:-create,read,specimen_create,specimen_lookup,specimen_lookup4,search,search_mix,search_uncached,validate}
want() { [[ ",$SCENARIOS," == *",$1,"* ]]; }

to_ms() { # wrk latency ("512.00us", "8.10ms", "1.02s") -> milliseconds
  awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /[0-9]s$/ && v !~ /ms$/) n *= 1000; printf "%.3f", n }'
}

LIVE_RPS=0
# label, wrk output, [min share %], [max p99 ms] -> one table line: requests/s, share of
# /health/live in this run, p50, p99, non-2xx, and the issue 17 target with ✓/✗.
summary() {
  local label=$1 out=$2 min_share=${3:-} max_p99=${4:-}
  local rps p50 p99 errs share verdict="" ok=1
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1=="50%" {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  errs=$(awk '/Non-2xx/ {print $5}' <<<"$out")
  share=$(awk -v r="$rps" -v l="$LIVE_RPS" 'BEGIN { if (l > 0) printf "%.1f %%", 100 * r / l; else print "-" }')
  if [[ -n $min_share ]]; then
    verdict="share ≥ $min_share %"
    awk -v r="$rps" -v l="$LIVE_RPS" -v m="$min_share" 'BEGIN { exit !(l > 0 && 100 * r / l >= m) }' || ok=0
  fi
  if [[ -n $max_p99 ]]; then
    verdict="${verdict:+$verdict, }p99 ≤ $max_p99 ms"
    awk -v p="$(to_ms "$p99")" -v m="$max_p99" 'BEGIN { exit !(p <= m) }' || ok=0
  fi
  if [[ -n $verdict ]]; then
    if ((ok)); then verdict="$verdict ✓"; else verdict="$verdict ✗"; fi
  fi
  printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$label" "$rps" "$share" "$p50" "$p99" "${errs:-0}" "$verdict"
}

run_backend() {
  local name=$1 url=$2 data
  data=$(mktemp -d)
  MEDBILL_DATA_DIR=$data DATABASE_URL=$url RUST_LOG=warn \
    "$BIN" serve --listen "127.0.0.1:$PORT" >"$data/out" 2>"$data/err" &
  local pid=$!
  # The server stops with the script, also when a step fails.
  trap "kill $pid 2>/dev/null || true" EXIT
  for _ in $(seq 1 600); do curl -sf "$BASE/health/ready" >/dev/null && break; sleep 0.1; done
  local pw token id
  pw=$(grep -o "password [^ ]*" "$data/out" | head -1 | cut -d' ' -f2)
  token=$(curl -sf -X POST "$BASE/v1/auth/token" -d grant_type=password -d username=admin -d "password=$pw" |
    python3 -c 'import sys, json; print(json.load(sys.stdin)["access_token"])')
  id=$(curl -sf -X POST "$BASE/v1/patients" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
    -d '{"mrn":"READ-1","first_name":"Read","last_name":"Test","birth_date":"1970-01-01","sex":"M"}' |
    python3 -c 'import sys, json; print(json.load(sys.stdin)["id"])')
  # Issue 17's targets differ per backend (shares of /health/live in the same run).
  local read_share=20 create_share=8
  if [[ $name == PostgreSQL ]]; then read_share=10 create_share=5; fi
  echo "## $name ($DURATION, $CONNS connections, $THREADS wrk threads)"
  echo "| scenario | requests/s | share of /health/live | p50 | p99 | non-2xx | target (issue 17) |"
  echo "|---|---|---|---|---|---|---|"
  local live
  live=$(wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency "$BASE/health/live")
  LIVE_RPS=$(awk '/Requests\/sec/ {print $2}' <<<"$live")
  summary "GET /health/live" "$live"
  if want create; then
    summary "POST /v1/patients" "$(TOKEN=$token wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency -s benches/load/create_patient.lua "$BASE")" "$create_share"
  fi
  if want read; then
    settle "$token"
    summary "GET /v1/patients/{id} (audited)" "$(wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency -H "Authorization: Bearer $token" "$BASE/v1/patients/$id")" "$read_share" 10
  fi
  local prov acc
  if want specimen_create || want specimen_lookup || want specimen_lookup4; then
    prov=$(curl -sf -X POST "$BASE/v1/providers" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
      -d '{"npi":"1234567893","entity_type":"person","first_name":"Greg","last_name":"House","roles":["rendering"]}' |
      python3 -c 'import sys, json; print(json.load(sys.stdin)["id"])')
    if want specimen_create; then
      settle "$token"
      summary "POST /v1/specimens (accessioning)" "$(TOKEN=$token PATIENT=$id PROVIDER=$prov wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency -s benches/load/create_specimen.lua "$BASE")"
    else
      curl -sf -o /dev/null -X POST "$BASE/v1/specimens" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
        -d "{\"patient_id\":\"$id\",\"ordering_provider_id\":\"$prov\",\"specimen_type\":\"SER\",\"container\":\"SST\",\"volume\":5,\"volume_unit\":\"mL\",\"collected_at\":\"2026-01-02T08:30:00Z\",\"collected_by\":\"load\",\"tests\":[{\"code\":\"80053\"}]}"
    fi
    acc=$(curl -sf "$BASE/v1/specimens?limit=1" -H "Authorization: Bearer $token" |
      python3 -c 'import sys, json; print(json.load(sys.stdin)["items"][0]["accession_number"])')
  fi
  if want specimen_lookup; then
    settle "$token"
    summary "GET /v1/specimens/by-accession/{acc} (audited)" "$(wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency -H "Authorization: Bearer $token" "$BASE/v1/specimens/by-accession/$acc")"
  fi
  if want specimen_lookup4; then
    settle "$token"
    summary "GET /v1/specimens/by-accession/{acc} (audited), 1 thread 4 connections" "$(wrk -t1 -c4 -d"$DURATION" --latency -H "Authorization: Bearer $token" "$BASE/v1/specimens/by-accession/$acc")" "" 5
  fi
  if want search; then
    summary "GET /v1/codesets/icd10cm/search?q=diab mel typ 2 (repeated)" "$(wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency -H "Authorization: Bearer $token" "$BASE/v1/codesets/icd10cm/search?q=diab%20mel%20typ%202&limit=20")" 40
  fi
  if want search_mix; then
    summary "GET /v1/codesets/icd10cm/search, 32 queries x 336 dates (cached per date class)" "$(TOKEN=$token wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency -s benches/load/search_mix.lua "$BASE")" 40
  fi
  if want search_uncached; then
    summary "same, Cache-Control: no-cache (the search itself)" "$(NO_CACHE=1 TOKEN=$token wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency -s benches/load/search_mix.lua "$BASE")" 40
  fi
  if want validate; then
    # Issue 20: validate with the history checks, at least 2,000/s on SQLite (release build).
    local encs min_rps=""
    encs=$(BASE=$BASE TOKEN=$token TAG=$name python3 benches/load/validate_setup.py)
    settle "$token"
    local out
    out=$(TOKEN=$token ENCOUNTERS=$encs wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency -s benches/load/validate.lua "$BASE")
    summary "POST /v1/encounters/{id}/validate (3 dx, 4 lines, history checks)" "$out"
    if [[ $name == SQLite ]]; then min_rps=2000; fi
    if [[ -n $min_rps ]]; then
      awk -v r="$(awk '/Requests\/sec/ {print $2}' <<<"$out")" -v m="$min_rps" \
        'BEGIN { printf "(validate target (issue 20): ≥ %d/s: %s)\n", m, (r >= m ? "✓" : "✗") }'
    fi
  fi
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

#!/usr/bin/env bash
# A bounded load test of `recurrent serve` from a second process: wrk (Debian's package) against /metrics and
# POST /api/runs/{id}/predict on loopback while a run trains. Prints requests/s and p99 latency of each and fails
# on any error or non-2xx response. Not part of the test suite: numbers depend on the machine.
#
#   bash bench/service-load.sh [--duration 10s] [--connections 8]
set -euo pipefail
cd "$(dirname "$0")/.."

duration=10s
connections=8
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) duration="$2"; shift 2 ;;
    --connections) connections="$2"; shift 2 ;;
    *) echo "usage: $0 [--duration 10s] [--connections 8]" >&2; exit 2 ;;
  esac
done

command -v wrk >/dev/null 2>&1 || { echo "service-load: installing wrk from Debian" >&2; apt-get install -y -qq wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }; }

dotnet build src/Host -c Release --nologo -v quiet >/dev/null
dll=src/Host/bin/Release/net10.0/recurrent.dll
data=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
export RECURRENT_TOKEN="load-test-token-$(date +%s%N)"
auth="Authorization: Bearer $RECURRENT_TOKEN"
dotnet "$dll" serve --urls "$base" --data-dir "$data" --no-demo >"$data/serve.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null; rm -rf "$data"' EXIT

for _ in $(seq 100); do curl -fs "$base/healthz" >/dev/null && break; sleep 0.1; done

post() { curl -fsS -X POST -H "$auth" -H 'Content-Type: application/json' "$base$1" -d "$2"; }
state() { curl -fsS "$base/api/runs/$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["state"])'; }

# A small model to predict with, then a longer run that trains through the whole measurement.
post /api/runs '{"name":"served","data":"temporal-order:30","count":256,"cell":"lstm","hidden":16,"epochs":2,"batch":32}' >/dev/null
until [ "$(state 1)" = succeeded ]; do sleep 0.2; done
# 1000 epochs: far more than the measurements last, so it trains throughout them (it is checked at the end).
post /api/runs '{"name":"training","data":"temporal-order:50","count":4000,"cell":"lstm","hidden":32,"epochs":1000,"batch":32,"clip_norm":1}' >/dev/null
until [ "$(state 2)" = running ]; do sleep 0.2; done

# Eight sequences of 30 one-hot steps over six symbols.
body=$(python3 -c '
import json
records = [{"steps": [[1.0 if k == (t * 7 + r) % 6 else 0.0 for k in range(6)] for t in range(30)]} for r in range(8)]
print(json.dumps({"records": records}))')
lua="$data/predict.lua"
cat >"$lua" <<LUA
wrk.method = "POST"
wrk.body = [==[$body]==]
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $RECURRENT_TOKEN"
local shown = false
function response(status, headers, body)
  if status ~= 200 and not shown then
    shown = true
    io.stderr:write("first failure: " .. status .. " " .. body .. "\n")
  end
end
LUA
engine=$(post /api/runs/1/predict "$body" | python3 -c 'import json,sys; print(json.load(sys.stdin)["engine"])')

report() {
  local name="$1" out="$2"
  if grep -qE "Non-2xx|Socket errors" <<<"$out"; then
    echo "$out" >&2
    echo "service-load: $name had errors" >&2
    exit 1
  fi
  local rps p99
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  printf '%-36s %10s req/s   p99 %s\n' "$name" "$rps" "$p99"
}

step() { curl -fsS "$base/api/runs/2" | python3 -c 'import json,sys; print(json.load(sys.stdin)["progress"]["step"])'; }

# The service's default limits are in force: predictions beyond Recurrent:Predict:MaxConcurrent (2) wait for a
# slot, so the 8 connections queue rather than fail.
echo "recurrent serve load test: wrk, 1 thread, $connections connections, $duration each, while run 2 trains"
before=$(step)
report "GET /metrics" "$(wrk -t1 -c"$connections" -d"$duration" --latency "$base/metrics")"
middle=$(step)
report "POST predict (8 seqs, $engine)" "$(wrk -t1 -c"$connections" -d"$duration" --latency -s "$lua" "$base/api/runs/1/predict")"
after=$(step)
echo "run 2 trained $((middle - before)) steps during /metrics and $((after - middle)) during predict, and is $(state 2)"
[ "$(state 2)" = running ] || { echo "service-load: run 2 stopped training before the end" >&2; exit 1; }
echo "server peak RSS $(awk '/VmHWM/ {printf "%d MiB", $2 / 1024}' "/proc/$server/status")"

#!/usr/bin/env bash
# Starts Prometheus (Debian's package) scraping a running `recurrent serve`, with the recording rules and alerts
# of dashboards/prometheus/rules.yml, for users without Grafana: open the listen address in a browser, then
# "Graph" for queries (e.g. run:recurrent_grad_clip_rate:ratio_rate5m) and "Alerts" for the gradient alerts.
#
# Usage:
#   scripts/prometheus.sh [--target HOST:PORT] [--listen HOST:PORT] [--data DIR]
#     --target  where `recurrent serve` (or `recurrent train --metrics-port PORT`) serves /metrics
#               (default 127.0.0.1:5080, or $RECURRENT_TARGET)
#     --listen  Prometheus's own web address (default 127.0.0.1:9090, or $PROMETHEUS_LISTEN)
#     --data    directory for the generated config and the time-series database
#               (default ./data/prometheus, or $PROMETHEUS_DATA; ignored by git)
# Example, next to `recurrent serve` in another terminal:
#   scripts/prometheus.sh && xdg-open http://127.0.0.1:9090/alerts
#
# Installs the `prometheus` package through apt-get when the binary is missing (needs root or sudo).
# The config is dashboards/prometheus/prometheus.yml with the target and the rules path rewritten; it is checked
# with promtool before Prometheus starts. Prometheus runs in the foreground; stop it with Ctrl-C.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"

target="${RECURRENT_TARGET:-127.0.0.1:5080}"
listen="${PROMETHEUS_LISTEN:-127.0.0.1:9090}"
data="${PROMETHEUS_DATA:-$repo/data/prometheus}"
while [ $# -gt 0 ]; do
  case "$1" in
    --target) target="$2"; shift 2 ;;
    --listen) listen="$2"; shift 2 ;;
    --data) data="$2"; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "prometheus.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
done

if ! command -v prometheus >/dev/null 2>&1 || ! command -v promtool >/dev/null 2>&1; then
  echo "prometheus.sh: installing Debian's prometheus package" >&2
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends prometheus >/dev/null
fi

mkdir -p "$data/tsdb"
data="$(cd "$data" && pwd)"
config="$data/prometheus.yml"
sed -e "s|'127.0.0.1:5080'|'$target'|" \
    -e "s|^  - rules.yml$|  - $repo/dashboards/prometheus/rules.yml|" \
    "$repo/dashboards/prometheus/prometheus.yml" > "$config"
grep -q "'$target'" "$config" || { echo "prometheus.sh: could not set the target in $config" >&2; exit 1; }
promtool check config "$config" >&2

echo "prometheus.sh: scraping http://$target/metrics; Prometheus on http://$listen (data in $data)" >&2
exec prometheus \
  --config.file="$config" \
  --storage.tsdb.path="$data/tsdb" \
  --web.listen-address="$listen"

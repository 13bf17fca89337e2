#!/usr/bin/env bash
# What skip gates save at inference (`recurrent bench --inference --skip-updates`): the managed engine predicting with
# an LSTM whose skip gates update about half the steps against the plain LSTM of the same size, one thread, timed in
# alternating rounds inside each run; each configuration runs ROUNDS times (default 3) and each run prints its load
# average, so a loaded machine shows. Usage: bench/compare-skip.sh [ROUNDS] [CELL]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds="${1:-3}"
cell="${2:-lstm}"
dotnet build -c Release bench/Recurrent.Bench -v quiet -nologo >/dev/null
for config in "28 28 128" "100 64 256" "100 64 512"; do
  read -r length inputs hidden <<<"$config"
  for _ in $(seq "$rounds"); do
    dotnet src/Host/bin/Release/net10.0/recurrent.dll bench --inference --skip-updates --cell "$cell" --length "$length" \
      --input "$inputs" --hidden "$hidden" --json
  done
done

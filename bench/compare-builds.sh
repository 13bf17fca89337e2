#!/usr/bin/env bash
# Two builds of the engine side by side: the same `recurrent bench` command from this tree and from another
# worktree (e.g. `git worktree add /tmp/base main`), alternating for ROUNDS rounds so both go through the same
# drift of this machine's speed. Prints the CPU model, the load, and each round's last output line of each build.
# Usage: bench/compare-builds.sh OTHER_TREE ROUNDS BENCH_ARGS...
#   e.g. bench/compare-builds.sh /tmp/base 3 --inference --cell lstm --length 28 --input 28 --hidden 128
set -euo pipefail
other=$(cd "$1" && pwd); rounds=$2; shift 2
here=$(cd "$(dirname "$0")/.." && pwd)
for tree in "$other" "$here"; do
  dotnet build -c Release "$tree/src/Host" -v quiet -nologo >/dev/null
done
echo "$(lscpu | grep 'Model name' | sed 's/  */ /g'); $(date -u '+%Y-%m-%d %H:%M UTC'); load:$(uptime | sed 's/.*load average://')"
echo "recurrent bench $*"
for round in $(seq "$rounds"); do
  for tree in "$other" "$here"; do
    label=$([ "$tree" = "$here" ] && echo "this tree " || echo "other tree")
    echo "round $round $label: $(dotnet "$tree/src/Host/bin/Release/net10.0/recurrent.dll" bench "$@" | tail -n 2 | tr -s ' ' | paste -sd ' ')"
  done
done

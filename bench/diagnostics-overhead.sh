#!/usr/bin/env bash
# What gradient diagnostics cost: `recurrent bench --overhead` trains identical runs step by step in turns, one
# without diagnostics and one per detail level (global, layer, block: the detail on the first step and every 10th,
# as by default) and the block level measured on every step, each with full monitoring (adjoint norms inside BPTT,
# the analysis and the metrics every step), and reports each run's median step time. This script repeats that at the
# two sizes of the cost target (LSTM T=28 I=28 H=128 B=64 and T=100 I=64 H=512 B=64) and for a deep stack (4
# bidirectional LSTM layers at the small size), the three taking turns round by round so that the machine's load
# hits them alike, prints the load average before and after, and the median over rounds of each overhead (of the
# median and of the mean step times), as markdown tables.
# Usage: bench/diagnostics-overhead.sh [ROUNDS] [SMALL_STEPS] [LARGE_STEPS] [DEEP_STEPS]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-5}
small_steps=${2:-300}
large_steps=${3:-20}
deep_steps=${4:-60}
# The benchmarks are their own executable; building it builds the product it runs (recurrent bench forwards to it).
dotnet build -c Release bench/Recurrent.Bench -v quiet -nologo >/dev/null
bench() { dotnet src/Host/bin/Release/net10.0/recurrent.dll bench --overhead --cell lstm --batch 64 --json "$@"; }
out=$(mktemp)
trap 'rm -f "$out"' EXIT
echo "load before: $(uptime)"
for ((r = 0; r < rounds; r++)); do
  bench --length 28 --input 28 --hidden 128 --steps "$small_steps" | jq -c '{size: "T=28 H=128", r: .}' >>"$out"
  bench --length 100 --input 64 --hidden 512 --steps "$large_steps" | jq -c '{size: "T=100 H=512", r: .}' >>"$out"
  bench --length 28 --input 28 --hidden 128 --layers 4 --bidirectional --steps "$deep_steps" |
    jq -c '{size: "T=28 H=128 4 layers bidirectional", r: .}' >>"$out"
  tail -n 3 "$out"
done
echo "load after: $(uptime)"
# Per size, the median over rounds of each run's overhead with the rounds' range, as markdown tables ready for docs:
# one of the median steps' overheads, one of the mean steps' (a level measuring the detail every k-th step costs
# its measurement's 1/k on the mean; the median mostly leaves the slow tenth out), one of the process's mean CPU time
# a step (which leaves out the time the load preempted it), and the bytes each run allocates a step (the same in
# every round: the load cannot change them).
jq -rs 'def median: sort | if length % 2 == 1 then .[length / 2 | floor] else (.[length / 2 - 1] + .[length / 2]) / 2 end;
  def signed: (. * 10 | round / 10) as $x | if $x > 0 then "+\($x)" else "\($x)" end;
  def cell($n; $key): map(.r.levels[$n][$key]) as $p
    | "\($p | median | signed)% (\($p | min | signed) to \($p | max | signed))";
  . as $rounds | (reduce (map(.size)[]) as $s ([]; if any(.[]; . == $s) then . else . + [$s] end)) as $order
  | [$order[] as $s | $rounds | map(select(.size == $s))] as $sizes
  | ($sizes[0][0].r.levels | keys_unsorted) as $names
  | ("| size | step without | " + ($names | join(" | ")) + " |"),
    ("| --- | --- |" + ($names | map(" --- |") | join(""))),
    ($sizes[] | .[0].size as $size | (map(.r.ms_per_step_without) | median) as $ms
      | "| \($size) (median step) | \($ms * 100 | round / 100) ms | "
        + ([$names[] as $n | cell($n; "overhead_percent")] | join(" | ")) + " |"),
    ($sizes[] | .[0].size as $size | (map(.r.ms_per_step_mean_without) | median) as $ms
      | "| \($size) (mean step) | \($ms * 100 | round / 100) ms | "
        + ([$names[] as $n | cell($n; "overhead_percent_mean")] | join(" | ")) + " |"),
    ($sizes[] | .[0].size as $size | (map(.r.cpu_ms_per_step_mean_without) | median) as $ms
      | "| \($size) (CPU time a step, mean) | \($ms * 100 | round / 100) ms | "
        + ([$names[] as $n | cell($n; "cpu_overhead_percent_mean")] | join(" | ")) + " |"),
    "",
    ($sizes[] | .[0].size as $size
      | "bytes allocated a step, \($size): without \(map(.r.allocated_bytes_per_step_without) | median | round), "
        + ([$names[] as $n | "\($n) \(map(.r.levels[$n].allocated_bytes_per_step) | median | round)"] | join(", ")))' "$out"

# What gradient diagnostics cost at T=100, H=128, batch 64: `recurrent bench --overhead` trains identical runs step by
# step in turns, one without diagnostics and one per detail level (global, layer, block) with full monitoring (adjoint
# norms inside BPTT, the level's detail, GradientAnalysis and metric recording every step), and compares the median
# step times. Repeated ROUNDS times.
# Usage: bench/diagnostics-overhead.sh [ROUNDS] [CELL]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}
cell=${2:-lstm}
# The benchmarks are their own executable; building it builds the product it runs (recurrent bench forwards to it).
dotnet build -c Release bench/Recurrent.Bench -v quiet -nologo >/dev/null
for ((r = 0; r < rounds; r++)); do
  dotnet src/Host/bin/Release/net10.0/recurrent.dll bench --overhead --cell "$cell" --length 100 --input 32 --hidden 128 --batch 64 --steps 40
done

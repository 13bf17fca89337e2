#!/usr/bin/env bash
# Inference of the managed engine against ONNX Runtime 1.32.0 (the Microsoft.ML.OnnxRuntime package) on the same
# exported model in one process (`recurrent bench --inference`): batch-1 latency (median) and batch-64 throughput,
# both sides timed in alternating rounds, first one thread each (our Threads = 1, ORT's IntraOpNumThreads = 1), then
# one thread per core each (both engines' defaults: Threads = 0, IntraOpNumThreads = cores).
# Usage: bench/compare-inference.sh   (ONNX Runtime comes with the build: nothing to install)
set -euo pipefail
cd "$(dirname "$0")/.."
# The benchmarks are their own executable; building it builds the product it runs (recurrent bench forwards to it).
dotnet build -c Release bench/Recurrent.Bench -v quiet -nologo >/dev/null
for config in "28 28 128" "100 64 512"; do
  read -r length inputs hidden <<<"$config"
  dotnet src/Host/bin/Release/net10.0/recurrent.dll bench --inference --cell lstm --length "$length" --input "$inputs" --hidden "$hidden"
done

#!/usr/bin/env bash
# Every performance target of the project against its anchor, in one run: training against numpy's sgemm on the
# step's own products (PyTorch's speed reported beside it), inference against ONNX Runtime 1.32.0 (the
# Microsoft.ML.OnnxRuntime package, in the same process), peak memory. Prints each ratio with its verdict and a Markdown table for the README.
# Usage: bench/targets.sh [ROUNDS] [--skip-torch] [--training-only]   (default 3 rounds; peers installed here when missing)
set -euo pipefail
cd "$(dirname "$0")/.."
if ! /usr/bin/python3 -c 'import torch, numpy' 2>/dev/null || [ ! -e /usr/lib/x86_64-linux-gnu/openblas-pthread ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-torch python3-numpy libopenblas0-pthread >/dev/null
fi
scripts/setup.sh
# The benchmarks are their own executable; building it builds the product it runs (recurrent bench forwards to it).
dotnet build -c Release bench/Recurrent.Bench -v quiet -nologo >/dev/null
exec /usr/bin/python3 bench/targets.py "$@"

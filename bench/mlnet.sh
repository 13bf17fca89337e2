#!/usr/bin/env bash
# The ML.NET trainer's costs on Fashion-MNIST rows (needs Debian's dataset-fashion-mnist, scripts/setup.sh):
# ML.NET Fit against SequenceModelTrainer.Fit (LSTM 128, one epoch, alternately), and PredictionEngine latency
# against a raw InferenceSession.Run (T = 28, H = 128). Arguments go to the program (--rounds N, --latency-calls N,
# --count N).
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build bench/MLNet -c Release --nologo -v quiet >/dev/null
lscpu | grep 'Model name' || true
dotnet bench/MLNet/bin/Release/net10.0/Recurrent.Bench.MLNet.dll "$@"

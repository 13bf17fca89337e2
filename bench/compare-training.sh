#!/usr/bin/env bash
# Training throughput of `recurrent bench` against Debian's PyTorch, each configuration measured back to back in
# the same run (absolute figures drift with machine load; the ratio is what we report).
# Usage: bench/compare-training.sh [ROUNDS]   (needs python3-torch; installs it when missing)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-1}
if ! /usr/bin/python3 -c 'import torch, numpy' 2>/dev/null || [ ! -e /usr/lib/x86_64-linux-gnu/openblas-pthread ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-torch python3-numpy libopenblas0-pthread >/dev/null
fi
# The peers at their best: OpenBLAS's fastest correct kernel on this CPU, measured (for the peers' commands only).
read -r -a peer_blas <<<"$(/usr/bin/python3 bench/peer_blas.py --env-args)"
# The BLAS limit in the same run.
sgemm=$(env "${peer_blas[@]}" OPENBLAS_NUM_THREADS=2 /usr/bin/python3 bench/numpy_sgemm.py 1024)
echo "numpy sgemm n=1024, 2 threads: $sgemm GFLOP/s"
# The benchmarks are their own executable; building it builds the product it runs (recurrent bench forwards to it).
dotnet build -c Release bench/Recurrent.Bench -v quiet -nologo >/dev/null
recurrent=(dotnet src/Host/bin/Release/net10.0/recurrent.dll)
printf '%-5s %5s %4s %5s %4s  %12s %12s %7s %8s\n' cell T I H B "ours seq/s" "torch seq/s" ratio "GFLOP/s"
while read -r cell length inputs hidden batch steps; do
  for ((r = 0; r < rounds; r++)); do
    ours=$("${recurrent[@]}" bench --cell "$cell" --length "$length" --input "$inputs" --hidden "$hidden" --batch "$batch" --steps "$steps" --json)
    torch=$(env "${peer_blas[@]}" OMP_NUM_THREADS=2 /usr/bin/python3 bench/torch_train.py "$cell" "$length" "$inputs" "$hidden" "$batch" "$steps")
    python3 - "$cell" "$length" "$inputs" "$hidden" "$batch" "$ours" "$torch" <<'PY'
import json, sys
cell, T, I, H, B, ours, torch = sys.argv[1:8]
o = json.loads(ours)
print(f"{cell:<5} {T:>5} {I:>4} {H:>5} {B:>4}  {o['sequences_per_second']:12.1f} {float(torch):12.1f} {o['sequences_per_second'] / float(torch):6.2f}x {o['gflops']:8.1f}")
PY
    if [ "$hidden" = 512 ]; then
      python3 -c "import json,sys; g=json.loads(sys.argv[1])['gflops']; print(f'      LSTM H=512 at {g / float(sys.argv[2]) * 100:.0f}% of numpy sgemm')" "$ours" "$sgemm"
    fi
  done
done <<'CONFIGS'
lstm 28 28 128 64 30
gru 28 28 128 64 30
rnn 28 28 128 64 30
lstm 100 64 512 64 5
CONFIGS

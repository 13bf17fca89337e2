#!/usr/bin/env bash
# Installs the peers the tests use, only when missing: Debian packages through apt-get (chromium drives the live
# page's browser tests) and onnxruntime-node from npm into tools/ (ignored by git). The C# code needs none of this:
# ONNX Runtime comes with the Microsoft.ML.OnnxRuntime package, and the page's charting library, uPlot, is installed
# from npm by the build of src/Host itself (src/Host/Service/Page/ChartingLibrary.targets).
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v promtool >/dev/null 2>&1 || need_apt+=(prometheus)
/usr/bin/python3 -c 'import onnx' >/dev/null 2>&1 || need_apt+=(python3-onnx)
# PyTorch autograd is the yardstick of the per-step gradients (tests/Integration/PyTorch).
/usr/bin/python3 -c 'import torch' >/dev/null 2>&1 || need_apt+=(python3-torch)
[ -d /usr/share/datasets/fashion-mnist ] || need_apt+=(dataset-fashion-mnist)
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
# The fleet tests start throwaway PostgreSQL clusters through scripts/postgres.sh (initdb, pg_ctl).
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || need_apt+=(postgresql)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "setup: installing ${need_apt[*]} from Debian" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

# onnxruntime-node is the tests' second, independent ONNX Runtime (another build and binding, tests/Integration/
# Support/PeerRun.cs): every hand-built graph must give the same outputs through it and through the C# package.
ort=tools/onnxruntime/node_modules/onnxruntime-node
if [ ! -f "$ort/bin/napi-v6/linux/x64/libonnxruntime.so.1" ]; then
  echo "setup: installing onnxruntime-node 1.30.0 from npm into tools/onnxruntime" >&2
  mkdir -p tools/onnxruntime
  (cd tools/onnxruntime && npm init -y >/dev/null && npm install --ignore-scripts --no-audit --no-fund onnxruntime-node@1.30.0 >/dev/null)
fi

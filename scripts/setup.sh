#!/usr/bin/env bash
# Installs the peers the tests and the service use, only when missing: Debian packages through apt-get (chromium
# drives the live page's browser tests) and ONNX Runtime from npm into tools/ (ignored by git). The page's charting
# library, uPlot, is installed from npm by the build of src/Host itself (src/Host/Service/Page/ChartingLibrary.targets).
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v promtool >/dev/null 2>&1 || need_apt+=(prometheus)
/usr/bin/python3 -c 'import onnx' >/dev/null 2>&1 || need_apt+=(python3-onnx)
[ -d /usr/share/datasets/fashion-mnist ] || need_apt+=(dataset-fashion-mnist)
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "setup: installing ${need_apt[*]} from Debian" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

ort=tools/onnxruntime/node_modules/onnxruntime-node
if [ ! -f "$ort/bin/napi-v6/linux/x64/libonnxruntime.so.1" ]; then
  echo "setup: installing onnxruntime-node 1.30.0 from npm into tools/onnxruntime" >&2
  mkdir -p tools/onnxruntime
  (cd tools/onnxruntime && npm init -y >/dev/null && npm install --ignore-scripts --no-audit --no-fund onnxruntime-node@1.30.0 >/dev/null)
fi

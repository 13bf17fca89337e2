# Two builds against the same anchors in one run, for a before/after table: for each training target, rounds of
# (build A, build B, the same-shape sgemm ceiling) in turn, and for inference each build's ratio to ONNX Runtime in
# alternating rounds. Prints every round with the load average, then medians and ranges.
# Usage: /usr/bin/python3 bench/compare_ceiling.py BEFORE_DLL AFTER_DLL [ROUNDS] [--threads N]
#   e.g. bench/compare_ceiling.py /tmp/base/src/Host/bin/Release/net10.0/recurrent.dll \
#        src/Host/bin/Release/net10.0/recurrent.dll 5   (build both first; peers as in targets.py)
import json
import os
import statistics
import subprocess
import sys

import peer_blas

HERE = os.path.dirname(os.path.abspath(__file__))
ARGS = [a for a in sys.argv[1:] if not a.startswith("--")]
BUILDS = {"before": ARGS[0], "after": ARGS[1]}
ROUNDS = int(ARGS[2]) if len(ARGS) > 2 else 5
THREADS = int(sys.argv[sys.argv.index("--threads") + 1]) if "--threads" in sys.argv else (os.cpu_count() or 2)
GATES = {"lstm": 4, "gru": 3, "rnn": 1}
TRAINING = [("lstm", 28, 28, 128, 40), ("gru", 28, 28, 128, 40), ("rnn", 28, 28, 128, 80), ("lstm", 100, 64, 512, 4)]


def run(command, env=None):
    return subprocess.run(command, check=True, capture_output=True, text=True, env=env).stdout.strip()


def bench(dll, *args):
    return json.loads(run(["dotnet", dll, "bench", *map(str, args), "--json"]))


def spread(values, fmt):
    return f"{fmt(statistics.median(values))} ({fmt(min(values))}–{fmt(max(values))})"


blas, blas_name = peer_blas.choose(os.cpu_count() or 2, log=print)
print(f"peers: {blas_name}; {THREADS} thread(s); {ROUNDS} rounds; load {os.getloadavg()[0]:.1f}", flush=True)
summary = []
for cell, length, inputs, hidden, steps in TRAINING:
    label = f"training {cell.upper()} T={length} I={inputs} H={hidden} B=64, {THREADS} thread(s)"
    shares = {name: [] for name in BUILDS}
    rates = {name: [] for name in BUILDS}
    loads = []
    for r in range(ROUNDS):
        for name, dll in BUILDS.items():
            rates[name].append(bench(dll, "--cell", cell, "--length", length, "--input", inputs, "--hidden", hidden,
                                     "--batch", 64, "--steps", steps, "--threads", THREADS)["gflops"])
        env = dict(blas, OPENBLAS_NUM_THREADS=str(THREADS))
        ceiling = json.loads(run(["/usr/bin/python3", os.path.join(HERE, "step_sgemm.py"), str(length), str(inputs),
                                  str(hidden), "64", str(GATES[cell])], env))["gflops"]
        for name in BUILDS:
            shares[name].append(rates[name][-1] / ceiling)
        loads.append(os.getloadavg()[0])
        print(f"  {label} round {r + 1}: before {rates['before'][-1]:.0f}, after {rates['after'][-1]:.0f}, "
              f"sgemm {ceiling:.0f} GFLOP/s; load {loads[-1]:.1f}", flush=True)
    summary.append(f"| {label} | " + " | ".join(
        f"{spread(shares[n], lambda v: f'{v * 100:.0f}%')}, {statistics.median(rates[n]):.0f} GFLOP/s" for n in BUILDS)
        + f" | {min(loads):.1f}–{max(loads):.1f} |")

for length, inputs, hidden in [(28, 28, 128), (100, 64, 512)]:
    latency = {name: [] for name in BUILDS}
    throughput = {name: [] for name in BUILDS}
    loads, version = [], "?"
    for r in range(ROUNDS):
        for name, dll in BUILDS.items():
            o = bench(dll, "--inference", "--cell", "lstm", "--length", length, "--input", inputs, "--hidden", hidden)
            version = o.get("onnxruntime_version", "?")
            latency[name].append(o["managed_batch1_us"] / o["onnxruntime_batch1_us"])
            throughput[name].append(o["managed_batch64_sequences_per_second"] /
                                    o["onnxruntime_batch64_sequences_per_second"])
        loads.append(os.getloadavg()[0])
        print(f"  inference T={length} H={hidden} round {r + 1}: batch-1 {latency['before'][-1]:.2f} → "
              f"{latency['after'][-1]:.2f}, batch-64 {throughput['before'][-1]:.2f} → {throughput['after'][-1]:.2f} "
              f"(each against the ONNX Runtime of its own build); load {loads[-1]:.1f}", flush=True)
    label = f"inference LSTM T={length} I={inputs} H={hidden}"
    summary.append(f"| {label}, batch-1 latency / ORT | " + " | ".join(
        spread(latency[n], lambda v: f"{v:.2f}") for n in BUILDS) + f" | {min(loads):.1f}–{max(loads):.1f} |")
    summary.append(f"| {label}, batch-64 throughput / ORT | " + " | ".join(
        spread(throughput[n], lambda v: f"{v:.2f}") for n in BUILDS) + f" | {min(loads):.1f}–{max(loads):.1f} |")

print("\n| target | before: median (range) | after: median (range) | load average |\n| --- | --- | --- | --- |")
print("\n".join(summary))

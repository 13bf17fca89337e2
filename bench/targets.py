# Every performance target of the project against its anchor, measured in one run on this machine, with the
# verdict. Peers run back to back with ours (alternating when there are several rounds), since this machine's speed
# drifts by tens of percent between minutes; each ratio is the median of its rounds. The peers run at their best:
# bench/peer_blas.py picks OpenBLAS's fastest correct kernel for numpy and PyTorch, and PyTorch's thread count is
# measured too (both printed); the project's own code never sees those settings.
# Usage: /usr/bin/python3 bench/targets.py [ROUNDS]   (bench/targets.sh installs the peers and builds first)
import json
import os
import platform
import statistics
import subprocess
import sys
import time

import peer_blas

ROUNDS = int(sys.argv[1]) if len(sys.argv) > 1 else 3
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
RECURRENT = ["dotnet", os.path.join(ROOT, "src/Host/bin/Release/net10.0/recurrent.dll")]


def run(command, env=None):
    return subprocess.run(command, check=True, capture_output=True, text=True, env=env, cwd=ROOT).stdout.strip()


def ours(cell, length, inputs, hidden, batch, steps):
    return json.loads(run(RECURRENT + ["bench", "--cell", cell, "--length", str(length), "--input", str(inputs),
                                       "--hidden", str(hidden), "--batch", str(batch), "--steps", str(steps), "--json"]))


def cpu_model():
    with open("/proc/cpuinfo") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown CPU"


def torch_with(env, cell, length, inputs, hidden, batch, steps):
    return float(run(["/usr/bin/python3", os.path.join(HERE, "torch_train.py"), cell, str(length), str(inputs),
                      str(hidden), str(batch), str(steps)], env))


def choose_torch_environment(blas_env):
    """PyTorch's fastest setting of BLAS kernel (the machine's or the chosen one) and OpenMP threads, measured."""
    options = []
    for blas_name, blas in [("machine's BLAS setting", dict(os.environ)), ("chosen BLAS setting", blas_env)]:
        for threads in sorted({1, os.cpu_count() or 2}):
            options.append((f"{blas_name}, OMP_NUM_THREADS={threads}", dict(blas, OMP_NUM_THREADS=str(threads))))
    best = None
    for name, env in options:
        speed = max(torch_with(env, "lstm", 28, 28, 128, 64, 20) for _ in range(2))
        print(f"  PyTorch candidate {name}: LSTM 28/28/128 {speed:,.0f} seq/s", flush=True)
        if best is None or speed > best[1]:
            best = (env, speed, name)
    print(f"  PyTorch chosen: {best[2]}", flush=True)
    return best[0]


def torch(cell, length, inputs, hidden, batch, steps):
    return torch_with(TORCH_ENV, cell, length, inputs, hidden, batch, steps)


def sgemm():
    env = dict(BLAS_ENV, OPENBLAS_NUM_THREADS=str(os.cpu_count() or 2))
    return float(run(["/usr/bin/python3", os.path.join(HERE, "numpy_sgemm.py"), "1024"], env))


def inference(length, inputs, hidden):
    return json.loads(run(RECURRENT + ["bench", "--inference", "--cell", "lstm", "--length", str(length),
                                       "--input", str(inputs), "--hidden", str(hidden), "--json"]))


rows = []


def target(name, measured, required, met):
    rows.append((name, measured, required, "met" if met else "NOT MET"))
    print(f"  {name}: {measured} (target {required}) {'met' if met else 'NOT MET'}", flush=True)


print(f"{time.strftime('%Y-%m-%d %H:%M')} on {platform.node()}: {cpu_model()}, {os.cpu_count()} cores, "
      f"{ROUNDS} round(s)", flush=True)
BLAS_ENV, BLAS_NAME = peer_blas.choose(os.cpu_count() or 2, log=print)
TORCH_ENV = choose_torch_environment(BLAS_ENV)

# Training against PyTorch, and the GEMM-bound LSTM against numpy's sgemm measured alongside it.
for cell, length, inputs, hidden, steps, required in [("lstm", 28, 28, 128, 40, 8), ("gru", 28, 28, 128, 40, 8),
                                                       ("rnn", 28, 28, 128, 80, 8), ("lstm", 100, 64, 512, 5, None)]:
    ratios, seqs, gflops, peers = [], [], [], []
    for _ in range(ROUNDS):
        o = ours(cell, length, inputs, hidden, 64, steps)
        seqs.append(o["sequences_per_second"])
        gflops.append(o["gflops"])
        peers.append(torch(cell, length, inputs, hidden, 64, steps) if required is not None else sgemm())
        ratios.append((seqs[-1] if required is not None else gflops[-1]) / peers[-1])
    label = f"training {cell.upper()} T={length} I={inputs} H={hidden} B=64"
    ratio, mine, peer = statistics.median(ratios), statistics.median(seqs), statistics.median(peers)
    if required is not None:
        target(f"{label} vs PyTorch", f"{ratio:.1f}x ({mine:,.0f} vs {peer:,.0f} seq/s; "
               f"{statistics.median(gflops):.0f} GFLOP/s)", f">= {required}x", ratio >= required)
    else:
        target(f"{label} vs numpy sgemm", f"{ratio * 100:.0f}% ({statistics.median(gflops):.0f} vs {peer:.0f} "
               f"GFLOP/s; {mine:,.0f} seq/s)", ">= 75%", ratio >= 0.75)

# Inference against ONNX Runtime 1.31.1 (both in one process, alternating; see `recurrent bench --inference`).
for length, inputs, hidden in [(28, 28, 128), (100, 64, 512)]:
    results = [inference(length, inputs, hidden) for _ in range(ROUNDS)]

    def median(key):
        return statistics.median(r[key] for r in results)

    latency = statistics.median(r["managed_batch1_us"] / r["onnxruntime_batch1_us"] for r in results)
    throughput = statistics.median(r["managed_batch64_sequences_per_second"] /
                                   r["onnxruntime_batch64_sequences_per_second"] for r in results)
    label = f"inference LSTM T={length} I={inputs} H={hidden}"
    target(f"{label} batch-1 latency / ORT",
           f"{latency:.2f} ({median('managed_batch1_us'):,.0f} vs {median('onnxruntime_batch1_us'):,.0f} us)", "<= 0.8",
           latency <= 0.8)
    target(f"{label} batch-64 throughput / ORT",
           f"{throughput:.2f} ({median('managed_batch64_sequences_per_second'):,.0f} vs "
           f"{median('onnxruntime_batch64_sequences_per_second'):,.0f} seq/s)", ">= 1.2", throughput >= 1.2)

# Memory: peak working set of a training run, and how it grows with T.
peaks = {t: ours("lstm", t, 28, 128, 32, 2)["peak_working_set_bytes"] / 2 ** 20 for t in (98, 392, 784)}
growth = (peaks[784] - peaks[98]) / (784 - 98)
target("peak working set LSTM T=784 H=128 B=32",
       f"{peaks[784]:.0f} MiB ({peaks[98]:.0f} at T=98, {peaks[392]:.0f} at T=392: {growth:.2f} MiB per step)",
       "< 300 MiB", peaks[784] < 300)

print(f"\n{cpu_model()}; peers: numpy/PyTorch BLAS {BLAS_NAME}")
print("\n| target | measured | required | |\n| --- | --- | --- | --- |")
for name, measured, required, verdict in rows:
    print(f"| {name} | {measured} | {required} | {verdict} |")

# Every performance target of the project against its anchor, measured in one run on this machine, with the
# verdict. Peers run back to back with ours (alternating when there are several rounds), since this machine's speed
# drifts by tens of percent between minutes; each ratio is the median of its rounds.
# Usage: /usr/bin/python3 bench/targets.py [ROUNDS]   (bench/targets.sh installs the peers and builds first)
import json
import os
import platform
import statistics
import subprocess
import sys
import time

ROUNDS = int(sys.argv[1]) if len(sys.argv) > 1 else 3
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
RECURRENT = ["dotnet", os.path.join(ROOT, "src/Host/bin/Release/net10.0/recurrent.dll")]


def run(command, env=None):
    return subprocess.run(command, check=True, capture_output=True, text=True, env=env, cwd=ROOT).stdout.strip()


def ours(cell, length, inputs, hidden, batch, steps):
    return json.loads(run(RECURRENT + ["bench", "--cell", cell, "--length", str(length), "--input", str(inputs),
                                       "--hidden", str(hidden), "--batch", str(batch), "--steps", str(steps), "--json"]))


def torch(cell, length, inputs, hidden, batch, steps):
    env = dict(os.environ, OMP_NUM_THREADS="2")
    return float(run(["/usr/bin/python3", os.path.join(HERE, "torch_train.py"), cell, str(length), str(inputs),
                      str(hidden), str(batch), str(steps)], env))


def sgemm():
    env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
    env["OPENBLAS_NUM_THREADS"] = "2"
    return float(run(["/usr/bin/python3", os.path.join(HERE, "numpy_sgemm.py"), "1024"], env))


def inference(length, inputs, hidden):
    return json.loads(run(RECURRENT + ["bench", "--inference", "--cell", "lstm", "--length", str(length),
                                       "--input", str(inputs), "--hidden", str(hidden), "--json"]))


rows = []


def target(name, measured, required, met):
    rows.append((name, measured, required, "met" if met else "NOT MET"))
    print(f"  {name}: {measured} (target {required}) {'met' if met else 'NOT MET'}", flush=True)


print(f"{time.strftime('%Y-%m-%d %H:%M')} on {platform.node()}, {os.cpu_count()} cores, {ROUNDS} round(s)", flush=True)

# Training against PyTorch, and the GEMM-bound LSTM against numpy's sgemm measured alongside it.
for cell, length, inputs, hidden, steps, required in [("lstm", 28, 28, 128, 40, 5), ("gru", 28, 28, 128, 40, 3),
                                                       ("rnn", 28, 28, 128, 80, 3), ("lstm", 100, 64, 512, 5, None)]:
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
               f"GFLOP/s; {mine:,.0f} seq/s)", ">= 60%", ratio >= 0.6)

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
           f"{latency:.2f} ({median('managed_batch1_us'):,.0f} vs {median('onnxruntime_batch1_us'):,.0f} us)", "< 1",
           latency < 1)
    target(f"{label} batch-64 throughput / ORT",
           f"{throughput:.2f} ({median('managed_batch64_sequences_per_second'):,.0f} vs "
           f"{median('onnxruntime_batch64_sequences_per_second'):,.0f} seq/s)", ">= 1", throughput >= 1)

# Memory: peak working set of a training run, and how it grows with T.
peaks = {t: ours("lstm", t, 28, 128, 32, 2)["peak_working_set_bytes"] / 2 ** 20 for t in (98, 392, 784)}
growth = (peaks[784] - peaks[98]) / (784 - 98)
target("peak working set LSTM T=784 H=128 B=32",
       f"{peaks[784]:.0f} MiB ({peaks[98]:.0f} at T=98, {peaks[392]:.0f} at T=392: {growth:.2f} MiB per step)",
       "< 1024 MiB", peaks[784] < 1024)

print("\n| target | measured | required | |\n| --- | --- | --- | --- |")
for name, measured, required, verdict in rows:
    print(f"| {name} | {measured} | {required} | {verdict} |")

# Every performance target of the project against its anchor, measured in one run on this machine, with the
# verdict. The anchor of training is the machine's own BLAS at the very products a training step does
# (bench/step_sgemm.py: numpy's sgemm, OpenBLAS at its best core type, on all cores), the anchor of inference is
# ONNX Runtime, each engine in its own process (`recurrent bench --inference --serve`); PyTorch's training speed is reported beside
# them as a ratio. Ours and the anchor alternate, since this machine's speed drifts by tens of percent between
# minutes (and other work may share its cores): both in short turns of two warm processes inside each round (see
# training_rounds and inference_rounds); each ratio is the median of its rounds, printed with the range and the
# load average. The peers run at their best: bench/peer_blas.py picks OpenBLAS's fastest
# correct kernel for numpy and PyTorch, and PyTorch's thread count is measured too (both printed); the project's
# own code never sees those settings.
# Usage: /usr/bin/python3 bench/targets.py [ROUNDS] [--skip-torch] [--training-only | --inference-only]
#   (bench/targets.sh installs and builds first; --training-only measures the training targets alone,
#   --inference-only the inference ones)
#   RECURRENT_DLL=path/to/recurrent.dll measures another build with the same anchors (before/after tables).
import json
import os
import platform
import statistics
import subprocess
import sys
import time

import peer_blas

ARGS = [a for a in sys.argv[1:] if not a.startswith("--")]
ROUNDS = int(ARGS[0]) if ARGS else 3
SKIP_TORCH = "--skip-torch" in sys.argv
TRAINING_ONLY = "--training-only" in sys.argv
INFERENCE_ONLY = "--inference-only" in sys.argv
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
CORES = os.cpu_count() or 2
RECURRENT = ["dotnet", os.environ.get("RECURRENT_DLL", os.path.join(ROOT, "src/Host/bin/Release/net10.0/recurrent.dll"))]
GATES = {"lstm": 4, "gru": 3, "rnn": 1}

# Training targets: (cell, T, I, H, PyTorch's timed steps); each at >= 80% of the same-shape sgemm ceiling.
TRAINING = [("lstm", 28, 28, 128, 40), ("gru", 28, 28, 128, 40), ("rnn", 28, 28, 128, 80), ("lstm", 100, 64, 512, 4)]
CEILING_SHARE = 0.80
BATCH64_THROUGHPUT, BATCH1_LATENCY = 1.2, 0.75


def run(command, env=None):
    return subprocess.run(command, check=True, capture_output=True, text=True, env=env, cwd=ROOT).stdout.strip()


def load():
    return os.getloadavg()[0]


def ours(cell, length, inputs, hidden, batch, steps, threads=0):
    return json.loads(run(RECURRENT + ["bench", "--cell", cell, "--length", str(length), "--input", str(inputs),
                                       "--hidden", str(hidden), "--batch", str(batch), "--steps", str(steps),
                                       "--threads", str(threads), "--json"]))


def cpu_model():
    with open("/proc/cpuinfo") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown CPU"


def cpu_description():
    flags = peer_blas.cpu_flags()
    family = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("cpu family")), "?")
    vector = "AVX-512" if "avx512f" in flags else "AVX2" if "avx2" in flags else "no AVX2"
    caches = []
    for index in ("index0", "index2"):
        try:
            with open(f"/sys/devices/system/cpu/cpu0/cache/{index}/size") as size:
                caches.append(size.read().strip())
        except OSError:
            caches.append("?")
    return f"{cpu_model()}, family {family}, {CORES} cores, {vector}, L1d {caches[0]}, L2 {caches[1]} per core"


def torch_with(env, cell, length, inputs, hidden, batch, steps):
    return float(run(["/usr/bin/python3", os.path.join(HERE, "torch_train.py"), cell, str(length), str(inputs),
                      str(hidden), str(batch), str(steps)], env))


def choose_torch_environment(blas_env):
    """PyTorch's fastest setting of BLAS kernel (the machine's or the chosen one) and OpenMP threads, measured."""
    best = None
    for blas_name, blas in [("machine's BLAS setting", dict(os.environ)), ("chosen BLAS setting", blas_env)]:
        for threads in sorted({1, CORES}):
            env = dict(blas, OMP_NUM_THREADS=str(threads))
            speed = max(torch_with(env, "lstm", 28, 28, 128, 64, 20) for _ in range(2))
            name = f"{blas_name}, OMP_NUM_THREADS={threads}"
            print(f"  PyTorch candidate {name}: LSTM 28/28/128 {speed:,.0f} seq/s", flush=True)
            if best is None or speed > best[1]:
                best = (env, speed, name)
    print(f"  PyTorch chosen: {best[2]}", flush=True)
    return best[0]


def spread(values, fmt):
    return f"{fmt(statistics.median(values))} ({fmt(min(values))}–{fmt(max(values))})"


rows = []


# Above this load average (the benchmark's own threads count about CORES) another process shares the cores; OpenBLAS's
# two-thread sgemm loses far more to that than our steps do (its threads wait on each other), which flatters training.
BUSY_LOAD = CORES + 1.5


def target(name, measured, required, met, busy=False):
    verdict = "—" if met is None else "met" if met else "NOT MET"
    if busy and met is not None:
        verdict += f" (provisional: load above {BUSY_LOAD:.1f})"
    rows.append((name, measured, required, verdict))
    print(f"  {name}: {measured} (target {required}) {verdict}   [load {load():.1f}]", flush=True)


print(f"{time.strftime('%Y-%m-%d %H:%M %Z')} on {platform.node()}: {cpu_description()}, {ROUNDS} round(s), "
      f"load average {load():.1f}", flush=True)
BLAS_ENV, BLAS_NAME = (None, "not used") if INFERENCE_ONLY else peer_blas.choose(CORES, log=print)
TORCH_ENV = None if SKIP_TORCH or INFERENCE_ONLY else choose_torch_environment(BLAS_ENV)

# Training against the same-shape sgemm ceiling, in turns: one warm process of ours (`recurrent bench --serve`) and
# one of numpy's (`step_sgemm.py --serve`) per thread count take short turns of TURN seconds, ALTERNATIONS times per
# round, ours first in one alternation and the ceiling first in the next; each turn's rate is its steps over its wall
# time, the same statistic on both sides. A round's ratio is the median of our turns over the median of the
# ceiling's in that round, and the verdict is the median of the rounds' ratios; so a drift of the machine over
# minutes hits both alike, and a turn that another process preempted counts as little on either side.
# Between turns the driver waits until the process that just ran has stopped using the CPU: OpenBLAS's worker thread
# keeps spinning for about 0.1 s after its last product, which would run on the second core during our next turn.
TURN, ALTERNATIONS = 0.3, 4


class Server:
    """A benchmark process that answers one line of JSON per line of request (the --serve modes)."""

    def __init__(self, command, env=None):
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env,
                                        cwd=ROOT)

    def turn(self, request):
        self.process.stdin.write(request + "\n")
        self.process.stdin.flush()
        answer = self.process.stdout.readline()
        try:
            result = json.loads(answer)
        except json.JSONDecodeError:
            raise RuntimeError(f"{' '.join(self.process.args)} answered '{request}' with "
                               f"{answer.strip() or 'nothing'!r}, not a line of JSON") from None
        self.settle()
        return result

    def cpu_seconds(self):
        with open(f"/proc/{self.process.pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def settle(self, limit=1.0):
        """Waits until the process's CPU time stops growing (its threads idle), at most `limit` seconds."""
        end, before = time.perf_counter() + limit, self.cpu_seconds()
        while time.perf_counter() < end:
            time.sleep(0.03)
            now = self.cpu_seconds()
            if now == before:
                return
            before = now

    def close(self):
        """Ends the session (an empty line); a process that does not end within ten seconds is killed."""
        try:
            self.process.stdin.write("\n")
            self.process.stdin.close()
        except OSError:
            pass  # it has already ended: the error that ended it is the one to report
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def training_rounds(cell, length, inputs, hidden, batch):
    """Per round: our and the ceiling's median turn GFLOP/s on CORES threads and on one, and our sequences/s."""
    ours_server = Server(RECURRENT + ["bench", "--serve", "--cell", cell, "--length", str(length), "--input",
                                      str(inputs), "--hidden", str(hidden), "--batch", str(batch)])
    sgemm_command = ["/usr/bin/python3", os.path.join(HERE, "step_sgemm.py"), str(length), str(inputs), str(hidden),
                     str(batch), str(GATES[cell]), "--serve"]
    sgemm = {threads: Server(sgemm_command, dict(BLAS_ENV, OPENBLAS_NUM_THREADS=str(threads)))
             for threads in sorted({1, CORES})}
    try:
        def ours_turn(threads, seconds=TURN):
            # 0 asks for one thread per core, as training does by default.
            return ours_server.turn(f"{0 if threads == CORES else threads} {seconds}")

        # Warm-up: JIT tiers, packed weights and OpenBLAS's threads, a second each, not counted.
        for threads in sgemm:
            ours_turn(threads, 1.0)
            sgemm[threads].turn("1.0")
        rounds = []
        for _ in range(ROUNDS):
            turns = {key: [] for key in [("ours", n) for n in sgemm] + [("sgemm", n) for n in sgemm]}
            sequences = []
            for alternation in range(ALTERNATIONS):
                for threads in sorted(sgemm, reverse=True):
                    order = ["ours", "sgemm"] if alternation % 2 == 0 else ["sgemm", "ours"]
                    for who in order:
                        if who == "ours":
                            answer = ours_turn(threads)
                            if threads == CORES:
                                sequences.append(answer["sequences_per_second"])
                        else:
                            answer = sgemm[threads].turn(str(TURN))
                        turns[(who, threads)].append(answer["gflops"])
            rounds.append({key: statistics.median(values) for key, values in turns.items()}
                          | {"sequences": statistics.median(sequences), "load": load()})
        return rounds
    finally:
        ours_server.close()
        for server in sgemm.values():
            server.close()


def rounds_spread(rounds, value, fmt):
    return spread([value(r) for r in rounds], fmt)


def percent(ratio):
    return f"{ratio * 100:.0f}%"


for cell, length, inputs, hidden, steps in [] if INFERENCE_ONLY else TRAINING:
    label = f"training {cell.upper()} T={length} I={inputs} H={hidden} B=64"
    rounds = training_rounds(cell, length, inputs, hidden, 64)
    ratios = [r[("ours", CORES)] / r[("sgemm", CORES)] for r in rounds]
    loads = [r["load"] for r in rounds]

    def median_of(key):
        return statistics.median(r[key] for r in rounds)

    target(f"{label} vs same-shape sgemm ({CORES} threads)",
           f"{spread(ratios, percent)}; {median_of(('ours', CORES)):.0f} vs {median_of(('sgemm', CORES)):.0f} GFLOP/s; "
           f"{median_of('sequences'):,.0f} seq/s; load {min(loads):.1f}–{max(loads):.1f}",
           f">= {CEILING_SHARE * 100:.0f}%", statistics.median(ratios) >= CEILING_SHARE, busy=max(loads) > BUSY_LOAD)
    if CORES > 1:
        target(f"{label}, one thread: ours / same-shape sgemm; scaling to {CORES} threads, ours and sgemm",
               f"{rounds_spread(rounds, lambda r: r[('ours', 1)] / r[('sgemm', 1)], percent)}: "
               f"{median_of(('ours', 1)):.0f} vs {median_of(('sgemm', 1)):.0f} GFLOP/s; scaling ours "
               f"{rounds_spread(rounds, lambda r: r[('ours', CORES)] / r[('ours', 1)], lambda x: f'{x:.2f}x')}, sgemm "
               f"{rounds_spread(rounds, lambda r: r[('sgemm', CORES)] / r[('sgemm', 1)], lambda x: f'{x:.2f}x')}",
               "reported", None)
    if TORCH_ENV is not None:
        torch_seqs = [torch_with(TORCH_ENV, cell, length, inputs, hidden, 64, steps) for _ in range(max(1, ROUNDS // 2))]
        target(f"{label} vs PyTorch (best thread count)",
               f"{median_of('sequences') / statistics.median(torch_seqs):.1f}x ({median_of('sequences'):,.0f} vs "
               f"{statistics.median(torch_seqs):,.0f} seq/s)", "reported", None)

# Inference against ONNX Runtime 1.32.0, each engine in its own warm process as a user runs it (`recurrent bench
# --inference --serve --engine managed|onnxruntime --threads N`): in one process ONNX Runtime's intra-op pool keeps
# spinning on every core after its calls and our second worker starts late, which made our two-thread batch-64 call
# slower than our one-thread call. That is how the rows of one thread per core each are measured, both engines'
# defaults (our Threads = 0; ORT's pool, given the core count). The one-thread rows (our Threads = 1, ORT's
# IntraOpNumThreads = 1: no pool to spin) stay in one process (`recurrent bench --inference`, its unprefixed keys,
# ROUNDS runs): measured both ways on a quiet machine, the medians agreed and the rounds' ranges were narrower in
# one process. Each row has its own verdict. As in training, the two processes take short turns of TURN seconds (at least three calls), ALTERNATIONS
# times per round, ours first in one alternation and ORT first in the next, the driver waiting out a spinning pool
# after each turn (Server.settle); a turn's figure is its median call, a round's the median of its turns per side,
# its ratio ours over ORT, and the verdict the median of the rounds' ratios.
SERVED_THREADS = [CORES] if CORES > 1 else []


def inference_rounds(length, inputs, hidden):
    """Per round: each (engine, threads, batch)'s median call in microseconds and the load average; ORT's version."""
    def serve(engine, threads):
        return Server(RECURRENT + ["bench", "--inference", "--serve", "--engine", engine, "--threads",
                                   str(0 if threads == CORES and CORES > 1 else threads), "--cell", "lstm",
                                   "--length", str(length), "--input", str(inputs), "--hidden", str(hidden)])

    servers = {}
    try:
        for threads in SERVED_THREADS:
            for engine in ("managed", "onnxruntime"):
                servers[(engine, threads)] = serve(engine, threads)
        # Warm-up: JIT tiers, buffers and ORT's threads, half a second each, not counted.
        for server in servers.values():
            for batch in ("batch1", "batch64"):
                server.turn(f"{batch} 0.5")
        rounds, version = [], "?"
        for _ in range(ROUNDS):
            turns = {key + (batch,): [] for key in servers for batch in ("batch1", "batch64")}
            for threads in SERVED_THREADS:
                for batch in ("batch1", "batch64"):
                    for alternation in range(ALTERNATIONS):
                        order = ["managed", "onnxruntime"] if alternation % 2 == 0 else ["onnxruntime", "managed"]
                        for engine in order:
                            answer = servers[(engine, threads)].turn(f"{batch} {TURN}")
                            turns[(engine, threads, batch)].append(answer["median_us"])
                            version = answer["onnxruntime_version"] or version
            rounds.append({key: statistics.median(values) for key, values in turns.items()} | {"load": load()})
        return rounds, version
    finally:
        for server in servers.values():
            server.close()


for length, inputs, hidden in [] if TRAINING_ONLY else [(28, 28, 128), (100, 64, 512)]:
    label = f"inference LSTM T={length} I={inputs} H={hidden}"
    results = [json.loads(run(RECURRENT + ["bench", "--inference", "--cell", "lstm", "--length", str(length),
                                           "--input", str(inputs), "--hidden", str(hidden), "--json"]))
               for _ in range(ROUNDS)]
    version = results[0].get("onnxruntime_version", "?")
    loads = [float(r["load_average"]) for r in results]
    latency = [r["managed_batch1_us"] / r["onnxruntime_batch1_us"] for r in results]
    throughput = [r["managed_batch64_sequences_per_second"] / r["onnxruntime_batch64_sequences_per_second"]
                  for r in results]
    target(f"{label} batch-1 latency / ORT {version}, one thread each, one process",
           f"{spread(latency, lambda r: f'{r:.2f}')} ({statistics.median(r['managed_batch1_us'] for r in results):,.0f} "
           f"vs {statistics.median(r['onnxruntime_batch1_us'] for r in results):,.0f} us); "
           f"load {min(loads):.1f}–{max(loads):.1f}", f"<= {BATCH1_LATENCY}",
           statistics.median(latency) <= BATCH1_LATENCY, busy=max(loads) > BUSY_LOAD)
    target(f"{label} batch-64 throughput / ORT {version}, one thread each, one process",
           f"{spread(throughput, lambda r: f'{r:.2f}')} "
           f"({statistics.median(r['managed_batch64_sequences_per_second'] for r in results):,.0f} vs "
           f"{statistics.median(r['onnxruntime_batch64_sequences_per_second'] for r in results):,.0f} seq/s)",
           f">= {BATCH64_THROUGHPUT}", statistics.median(throughput) >= BATCH64_THROUGHPUT,
           busy=max(loads) > BUSY_LOAD)
    if not SERVED_THREADS:
        continue
    rounds, version = inference_rounds(length, inputs, hidden)
    loads = [r["load"] for r in rounds]
    busy = max(loads) > BUSY_LOAD
    for threads in SERVED_THREADS:
        each = f"{threads} threads each, both engines' defaults"

        def median(engine, batch):
            return statistics.median(r[(engine, threads, batch)] for r in rounds)

        latency = [r[("managed", threads, "batch1")] / r[("onnxruntime", threads, "batch1")] for r in rounds]
        throughput = [r[("onnxruntime", threads, "batch64")] / r[("managed", threads, "batch64")] for r in rounds]
        target(f"{label} batch-1 latency / ORT {version}, {each}, own processes",
               f"{spread(latency, lambda r: f'{r:.2f}')} ({median('managed', 'batch1'):,.0f} vs "
               f"{median('onnxruntime', 'batch1'):,.0f} us); load {min(loads):.1f}–{max(loads):.1f}",
               f"<= {BATCH1_LATENCY}", statistics.median(latency) <= BATCH1_LATENCY, busy=busy)
        target(f"{label} batch-64 throughput / ORT {version}, {each}, own processes",
               f"{spread(throughput, lambda r: f'{r:.2f}')} ({64e6 / median('managed', 'batch64'):,.0f} vs "
               f"{64e6 / median('onnxruntime', 'batch64'):,.0f} seq/s)", f">= {BATCH64_THROUGHPUT}",
               statistics.median(throughput) >= BATCH64_THROUGHPUT, busy=busy)

# Memory: peak working set of a training run, and how it grows with T.
if not TRAINING_ONLY and not INFERENCE_ONLY:
    peaks = {t: ours("lstm", t, 28, 128, 32, 2)["peak_working_set_bytes"] / 2 ** 20 for t in (98, 392, 784)}
    growth = (peaks[784] - peaks[98]) / (784 - 98)
    target("peak working set LSTM T=784 H=128 B=32",
           f"{peaks[784]:.0f} MiB ({peaks[98]:.0f} at T=98, {peaks[392]:.0f} at T=392: {growth:.2f} MiB per step)",
           "< 300 MiB", peaks[784] < 300)

print(f"\n{cpu_description()}; peers: numpy/PyTorch BLAS {BLAS_NAME}; load average now {load():.1f}")
print("\n| target | measured: median (range of rounds) | required | |\n| --- | --- | --- | --- |")
for name, measured, required, verdict in rows:
    print(f"| {name} | {measured} | {required} | {verdict} |")

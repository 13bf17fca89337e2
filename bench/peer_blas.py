# Chooses how the Python peers (numpy's sgemm, PyTorch) call OpenBLAS, so that every ratio is measured against the
# peer at its best on the machine the benchmark runs on. Debian's OpenBLAS picks a slow kernel on some CPUs, and the
# machine may also set OPENBLAS_CORETYPE for older builds; both are wrong for a fair anchor. Each candidate setting
# is measured (sgemm at n = 1024) and checked for a correct product against float64; the fastest correct one wins.
# The choice applies to the peers' commands only, never to the project's tests.
# Usage: /usr/bin/python3 bench/peer_blas.py [--env-args]
#   prints every candidate and the choice on stderr; with --env-args, prints the arguments of `env` that give a
#   peer's command the chosen setting (for the shell scripts: env $(bench/peer_blas.py --env-args) python3 ...)
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
BLAS_VARIABLES = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")

# Runs in a child process: the core OpenBLAS selected, sgemm GFLOP/s, and the product's error against float64.
PROBE = r"""
import ctypes, json, sys, time
import numpy
n = 1024
rng = numpy.random.default_rng(0)
a = rng.random((n, n), dtype=numpy.float32)
b = rng.random((n, n), dtype=numpy.float32)
c = a @ b
exact = a.astype(numpy.float64) @ b.astype(numpy.float64)
error = float(numpy.max(numpy.abs(c - exact)) / numpy.max(numpy.abs(exact)))
best = 0.0
for _ in range(3):
    start = time.perf_counter()
    for _ in range(10):
        a @ b
    best = max(best, 2 * n ** 3 * 10 / (time.perf_counter() - start) / 1e9)
core = "unknown"
for line in open("/proc/self/maps"):
    if "libopenblas" in line:
        library = ctypes.CDLL(line.split()[-1])
        library.openblas_get_corename.restype = ctypes.c_char_p
        core = library.openblas_get_corename().decode()
        break
print(json.dumps({"core": core, "gflops": best, "error": error}))
"""


def cpu_flags():
    with open("/proc/cpuinfo") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("flags"):
                return set(line.split(":", 1)[1].split())
    return set()


def candidates():
    """(name, environment) pairs: what the machine sets, OpenBLAS's own detection, and core types the CPU can run."""
    inherited = dict(os.environ)
    detected = {k: v for k, v in os.environ.items() if k not in BLAS_VARIABLES}
    machine_settings = ", ".join(f"{k}={os.environ[k]}" for k in BLAS_VARIABLES if k in os.environ)
    yield f"as set on this machine ({machine_settings or 'nothing set'})", inherited
    if detected != inherited:
        yield "OpenBLAS's own detection", detected
    flags = cpu_flags()
    cores = []
    if "avx512f" in flags:
        cores += ["SkylakeX", "Cooperlake"]
    if "avx2" in flags:
        cores += ["Haswell", "Zen"]
    for core in cores:
        if os.environ.get("OPENBLAS_CORETYPE") != core:
            yield f"OPENBLAS_CORETYPE={core}", dict(detected, OPENBLAS_CORETYPE=core)


def probe(environment, threads):
    environment = dict(environment, OPENBLAS_NUM_THREADS=str(threads))
    result = subprocess.run(["/usr/bin/python3", "-c", PROBE], capture_output=True, text=True, env=environment)
    if result.returncode != 0:
        return None
    return json.loads(result.stdout)


def log_to_stderr(message):
    print(message, file=sys.stderr, flush=True)


def env_arguments(environment):
    """The arguments of `env` that turn this process's environment into the chosen one (BLAS variables only)."""
    arguments = [f"-u{name}" for name in BLAS_VARIABLES]
    return arguments + [f"{name}={environment[name]}" for name in BLAS_VARIABLES if name in environment]


def choose(threads=2, log=log_to_stderr):
    """The fastest environment whose product is correct (relative error below 1e-5), with a description."""
    best = None
    for name, environment in candidates():
        measured = probe(environment, threads)
        if measured is None:
            log(f"  BLAS candidate {name}: failed to run")
            continue
        correct = measured["error"] < 1e-5
        log(f"  BLAS candidate {name}: core {measured['core']}, {measured['gflops']:.0f} GFLOP/s, "
            f"error {measured['error']:.1e}{'' if correct else ' (WRONG: rejected)'}")
        if correct and (best is None or measured["gflops"] > best[2]["gflops"]):
            best = (name, environment, measured)
    if best is None:
        sys.exit("no BLAS configuration computed a correct product")
    log(f"  BLAS chosen for the peers: {best[0]} (core {best[2]['core']}, {best[2]['gflops']:.0f} GFLOP/s)")
    return best[1], f"{best[0]}, core {best[2]['core']}"


if __name__ == "__main__":
    chosen, _ = choose(os.cpu_count() or 2)
    if "--env-args" in sys.argv:
        print(" ".join(env_arguments(chosen)))

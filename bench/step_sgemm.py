# The machine's BLAS ceiling at a training step's own shapes: numpy's sgemm (OpenBLAS, as many threads as
# OPENBLAS_NUM_THREADS says, its core type as OPENBLAS_CORETYPE says) timed on the products one training step of a
# one-layer recurrent network does, no more and no less:
#   forward   X·W_xhᵀ over all T·B rows at once, then h_{t-1}·W_hhᵀ for each of the T steps ([B, H]·[H, GH]);
#   BPTT      ∂L/∂z_t·W_hh for each step ([B, GH]·[GH, H]) and ∂L/∂z·W_xh over all rows (∂L/∂x);
#   gradients dW_hh = ∂L/∂zᵀ·h and dW_xh = ∂L/∂zᵀ·x over all T·B rows.
# Everything else a step does (gates, loss, clipping, Adam) is left out, so this is an upper bound no
# implementation of the step reaches. The rate counts 3 × 2·T·B·G·H·(I+H) operations per step, the FLOP model of
# `recurrent bench`, so our GFLOP/s divided by this is the fraction of the ceiling.
# Usage: /usr/bin/python3 step_sgemm.py T I H B GATES [SECONDS]
#   prints JSON: the step's GFLOP/s (best of rounds) and each product's, with its shape m×n×k
# or:    /usr/bin/python3 step_sgemm.py T I H B GATES --serve
#   for a driver that alternates turns with `recurrent bench --serve` (bench/targets.py): each line "SECONDS" on
#   standard input runs whole steps for at least that long and answers a line of JSON (steps, wall seconds, GFLOP/s
#   over the turn, the same statistic as ours); an empty line ends it. Threads: OPENBLAS_NUM_THREADS.
import json
import sys
import time

import numpy

T, I, H, B, G = map(int, sys.argv[1:6])
SERVE = sys.argv[6:7] == ["--serve"]
seconds = float(sys.argv[6]) if len(sys.argv) > 6 and not SERVE else 1.5
width = G * H
rng = numpy.random.default_rng(0)


def matrix(rows, columns):
    return rng.standard_normal((rows, columns), dtype=numpy.float32)


x, w_xh_t, w_hh_t = matrix(T * B, I), matrix(I, width), matrix(H, width)
h, dz_step = matrix(B, H), matrix(B, width)
dz, states = matrix(T * B, width), matrix(T * B, H)
w_hh, w_xh = numpy.ascontiguousarray(w_hh_t.T), numpy.ascontiguousarray(w_xh_t.T)

# (name, m, n, k, repetitions per step, the product)
PRODUCTS = [
    ("x·W_xhᵀ, all steps", T * B, width, I, 1, lambda: x @ w_xh_t),
    ("h·W_hhᵀ, one step", B, width, H, T, lambda: h @ w_hh_t),
    ("∂L/∂z·W_hh, one step", B, H, width, T, lambda: dz_step @ w_hh),
    ("∂L/∂z·W_xh (∂L/∂x)", T * B, I, width, 1, lambda: dz @ w_xh),
    ("∂L/∂zᵀ·h (dW_hh)", width, H, T * B, 1, lambda: dz.T @ states),
    ("∂L/∂zᵀ·x (dW_xh)", width, I, T * B, 1, lambda: dz.T @ x),
]


def step():
    for _, _, _, _, repetitions, product in PRODUCTS:
        for _ in range(repetitions):
            product()


def best_rate(run, flops, budget):
    run()
    best, end = 0.0, time.perf_counter() + budget
    while time.perf_counter() < end:
        count, start = 0, time.perf_counter()
        while count == 0 or time.perf_counter() - start < 0.1:
            run()
            count += 1
        best = max(best, flops * count / (time.perf_counter() - start) / 1e9)
    return best


step_flops = 3.0 * 2 * T * B * width * (I + H)


def serve():
    for line in sys.stdin:
        if not line.strip():
            break
        turn = float(line)
        steps, start = 0, time.perf_counter()
        while steps == 0 or time.perf_counter() - start < turn:
            step()
            steps += 1
        elapsed = time.perf_counter() - start
        print(json.dumps({"steps": steps, "seconds": elapsed, "gflops": step_flops * steps / elapsed / 1e9}), flush=True)


if SERVE:
    step()
    serve()
    sys.exit(0)
result = {"gflops": best_rate(step, step_flops, seconds), "products": []}
for name, m, n, k, repetitions, product in PRODUCTS:
    result["products"].append({"name": name, "m": m, "n": n, "k": k, "per_step": repetitions,
                               "gflops": best_rate(product, 2.0 * m * n * k, seconds / 6)})
print(json.dumps(result))

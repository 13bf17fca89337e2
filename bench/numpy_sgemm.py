# The machine's BLAS limit: float32 matrix product through numpy (Debian python3-numpy with libopenblas0-pthread).
# Usage: /usr/bin/python3 numpy_sgemm.py [N]  -> prints GFLOP/s (threads as OPENBLAS_NUM_THREADS says)
import sys
import time

import numpy

n = int(sys.argv[1]) if len(sys.argv) > 1 else 1024
a = numpy.random.rand(n, n).astype(numpy.float32)
b = numpy.random.rand(n, n).astype(numpy.float32)
for _ in range(3):
    a @ b
repetitions = 20
start = time.perf_counter()
for _ in range(repetitions):
    a @ b
print(f"{2 * n ** 3 * repetitions / (time.perf_counter() - start) / 1e9:.1f}")

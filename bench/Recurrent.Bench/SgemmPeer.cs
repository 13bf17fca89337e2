using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Recurrent.Bench;

/// <summary>
/// numpy's sgemm (the machine's OpenBLAS) timed on the same shapes as ours, one thread, in a child python3: the
/// anchor of each product. OPENBLAS_CORETYPE passes through from the caller (bench/peer_blas.py picks the fastest;
/// bench/kernels.sh sets it), OPENBLAS_NUM_THREADS is set to 1. Without python3 and numpy the anchor is missing and
/// said so.
/// </summary>
public static class SgemmPeer
{
    // Times each [m, n, k, transposed A] the same way ours is timed: fastest of 25 rounds of about 2 ms.
    private const string Script = """
        import json, sys, time
        import numpy
        rng = numpy.random.default_rng(0)
        out = []
        for m, n, k, transposed in json.loads(sys.argv[1]):
            a = rng.standard_normal((k, m) if transposed else (m, k), dtype=numpy.float32)
            b = rng.standard_normal((k, n), dtype=numpy.float32)
            product = (lambda: a.T @ b) if transposed else (lambda: a @ b)
            flops = 2.0 * m * n * k
            repetitions = max(3, int(2e8 / flops))
            product()
            best = float("inf")
            for _ in range(25):
                start = time.perf_counter()
                for _ in range(repetitions):
                    product()
                best = min(best, (time.perf_counter() - start) / repetitions)
            out.append(flops / best / 1e9)
        print(json.dumps(out))
        """;

    /// <summary>GFLOP/s per product, or null for all when python3 with numpy could not run; and what was used.</summary>
    public static (IReadOnlyList<double?> Gflops, string Description) Measure(IReadOnlyList<StepProduct> products)
    {
        var shapes = JsonSerializer.Serialize(products.Select(p => new object[] { p.M, p.N, p.K, p.TransposedA }));
        var core = Environment.GetEnvironmentVariable("OPENBLAS_CORETYPE");
        var failure = "python3 not found";
        // The first python3 on PATH may be one without numpy (a pyenv shim); Debian's has it where the peers are installed.
        foreach (var python in new[] { Environment.GetEnvironmentVariable("RECURRENT_BENCH_PYTHON"), "python3", "/usr/bin/python3" })
        {
            if (string.IsNullOrEmpty(python))
                continue;
            var start = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true };
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add(Script);
            start.ArgumentList.Add(shapes);
            start.Environment["OPENBLAS_NUM_THREADS"] = "1";
            try
            {
                using var process = Process.Start(start)!;
                var output = process.StandardOutput.ReadToEndAsync();
                var error = process.StandardError.ReadToEnd();
                process.WaitForExit();
                if (process.ExitCode != 0)
                {
                    failure = $"{python}: {error.Trim().Split('\n').LastOrDefault()}";
                    continue;
                }
                var values = JsonSerializer.Deserialize<double[]>(output.Result)!;
                return (values.Select(v => (double?)v).ToArray(),
                    $"numpy sgemm ({python}), 1 thread, OpenBLAS core {core ?? "as detected (OPENBLAS_CORETYPE unset)"}");
            }
            catch (System.ComponentModel.Win32Exception)
            {
            }
        }
        return (products.Select(_ => (double?)null).ToArray(), $"no sgemm anchor (python3 with numpy: {failure})");
    }

    public static string Format(double? value) =>
        value is { } v ? v.ToString("F1", CultureInfo.InvariantCulture) : "—";
}

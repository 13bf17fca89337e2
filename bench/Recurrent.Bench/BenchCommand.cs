using System.CommandLine;
using System.Text.Json;
using Microsoft.ML;
using Recurrent.Diagnostics;
using Recurrent.Diagnostics.Metrics;
using Recurrent.Host.Commands;
using Recurrent.Host.Training;
using Recurrent.Trainer;
using Recurrent.Trainer.Training;

namespace Recurrent.Bench;

/// <summary>The benchmarks' command line (what `recurrent bench` forwards to): times training steps on random data.</summary>
internal static class BenchCommand
{
    public static int Main(string[] args)
    {
        if (Environment.GetEnvironmentVariable("RECURRENT_EXPERIMENT") is { } experiment)
            return experiment switch
            {
                "phases" => TrainingPhases.Run(),
                "handoffs" => TrainingHandOffs.Run(),
                "batch1split" => BatchOneUnitSplit.Run(),
                _ => Experiments.Run(experiment),
            };
        var command = Create();
        var parse = command.Parse(args);
        // Usage errors are bad input: exit 2, with System.CommandLine's message, as every `recurrent` command.
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
                Console.Error.WriteLine($"recurrent bench: {error.Message}");
            return ExitCodes.BadInput;
        }
        return parse.Invoke();
    }

    private static RootCommand Create()
    {
        var cell = new Option<string>("--cell") { Description = "Recurrent cell: lstm, gru or rnn.", DefaultValueFactory = _ => "lstm" };
        var activation = new Option<string>("--activation") { Description = "The rnn cell's non-linearity: tanh, relu or sigmoid.", DefaultValueFactory = _ => "tanh" };
        var length = new Option<int>("--length") { Description = "Steps per sequence T.", DefaultValueFactory = _ => 28 };
        var input = new Option<int>("--input") { Description = "Features per step I.", DefaultValueFactory = _ => 28 };
        var hidden = new Option<int>("--hidden") { Description = "Hidden units H.", DefaultValueFactory = _ => 128 };
        var layers = new Option<int>("--layers") { Description = "Stacked layers.", DefaultValueFactory = _ => 1 };
        var bidirectional = new Option<bool>("--bidirectional") { Description = "Two directions per layer." };
        var batch = new Option<int>("--batch") { Description = "Sequences per step B.", DefaultValueFactory = _ => 64 };
        var steps = new Option<int>("--steps") { Description = "Timed training steps.", DefaultValueFactory = _ => 20 };
        var threads = new Option<int>("--threads") { Description = "Worker threads (0: one per core).", DefaultValueFactory = _ => 0 };
        var noDiagnostics = new Option<bool>("--no-diagnostics") { Description = "Do not record per-step adjoint norms (and do not analyse them)." };
        var monitor = new Option<bool>("--monitor") { Description = "Analyse every step and record it as metrics, as a monitored run does." };
        var overhead = new Option<bool>("--overhead") { Description = "Measure what diagnostics cost: steps without them and with full monitoring at each detail level (global, layer, block; the detail every 10th step, as by default), and at block measured every step, taking turns in a shuffled order; reports median, 10th-percentile and mean step times and the bytes each run allocates a step." };
        var overheadRun = new Option<string?>("--overhead-run") { Description = "With --overhead: train only this run (without, global, layer, block or block_every_step), for a profiler or instruction counter watching the process." };
        var detailEvery = new Option<int?>("--detail-every") { Description = "With --overhead: the levels' cadence, measuring the detail every this many steps (default: the trainer's, 10)." };
        var scaling = new Option<string?>("--scaling") { Description = "Measure training cost against T (28..784) and H (64..1024) for every cell; write CSV and SVG charts to this folder." };
        var inference = new Option<bool>("--inference") { Description = "Time inference instead: the managed engine against ONNX Runtime on the same exported model, one thread each and then one per core each (both engines' defaults)." };
        var skipUpdates = new Option<bool>("--skip-updates") { Description = "With --inference: time the managed engine's prediction with skip gates updating about half the steps against the plain model of the same size, one thread each, alternating." };
        var kernels = new Option<bool>("--kernels") { Description = "Print the kernel plan and time, on one thread, the matrix products of one training step of --cell at --length/--input/--hidden/--batch against numpy's sgemm on the same shapes (python3 with numpy; OPENBLAS_CORETYPE passes through), then each kernel choice against its alternative." };
        var perStep = new Option<bool>("--per-step") { Description = "Compare a per-step head (ten classes at every step) with the per-sequence one at the same sizes, alternating step by step." };
        var dilations = new Option<string?>("--dilations") { Description = "Compare the same network without and with these dilations (one per layer, e.g. 1,2,4,8; sets --layers), alternating step by step." };
        var serve = new Option<bool>("--serve") { Description = "Train on request, for a driver that alternates turns with an anchor (bench/targets.py): each line 'THREADS SECONDS' on standard input trains whole steps of --cell at --length/--input/--hidden/--batch for at least SECONDS on THREADS threads (0: one per core), in one warm process, and answers a line of JSON; an empty line ends it. With --inference: one engine (--engine) on --threads in its own warm process, each line 'batch1 SECONDS' or 'batch64 SECONDS' answered with that turn's median call time." };
        var engine = new Option<string?>("--engine") { Description = "With --inference --serve: the engine this process runs, managed or onnxruntime." };
        var json = CliOptions.Json();
        var command = new RootCommand("recurrent bench: time training steps (forward, BPTT, clip, Adam) on random data.")
        {
            cell, activation, length, input, hidden, layers, bidirectional, batch, steps, threads, noDiagnostics, monitor, overhead, inference, skipUpdates, kernels, scaling, dilations, perStep, json,
        };
        command.Options.Add(overheadRun);
        command.Options.Add(detailEvery);
        command.Options.Add(serve);
        command.Options.Add(engine);
        // Run by `recurrent bench`, the usage line names that command, not this executable.
        command.HelpName = Environment.GetEnvironmentVariable(Host.Commands.BenchCommand.InvokedAsVariable);
        command.SetAction(parse => ExitCodes.Guard(() =>
        {
            var request = new TrainingRequest
            {
                Cell = (RecurrentCellKind)TrainingOptions.Named(nameof(TrainingRequest.Cell))!.Parse(parse.GetValue(cell)!, FieldSpelling.CommandLine)!,
                Activation = (RecurrentActivation)TrainingOptions.Named(nameof(TrainingRequest.Activation))!.Parse(parse.GetValue(activation)!, FieldSpelling.CommandLine)!,
                HiddenSize = parse.GetValue(hidden),
                Layers = parse.GetValue(layers),
                Bidirectional = parse.GetValue(bidirectional),
                Threads = parse.GetValue(threads),
            };
            var options = TrainingRequestMapper.ToTrainerOptions(request, FieldSpelling.CommandLine);
            options.CollectAdjointNorms = !parse.GetValue(noDiagnostics);
            if (parse.GetValue(scaling) is { } folder)
            {
                ScalingReport.Run(folder, options.Threads, Console.Out);
                return 0;
            }
            if (parse.GetValue(serve) && parse.GetValue(inference))
                return InferenceServer.Serve(options, parse.GetValue(engine), parse.GetValue(length), parse.GetValue(input),
                    Console.In, Console.Out);
            if (parse.GetValue(serve))
                return TrainingServer.Serve(options, parse.GetValue(length), parse.GetValue(input), parse.GetValue(batch),
                    Console.In, Console.Out);
            if (parse.GetValue(kernels))
                return RunKernels(options.Cell.ToString().ToLowerInvariant(), parse.GetValue(length), parse.GetValue(input),
                    options.HiddenSize, parse.GetValue(batch), parse.GetValue(json));
            if (parse.GetValue(inference) && parse.GetValue(skipUpdates))
                return RunSkipInference(options, parse.GetValue(length), parse.GetValue(input), parse.GetValue(json));
            if (parse.GetValue(inference))
                return RunInference(options, parse.GetValue(length), parse.GetValue(input), parse.GetValue(json));
            if (parse.GetValue(dilations) is { } dilationText)
                return RunDilations(options, TrainingRequestMapper.ParseDilations(dilationText, FieldSpelling.CommandLine), parse.GetValue(length), parse.GetValue(input),
                    parse.GetValue(batch), parse.GetValue(steps), parse.GetValue(json));
            if (parse.GetValue(perStep))
                return RunPerStep(options, parse.GetValue(length), parse.GetValue(input), parse.GetValue(batch), parse.GetValue(steps),
                    parse.GetValue(json));
            if (parse.GetValue(overhead))
            {
                if (parse.GetValue(detailEvery) is int every)
                    options.GradientDetailEvery = every;
                return RunOverhead(options, parse.GetValue(length), parse.GetValue(input), parse.GetValue(batch),
                    parse.GetValue(steps), parse.GetValue(overheadRun), parse.GetValue(json));
            }
            using var metrics = parse.GetValue(monitor) ? new TrainingMetrics() : null;
            var observer = metrics is null ? null : new GradientMonitor(metrics, "bench");
            var result = TrainingBenchmark.Run(options, parse.GetValue(length), parse.GetValue(input),
                parse.GetValue(batch), parse.GetValue(steps), observer: observer);
            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(new
                {
                    cell = options.Cell.ToString().ToLowerInvariant(),
                    length = parse.GetValue(length),
                    input = parse.GetValue(input),
                    hidden = options.HiddenSize,
                    batch = parse.GetValue(batch),
                    sequences_per_second = result.SequencesPerSecond,
                    gflops = result.GigaflopsPerSecond,
                    ms_per_step = result.MillisecondsPerStep,
                    peak_working_set_bytes = result.PeakWorkingSetBytes,
                }));
            }
            else
            {
                Console.WriteLine($"{options.Cell} T={parse.GetValue(length)} I={parse.GetValue(input)} H={options.HiddenSize} " +
                    $"B={parse.GetValue(batch)}: {result.SequencesPerSecond:F0} sequences/s, {result.GigaflopsPerSecond:F1} GFLOP/s, " +
                    $"{result.MillisecondsPerStep:F2} ms/step");
            }
            return 0;
        }));
        return command;
    }

    private static int RunPerStep(SequenceModelOptions options, int length, int input, int batch, int steps, bool json)
    {
        var (sequenceMs, stepMs) = TrainingBenchmark.PerStepVersusPerSequence(options, length, input, batch, steps);
        double sequenceRate = batch * 1000 / sequenceMs, stepRate = batch * 1000 / stepMs;
        Console.WriteLine(json
            ? JsonSerializer.Serialize(new
            {
                cell = options.Cell.ToString().ToLowerInvariant(),
                length,
                input,
                hidden = options.HiddenSize,
                batch,
                diagnostics = options.CollectAdjointNorms,
                per_sequence_sequences_per_second = sequenceRate,
                per_step_sequences_per_second = stepRate,
                ratio = stepRate / sequenceRate,
            })
            : $"{options.Cell} T={length} I={input} H={options.HiddenSize} B={batch}, median of {steps} alternating steps" +
              $"{(options.CollectAdjointNorms ? "" : " without diagnostics")}: per sequence {sequenceRate:F0} sequences/s, " +
              $"per step {stepRate:F0} sequences/s, ratio {stepRate / sequenceRate:F2}");
        return 0;
    }

    private static int RunDilations(SequenceModelOptions options, int[] dilations, int length, int input,
        int batch, int steps, bool json)
    {
        options.Layers = dilations.Length;
        var dilated = options.Clone();
        dilated.Dilations = dilations;
        var (plainMs, dilatedMs) = TrainingBenchmark.Alternate(options, dilated, length, input, batch, steps);
        double plainRate = batch * 1000 / plainMs, dilatedRate = batch * 1000 / dilatedMs;
        Console.WriteLine(json
            ? JsonSerializer.Serialize(new
            {
                cell = options.Cell.ToString().ToLowerInvariant(),
                length,
                input,
                hidden = options.HiddenSize,
                batch,
                dilations,
                undilated_sequences_per_second = plainRate,
                dilated_sequences_per_second = dilatedRate,
                ratio = dilatedRate / plainRate,
            })
            : $"{options.Cell} T={length} I={input} H={options.HiddenSize} B={batch}, {dilations.Length} layers, median of {steps} alternating steps: " +
              $"undilated {plainRate:F0} sequences/s, dilations {string.Join(',', dilations)} {dilatedRate:F0} sequences/s, ratio {dilatedRate / plainRate:F2}");
        return 0;
    }

    private static int RunKernels(string cell, int length, int input, int hidden, int batch, bool json)
    {
        // The step's own products first, each against numpy's sgemm on the same shape (both one thread), then the
        // kernel choices each against its alternative.
        var products = StepProducts.Of(cell, length, input, hidden, batch, threads: Environment.ProcessorCount);
        var (step, peer) = StepProducts.TimeAgainstSgemm(products);
        var timings = KernelBenchmark.Run();
        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                plan = KernelBenchmark.Plan(),
                sgemm = peer,
                step_products = step.Select(t => new
                {
                    name = t.Product.Name,
                    m = t.Product.M,
                    n = t.Product.N,
                    k = t.Product.K,
                    transposed_a = t.Product.TransposedA,
                    per_step = t.Product.PerStep,
                    microseconds = t.Microseconds,
                    gflops = t.GigaflopsPerSecond,
                    sgemm_gflops = t.SgemmGigaflopsPerSecond,
                }),
                products = timings.Select(t => new { name = t.Name, microseconds = t.Microseconds, gflops = t.GigaflopsPerSecond }),
            }));
            return 0;
        }
        Console.WriteLine("Kernel choices for this machine:");
        foreach (var line in KernelBenchmark.Plan())
            Console.WriteLine($"  {line}");
        Console.WriteLine($"Products of one {cell.ToUpperInvariant()} step, T={length} I={input} H={hidden} B={batch}, one thread " +
                          $"(fastest of {StepProducts.Rounds} short rounds, twice, alternating with the anchor), against {peer} on the same shape:");
        Console.WriteLine($"{"product",-58} {"m×n×k",-16} {"per step",8} {"us",9} {"GFLOP/s",8} {"sgemm",7} {"ratio",6}");
        foreach (var t in step)
        {
            var p = t.Product;
            var ratio = t.SgemmGigaflopsPerSecond is { } s ? $"{t.GigaflopsPerSecond / s:F2}" : "—";
            Console.WriteLine($"{p.Name + (p.TransposedA ? " (Aᵀ)" : ""),-58} {$"{p.M}×{p.N}×{p.K}",-16} {p.PerStep,8} " +
                              $"{t.Microseconds,9:F1} {t.GigaflopsPerSecond,8:F1} {SgemmPeer.Format(t.SgemmGigaflopsPerSecond),7} {ratio,6}");
        }
        Console.WriteLine("Kernel choices against their alternatives, LSTM H = 512, one thread (fastest of seven rounds):");
        foreach (var t in timings)
            Console.WriteLine($"{t.Name,-72} {t.Microseconds,9:F1} us {t.GigaflopsPerSecond,7:F1} GFLOP/s");
        return 0;
    }

    private static int RunSkipInference(SequenceModelOptions options, int length, int inputSize, bool json)
    {
        options.Threads = 1;
        var load = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "unknown";
        var result = SkipInferenceBenchmark.Run(options, length, inputSize, repetitions: length * options.HiddenSize > 20_000 ? 60 : 400);
        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                cell = options.Cell.ToString().ToLowerInvariant(),
                length,
                input = inputSize,
                hidden = options.HiddenSize,
                load_average = load,
                update_share = result.UpdateShare,
                plain_batch1_us = result.PlainLatencyMicroseconds,
                skip_batch1_us = result.SkipLatencyMicroseconds,
                plain_batch64_sequences_per_second = result.PlainSequencesPerSecond,
                skip_batch64_sequences_per_second = result.SkipSequencesPerSecond,
            }));
            return 0;
        }
        Console.WriteLine($"{options.Cell} T={length} I={inputSize} H={options.HiddenSize}, one thread, skip gates updating {result.UpdateShare:P1} of steps (load average {load} at the start):");
        Console.WriteLine($"  batch 1 latency   plain {result.PlainLatencyMicroseconds,9:F0} us    skip {result.SkipLatencyMicroseconds,9:F0} us    skip/plain {result.SkipLatencyMicroseconds / result.PlainLatencyMicroseconds:F2}");
        Console.WriteLine($"  batch 64          plain {result.PlainSequencesPerSecond,9:F0} seq/s skip {result.SkipSequencesPerSecond,9:F0} seq/s skip/plain {result.SkipSequencesPerSecond / result.PlainSequencesPerSecond:F2}");
        return 0;
    }

    private static int RunInference(SequenceModelOptions options, int length, int inputSize, bool json)
    {
        options.Threads = 1;
        var model = TrainingBenchmark.RandomModel(options, length, inputSize);
        var load = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "unknown";
        var result = InferenceBenchmark.Run(model, length, inputSize, repetitions: length * options.HiddenSize > 20_000 ? 60 : 400);
        var (one, all) = (result.OneThread, result.AllCores);
        if (json)
        {
            // The unprefixed keys are one thread each, as they always were; the all_cores_ ones are both engines'
            // defaults (one thread per core), absent on a one-core machine.
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                cell = options.Cell.ToString().ToLowerInvariant(),
                length,
                input = inputSize,
                hidden = options.HiddenSize,
                load_average = load,
                onnxruntime_version = result.OnnxRuntimeVersion,
                managed_batch1_us = one.ManagedLatencyMicroseconds,
                onnxruntime_batch1_us = one.OnnxLatencyMicroseconds,
                managed_batch64_sequences_per_second = one.ManagedSequencesPerSecond,
                onnxruntime_batch64_sequences_per_second = one.OnnxSequencesPerSecond,
                all_cores_threads = all?.Threads,
                all_cores_managed_batch1_us = all?.ManagedLatencyMicroseconds,
                all_cores_onnxruntime_batch1_us = all?.OnnxLatencyMicroseconds,
                all_cores_managed_batch64_sequences_per_second = all?.ManagedSequencesPerSecond,
                all_cores_onnxruntime_batch64_sequences_per_second = all?.OnnxSequencesPerSecond,
            }));
            return 0;
        }
        Console.WriteLine($"{options.Cell} T={length} I={inputSize} H={options.HiddenSize}, ONNX Runtime {result.OnnxRuntimeVersion} (load average {load} at the start):");
        foreach (var figures in new[] { one, all }.OfType<InferenceBenchmark.Figures>())
        {
            Console.WriteLine(figures.Threads == 1 ? "  one thread each (Threads = 1, IntraOpNumThreads = 1):"
                : $"  {figures.Threads} threads each, both engines' defaults (Threads = 0, IntraOpNumThreads = {figures.Threads}):");
            Console.WriteLine($"    batch 1 latency   managed {figures.ManagedLatencyMicroseconds,9:F0} us   ONNX Runtime {figures.OnnxLatencyMicroseconds,9:F0} us   ratio {figures.ManagedLatencyMicroseconds / figures.OnnxLatencyMicroseconds:F2}");
            Console.WriteLine($"    batch 64          managed {figures.ManagedSequencesPerSecond,9:F0} seq/s ONNX Runtime {figures.OnnxSequencesPerSecond,9:F0} seq/s ratio {figures.ManagedSequencesPerSecond / figures.OnnxSequencesPerSecond:F2}");
        }
        return 0;
    }

    // Every level's step times against the run without diagnostics (or one run alone), with the bytes each allocated
    // per step and the collections its steps triggered, which the machine's load cannot change.
    private static int RunOverhead(SequenceModelOptions options, int length, int input, int batch, int steps, string? only,
        bool json)
    {
        using var metrics = new TrainingMetrics();
        var (without, with) = TrainingBenchmark.Overhead(options, length, input, batch, steps,
            run => new GradientMonitor(metrics, "bench-" + run.Name), only);
        double? Percent(double time, double? baseline) => baseline is double b ? (time / b - 1) * 100 : null;
        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                ms_per_step_without = without?.Median,
                ms_per_step_p10_without = without?.Percentile10,
                ms_per_step_mean_without = without?.Mean,
                cpu_ms_per_step_without = without?.CpuMedian,
                cpu_ms_per_step_mean_without = without?.CpuMean,
                allocated_bytes_per_step_without = without?.AllocatedBytesPerStep,
                collections_without = without?.Collections,
                detail_every = options.GradientDetailEvery,
                levels = with.ToDictionary(l => l.Run.Name, l => new
                {
                    ms_per_step = l.Times.Median,
                    overhead_percent = Percent(l.Times.Median, without?.Median),
                    ms_per_step_p10 = l.Times.Percentile10,
                    overhead_percent_p10 = Percent(l.Times.Percentile10, without?.Percentile10),
                    ms_per_step_mean = l.Times.Mean,
                    overhead_percent_mean = Percent(l.Times.Mean, without?.Mean),
                    cpu_ms_per_step = l.Times.CpuMedian,
                    cpu_overhead_percent = Percent(l.Times.CpuMedian, without?.CpuMedian),
                    cpu_ms_per_step_mean = l.Times.CpuMean,
                    cpu_overhead_percent_mean = Percent(l.Times.CpuMean, without?.CpuMean),
                    allocated_bytes_per_step = l.Times.AllocatedBytesPerStep,
                    collections = l.Times.Collections,
                }),
            }));
            return 0;
        }
        static string Signed(double? percent) => percent is double p ? $" ({p:+0.00;-0.00}%)" : "";
        var lines = new List<string>();
        if (without is not null)
            lines.Add($"without diagnostics: median {without.Median:F2} ms/step, 10th percentile {without.Percentile10:F2}, mean {without.Mean:F2}, CPU median {without.CpuMedian:F2} mean {without.CpuMean:F2}, "
                + $"{without.AllocatedBytesPerStep:F0} B allocated a step, {without.Collections} gen-0 collections");
        foreach (var (run, times) in with)
        {
            lines.Add($"{run.Name.Replace('_', ' ')} (detail every {run.Every}): median {times.Median:F2} ms/step{Signed(Percent(times.Median, without?.Median))}, "
                + $"10th percentile {times.Percentile10:F2}{Signed(Percent(times.Percentile10, without?.Percentile10))}, "
                + $"mean {times.Mean:F2}{Signed(Percent(times.Mean, without?.Mean))}, "
                + $"CPU median {times.CpuMedian:F2}{Signed(Percent(times.CpuMedian, without?.CpuMedian))} mean {times.CpuMean:F2}{Signed(Percent(times.CpuMean, without?.CpuMean))}, "
                + $"{times.AllocatedBytesPerStep:F0} B allocated a step, {times.Collections} gen-0 collections");
        }
        Console.WriteLine(string.Join(Environment.NewLine, lines));
        return 0;
    }
}

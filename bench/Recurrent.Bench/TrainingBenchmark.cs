using System.Diagnostics;
using Microsoft.ML;
using Recurrent.Trainer;
using Recurrent.Trainer.Data;
using Recurrent.Trainer.Data.Synthetic;
using Recurrent.Trainer.Layers;
using Recurrent.Trainer.Models;
using Recurrent.Trainer.Tensors;
using Recurrent.Trainer.Training;

namespace Recurrent.Bench;

/// <summary>What one benchmark measured.</summary>
/// <param name="SequencesPerSecond">Training sequences per second over the timed steps.</param>
/// <param name="GigaflopsPerSecond">Achieved GFLOP/s counting 3 × 2·T·B·(I+H)·G·H per step (forward products, twice that backward).</param>
/// <param name="MillisecondsPerStep">Mean wall time of one step.</param>
/// <param name="Steps">Timed steps.</param>
/// <param name="PeakWorkingSetBytes">The process's peak working set after the run.</param>
public sealed record BenchmarkResult(double SequencesPerSecond, double GigaflopsPerSecond, double MillisecondsPerStep,
    int Steps, long PeakWorkingSetBytes);

/// <summary>
/// Times full training steps (forward, BPTT, global-norm clipping at 1, Adam) of one configuration on random
/// data of fixed length, after untimed warm-up steps.
/// </summary>
public static class TrainingBenchmark
{
    /// <summary>
    /// A run's milliseconds per step: the median, and the fastest tenth's slowest (the 10th percentile), which a shared
    /// machine's load reaches less often: a step it preempted is slow, while the diagnostics slow every step; and the
    /// mean. With them, the process's CPU time a step (every thread's, so a preempted step does not count its wait;
    /// median and mean), and what the load cannot change: the bytes the run allocated per step (on every thread) and
    /// the generation-0 collections its steps triggered.
    /// </summary>
    public sealed record StepTimes(double Median, double Percentile10, double Mean = double.NaN,
        double AllocatedBytesPerStep = 0, int Collections = 0, double CpuMedian = double.NaN, double CpuMean = double.NaN);

    /// <summary>One run of <see cref="Overhead"/>: its detail level, measured every <paramref name="Every"/> steps.</summary>
    public sealed record OverheadRun(string Name, RecurrentGradientDetail Detail, int Every);

    /// <summary>The name of <see cref="Overhead"/>'s run without diagnostics.</summary>
    public const string WithoutRun = "without";

    /// <summary>
    /// The runs <see cref="Overhead"/> times against the run without diagnostics: each detail level at the options'
    /// cadence (<see cref="SequenceModelOptions.GradientDetailEvery"/>), and the block level measured on every step,
    /// which shows what one measurement of the detail costs.
    /// </summary>
    public static OverheadRun[] OverheadRuns(SequenceModelOptions options) =>
    [
        .. Enum.GetValues<RecurrentGradientDetail>().Select(level => new OverheadRun(LevelName(level), level, options.GradientDetailEvery)),
        new("block_every_step", RecurrentGradientDetail.Block, 1),
    ];

    private static string LevelName(RecurrentGradientDetail level) => level.ToString().ToLowerInvariant();

    /// <summary>
    /// The cost of gradient diagnostics: identical runs, one without adjoint norms, detail or observer, and one per
    /// <see cref="OverheadRuns"/> with adjoint norms and the observer <paramref name="observer"/> makes for it (which
    /// should analyse and record every step), take turns step by step in an order shuffled anew for every turn, so that
    /// machine load, and the caches another run's step has just emptied, hit all alike (a fixed order would have each
    /// run follow the same other run on almost every step). <paramref name="only"/> names one run (<see cref="WithoutRun"/> or an <see
    /// cref="OverheadRun.Name"/>) to train alone, for a profiler or an instruction counter watching the process.
    /// Returns the step times of the run without (null when <paramref name="only"/> left it out), and per run.
    /// </summary>
    public static (StepTimes? Without, IReadOnlyList<(OverheadRun Run, StepTimes Times)> With) Overhead(
        SequenceModelOptions options, int length, int inputSize, int batchSize, int steps,
        Func<OverheadRun, ITrainingObserver> observer, string? only = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(steps);
        var (data, batch) = RandomBatch(options, length, inputSize, batchSize);
        TrainingLoop Loop(OverheadRun? measured)
        {
            var run = RunOptions(options, batchSize);
            run.CollectAdjointNorms = measured is not null;
            run.GradientDetail = measured?.Detail ?? RecurrentGradientDetail.Global;
            run.GradientDetailEvery = measured?.Every ?? 1;
            return new TrainingLoop(new SequenceModelTrainer(run).Initialize(data), run, data, null,
                measured is null ? null : observer(measured));
        }
        OverheadRun?[] runs = [null, .. OverheadRuns(options)];
        if (only is not null)
        {
            runs = [.. runs.Where(r => (r?.Name ?? WithoutRun) == only)];
            if (runs.Length == 0)
                throw new ArgumentException($"No overhead run is named '{only}': {WithoutRun}, "
                    + string.Join(", ", OverheadRuns(options).Select(r => r.Name)) + ".", nameof(only));
        }
        var loops = runs.Select(Loop).ToArray();
        var times = runs.Select(_ => new double[steps]).ToArray();
        var cpu = runs.Select(_ => new double[steps]).ToArray();
        var allocated = new long[runs.Length];
        var collections = new int[runs.Length];
        var order = Enumerable.Range(0, runs.Length).ToArray();
        var shuffle = new Random(options.SeedOrDefault);
        for (var i = -3; i < steps; i++)
        {
            shuffle.Shuffle(order);
            foreach (var r in order)
            {
                var bytes = GC.GetTotalAllocatedBytes(precise: true);
                var gen0 = GC.CollectionCount(0);
                var cpuBefore = Environment.CpuUsage.TotalTime;
                var start = Stopwatch.GetTimestamp();
                loops[r].TrainBatch(batch);
                var elapsed = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                var cpuElapsed = (Environment.CpuUsage.TotalTime - cpuBefore).TotalMilliseconds;
                if (i < 0)
                    continue;
                times[r][i] = elapsed;
                cpu[r][i] = cpuElapsed;
                allocated[r] += GC.GetTotalAllocatedBytes(precise: true) - bytes;
                collections[r] += GC.CollectionCount(0) - gen0;
            }
        }
        foreach (var t in times.Concat(cpu))
            Array.Sort(t);
        StepTimes Of(int r) => new(times[r][steps / 2], times[r][steps / 10], times[r].Average(),
            (double)allocated[r] / steps, collections[r], cpu[r][steps / 2], cpu[r].Average());
        var with = Enumerable.Range(0, runs.Length).Where(r => runs[r] is not null).Select(r => (runs[r]!, Of(r))).ToArray();
        return (runs[0] is null ? Of(0) : null, with);
    }

    /// <summary>
    /// Two configurations of the same data and batch, <paramref name="first"/> and <paramref name="second"/> (such
    /// as a network without and with dilations), trained step by step in alternation so that machine load hits
    /// both alike. Returns the median milliseconds per step of each.
    /// </summary>
    public static (double First, double Second) Alternate(SequenceModelOptions first,
        SequenceModelOptions second, int length, int inputSize, int batchSize, int steps)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(steps);
        var (data, batch) = RandomBatch(first, length, inputSize, batchSize);
        TrainingLoop Loop(SequenceModelOptions options)
        {
            var run = RunOptions(options, batchSize);
            return new TrainingLoop(new SequenceModelTrainer(run).Initialize(data), run, data, null, null);
        }
        var a = Loop(first);
        var b = Loop(second);
        var timesA = new double[steps];
        var timesB = new double[steps];
        for (var i = -3; i < steps; i++)
        {
            var start = Stopwatch.GetTimestamp();
            a.TrainBatch(batch);
            var middle = Stopwatch.GetTimestamp();
            b.TrainBatch(batch);
            var end = Stopwatch.GetTimestamp();
            if (i < 0)
                continue;
            timesA[i] = Stopwatch.GetElapsedTime(start, middle).TotalMilliseconds;
            timesB[i] = Stopwatch.GetElapsedTime(middle, end).TotalMilliseconds;
        }
        Array.Sort(timesA);
        Array.Sort(timesB);
        return (timesA[steps / 2], timesB[steps / 2]);
    }

    /// <summary>
    /// A per-step head against the per-sequence one at the same sizes: the same random inputs, ten classes at every
    /// step or one per sequence, trained step by step in alternation so that machine load hits both alike. Returns
    /// the median milliseconds per step of each.
    /// </summary>
    public static (double PerSequence, double PerStep) PerStepVersusPerSequence(SequenceModelOptions options, int length,
        int inputSize, int batchSize, int steps)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(steps);
        TrainingLoop Loop(bool perStep, out SequenceBatch batch)
        {
            var (data, b) = RandomBatch(options, length, inputSize, batchSize, perStep);
            batch = b;
            var run = RunOptions(options, batchSize);
            return new TrainingLoop(new SequenceModelTrainer(run).Initialize(data), run, data, null, null);
        }
        var sequenceLoop = Loop(false, out var sequenceBatch);
        var stepLoop = Loop(true, out var stepBatch);
        var timesSequence = new double[steps];
        var timesStep = new double[steps];
        for (var i = -3; i < steps; i++)
        {
            var start = Stopwatch.GetTimestamp();
            sequenceLoop.TrainBatch(sequenceBatch);
            var middle = Stopwatch.GetTimestamp();
            stepLoop.TrainBatch(stepBatch);
            var end = Stopwatch.GetTimestamp();
            if (i < 0)
                continue;
            timesSequence[i] = Stopwatch.GetElapsedTime(start, middle).TotalMilliseconds;
            timesStep[i] = Stopwatch.GetElapsedTime(middle, end).TotalMilliseconds;
        }
        Array.Sort(timesSequence);
        Array.Sort(timesStep);
        return (timesSequence[steps / 2], timesStep[steps / 2]);
    }

    // Gaussian steps; ten classes, one per sequence or (perStep) one per step.
    private static (SequenceDataset Data, SequenceBatch Batch) RandomBatch(SequenceModelOptions options, int length,
        int inputSize, int batchSize, bool perStep = false)
    {
        var rng = new DeterministicRandom((ulong)options.SeedOrDefault);
        var examples = new SequenceExample[batchSize];
        for (var b = 0; b < batchSize; b++)
        {
            var values = new float[length * inputSize];
            for (var i = 0; i < values.Length; i++)
                values[i] = (float)rng.NextGaussian();
            examples[b] = perStep
                ? SequenceExample.FromSteps(values, inputSize, Enumerable.Range(0, length).Select(t => (b + t) % 10).ToArray())
                : SequenceExample.FromSteps(values, inputSize, b % 10);
        }
        var labels = LabelSet.Classes(Enumerable.Range(0, 10).Select(c => c.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray());
        var data = new SequenceDataset("benchmark", InputKind.Numeric, inputSize, null, labels, examples);
        var batch = new SequenceBatch();
        batch.Fill(examples, Enumerable.Range(0, batchSize).ToArray(), inputSize);
        return (data, batch);
    }

    /// <summary>An initialised (untrained) ten-class model of the given shape, for inference benchmarks.</summary>
    public static SequenceModel RandomModel(SequenceModelOptions options, int length, int inputSize) =>
        new SequenceModelTrainer(options).Initialize(RandomBatch(options, length, inputSize, 1).Data);

    // What every benchmark step does besides the options under test: full batches and clipping at norm 1.
    private static SequenceModelOptions RunOptions(SequenceModelOptions options, int batchSize)
    {
        var run = options.Clone();
        run.BatchSize = batchSize;
        run.ClipNorm ??= 1f;
        return run;
    }

    /// <summary>A training loop on one random batch, warmed up, and what one of its steps computes.</summary>
    internal sealed class Session(TrainingLoop loop, SequenceNetwork network, SequenceBatch batch, double flopsPerStep)
    {
        /// <summary>The loop, for experiments that change how its steps run.</summary>
        public TrainingLoop Loop { get; } = loop;

        /// <summary>The network the loop trains, for experiments that time parts of a step.</summary>
        public SequenceNetwork Network { get; } = network;

        /// <summary>The batch every step trains on.</summary>
        public SequenceBatch Batch { get; } = batch;

        /// <summary>3 × 2·T·B·(I+H)·G·H per layer and direction: forward products, twice that backward.</summary>
        public double FlopsPerStep { get; } = flopsPerStep;

        /// <summary>One full training step (forward, BPTT, clipping, Adam).</summary>
        public void Step() => Loop.TrainBatch(Batch);
    }

    /// <summary>A <see cref="Session"/> of the given shape after <paramref name="warmup"/> untimed steps.</summary>
    internal static Session Start(SequenceModelOptions options, int length, int inputSize, int batchSize, int warmup = 3,
        ITrainingObserver? observer = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputSize);
        var (data, batch) = RandomBatch(options, length, inputSize, batchSize);
        var run = RunOptions(options, batchSize);
        var model = new SequenceModelTrainer(run).Initialize(data);
        var shape = model.Network.Shape;
        var gates = model.Network.Layers[0][0].Cell.GateCount;
        var flopsPerStep = 3.0 * 2 * length * batchSize * (inputSize + shape.Hidden) * gates * shape.Hidden
            * shape.Directions * shape.Layers;
        var session = new Session(new TrainingLoop(model, run, data, null, observer), model.Network, batch,
            flopsPerStep);
        for (var i = 0; i < warmup; i++)
            session.Step();
        return session;
    }

    /// <summary>Runs <paramref name="steps"/> timed steps after <paramref name="warmup"/> untimed ones.</summary>
    public static BenchmarkResult Run(SequenceModelOptions options, int length, int inputSize, int batchSize,
        int steps, int warmup = 3, ITrainingObserver? observer = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(steps);
        var session = Start(options, length, inputSize, batchSize, warmup, observer);
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < steps; i++)
            session.Step();
        var seconds = clock.Elapsed.TotalSeconds;
        using var process = Process.GetCurrentProcess();
        return new BenchmarkResult(steps * batchSize / seconds, session.FlopsPerStep * steps / seconds / 1e9,
            seconds * 1000 / steps, steps, process.PeakWorkingSet64);
    }
}

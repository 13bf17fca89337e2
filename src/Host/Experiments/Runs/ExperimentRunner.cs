using System.Diagnostics;
using Recurrent.Trainer.Data;
using Recurrent.Trainer.Models;
using Recurrent.Trainer.Training;

namespace Recurrent.Host.Experiments.Runs;

/// <summary>
/// Trains runs and evaluates each on its fresh test sequences. Runs are small (tens of hidden units), where one
/// thread per run and one run per core beats splitting each matrix product across cores.
/// </summary>
internal static class ExperimentRunner
{
    public static RunResult Run(RunSpec spec, CancellationToken cancellationToken)
    {
        var options = spec.Options.Clone();
        options.Threads = 1;
        var recorder = new RunRecorder(spec.AnalyzeEvery);
        var clock = Stopwatch.StartNew();
        var model = new SequenceModelTrainer(options).Fit(spec.Data.Train, spec.Data.Validation, recorder, cancellationToken);
        double seconds = clock.Elapsed.TotalSeconds;
        var test = spec.Data.Test ?? spec.Data.Validation ?? spec.Data.Train;
        var evaluation = model.Evaluate(test);
        return new RunResult
        {
            Spec = spec,
            TestAccuracy = evaluation.Accuracy ?? double.NaN,
            TestLoss = evaluation.Loss,
            TestEvaluation = evaluation,
            Seconds = seconds,
            Steps = recorder.Steps,
            Analyses = recorder.Analyses,
            InitialLayerBounds = recorder.InitialLayerBounds,
            FinalLayerBounds = recorder.FinalLayerBounds,
            ParameterCount = model.Parameters.Sum(p => (long)p.Length),
            TestUpdateShare = options.SkipUpdates ? UpdateShare(model, test) : double.NaN,
        };
    }

    // The share of updated steps over the whole test set, in chunks (a prediction keeps the last pass's counts).
    private static double UpdateShare(SequenceModel model, SequenceDataset test)
    {
        double updated = 0, valid = 0;
        foreach (var chunk in test.Examples.Chunk(256))
        {
            model.PredictBatch(chunk);
            double steps = chunk.Sum(e => e.Length);
            updated += model.Network.UpdateShares().Average() * steps;
            valid += steps;
        }
        return valid == 0 ? double.NaN : updated / valid;
    }

    /// <summary>Runs all specs, as many at once as there are cores, and returns results in the specs' order.</summary>
    public static IReadOnlyList<RunResult> RunAll(IReadOnlyList<RunSpec> specs, TextWriter log,
        CancellationToken cancellationToken)
    {
        var results = new RunResult[specs.Count];
        int done = 0;
        var parallel = new ParallelOptions
        {
            MaxDegreeOfParallelism = Math.Max(1, Environment.ProcessorCount),
            CancellationToken = cancellationToken,
        };
        Parallel.For(0, specs.Count, parallel, i =>
        {
            results[i] = Run(specs[i], cancellationToken);
            int finished = Interlocked.Increment(ref done);
            lock (log)
            {
                log.WriteLine($"  [{finished}/{specs.Count}] {Describe(specs[i])}: accuracy {results[i].TestAccuracy:F3}, " +
                    $"loss {results[i].TestLoss:G4}, {results[i].Seconds:F1} s");
            }
        });
        return results;
    }

    private static string Describe(RunSpec spec) =>
        spec.Label + (spec.Tags.Count == 0 ? "" : " (" + string.Join(", ", spec.Tags.Select(t => $"{t.Key} {t.Value}")) + ")");
}

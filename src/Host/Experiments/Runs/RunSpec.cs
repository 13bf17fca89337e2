using Recurrent.Trainer;
using Recurrent.Trainer.Data;

namespace Recurrent.Host.Experiments.Runs;

/// <summary>
/// One training run of a study: the data, the trainer options, and how often to analyse the gradient.
/// </summary>
/// <param name="Label">The variant's name in tables and legends, such as "LSTM" or "clip 1".</param>
/// <param name="Data">Training, validation and fresh test sequences.</param>
/// <param name="Options">Trainer options; the runner forces one thread per run and runs two runs at once.</param>
/// <param name="AnalyzeEvery">Analyse every n-th step's snapshot (the analysis costs O(B·T) per call).</param>
internal sealed record RunSpec(string Label, DatasetSplits Data, SequenceModelOptions Options, int AnalyzeEvery = 1)
{
    /// <summary>Free-form coordinates of the run (length, seed, variant...), copied into the result.</summary>
    public Dictionary<string, object> Tags { get; init; } = new(StringComparer.Ordinal);
}

using Recurrent.Trainer.Training;

namespace Recurrent.Trainer.Tests.Training;

/// <summary>Keeps a copy of what every step and epoch reported.</summary>
internal sealed class RecordingObserver : ITrainingObserver
{
    public sealed record StepCopy(long Step, double Loss, double PreClipNorm, bool Clipped, bool NonFinite,
        float[][] AdjointNorms, double[] GroupNorms);

    public List<StepCopy> Steps { get; } = [];

    public List<EpochReport> Epochs { get; } = [];

    public void OnStep(StepReport step)
    {
        var s = step.Snapshot;
        var norms = new float[s.BatchSize][];
        for (var b = 0; b < s.BatchSize && s.HasAdjointNorms; b++)
            norms[b] = s.AdjointNormsOf(b).ToArray();
        Steps.Add(new StepCopy(s.Step, s.Loss, s.PreClipNorm, s.Clipped, s.NonFinite, norms, (double[])s.GroupNorms.Clone()));
    }

    public void OnEpoch(EpochReport epoch) => Epochs.Add(epoch);
}

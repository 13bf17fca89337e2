using Recurrent.Trainer.Data;

namespace Recurrent.Host.Experiments;

/// <summary>Built-in tasks at the sizes the studies use; evaluation sets are fresh sequences from their own seeds.</summary>
internal static class StudyData
{
    public static DatasetSplits Load(string spec, int seed, int count, int evaluationCount = 500) =>
        DatasetLoader.Load(spec, options: new DatasetOptions { Seed = seed, Count = count, EvaluationCount = evaluationCount });
}

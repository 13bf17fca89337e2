using Recurrent.Trainer.Data;
using Recurrent.Trainer.Models;

namespace Recurrent.Host.Commands;

/// <summary>Loads the data a saved model is evaluated or queried on, encoded with its vocabulary and labels.</summary>
internal static class ModelData
{
    /// <summary>A file is encoded like the model's training data; a built-in name gives its test split.</summary>
    public static SequenceDataset Load(string spec, SequenceModel model, int seed, int? count,
        bool labelsOptional = false) =>
        Load(spec, model.DescribeData(), seed, count, labelsOptional);

    /// <summary>
    /// The same, for a model described by an empty dataset with its inputs, vocabulary and labels. With
    /// <paramref name="labelsOptional"/> (predictions) file records may leave out their labels.
    /// </summary>
    public static SequenceDataset Load(string spec, SequenceDataset reference, int seed, int? count,
        bool labelsOptional = false) => Load(spec, reference, seed, count, labelsOptional, out _);

    /// <summary>The same, with the baseline of a built-in task (copy:T's memoryless loss, charlm's unigram), if any.</summary>
    public static SequenceDataset Load(string spec, SequenceDataset reference, int seed, int? count,
        bool labelsOptional, out TaskBaseline? baseline)
    {
        baseline = null;
        var model = reference;
        var parsed = DatasetSpec.Parse(spec);
        if (parsed.IsFile)
            return DatasetLoader.LoadLike(spec, reference,
                new DatasetOptions { Seed = seed, EvaluationCount = count, LabelsOptional = labelsOptional });
        var splits = DatasetLoader.Load(spec, options: new DatasetOptions { Seed = seed, EvaluationCount = count });
        var data = splits.Test ?? splits.Train;
        baseline = splits.Baseline;
        if (data.InputKind != model.InputKind || data.FeatureCount != model.FeatureCount
            || data.Labels.IsRegression != model.Labels.IsRegression
            || !data.Labels.ClassNames.SequenceEqual(model.Labels.ClassNames))
            throw new ArgumentException($"'{spec}' does not fit the model: it has different inputs or labels than the model was trained on.");
        return data;
    }
}

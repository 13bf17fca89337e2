using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;
using Recurrent.Trainer.Layers;
using Recurrent.Trainer.Models;
using Recurrent.Trainer.Onnx;

namespace Recurrent.Trainer.MLNet;

/// <summary>
/// Turns a trained model into a fitted ML.NET model made only of ML.NET's own transformers, so that
/// <c>mlContext.Model.Save/Load</c> and <c>PredictionEngine</c> work with nothing of this project loaded:
/// OnnxTransformer over the in-memory ONNX graph (<see cref="MLNetOnnxBoundary"/>), then stock transforms that
/// give the columns ML.NET's evaluators expect.
/// </summary>
/// <remarks>
/// OnnxTransformer 5 returns every output as a vector (its getter for shapeless outputs fails), while the
/// evaluators need scalar Score, Probability and PredictedLabel. ML.NET's own way from a one-element vector to a
/// scalar Score is a linear predictor, so each scalar comes from an identity linear model (weight 1, bias 0: Score
/// = x exactly), trained here on two rows with plain updates that land exactly on 1 and 0, and checked. The
/// multi-class Score gets the class names as slot names by concatenating one such scalar per class, each in a
/// column named after its class (skipped when a class name is already a column's).
/// </remarks>
internal static class MLNetModelBuilder
{
    /// <summary>
    /// The fitted transformers for <paramref name="model"/> reading <paramref name="featureColumnName"/> (a key
    /// vector for token models, a Single vector of steps for numeric ones) from data shaped like
    /// <paramref name="input"/>.
    /// </summary>
    public static ITransformer Build(MLContext ml, SequenceModel model, string featureColumnName, IDataView input) =>
        Build(ml, model, featureColumnName, input, TaskOf(model));

    /// <summary>The ML.NET task a model's head answers: two classes are binary, more multi-class.</summary>
    public static RecurrentTask TaskOf(SequenceModel model) => model.Head switch
    {
        HeadKind.MultiClass => RecurrentTask.MulticlassClassification,
        HeadKind.Binary => RecurrentTask.BinaryClassification,
        _ => RecurrentTask.Regression,
    };

    /// <summary>
    /// As <see cref="Build(MLContext, SequenceModel, string, IDataView)"/> with the outputs of
    /// <paramref name="task"/> (a two-class model gives multi-class outputs for a key label).
    /// </summary>
    public static ITransformer Build(MLContext ml, SequenceModel model, string featureColumnName, IDataView input,
        RecurrentTask task)
    {
        ArgumentNullException.ThrowIfNull(ml);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(input);
        if (task != RecurrentTask.MulticlassClassification && task != TaskOf(model))
            throw new ArgumentException($"A model with a {model.Head} head cannot give {task} outputs.", nameof(task));
        if (task == RecurrentTask.MulticlassClassification && model.Head == HeadKind.Regression)
            throw new ArgumentException("A regression model cannot give multi-class outputs.", nameof(task));
        var size = input.Schema[featureColumnName].Type is VectorDataViewType { Size: > 0 } vector ? vector.Size : (int?)null;
        var width = model.InputKind == Data.InputKind.Numeric ? model.FeatureCount : 1;
        if (size is int known && known % width != 0)
            throw new ArgumentOutOfRangeException(featureColumnName, $"Column '{featureColumnName}' has {size} values, which do not divide into steps of {width}.");
        var slotNames = task == RecurrentTask.MulticlassClassification && ClassNamesCanBeColumns(model.Labels.ClassNames, input.Schema);
        var boundary = new MLNetOnnxBoundary(featureColumnName, task, size / width, perClassOutputs: slotNames);
        var onnx = OnnxModelWriter.ToBytes(SequenceModelOnnxExport.Build(model, boundary));
        var transformers = new List<ITransformer>();
        var schema = input.Schema;
        ITransformer Add(ITransformer transformer)
        {
            transformers.Add(transformer);
            schema = transformer.GetOutputSchema(schema);
            return transformer;
        }
        IDataView Shaped() => new EmptyDataView(schema);

        switch (task)
        {
            case RecurrentTask.MulticlassClassification:
                {
                    var classes = model.Labels.ClassNames;
                    var perClass = slotNames ? Enumerable.Range(0, classes.Count).Select(MLNetOnnxBoundary.ClassProbability).ToArray() : [];
                    Add(ml.Transforms.ApplyOnnxModel([MLNetOnnxBoundary.Probabilities, MLNetOnnxBoundary.PredictedKey, .. perClass],
                        [featureColumnName], new MemoryStream(onnx)).Fit(Shaped()));
                    Add(IdentityScore(ml, MLNetOnnxBoundary.PredictedKey));
                    // The key (a whole number as Single) maps to the class name as a key over the names in class order:
                    // the label's key type, with its values.
                    var names = classes.Select((name, i) => new KeyValuePair<float, string>(i + 1, name));
                    Add(ml.Transforms.Conversion.MapValue("PredictedLabel", names, "Score", treatValuesAsKeyType: true).Fit(Shaped()));
                    if (slotNames)
                    {
                        // Concatenating scalar columns names each slot after its column: one scalar per class, named
                        // after the class, gives Score the class names as slot names.
                        for (var k = 0; k < classes.Count; k++)
                        {
                            Add(IdentityScore(ml, perClass[k]));
                            Add(ml.Transforms.CopyColumns(classes[k], "Score").Fit(Shaped()));
                        }
                        Add(ml.Transforms.Concatenate("Score", [.. classes]).Fit(Shaped()));
                    }
                    else
                    {
                        Add(ml.Transforms.CopyColumns("Score", MLNetOnnxBoundary.Probabilities).Fit(Shaped()));
                    }
                    Add(ml.Transforms.DropColumns([MLNetOnnxBoundary.Probabilities, MLNetOnnxBoundary.PredictedKey, .. perClass,
                        .. slotNames ? classes : []]).Fit(Shaped()));
                    break;
                }
            case RecurrentTask.BinaryClassification:
                {
                    Add(ml.Transforms.ApplyOnnxModel([MLNetOnnxBoundary.Logit], [featureColumnName], new MemoryStream(onnx)).Fit(Shaped()));
                    Add(IdentityBinary(ml, MLNetOnnxBoundary.Logit));
                    // Platt's form 1 / (1 + exp(slope·s + offset)) with slope −1 and offset 0 is σ(s).
                    Add(ml.BinaryClassification.Calibrators.Platt(slope: -1, offset: 0).Fit(Shaped()));
                    Add(ml.Transforms.DropColumns(MLNetOnnxBoundary.Logit).Fit(Shaped()));
                    break;
                }
            default:
                {
                    Add(ml.Transforms.ApplyOnnxModel([MLNetOnnxBoundary.Value], [featureColumnName], new MemoryStream(onnx)).Fit(Shaped()));
                    Add(IdentityScore(ml, MLNetOnnxBoundary.Value));
                    Add(ml.Transforms.DropColumns(MLNetOnnxBoundary.Value).Fit(Shaped()));
                    break;
                }
        }
        return new TransformerChain<ITransformer>([.. transformers]);
    }

    /// <summary>Most classes for which Score gets slot names (each class costs two small transforms per row).</summary>
    public const int MaxClassesWithSlotNames = 64;

    // Slot names need a temporary column per class named after it: only when no class name is already a column (it
    // would be hidden, then dropped) or one of the output names.
    private static bool ClassNamesCanBeColumns(IReadOnlyList<string> classes, DataViewSchema input)
    {
        if (classes.Count > MaxClassesWithSlotNames)
            return false;
        var taken = new HashSet<string>(input.Select(c => c.Name), StringComparer.Ordinal) { "Score", "PredictedLabel" };
        return classes.All(name => !string.IsNullOrWhiteSpace(name) && !name.StartsWith("Recurrent.", StringComparison.Ordinal) && !taken.Contains(name));
    }

    // Online gradient descent on (x = 1, y = 1) then (x = −1, y = −1) from zero, with rate 1/4 and squared loss
    // (derivative 2(ŷ − y)): the first step makes w = b = 1/2, the second w = 1, b = 0, both exactly.
    private static ITransformer IdentityScore(MLContext ml, string column)
    {
        var trainer = ml.Regression.Trainers.OnlineGradientDescent(new OnlineGradientDescentTrainer.Options
        {
            LabelColumnName = "Label",
            FeatureColumnName = column,
            NumberOfIterations = 1,
            Shuffle = false,
            Averaged = false,
            DecreaseLearningRate = false,
            LearningRate = 0.25f,
            L2Regularization = 0,
        });
        var fitted = trainer.Fit(IdentityRows(ml, column));
        CheckIdentity(fitted.Model.Weights, fitted.Model.Bias);
        return fitted;
    }

    // The perceptron's hinge updates on (x = 1, true) then (x = −1, false) from zero with rate 1/2 land on w = 1, b = 0.
    private static ITransformer IdentityBinary(MLContext ml, string column)
    {
        var trainer = ml.BinaryClassification.Trainers.AveragedPerceptron(new AveragedPerceptronTrainer.Options
        {
            LabelColumnName = "Positive",
            FeatureColumnName = column,
            NumberOfIterations = 1,
            Shuffle = false,
            Averaged = false,
            DecreaseLearningRate = false,
            LearningRate = 0.5f,
            L2Regularization = 0,
        });
        var fitted = trainer.Fit(IdentityRows(ml, column));
        CheckIdentity(fitted.Model.Weights, fitted.Model.Bias);
        return fitted;
    }

    private static IDataView IdentityRows(MLContext ml, string column)
    {
        var definition = SchemaDefinition.Create(typeof(IdentityRow));
        definition[nameof(IdentityRow.X)].ColumnName = column;
        return ml.Data.LoadFromEnumerable(
            [new IdentityRow { X = [1f], Label = 1f, Positive = true }, new IdentityRow { X = [-1f], Label = -1f, Positive = false }],
            definition);
    }

    private sealed class IdentityRow
    {
        [VectorType(1)]
        public float[] X { get; set; } = [];

        public float Label { get; set; }

        public bool Positive { get; set; }
    }

    private static void CheckIdentity(IReadOnlyList<float> weights, float bias)
    {
        if (weights.Count != 1 || weights[0] != 1f || bias != 0f)
            throw new InvalidOperationException(
                $"The identity linear model came out as w = {string.Join(",", weights)}, b = {bias} instead of 1 and 0: ML.NET's online trainers changed.");
    }
}

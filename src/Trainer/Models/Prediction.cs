namespace Recurrent.Trainer.Models;

/// <summary>A model's answer for one sequence.</summary>
/// <param name="ClassIndex">The most probable class (-1 for regression).</param>
/// <param name="Label">The most probable class's name (null for regression).</param>
/// <param name="Probabilities">One probability per class, in the label set's order (empty for regression).</param>
/// <param name="Value">The regression output (NaN for classification).</param>
public sealed record Prediction(int ClassIndex, string? Label, float[] Probabilities, float Value);

/// <summary>How well a model does on a labelled dataset.</summary>
/// <param name="Count">Sequences evaluated.</param>
/// <param name="Loss">Mean loss (cross-entropy, or squared error for regression).</param>
/// <param name="Accuracy">Fraction classified correctly (null for regression).</param>
/// <param name="ConfusionMatrix">Counts [actual, predicted] (null for regression).</param>
/// <param name="MeanSquaredError">Mean squared error (regression only).</param>
public sealed record Evaluation(int Count, double Loss, double? Accuracy, int[,]? ConfusionMatrix,
    double? MeanSquaredError);

namespace Recurrent.Trainer;

/// <summary>The ML.NET task a Recurrent trainer was created for, which decides the label type and the outputs.</summary>
internal enum RecurrentTask
{
    /// <summary>A key label; outputs Score (class probabilities) and PredictedLabel (the label's key type).</summary>
    MulticlassClassification,

    /// <summary>A Boolean label; outputs Score (the logit), Probability and PredictedLabel (Boolean).</summary>
    BinaryClassification,

    /// <summary>A Single label; outputs Score.</summary>
    Regression,
}

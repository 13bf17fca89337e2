namespace Recurrent.Trainer.Layers;

/// <summary>The output head, chosen from the labels.</summary>
public enum HeadKind
{
    /// <summary>One logit, sigmoid and binary cross-entropy (two classes).</summary>
    Binary,

    /// <summary>One logit per class, softmax and cross-entropy.</summary>
    MultiClass,

    /// <summary>One linear output and squared error.</summary>
    Regression,
}

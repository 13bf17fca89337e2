namespace Recurrent.Trainer.Tests.Reference;

// The reference keeps its own enums so that it does not depend on the engine it checks.

/// <summary>The recurrent cell.</summary>
public enum ReferenceCellKind
{
    Rnn,
    Lstm,
    Gru,
}

/// <summary>The Elman cell's non-linearity f.</summary>
public enum ReferenceActivation
{
    Tanh,
    Relu,
    Sigmoid,
}

/// <summary>What a sequence step is made of.</summary>
public enum ReferenceInputKind
{
    /// <summary>Token ids looked up in an embedding; id 0 is padding.</summary>
    Tokens,

    /// <summary>F numbers per step.</summary>
    Numeric,
}

/// <summary>The output head and its loss.</summary>
public enum ReferenceHeadKind
{
    Binary,
    MultiClass,
    Regression,
}

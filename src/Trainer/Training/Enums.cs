namespace Recurrent.Trainer.Training;

/// <summary>The recurrent cell.</summary>
public enum CellKind
{
    /// <summary>Elman RNN: h_t = f(W_xh x_t + W_hh h_{t-1} + b).</summary>
    Rnn,

    /// <summary>Long short-term memory, gates i, o, f, c as in ONNX.</summary>
    Lstm,

    /// <summary>Gated recurrent unit, gates z, r, h as in ONNX.</summary>
    Gru,
}

/// <summary>The Elman cell's non-linearity f.</summary>
public enum Activation
{
    /// <summary>tanh, derivative bound 1.</summary>
    Tanh,

    /// <summary>max(0, x), derivative bound 1 (with identity W_hh this is the IRNN).</summary>
    Relu,

    /// <summary>The logistic function, derivative bound 1/4.</summary>
    Sigmoid,
}

/// <summary>The optimizer.</summary>
public enum OptimizerKind
{
    /// <summary>w ← w − η ∂L/∂w.</summary>
    Sgd,

    /// <summary>Heavy-ball momentum: v ← μ v + g; w ← w − η v.</summary>
    Momentum,

    /// <summary>Adam with bias correction (Kingma and Ba).</summary>
    Adam,
}

/// <summary>How the recurrent weights W_hh start.</summary>
public enum RecurrentInit
{
    /// <summary>Glorot uniform, per gate block.</summary>
    Xavier,

    /// <summary>A random orthogonal matrix per gate block (all singular values 1).</summary>
    Orthogonal,

    /// <summary>The identity per gate block (IRNN when paired with ReLU).</summary>
    Identity,

    /// <summary>
    /// A Gaussian matrix per gate block scaled to the spectral radius
    /// <see cref="SequenceClassifierOptions.SpectralRadius"/>: the reservoir of an echo state network.
    /// </summary>
    EchoState,
}

/// <summary>What to do when the loss or a gradient is NaN or infinite.</summary>
public enum NonFinitePolicy
{
    /// <summary>Skip the update, count the step, go on.</summary>
    Skip,

    /// <summary>Skip the update and stop training with <see cref="NonFiniteGradientException"/>.</summary>
    Stop,
}

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

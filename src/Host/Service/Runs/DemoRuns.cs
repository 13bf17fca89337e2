using Microsoft.ML;
using Recurrent.Host.Service.Api;

namespace Recurrent.Host.Service.Runs;

/// <summary>
/// What a new data directory starts with, so a first look at the page or Grafana shows training at once: an LSTM
/// and a tanh RNN on temporal-order:100. The LSTM learns it within a few epochs and keeps its gradient (ratio within
/// a decade of 1); the RNN's gradient vanishes by four to five decades over the 100 steps at first and by 30 to 45
/// as it trains, and it stays at chance. The two train side by side, outside the user's run slots (the worker's demo
/// lane), one thread each: the RNN's steps are cheaper, so it gets more epochs in about the same time.
/// </summary>
internal static class DemoRuns
{
    public static IReadOnlyList<RunRequest> Requests { get; } =
    [
        Demo("demo-lstm", RecurrentCellKind.Lstm, epochs: 250),
        Demo("demo-rnn-tanh", RecurrentCellKind.Rnn, epochs: 600),
    ];

    private static RunRequest Demo(string name, RecurrentCellKind cell, int epochs) => new()
    {
        Name = name,
        Data = "temporal-order:100",
        Count = 5000,
        Cell = cell,
        Activation = RecurrentActivation.Tanh,
        HiddenSize = 32,
        Epochs = epochs,
        BatchSize = 32,
        LearningRate = 0.005f,
        ClipNorm = 1,
        Seed = 1,
    };
}

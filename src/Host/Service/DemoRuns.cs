using Recurrent.Host.Service.Api;

namespace Recurrent.Host.Service;

/// <summary>
/// What a new data directory starts with, so a first look at the page or Grafana shows training at once: an LSTM
/// and a tanh RNN on the temporal-order task, where the RNN's gradient visibly vanishes over 50 steps.
/// </summary>
internal static class DemoRuns
{
    public static IReadOnlyList<RunRequest> Requests { get; } =
    [
        Demo("demo-lstm", "lstm"),
        Demo("demo-rnn-tanh", "rnn"),
    ];

    private static RunRequest Demo(string name, string cell) => new()
    {
        Name = name,
        Data = "temporal-order:50",
        Count = 1000,
        Cell = cell,
        Activation = "tanh",
        Hidden = 32,
        Epochs = 10,
        Batch = 32,
        Lr = 0.01f,
        ClipNorm = 1,
        Seed = 1,
    };
}

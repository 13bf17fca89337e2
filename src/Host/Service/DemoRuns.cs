using Recurrent.Host.Service.Api;

namespace Recurrent.Host.Service;

/// <summary>
/// What a new data directory starts with, so a first look at the page or Grafana shows training at once: an LSTM
/// and a tanh RNN on temporal-order:100. The LSTM learns it within a few epochs and keeps its gradient (ratio near
/// 1); the RNN's gradient vanishes by about seven decades over the 100 steps and it stays at chance. Each run takes
/// about a minute on two cores, long enough to watch.
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
        Data = "temporal-order:100",
        Count = 5000,
        Cell = cell,
        Activation = "tanh",
        Hidden = 32,
        Epochs = 50,
        Batch = 32,
        Lr = 0.005f,
        ClipNorm = 1,
        Seed = 1,
    };
}

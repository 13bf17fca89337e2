using System.CommandLine;
using Recurrent.Host.Training;
using Recurrent.Trainer;
using Recurrent.Trainer.Data;

namespace Recurrent.Host.Commands;

/// <summary>
/// The flags of `recurrent train`: where the data comes from and where the model goes, and every training option
/// (<see cref="TrainingFlags"/>, derived from the declarations), mapped onto the trainer's and the data loader's
/// options by the one <see cref="TrainingRequestMapper"/>.
/// </summary>
internal sealed class TrainOptions
{
    public Option<string> Data { get; } = new("--data") { Description = "Training data: a .jsonl, .csv or .conll file, or a built-in name (adding:T, temporal-order:T, latch:T, copy:T, charlm:PATH, seed-toy, fashion-mnist-rows, fashion-mnist-pixels; reverse:N trains an encoder–decoder).", Required = true };
    public Option<string?> Valid { get; } = new("--valid") { Description = "Validation data (a file); nothing is split off the training data when given." };
    public Option<string?> Test { get; } = new("--test") { Description = "Test data (a file), evaluated after training." };
    public TrainingFlags Training { get; } = new();
    public Option<string> Out { get; } = new("--out") { Description = "Where to write the model.", Required = true };
    public Option<string?> Onnx { get; } = new("--onnx") { Description = "Also export the model as ONNX to this file." };
    public Option<int?> MetricsPort { get; } = new("--metrics-port") { Description = "Serve Prometheus metrics at http://127.0.0.1:PORT/metrics while training." };
    public Option<double> MetricsLinger { get; } = new("--metrics-linger") { Description = "Keep serving /metrics this many seconds after training ends, for a last scrape." };
    public Option<bool> Json { get; } = CliOptions.Json();

    public void AddTo(Command command)
    {
        command.Add(Data);
        command.Add(Valid);
        command.Add(Test);
        Training.AddTo(command);
        foreach (var option in new Option[] { Out, Onnx, MetricsPort, MetricsLinger, Json })
            command.Add(option);
    }

    /// <summary>The training options given (deprecated spellings warned about on stderr), checked.</summary>
    public (SequenceModelOptions Trainer, DatasetOptions Data) ToOptions(ParseResult parse)
    {
        var request = Training.ToRequest(parse, Console.Error);
        return (TrainingRequestMapper.ToTrainerOptions(request, FieldSpelling.CommandLine), TrainingRequestMapper.ToDatasetOptions(request));
    }
}

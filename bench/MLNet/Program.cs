// Usage: Recurrent.Bench.MLNet [--rounds N] [--latency-calls N] [--count N]
// 1. Fit wall time through ML.NET (IDataView in, fitted ML.NET model out) against SequenceModelTrainer.Fit on
//    the same Fashion-MNIST rows (28 steps of 28 pixels), LSTM 128, one epoch, alternately, N rounds each.
// 2. PredictionEngine latency per sequence against a raw ONNX Runtime InferenceSession.Run of the same network
//    (T = 28, H = 128, batch 1), alternating blocks of calls.
using System.Diagnostics;
using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Recurrent.Trainer.Cells;
using Recurrent.Trainer.Data;
using Recurrent.Trainer.MLNet;
using Recurrent.Trainer.Training;

var rounds = Option("--rounds", 3);
var calls = Option("--latency-calls", 2000);
var count = Option("--count", 60000);
var data = DatasetLoader.Load("fashion-mnist-rows", options: new DatasetOptions { Count = count }).Train;
Console.WriteLine($"{DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, {data.Count} Fashion-MNIST sequences of 28 steps");

var options = new RecurrentTrainerOptions
{
    LabelColumnName = "Label",
    FeatureColumnName = "Pixels",
    FeaturesPerStep = 28,
    Cell = RecurrentCellKind.Lstm,
    HiddenSize = 128,
    Epochs = 1,
    BatchSize = 64,
    ClipNorm = 1,
};
var ml = new MLContext(seed: 1);
var rows = data.Examples.Select(e => new Image { Label = (uint)e.ClassIndex, Pixels = e.Features! }).ToArray();
var view = ml.Data.LoadFromEnumerable(rows);

// Warm-up (JIT, ONNX Runtime's first session) on a few rows, then Fit alternately: the engine alone, then ML.NET
// (reading the IDataView, training, assembling the model).
var warmOptions = (RecurrentTrainerOptions)options.Clone();
warmOptions.MaxSteps = 4;
new SequenceModelTrainer(warmOptions.ToEngineOptions()).Fit(data.Subset(Enumerable.Range(0, 256)));
ml.MulticlassClassification.Trainers.Recurrent(warmOptions).Fit(ml.Data.LoadFromEnumerable(rows.Take(256)));
var engineSeconds = new List<double>();
var mlnetSeconds = new List<double>();
var engineCpu = new List<double>();
var mlnetCpu = new List<double>();
var process = Process.GetCurrentProcess();
double CpuSeconds()
{
    process.Refresh();
    return process.TotalProcessorTime.TotalSeconds;
}
ITransformer? fitted = null;
for (var round = 0; round < rounds; round++)
{
    var cpu = CpuSeconds();
    var clock = Stopwatch.StartNew();
    new SequenceModelTrainer(options.ToEngineOptions()).Fit(data);
    engineSeconds.Add(clock.Elapsed.TotalSeconds);
    engineCpu.Add(CpuSeconds() - cpu);
    cpu = CpuSeconds();
    clock.Restart();
    fitted = ml.MulticlassClassification.Trainers.Recurrent(options).Fit(view);
    mlnetSeconds.Add(clock.Elapsed.TotalSeconds);
    mlnetCpu.Add(CpuSeconds() - cpu);
    Console.WriteLine($"round {round + 1}: SequenceModelTrainer.Fit {engineSeconds[^1]:F2} s (CPU {engineCpu[^1]:F2} s), " +
        $"ML.NET Fit {mlnetSeconds[^1]:F2} s (CPU {mlnetCpu[^1]:F2} s)");
}
// Where ML.NET's extra time goes: reading the IDataView into sequences, and analysing a step's gradient.
var readClock = Stopwatch.StartNew();
var columns = Recurrent.Trainer.MLNet.SequenceColumns.Describe(view.Schema, Recurrent.Trainer.RecurrentTask.MulticlassClassification, options);
Recurrent.Trainer.MLNet.DataViewSequences.Read(view, columns);
Console.WriteLine($"reading the IDataView into sequences: {readClock.Elapsed.TotalSeconds:F2} s");
var lastTrainer = ml.MulticlassClassification.Trainers.Recurrent(warmOptions);
lastTrainer.Fit(ml.Data.LoadFromEnumerable(rows.Take(256)));
var buildClock = Stopwatch.StartNew();
Recurrent.Trainer.MLNet.MLNetModelBuilder.Build(ml, lastTrainer.LastModel!, "Pixels", view, Recurrent.Trainer.RecurrentTask.MulticlassClassification);
Console.WriteLine($"assembling the fitted ML.NET model: {buildClock.Elapsed.TotalSeconds:F2} s");

double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);
Console.WriteLine($"CPU time, median of {rounds}: engine {Median(engineCpu):F2} s, ML.NET {Median(mlnetCpu):F2} s, " +
    $"overhead {(Median(mlnetCpu) / Median(engineCpu) - 1) * 100:F1}%");
var paired = engineSeconds.Zip(mlnetSeconds, (engine, mlnet) => (mlnet / engine - 1) * 100).ToList();
Console.WriteLine($"Fit, median of {rounds}: engine {Median(engineSeconds):F2} s, ML.NET {Median(mlnetSeconds):F2} s, " +
    $"overhead {(Median(mlnetSeconds) / Median(engineSeconds) - 1) * 100:F1}% (per round: {string.Join(", ", paired.Select(p => $"{p:F1}%"))})");

// Latency: the same network (an untrained one is as costly as a trained one), batch 1.
var latencyOptions = options.ToEngineOptions();
latencyOptions.MaxSteps = 0;
var trainer = ml.MulticlassClassification.Trainers.Recurrent(new RecurrentTrainerOptions
{
    LabelColumnName = "Label",
    FeatureColumnName = "Pixels",
    FeaturesPerStep = 28,
    Cell = RecurrentCellKind.Lstm,
    HiddenSize = 128,
    Epochs = 1,
    MaxSteps = 0,
});
var small = ml.Data.LoadFromEnumerable(rows.Take(256));
var engineModel = trainer.Fit(small);
var network = trainer.LastModel!;
using var prediction = ml.Model.CreatePredictionEngine<Image, ImagePrediction>(engineModel);
var onnx = Path.Combine(Path.GetTempPath(), $"recurrent-bench-{Environment.ProcessId}.onnx");
network.ExportOnnx(onnx);
using var session = new InferenceSession(onnx);
File.Delete(onnx);
var lengths = new DenseTensor<int>(new[] { 28 }, [1]);

double PredictionEngineMicroseconds(int n)
{
    var clock = Stopwatch.StartNew();
    for (var i = 0; i < n; i++)
        prediction.Predict(rows[i % rows.Length]);
    return clock.Elapsed.TotalMicroseconds / n;
}

double SessionMicroseconds(int n)
{
    var clock = Stopwatch.StartNew();
    for (var i = 0; i < n; i++)
    {
        var input = new DenseTensor<float>(rows[i % rows.Length].Pixels, [1, 28, 28]);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor("input", input), NamedOnnxValue.CreateFromTensor("sequence_lens", lengths)]);
        _ = results.First(r => r.Name == "probabilities").AsTensor<float>()[0, 0];
    }
    return clock.Elapsed.TotalMicroseconds / n;
}

PredictionEngineMicroseconds(200); // warm both paths
SessionMicroseconds(200);
var enginePer = new List<double>();
var sessionPer = new List<double>();
for (var block = 0; block < 5; block++)
{
    sessionPer.Add(SessionMicroseconds(calls / 5));
    enginePer.Add(PredictionEngineMicroseconds(calls / 5));
}
Console.WriteLine($"Latency per sequence (T=28, H=128, median of 5 blocks of {calls / 5}): InferenceSession.Run {Median(sessionPer):F1} us, " +
    $"PredictionEngine {Median(enginePer):F1} us, ratio {Median(enginePer) / Median(sessionPer):F2}x");

int Option(string name, int fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
}

internal sealed class Image
{
    // LoadFromEnumerable reads a key property as a 0-based index (it stores index + 1, 0 being missing).
    [KeyType(10)]
    public uint Label { get; set; }

    [VectorType(784)]
    public float[] Pixels { get; set; } = [];
}

internal sealed class ImagePrediction
{
    public float[] Score { get; set; } = [];
}

using System.Text.Json;
using Microsoft.ML;
using Recurrent.Host.Service.Api;
using Recurrent.Host.Service.Runs;
using Recurrent.Host.Training;
using Recurrent.Trainer.Cells;
using Recurrent.Trainer.Training;

namespace Recurrent.Host.Tests.Training;

/// <summary>
/// The one mapping from a training request to the engine's options: the same fault gets the same message whichever
/// way the request came, spelled as the user wrote the field, and every option of the request reaches the engine.
/// </summary>
public sealed class TrainingRequestMapperTests
{
    [Theory]
    [InlineData("""{"cell": "transformer"}""", "cell", "'transformer' is not one of rnn, lstm, gru.")]
    [InlineData("""{"init": "echo"}""", "init", "'echo' is not one of xavier, orthogonal, identity, echo-state.")]
    [InlineData("""{"bptt": "10"}""", "bptt", "'10' is not 'full' or two positive whole numbers K1,K2.")]
    [InlineData("""{"clip_norm": -1}""", "clip_norm", "ClipNorm must be a positive number.")]
    [InlineData("""{"clip_norm": 1, "clip_value": 1}""", "clip_value", "ClipValue cannot be combined with ClipNorm.")]
    [InlineData("""{"omega": 0.5}""", "omega", "OmegaWeight applies to the rnn cell only.")]
    [InlineData("""{"spectral_radius": 0}""", "spectral_radius", "SpectralRadius must be a positive number.")]
    [InlineData("""{"dilations": [1, 0]}""", "dilations", "must hold whole numbers between 1 and 100000; layer 1 has 0.")]
    public void A_fault_gets_one_message_in_either_spelling(string json, string field, string problem)
    {
        var request = JsonSerializer.Deserialize<TrainingRequest>(json, ApiJson.Options)!;

        var fromJson = Assert.Throws<TrainingRequestException>(() => TrainingRequestMapper.ToTrainerOptions(request, FieldSpelling.Json));
        var fromCli = Assert.Throws<TrainingRequestException>(() => TrainingRequestMapper.ToTrainerOptions(request, FieldSpelling.CommandLine));

        Assert.Equal(field, fromJson.Field);
        Assert.Equal(field, fromCli.Field);
        Assert.Equal($"{field}: {problem}", fromJson.Message);
        Assert.Equal($"--{field.Replace('_', '-')}: {problem}", fromCli.Message);
    }

    [Fact]
    public void A_run_request_refusal_is_a_bad_request_naming_the_field()
    {
        var request = JsonSerializer.Deserialize<RunRequest>("""{"data": "adding:10", "truncate": "middle"}""", ApiJson.Options)!;

        var error = Assert.Throws<BadRequestException>(() => RunRequestMapper.ToDatasetOptions(request));

        Assert.Equal("truncate", error.Field);
        Assert.Equal("truncate: 'middle' is not first or last.", error.Message);
    }

    [Fact]
    public void Every_option_of_a_run_request_reaches_the_engine()
    {
        var request = JsonSerializer.Deserialize<RunRequest>("""
            {"data": "adding:10", "cell": "rnn", "activation": "relu", "hidden": 7, "dilations": [1, 2], "bidirectional": true,
             "embedding": 5, "epochs": 3, "batch": 9, "optimizer": "momentum", "lr": 0.5, "lr_decay": 0.9, "momentum": 0.8,
             "weight_decay": 0.01, "clip_value": 2, "bptt": "5,10", "init": "echo-state", "spectral_radius": 0.7,
             "freeze_recurrent": true, "omega": 0.25, "forget_bias": 2, "gru_reset_before": true, "non_finite": "stop",
             "patience": 4, "max_steps": 100, "seed": 11, "threads": 2}
            """, ApiJson.Options)!;

        var o = RunRequestMapper.ToTrainerOptions(request);

        Assert.Equal((RecurrentCellKind.Rnn, RecurrentActivation.Relu, 7, 2, true, 5), (o.Cell, o.Activation, o.HiddenSize, o.Layers, o.Bidirectional, o.EmbeddingSize));
        Assert.Equal([1, 2], o.Dilations!);
        Assert.Equal((3, 9, RecurrentOptimizerKind.Momentum, 0.5f, 0.9f, 0.8f, 0.01f), (o.Epochs, o.BatchSize, o.Optimizer, o.LearningRate, o.LearningRateDecay, o.Momentum, o.WeightDecay));
        Assert.Equal(((float?)null, (float?)2f, (int?)5, (int?)10), (o.ClipNorm, o.ClipValue, o.TruncationStride, o.TruncationSteps));
        Assert.Equal((RecurrentInit.EchoState, 0.7f, true, 0.25f, 2f, false), (o.RecurrentInit, o.SpectralRadius, o.FreezeRecurrent, o.OmegaWeight, o.ForgetGateBias, o.GruLinearBeforeReset));
        Assert.Equal((RecurrentNonFinitePolicy.Stop, 4, (long?)100, 11, 2), (o.NonFinitePolicy, o.EarlyStoppingPatience, o.MaxSteps, o.Seed, o.Threads));
    }

    [Fact]
    public void A_request_left_at_its_defaults_is_the_engine_s_defaults_but_the_service_trains_on_one_thread()
    {
        var engine = new Recurrent.Trainer.SequenceModelOptions();

        var cli = TrainingRequestMapper.ToTrainerOptions(new TrainingRequest(), FieldSpelling.CommandLine);
        var service = RunRequestMapper.ToTrainerOptions(new RunRequest());

        Assert.Equal(JsonSerializer.Serialize(engine), JsonSerializer.Serialize(cli));
        Assert.Equal(0, cli.Threads);
        Assert.Equal(1, service.Threads);
    }
}

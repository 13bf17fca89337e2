using System.Text.Json;
using System.Text.Json.Nodes;
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
    [InlineData("""{"clip_norm": -1}""", "clip_norm", "must be a positive number.")]
    [InlineData("""{"clip_norm": 1, "clip_value": 1}""", "clip_value", "cannot be combined with {clip_norm}.")]
    [InlineData("""{"omega_weight": 0.5}""", "omega_weight", "applies to the rnn cell only.")]
    [InlineData("""{"spectral_radius": 0}""", "spectral_radius", "must be a positive number.")]
    [InlineData("""{"momentum": 1}""", "momentum", "must be in [0, 1).")]
    [InlineData("""{"hidden_size": 0}""", "hidden_size", "must be at least 1.")]
    [InlineData("""{"forget_gate_bias": 1e39}""", "forget_gate_bias", "must be finite.")]
    [InlineData("""{"vocabulary_max_size": 1}""", "vocabulary_max_size", "must be at least 2.")]
    [InlineData("""{"dilations": [1, 0]}""", "dilations", "must hold whole numbers between 1 and 100000; layer 1 has 0.")]
    [InlineData("""{"dilations": [1, 2], "layers": 3}""", "dilations", "2 dilation(s) given for 3 layer(s); the count of dilations sets the layers, so leave the layer count out or make them agree.")]
    // A deprecated spelling is refused under the name the user gave.
    [InlineData("""{"lr": -1}""", "lr", "must be a positive number.")]
    [InlineData("""{"clip_value": 1, "clip_norm": 1, "omega": 0}""", "clip_value", "cannot be combined with {clip_norm}.")]
    public void A_fault_gets_one_message_in_either_spelling(string json, string field, string problem)
    {
        var request = JsonSerializer.Deserialize<TrainingRequest>(json, ApiJson.Options)!;

        var fromJson = Assert.Throws<TrainingRequestException>(() => TrainingRequestMapper.ToTrainerOptions(request, FieldSpelling.Json));
        var fromCli = Assert.Throws<TrainingRequestException>(() => TrainingRequestMapper.ToTrainerOptions(request, FieldSpelling.CommandLine));
        var spelled = System.Text.RegularExpressions.Regex.Replace(problem, "{([a-z_]+)}", m => "--" + m.Groups[1].Value.Replace('_', '-'));
        problem = System.Text.RegularExpressions.Regex.Replace(problem, "{([a-z_]+)}", "$1");

        Assert.Equal(field, fromJson.Field);
        Assert.Equal(field, fromCli.Field);
        Assert.Equal($"{field}: {problem}", fromJson.Message);
        Assert.Equal($"--{field.Replace('_', '-')}: {spelled}", fromCli.Message);
    }

    [Theory]
    [InlineData("""{"cell": "transformer"}""", "cell", "cell: 'transformer' is not one of rnn, lstm, gru.")]
    [InlineData("""{"recurrent_init": "echo"}""", "recurrent_init", "recurrent_init: 'echo' is not one of xavier, orthogonal, identity, echo-state.")]
    [InlineData("""{"init": "echo"}""", "init", "init: 'echo' is not one of xavier, orthogonal, identity, echo-state.")]
    [InlineData("""{"bptt": "10"}""", "bptt", "bptt: '10' is not 'full' or two positive whole numbers K1,K2.")]
    [InlineData("""{"truncate": "middle"}""", "truncate", "truncate: 'middle' is not first or last.")]
    public void A_value_a_field_cannot_take_is_refused_while_reading_naming_the_field(string json, string field, string message)
    {
        var error = Assert.Throws<BadRequestException>(() => Read<TrainingRequest>(json));

        Assert.Equal(field, error.Field);
        Assert.Equal(message, error.Message);
    }

    [Fact]
    public void An_option_given_under_its_name_and_its_deprecated_spelling_is_refused()
    {
        var request = JsonSerializer.Deserialize<TrainingRequest>("""{"hidden": 4, "hidden_size": 8}""", ApiJson.Options)!;

        var error = Assert.Throws<TrainingRequestException>(() => TrainingRequestMapper.ToTrainerOptions(request, FieldSpelling.Json));

        Assert.Equal("hidden_size", error.Field);
        Assert.Equal("hidden_size: hidden gives the same option (hidden_size); give it once.", error.Message);
    }

    [Fact]
    public void Every_deprecated_spelling_sets_its_option_as_it_meant_and_is_never_written()
    {
        var old = JsonSerializer.Deserialize<TrainingRequest>("""
            {"hidden": 7, "embedding": 5, "batch": 9, "lr": 0.5, "lr_decay": 0.9, "omega": 0.25, "forget_bias": 2,
             "init": "echo-state", "non_finite": "stop", "patience": 4, "valid_fraction": 0.2, "min_count": 3, "vocab_size": 50,
             "gru_reset_before": true, "truncate": "last", "bptt": "5,10", "cell": "rnn"}
            """, ApiJson.Options)!;
        var current = JsonSerializer.Deserialize<TrainingRequest>("""
            {"hidden_size": 7, "embedding_size": 5, "batch_size": 9, "learning_rate": 0.5, "learning_rate_decay": 0.9,
             "omega_weight": 0.25, "forget_gate_bias": 2, "recurrent_init": "echo-state", "non_finite_policy": "stop",
             "early_stopping_patience": 4, "validation_fraction": 0.2, "vocabulary_min_count": 3, "vocabulary_max_size": 50,
             "gru_linear_before_reset": false, "truncation": "keep-last", "truncation_stride": 5, "truncation_steps": 10, "cell": "rnn"}
            """, ApiJson.Options)!;

        Assert.Equal(16, DeprecatedSpellings.All.Count);
        Assert.Equal(JsonSerializer.Serialize(current, ApiJson.Options), JsonSerializer.Serialize(old, ApiJson.Options));
        var written = JsonNode.Parse(JsonSerializer.Serialize(old, ApiJson.Options))!.AsObject();
        Assert.All(DeprecatedSpellings.All, s => Assert.False(written.ContainsKey(s.JsonName), s.JsonName));
        Assert.Equal(JsonSerializer.Serialize(TrainingRequestMapper.ToTrainerOptions(current, FieldSpelling.Json)),
            JsonSerializer.Serialize(TrainingRequestMapper.ToTrainerOptions(old, FieldSpelling.Json)));
    }

    [Fact]
    public void Every_option_is_spelled_from_its_one_name()
    {
        foreach (var option in TrainingOptions.All)
        {
            Assert.Equal(JsonNamingPolicy.SnakeCaseLower.ConvertName(option.Name), option.JsonName);
            Assert.Equal("--" + option.JsonName.Replace('_', '-'), option.Flag);
            Assert.False(string.IsNullOrWhiteSpace(option.Description), option.Name);
        }
        // Every engine option is a training option, and the data options a run takes are the loader's, by name.
        var engine = typeof(Recurrent.Trainer.SequenceModelOptions).GetProperties().Where(p => p.CanWrite).Select(p => p.Name);
        Assert.Subset(TrainingOptions.All.Select(o => o.Name).ToHashSet(), engine.ToHashSet());
        var data = typeof(Recurrent.Trainer.Data.DatasetOptions).GetProperties().Select(p => p.Name).ToHashSet();
        Assert.All(TrainingOptions.All.Where(o => o.Property.DeclaringType == typeof(TrainingRequest)), o => Assert.Contains(o.Name, data));
        // No deprecated spelling is also a current name.
        Assert.All(DeprecatedSpellings.All, s => Assert.Null(TrainingOptions.OfJson(s.JsonName)));
    }

    private static T Read<T>(string json)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(json, ApiJson.Options)!;
        }
        catch (JsonException e)
        {
            throw JsonErrors.Describe(e, typeof(T));
        }
    }

    [Fact]
    public void A_run_request_refusal_is_a_bad_request_naming_the_field()
    {
        var request = JsonSerializer.Deserialize<RunRequest>("""{"data": "adding:10", "max_length": 0}""", ApiJson.Options)!;

        var error = Assert.Throws<BadRequestException>(() => RunRequestMapper.ToTrainerOptions(request));

        Assert.Equal("max_length", error.Field);
        Assert.Equal("max_length: must be at least 1.", error.Message);
    }

    [Fact]
    public void Every_option_of_a_run_request_reaches_the_engine()
    {
        var request = JsonSerializer.Deserialize<RunRequest>("""
            {"data": "adding:10", "cell": "rnn", "activation": "relu", "hidden_size": 7, "dilations": [1, 2], "bidirectional": true,
             "embedding_size": 5, "epochs": 3, "batch_size": 9, "optimizer": "momentum", "learning_rate": 0.5, "learning_rate_decay": 0.9,
             "momentum": 0.8, "weight_decay": 0.01, "clip_value": 2, "truncation_stride": 5, "truncation_steps": 10,
             "recurrent_init": "echo-state", "spectral_radius": 0.7, "freeze_recurrent": true, "omega_weight": 0.25,
             "forget_gate_bias": 2, "gru_linear_before_reset": false, "non_finite_policy": "stop", "early_stopping_patience": 4,
             "max_steps": 100, "seed": 11, "threads": 2, "use_bias": false, "adam_beta1": 0.8, "adam_beta2": 0.99,
             "adam_epsilon": 1e-6, "collect_adjoint_norms": false}
            """, ApiJson.Options)!;

        var o = RunRequestMapper.ToTrainerOptions(request);

        Assert.Equal((RecurrentCellKind.Rnn, RecurrentActivation.Relu, 7, 2, true, 5), (o.Cell, o.Activation, o.HiddenSize, o.Layers, o.Bidirectional, o.EmbeddingSize));
        Assert.Equal([1, 2], o.Dilations!);
        Assert.Equal((3, 9, RecurrentOptimizerKind.Momentum, 0.5f, 0.9f, 0.8f, 0.01f), (o.Epochs, o.BatchSize, o.Optimizer, o.LearningRate, o.LearningRateDecay, o.Momentum, o.WeightDecay));
        Assert.Equal(((float?)null, (float?)2f, (int?)5, (int?)10), (o.ClipNorm, o.ClipValue, o.TruncationStride, o.TruncationSteps));
        Assert.Equal((RecurrentInit.EchoState, 0.7f, true, 0.25f, 2f, false), (o.RecurrentInit, o.SpectralRadius, o.FreezeRecurrent, o.OmegaWeight, o.ForgetGateBias, o.GruLinearBeforeReset));
        Assert.Equal((RecurrentNonFinitePolicy.Stop, 4, (long?)100, (int?)11, 2), (o.NonFinitePolicy, o.EarlyStoppingPatience, o.MaxSteps, o.Seed, o.Threads));
        Assert.Equal((false, 0.8f, 0.99f, 1e-6f, false), (o.UseBias, o.AdamBeta1, o.AdamBeta2, o.AdamEpsilon, o.CollectAdjointNorms));
    }

    [Fact]
    public void A_request_whose_dilations_set_the_layers_reads_back_from_the_store_as_the_same_request()
    {
        // The service stores the request with every field written out (layers included) and its worker maps it again.
        var request = JsonSerializer.Deserialize<RunRequest>("""{"data": "adding:10", "dilations": [1, 2, 4]}""", ApiJson.Options)!;
        var accepted = RunRequestMapper.ToTrainerOptions(request);

        var stored = JsonSerializer.Deserialize<RunRequest>(JsonSerializer.Serialize(request, ApiJson.Options), ApiJson.Options)!;
        var trained = RunRequestMapper.ToTrainerOptions(stored);

        Assert.Equal((3, 3), (accepted.Layers, trained.Layers));
        Assert.Equal([1, 2, 4], trained.Dilations!);
    }

    [Fact]
    public void A_request_left_at_its_defaults_is_the_engine_s_defaults_but_the_service_trains_on_one_thread()
    {
        // One seed rule: none given is null everywhere, which the engine trains (and the loader draws data) with
        // Defaults.Seed, and the ML.NET trainer with the MLContext's seed.
        var engine = new Recurrent.Trainer.SequenceModelOptions();

        var cli = TrainingRequestMapper.ToTrainerOptions(new TrainingRequest(), FieldSpelling.CommandLine);
        var service = RunRequestMapper.ToTrainerOptions(new RunRequest());

        Assert.Equal(JsonSerializer.Serialize(engine), JsonSerializer.Serialize(cli));
        Assert.Equal(0, cli.Threads);
        Assert.Equal(1, service.Threads);
        Assert.Null(cli.Seed);
        Assert.Equal(Recurrent.Trainer.SequenceModelOptions.Defaults.Seed, TrainingRequestMapper.ToDatasetOptions(new TrainingRequest()).Seed);
    }
}

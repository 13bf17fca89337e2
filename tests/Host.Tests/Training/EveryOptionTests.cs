using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.ML;
using Recurrent.Host.Commands;
using Recurrent.Host.Service.Api;
using Recurrent.Host.Training;
using Recurrent.Trainer;

namespace Recurrent.Host.Tests.Training;

/// <summary>
/// Every declared option, whatever it is, reaches the engine (or the data loader) from its flag and from its JSON
/// field with the same value: an option added to the declarations is taken by the command line and the service
/// without a line of theirs, and this test covers it without a line of its own.
/// </summary>
public sealed class EveryOptionTests
{
    // A valid value other than the default, as text; Ω needs the rnn cell, so every trial trains one.
    private static string OtherValue(TrainingOption option, object? current)
    {
        var type = option.ValueType;
        if (type == typeof(bool))
            return current is true ? "false" : "true";
        if (type.IsEnum)
            return TrainingOptions.ValueName(Enum.GetValues(type).Cast<Enum>().First(v => !v.Equals(current)));
        if (type == typeof(IReadOnlyList<int>))
            return "2";
        if (type == typeof(int) || type == typeof(long))
            return current is null ? "5" : (Convert.ToInt64(current, CultureInfo.InvariantCulture) + 3).ToString(CultureInfo.InvariantCulture);
        var x = current is null ? 0 : Convert.ToDouble(current, CultureInfo.InvariantCulture);
        return (x == 0 ? 0.5 : x / 2).ToString(CultureInfo.InvariantCulture);
    }

    private static object? Engine(TrainingRequest request, TrainingOption option, FieldSpelling spelling)
    {
        var owner = option.Property.DeclaringType == typeof(TrainingRequest)
            ? (object)TrainingRequestMapper.ToDatasetOptions(request)
            : TrainingRequestMapper.ToTrainerOptions(request, spelling);
        var value = owner.GetType().GetProperty(option.Name)!.GetValue(owner);
        // The loader keeps "unlimited" as int.MaxValue where the request says none.
        return value is IReadOnlyList<int> list ? string.Join(',', list) : value;
    }

    // Options that apply only beside another one: that one is set too (to true).
    private static readonly Dictionary<string, string> Companions = new()
    {
        [nameof(SequenceModelOptions.SkipUpdateBudget)] = nameof(SequenceModelOptions.SkipUpdates),
    };

    public static TheoryData<string> Options() => [.. TrainingOptions.All.Select(o => o.Name)];

    [Theory]
    [MemberData(nameof(Options))]
    public void An_option_reaches_the_engine_from_its_flag_and_its_field(string name)
    {
        var option = TrainingOptions.Named(name)!;
        var text = OtherValue(option, option.DefaultIn(new TrainingRequest()));
        var isCell = option.Name == nameof(TrainingRequest.Cell);

        var command = new Command("train");
        var flags = new TrainingFlags();
        flags.AddTo(command);
        string[] args = isCell ? [option.Flag, text] : ["--cell", "rnn", option.Flag, text];
        var companion = Companions.TryGetValue(option.Name, out var other) ? TrainingOptions.Named(other)! : null;
        if (companion is not null)
            args = [.. args, companion.Flag, "true"];
        var parse = command.Parse(args);
        Assert.Empty(parse.Errors);
        var fromFlag = flags.ToRequest(parse);

        var json = new JsonObject { [option.JsonName] = JsonNode.Parse(Json(option, text)) };
        if (!isCell)
            json["cell"] = "rnn";
        if (companion is not null)
            json[companion.JsonName] = true;
        var fromField = JsonSerializer.Deserialize<TrainingRequest>(json.ToJsonString(), ApiJson.Options)!;

        var expected = option.Parse(text, FieldSpelling.CommandLine);
        var engine = Engine(fromField, option, FieldSpelling.Json);
        Assert.NotEqual(TrainingOption.Format(option.DefaultIn(new TrainingRequest())), TrainingOption.Format(engine));
        Assert.Equal(TrainingOption.Format(expected), TrainingOption.Format(engine));
        Assert.Equal(TrainingOption.Format(engine), TrainingOption.Format(Engine(fromFlag, option, FieldSpelling.CommandLine)));
    }

    private static string Json(TrainingOption option, string text) =>
        option.ValueType.IsEnum ? $"\"{text}\"" : option.ValueType == typeof(IReadOnlyList<int>) ? $"[{text}]" : text;
}

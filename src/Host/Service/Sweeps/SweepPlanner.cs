using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Recurrent.Host.Service.Api;
using Recurrent.Host.Service.Runs;
using Recurrent.Host.Training;

namespace Recurrent.Host.Service.Sweeps;

/// <summary>One run of a sweep: the grid values it takes and its request, already checked.</summary>
internal sealed record SweepPoint(IReadOnlyDictionary<string, JsonNode?> Values, RunRequest Request);

/// <summary>
/// Expands a sweep's grid into run requests and checks every one of them as <c>POST /api/runs</c> would, before
/// anything is queued: a refusal names the field (<c>grid.hidden</c>, <c>base.data</c>, <c>sample</c>) and
/// queues nothing.
/// </summary>
internal static partial class SweepPlanner
{
    /// <summary>The options a run request takes, by their JSON names (and the deprecated spellings it still reads).</summary>
    private static readonly HashSet<string> Options = typeof(RunRequest)
        .GetProperties(BindingFlags.Public | BindingFlags.Instance)
        .Select(p => JsonNamingPolicy.SnakeCaseLower.ConvertName(p.Name))
        .Concat(DeprecatedSpellings.All.Select(s => s.JsonName))
        .ToHashSet(StringComparer.Ordinal);

    public static string NameOf(SweepRequest sweep)
    {
        var name = sweep.Name ?? $"sweep-{Guid.NewGuid():N}"[..14];
        if (!ValidName().IsMatch(name))
            throw new BadRequestException("name", "name: 1 to 48 letters, digits, '.', '_' or '-', starting with a letter or digit.");
        return name;
    }

    /// <summary>The grid's combinations (or the sample of them), each checked by <paramref name="check"/>.</summary>
    public static IReadOnlyList<SweepPoint> Expand(SweepRequest sweep, int maxRuns, Action<RunRequest> check)
    {
        var baseOptions = sweep.Base ?? [];
        foreach (var (option, _) in baseOptions)
        {
            if (option == "name")
                throw new BadRequestException("base.name", "base.name: a sweep names its runs (NAME-1, NAME-2, ...); name the sweep instead.");
            if (!Options.Contains(option))
                throw new BadRequestException($"base.{option}", $"base.{option}: not a run option (see POST /api/runs).");
        }
        var axes = Axes(sweep.Grid, baseOptions);
        var size = axes.Aggregate(1L, (n, axis) => n * axis.Values.Count);
        if (sweep.Sample is int sample && (sample < 1 || sample > size))
            throw new BadRequestException("sample", $"sample: must be from 1 to the grid's {size} combinations, not {sample}.");
        var count = sweep.Sample ?? size;
        if (count > maxRuns)
            throw new BadRequestException(sweep.Sample is null ? "grid" : "sample",
                $"{(sweep.Sample is null ? "grid" : "sample")}: {count} runs exceed the service's limit of {maxRuns} per sweep " +
                "(Recurrent:MaxSweepRuns); narrow the grid or draw a sample.");
        IEnumerable<long> indices = Enumerable.Range(0, (int)size).Select(i => (long)i);
        if (sweep.Sample is not null)
        {
            var drawn = indices.ToArray();
            new Random(sweep.Seed).Shuffle(drawn);
            indices = drawn.Take((int)count).Order();
        }
        return [.. indices.Select(index => Point(index, axes, baseOptions, check))];
    }

    private static List<(string Option, List<JsonNode?> Values)> Axes(JsonObject? grid, JsonObject baseOptions)
    {
        if (grid is null || grid.Count == 0)
            throw new BadRequestException("grid", "grid: give at least one option with its values, e.g. {\"cell\": [\"lstm\", \"gru\"]}.");
        var axes = new List<(string, List<JsonNode?>)>();
        foreach (var (option, values) in grid)
        {
            var field = $"grid.{option}";
            if (option == "name")
                throw new BadRequestException(field, $"{field}: a sweep names its runs; the name cannot vary.");
            if (!Options.Contains(option))
                throw new BadRequestException(field, $"{field}: not a run option (see POST /api/runs).");
            if (baseOptions.ContainsKey(option))
                throw new BadRequestException(field, $"{field}: also set in base; give each option in one place.");
            if (values is not JsonArray list || list.Count == 0)
                throw new BadRequestException(field, $"{field}: must be a non-empty list of values.");
            axes.Add((option, [.. list.Select(v => v?.DeepClone())]));
        }
        return axes;
    }

    // The index read as a mixed-radix number, the last option varying fastest: the grid's natural order.
    private static SweepPoint Point(long index, List<(string Option, List<JsonNode?> Values)> axes, JsonObject baseOptions,
        Action<RunRequest> check)
    {
        var values = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        for (var i = axes.Count - 1; i >= 0; i--)
        {
            var (option, choices) = axes[i];
            values[option] = choices[(int)(index % choices.Count)];
            index /= choices.Count;
        }
        var request = (JsonObject)baseOptions.DeepClone();
        foreach (var (option, value) in values)
            request[option] = value?.DeepClone();
        var where = string.Join(", ", axes.Select(a => $"{a.Option}={values[a.Option]?.ToJsonString() ?? "none"}"));
        RunRequest run;
        try
        {
            run = request.Deserialize<RunRequest>(ApiJson.Options)
                ?? throw new BadRequestException("grid", "grid: the combination is not a run request.");
        }
        catch (JsonException e)
        {
            var problem = JsonErrors.Describe(e, typeof(RunRequest));
            throw Located(problem, values, where);
        }
        try
        {
            check(run);
        }
        catch (ApiProblemException e)
        {
            throw Located(e, values, where);
        }
        return new SweepPoint(values, run);
    }

    // A refusal of one combination names the option in the sweep's terms: grid.X when it varies, base.X when not.
    private static ApiProblemException Located(ApiProblemException e, Dictionary<string, JsonNode?> values, string where)
    {
        var field = e.Field is null ? "grid" : values.ContainsKey(e.Field) ? $"grid.{e.Field}" : $"base.{e.Field}";
        return e.At(field, $"{field}: the combination {where} is refused: {e.Message}");
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,47}$")]
    private static partial Regex ValidName();
}

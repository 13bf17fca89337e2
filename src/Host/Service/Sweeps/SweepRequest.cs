using System.Text.Json.Nodes;

namespace Recurrent.Host.Service.Sweeps;

/// <summary>
/// The body of <c>POST /api/sweeps</c>: run options shared by every run (<c>base</c>, a <c>RunRequest</c>
/// without its name) and a grid of options to vary (<c>grid</c>: each option with its list of values;
/// <c>null</c> is "unset", as <c>none</c> on the command line). Every combination becomes a run, or a random
/// <c>sample</c> of them, drawn with <c>seed</c>.
/// </summary>
public sealed class SweepRequest
{
    /// <summary>The sweep's name; its runs are NAME-1, NAME-2, ... Default <c>sweep-</c> and eight hex digits.</summary>
    public string? Name { get; set; }

    /// <summary>Options every run shares, spelled as in <c>POST /api/runs</c>.</summary>
    public JsonObject? Base { get; set; }

    /// <summary>Each varied option with its values, e.g. <c>{"cell": ["lstm", "gru"], "clip_norm": [1, null]}</c>.</summary>
    public JsonObject? Grid { get; set; }

    /// <summary>Queue only this many combinations, drawn at random without repetition.</summary>
    public int? Sample { get; set; }

    /// <summary>The seed of the sample's draw. Default 0.</summary>
    public int Seed { get; set; }
}

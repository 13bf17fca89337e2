using Recurrent.Host.Training;

namespace Recurrent.Host.Service.Runs;

/// <summary>
/// The body of <c>POST /api/runs</c>: the data (a built-in spec in <c>data</c> or an uploaded dataset's
/// <c>dataset_id</c>) and every training option (<c>TrainingRequest</c>), each the snake_case of its one name
/// (<c>clip_norm</c>; the flag is <c>--clip-norm</c>). Defaults are the engine's, except <c>threads</c> (1, so
/// concurrent runs share the machine). Stored so a restarted service rebuilds the same run.
/// </summary>
public sealed class RunRequest : TrainingRequest
{
    /// <summary>A request with the service's defaults.</summary>
    public RunRequest() => Threads = 1;

    /// <summary>A unique name, also the <c>run</c> label of the metrics; default <c>run-ID</c>.</summary>
    public string? Name { get; set; }

    /// <summary>A built-in dataset spec such as <c>temporal-order:50</c>.</summary>
    public string? Data { get; set; }

    /// <summary>An uploaded dataset's id.</summary>
    public long? DatasetId { get; set; }
}

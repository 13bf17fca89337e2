namespace Recurrent.Diagnostics.Metrics;

/// <summary>Values of the <c>state</c> label of <c>recurrent_run_info</c> (and of <c>recurrent_runs</c>).</summary>
public static class RunOutcomes
{
    /// <summary>The run is training.</summary>
    public const string Running = "running";

    /// <summary>The run completed.</summary>
    public const string Succeeded = "succeeded";

    /// <summary>The run stopped on an error.</summary>
    public const string Failed = "failed";

    /// <summary>The run was cancelled by a user.</summary>
    public const string Cancelled = "cancelled";
}

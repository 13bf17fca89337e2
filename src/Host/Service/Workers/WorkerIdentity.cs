namespace Recurrent.Host.Service.Workers;

/// <summary>
/// This process as a worker of the fleet: its id (host name and pid unless <c>--worker-id</c> names it), how many
/// runs it trains at once, and how long a run it claimed stays its own without a renewal.
/// </summary>
internal sealed record WorkerIdentity(string Id, int Concurrency, TimeSpan Lease)
{
    public static string DefaultId() => $"{Environment.MachineName}-{Environment.ProcessId}";
}

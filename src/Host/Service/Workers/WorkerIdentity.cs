namespace Recurrent.Host.Service.Workers;

/// <summary>
/// This process as a worker of the fleet: its id (host name and pid unless <c>--worker-id</c> names it), how many
/// runs it trains at once, and how long a run it claimed stays its own without a renewal. Its
/// <see cref="Incarnation"/> tells this process from an earlier or later one with the same id: a run whose lease ran
/// out under an incarnation that is never heard of again was held by a process that died.
/// </summary>
internal sealed record WorkerIdentity(string Id, int Concurrency, TimeSpan Lease)
{
    /// <summary>Unique to this process.</summary>
    public string Incarnation { get; init; } = Guid.NewGuid().ToString("N");

    /// <summary>When this process became a worker (the identity is made once, as the service starts).</summary>
    public DateTimeOffset StartedAt { get; init; } = DateTimeOffset.UtcNow;

    public static string DefaultId() => $"{Environment.MachineName}-{Environment.ProcessId}";
}

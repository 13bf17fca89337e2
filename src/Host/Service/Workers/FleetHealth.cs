namespace Recurrent.Host.Service.Workers;

/// <summary>Whether this worker reaches the fleet's database: the heartbeat sets it, /healthz and the page show it.</summary>
internal sealed class FleetHealth
{
    private volatile string? _problem;

    /// <summary>Null while the last heartbeat reached the database, else what went wrong.</summary>
    public string? Problem => _problem;

    public void Reached() => _problem = null;

    public void Lost(Exception e) => _problem = $"the PostgreSQL store cannot be reached ({e.Message}); training resumes when it is back";
}

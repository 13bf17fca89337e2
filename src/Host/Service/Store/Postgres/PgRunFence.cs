namespace Recurrent.Host.Service.Store.Postgres;

/// <summary>
/// A fleet's fence: the run must still be running under the same claim (its claim count is the token), and the
/// sub-query holds a share lock on the run's row until the write commits, so the run cannot be queued again or
/// claimed by another worker between the check and the write.
/// </summary>
internal sealed class PgRunFence : RunFence
{
    public override string Row => "state = 'running' AND attempts = @fence";

    public override string Holds => "EXISTS (SELECT 1 FROM runs WHERE id = @run AND state = 'running' AND attempts = @fence FOR SHARE)";
}

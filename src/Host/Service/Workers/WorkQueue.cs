using System.Threading.Channels;

namespace Recurrent.Host.Service.Workers;

/// <summary>
/// Wakes the worker when a run is queued or a slot frees; many wakes before it looks collapse into one. With a
/// poll interval (a fleet, where other workers queue runs too) a wait also ends after that long.
/// </summary>
internal sealed class WorkQueue(TimeSpan? poll = null)
{
    private readonly Channel<bool> _signal = Channel.CreateBounded<bool>(
        new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    public void Wake() => _signal.Writer.TryWrite(true);

    public async Task WaitAsync(CancellationToken cancellationToken)
    {
        if (poll is not { } interval)
        {
            await _signal.Reader.ReadAsync(cancellationToken);
            return;
        }
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(interval);
        try
        {
            await _signal.Reader.ReadAsync(timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // The interval passed: look at the shared queue again.
        }
    }
}

using System.Threading.Channels;

namespace Recurrent.Host.Service.Worker;

/// <summary>Wakes the worker when a run is queued or a slot frees; many wakes before it looks collapse into one.</summary>
internal sealed class WorkQueue
{
    private readonly Channel<bool> _signal = Channel.CreateBounded<bool>(
        new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    public void Wake() => _signal.Writer.TryWrite(true);

    public async Task WaitAsync(CancellationToken cancellationToken) => await _signal.Reader.ReadAsync(cancellationToken);
}

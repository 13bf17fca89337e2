namespace Recurrent.Host.Service.Api;

/// <summary>
/// At most a fixed number of requests of one kind are served at a time; the others wait up to a timeout, then are
/// refused with 429 and a message naming the settings, so a burst of heavy requests cannot exhaust the memory.
/// </summary>
internal sealed class RequestSlots(int count, double waitSeconds, string refusal) : IDisposable
{
    private readonly SemaphoreSlim _free = new(count, count);

    /// <summary>Waits for a slot; disposing the result frees it (once, however often it is disposed).</summary>
    public async Task<IDisposable> EnterAsync(CancellationToken cancellationToken)
    {
        if (!await _free.WaitAsync(TimeSpan.FromSeconds(waitSeconds), cancellationToken))
            throw new TooManyRequestsException(refusal);
        return new Slot(_free);
    }

    public void Dispose() => _free.Dispose();

    private sealed class Slot(SemaphoreSlim free) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
                free.Release();
        }
    }
}

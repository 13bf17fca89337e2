namespace Recurrent.Host.Tests.Support;

/// <summary>
/// One default service (no demo) for the cases of a class that only ask it what it refuses: started once for the
/// class rather than once per case, since a refused request changes nothing stored.
/// </summary>
public sealed class SharedService : IAsyncLifetime
{
    private ServiceProcess? _service;

    internal ServiceProcess Service => _service ?? throw new InvalidOperationException("the shared service has not started");

    public async Task InitializeAsync() => _service = await ServiceProcess.StartAsync(ServiceProcess.NewDataDir());

    public async Task DisposeAsync()
    {
        if (_service is not null)
            await _service.DisposeAsync();
    }
}

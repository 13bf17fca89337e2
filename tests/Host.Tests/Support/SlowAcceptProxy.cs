using System.Net;
using System.Net.Sockets;

namespace Recurrent.Host.Tests.Support;

/// <summary>
/// A loopback TCP proxy to a real server that answers every new connection only after <see cref="Delay"/>: a loaded
/// but healthy database as its clients see it (the connection is accepted, its first reply comes late), while
/// connections already open go at full speed.
/// </summary>
internal sealed class SlowAcceptProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private readonly string _upstreamHost;
    private readonly int _upstreamPort;
    private int _connections;

    public SlowAcceptProxy(string upstreamHost, int upstreamPort, TimeSpan delay)
    {
        _upstreamHost = upstreamHost;
        _upstreamPort = upstreamPort;
        Delay = delay;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public TimeSpan Delay { get; }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Connections accepted so far.</summary>
    public int Connections => Volatile.Read(ref _connections);

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            Interlocked.Increment(ref _connections);
            _ = RelayAsync(client);
        }
    }

    private async Task RelayAsync(TcpClient client)
    {
        using (client)
        using (var upstream = new TcpClient())
        {
            try
            {
                await Task.Delay(Delay, _stop.Token);
                await upstream.ConnectAsync(_upstreamHost, _upstreamPort, _stop.Token);
                var down = client.GetStream();
                var up = upstream.GetStream();
                // Either side closing ends both directions.
                await Task.WhenAny(down.CopyToAsync(up, _stop.Token), up.CopyToAsync(down, _stop.Token));
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
            {
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        _stop.Dispose();
    }
}

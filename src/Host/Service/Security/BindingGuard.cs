namespace Recurrent.Host.Service.Security;

/// <summary>
/// The token rule on the addresses the server actually bound, whichever way they were configured (<c>--urls</c>,
/// <c>Kestrel:Endpoints</c> in appsettings, <c>Kestrel__Endpoints__...</c> variables, the command line): until the
/// check has passed, every request gets a 503 and the worker trains nothing.
/// </summary>
internal sealed class BindingGuard
{
    private readonly TaskCompletionSource _opened = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes once the bound addresses passed the check.</summary>
    public Task Opened => _opened.Task;

    public bool IsOpen => _opened.Task.IsCompleted;

    public void Open() => _opened.TrySetResult();

    /// <summary>Why the service must not serve on <paramref name="addresses"/>, or null when it may.</summary>
    public static string? Refusal(IEnumerable<string> addresses, ServiceToken token)
    {
        var open = addresses.FirstOrDefault(a => !ServiceToken.IsLoopback(a));
        if (open is null)
            return null;
        return token.Configured
            ? token.WeakFor(open)
            : $"Refusing to listen on {open} without a configured token: set Recurrent:Token or RECURRENT_TOKEN, " +
              "or bind to 127.0.0.1.";
    }
}

using Microsoft.Extensions.Options;
using Recurrent.Host.Service.Api;

namespace Recurrent.Host.Service.Datasets;

/// <summary>
/// Bounds the uploads in flight: each is at most <c>Recurrent:MaxUploadBytes</c> on disk and validated a record at
/// a time; only <see cref="UploadLimitOptions.MaxConcurrent"/> are received and validated at a time.
/// </summary>
internal sealed class UploadSlots(IOptions<ServiceOptions> options) : IDisposable
{
    private readonly RequestSlots _slots = new(options.Value.Uploads.MaxConcurrent, options.Value.Uploads.QueueTimeoutSeconds,
        $"{options.Value.Uploads.MaxConcurrent} uploads are being received and none finished within " +
        $"{options.Value.Uploads.QueueTimeoutSeconds:0.#} s (Recurrent:Uploads:MaxConcurrent, Recurrent:Uploads:QueueTimeoutSeconds); retry later.");

    public Task<IDisposable> EnterAsync(CancellationToken cancellationToken) => _slots.EnterAsync(cancellationToken);

    public void Dispose() => _slots.Dispose();
}

using Microsoft.Extensions.Options;
using Recurrent.Host.Service.Api;
using Recurrent.Trainer.Data;

namespace Recurrent.Host.Service.Predictions;

/// <summary>
/// Bounds the memory of predictions: at most <see cref="PredictLimitOptions.MaxConcurrent"/> requests are read and
/// computed at a time (the others wait up to <see cref="PredictLimitOptions.QueueTimeoutSeconds"/>, then get a
/// 429), and each request goes to the engine in chunks of records whose activations fit
/// <see cref="PredictLimitOptions.ChunkBytes"/>.
/// </summary>
internal sealed class PredictionLimiter(IOptions<ServiceOptions> options) : IDisposable
{
    private readonly RequestSlots _slots = new(options.Value.Predict.MaxConcurrent, options.Value.Predict.QueueTimeoutSeconds,
        $"{options.Value.Predict.MaxConcurrent} predictions are being computed and none finished within " +
        $"{options.Value.Predict.QueueTimeoutSeconds:0.#} s (Recurrent:Predict:MaxConcurrent, Recurrent:Predict:QueueTimeoutSeconds); retry later.");

    private PredictLimitOptions Limits => options.Value.Predict;

    /// <summary>Waits for a slot; a request that cannot get one in time is refused with 429.</summary>
    public Task<IDisposable> EnterAsync(CancellationToken cancellationToken) => _slots.EnterAsync(cancellationToken);

    /// <summary>Refuses a request whose steps, summed over its records, exceed the limit.</summary>
    public void CheckSteps(long steps)
    {
        if (steps > Limits.MaxSteps)
            throw new BadRequestException("records",
                $"records: {steps} steps in all are more than the limit of {Limits.MaxSteps} per request (Recurrent:Predict:MaxSteps); split the request.");
    }

    /// <summary>
    /// Refuses a record whose activations alone exceed <see cref="PredictLimitOptions.MaxRecordBytes"/>;
    /// <paramref name="bytesOf"/> is the model's own account of a record of a given length (a dilated model pads it;
    /// a per-step model, <paramref name="perStep"/>, also holds every step's output).
    /// </summary>
    public void CheckRecords(SequenceExample[] examples, Func<int, long> bytesOf, bool perStep = false)
    {
        for (var i = 0; i < examples.Length; i++)
        {
            var bytes = bytesOf(examples[i].Length);
            if (bytes > Limits.MaxRecordBytes)
                throw new BadRequestException($"records[{i}]",
                    $"records[{i}]: {examples[i].Length} steps need {bytes >> 20} MiB of this model's activations{(perStep ? " and outputs" : "")}, more than the limit of " +
                    $"{Limits.MaxRecordBytes >> 20} MiB per record (Recurrent:Predict:MaxRecordBytes); shorten the record.");
        }
    }

    /// <summary>
    /// Cuts <paramref name="examples"/> into consecutive chunks whose activations (every layer and direction's
    /// gates and states at every step, and the inputs, in float32) fit the chunk budget; one record at least.
    /// </summary>
    public IEnumerable<ArraySegment<SequenceExample>> Chunks(SequenceExample[] examples, Func<int, long> bytesOf)
    {
        var start = 0;
        while (start < examples.Length)
        {
            var end = start;
            var longest = 0;
            while (end < examples.Length)
            {
                var candidate = Math.Max(longest, examples[end].Length);
                if (end > start && (end - start + 1) * bytesOf(candidate) > Limits.ChunkBytes)
                    break;
                longest = candidate;
                end++;
            }
            yield return new ArraySegment<SequenceExample>(examples, start, end - start);
            start = end;
        }
    }

    public void Dispose() => _slots.Dispose();
}

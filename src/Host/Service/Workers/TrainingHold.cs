using System.Globalization;
using Microsoft.Extensions.Options;
using Recurrent.Host.Service.Store;

namespace Recurrent.Host.Service.Workers;

/// <summary>
/// <c>Recurrent:Debug:HoldFile</c>: a file naming a step at which every run this process trains pauses, for as long
/// as the file exists and names that step. <c>15</c> holds after step 15, before its checkpoint; <c>20 renamed</c>
/// (or <c>written</c>, <c>staged</c>) holds inside the checkpoint taken at step 20, at that point of
/// <see cref="ArtifactStore.Replace"/>. Once held, the process writes the same text to <c>HoldFile.reached</c>.
/// Tests (and anyone reproducing a fault) hold a run at a known point, do something to the process or the store,
/// then change or delete the file to let it go on, with no race against the training speed. A held run still
/// honours cancel, shutdown and a lost lease. Unset, nothing is read.
/// </summary>
internal sealed class TrainingHold(IOptions<ServiceOptions> options)
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(20);

    /// <summary>Waits while the hold file names <paramref name="step"/>; throws when <paramref name="cancellation"/> is cancelled.</summary>
    public void AtStep(long step, CancellationToken cancellation) => At(step, null, cancellation);

    /// <summary>The same inside the checkpoint taken at <paramref name="step"/>, at <paramref name="point"/>.</summary>
    public void AtCheckpoint(long step, ReplacePoint point, CancellationToken cancellation) => At(step, point, cancellation);

    private void At(long step, ReplacePoint? point, CancellationToken cancellation)
    {
        if (options.Value.Debug.HoldFile is not { Length: > 0 } file)
            return;
        var reported = false;
        while (HeldAt(file) == (step, point))
        {
            if (!reported)
            {
                File.WriteAllText(file + ".reached", File.ReadAllText(file));
                reported = true;
            }
            cancellation.ThrowIfCancellationRequested();
            cancellation.WaitHandle.WaitOne(Poll);
        }
    }

    private static (long Step, ReplacePoint? Point)? HeldAt(string file)
    {
        try
        {
            var parts = File.ReadAllText(file).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length is 0 or > 2 || !long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var step))
                return null;
            if (parts.Length == 1)
                return (step, null);
            return Enum.TryParse<ReplacePoint>(parts[1], ignoreCase: true, out var point) ? (step, point) : null;
        }
        catch (IOException)
        {
            return null; // absent (or being replaced): not held
        }
    }
}

using Microsoft.ML;
using Microsoft.ML.Runtime;

namespace Recurrent.Trainer.MLNet;

/// <summary>
/// The rows a trainer skipped for a missing value and how it words them (ML.NET's rule: skip the row, say how many
/// were skipped; no row left is an error). <paramref name="WithoutFeatures"/> and <paramref name="WithoutLabel"/>
/// complete "skipped N rows …"; <paramref name="NothingLeft"/> is the refusal's whole message.
/// </summary>
internal sealed record SkippedRows(string Trainer, DataViewSequences.Skipped Counts, string WithoutFeatures, string WithoutLabel,
    string NothingLeft)
{
    /// <summary>One warning for each kind of skipped row; an <see cref="ArgumentException"/> when <paramref name="kept"/> is 0.</summary>
    public void Report(IChannel channel, int kept)
    {
        if (Counts.MissingFeatures > 0)
            channel.Warning(MessageSensitivity.None, $"{Trainer}: skipped {Counts.MissingFeatures} rows {WithoutFeatures} during training.");
        if (Counts.MissingLabel > 0)
            channel.Warning(MessageSensitivity.None, $"{Trainer}: skipped {Counts.MissingLabel} rows {WithoutLabel} during training.");
        if (kept == 0)
            throw new ArgumentException(NothingLeft, "input");
    }
}

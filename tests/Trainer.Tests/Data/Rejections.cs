using Recurrent.Trainer.Data;

namespace Recurrent.Trainer.Tests.Data;

/// <summary>
/// The one check of a refused input's report that the reader tables share: the line and the field where a case
/// names them (null: the case does not pin it), and every phrase of the problem in the message.
/// </summary>
internal static class Rejections
{
    public static void AssertReports(DataFormatException e, int? line, string? field, string[] phrases)
    {
        if (line is int expectedLine)
            Assert.Equal(expectedLine, e.Line);
        if (field is not null)
            Assert.Equal(field, e.Field);
        foreach (var phrase in phrases)
            Assert.Contains(phrase, e.Message);
    }
}

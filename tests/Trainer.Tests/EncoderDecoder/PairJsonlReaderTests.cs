using Recurrent.Trainer.Data;
using Recurrent.Trainer.Data.Files;

namespace Recurrent.Trainer.Tests.EncoderDecoder;

/// <summary>Pairs from JSON Lines, encoded with a model's symbols; every problem names the file, line and field.</summary>
public sealed class PairJsonlReaderTests
{
    private static readonly string[] Symbols = ["a", "b", "c"];

    [Fact]
    public void Lines_give_pairs_of_the_models_symbol_ids_and_a_target_may_be_left_out_for_decoding()
    {
        using var directory = new TempDirectory();
        var path = directory.Write("pairs.jsonl", "{\"source\": [\"a\", \"c\"], \"target\": [\"c\", \"a\"], \"note\": 1}\n\n{\"source\": [\"b\"]}\n");

        var (data, hasTargets) = PairJsonlReader.Read(path, Symbols, Symbols, targetOptional: true);

        Assert.False(hasTargets);
        Assert.Equal(2, data.Count);
        Assert.Equal([0, 2], data.Pairs[0].Source);
        Assert.Equal([2, 0], data.Pairs[0].Target);
        Assert.Equal([1], data.Pairs[1].Source);
        Assert.Empty(data.Pairs[1].Target);
        Assert.Single(PairJsonlReader.Read(path, Symbols, Symbols, limit: 1).Data.Pairs);
    }

    [Theory]
    [InlineData("{\"source\": [\"a\"]}", "line 1, field 'target'", "missing")]
    [InlineData("{\"target\": [\"a\"]}", "line 1, field 'source'", "missing")]
    [InlineData("{\"source\": [\"a\", \"z\"], \"target\": [\"a\"]}", "line 1, field 'source'", "symbol 1 (\"z\") is not one of the model's: a b c")]
    [InlineData("{\"source\": [], \"target\": [\"a\"]}", "line 1, field 'source'", "empty")]
    [InlineData("{\"source\": \"ab\", \"target\": [\"a\"]}", "line 1, field 'source'", "expected an array")]
    [InlineData("[1, 2]", "line 1", "expected an object")]
    [InlineData("{\"source\": [\"a\"", "line 1", "not valid JSON")]
    public void A_bad_line_is_refused_naming_the_line_and_field(string line, string where, string problem)
    {
        using var directory = new TempDirectory();
        var path = directory.Write("bad.jsonl", line + "\n");
        var e = Assert.Throws<DataFormatException>(() => PairJsonlReader.Read(path, Symbols, Symbols));
        Assert.Contains(where, e.Message, StringComparison.Ordinal);
        Assert.Contains(problem, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Sequences_longer_than_the_bound_and_empty_files_are_refused()
    {
        using var directory = new TempDirectory();
        var longLine = "{\"source\": [" + string.Join(',', Enumerable.Repeat("\"a\"", PairJsonlReader.MaxSymbols + 1)) + "], \"target\": [\"a\"]}";
        var e = Assert.Throws<DataFormatException>(() => PairJsonlReader.Read(directory.Write("long.jsonl", longLine), Symbols, Symbols));
        Assert.Contains("at most 10000", e.Message, StringComparison.Ordinal);
        Assert.Contains("no pairs", Assert.Throws<DataFormatException>(() =>
            PairJsonlReader.Read(directory.Write("empty.jsonl", "\n \n"), Symbols, Symbols)).Message, StringComparison.Ordinal);
    }
}

using Recurrent.Trainer.Data;
using Recurrent.Trainer.Data.Files;

namespace Recurrent.Trainer.Tests.Data;

public sealed class CsvReaderTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private SequenceDataset Load(string text) => SummaryAgreement.AssertAgrees(_dir.Write("d.csv", text))!;

    private DataFormatException Fails(string text, string name = "bad.csv")
    {
        var path = _dir.Write(name, text);
        var e = Assert.Throws<DataFormatException>(() => DatasetLoader.Load(path));
        Assert.Equal(path, e.File);
        Assert.StartsWith(path, e.Message);
        SummaryAgreement.AssertSameFailure(path, e);
        return e;
    }

    private static string[] Tokens(SequenceDataset data, int index) =>
        data.Examples[index].TokenIds!.Select(id => data.Vocabulary!.Tokens[id]).ToArray();

    [Fact]
    public void Reads_label_and_text_in_either_order_ignoring_other_columns()
    {
        var data = Load("id,Text , LABEL\n1,The cat sat.,pos\n2,\"A rat, a mat\",neg\n");
        Assert.Equal(["neg", "pos"], data.Labels.ClassNames);
        Assert.Equal(["the", "cat", "sat"], Tokens(data, 0));
        Assert.Equal(["a", "rat", "a", "mat"], Tokens(data, 1));
    }

    [Fact]
    public void Quoted_fields_keep_commas_doubled_quotes_and_line_breaks()
    {
        var data = Load("label,text\r\npos,\"say \"\"hi\"\", then\r\nleave\"\r\nneg,plain\r\n");
        Assert.Equal(2, data.Count);
        Assert.Equal(["say", "hi", "then", "leave"], Tokens(data, 0));
        Assert.Equal(["plain"], Tokens(data, 1));
    }

    // One row per refused file: the case, the file's text, and what the report must name (null: not pinned).
    // Line_numbers_count_physical_lines_inside_quotes: the record on line 4 follows one whose quoted text spans lines 2-3.
    public static TheoryData<string, string, int?, string?, string[]> Refusals => new()
    {
        { "Line_numbers_count_physical_lines_inside_quotes", "label,text\npos,\"one\ntwo\"\n,three\n", 4, null, ["line 4, field 'label': missing label"] },
        { "Missing_column_in_header_is_rejected", "label,body\npos,a\n", 1, "header", ["no \"text\" column"] },
        { "Duplicate_column_in_header_is_rejected", "label,text,text\npos,a,b\n", null, null, ["the column \"text\" appears twice"] },
        { "Record_with_wrong_field_count_is_rejected", "label,text\npos,a\nneg,b,c\n", 3, null, ["the record has 3 fields but the header has 2"] },
        { "Unterminated_quote_names_the_line_where_it_opened", "label,text\npos,a\nneg,\"never\nclosed\n", 3, "column 2", ["a quoted field is never closed"] },
        { "Quote_inside_unquoted_field_is_rejected", "label,text\npos,a 5\" screen\n", 2, "column 2", ["a double quote inside an unquoted field"] },
        { "Text_after_closing_quote_is_rejected", "label,text\npos,\"a\"b\n", null, null, ["unexpected 'b' after a closing quote"] },
        { "Empty_label_is_missing", "label,text\n  ,some words\n", 2, null, ["field 'label': missing label"] },
        { "Text_without_tokens_is_an_empty_sequence", "label,text\npos,a\nneg,\"?! ...\"\n", 3, "text", ["empty sequence"] },
        { "Header_only_file_is_rejected", "label,text\n", null, null, ["has a header but no records"] },
        { "Nan_regression_target_is_rejected", "label,text\n0.5,a\nNaN,b\n", 3, null, ["not a finite 32-bit float"] },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public void A_refused_file_names_its_line_field_and_problem(string @case, string text, int? line, string? field,
        string[] phrases) =>
        // The case names the file, so a failing row is found by its report's path.
        Rejections.AssertReports(Fails(text, @case + ".csv"), line, field, phrases);

    [Fact]
    public void A_byte_order_mark_before_the_header_is_skipped()
    {
        var data = Load("\uFEFFlabel,text\npos,a\nneg,b\n");
        Assert.Equal(2, data.Count);
    }

    [Fact]
    public void Blank_lines_between_records_are_skipped()
    {
        var data = Load("label,text\n\npos,a\n\n\nneg,b\n");
        Assert.Equal(2, data.Count);
    }

    [Fact]
    public void Numeric_labels_with_fractions_make_a_regression_task()
    {
        var data = Load("label,text\n0.5,a b\n2,c\n");
        Assert.True(data.Labels.IsRegression);
        Assert.Equal([0.5f, 2f], data.Examples.Select(e => e.Target));
    }

    // A quoted field of many short lines: no line is long, the record is. Bounded per record, by load and summary alike.
    [Fact]
    public void A_record_over_the_byte_bound_is_refused_naming_the_line_where_it_started_and_the_limit()
    {
        var field = string.Join("\n", Enumerable.Repeat("short line", 50)); // 50 lines of 10 bytes: 549 bytes
        var path = _dir.Write("long.csv", $"label,text\npos,one\nneg,\"{field}\"\npos,after\n");
        var options = new DatasetOptions { MaxRecordBytes = 500 };
        foreach (var read in new Action[] { () => DatasetLoader.Load(path, options: options), () => DatasetLoader.Summarize(path, options) })
        {
            var e = Assert.Throws<RecordTooLongException>(read);
            Assert.Equal(3, e.Line);
            Assert.Equal(500, e.Limit);
            Assert.Equal($"{path}, line 3: the record starting on this line is longer than the limit of 500 bytes per record " +
                "(a quoted field spanning lines counts whole)", e.Message);
        }
        // Unbounded (the command line), the same file loads.
        Assert.Equal(3, DatasetLoader.Load(path).Train.Count);
    }

    // The bound counts the record's UTF-8 bytes as the file holds them: quotes, commas, doubled quotes, the line breaks
    // inside quotes, multi-byte characters; not the line break that ends it.
    [Theory]
    [InlineData("neg,\"a \"\"b\"\"\r\nc\"", 16)]
    [InlineData("neg,\"caf\u00e9\ncr\u00e8me \u20ac \U0001F600\"", 27)]
    [InlineData("neg,plain words", 15)]
    public void A_legal_record_at_the_bound_is_read_and_one_byte_less_refuses_it(string record, int bytes)
    {
        Assert.Equal(bytes, System.Text.Encoding.UTF8.GetByteCount(record));
        var path = _dir.Write("fits.csv", $"label,text\n{record}\npos,x\n");
        var data = DatasetLoader.Load(path, options: new DatasetOptions { MaxRecordBytes = bytes }).Train;
        Assert.Equal(2, data.Count);
        Assert.Equal(2, DatasetLoader.Summarize(path, new DatasetOptions { MaxRecordBytes = bytes }).Count);
        var e = Assert.Throws<RecordTooLongException>(() => DatasetLoader.Load(path, options: new DatasetOptions { MaxRecordBytes = bytes - 1 }));
        Assert.Equal(2, e.Line);
    }
}

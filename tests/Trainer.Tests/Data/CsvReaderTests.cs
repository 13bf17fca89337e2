using Recurrent.Trainer.Data;

namespace Recurrent.Trainer.Tests.Data;

public sealed class CsvReaderTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private SequenceDataset Load(string text) => DatasetLoader.Load(_dir.Write("d.csv", text)).Train;

    private DataFormatException Fails(string text)
    {
        var path = _dir.Write("bad.csv", text);
        var e = Assert.Throws<DataFormatException>(() => DatasetLoader.Load(path));
        Assert.Equal(path, e.File);
        Assert.StartsWith(path, e.Message);
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

    [Fact]
    public void Line_numbers_count_physical_lines_inside_quotes()
    {
        // The record on line 4 follows a record whose quoted text spans lines 2-3.
        var e = Fails("label,text\npos,\"one\ntwo\"\n,three\n");
        Assert.Equal(4, e.Line);
        Assert.Contains("line 4, field 'label': missing label", e.Message);
    }

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
    public void Missing_column_in_header_is_rejected()
    {
        var e = Fails("label,body\npos,a\n");
        Assert.Equal(1, e.Line);
        Assert.Equal("header", e.Field);
        Assert.Contains("no \"text\" column", e.Message);
    }

    [Fact]
    public void Duplicate_column_in_header_is_rejected()
    {
        var e = Fails("label,text,text\npos,a,b\n");
        Assert.Contains("the column \"text\" appears twice", e.Message);
    }

    [Fact]
    public void Record_with_wrong_field_count_is_rejected()
    {
        var e = Fails("label,text\npos,a\nneg,b,c\n");
        Assert.Equal(3, e.Line);
        Assert.Contains("the record has 3 fields but the header has 2", e.Message);
    }

    [Fact]
    public void Unterminated_quote_names_the_line_where_it_opened()
    {
        var e = Fails("label,text\npos,a\nneg,\"never\nclosed\n");
        Assert.Equal(3, e.Line);
        Assert.Equal("column 2", e.Field);
        Assert.Contains("a quoted field is never closed", e.Message);
    }

    [Fact]
    public void Quote_inside_unquoted_field_is_rejected()
    {
        var e = Fails("label,text\npos,a 5\" screen\n");
        Assert.Equal(2, e.Line);
        Assert.Equal("column 2", e.Field);
        Assert.Contains("a double quote inside an unquoted field", e.Message);
    }

    [Fact]
    public void Text_after_closing_quote_is_rejected()
    {
        var e = Fails("label,text\npos,\"a\"b\n");
        Assert.Contains("unexpected 'b' after a closing quote", e.Message);
    }

    [Fact]
    public void Empty_label_is_missing()
    {
        var e = Fails("label,text\n  ,some words\n");
        Assert.Equal(2, e.Line);
        Assert.Contains("field 'label': missing label", e.Message);
    }

    [Fact]
    public void Text_without_tokens_is_an_empty_sequence()
    {
        var e = Fails("label,text\npos,a\nneg,\"?! ...\"\n");
        Assert.Equal(3, e.Line);
        Assert.Equal("text", e.Field);
        Assert.Contains("empty sequence", e.Message);
    }

    [Fact]
    public void Header_only_file_is_rejected()
    {
        var e = Fails("label,text\n");
        Assert.Contains("has a header but no records", e.Message);
    }

    [Fact]
    public void Numeric_labels_with_fractions_make_a_regression_task()
    {
        var data = Load("label,text\n0.5,a b\n2,c\n");
        Assert.True(data.Labels.IsRegression);
        Assert.Equal([0.5f, 2f], data.Examples.Select(e => e.Target));
    }

    [Fact]
    public void Nan_regression_target_is_rejected()
    {
        var e = Fails("label,text\n0.5,a\nNaN,b\n");
        Assert.Equal(3, e.Line);
        Assert.Contains("not a finite 32-bit float", e.Message);
    }
}

using Recurrent.Trainer.Data;

namespace Recurrent.Trainer.Tests.Data;

/// <summary>Errors and views of the IDX reader on small hand-made files laid out like the Debian package.</summary>
public sealed class IdxReaderTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private DatasetOptions Options => new() { FashionMnistDirectory = _dir.Path };

    // Three 2×3 images in the train files and one in the test files, labels 0, 9, 3 / 1.
    private void WriteValid(bool gzip)
    {
        byte[] Maybe(byte[] b) => gzip ? IdxFiles.Gzip(b) : b;
        _dir.WriteBytes("train-images-idx3-ubyte.gz", Maybe(IdxFiles.Images(3, 2, 3)));
        _dir.WriteBytes("train-labels-idx1-ubyte.gz", Maybe(IdxFiles.Labels(0, 9, 3)));
        _dir.WriteBytes("t10k-images-idx3-ubyte.gz", Maybe(IdxFiles.Images(1, 2, 3)));
        _dir.WriteBytes("t10k-labels-idx1-ubyte.gz", Maybe(IdxFiles.Labels(1)));
    }

    private string TrainImages => Path.Combine(_dir.Path, "train-images-idx3-ubyte.gz");

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Rows_view_has_one_step_per_row_scaled_to_unit_range(bool gzip)
    {
        WriteValid(gzip);
        var splits = DatasetLoader.Load("fashion-mnist-rows", options: Options);
        var train = splits.Train;
        Assert.Equal(3, train.Count);
        Assert.Equal(3, train.FeatureCount);
        Assert.Equal(2, train.Examples[0].Length);
        Assert.Equal([0f, 1 / 255f, 2 / 255f, 3 / 255f, 4 / 255f, 5 / 255f], train.Examples[0].Features!);
        Assert.Equal([6 / 255f, 7 / 255f], train.Examples[1].Features![..2]);
        Assert.Equal([0, 9, 3], train.Examples.Select(e => e.ClassIndex));
        Assert.Equal(1, splits.Test!.Count);
        Assert.Equal(1, splits.Test.Examples[0].ClassIndex);
        Assert.Null(splits.Validation);
    }

    [Fact]
    public void Pixels_view_has_one_step_per_pixel()
    {
        WriteValid(gzip: true);
        var train = DatasetLoader.Load("fashion-mnist-pixels", options: Options).Train;
        Assert.Equal(1, train.FeatureCount);
        Assert.Equal(6, train.Examples[0].Length);
    }

    [Fact]
    public void Count_limits_the_training_images()
    {
        WriteValid(gzip: true);
        var train = DatasetLoader.Load("fashion-mnist-rows", options: Options).Train;
        Assert.Equal(3, train.Count);
        var limited = new DatasetOptions { FashionMnistDirectory = _dir.Path, Count = 2 };
        Assert.Equal(2, DatasetLoader.Load("fashion-mnist-rows", options: limited).Train.Count);
    }

    // Each case's damage: the file it replaces after writing the valid set (gzipped or not) and the bytes it writes
    // there. A case without one writes no files at all.
    private static readonly Dictionary<string, (string File, Func<byte[]> Bytes)> Damages = new()
    {
        ["Wrong_magic_names_file_and_both_numbers"] = ("train-images-idx3-ubyte.gz", () => IdxFiles.Gzip(IdxFiles.Labels(1, 2, 3))),
        ["Truncated_pixels_name_the_first_incomplete_image"] = ("train-images-idx3-ubyte.gz",
            () => IdxFiles.Gzip(IdxFiles.Images(3, 2, 3, bytesOfPixels: 14))),
        ["Truncated_header_is_rejected"] = ("train-images-idx3-ubyte.gz", () => IdxFiles.Images(3, 2, 3)[..10]),
        ["Image_and_label_count_mismatch_names_both_files"] = ("train-labels-idx1-ubyte.gz", () => IdxFiles.Gzip(IdxFiles.Labels(0, 1))),
        ["Label_outside_the_ten_classes_is_rejected"] = ("train-labels-idx1-ubyte.gz", () => IdxFiles.Gzip(IdxFiles.Labels(0, 12, 1))),
        ["Trailing_bytes_after_all_items_are_rejected"] = ("t10k-labels-idx1-ubyte.gz", () => [.. IdxFiles.Labels(1), 7]),
        ["Corrupt_gzip_is_rejected"] = ("train-images-idx3-ubyte.gz", () =>
        {
            var bytes = IdxFiles.Gzip(IdxFiles.Images(3, 2, 3));
            bytes.AsSpan(10, 8).Fill(0xFF);
            return bytes;
        }
        ),
    };

    // One row per refused set: the case (its damage), whether the valid set is gzipped,
    // whether the report names the training images, and its line, field (null: not pinned) and phrases.
    public static TheoryData<string, bool, bool, int?, string?, string[]> Refusals => new()
    {
        { "Wrong_magic_names_file_and_both_numbers", true, true, null, "magic",
            ["wrong magic number 0x00000801 (IDX unsigned-byte labels); expected 0x00000803"] },
        { "Truncated_pixels_name_the_first_incomplete_image", true, true, 3, null,
            ["truncated: the header announces 3 images of 2×3 pixels but the file ends after 2 complete images"] },
        { "Truncated_header_is_rejected", false, false, null, "header",
            ["truncated: the header of IDX unsigned-byte images has 16 bytes but the file has only 10"] },
        { "Image_and_label_count_mismatch_names_both_files", true, true, null, null,
            ["holds 3 images but its label file", "train-labels-idx1-ubyte.gz holds 2 labels"] },
        { "Label_outside_the_ten_classes_is_rejected", true, false, 2, null,
            ["label 12 is not a Fashion-MNIST class"] },
        { "Trailing_bytes_after_all_items_are_rejected", false, false, null, null,
            ["the file goes on after the 1 labels its header announces"] },
        { "Corrupt_gzip_is_rejected", true, true, null, null, ["the gzip data is corrupt"] },
        { "Missing_file_is_unreadable", true, true, null, null, ["cannot read the file"] },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public void A_refused_set_names_its_file_line_field_and_problem(string @case, bool gzip, bool namesTrainImages,
        int? line, string? field, string[] phrases)
    {
        if (Damages.TryGetValue(@case, out var damage))
        {
            WriteValid(gzip);
            _dir.WriteBytes(damage.File, damage.Bytes());
        }
        var e = Assert.Throws<DataFormatException>(() => DatasetLoader.Load("fashion-mnist-rows", options: Options));
        if (namesTrainImages)
            Assert.Equal(TrainImages, e.File);
        Rejections.AssertReports(e, line, field, phrases);
    }
}

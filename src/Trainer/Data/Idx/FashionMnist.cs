namespace Recurrent.Trainer.Data.Idx;

/// <summary>
/// Fashion-MNIST (Xiao, Rasul and Vollgraf 2017) as sequences: 28×28 grey images, pixel values scaled to
/// [0, 1] by dividing by 255, read either as 28 steps of one 28-pixel row or as 784 steps of one pixel.
/// </summary>
internal static class FashionMnist
{
    /// <summary>The ten class names, in label order 0–9.</summary>
    public static IReadOnlyList<string> ClassNames { get; } =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    /// <summary>The file names of the training images and labels, as the Debian package ships them.</summary>
    internal static (string Images, string Labels) TrainFiles => ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz");

    /// <summary>The file names of the test images and labels, as the Debian package ships them.</summary>
    internal static (string Images, string Labels) TestFiles => ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz");

    /// <summary>
    /// Reads an image file and its label file into a dataset of the first <paramref name="limit"/> images (all
    /// when null). With <paramref name="pixelSteps"/> each pixel is a step; otherwise each row is.
    /// </summary>
    internal static SequenceDataset Load(string imagesPath, string labelsPath, bool pixelSteps, int? limit, string name,
        CancellationToken cancellation = default)
    {
        var images = IdxReader.ReadImages(imagesPath, limit);
        var labels = IdxReader.ReadLabels(labelsPath, limit);
        if (images.DeclaredCount != labels.DeclaredCount)
            throw new DataFormatException(imagesPath, null, "count",
                $"the file holds {images.DeclaredCount} images but its label file {labelsPath} holds " +
                $"{labels.DeclaredCount} labels");
        var labelSet = LabelSet.Classes(ClassNames);
        var featureCount = pixelSteps ? 1 : images.Columns;
        var imageSize = images.Rows * images.Columns;
        var examples = new SequenceExample[images.Count];
        for (var i = 0; i < examples.Length; i++)
        {
            cancellation.ThrowIfCancellationRequested();
            var label = labels.Values[i];
            if (label >= ClassNames.Count)
                throw new DataFormatException(labelsPath, i + 1, "label",
                    $"label {label} is not a Fashion-MNIST class (0–{ClassNames.Count - 1})");
            // Row-major pixels are already [rows, columns]; read as [pixels, 1] the same array is the pixel view.
            var features = new float[imageSize];
            var pixels = images.Pixels.AsSpan(i * imageSize, imageSize);
            for (var p = 0; p < imageSize; p++)
                features[p] = pixels[p] / 255f;
            examples[i] = SequenceExample.FromSteps(features, featureCount, label);
        }
        return new SequenceDataset(name, InputKind.Numeric, featureCount, null, labelSet, examples);
    }
}

using System.Buffers.Binary;
using System.IO.Compression;
using Microsoft.ML;
using Onnx;
using Recurrent.Trainer.Models;
using Recurrent.Trainer.Onnx;

namespace Recurrent.Trainer.MLNet;

/// <summary>
/// ONNX out of any fitted or loaded ML.NET model that holds a Recurrent trainer: the network is read back from the
/// graph inside the model's OnnxTransformer (found in the model as ML.NET saves it), and exported either as the
/// standard graph (token ids or steps, and sequence_lens, in) or with the pipeline's featurisation in front
/// (<see cref="PipelineFeaturization"/>), raw inputs in and ML.NET's output columns out.
/// </summary>
internal static class FittedModelOnnx
{
    public static void Write(ModelOperationsCatalog catalog, ITransformer model, DataViewSchema inputSchema, Stream stream,
        bool includeFeaturization)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(inputSchema);
        ArgumentNullException.ThrowIfNull(stream);
        var graph = RecurrentGraphOf(catalog, model, inputSchema);
        var network = OnnxModelReader.ToSequenceModel(graph);
        var featureColumn = graph.Graph.Input[0].Name;
        var outputs = graph.Graph.Output.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        var task = outputs.Contains(MLNetOnnxBoundary.Probabilities) ? RecurrentTask.MulticlassClassification
            : outputs.Contains(MLNetOnnxBoundary.Logit) ? RecurrentTask.BinaryClassification
            : RecurrentTask.Regression;
        var featurization = PipelineFeaturization.Describe(model, inputSchema, featureColumn, network);
        OnnxModel onnx;
        if (includeFeaturization)
        {
            if (featurization.Input is null)
                throw new InvalidOperationException(
                    $"The featurisation cannot go into the ONNX graph: {featurization.Problem} Export without includeFeaturization and feed the graph token ids (input) and sequence_lens yourself.");
            onnx = SequenceModelOnnxExport.Build(network, new PipelineOnnxBoundary(featurization.Input, task));
        }
        else
        {
            var tokenizer = featurization.Input is PipelineInput.Text text
                ? $"not in this graph: the ML.NET pipeline's {text.PipelineSteps} made the tokens; id = key + 1 of MapValueToKey's key (0 = <pad>, 1 = <unk>: a word the key does not know)"
                : "not in this graph: the steps of the ML.NET pipeline before the trainer made the tokens; id = key + 1 of its key column (0 = <pad>, 1 = <unk>)";
            onnx = SequenceModelOnnxExport.Build(network, new StandardOnnxBoundary(tokenizer));
        }
        OnnxModelWriter.Write(stream, onnx);
    }

    // ML.NET keeps an OnnxTransformer's graph only inside itself, and writes it into the model file as it saves;
    // saving to memory is the one public way to it. Exactly one of the graphs must be ours.
    private static ModelProto RecurrentGraphOf(ModelOperationsCatalog catalog, ITransformer model, DataViewSchema inputSchema)
    {
        using var saved = new MemoryStream();
        catalog.Save(model, inputSchema, saved);
        saved.Position = 0;
        using var zip = new ZipArchive(saved, ZipArchiveMode.Read);
        var graphs = new List<ModelProto>();
        foreach (var entry in zip.Entries.Where(e => e.Name == "OnnxModel"))
        {
            using var content = new MemoryStream();
            using (var entryStream = entry.Open())
                entryStream.CopyTo(content);
            var bytes = content.ToArray();
            // ML.NET writes the byte count (int32) before the bytes.
            if (bytes.Length < 4 || BinaryPrimitives.ReadInt32LittleEndian(bytes) != bytes.Length - 4)
                continue;
            var proto = OnnxModelReader.Parse(bytes[4..]);
            if (proto.MetadataProps.Any(p => p.Key == EncoderDecoderRowGraph.MetadataKey))
                throw new NotSupportedException(
                    "The model holds a Recurrent encoder–decoder: ConvertRecurrentToOnnx writes classifiers, regressions and taggers. " +
                    "Its ML.NET model decodes inside one graph for OnnxTransformer; for ONNX Runtime, train it with `recurrent train` and `--onnx`, which writes an encoder graph and a decoder-step graph.");
            if (OnnxModelReader.IsRecurrent(proto))
                graphs.Add(proto);
        }
        return graphs.Count switch
        {
            1 => graphs[0],
            0 => throw new ArgumentException("The model holds no Recurrent trainer (no graph from mlContext.*.Trainers.Recurrent in it).", nameof(model)),
            _ => throw new ArgumentException($"The model holds {graphs.Count} Recurrent trainers; ONNX export takes a model with one.", nameof(model)),
        };
    }
}

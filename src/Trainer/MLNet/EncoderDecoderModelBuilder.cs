using Microsoft.ML;
using Microsoft.ML.Data;
using Recurrent.Trainer.Models;
using Recurrent.Trainer.Onnx;

namespace Recurrent.Trainer.MLNet;

/// <summary>
/// The fitted ML.NET model of an encoder–decoder, made only of ML.NET's own transformers (as the tagger's,
/// <see cref="TaggerModelBuilder"/>), so Save, Load and PredictionEngine need nothing of this project: OnnxTransformer
/// over the graph that encodes and decodes greedily (<see cref="EncoderDecoderRowGraph"/>), then <c>PredictedLabel</c>,
/// a vector of the target column's key type holding the decoded symbols, as many as the decoder wrote.
/// </summary>
internal static class EncoderDecoderModelBuilder
{
    public static ITransformer Build(MLContext ml, EncoderDecoderModel model, string sourceColumnName, string outputColumnName, IDataView input)
    {
        var onnx = OnnxModelWriter.ToBytes(EncoderDecoderRowGraph.Build(model, sourceColumnName));
        var chain = new FittedChain(input.Schema);
        chain.Fit(ml.Transforms.ApplyOnnxModel([EncoderDecoderRowGraph.DecodedKeys], [sourceColumnName], new MemoryStream(onnx)));
        // Key (a whole number as Single) → symbol → a key over the symbols in target order: the target column's key
        // type, with its values (MapValue straight to keys gives no key type on a vector column).
        var symbols = model.TargetSymbols;
        var names = symbols.Select((name, i) => new KeyValuePair<float, string>(i + 1, name));
        var keyData = ml.Data.LoadFromEnumerable(symbols.Select(name => new Symbol { Value = name }));
        return chain.Fit(ml.Transforms.Conversion.MapValue(PredictedSymbols, names, EncoderDecoderRowGraph.DecodedKeys))
            .Fit(ml.Transforms.Conversion.MapValueToKey(outputColumnName, PredictedSymbols, keyData: keyData))
            .Fit(ml.Transforms.DropColumns(EncoderDecoderRowGraph.DecodedKeys, PredictedSymbols))
            .Build();
    }

    private const string PredictedSymbols = "Recurrent.PredictedSymbols";

    private sealed class Symbol
    {
        public string Value { get; set; } = "";
    }
}

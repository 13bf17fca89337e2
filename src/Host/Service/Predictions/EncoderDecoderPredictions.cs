using Recurrent.Host.Service.Api;
using Recurrent.Host.Service.Store;
using Recurrent.Trainer.Models;

namespace Recurrent.Host.Service.Predictions;

/// <summary>
/// <c>POST /api/runs/{id}/predict</c> for an encoder–decoder run: each record's <c>tokens</c> are a source sequence in
/// the model's source symbols; its prediction is the greedy decoding, in <c>output</c> (the end token left out). The
/// managed engine answers from the run's model file, in batches the model bounds by their length.
/// </summary>
internal static class EncoderDecoderPredictions
{
    public static PredictResponse Predict(RunRecord run, PredictRequest request, DataDirectory data, ArtifactStore artifacts,
        ServiceOptions options, CancellationToken cancellation)
    {
        var records = request.Records ?? throw new BadRequestException("records", "records: required, an array of {\"tokens\": [...]}, each a source sequence.");
        if (records.Count == 0)
            throw new BadRequestException("records", "records: give at least one record.");
        if (records.Count > options.MaxPredictRecords)
            throw new BadRequestException("records", $"records: {records.Count} records are more than the limit of {options.MaxPredictRecords} per request (Recurrent:MaxPredictRecords).");
        var path = data.Model(run.Id);
        if (!artifacts.Ensure(path))
            throw new ConflictException(null, $"Run {run.Id}: its model file is missing.");
        EncoderDecoderModel model;
        try
        {
            model = EncoderDecoderModel.Load(path);
        }
        catch (InvalidDataException e)
        {
            throw new DamagedFileException(data.Relative(path), $"{data.Relative(e.Message)} It is not used; train the run again.");
        }
        var ids = model.SourceSymbols.Select((s, k) => (s, k)).ToDictionary(x => x.s, x => x.k, StringComparer.Ordinal);
        var sources = new int[records.Count][];
        for (var i = 0; i < records.Count; i++)
            sources[i] = Encode(records[i], i, ids, model.SourceSymbols, options.MaxSequenceLength);
        cancellation.ThrowIfCancellationRequested();
        var outputs = model.Decode(sources);
        var views = new PredictionView[records.Count];
        for (var i = 0; i < records.Count; i++)
            views[i] = new PredictionView(i, null, null, null, records[i].Tokens, Output: [.. outputs[i].Select(o => model.TargetSymbols[o])]);
        return new PredictResponse(run.Id, "managed", false, views);
    }

    private static int[] Encode(PredictRecord? record, int i, Dictionary<string, int> ids, IReadOnlyList<string> symbols, int maxLength)
    {
        if (record is null)
            throw new BadRequestException($"records[{i}]", $"records[{i}]: must be an object, not null.");
        if (record.Tokens is not { } tokens || record.Text is not null || record.Steps is not null)
            throw new BadRequestException($"records[{i}]", $"records[{i}]: an encoder–decoder reads \"tokens\", the source sequence (and nothing else).");
        if (tokens.Count == 0)
            throw new BadRequestException($"records[{i}].tokens", $"records[{i}].tokens: empty; the encoder needs at least one symbol to read.");
        if (tokens.Count > maxLength)
            throw new BadRequestException($"records[{i}].tokens",
                $"records[{i}].tokens: {tokens.Count} symbols are more than the service's limit of {maxLength} (Recurrent:MaxSequenceLength).");
        var source = new int[tokens.Count];
        for (var t = 0; t < tokens.Count; t++)
        {
            if (tokens[t] is not { } token || !ids.TryGetValue(token, out source[t]))
                throw new BadRequestException($"records[{i}].tokens[{t}]",
                    $"records[{i}].tokens[{t}]: '{tokens[t]}' is not one of the model's source symbols ({string.Join(", ", symbols)}).");
        }
        return source;
    }
}

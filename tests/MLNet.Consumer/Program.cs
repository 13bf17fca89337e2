// Usage: Recurrent.MLNet.Consumer MODEL.zip RECORDS.jsonl
// Each record is {"tokens": ["a", "b"]} or {"steps": [[0.1, 1], [0.5, 0]]}; prints one JSON object per record with
// what the model gives: "scores" (multi-class), "score" and "probability" (binary) or "value" (regression).
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.ML;
using Microsoft.ML.Data;

var ml = new MLContext();
var model = ml.Model.Load(args[0], out var inputSchema);
var records = File.ReadLines(args[1]).Where(line => line.Trim().Length > 0).Select(line => JsonNode.Parse(line)!).ToArray();
IDataView input = inputSchema.GetColumnOrNull("Tokens") is not null
    ? ml.Data.LoadFromEnumerable(records.Select(r => new TokensRow { Tokens = r["tokens"]!.AsArray().Select(t => (string)t!).ToArray() }))
    : ml.Data.LoadFromEnumerable(records.Select(r => new StepsRow
    {
        Features = r["steps"]!.AsArray().SelectMany(step => step!.AsArray().Select(v => (float)v!)).ToArray(),
    }));
var scored = model.Transform(input);
var output = new List<JsonObject>();
if (scored.Schema["Score"].Type is VectorDataViewType)
    output.AddRange(scored.GetColumn<float[]>("Score").Select(s => new JsonObject { ["scores"] = new JsonArray(s.Select(v => (JsonNode)v).ToArray()) }));
else if (scored.Schema.GetColumnOrNull("Probability") is not null)
    output.AddRange(scored.GetColumn<float>("Score").Zip(scored.GetColumn<float>("Probability"))
        .Select(p => new JsonObject { ["score"] = p.First, ["probability"] = p.Second }));
else
    output.AddRange(scored.GetColumn<float>("Score").Select(v => new JsonObject { ["value"] = v }));
foreach (var line in output)
    Console.WriteLine(line.ToJsonString());

internal sealed class TokensRow
{
    public string[] Tokens { get; set; } = [];
}

internal sealed class StepsRow
{
    public float[] Features { get; set; } = [];
}

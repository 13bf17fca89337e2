using Recurrent.Host.Service.Api;
using Recurrent.Host.Service.Store;
using Recurrent.Host.Service.Workers;

namespace Recurrent.Host.Service.Runs;

/// <summary>
/// An encoder–decoder run's ONNX export is two graphs (the encoder, and one step of the decoder that the caller runs
/// until the end token), served as two files: <c>GET /api/runs/{id}/encoder.onnx</c> and <c>decoder.onnx</c>.
/// Its <c>model.onnx</c> (a single graph) is refused naming them; its <c>model.zip</c> (an ML.NET model, greedy decoding
/// inside one graph) is served as a sequence run's is.
/// </summary>
internal static class EncoderDecoderEndpoints
{
    public static void Map(RouteGroupBuilder reads)
    {
        reads = reads.MapGroup("").WithTags("runs");
        reads.MapGet("/runs/{id}/encoder.onnx", (string id, RunStore runs, DataDirectory data, ArtifactStore artifacts, DatasetStore datasets) =>
                Graph(id, runs, data, artifacts, datasets, encoder: true))
            .WithSummary("An encoder–decoder run's encoder graph: source ids and lengths in, each layer's final state out")
            .Produces<Stream>(StatusCodes.Status200OK, "application/octet-stream")
            .ProducesProblems(StatusCodes.Status404NotFound, StatusCodes.Status409Conflict, StatusCodes.Status500InternalServerError);
        reads.MapGet("/runs/{id}/decoder.onnx", (string id, RunStore runs, DataDirectory data, ArtifactStore artifacts, DatasetStore datasets) =>
                Graph(id, runs, data, artifacts, datasets, encoder: false))
            .WithSummary("An encoder–decoder run's decoder graph: one step, a token and the state in, the logits and the next state out")
            .Produces<Stream>(StatusCodes.Status200OK, "application/octet-stream")
            .ProducesProblems(StatusCodes.Status404NotFound, StatusCodes.Status409Conflict, StatusCodes.Status500InternalServerError);
    }

    /// <summary>Refuses an encoder–decoder run's <c>model.onnx</c>, naming the two graphs it has instead.</summary>
    public static void RefuseSingleGraph(RunRecord run, DatasetStore datasets)
    {
        if (EncoderDecoderRuns.Applies(run, datasets))
            throw new ConflictException(null, $"Run {run.Id} trains an encoder–decoder, which has no single ONNX model: its ONNX export is two graphs, " +
                $"GET /api/runs/{run.Id}/encoder.onnx and /api/runs/{run.Id}/decoder.onnx.");
    }

    private static IResult Graph(string id, RunStore runs, DataDirectory data, ArtifactStore artifacts, DatasetStore datasets,
        bool encoder)
    {
        var run = RunEndpoints.Find(runs, id);
        if (!EncoderDecoderRuns.Applies(run, datasets))
            throw new ConflictException(null, $"Run {run.Id} does not train an encoder–decoder; its ONNX model is GET /api/runs/{run.Id}/model.onnx.");
        var (encoderPath, decoderPath) = EncoderDecoderRunTrainer.OnnxPaths(data, run.Id);
        var path = encoder ? encoderPath : decoderPath;
        if (run.State != RunStates.Succeeded || !artifacts.Ensure(path))
            throw new ConflictException(null, $"Run {run.Id} is {run.State}; its ONNX graphs exist once it has succeeded.");
        return TypedResults.PhysicalFile(path, "application/octet-stream", $"{run.Name}.{(encoder ? "encoder" : "decoder")}.onnx");
    }
}

using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Recurrent.Host.Service.Api;
using Recurrent.Host.Service.Store;
using Recurrent.Trainer.Data;
using Recurrent.Trainer.Data.Files;

namespace Recurrent.Host.Service.Datasets;

/// <summary>GET /api/datasets.</summary>
internal sealed record DatasetList(DatasetRecord[] Datasets);

/// <summary>
/// /api/datasets: uploads are the raw file as the body (<c>curl --data-binary @reviews.csv</c>), named by the
/// <c>name</c> query parameter whose suffix gives the format: .jsonl or .csv (a label per sequence, or per step in
/// JSONL), .conll (token-per-line tagging) or .txt (a text for a character language model, charlm). The file is
/// validated by the dataset readers, streamed a record at a time, before anything is stored.
/// </summary>
internal static class DatasetEndpoints
{
    public static void Map(RouteGroupBuilder reads, RouteGroupBuilder writes)
    {
        reads.MapGet("/datasets", (DatasetStore datasets) => TypedResults.Ok(new DatasetList([.. datasets.List()])))
            .WithTags("datasets")
            .WithSummary("Uploaded datasets");
        writes.MapPost("/datasets", UploadAsync)
            .WithTags("datasets")
            .WithSummary("Upload a JSONL (sequences or pairs), CSV, CoNLL or text dataset (?name=F.jsonl, .csv, .conll, .txt); the body is the raw file")
            .Reads<Stream>("application/octet-stream")
            .ProducesProblems(StatusCodes.Status400BadRequest, StatusCodes.Status413PayloadTooLarge,
                StatusCodes.Status429TooManyRequests, StatusCodes.Status507InsufficientStorage);
    }

    private static async Task<Created<DatasetRecord>> UploadAsync(HttpRequest http, string? name, DatasetStore datasets, DataDirectory data,
        ArtifactStore artifacts, IOptions<ServiceOptions> options, StorageHealth storage, UploadSlots uploads,
        CancellationToken cancellationToken)
    {
        storage.EnsureWritable();
        var limit = options.Value.MaxUploadBytes;
        var format = FormatOf(name);
        if (http.ContentLength > limit)
            throw TooLarge(limit);
        using var slot = await uploads.EnterAsync(cancellationToken);
        var temporary = Path.Combine(data.DatasetsDir, $".upload-{Guid.NewGuid():N}.{format}");
        try
        {
            var size = await CopyBoundedAsync(http.Body, temporary, limit, cancellationToken);
            Utf8Text.Check(temporary, name!, options.Value.Uploads.MaxLineBytes);
            var description = PairUploads.IsPairs(temporary, format)
                ? PairUploads.Describe(temporary, name!, format, size, options.Value.MaxSequenceLength)
                : Validate(temporary, name!, format, size, options.Value.MaxSequenceLength, options.Value.Uploads.MaxLineBytes);
            var record = datasets.Add(description, (connection, id) =>
            {
                File.Move(temporary, data.DatasetFile(id, format));
                artifacts.Publish(connection, data.DatasetFile(id, format));
            });
            return TypedResults.Created((string?)null, record);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    private static string FormatOf(string? name)
    {
        if (string.IsNullOrWhiteSpace(name))
            throw new BadRequestException("name", "name: give the file's name in the query, e.g. POST /api/datasets?name=reviews.csv; its suffix (.jsonl, .csv, .conll or .txt) is the format.");
        if (name.Length > 200 || name.IndexOfAny(['/', '\\', '\0']) >= 0)
            throw new BadRequestException("name", "name: a plain file name of at most 200 characters, without slashes.");
        if (name.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase))
            return "jsonl";
        if (name.EndsWith(".csv", StringComparison.OrdinalIgnoreCase))
            return "csv";
        if (name.EndsWith(".conll", StringComparison.OrdinalIgnoreCase))
            return "conll";
        if (name.EndsWith(".txt", StringComparison.OrdinalIgnoreCase))
            return "txt";
        throw new BadRequestException("name", $"name: '{name}' must end in .jsonl, .csv, .conll or .txt (a text for a character language model), the formats the dataset readers take.");
    }

    // Counted while copying: Content-Length may be absent (chunked) or wrong.
    private static async Task<long> CopyBoundedAsync(Stream body, string path, long limit, CancellationToken cancellationToken)
    {
        await using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None);
        var buffer = new byte[81920];
        long total = 0;
        int read;
        while ((read = await body.ReadAsync(buffer, cancellationToken)) > 0)
        {
            total += read;
            if (total > limit)
                throw TooLarge(limit);
            await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
        }
        file.Flush(flushToDisk: true);
        if (total == 0)
            throw new BadRequestException("body", "body: the upload is empty; send the file's bytes as the request body.");
        return total;
    }

    // Streamed a record at a time (memory O(record), not O(file)), with the decisions and errors loading it would have.
    // A record is bounded like a line (Utf8Text): a CSV record may span lines inside a quoted field and a CoNLL sentence
    // spans lines, so each is bounded whole.
    private static DatasetRecord Validate(string path, string name, string format, long size, int maxLength, long maxRecordBytes)
    {
        DatasetSummary train;
        try
        {
            train = DatasetLoader.Summarize(RunData.SpecOfFile(path, format), new DatasetOptions { MaxRecordBytes = maxRecordBytes });
        }
        catch (RecordTooLongException e)
        {
            throw new PayloadTooLargeException("body",
                $"{name}, line {e.Line}: the {e.Record} starting on this line is longer than the service's limit of {e.Limit} bytes per record " +
                $"(Recurrent:Uploads:MaxLineBytes; {e.Note}); a record is held and parsed whole while it " +
                "is checked: split the data into shorter records or raise the limit.");
        }
        catch (DataFormatException e)
        {
            var where = name + (e.Line is long line ? $", line {line}" : "") + (e.Field is { } f ? $", field '{f}'" : "");
            throw new BadRequestException(e.Field ?? "body", $"{where}: {e.Problem}");
        }
        var longest = train.MaxLength;
        if (longest > maxLength)
            throw new BadRequestException("body",
                $"{name}: a sequence has {longest} steps, more than the service's limit of {maxLength} (Recurrent:MaxSequenceLength).");
        return new DatasetRecord(0, name, format, size, train.Count,
            train.InputKind == InputKind.Tokens ? "tokens" : "numeric", train.FeatureCount,
            train.Labels.IsRegression ? [] : train.Labels.ClassNames, longest, default);
    }

    private static PayloadTooLargeException TooLarge(long limit) =>
        new("body", $"body: the upload is larger than the service's limit of {limit} bytes (Recurrent:MaxUploadBytes).");
}

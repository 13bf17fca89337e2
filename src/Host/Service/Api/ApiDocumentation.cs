using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Recurrent.Host.Service.Gradients;
using Recurrent.Host.Service.Predictions;
using Recurrent.Host.Service.Runs;

namespace Recurrent.Host.Service.Api;

/// <summary>
/// The OpenAPI document at <c>/openapi/v1.json</c>. Most handlers read their body by hand (for exact error messages)
/// and answer through Results.Json, so the generator cannot see their shapes; this table gives each route its
/// request body, its success response type (the type the handler answers with, where it has one), the bearer
/// requirement of the writes and the problem+json of the errors. A route missing here is still listed (the generator finds every endpoint), with no schema.
/// </summary>
internal static class ApiDocumentation
{
    private sealed record Shape(Type? Body, int Status, Type? Response, string ContentType = "application/json", string? Summary = null,
        (string Name, JsonSchemaType Type, string Description)[]? Query = null);

    /// <summary>The query of the two paged routes, which their handlers parse themselves (for errors naming the field).</summary>
    private static readonly (string, JsonSchemaType, string)[] GradientQuery =
    [
        ("since", JsonSchemaType.Integer, "Only steps after this one (exclusive); default 0."),
        ("until", JsonSchemaType.Integer, "Only steps before this one (exclusive); default none."),
        ("order", JsonSchemaType.String, "asc: the oldest steps of the window first; desc: the newest first; absent: the newest `limit`, oldest first."),
        ("limit", JsonSchemaType.Integer, $"Steps in the page, 1 to {Gradients.GradientQuery.MaxLimit}; default GradientHistorySteps (500)."),
        ("every", JsonSchemaType.Integer, "Only steps that are multiples of this (1 to 1000000); default 1."),
    ];

    private static readonly (string, JsonSchemaType, string)[] EventQuery =
    [
        ("since", JsonSchemaType.Integer, "Training events after this step; lifecycle events come only with since=0 (the default)."),
        ("limit", JsonSchemaType.Integer, $"Events of each group in the page, 1 to {RunEventLog.MaxLimit}; default {RunEventLog.MaxLimit}."),
    ];

    private static readonly Dictionary<string, Shape> Shapes = new(StringComparer.Ordinal)
    {
        ["GET healthz"] = new(null, 200, typeof(HealthView), Summary: "Health (503 \"degraded\" with the reason while the data directory takes no writes or a fleet worker cannot reach PostgreSQL) and run counts by state"),
        ["GET api/datasets"] = new(null, 200, typeof(DatasetList), Summary: "Uploaded datasets"),
        ["POST api/datasets"] = new(typeof(byte[]), 201, typeof(Store.DatasetRecord), Summary: "Upload a JSONL or CSV dataset (?name=F.jsonl); the body is the raw file"),
        ["GET api/runs"] = new(null, 200, typeof(RunList), Summary: "Every run"),
        ["POST api/runs"] = new(typeof(RunRequest), 201, typeof(RunSummaryView), Summary: "Queue a run"),
        ["GET api/runs/{id}"] = new(null, 200, typeof(RunDetailView), Summary: "A run with its request, result, epochs and latest gradient"),
        ["GET api/runs/{id}/gradients"] = new(null, 200, typeof(GradientPage), Summary: "A page of the per-step gradient history (cursor: since/until, order, limit ≤ 5000, every)", Query: GradientQuery),
        ["GET api/runs/{id}/events"] = new(null, 200, typeof(RunEventLog), Summary: "Lifecycle events by time, then training events by step", Query: EventQuery),
        ["POST api/runs/{id}/cancel"] = new(null, 200, typeof(RunSummaryView), Summary: "Cancel a queued run (200) or a running one (202)"),
        ["GET api/runs/{id}/model.onnx"] = new(null, 200, typeof(byte[]), "application/octet-stream", "The exported ONNX model of a succeeded run"),
        ["GET api/runs/{id}/model.zip"] = new(null, 200, typeof(byte[]), "application/zip", "The ML.NET model of a succeeded run"),
        ["GET api/workers"] = new(null, 200, typeof(WorkerList), Summary: "The live workers of the fleet (seen within a lease) with capacity and load; alone, this process"),
        ["POST api/sweeps"] = new(typeof(Sweeps.SweepRequest), 201, typeof(SweepDetailView), Summary: "Queue a grid of runs (or a random sample of it) together; needs the PostgreSQL store"),
        ["GET api/sweeps"] = new(null, 200, typeof(SweepList), Summary: "Every sweep"),
        ["GET api/sweeps/{id}"] = new(null, 200, typeof(SweepDetailView), Summary: "A sweep's runs ranked by validation loss, with each one's gradient health"),
        ["POST api/runs/{id}/predict"] = new(typeof(PredictRequest), 200, typeof(PredictResponse), Summary: "Predictions for records"),
    };

    public static IServiceCollection AddApiDocumentation(this IServiceCollection services)
    {
        // The API reads numbers strictly (ApiJson); without this the generator, following the web defaults, would
        // document every number as "integer or string". Writing numbers is the same either way.
        services.ConfigureHttpJsonOptions(j => j.SerializerOptions.NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.Strict);
        return services.AddOpenApi(Configure);
    }

    private static void Configure(OpenApiOptions options)
    {
        options.AddDocumentTransformer((document, _, _) =>
        {
            document.Info = new OpenApiInfo { Title = "Recurrent", Version = "v1", Description = "Training runs, datasets, gradient diagnostics and predictions." };
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
            document.Components.SecuritySchemes["bearer"] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                Description = "The service token (Recurrent:Token, RECURRENT_TOKEN or DATA_DIR/token); needed by every POST.",
            };
            DescribeMetrics(document);
            return Task.CompletedTask;
        });
        options.AddOperationTransformer(DescribeAsync);
        options.AddSchemaTransformer((schema, context, _) =>
        {
            DescribeNonFinite(schema, context.JsonPropertyInfo?.CustomConverter);
            return Task.CompletedTask;
        });
    }

    /// <summary>
    /// The gradient records write NaN and infinities as null through converters of their own, which the generator
    /// cannot see through: such a number, or each number of such an array, is documented as a number or null.
    /// </summary>
    private static void DescribeNonFinite(OpenApiSchema schema, System.Text.Json.Serialization.JsonConverter? converter)
    {
        var number = new OpenApiSchema { Type = JsonSchemaType.Number | JsonSchemaType.Null, Format = "double" };
        if (converter is Diagnostics.NonFiniteAsNullConverter)
        {
            schema.Type = number.Type;
            schema.Format = number.Format;
        }
        else if (converter is Diagnostics.NonFiniteAsNullArrayConverter)
        {
            schema.Type = JsonSchemaType.Array;
            schema.Items = number;
        }
    }

    /// <summary>
    /// /metrics is OpenTelemetry's exporter middleware, not a route handler, so the generator cannot see it.
    /// </summary>
    private static void DescribeMetrics(OpenApiDocument document)
    {
        var text = new OpenApiMediaType { Schema = new OpenApiSchema { Type = JsonSchemaType.String } };
        var operation = new OpenApiOperation
        {
            Summary = "Prometheus text 0.0.4, or OpenMetrics 1.0 when Accept asks for application/openmetrics-text",
            Responses = new OpenApiResponses
            {
                ["200"] = new OpenApiResponse
                {
                    Description = "The metrics of every run the service trains or trained within the retention window",
                    Content = new Dictionary<string, OpenApiMediaType> { ["text/plain"] = text },
                },
            },
        };
        document.Paths ??= new OpenApiPaths();
        document.Paths["/metrics"] = new OpenApiPathItem { Operations = new() { [HttpMethod.Get] = operation } };
    }

    private static async Task DescribeAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancel)
    {
        var method = context.Description.HttpMethod ?? "GET";
        if (!Shapes.TryGetValue($"{method} {context.Description.RelativePath}", out var shape))
            return;
        operation.Summary = shape.Summary;
        operation.Responses ??= [];
        // The generator guessed 200 from the handler's return type; a create answers 201.
        if (shape.Status != 200)
            operation.Responses.Remove("200");
        operation.Responses[shape.Status.ToString(System.Globalization.CultureInfo.InvariantCulture)] = new OpenApiResponse
        {
            Description = "Success",
            Content = new Dictionary<string, OpenApiMediaType>
            {
                [shape.ContentType] = new() { Schema = shape.Response is null ? new OpenApiSchema { Type = JsonSchemaType.String } : await context.GetOrCreateSchemaAsync(shape.Response, null, cancel) },
            },
        };
        if (shape.Query is { } query)
        {
            operation.Parameters ??= [];
            foreach (var (name, type, description) in query)
                operation.Parameters.Add(new OpenApiParameter { Name = name, In = ParameterLocation.Query, Description = description, Schema = new OpenApiSchema { Type = type } });
        }
        if (shape.Body is { } body)
        {
            var raw = body == typeof(byte[]);
            operation.RequestBody = new OpenApiRequestBody
            {
                Required = true,
                Content = new Dictionary<string, OpenApiMediaType>
                {
                    [raw ? "application/octet-stream" : "application/json"] = new() { Schema = await context.GetOrCreateSchemaAsync(body, null, cancel) },
                },
            };
        }
        if (context.Description.RelativePath?.StartsWith("api/", StringComparison.Ordinal) == true)
        {
            var problem = await context.GetOrCreateSchemaAsync(typeof(ProblemView), null, cancel);
            foreach (var status in method == "POST" ? new[] { "400", "401", "404", "409" } : ["400", "404", "409"])
            {
                operation.Responses[status] = new OpenApiResponse
                {
                    Description = "problem+json naming the field at fault",
                    Content = new Dictionary<string, OpenApiMediaType> { ["application/problem+json"] = new() { Schema = problem } },
                };
            }
            if (method == "POST")
                operation.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("bearer", context.Document)] = [] }];
        }
    }
}

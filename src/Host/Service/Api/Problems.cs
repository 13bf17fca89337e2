using Microsoft.AspNetCore.Http.HttpResults;

namespace Recurrent.Host.Service.Api;

/// <summary>The problem+json body of every error (RFC 9457), with the request field at fault when there is one.</summary>
/// <param name="Type">A URI naming the kind of problem (RFC 9110's section for the status).</param>
/// <param name="Title">The status's name.</param>
/// <param name="Status">The HTTP status.</param>
/// <param name="Detail">What is wrong, naming the field and the setting to change.</param>
/// <param name="Field">The request field at fault (absent when the problem is not one field's).</param>
/// <param name="TraceId">The request's trace id, to find it in the service's log.</param>
internal sealed record ProblemView(string Type, string Title, int Status, string Detail,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] string? Field,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] string? TraceId);

/// <summary>problem+json responses (RFC 9457) with the request field at fault in a <c>field</c> member.</summary>
internal static class Problems
{
    public static ProblemHttpResult Of(ApiProblemException e) => Make(e.Status, e.Message, e.Field);

    public static ProblemHttpResult Make(int status, string detail, string? field)
    {
        var extensions = new Dictionary<string, object?>();
        if (field is not null)
            extensions["field"] = field;
        return TypedResults.Problem(detail, statusCode: status, title: Title(status), extensions: extensions);
    }

    private static string Title(int status) => status switch
    {
        400 => "Bad request",
        401 => "Unauthorized",
        404 => "Not found",
        408 => "Request timeout",
        409 => "Conflict",
        413 => "Payload too large",
        415 => "Unsupported media type",
        422 => "Unprocessable content",
        500 => "Internal server error",
        429 => "Too many requests",
        503 => "Service unavailable",
        507 => "Insufficient storage",
        _ => "Error",
    };
}

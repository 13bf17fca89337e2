using Microsoft.AspNetCore.Http.HttpResults;

namespace Recurrent.Host.Service.Api;

/// <summary>The problem+json body of every error (RFC 9457), with the request field at fault.</summary>
internal sealed record ProblemView(string Type, string Title, int Status, string Detail, string? Field);

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
        409 => "Conflict",
        413 => "Payload too large",
        415 => "Unsupported media type",
        422 => "Unprocessable content",
        429 => "Too many requests",
        503 => "Service unavailable",
        507 => "Insufficient storage",
        _ => "Error",
    };
}

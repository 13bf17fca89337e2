namespace Recurrent.Host.Service.Api;

/// <summary>A request the service refuses, with the field at fault; becomes a problem+json response.</summary>
internal sealed class BadRequestException(string? field, string message, int status = StatusCodes.Status400BadRequest)
    : Exception(message)
{
    public string? Field { get; } = field;

    public int Status { get; } = status;
}

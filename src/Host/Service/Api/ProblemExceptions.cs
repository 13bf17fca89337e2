namespace Recurrent.Host.Service.Api;

/// <summary>
/// A request the service refuses, thrown from wherever the fault is found and answered by <see cref="ProblemFilter"/>
/// as problem+json (RFC 9457) with its status and the request field at fault. Each status is a type of its own.
/// </summary>
internal abstract class ApiProblemException(string? field, string message) : Exception(message)
{
    public string? Field { get; } = field;

    public abstract int Status { get; }

    /// <summary>The same refusal, named for another field (a sweep names an option in its own terms).</summary>
    public abstract ApiProblemException At(string? field, string message);
}

/// <summary>400: the request itself is wrong (a field's value, a malformed body, an unknown parameter).</summary>
internal sealed class BadRequestException(string? field, string message) : ApiProblemException(field, message)
{
    public override int Status => StatusCodes.Status400BadRequest;

    public override ApiProblemException At(string? field, string message) => new BadRequestException(field, message);
}

/// <summary>404: no run, sweep or dataset has the id.</summary>
internal sealed class NotFoundException(string? field, string message) : ApiProblemException(field, message)
{
    public override int Status => StatusCodes.Status404NotFound;

    public override ApiProblemException At(string? field, string message) => new NotFoundException(field, message);
}

/// <summary>409: the request is sound but the state forbids it (a taken name, a run not yet succeeded, sweeps without a fleet).</summary>
internal sealed class ConflictException(string? field, string message) : ApiProblemException(field, message)
{
    public override int Status => StatusCodes.Status409Conflict;

    public override ApiProblemException At(string? field, string message) => new ConflictException(field, message);
}

/// <summary>413: the body is larger than the service accepts.</summary>
internal sealed class PayloadTooLargeException(string? field, string message) : ApiProblemException(field, message)
{
    public override int Status => StatusCodes.Status413PayloadTooLarge;

    public override ApiProblemException At(string? field, string message) => new PayloadTooLargeException(field, message);
}

/// <summary>415: the body is not JSON where JSON is read.</summary>
internal sealed class UnsupportedMediaTypeException(string message) : ApiProblemException(null, message)
{
    public override int Status => StatusCodes.Status415UnsupportedMediaType;

    public override ApiProblemException At(string? field, string message) => new UnsupportedMediaTypeException(message);
}

/// <summary>422: the request is sound but what it names cannot be used (a model file ONNX Runtime cannot load).</summary>
internal sealed class UnprocessableException(string message) : ApiProblemException(null, message)
{
    public override int Status => StatusCodes.Status422UnprocessableEntity;

    public override ApiProblemException At(string? field, string message) => new UnprocessableException(message);
}

/// <summary>408: the body arrived too slowly (below the minimum rate), or the request passed its deadline.</summary>
internal sealed class RequestTimeoutException(string message) : ApiProblemException("body", message)
{
    public override int Status => StatusCodes.Status408RequestTimeout;

    public override ApiProblemException At(string? field, string message) => new RequestTimeoutException(message);
}

/// <summary>429: every slot of a bounded kind of request stayed busy for the whole wait.</summary>
internal sealed class TooManyRequestsException(string message) : ApiProblemException(null, message)
{
    public override int Status => StatusCodes.Status429TooManyRequests;

    public override ApiProblemException At(string? field, string message) => new TooManyRequestsException(message);
}

/// <summary>507: the data directory cannot take the write (a full disk); nothing was stored.</summary>
internal sealed class InsufficientStorageException(string message) : ApiProblemException(null, message)
{
    public override int Status => StatusCodes.Status507InsufficientStorage;

    public override ApiProblemException At(string? field, string message) => new InsufficientStorageException(message);
}

namespace Recurrent.Host.Training;

/// <summary>How the user spelled the request's fields, so a refusal names the field as they wrote it.</summary>
public enum FieldSpelling
{
    /// <summary>JSON fields of the service and of sweeps: <c>clip_norm</c>.</summary>
    Json,

    /// <summary>Command-line flags: <c>--clip-norm</c>.</summary>
    CommandLine,
}

/// <summary>
/// A training request the engine cannot take. <see cref="Field"/> is the request field at fault in JSON spelling
/// (<c>clip_norm</c>); the message starts with the field as the user spelled it (<c>--clip-norm: ...</c>).
/// </summary>
public sealed class TrainingRequestException(string field, string message, Exception? inner = null)
    : ArgumentException(message, inner)
{
    /// <summary>The request field at fault, in JSON spelling.</summary>
    public string Field { get; } = field;
}

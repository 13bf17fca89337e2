using Recurrent.Trainer.Data;
using Recurrent.Trainer.Training;

namespace Recurrent.Host.Commands;

/// <summary>Exit codes of every command, and the mapping of failures to them with a message on stderr.</summary>
internal static class ExitCodes
{
    public const int Success = 0;
    public const int Failure = 1;
    public const int BadInput = 2;
    public const int Cancelled = 130;

    /// <summary>Runs a command body, turning the failures a user can cause into a message and an exit code.</summary>
    public static int Guard(Func<int> body)
    {
        try
        {
            return body();
        }
        catch (DataFormatException e)
        {
            return Report(e.Message, BadInput);
        }
        catch (InvalidDataException e)
        {
            return Report(e.Message, BadInput);
        }
        catch (ArgumentException e)
        {
            return Report(e.Message, BadInput);
        }
        catch (Microsoft.ML.OnnxRuntime.OnnxRuntimeException e)
        {
            // A model that loaded but rejects its inputs; load failures arrive as InvalidDataException with the file.
            return Report($"ONNX Runtime: {e.Message}", BadInput);
        }
        catch (NonFiniteGradientException e)
        {
            return Report(e.Message, Failure);
        }
        catch (OperationCanceledException)
        {
            return Report("cancelled", Cancelled);
        }
    }

    private static int Report(string message, int code)
    {
        Console.Error.WriteLine($"recurrent: {message}");
        return code;
    }
}

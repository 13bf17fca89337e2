using System.CommandLine;
using Recurrent.Trainer;

namespace Recurrent.Host.Cli;

/// <summary>`recurrent export`: a saved model as standard ONNX.</summary>
internal static class ExportCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "A model written by train.", Required = true };
        var onnx = new Option<string>("--onnx") { Description = "The ONNX file to write.", Required = true };
        var command = new Command("export", "Export a model as ONNX (RNN/LSTM/GRU operators, opset 17).") { model, onnx };
        command.SetAction(parse => ExitCodes.Guard(() =>
        {
            var path = parse.GetRequiredValue(onnx);
            SequenceClassifier.Load(parse.GetRequiredValue(model)).ExportOnnx(path);
            Console.WriteLine(Path.GetFullPath(path));
            return ExitCodes.Success;
        }));
        return command;
    }
}

using System.CommandLine;
using Recurrent.Trainer.MLNet;
using Recurrent.Trainer.Models;

namespace Recurrent.Host.Commands;

/// <summary>`recurrent export`: a saved model as standard ONNX and/or as an ML.NET model file.</summary>
internal static class ExportCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "A model written by train.", Required = true };
        var onnx = new Option<string?>("--onnx") { Description = "The ONNX file to write." };
        var mlnet = new Option<string?>("--mlnet") { Description = "The ML.NET model file (.zip) to write." };
        var command = new Command("export",
            "Export a model as ONNX (RNN/LSTM/GRU operators, opset 17) and/or as an ML.NET model (OnnxTransformer inside).")
            { model, onnx, mlnet };
        command.SetAction(parse => ExitCodes.Guard(() =>
        {
            var onnxPath = parse.GetValue(onnx);
            var mlnetPath = parse.GetValue(mlnet);
            if (EncoderDecoderFile.IsEncoderDecoder(parse.GetRequiredValue(model)))
                return EncoderDecoderCommands.Export(parse.GetRequiredValue(model), onnxPath, mlnetPath);
            if (onnxPath is null && mlnetPath is null)
                throw new ArgumentException("export needs --onnx FILE, --mlnet FILE.zip or both.");
            var classifier = SequenceModel.Load(parse.GetRequiredValue(model));
            if (onnxPath is not null)
            {
                classifier.ExportOnnx(onnxPath);
                Console.WriteLine(Path.GetFullPath(onnxPath));
            }
            if (mlnetPath is not null)
            {
                MLNetModelExport.Save(classifier, mlnetPath);
                Console.WriteLine(Path.GetFullPath(mlnetPath));
            }
            return ExitCodes.Success;
        }));
        return command;
    }
}

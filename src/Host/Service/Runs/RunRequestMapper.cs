using Recurrent.Host.Service.Api;
using Recurrent.Host.Training;
using Recurrent.Trainer;
using Recurrent.Trainer.Data;

namespace Recurrent.Host.Service.Runs;

/// <summary>
/// A <see cref="RunRequest"/> through the one <see cref="TrainingRequestMapper"/>, its refusals as 400s naming the
/// request field.
/// </summary>
internal static class RunRequestMapper
{
    public static SequenceModelOptions ToTrainerOptions(RunRequest r) =>
        Refusing(() => TrainingRequestMapper.ToTrainerOptions(r, FieldSpelling.Json));

    public static DatasetOptions ToDatasetOptions(RunRequest r) =>
        Refusing(() => TrainingRequestMapper.ToDatasetOptions(r));

    /// <summary>The request field behind a data-layer complaint about an option, or null when it is about the data.</summary>
    public static string? FieldOf(DataFormatException e) => TrainingRequestMapper.FieldOf(e);

    private static T Refusing<T>(Func<T> map)
    {
        try
        {
            return map();
        }
        catch (TrainingRequestException e)
        {
            throw new BadRequestException(e.Field, e.Message);
        }
    }
}

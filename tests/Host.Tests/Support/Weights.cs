using System.Globalization;
using Recurrent.Trainer.Models;

namespace Recurrent.Host.Tests.Support;

/// <summary>Reads a finished run's model from the data directory to compare weights bit for bit.</summary>
internal static class Weights
{
    public static float[][] Of(string dataDir, long runId) =>
        SequenceModel.Load(Path.Combine(dataDir, "runs", runId.ToString(CultureInfo.InvariantCulture), "model.bin"))
            .Parameters.Select(p => p.Value.ToArray()).ToArray();

    private static readonly Lazy<Task<float[][]>> Alone = new(TrainAloneAsync);

    /// <summary>
    /// The weights of a <see cref="TrainingSpecs.Interruptible"/> run trained alone, uninterrupted, by the embedded
    /// service: trained once per test process for every test that checks an interrupted run ends with them (a fleet
    /// worker trains the same bits, which those tests check too).
    /// </summary>
    public static Task<float[][]> InterruptibleAloneAsync() => Alone.Value;

    private static async Task<float[][]> TrainAloneAsync()
    {
        var dataDir = ServiceProcess.NewDataDir();
        await using var service = await ServiceProcess.StartAsync(dataDir);
        var id = (long)(await service.Client.CreateRunAsync(TrainingSpecs.Interruptible("alone")))["id"]!;
        await service.Client.WaitStateAsync(id, "succeeded");
        return Of(dataDir, id);
    }

    public static void AssertIdentical(float[][] expected, float[][] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i].Length, actual[i].Length);
            for (var j = 0; j < expected[i].Length; j++)
            {
                if (BitConverter.SingleToInt32Bits(expected[i][j]) != BitConverter.SingleToInt32Bits(actual[i][j]))
                    Assert.Fail($"parameter {i}, element {j}: {expected[i][j]:R} != {actual[i][j]:R}");
            }
        }
    }
}

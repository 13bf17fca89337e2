using Recurrent.Trainer.Data.Synthetic;

namespace Recurrent.Trainer.Tests.Kernels;

internal static class KernelData
{
    /// <summary>Uniform values in [−1, 1) from a fixed seed.</summary>
    public static float[] Random(int length, ulong seed)
    {
        var rng = new DeterministicRandom(seed);
        return Enumerable.Range(0, length).Select(_ => (float)rng.NextUniform(-1, 1)).ToArray();
    }
}

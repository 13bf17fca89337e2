namespace Recurrent.Trainer.Tests.Reference;

/// <summary>
/// SplitMix64: a tiny generator whose sequence is fixed by its seed on every runtime, unlike System.Random's
/// unseeded algorithm choice, so test fixtures never drift.
/// </summary>
public sealed class ReferenceRandom(ulong seed)
{
    private ulong state = seed;

    public ulong NextBits()
    {
        state += 0x9E3779B97F4A7C15UL;
        ulong z = state;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, 1) from the top 53 bits.</summary>
    public double NextUnit() => (NextBits() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform in [-0.5, 0.5).</summary>
    public double NextCentered() => NextUnit() - 0.5;

    /// <summary>Uniform integer in [low, high).</summary>
    public int NextInt(int low, int high) => low + (int)(NextBits() % (ulong)(high - low));
}

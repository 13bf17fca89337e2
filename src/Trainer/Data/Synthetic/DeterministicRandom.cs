namespace Recurrent.Trainer.Data.Synthetic;

/// <summary>
/// xoshiro256** seeded through SplitMix64. Written out here rather than using <see cref="System.Random"/>,
/// whose algorithm is not promised to stay the same across .NET versions, so a seed names the same data forever.
/// </summary>
internal sealed class DeterministicRandom
{
    private ulong _s0, _s1, _s2, _s3;

    /// <summary>A generator whose whole output is decided by <paramref name="seed"/>.</summary>
    public DeterministicRandom(ulong seed)
    {
        var mix = seed;
        _s0 = SplitMix64(ref mix);
        _s1 = SplitMix64(ref mix);
        _s2 = SplitMix64(ref mix);
        _s3 = SplitMix64(ref mix);
    }

    /// <summary>
    /// A seed for an independent stream: mixes a base seed with a stream number, so streams 0, 1, 2 of one seed
    /// (for example train, validation and test) share no obvious relation.
    /// </summary>
    public static ulong DeriveSeed(ulong seed, ulong stream)
    {
        var mix = seed ^ (0xD1B54A32D192ED03UL * (stream + 1));
        return SplitMix64(ref mix);
    }

    /// <summary>The next 64 random bits.</summary>
    public ulong NextUInt64()
    {
        var result = ulong.RotateLeft(_s1 * 5, 7) * 9;
        var t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = ulong.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>A uniform double in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>A uniform integer in [0, <paramref name="bound"/>), without modulo bias.</summary>
    public int NextInt(int bound)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bound);
        // Rejection keeps every value equally likely; the rejected zone is smaller than bound out of 2^64.
        var limit = ulong.MaxValue - (ulong.MaxValue % (ulong)bound);
        ulong draw;
        do
            draw = NextUInt64();
        while (draw >= limit);
        return (int)(draw % (ulong)bound);
    }

    /// <summary>A uniform double in [<paramref name="low"/>, <paramref name="high"/>).</summary>
    public double NextUniform(double low, double high) => low + (high - low) * NextDouble();

    /// <summary>A uniform integer in [<paramref name="low"/>, <paramref name="high"/>).</summary>
    public int NextInt(int low, int high) => low + NextInt(high - low);

    /// <summary>A standard normal draw (Box–Muller; one of the pair is discarded to keep no hidden state).</summary>
    public double NextGaussian()
    {
        var u1 = 1.0 - NextDouble(); // in (0, 1], so the logarithm is finite
        var u2 = NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    /// <summary>Shuffles in place (Fisher–Yates).</summary>
    public void Shuffle<T>(Span<T> items)
    {
        for (var i = items.Length - 1; i > 0; i--)
        {
            var j = NextInt(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    private static ulong SplitMix64(ref ulong state)
    {
        var z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}

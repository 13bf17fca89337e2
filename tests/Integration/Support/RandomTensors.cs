namespace Recurrent.Integration.Tests.Support;

/// <summary>Seeded uniform random values for weights and inputs.</summary>
internal static class RandomTensors
{
    public static float[] Uniform(Random random, int count, float scale)
    {
        var values = new float[count];
        for (var i = 0; i < values.Length; i++)
            values[i] = (float)((random.NextDouble() * 2 - 1) * scale);
        return values;
    }
}

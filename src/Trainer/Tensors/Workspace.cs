namespace Recurrent.Trainer.Tensors;

/// <summary>
/// Buffers that grow to the largest batch seen and are then reused, so the training loop allocates nothing once
/// it has seen its longest batch.
/// </summary>
internal static class Workspace
{
    /// <summary>Returns <paramref name="buffer"/> when it holds at least <paramref name="length"/> floats, else a larger one.</summary>
    public static float[] Ensure(ref float[] buffer, int length)
    {
        if (buffer.Length < length)
            buffer = new float[Math.Max(length, buffer.Length + buffer.Length / 2)];
        return buffer;
    }

    /// <summary>Transposes a row-major [rows, cols] matrix into [cols, rows].</summary>
    public static void Transpose(ReadOnlySpan<float> source, int rows, int cols, Span<float> destination)
    {
        const int tile = 16;
        for (var r0 = 0; r0 < rows; r0 += tile)
        {
            var r1 = Math.Min(rows, r0 + tile);
            for (var c0 = 0; c0 < cols; c0 += tile)
            {
                var c1 = Math.Min(cols, c0 + tile);
                for (var r = r0; r < r1; r++)
                {
                    for (var c = c0; c < c1; c++)
                        destination[c * rows + r] = source[r * cols + c];
                }
            }
        }
    }
}

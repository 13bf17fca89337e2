using System.Runtime.Intrinsics;

namespace Recurrent.Trainer.Kernels;

/// <summary>
/// An element-wise pass written once for any <see cref="IVectorOps{TV}"/>: it processes columns from j while a
/// whole TV fits and returns where it stopped.
/// </summary>
internal interface IColumnKernel
{
    int Columns<TOps, TV>(int j, int count)
        where TOps : struct, IVectorOps<TV>
        where TV : struct;
}

/// <summary>Runs a column kernel over all columns: 512-bit vectors where the machine has them, then 256, then one at a time.</summary>
internal static class ColumnKernel
{
    public static void Run<TKernel>(scoped ref TKernel kernel, int count)
        where TKernel : IColumnKernel, allows ref struct
    {
        var j = VectorWidth.Use512 ? kernel.Columns<Vector512Ops, Vector512<float>>(0, count) : 0;
        j = kernel.Columns<Vector256Ops, Vector256<float>>(j, count);
        kernel.Columns<ScalarOps, float>(j, count);
    }
}

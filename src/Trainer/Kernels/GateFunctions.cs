using System.Runtime.CompilerServices;

namespace Recurrent.Trainer.Kernels;

/// <summary>
/// The σ and tanh a gate kernel is compiled with: training's <see cref="ExactGates"/> or inference's
/// <see cref="FastGates"/>. A type argument, so each kernel is one specialised copy per choice with the functions inlined.
/// </summary>
internal interface IGateFunctions
{
    static abstract TV Sigmoid<TOps, TV>(TV x)
        where TOps : struct, IVectorOps<TV>
        where TV : struct;

    static abstract TV Tanh<TOps, TV>(TV x)
        where TOps : struct, IVectorOps<TV>
        where TV : struct;
}

/// <summary>Training's functions (<see cref="Activations"/>): the forward pass its gradients are checked through.</summary>
internal readonly struct ExactGates : IGateFunctions
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV Sigmoid<TOps, TV>(TV x)
        where TOps : struct, IVectorOps<TV>
        where TV : struct => Activations.Sigmoid<TOps, TV>(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV Tanh<TOps, TV>(TV x)
        where TOps : struct, IVectorOps<TV>
        where TV : struct => Activations.Tanh<TOps, TV>(x);
}

/// <summary>Inference's functions (<see cref="FastActivations"/>).</summary>
internal readonly struct FastGates : IGateFunctions
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV Sigmoid<TOps, TV>(TV x)
        where TOps : struct, IVectorOps<TV>
        where TV : struct => FastActivations.Sigmoid<TOps, TV>(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV Tanh<TOps, TV>(TV x)
        where TOps : struct, IVectorOps<TV>
        where TV : struct => FastActivations.Tanh<TOps, TV>(x);
}

using System.Runtime.InteropServices;

namespace Recurrent.Host.OnnxRuntime;

/// <summary>
/// Owns one ONNX Runtime object (env, session, value...) and releases it exactly once through the matching
/// <c>Release*</c> function, also when the owner forgets to dispose. Being a <see cref="SafeHandle"/>, it is
/// not released while a call that added a reference is still using it.
/// </summary>
internal sealed unsafe class OrtHandle : SafeHandle
{
    private readonly delegate* unmanaged<nint, void> _release;

    public OrtHandle(nint handle, delegate* unmanaged<nint, void> release)
        : base(nint.Zero, ownsHandle: true)
    {
        _release = release;
        SetHandle(handle);
    }

    public override bool IsInvalid => handle == nint.Zero;

    protected override bool ReleaseHandle()
    {
        _release(handle);
        return true;
    }
}

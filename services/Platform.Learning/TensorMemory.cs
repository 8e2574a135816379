using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace Platform.Learning;

/// <summary>Direct access to the storage of contiguous CPU tensors, so data moves without intermediate arrays.</summary>
internal static class TensorMemory
{
    public static Span<float> Floats(Tensor tensor) => MemoryMarshal.Cast<byte, float>(tensor.bytes);

    public static Span<long> Longs(Tensor tensor) => MemoryMarshal.Cast<byte, long>(tensor.bytes);
}

using System.Globalization;
using Google.Protobuf;
using Platform.TemporalServer.Grpc;

namespace Platform.TemporalServer.Engine;

/// <summary>Opaque task tokens: kind, run (or query) ID, the scheduled event ID and the attempt.</summary>
internal readonly record struct TaskToken(TaskKind Kind, string Id, long Key, int Attempt)
{
    public ByteString ToByteString() => ByteString.CopyFromUtf8(string.Create(CultureInfo.InvariantCulture, $"{(int)Kind}|{Id}|{Key}|{Attempt}"));

    public static TaskToken Parse(ByteString token)
    {
        var parts = token.ToStringUtf8().Split('|');
        if (parts.Length != 4
            || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var kind)
            || !long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var key)
            || !int.TryParse(parts[3], NumberStyles.None, CultureInfo.InvariantCulture, out var attempt)
            || !Enum.IsDefined((TaskKind)kind))
        {
            throw RpcErrors.InvalidArgument("Error deserializing task token.");
        }

        return new TaskToken((TaskKind)kind, parts[1], key, attempt);
    }
}

using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;
using Platform.Domain.MarketData;

namespace Platform.MarketData;

/// <summary>
/// Decompresses kline files and proves they are complete. .NET's GZipStream stops quietly where a truncated file ends
/// (no trailer, no error), and a zip entry is only as good as its CRC; so both are checked here: a gzip file's last
/// member must end in a trailer whose CRC-32 and length (ISIZE) match what was decompressed, and a zip entry's content
/// must match the CRC-32 and length in its directory record.
/// </summary>
internal static class CompressedContent
{
    private const int GzipHeaderLength = 10;
    private const int GzipTrailerLength = 8;

    public static byte[] ReadGzip(byte[] file, string name)
    {
        ArgumentNullException.ThrowIfNull(file);
        if (file.Length < 2 || file[0] != 0x1f || file[1] != 0x8b)
        {
            throw new MarketDataFormatException(name, 0, "not a gzip file (it does not start with the gzip signature 1f 8b); a plain CSV file must be named .csv");
        }

        if (file.Length < GzipHeaderLength + GzipTrailerLength)
        {
            throw new MarketDataFormatException(name, 0, $"truncated gzip file: {file.Length} bytes is shorter than a gzip header and trailer");
        }

        byte[] content;
        using (var gzip = new GZipStream(new MemoryStream(file, writable: false), CompressionMode.Decompress))
        using (var buffer = new MemoryStream())
        {
            gzip.CopyTo(buffer);
            content = buffer.ToArray();
        }

        // The last member's data is the tail of the output, ISIZE bytes long (earlier members' trailers are checked by
        // the decompressor when it moves past them). A truncated file ends in compressed bytes, not in this trailer.
        var trailer = file.AsSpan(file.Length - GzipTrailerLength);
        var expectedCrc = BinaryPrimitives.ReadUInt32LittleEndian(trailer);
        var expectedLength = BinaryPrimitives.ReadUInt32LittleEndian(trailer[4..]);
        if (expectedLength > content.Length || Crc32.HashToUInt32(content.AsSpan(content.Length - (int)expectedLength)) != expectedCrc)
        {
            throw new MarketDataFormatException(name, 0, $"truncated or corrupt gzip file: it ends without a valid trailer (CRC-32 and length of the data; {content.Length:N0} bytes decompressed before the end)");
        }

        return content;
    }

    public static byte[] ReadZipEntry(ZipArchiveEntry entry, string source)
    {
        ArgumentNullException.ThrowIfNull(entry);
        byte[] content;
        using (var stream = entry.Open())
        using (var buffer = new MemoryStream())
        {
            stream.CopyTo(buffer);
            content = buffer.ToArray();
        }

        if (content.Length != entry.Length)
        {
            throw new MarketDataFormatException(source, 0, $"corrupt archive entry: {content.Length:N0} bytes decompressed, the archive says {entry.Length:N0}");
        }

        var crc = Crc32.HashToUInt32(content);
        return crc == entry.Crc32
            ? content
            : throw new MarketDataFormatException(source, 0, $"corrupt archive entry: CRC-32 {crc:x8} of the content differs from {entry.Crc32:x8} recorded in the archive");
    }
}

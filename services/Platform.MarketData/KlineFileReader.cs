using System.IO.Compression;
using System.Security.Cryptography;
using Platform.Domain.MarketData;

namespace Platform.MarketData;

public enum ChecksumStatus
{
    /// <summary>A .CHECKSUM file was present and matched.</summary>
    Verified,

    /// <summary>No .CHECKSUM file next to the archive: the content could not be verified.</summary>
    Missing,

    /// <summary>Plain CSV files carry no checksum.</summary>
    NotApplicable,
}

/// <summary>Reads kline files: .csv, .csv.gz, and data.binance.vision .zip archives with their .CHECKSUM.</summary>
public static class KlineFileReader
{
    public static bool IsKlineFile(string path) =>
        path.EndsWith(".csv", StringComparison.OrdinalIgnoreCase)
        || path.EndsWith(".csv.gz", StringComparison.OrdinalIgnoreCase)
        || path.EndsWith(".zip", StringComparison.OrdinalIgnoreCase);

    public static (IReadOnlyList<ParsedKlines> Parts, ChecksumStatus Checksum) Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var name = Path.GetFileName(path);
        if (!File.Exists(path))
        {
            throw new MarketDataFormatException(name, 0, "file not found");
        }

        try
        {
            if (path.EndsWith(".zip", StringComparison.OrdinalIgnoreCase))
            {
                var checksum = VerifyChecksum(path);
                using var zip = ZipFile.OpenRead(path);
                var parts = new List<ParsedKlines>();
                foreach (var entry in zip.Entries.Where(e => e.FullName.EndsWith(".csv", StringComparison.OrdinalIgnoreCase)).OrderBy(e => e.FullName, StringComparer.Ordinal))
                {
                    var source = $"{name}!{entry.FullName}";
                    using var reader = new StreamReader(new MemoryStream(CompressedContent.ReadZipEntry(entry, source)));
                    parts.Add(BinanceKlineCsvParser.Parse(reader, source));
                }

                if (parts.Count == 0)
                {
                    throw new MarketDataFormatException(name, 0, "the archive contains no .csv file");
                }

                return (parts, checksum);
            }

            if (path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase))
            {
                using var decompressed = new StreamReader(new MemoryStream(CompressedContent.ReadGzip(File.ReadAllBytes(path), name)));
                return ([BinanceKlineCsvParser.Parse(decompressed, name)], ChecksumStatus.NotApplicable);
            }

            using var text = new StreamReader(path);
            return ([BinanceKlineCsvParser.Parse(text, name)], ChecksumStatus.NotApplicable);
        }
        catch (InvalidDataException e)
        {
            throw new MarketDataFormatException(name, 0, $"corrupt archive: {e.Message}");
        }
    }

    /// <summary>Checks a data.binance.vision archive against its "&lt;sha256&gt;  &lt;file&gt;" .CHECKSUM file when there is one.</summary>
    public static ChecksumStatus VerifyChecksum(string zipPath)
    {
        ArgumentNullException.ThrowIfNull(zipPath);
        var checksumPath = zipPath + ".CHECKSUM";
        if (!File.Exists(checksumPath))
        {
            return ChecksumStatus.Missing;
        }

        var expected = File.ReadAllText(checksumPath).Trim().Split([' ', '\t'], 2)[0].ToLowerInvariant();
        if (expected.Length != 64 || !expected.All(Uri.IsHexDigit))
        {
            throw new MarketDataFormatException(Path.GetFileName(checksumPath), 1, "expected a SHA-256 hex digest followed by the file name");
        }

        string actual;
        using (var stream = File.OpenRead(zipPath))
        {
            actual = Convert.ToHexStringLower(SHA256.HashData(stream));
        }

        return actual == expected
            ? ChecksumStatus.Verified
            : throw new MarketDataFormatException(Path.GetFileName(zipPath), 0, $"SHA-256 mismatch: .CHECKSUM says {expected}, the file is {actual}");
    }
}

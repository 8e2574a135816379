using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using Platform.Domain.MarketData;

namespace Platform.MarketData.Tests;

public sealed class LoaderTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("platform-md-").FullName;

    public void Dispose() => Directory.Delete(directory, recursive: true);

    private static string Rows(DateTimeOffset start, int hours, decimal price = 100m) =>
        string.Concat(Enumerable.Range(0, hours).Select(h =>
        {
            var t = start.AddHours(h).ToUnixTimeMilliseconds();
            return $"{t},{price},{price * 1.01m},{price * 0.99m},{price},10,{t + 3_599_999},1000,50,5,500,0\n";
        }));

    private string WriteZip(string name, string csv, bool checksum = true, string? forcedChecksum = null)
    {
        var path = Path.Combine(directory, name);
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Create))
        {
            using var writer = new StreamWriter(zip.CreateEntry(Path.ChangeExtension(name, ".csv")).Open());
            writer.Write(csv);
        }

        if (checksum)
        {
            var digest = forcedChecksum ?? Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));
            File.WriteAllText(path + ".CHECKSUM", $"{digest}  {name}\n");
        }

        return path;
    }

    [Fact]
    public void LoadDirectory_MonthlyZipsWithChecksums_JoinsMonthsAndVerifies()
    {
        var jan = new DateTimeOffset(2023, 1, 31, 22, 0, 0, TimeSpan.Zero);
        WriteZip("BTCUSDT-1h-2023-01.zip", Rows(jan, 2));
        WriteZip("BTCUSDT-1h-2023-02.zip", Rows(jan.AddHours(2), 3));

        var loaded = MarketDataLoader.LoadDirectory(directory, KlineInterval.OneHour);

        Assert.Equal(5, loaded.Data["BTCUSDT"].Count);
        Assert.All(loaded.Files, f => Assert.Equal(ChecksumStatus.Verified, f.Checksum));
        Assert.Empty(loaded.Data.Reports[0].Gaps);
    }

    [Fact]
    public void LoadDirectory_ChecksumMismatch_FailsNamingTheArchive()
    {
        WriteZip("BTCUSDT-1h-2023-01.zip", Rows(DateTimeOffset.UnixEpoch.AddYears(53), 2), forcedChecksum: new string('0', 64));

        var e = Assert.Throws<MarketDataFormatException>(() => MarketDataLoader.LoadDirectory(directory, KlineInterval.OneHour));

        Assert.Contains("BTCUSDT-1h-2023-01.zip", e.Message, StringComparison.Ordinal);
        Assert.Contains("SHA-256 mismatch", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadDirectory_ZipWithoutChecksum_LoadsAndSaysUnverified()
    {
        WriteZip("ETHUSDT-1h-2023-01.zip", Rows(new DateTimeOffset(2023, 1, 1, 0, 0, 0, TimeSpan.Zero), 3), checksum: false);

        var loaded = MarketDataLoader.LoadDirectory(directory, KlineInterval.OneHour);

        Assert.Equal(ChecksumStatus.Missing, Assert.Single(loaded.Files).Checksum);
    }

    [Fact]
    public void LoadDirectory_OverlappingFiles_DuplicatesAcrossFilesAreQuarantined()
    {
        var start = new DateTimeOffset(2023, 1, 1, 0, 0, 0, TimeSpan.Zero);
        File.WriteAllText(Path.Combine(directory, "BTCUSDT-part1.csv"), Rows(start, 3));
        File.WriteAllText(Path.Combine(directory, "BTCUSDT-part2.csv"), Rows(start.AddHours(2), 3));

        var loaded = MarketDataLoader.LoadDirectory(directory, KlineInterval.OneHour);

        Assert.Equal(5, loaded.Data["BTCUSDT"].Count);
        var rejected = Assert.Single(loaded.Data.Reports[0].Rejected);
        Assert.Equal(RejectionReason.DuplicateOpenTime, rejected.Reason);
        Assert.Equal("BTCUSDT-part2.csv", rejected.Source);
    }

    [Fact]
    public void LoadDirectory_GzipCsv_IsRead()
    {
        using (var gz = new GZipStream(File.Create(Path.Combine(directory, "XRPUSDT.csv.gz")), CompressionLevel.Fastest))
        {
            gz.Write(Encoding.UTF8.GetBytes("open_time,open,high,low,close,volume\n" + Rows(new DateTimeOffset(2023, 1, 1, 0, 0, 0, TimeSpan.Zero), 4, 0.5m)));
        }

        Assert.Equal(4, MarketDataLoader.LoadDirectory(directory, KlineInterval.OneHour).Data["XRPUSDT"].Count);
    }

    private static byte[] Gzip(string text)
    {
        using var buffer = new MemoryStream();
        using (var gz = new GZipStream(buffer, CompressionLevel.Optimal, leaveOpen: true))
        {
            gz.Write(Encoding.UTF8.GetBytes(text));
        }

        return buffer.ToArray();
    }

    /// <summary>The bundled BTCUSDT file's header and first 1,000 rows, as `zcat | head -1001` prints them.</summary>
    private static string BundledBtcHead()
    {
        using var reader = new StreamReader(new GZipStream(File.OpenRead(Path.Combine(MarketDataLoader.BundledDirectory, "BTCUSDT.csv.gz")), CompressionMode.Decompress));
        return string.Concat(Enumerable.Range(0, 1001).Select(_ => reader.ReadLine() + "\n"));
    }

    [Fact]
    public void LoadDirectory_TruncatedGzip_FailsSayingTheTrailerIsMissing()
    {
        // The audit's repro: zcat BTCUSDT.csv.gz | head -1001 | gzip | head -c 9000 > BTCUSDT.csv.gz
        File.WriteAllBytes(Path.Combine(directory, "BTCUSDT.csv.gz"), Gzip(BundledBtcHead())[..9000]);

        var e = Assert.Throws<MarketDataFormatException>(() => MarketDataLoader.LoadDirectory(directory, KlineInterval.OneHour));

        Assert.StartsWith("BTCUSDT.csv.gz: truncated or corrupt gzip file", e.Message, StringComparison.Ordinal);
        Assert.Contains("CRC-32", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadDirectory_GzipWithWrongTrailerLength_Fails()
    {
        var file = Gzip(Rows(new DateTimeOffset(2023, 1, 1, 0, 0, 0, TimeSpan.Zero), 3));
        file[^1] ^= 0x01;
        File.WriteAllBytes(Path.Combine(directory, "BTCUSDT.csv.gz"), file);

        var e = Assert.Throws<MarketDataFormatException>(() => MarketDataLoader.LoadDirectory(directory, KlineInterval.OneHour));

        Assert.Contains("BTCUSDT.csv.gz", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadDirectory_CompleteBundledHeadGzip_LoadsEveryRow()
    {
        File.WriteAllBytes(Path.Combine(directory, "BTCUSDT.csv.gz"), Gzip(BundledBtcHead()));

        Assert.Equal(1000, MarketDataLoader.LoadDirectory(directory, KlineInterval.OneHour).Files[0].Rows);
    }

    [Fact]
    public void LoadDirectory_MultiMemberGzip_ReadsEveryMember()
    {
        var start = new DateTimeOffset(2023, 1, 1, 0, 0, 0, TimeSpan.Zero);
        File.WriteAllBytes(Path.Combine(directory, "BTCUSDT.csv.gz"), [.. Gzip(Rows(start, 3)), .. Gzip(Rows(start.AddHours(3), 2))]);

        Assert.Equal(5, MarketDataLoader.LoadDirectory(directory, KlineInterval.OneHour).Data["BTCUSDT"].Count);
    }

    [Fact]
    public void LoadDirectory_PlainCsvNamedGz_SaysNotAGzipFile()
    {
        File.WriteAllText(Path.Combine(directory, "BTCUSDT.csv.gz"), Rows(new DateTimeOffset(2023, 1, 1, 0, 0, 0, TimeSpan.Zero), 3));

        var e = Assert.Throws<MarketDataFormatException>(() => MarketDataLoader.LoadDirectory(directory, KlineInterval.OneHour));

        Assert.StartsWith("BTCUSDT.csv.gz: not a gzip file", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadDirectory_ZipEntryWithCorruptContent_FailsNamingTheEntry()
    {
        // Stored (uncompressed), so one flipped byte changes the content but not the layout: only the CRC can tell.
        var path = Path.Combine(directory, "BTCUSDT-1h-2023-01.zip");
        var csv = Rows(new DateTimeOffset(2023, 1, 1, 0, 0, 0, TimeSpan.Zero), 3);
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Create))
        {
            using var writer = new StreamWriter(zip.CreateEntry("BTCUSDT-1h-2023-01.csv", CompressionLevel.NoCompression).Open());
            writer.Write(csv);
        }

        var bytes = File.ReadAllBytes(path);
        var at = bytes.AsSpan().IndexOf(Encoding.ASCII.GetBytes(csv[..20]));
        bytes[at + 15] = (byte)(bytes[at + 15] == (byte)'1' ? '2' : '1');
        File.WriteAllBytes(path, bytes);

        var e = Assert.Throws<MarketDataFormatException>(() => MarketDataLoader.LoadDirectory(directory, KlineInterval.OneHour));

        Assert.Contains("BTCUSDT-1h-2023-01.zip", e.Message, StringComparison.Ordinal);
        Assert.Contains("CRC", e.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void LoadDirectory_TruncatedZip_FailsAsCorruptArchive()
    {
        var path = WriteZip("BTCUSDT-1h-2023-01.zip", Rows(new DateTimeOffset(2023, 1, 1, 0, 0, 0, TimeSpan.Zero), 50), checksum: false);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);

        var e = Assert.Throws<MarketDataFormatException>(() => MarketDataLoader.LoadDirectory(directory, KlineInterval.OneHour));

        Assert.Contains("corrupt archive", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadDirectory_HeaderOnlyFile_ReportsAFileWithoutRows()
    {
        File.WriteAllText(Path.Combine(directory, "BTCUSDT.csv"), "open_time,open,high,low,close,volume\n");

        var loaded = MarketDataLoader.LoadDirectory(directory, KlineInterval.OneHour);

        Assert.Equal("BTCUSDT.csv", Assert.Single(loaded.EmptyFiles).Name);
        Assert.Equal(0, loaded.Data["BTCUSDT"].Count);
    }

    [Fact]
    public void LoadDirectory_CorruptZip_FailsWithClearMessage()
    {
        File.WriteAllText(Path.Combine(directory, "BTCUSDT-1h-2023-01.zip"), "not a zip");

        var e = Assert.Throws<MarketDataFormatException>(() => MarketDataLoader.LoadDirectory(directory, KlineInterval.OneHour));
        Assert.Contains("corrupt archive", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadDirectory_MissingSymbol_ThrowsNamingIt()
    {
        File.WriteAllText(Path.Combine(directory, "BTCUSDT.csv"), Rows(DateTimeOffset.UnixEpoch.AddYears(53), 1));

        var e = Assert.Throws<FileNotFoundException>(() => MarketDataLoader.LoadDirectory(directory, KlineInterval.OneHour, ["ETHUSDT"]));
        Assert.Contains("ETHUSDT", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadDirectory_BundledData_HasExactlyTheThirteenOutageHours()
    {
        var loaded = MarketDataLoader.LoadDirectory(MarketDataLoader.BundledDirectory, KlineInterval.OneHour);

        Assert.Equal(["BNBUSDT", "BTCUSDT", "ETHUSDT", "LTCUSDT", "XRPUSDT"], loaded.Data.Series.Keys.Order(StringComparer.Ordinal));
        Assert.All(loaded.Data.Reports, r =>
        {
            Assert.Equal(17_507, r.RowsAccepted);
            Assert.Empty(r.Rejected);
            Assert.Equal(13, r.MissingBars);
        });
        var missing = loaded.Data.CommonMissingOpenTimes();
        Assert.Equal(13, missing.Count);
        Assert.Equal(new DateTimeOffset(2021, 2, 11, 4, 0, 0, TimeSpan.Zero), missing[0]);
        Assert.Equal(new DateTimeOffset(2021, 9, 29, 8, 0, 0, TimeSpan.Zero), missing[^1]);
        Assert.False(loaded.Data["LTCUSDT"].HasTradeCount);
        Assert.True(loaded.Data["BTCUSDT"].HasTakerBuyVolume);
    }
}

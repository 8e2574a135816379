using System.IO.Compression;
using System.Text;
using Platform.Domain;
using Platform.MarketData;
using Platform.TemporalServer.Hosting;

namespace Platform.Cli.Tests;

/// <summary>The audit's repros (issue 14 §1 and §5): each bad input is one clear line with the right exit code.</summary>
public sealed class ErrorAndDataQualityTests : IDisposable
{
    private readonly CliTestContext context = new();

    public void Dispose() => context.Dispose();

    private static string Rows(DateTimeOffset start, int hours) =>
        string.Concat(Enumerable.Range(0, hours).Select(h =>
        {
            var t = start.AddHours(h).ToUnixTimeMilliseconds();
            var price = 100 + (h % 7);
            return $"{t},{price},{price + 1},{price - 1},{price},10,{t + 3_599_999},1000,50,5,500,0\n";
        }));

    private string DataDirectory(string name, string file, string content)
    {
        var directory = context.PathOf(name);
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, file), content);
        return directory;
    }

    private static string SingleErrorLine(string stderr)
    {
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.True(lines.Length == 1, $"expected one error line, got: {stderr}");
        Assert.StartsWith("error: ", lines[0], StringComparison.Ordinal);
        Assert.DoesNotContain("System.", lines[0], StringComparison.Ordinal);
        Assert.DoesNotContain("(Parameter", lines[0], StringComparison.Ordinal);
        return lines[0];
    }

    private static Task<(int Exit, string Error)> RunCapturingErrorAsync(Func<int> action)
    {
        var error = Console.Error;
        using var captured = new StringWriter();
        Console.SetError(captured);
        try
        {
            var exit = CliRunner.Run(action);
            return Task.FromResult((exit, captured.ToString()));
        }
        finally
        {
            Console.SetError(error);
        }
    }

    [Fact]
    public async Task DataValidate_TruncatedGzip_FailsNamingTheFile()
    {
        // zcat data/binance-1h/BTCUSDT.csv.gz | head -1001 | gzip | head -c 9000 > D/BTCUSDT.csv.gz
        string head;
        using (var reader = new StreamReader(new GZipStream(File.OpenRead(Path.Combine(MarketDataLoader.BundledDirectory, "BTCUSDT.csv.gz")), CompressionMode.Decompress)))
        {
            head = string.Concat(Enumerable.Range(0, 1001).Select(_ => reader.ReadLine() + "\n"));
        }

        using var gzipped = new MemoryStream();
        using (var gzip = new GZipStream(gzipped, CompressionLevel.Optimal, leaveOpen: true))
        {
            gzip.Write(Encoding.UTF8.GetBytes(head));
        }

        var data = context.PathOf("truncated");
        Directory.CreateDirectory(data);
        File.WriteAllBytes(Path.Combine(data, "BTCUSDT.csv.gz"), gzipped.ToArray()[..9000]);

        var (exit, _, error) = await CliTestContext.RunCapturedAsync("data", "validate", "--data", data);

        Assert.Equal(2, exit);
        Assert.Contains("BTCUSDT.csv.gz: truncated or corrupt gzip file", SingleErrorLine(error), StringComparison.Ordinal);
    }

    [Fact]
    public async Task DataValidate_PlainCsvNamedGz_SaysNotAGzipFile()
    {
        var data = DataDirectory("plain", "BTCUSDT.csv.gz", Rows(new DateTimeOffset(2023, 1, 1, 0, 0, 0, TimeSpan.Zero), 5));

        var (exit, _, error) = await CliTestContext.RunCapturedAsync("data", "validate", "--data", data);

        Assert.Equal(2, exit);
        Assert.Contains("not a gzip file", SingleErrorLine(error), StringComparison.Ordinal);
    }

    [Fact]
    public async Task DataValidate_HeaderOnlyFile_ExitsThree()
    {
        var data = DataDirectory("header-only", "BTCUSDT.csv", "open_time,open,high,low,close,volume\n");

        var (exit, _, error) = await CliTestContext.RunCapturedAsync("data", "validate", "--data", data, "--out", context.PathOf("v"));

        Assert.True(exit == 3, error);
        Assert.Equal(0, context.ReadJson("v", "validation.json").GetProperty("files")[0].GetProperty("rows").GetInt32());
    }

    [Fact]
    public async Task Backtest_EmptyFile_FailsWithOneCleanLine()
    {
        var data = DataDirectory("empty", "BTCUSDT.csv", "");

        var (exit, _, error) = await CliTestContext.RunCapturedAsync("backtest", "--policy", "momentum", "--data", data, "--out", context.PathOf("bt"));

        Assert.Equal(2, exit);
        Assert.Contains("BTCUSDT has no klines", SingleErrorLine(error), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Backtest_QuarantinedRowsAndGaps_ReportedOnStderrInMetricsAndSummary()
    {
        var start = new DateTimeOffset(2023, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var lines = Rows(start, 200).Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();
        lines[50] = lines[50].Replace(",10,", ",NaN,", StringComparison.Ordinal); // quarantined: non-finite volume
        lines.RemoveRange(100, 3); // three missing bars
        var data = DataDirectory("gappy", "BTCUSDT.csv", string.Join('\n', lines) + "\n");
        var output = context.PathOf("bt");

        var (exit, _, error) = await CliTestContext.RunCapturedAsync("backtest", "--policy", "momentum", "--data", data, "--out", output);

        Assert.True(exit == 0, error);
        Assert.Contains("warning: data 2023-01-01 00:00..", error, StringComparison.Ordinal);
        Assert.Contains("BTCUSDT 1 rejected row, 4 missing bars in 2 gaps", error, StringComparison.Ordinal);
        var quality = context.ReadJson("bt", "metrics.json").GetProperty("data_quality");
        Assert.Equal(1, quality.GetProperty("rejected_rows").GetInt32());
        Assert.Equal(4, quality.GetProperty("missing_bars").GetInt32());
        Assert.Contains("1 rejected row(s) and 4 missing bar(s)", File.ReadAllText(Path.Combine(output, "summary.md")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Research_BundledData_ReportsTheRangesDataQuality()
    {
        var output = context.PathOf("research");

        var (exit, _, error) = await CliTestContext.RunCapturedAsync("research", "--from", "2021-02-01", "--to", "2021-03-01", "--out", output);

        Assert.Equal(0, exit);
        Assert.Contains("BTCUSDT 0 rejected rows, 1 missing bar in 1 gap", error, StringComparison.Ordinal); // the 2021-02-11 04:00 outage
        Assert.Equal(1, context.ReadJson("research", "summary.json").GetProperty("data_quality").GetProperty("missing_bars").GetInt32());
        Assert.Equal(1, context.ReadJson("research", "momentum", "metrics.json").GetProperty("data_quality").GetProperty("missing_bars").GetInt32());
    }

    [Theory]
    [InlineData("--fee", "NaN", "--fee: 'NaN' is not a finite number")]
    [InlineData("--max-lots", "two", "--max-lots: 'two' is not a whole number")]
    public async Task Backtest_UnparsableNumber_ExitsTwoWithOneLineAndHint(string option, string value, string expected)
    {
        var (exit, output, error) = await CliTestContext.RunCapturedAsync("backtest", "--policy", "momentum", option, value);

        Assert.Equal(2, exit);
        Assert.Equal($"error: {expected} (see 'platform backtest --help')", SingleErrorLine(error));
        Assert.DoesNotContain("Usage:", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("backtest --policy momentum --bogus", "'--bogus'", "platform backtest")]
    [InlineData("frobnicate", "'frobnicate'", "platform")]
    public async Task Parse_UnknownOptionOrCommand_ExitsTwoWithOneLineAndHint(string args, string named, string command)
    {
        var (exit, output, error) = await CliTestContext.RunCapturedAsync(args.Split(' '));

        Assert.Equal(2, exit);
        var line = SingleErrorLine(error);
        Assert.Contains(named, line, StringComparison.Ordinal);
        Assert.EndsWith($"(see '{command} --help')", line, StringComparison.Ordinal);
        Assert.DoesNotContain("Usage:", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Backtest_UnwritableOut_ExitsTwoWithOneLine()
    {
        var file = context.PathOf("a-file");
        await File.WriteAllTextAsync(file, "not a directory");

        var (exit, _, error) = await CliTestContext.RunCapturedAsync("backtest", "--policy", "momentum", "--out", Path.Combine(file, "report"));

        Assert.Equal(2, exit);
        Assert.StartsWith("error: --out: cannot write to", SingleErrorLine(error), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_NamesPlatformAndTheBundledData()
    {
        var (exit, output, _) = await CliTestContext.RunCapturedAsync("backtest", "--help");

        Assert.Equal(0, exit);
        Assert.Contains("platform backtest [options]", output, StringComparison.Ordinal);
        Assert.Contains("[default: the bundled data", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Platform.Cli", output, StringComparison.Ordinal);
        Assert.DoesNotContain("bin/Release", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_InvalidRequest_ExitsTwoWithTheMessageAlone()
    {
        var (exit, error) = await RunCapturingErrorAsync(() => throw new InvalidRequestException("--size: must be positive"));

        Assert.Equal(2, exit);
        Assert.Equal("error: --size: must be positive", SingleErrorLine(error));
    }

    [Fact]
    public async Task Run_ArgumentNullException_IsAnInternalErrorWithAStackTraceHint()
    {
        var (exit, error) = await RunCapturingErrorAsync(() => throw new ArgumentNullException("frame"));

        Assert.Equal(1, exit);
        Assert.Contains("internal error (ArgumentNullException)", error, StringComparison.Ordinal);
        Assert.Contains("PLATFORM_DEBUG=1", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_PlainArgumentException_IsNotAUserError()
    {
        var (exit, error) = await RunCapturingErrorAsync(() => throw new ArgumentException("rows out of range"));

        Assert.Equal(1, exit);
        Assert.Contains("internal error", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Progress_WithoutTerminal_PrintsPlainLinesAsItAdvances()
    {
        var (output, error) = (Console.Out, Console.Error);
        using var captured = new StringWriter();
        var synchronized = TextWriter.Synchronized(captured);
        Console.SetOut(synchronized);
        try
        {
            CliProgress.Run(
                progress =>
                {
                    var task = progress.AddTask("crunching", maxValue: 10);
                    task.Value = 5;
                    // The plain printer polls: wait (bounded) until the half-way line is out, before finishing.
                    for (var i = 0; i < 200 && !captured.ToString().Contains("crunching: 50%", StringComparison.Ordinal); i++)
                    {
                        Thread.Sleep(50);
                    }

                    task.Value = 10;
                    task.StopTask();
                },
                autoClear: true);
        }
        finally
        {
            Console.SetOut(output);
            Console.SetError(error);
        }

        var lines = captured.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Contains("crunching: 50%", lines);
        Assert.Contains(lines, l => l.StartsWith("crunching: done", StringComparison.Ordinal));
        Assert.True(Array.IndexOf(lines, "crunching: 50%") < Array.FindIndex(lines, l => l.StartsWith("crunching: done", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task TemporalWorkflows_TemporalAddressSet_ConnectsThere()
    {
        var previous = Environment.GetEnvironmentVariable("TEMPORAL_ADDRESS");
        Environment.SetEnvironmentVariable("TEMPORAL_ADDRESS", "127.0.0.1:1");
        try
        {
            var (exit, _, error) = await CliTestContext.RunCapturedAsync("temporal", "workflows");

            Assert.Equal(2, exit);
            Assert.Contains("at 127.0.0.1:1", error, StringComparison.Ordinal);
        }
        finally
        {
            Environment.SetEnvironmentVariable("TEMPORAL_ADDRESS", previous);
        }
    }

    [Fact]
    public async Task TemporalBench_Address_MeasuresThatServer()
    {
        await using var external = await TemporalServerHost.StartAsync(new TemporalServerOptions { Port = 0 });

        var (exit, output, error) = await CliTestContext.RunCapturedAsync("temporal", "bench", "--address", external.TargetHost, "--workflows", "4", "--concurrent", "2", "--activities", "2");

        Assert.True(exit == 0, error);
        Assert.Contains($"\"server\":\"{external.TargetHost}\"", output, StringComparison.Ordinal);
        Assert.Contains("\"workflows\":4", output, StringComparison.Ordinal);
    }
}

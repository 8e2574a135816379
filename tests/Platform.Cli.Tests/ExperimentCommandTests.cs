using System.Globalization;
using System.IO.Compression;

namespace Platform.Cli.Tests;

public sealed class ExperimentCommandTests : IDisposable
{
    private static readonly string[] Symbols = ["BTCUSDT", "ETHUSDT", "BNBUSDT", "XRPUSDT", "LTCUSDT"];
    private readonly CliTestContext context = new();

    public void Dispose() => context.Dispose();

    [Fact]
    public async Task ExperimentPaper_OtherDataDirectory_WritesTableAndReportsForEveryPolicy()
    {
        // Three months of synthetic 2024 hourly klines for the five symbols, as data.binance.vision monthly archives.
        var data = context.PathOf("data");
        WriteSyntheticMonths(data, new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero), months: 3);
        var output = context.PathOf("experiment");

        var (exit, _, errors) = await CliTestContext.RunCapturedAsync(
            "experiment", "paper", "--data", data, "--train", "2024-01-01:2024-02-01", "--validate", "2024-02-01:2024-02-15",
            "--trade", "2024-02-15:2024-03-01", "--fee", "0.001", "--max-epochs", "1", "--out", output);

        Assert.True(exit == 0, $"exit {exit}: {errors}");
        var summary = context.ReadJson("experiment", "summary.json");
        var policies = summary.GetProperty("policies").EnumerateArray().ToList();
        var names = policies.Select(p => p.GetProperty("policy").GetString()).ToList();
        Assert.Equal(["dqn-linear", "dqn-linear-online", "dqn-lstm", "dqn-lstm-online", "buy-and-hold", "always-flat", "random", "momentum"], names);
        foreach (var policy in policies)
        {
            foreach (var field in new[] { "final_profit", "buy_orders", "sell_orders", "return_pct", "sharpe", "max_drawdown_pct", "fees_paid", "online_learning" })
            {
                Assert.True(policy.TryGetProperty(field, out _), $"{names[policies.IndexOf(policy)]} lacks {field}");
            }
        }

        Assert.True(policies[1].GetProperty("online_learning").GetBoolean());
        Assert.False(policies[0].GetProperty("online_learning").GetBoolean());
        foreach (var agent in new[] { "dqn-linear", "dqn-lstm", "dqn-linear-online", "dqn-lstm-online" })
        {
            foreach (var chart in new[] { "price.png", "profit.png", "capital.png" })
            {
                Assert.True(File.Exists(Path.Combine(output, agent, chart)), $"{agent}/{chart} is missing");
            }
        }

        Assert.True(File.Exists(Path.Combine(output, "models", "dqn-linear.dqn")));
        Assert.Contains("| policy | online learning | final profit (USDT) |", File.ReadAllText(Path.Combine(output, "summary.md")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExperimentPaper_TradeRangeInsideTraining_FailsWithOneMessage()
    {
        var exit = await CliTestContext.RunAsync("experiment", "paper", "--train", "2021-01-01:2022-01-01", "--trade", "2021-06-01:2021-07-01", "--out", context.PathOf("x"));

        Assert.Equal(2, exit);
        Assert.False(System.IO.Directory.Exists(context.PathOf("x")));
    }

    [Fact]
    public async Task ExperimentPaper_RangeOutsideTheData_FailsBeforeTraining()
    {
        var exit = await CliTestContext.RunAsync("experiment", "paper", "--train", "2021-01-01:2022-01-01", "--validate", "2022-01-01:2022-12-01", "--trade", "2024-01-01:2024-02-01", "--out", context.PathOf("x"));

        Assert.Equal(2, exit);
        Assert.False(System.IO.Directory.Exists(context.PathOf("x")));
    }

    [Fact]
    public async Task ExperimentPaper_MalformedRange_FailsWithOneMessage()
    {
        var exit = await CliTestContext.RunAsync("experiment", "paper", "--trade", "2022-12-01", "--out", context.PathOf("x"));

        Assert.Equal(2, exit);
    }

    private static void WriteSyntheticMonths(string directory, DateTimeOffset start, int months)
    {
        System.IO.Directory.CreateDirectory(directory);
        for (var s = 0; s < Symbols.Length; s++)
        {
            var random = new Random(s + 1);
            var price = 100m * (s + 1);
            for (var month = 0; month < months; month++)
            {
                var first = start.AddMonths(month);
                var name = $"{Symbols[s]}-1h-{first:yyyy-MM}.zip";
                using var zip = ZipFile.Open(Path.Combine(directory, name), ZipArchiveMode.Create);
                using var writer = new StreamWriter(zip.CreateEntry(Path.ChangeExtension(name, ".csv")).Open());
                for (var t = first; t < first.AddMonths(1); t = t.AddHours(1))
                {
                    var open = price;
                    price = Math.Round(price * (1m + ((decimal)random.NextDouble() - 0.5m) / 50m), 2);
                    var high = Math.Max(open, price) + 0.5m;
                    var low = Math.Min(open, price) - 0.5m;
                    var ms = t.ToUnixTimeMilliseconds();
                    var volume = 10m + random.Next(20);
                    writer.Write(string.Create(CultureInfo.InvariantCulture, $"{ms},{open},{high},{low},{price},{volume},{ms + 3_599_999},{volume * price},{100 + random.Next(50)},{volume / 2},{volume * price / 2},0\n"));
                }
            }
        }
    }
}

using System.CommandLine;
using System.Globalization;
using System.Text;
using Platform.Domain.Features;
using Spectre.Console;

namespace Platform.Cli.Commands;

/// <summary>`platform features ...`: the feature spec and the features it produces.</summary>
internal static class FeatureCommands
{
    public static Option<string?> SpecOption() => new("--spec") { Description = "Feature spec JSON file (default: the built-in paper-hourly spec)" };

    public static FeatureSpec ReadSpec(string? path)
    {
        if (path is null)
        {
            return FeatureSpec.PaperDefault;
        }

        return File.Exists(path) ? FeatureSpec.FromJson(File.ReadAllText(path)) : throw new FileNotFoundException($"--spec: file '{path}' does not exist");
    }

    public static Command Create()
    {
        var features = new Command("features", "Feature specs and feature export");
        features.Subcommands.Add(Show());
        features.Subcommands.Add(Export());
        return features;
    }

    private static Command Show()
    {
        var spec = SpecOption();
        var command = new Command("show", "Print a feature spec as JSON with its content hash and column names") { spec };
        command.SetAction(parse => CliRunner.Run(() =>
        {
            var s = ReadSpec(parse.GetValue(spec));
            Console.WriteLine(s.ToJson());
            AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"content hash: [blue]{s.ContentHash}[/]");
            AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"{s.FeatureCount} features × window {s.WindowLength}: {string.Join(", ", s.FeatureNames)}");
            return 0;
        }));
        return command;
    }

    private static Command Export()
    {
        var spec = SpecOption();
        var data = CommonOptions.Data();
        var interval = CommonOptions.Interval();
        var symbol = CommonOptions.Symbol();
        var from = CommonOptions.From();
        var to = CommonOptions.To();
        var fit = new Option<string?>("--normalize-on") { Description = "Standardise with statistics fitted on this range only, e.g. 2021-01-01:2022-01-01 (default: raw values)" };
        var output = new Option<string>("--out") { Description = "CSV file to write", DefaultValueFactory = _ => "out/features.csv" };
        var command = new Command("export", "Compute features (no look-ahead) and write them as CSV, one row per open time") { spec, data, interval, symbol, from, to, fit, output };
        command.SetAction(parse => CliRunner.Run(() =>
        {
            var path = parse.GetValue(output)!;
            CommonOptions.EnsureWritableDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!, "--out");
            var s = ReadSpec(parse.GetValue(spec));
            var traded = parse.GetValue(symbol)!.ToUpperInvariant();
            var loaded = DataLoading.Load(parse.GetValue(data), CommonOptions.ParseInterval(parse.GetValue(interval)!), [.. s.Symbols.Append(traded).Distinct()]);
            var market = MarketContext.Build(loaded.Data, s, traded);
            var (frame, matrix) = (market.Frame, market.Features);
            if (parse.GetValue(fit) is { } range)
            {
                var (fitFrom, fitTo) = CommonOptions.ParseRange(range, "--normalize-on");
                matrix = NormalizationStats.Fit(matrix, frame.IndexAtOrAfter(fitFrom), frame.IndexAtOrAfter(fitTo)).Apply(matrix);
            }

            var (start, end) = BacktestCommands.Range(frame, CommonOptions.ParseTime(parse.GetValue(from), "--from"), CommonOptions.ParseTime(parse.GetValue(to), "--to"));
            DataLoading.ReportQuality(loaded, s.Symbols.Append(traded), start, end);
            var csv = new StringBuilder("open_time,").AppendJoin(',', s.FeatureNames).Append('\n');
            for (var row = Math.Max(frame.IndexAtOrAfter(start), matrix.FirstCompleteRow); row < frame.IndexAtOrAfter(end); row++)
            {
                csv.Append(CultureInfo.InvariantCulture, $"{frame.OpenTime(row):yyyy-MM-ddTHH:mm:ssZ}");
                foreach (var value in matrix.Row(row))
                {
                    csv.Append(',').Append(value.ToString("R", CultureInfo.InvariantCulture));
                }

                csv.Append('\n');
            }

            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            File.WriteAllText(path, csv.ToString());
            AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"wrote [blue]{path}[/] (spec {s.Name} v{s.Version}, hash {s.ContentHash[..12]})");
            return 0;
        }));
        return command;
    }
}

using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Platform.Mlflow.Protocol;
using Platform.Mlflow.Server.Storage;

namespace Platform.Mlflow.Server.Endpoints;

/// <summary>
/// A minimal read-only web view, since MLflow's UI is not available here: experiments, runs (params, tags, latest
/// metrics, a chart of each metric's history, artifacts), registered models with versions and aliases. Plain HTML with
/// inline SVG; every value is HTML-encoded.
/// </summary>
internal static class UiEndpoints
{
    private const string Style = """
        body{font-family:sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin:1em 0}
        td,th{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}th{background:#f3f3f3}
        .alias{background:#2d6cdf;color:#fff;border-radius:3px;padding:1px 6px;margin-right:4px}svg{border:1px solid #ddd;margin:0 1em 1em 0}
        """;

    public static void Map(IEndpointRouteBuilder app, TrackingStore tracking, RegistryStore registry, ArtifactStore artifacts)
    {
        app.MapGet("/", () => Page("MLflow (local)", Home(tracking, registry)));
        app.MapGet("/ui/experiments/{id}", (string id) => Page("Experiment", Experiment(tracking, id)));
        app.MapGet("/ui/runs/{id}", (string id) => Page("Run", RunPage(tracking, artifacts, id)));
        app.MapGet("/ui/models/{name}", (string name) => Page("Model", Model(registry, name)));
    }

    private static IResult Page(string title, Func<string> body)
    {
        string content;
        var status = StatusCodes.Status200OK;
        try
        {
            content = body();
        }
        catch (MlflowException ex)
        {
            status = (int)ex.StatusCode;
            content = $"<p>{E(ex.Message)}</p>";
        }

        var html = $"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{E(title)}</title><style>{Style}</style></head><body><p><a href=\"/\">Home</a></p>{content}</body></html>";
        return Results.Content(html, "text/html; charset=utf-8", Encoding.UTF8, status);
    }

    private static Func<string> Home(TrackingStore tracking, RegistryStore registry) => () =>
    {
        var html = new StringBuilder("<h1>Experiments</h1><table><tr><th>Id</th><th>Name</th><th>Artifact location</th><th>Created</th></tr>");
        foreach (var e in tracking.SearchExperiments(new SearchExperimentsRequest(MaxResults: 50_000)).Experiments)
        {
            html.Append(CultureInfo.InvariantCulture, $"<tr><td>{E(e.ExperimentId)}</td><td><a href=\"/ui/experiments/{U(e.ExperimentId)}\">{E(e.Name)}</a></td><td>{E(e.ArtifactLocation)}</td><td>{Time(e.CreationTime)}</td></tr>");
        }

        html.Append("</table><h1>Registered models</h1><table><tr><th>Name</th><th>Latest version</th><th>Aliases</th><th>Description</th></tr>");
        foreach (var m in registry.SearchRegisteredModels(null, 1000, [], null).RegisteredModels)
        {
            html.Append(CultureInfo.InvariantCulture, $"<tr><td><a href=\"/ui/models/{U(m.Name)}\">{E(m.Name)}</a></td><td>{E(m.LatestVersions.Count > 0 ? m.LatestVersions[0].Version : "")}</td><td>{Aliases(m.Aliases.Select(a => $"{a.Alias} → v{a.Version}"))}</td><td>{E(m.Description ?? "")}</td></tr>");
        }

        return html.Append("</table>").ToString();
    };

    private static Func<string> Experiment(TrackingStore tracking, string id) => () =>
    {
        var experiment = tracking.GetExperiment(id);
        var runs = tracking.SearchRuns(new SearchRunsRequest([id], MaxResults: MlflowLimits.MaxRunsSearchResults)).Runs;
        var metricKeys = runs.SelectMany(r => r.Data.Metrics.Select(m => m.Key)).Distinct().Order(StringComparer.Ordinal).ToList();
        var paramKeys = runs.SelectMany(r => r.Data.Params.Select(p => p.Key)).Distinct().Order(StringComparer.Ordinal).ToList();
        var html = new StringBuilder($"<h1>Experiment {E(experiment.Name)}</h1><p>Id {E(experiment.ExperimentId)}, {E(experiment.LifecycleStage)}, artifacts at {E(experiment.ArtifactLocation)}</p>");
        html.Append("<table><tr><th>Run</th><th>Status</th><th>Started</th>");
        html.AppendJoin("", paramKeys.Select(k => $"<th>param {E(k)}</th>"));
        html.AppendJoin("", metricKeys.Select(k => $"<th>metric {E(k)}</th>"));
        html.Append("</tr>");
        foreach (var run in runs)
        {
            html.Append(CultureInfo.InvariantCulture, $"<tr><td><a href=\"/ui/runs/{U(run.Info.RunId)}\">{E(run.Info.RunName)}</a></td><td>{run.Info.Status}</td><td>{Time(run.Info.StartTime)}</td>");
            html.AppendJoin("", paramKeys.Select(k => $"<td>{E(run.Data.Params.FirstOrDefault(p => p.Key == k)?.Value ?? "")}</td>"));
            html.AppendJoin("", metricKeys.Select(k => $"<td>{Number(run.Data.Metrics.FirstOrDefault(m => m.Key == k)?.Value)}</td>"));
            html.Append("</tr>");
        }

        return html.Append("</table>").ToString();
    };

    private static Func<string> RunPage(TrackingStore tracking, ArtifactStore artifacts, string id) => () =>
    {
        var run = tracking.GetRun(id);
        var info = run.Info;
        var html = new StringBuilder($"<h1>Run {E(info.RunName)}</h1>");
        html.Append(CultureInfo.InvariantCulture, $"<p>Id {E(info.RunId)} in <a href=\"/ui/experiments/{U(info.ExperimentId)}\">experiment {E(info.ExperimentId)}</a>; {info.Status}; started {Time(info.StartTime)}, ended {Time(info.EndTime)}; artifacts at {E(info.ArtifactUri)}</p>");
        html.Append("<h2>Parameters</h2>").Append(Table(run.Data.Params.Select(p => (p.Key, p.Value))));
        html.Append("<h2>Metrics</h2><table><tr><th>Key</th><th>Latest</th><th>Step</th></tr>");
        foreach (var metric in run.Data.Metrics)
        {
            html.Append(CultureInfo.InvariantCulture, $"<tr><td>{E(metric.Key)}</td><td>{Number(metric.Value)}</td><td>{metric.Step}</td></tr>");
        }

        html.Append("</table>");
        foreach (var metric in run.Data.Metrics)
        {
            html.Append(Chart(metric.Key, tracking.GetMetricHistory(info.RunId, metric.Key, 25_000, null).Metrics));
        }

        html.Append("<h2>Tags</h2>").Append(Table(run.Data.Tags.Select(t => (t.Key, t.Value))));
        html.Append("<h2>Inputs</h2>").Append(Table(run.Inputs.DatasetInputs.Select(d => (d.Dataset.Name, $"{d.Dataset.Digest} {d.Dataset.Source}"))));
        html.Append("<h2>Artifacts</h2><table><tr><th>Path</th><th>Size</th></tr>");
        if (info.ArtifactUri.StartsWith(ArtifactLocation.ProxyScheme + ":", StringComparison.Ordinal))
        {
            AppendArtifacts(html, artifacts, ArtifactLocation.ToProxyPath(info.ArtifactUri), "");
        }

        return html.Append("</table>").ToString();
    };

    private static Func<string> Model(RegistryStore registry, string name) => () =>
    {
        var model = registry.GetRegisteredModel(name);
        var versions = registry.SearchModelVersions(null, MlflowLimits.MaxModelVersionSearchResults, [], null).ModelVersions.Where(v => v.Name == name);
        var html = new StringBuilder($"<h1>Model {E(model.Name)}</h1><p>{E(model.Description ?? "")}</p><p>{Aliases(model.Aliases.Select(a => $"{a.Alias} → v{a.Version}"))}</p>");
        html.Append("<h2>Tags</h2>").Append(Table(model.Tags.Select(t => (t.Key, t.Value))));
        html.Append("<h2>Versions</h2><table><tr><th>Version</th><th>Aliases</th><th>Created</th><th>Run</th><th>Source</th><th>Tags</th></tr>");
        foreach (var v in versions)
        {
            var run = v.RunId is null ? "" : $"<a href=\"/ui/runs/{U(v.RunId)}\">{E(v.RunId)}</a>";
            html.Append(CultureInfo.InvariantCulture, $"<tr><td>{E(v.Version)}</td><td>{Aliases(v.Aliases)}</td><td>{Time(v.CreationTimestamp)}</td><td>{run}</td><td>{E(v.Source)}</td><td>{E(string.Join(", ", v.Tags.Select(t => $"{t.Key}={t.Value}")))}</td></tr>");
        }

        return html.Append("</table>").ToString();
    };

    /// <summary>Rows for every file below a run's artifact root, each linking to the proxy download.</summary>
    private static void AppendArtifacts(StringBuilder html, ArtifactStore artifacts, string root, string relative)
    {
        foreach (var entry in artifacts.List(relative.Length == 0 ? root : root + "/" + relative))
        {
            var path = relative.Length == 0 ? entry.Path : relative + "/" + entry.Path;
            if (entry.IsDir)
            {
                AppendArtifacts(html, artifacts, root, path);
                continue;
            }

            var href = "/api/2.0/mlflow-artifacts/artifacts/" + ArtifactLocation.EscapePath(root + "/" + path);
            html.Append(CultureInfo.InvariantCulture, $"<tr><td><a href=\"{E(href)}\">{E(path)}</a></td><td>{entry.FileSize}</td></tr>");
        }
    }

    /// <summary>An SVG line chart of a metric's history against its step.</summary>
    private static string Chart(string key, IReadOnlyList<Metric> history)
    {
        const int width = 480, height = 200, pad = 30;
        var points = history.Where(m => double.IsFinite(m.Value)).OrderBy(m => m.Step).ThenBy(m => m.Timestamp).ToList();
        if (points.Count == 0)
        {
            return "";
        }

        double minX = points.Min(p => p.Step), maxX = points.Max(p => p.Step), minY = points.Min(p => p.Value), maxY = points.Max(p => p.Value);
        var spanX = maxX > minX ? maxX - minX : 1;
        var spanY = maxY > minY ? maxY - minY : 1;
        var coordinates = points.Select(p => string.Create(
            CultureInfo.InvariantCulture,
            $"{pad + ((p.Step - minX) / spanX * (width - (2 * pad))):0.#},{height - pad - ((p.Value - minY) / spanY * (height - (2 * pad))):0.#}"));
        return $"<svg role=\"img\" aria-label=\"{E(key)}\" width=\"{width}\" height=\"{height}\" xmlns=\"http://www.w3.org/2000/svg\">" +
            $"<text x=\"{pad}\" y=\"16\" font-size=\"12\">{E(key)} (steps {minX.ToString(CultureInfo.InvariantCulture)}–{maxX.ToString(CultureInfo.InvariantCulture)}, {Number(minY)} … {Number(maxY)})</text>" +
            $"<polyline fill=\"none\" stroke=\"#2d6cdf\" stroke-width=\"1.5\" points=\"{string.Join(' ', coordinates)}\"/></svg>";
    }

    private static string Table(IEnumerable<(string Key, string Value)> rows)
    {
        var html = new StringBuilder("<table><tr><th>Key</th><th>Value</th></tr>");
        foreach (var (key, value) in rows)
        {
            html.Append(CultureInfo.InvariantCulture, $"<tr><td>{E(key)}</td><td>{E(value)}</td></tr>");
        }

        return html.Append("</table>").ToString();
    }

    private static string Aliases(IEnumerable<string> aliases) => string.Concat(aliases.Select(a => $"<span class=\"alias\">{E(a)}</span>"));

    private static string Time(long? milliseconds) =>
        milliseconds is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + " UTC" : "";

    private static string Number(double? value) => value?.ToString("G6", CultureInfo.InvariantCulture) ?? "";

    private static string E(string value) => WebUtility.HtmlEncode(value);

    private static string U(string value) => Uri.EscapeDataString(value);
}

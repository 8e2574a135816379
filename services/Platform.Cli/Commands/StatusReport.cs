using System.Globalization;
using Platform.Activities;
using Platform.Mlflow;
using Spectre.Console;
using Temporalio.Client;

namespace Platform.Cli.Commands;

/// <summary>What `platform status` and `platform demo` print: versions with aliases, recent workflows, the audit tail.</summary>
internal static class StatusReport
{
    public static async Task PrintAsync(MlflowClient mlflow, TemporalClient? temporal, string model, PlatformDataOptions data, CancellationToken cancellationToken)
    {
        var versions = (await mlflow.SearchModelVersionsAsync($"name='{model}'", cancellationToken: cancellationToken)).ModelVersions;
        var table = new Table().Title($"model {model}").AddColumns("version", "aliases", "kind", "validation", "gate", "approved by", "run");
        foreach (var v in versions.OrderBy(v => int.TryParse(v.Version, CultureInfo.InvariantCulture, out var n) ? n : int.MaxValue))
        {
            string Tag(string key) => v.Tags.FirstOrDefault(t => t.Key == key)?.Value ?? "";
            table.AddRow(
                v.Version,
                string.Join(", ", v.Aliases),
                Tag("platform.network_kind"),
                $"{Tag("platform.validation_metric")} {Tag("platform.validation_score")}",
                Tag("platform.gate.passed"),
                Tag("platform.approved_by"),
                v.RunId ?? "");
        }

        AnsiConsole.Write(table);
        if (temporal is not null)
        {
            var workflows = new Table().Title("recent workflows").AddColumns("id", "type", "status", "started");
            var recent = await TemporalCalls.RetryAsync("list recent workflows", async () =>
            {
                var list = new List<WorkflowExecution>();
                await foreach (var w in temporal.ListWorkflowsAsync("", new WorkflowListOptions { Limit = 10 }).WithCancellation(cancellationToken))
                {
                    list.Add(w);
                }

                return list;
            }, cancellationToken);
            foreach (var w in recent)
            {
                workflows.AddRow(w.Id, w.WorkflowType, w.Status.ToString(), w.StartTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture));
            }

            if (recent.Count > 0)
            {
                AnsiConsole.Write(workflows);
            }
        }

        using var auditLog = new JsonLinesAuditLog(data.AuditLogPath);
        var audit = await auditLog.ReadAsync(cancellationToken);
        var auditTable = new Table().Title("audit log (latest 10)").AddColumns("time", "action", "version", "by", "reason");
        foreach (var e in audit.Where(e => e.ModelName == model).TakeLast(10))
        {
            auditTable.AddRow(e.Time.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture), e.Action, e.Version ?? "", e.Actor ?? "", Markup.Escape(e.Reason ?? ""));
        }

        AnsiConsole.Write(auditTable);
    }
}

using Temporalio.Api.Enums.V1;

namespace Platform.TemporalServer.Engine;

internal enum DueKind
{
    UserTimer,
    ActivityTimeout,
    ActivityRetry,
    WorkflowTaskTimeout,
    WorkflowRunTimeout,
    WorkflowStartBackoff,
    ScheduleFire,
    StickyTimeout,
    RetentionSweep,
}

/// <summary>Something the server must do at a point in time; stale items are detected and dropped when they fire.</summary>
internal sealed record DueItem(DueKind Kind, string Id, long Key = 0, int Attempt = 0, string Text = "", TimeoutType TimeoutType = TimeoutType.Unspecified);

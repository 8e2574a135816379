using System.Diagnostics;
using System.Text;
using Confluent.Kafka;

namespace Platform.Kafka;

/// <summary>
/// W3C trace context in Kafka headers (<c>traceparent</c>, and <c>tracestate</c> when set), so a trace joins across the
/// platform's services and with consumers in other languages that follow the same convention.
/// </summary>
public static class KafkaTraceHeaders
{
    public const string TraceParent = "traceparent";
    public const string TraceState = "tracestate";

    /// <summary>The headers carrying <paramref name="activity"/>'s context; null when there is none to carry.</summary>
    public static Headers? For(Activity? activity)
    {
        if (activity is null || activity.IdFormat != ActivityIdFormat.W3C)
        {
            return null;
        }

        var headers = new Headers { { TraceParent, Encoding.ASCII.GetBytes(activity.Id!) } };
        if (!string.IsNullOrEmpty(activity.TraceStateString))
        {
            headers.Add(TraceState, Encoding.ASCII.GetBytes(activity.TraceStateString));
        }

        return headers;
    }

    /// <summary>The <c>traceparent</c> of a consumed record, or null.</summary>
    public static string? Read(Headers? headers) =>
        headers is not null && headers.TryGetLastBytes(TraceParent, out var bytes) ? Encoding.ASCII.GetString(bytes) : null;

    /// <summary>The context a consumer's span continues (default when the record carried none or a malformed one).</summary>
    public static ActivityContext Parent(string? traceParent) =>
        traceParent is not null && ActivityContext.TryParse(traceParent, null, out var context) ? context : default;
}

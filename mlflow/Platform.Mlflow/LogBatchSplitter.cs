using System.Text.Json;
using Platform.Mlflow.Protocol;

namespace Platform.Mlflow;

/// <summary>
/// Splits metrics, params and tags into log-batch requests that each respect MLflow's limits: 1000 metrics, 100 params,
/// 100 tags, 1000 entities and 1 MB of JSON. Order within each entity type is kept (MLflow only guarantees order within
/// a type); params and tags go first so a run's configuration lands before its metrics.
/// </summary>
public static class LogBatchSplitter
{
    // Room for {"run_id":"...","metrics":[],"params":[],"tags":[]} around the items.
    private const int EnvelopeBytes = 64;

    /// <summary>Validates every item (throwing before anything is sent) and returns the requests to send, in order.</summary>
    public static IReadOnlyList<LogBatchRequest> Split(string runId, IEnumerable<Metric>? metrics, IEnumerable<Param>? parameters, IEnumerable<Tag>? tags, int maxRequestBytes = MlflowLimits.MaxBatchRequestBytes)
    {
        MlflowValidation.RequireNonEmpty("run_id", runId);
        var metricList = metrics?.ToList() ?? [];
        var paramList = parameters?.ToList() ?? [];
        var tagList = tags?.ToList() ?? [];
        foreach (var metric in metricList)
        {
            MlflowValidation.ValidateMetric(metric.Key, metric.Value, metric.Timestamp);
        }

        foreach (var param in paramList)
        {
            MlflowValidation.ValidateParam(param.Key, param.Value);
        }

        foreach (var tag in tagList)
        {
            MlflowValidation.ValidateRunTag(tag.Key, tag.Value, MlflowLimits.MaxPortableTagValueLength);
        }

        var batches = new List<LogBatchRequest>();
        var current = new Chunk();
        var budget = maxRequestBytes - EnvelopeBytes - System.Text.Encoding.UTF8.GetByteCount(runId);

        void Add<T>(T item, int itemBytes, Func<Chunk, List<T>> list, int maxOfType)
        {
            if (!current.Fits(list(current).Count, maxOfType, itemBytes, budget))
            {
                batches.Add(current.ToRequest(runId));
                current = new Chunk();
            }

            list(current).Add(item);
            current.Count++;
            current.Bytes += itemBytes + 1;
        }

        foreach (var param in paramList)
        {
            Add(param, JsonSerializer.SerializeToUtf8Bytes(param, MlflowJsonContext.Default.Param).Length, c => c.Params, MlflowLimits.MaxParamsPerBatch);
        }

        foreach (var tag in tagList)
        {
            Add(tag, JsonSerializer.SerializeToUtf8Bytes(tag, MlflowJsonContext.Default.Tag).Length, c => c.Tags, MlflowLimits.MaxTagsPerBatch);
        }

        foreach (var metric in metricList)
        {
            Add(metric, JsonSerializer.SerializeToUtf8Bytes(metric, MlflowJsonContext.Default.Metric).Length, c => c.Metrics, MlflowLimits.MaxMetricsPerBatch);
        }

        if (current.Count > 0)
        {
            batches.Add(current.ToRequest(runId));
        }

        return batches;
    }

    private sealed class Chunk
    {
        public List<Metric> Metrics { get; } = [];

        public List<Param> Params { get; } = [];

        public List<Tag> Tags { get; } = [];

        public int Count { get; set; }

        public int Bytes { get; set; }

        public bool Fits(int countOfType, int maxOfType, int itemBytes, int budget) =>
            Count == 0 || (countOfType < maxOfType && Count < MlflowLimits.MaxEntitiesPerBatch && Bytes + itemBytes + 1 <= budget);

        public LogBatchRequest ToRequest(string runId) => new(runId, Metrics, Params, Tags);
    }
}

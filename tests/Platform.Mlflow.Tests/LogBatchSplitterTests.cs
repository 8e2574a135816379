using System.Text.Json;
using Platform.Mlflow.Protocol;

namespace Platform.Mlflow.Tests;

public sealed class LogBatchSplitterTests
{
    [Fact]
    public void Split_NothingToLog_ReturnsNoRequests()
    {
        Assert.Empty(LogBatchSplitter.Split("r", null, null, null));
    }

    [Fact]
    public void Split_ExactlyAtTheLimits_FitsOneRequestEach()
    {
        var metrics = Enumerable.Range(0, 1000).Select(i => new Metric("m", i, 1, i));
        Assert.Single(LogBatchSplitter.Split("r", metrics, null, null));

        var parameters = Enumerable.Range(0, 100).Select(i => new Param($"p{i}", "v"));
        var tags = Enumerable.Range(0, 100).Select(i => new Tag($"t{i}", "v"));
        Assert.Single(LogBatchSplitter.Split("r", null, parameters, tags));
    }

    [Fact]
    public void Split_AnyMix_RespectsEveryLimitAndKeepsOrderWithinEachType()
    {
        var metrics = Enumerable.Range(0, 3333).Select(i => new Metric($"m{i % 7}", i, 1000 + i, i)).ToList();
        var parameters = Enumerable.Range(0, 321).Select(i => new Param($"p{i}", new string('x', i * 17 % 6000))).ToList();
        var tags = Enumerable.Range(0, 205).Select(i => new Tag($"t{i}", new string('y', i * 31 % 5000))).ToList();

        var requests = LogBatchSplitter.Split("0123456789abcdef0123456789abcdef", metrics, parameters, tags);

        Assert.All(requests, request =>
        {
            Assert.InRange(request.Metrics!.Count, 0, MlflowLimits.MaxMetricsPerBatch);
            Assert.InRange(request.Params!.Count, 0, MlflowLimits.MaxParamsPerBatch);
            Assert.InRange(request.Tags!.Count, 0, MlflowLimits.MaxTagsPerBatch);
            Assert.InRange(request.Metrics.Count + request.Params.Count + request.Tags.Count, 1, MlflowLimits.MaxEntitiesPerBatch);
            Assert.InRange(JsonSerializer.SerializeToUtf8Bytes(request, MlflowJsonContext.Default.LogBatchRequest).Length, 1, MlflowLimits.MaxBatchRequestBytes);
        });
        Assert.Equal(metrics, requests.SelectMany(r => r.Metrics!));
        Assert.Equal(parameters, requests.SelectMany(r => r.Params!));
        Assert.Equal(tags, requests.SelectMany(r => r.Tags!));
    }

    [Fact]
    public void Split_SmallByteBudget_SplitsBySize()
    {
        var parameters = Enumerable.Range(0, 10).Select(i => new Param($"p{i}", new string('x', 100))).ToList();

        var requests = LogBatchSplitter.Split("r", null, parameters, null, maxRequestBytes: 500);

        Assert.True(requests.Count >= 3);
        Assert.All(requests, r => Assert.True(JsonSerializer.SerializeToUtf8Bytes(r, MlflowJsonContext.Default.LogBatchRequest).Length <= 500));
    }

    [Theory]
    [InlineData("ok", 6001, "param")]
    [InlineData("bad?", 1, "param")]
    [InlineData("ok", 5001, "tag")]
    [InlineData("x/./y", 1, "tag")]
    public void Split_InvalidEntity_Throws(string key, int valueLength, string kind)
    {
        var value = new string('v', valueLength);
        Assert.Throws<MlflowInvalidParameterException>(() => kind == "param"
            ? LogBatchSplitter.Split("r", null, [new Param(key, value)], null)
            : LogBatchSplitter.Split("r", null, null, [new Tag(key, value)]));
    }

    [Fact]
    public void Split_NegativeTimestamp_Throws()
    {
        Assert.Throws<MlflowInvalidParameterException>(() => LogBatchSplitter.Split("r", [new Metric("m", 1, -1, 0)], null, null));
    }
}

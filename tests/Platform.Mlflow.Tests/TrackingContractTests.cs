using Platform.Mlflow.Protocol;

namespace Platform.Mlflow.Tests;

/// <summary>
/// Contract suite, tracking part: experiments, runs, metrics, params, tags, batching, inputs, search. Runs against the
/// local server by default and against a real MLflow server when MLFLOW_TRACKING_URI is set; it relies only on the REST API.
/// </summary>
[Collection(MlflowServerGroup.Name)]
public sealed class TrackingContractTests(MlflowFixture fixture)
{
    private readonly MlflowClient _client = fixture.Client;

    [Fact]
    public async Task CreateExperiment_ThenGetByIdAndName_ReturnsTheSameActiveExperiment()
    {
        var name = MlflowFixture.UniqueName("exp");
        var id = await _client.CreateExperimentAsync(name, tags: [new Tag("team", "rl")]);

        var byId = await _client.GetExperimentAsync(id);
        var byName = await _client.GetExperimentByNameAsync(name);

        Assert.Equal(name, byId.Name);
        Assert.Equal("active", byId.LifecycleStage);
        Assert.False(string.IsNullOrEmpty(byId.ArtifactLocation));
        Assert.Contains(new Tag("team", "rl"), byId.Tags);
        Assert.Equal(id, byName!.ExperimentId);
    }

    [Fact]
    public async Task CreateExperiment_DuplicateName_ThrowsAlreadyExists()
    {
        var name = MlflowFixture.UniqueName("dup");
        await _client.CreateExperimentAsync(name);

        var error = await Assert.ThrowsAsync<MlflowResourceAlreadyExistsException>(() => _client.CreateExperimentAsync(name));
        Assert.Equal(MlflowErrorCodes.ResourceAlreadyExists, error.ErrorCode);
        Assert.Equal(400, (int)error.StatusCode);
    }

    [Fact]
    public async Task GetExperiment_UnknownIdOrName_ReportsMissing()
    {
        Assert.Null(await _client.GetExperimentByNameAsync(MlflowFixture.UniqueName("missing")));
        var error = await Assert.ThrowsAsync<MlflowResourceNotFoundException>(() => _client.GetExperimentAsync("987654321"));
        Assert.Equal(404, (int)error.StatusCode);
    }

    [Fact]
    public async Task GetOrCreateExperiment_ConcurrentCallers_AllGetTheSameExperiment()
    {
        var name = MlflowFixture.UniqueName("race");

        var results = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(() => _client.GetOrCreateExperimentAsync(name))));

        Assert.Single(results.Select(e => e.ExperimentId).Distinct());
        Assert.All(results, e => Assert.Equal(name, e.Name));
    }

    [Fact]
    public async Task GetOrCreateExperiment_DeletedExperiment_ThrowsInvalidStateUntilRestored()
    {
        var name = MlflowFixture.UniqueName("deleted");
        var id = await _client.CreateExperimentAsync(name);
        await _client.DeleteExperimentAsync(id);

        var error = await Assert.ThrowsAsync<MlflowException>(() => _client.GetOrCreateExperimentAsync(name));
        Assert.Equal(MlflowErrorCodes.InvalidState, error.ErrorCode);

        await _client.RestoreExperimentAsync(id);
        Assert.Equal(id, (await _client.GetOrCreateExperimentAsync(name)).ExperimentId);
    }

    [Fact]
    public async Task SetExperimentTag_SameKeyTwice_KeepsTheLastValue()
    {
        var id = await _client.CreateExperimentAsync(MlflowFixture.UniqueName("tags"));

        await _client.SetExperimentTagAsync(id, "stage", "draft");
        await _client.SetExperimentTagAsync(id, "stage", "final");

        var experiment = await _client.GetExperimentAsync(id);
        Assert.Equal("final", Assert.Single(experiment.Tags, t => t.Key == "stage").Value);
    }

    [Fact]
    public async Task SearchExperiments_ByName_FindsOnlyThatExperiment()
    {
        var name = MlflowFixture.UniqueName("search-exp");
        var id = await _client.CreateExperimentAsync(name);

        var page = await _client.SearchExperimentsAsync($"name = '{name}'");

        Assert.Equal(id, Assert.Single(page.Experiments).ExperimentId);
    }

    [Fact]
    public async Task CreateRun_WithName_IsRunningWithNameTagAndArtifactUri()
    {
        var experiment = await NewExperimentAsync();

        var run = await _client.CreateRunAsync(experiment, "dqn-seed1", [new Tag("mlflow.user", "trainer")]);

        Assert.Equal(RunStatus.Running, run.Info.Status);
        Assert.Equal("dqn-seed1", run.Info.RunName);
        Assert.Equal(experiment, run.Info.ExperimentId);
        Assert.Equal("active", run.Info.LifecycleStage);
        Assert.Contains(new Tag("mlflow.runName", "dqn-seed1"), run.Data.Tags);
        Assert.Contains(run.Info.RunId, run.Info.ArtifactUri, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UpdateRun_Finished_SetsStatusAndEndTime()
    {
        var run = await NewRunAsync();
        var end = DateTimeOffset.FromUnixTimeMilliseconds(run.Info.StartTime!.Value + 5000);

        var info = await _client.UpdateRunAsync(run.Info.RunId, RunStatus.Finished, end, "renamed");

        Assert.Equal(RunStatus.Finished, info.Status);
        Assert.Equal(end.ToUnixTimeMilliseconds(), info.EndTime);
        Assert.Equal("renamed", (await _client.GetRunAsync(run.Info.RunId)).Info.RunName);
    }

    [Fact]
    public async Task GetRun_UnknownId_ThrowsNotFound()
    {
        var error = await Assert.ThrowsAsync<MlflowResourceNotFoundException>(() => _client.GetRunAsync("0123456789abcdef0123456789abcdef"));
        Assert.Equal(MlflowErrorCodes.ResourceDoesNotExist, error.ErrorCode);
    }

    [Fact]
    public async Task LogMetric_SeveralSteps_RunShowsLatestAndHistoryKeepsEveryPoint()
    {
        var run = await NewRunAsync();
        var t0 = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000);
        await _client.LogMetricAsync(run.Info.RunId, "loss", 0.9, step: 0, timestamp: t0);
        await _client.LogMetricAsync(run.Info.RunId, "loss", 0.5, step: 2, timestamp: t0.AddSeconds(2));
        await _client.LogMetricAsync(run.Info.RunId, "loss", 0.7, step: 1, timestamp: t0.AddSeconds(3));
        await _client.LogMetricAsync(run.Info.RunId, "loss", double.NaN, step: 1, timestamp: t0.AddSeconds(4));

        var latest = Assert.Single((await _client.GetRunAsync(run.Info.RunId)).Data.Metrics, m => m.Key == "loss");
        var history = await _client.GetMetricHistoryAsync(run.Info.RunId, "loss");

        Assert.Equal(0.5, latest.Value);
        Assert.Equal(2, latest.Step);
        Assert.Equal(4, history.Count);
        Assert.Equal([0L, 1L, 1L, 2L], history.Select(m => m.Step).Order());
        Assert.Contains(history, m => double.IsNaN(m.Value));
    }

    [Fact]
    public async Task LogParam_SameValueAgain_IsAcceptedButAChangedValueIsRejected()
    {
        var run = await NewRunAsync();
        await _client.LogParamAsync(run.Info.RunId, "lr", "0.001");
        await _client.LogParamAsync(run.Info.RunId, "lr", "0.001");

        var error = await Assert.ThrowsAsync<MlflowInvalidParameterException>(() => _client.LogParamAsync(run.Info.RunId, "lr", "0.01"));

        Assert.Equal(MlflowErrorCodes.InvalidParameterValue, error.ErrorCode);
        Assert.Equal("0.001", Assert.Single((await _client.GetRunAsync(run.Info.RunId)).Data.Params, p => p.Key == "lr").Value);
    }

    [Fact]
    public async Task SetTag_Overwrite_ThenDeleteTag_RemovesIt()
    {
        var run = await NewRunAsync();
        await _client.SetTagAsync(run.Info.RunId, "phase", "warmup");
        await _client.SetTagAsync(run.Info.RunId, "phase", "train");
        Assert.Equal("train", Assert.Single((await _client.GetRunAsync(run.Info.RunId)).Data.Tags, t => t.Key == "phase").Value);

        await _client.DeleteTagAsync(run.Info.RunId, "phase");

        Assert.DoesNotContain((await _client.GetRunAsync(run.Info.RunId)).Data.Tags, t => t.Key == "phase");
        await Assert.ThrowsAsync<MlflowResourceNotFoundException>(() => _client.DeleteTagAsync(run.Info.RunId, "phase"));
    }

    [Fact]
    public async Task LogBatch_MoreThanOneRequestOfEntities_SplitsAndLogsEverything()
    {
        var run = await NewRunAsync();
        var ts = 1_700_000_000_000L;
        var metrics = Enumerable.Range(0, 2500).Select(i => new Metric("reward", i, ts + i, i)).ToList();
        var parameters = Enumerable.Range(0, 250).Select(i => new Param($"p{i:D3}", $"v{i}")).ToList();
        var tags = Enumerable.Range(0, 150).Select(i => new Tag($"t{i:D3}", $"v{i}")).ToList();

        var requests = await _client.LogBatchAsync(run.Info.RunId, metrics, parameters, tags);

        Assert.Equal(6, requests);
        var logged = await _client.GetRunAsync(run.Info.RunId);
        Assert.Equal(250, logged.Data.Params.Count);
        Assert.Equal(150, logged.Data.Tags.Count(t => t.Key.StartsWith('t')));
        Assert.Equal(2499, Assert.Single(logged.Data.Metrics, m => m.Key == "reward").Value);
        Assert.Equal(2500, (await _client.GetMetricHistoryAsync(run.Info.RunId, "reward")).Count);
    }

    [Fact]
    public async Task LogBatch_OverOneMegabyteOfValues_SplitsBySize()
    {
        var run = await NewRunAsync();
        var parameters = Enumerable.Range(0, 100).Select(i => new Param($"big{i:D3}", new string('p', MlflowLimits.MaxParamValueLength))).ToList();
        var tags = Enumerable.Range(0, 100).Select(i => new Tag($"big{i:D3}", new string('t', MlflowLimits.MaxPortableTagValueLength))).ToList();

        var requests = await _client.LogBatchAsync(run.Info.RunId, parameters: parameters, tags: tags);

        Assert.Equal(2, requests);
        var logged = await _client.GetRunAsync(run.Info.RunId);
        Assert.Equal(100, logged.Data.Params.Count);
        Assert.Equal(100, logged.Data.Tags.Count(t => t.Key.StartsWith("big", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task LogBatch_OneInvalidKey_ThrowsBeforeSendingAnything()
    {
        var run = await NewRunAsync();
        var parameters = new List<Param> { new("good", "1"), new("bad key!", "2") };

        var error = await Assert.ThrowsAsync<MlflowInvalidParameterException>(() => _client.LogBatchAsync(run.Info.RunId, parameters: parameters));

        Assert.Contains("bad key!", error.Message, StringComparison.Ordinal);
        Assert.Empty((await _client.GetRunAsync(run.Info.RunId)).Data.Params);
    }

    [Fact]
    public async Task LogBatch_UnknownRun_ThrowsNotFound()
    {
        await Assert.ThrowsAsync<MlflowResourceNotFoundException>(() => _client.LogBatchAsync("0123456789abcdef0123456789abcdef", [new Metric("m", 1, 1, 0)]));
    }

    [Fact]
    public async Task LogInputs_Dataset_AppearsInRunInputs()
    {
        var run = await NewRunAsync();
        var dataset = new Dataset { Name = "btcusdt-1h-2021", Digest = "3f2a9c1e", SourceType = "local", Source = "data/binance/BTCUSDT-1h.csv.gz" };

        await _client.LogInputsAsync(run.Info.RunId, [new DatasetInput { Dataset = dataset, Tags = [new Tag("mlflow.data.context", "training")] }]);

        var input = Assert.Single((await _client.GetRunAsync(run.Info.RunId)).Inputs.DatasetInputs);
        Assert.Equal(dataset.Name, input.Dataset.Name);
        Assert.Equal(dataset.Digest, input.Dataset.Digest);
        Assert.Equal(dataset.Source, input.Dataset.Source);
        Assert.Contains(new Tag("mlflow.data.context", "training"), input.Tags);
    }

    [Fact]
    public async Task LogInputs_DigestLongerThan36_IsRejectedByTheClient()
    {
        var run = await NewRunAsync();
        var dataset = new Dataset { Name = "d", Digest = new string('a', 64), SourceType = "local", Source = "x" };

        await Assert.ThrowsAsync<MlflowInvalidParameterException>(() => _client.LogInputsAsync(run.Info.RunId, [new DatasetInput { Dataset = dataset }]));
    }

    [Fact]
    public async Task SearchRuns_FiltersOnMetricsParamsTagsAndAttributes_WithOrderAndPaging()
    {
        var experiment = await NewExperimentAsync();
        var sharpe = new[] { 0.5, 1.5, 2.5, 3.5, 1.2 };
        var runs = new List<Run>();
        for (var i = 0; i < sharpe.Length; i++)
        {
            var run = await _client.CreateRunAsync(experiment, $"r{i}", startTime: DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000 + i));
            await _client.LogBatchAsync(
                run.Info.RunId,
                [new Metric("sharpe", sharpe[i], 1_700_000_000_000, 0)],
                [new Param("algo", i == 4 ? "ppo" : "dqn")],
                [new Tag("stage", i % 2 == 0 ? "even" : "odd")]);
            runs.Add(run);
        }

        await _client.EndRunAsync(runs[3].Info.RunId);

        var filtered = await _client.SearchRunsAsync([experiment], "metrics.sharpe > 1 and params.algo = 'dqn'", orderBy: ["metrics.sharpe DESC"]);
        Assert.Equal(["r3", "r2", "r1"], filtered.Runs.Select(r => r.Info.RunName));

        var byTag = await _client.SearchRunsAsync([experiment], "tags.stage = 'odd'");
        Assert.Equal(["r1", "r3"], byTag.Runs.Select(r => r.Info.RunName).Order());

        var finished = await _client.SearchRunsAsync([experiment], "attributes.status = 'FINISHED'");
        Assert.Equal("r3", Assert.Single(finished.Runs).Info.RunName);

        var byId = await _client.SearchRunsAsync([experiment], $"attributes.run_id = '{runs[2].Info.RunId}'");
        Assert.Equal("r2", Assert.Single(byId.Runs).Info.RunName);

        var paged = await _client.SearchAllRunsAsync([experiment], pageSize: 2).ToListAsync();
        Assert.Equal(5, paged.Select(r => r.Info.RunId).Distinct().Count());
        Assert.Equal(["r4", "r3", "r2", "r1", "r0"], paged.Select(r => r.Info.RunName));

        var firstPage = await _client.SearchRunsAsync([experiment], maxResults: 2);
        Assert.Equal(2, firstPage.Runs.Count);
        Assert.False(string.IsNullOrEmpty(firstPage.NextPageToken));
    }

    [Fact]
    public async Task SearchRuns_DeletedRun_OnlyInDeletedView()
    {
        var run = await NewRunAsync();
        await _client.DeleteRunAsync(run.Info.RunId);

        var active = await _client.SearchRunsAsync([run.Info.ExperimentId]);
        var deleted = await _client.SearchRunsAsync([run.Info.ExperimentId], viewType: ViewType.DeletedOnly);

        Assert.DoesNotContain(active.Runs, r => r.Info.RunId == run.Info.RunId);
        Assert.Contains(deleted.Runs, r => r.Info.RunId == run.Info.RunId);
        await _client.RestoreRunAsync(run.Info.RunId);
        Assert.Equal("active", (await _client.GetRunAsync(run.Info.RunId)).Info.LifecycleStage);
    }

    [Fact]
    public async Task SearchRuns_InvalidFilter_ThrowsInvalidParameter()
    {
        var experiment = await NewExperimentAsync();
        await Assert.ThrowsAsync<MlflowInvalidParameterException>(() => _client.SearchRunsAsync([experiment], "metrics.sharpe >> 1"));
    }

    [Theory]
    [InlineData("bad key!")]
    [InlineData("../escape")]
    [InlineData("a//b")]
    [InlineData("/abs")]
    [InlineData("")]
    public async Task LogMetric_InvalidKey_ThrowsInvalidParameter(string key)
    {
        var run = await NewRunAsync();
        await Assert.ThrowsAsync<MlflowInvalidParameterException>(() => _client.LogMetricAsync(run.Info.RunId, key, 1));
    }

    [Fact]
    public async Task LogParam_ValueOverLimit_ThrowsInvalidParameter()
    {
        var run = await NewRunAsync();
        await Assert.ThrowsAsync<MlflowInvalidParameterException>(() => _client.LogParamAsync(run.Info.RunId, "long", new string('x', MlflowLimits.MaxParamValueLength + 1)));
    }

    private async Task<string> NewExperimentAsync() => (await _client.GetOrCreateExperimentAsync(MlflowFixture.UniqueName("contract"))).ExperimentId;

    private async Task<Run> NewRunAsync() => await _client.CreateRunAsync(await NewExperimentAsync());
}

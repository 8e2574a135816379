using Platform.Mlflow.Protocol;

namespace Platform.Mlflow.Tests;

/// <summary>Contract suite, artifacts (mlflow-artifacts proxy) and model registry part; same rules as <see cref="TrackingContractTests"/>.</summary>
[Collection(MlflowServerGroup.Name)]
public sealed class ArtifactAndRegistryContractTests(MlflowFixture fixture)
{
    private readonly MlflowClient _client = fixture.Client;

    [Fact]
    public async Task UploadArtifactBytes_BinaryContent_DownloadsByteForByte()
    {
        var run = await NewRunAsync();
        var content = new byte[300_000];
        new Random(7).NextBytes(content);
        for (var i = 0; i < 256; i++)
        {
            content[i] = (byte)i;
        }

        await _client.UploadArtifactBytesAsync(run.Info.ArtifactUri, "model/weights.bin", content);

        Assert.Equal(content, await _client.DownloadArtifactBytesAsync(run.Info.ArtifactUri, "model/weights.bin"));
    }

    [Theory]
    [InlineData("plots/equity curve.png")]
    [InlineData("reports/über+ratio&more#1.json")]
    public async Task UploadArtifact_NamesNeedingEscaping_RoundTripAndList(string path)
    {
        var run = await NewRunAsync();

        await _client.UploadArtifactBytesAsync(run.Info.ArtifactUri, path, new byte[] { 42, 0, 7 });

        Assert.Equal(new byte[] { 42, 0, 7 }, await _client.DownloadArtifactBytesAsync(run.Info.ArtifactUri, path));
        Assert.Contains(await _client.ListArtifactsAsync(run.Info.ArtifactUri, recursive: true), f => f.Path == path && !f.IsDir);
    }

    [Fact]
    public async Task UploadDirectory_NestedFiles_ListsRecursivelyAndDownloadsTheSameTree()
    {
        var run = await NewRunAsync();
        var source = TempDirectory.Create("artifacts-up");
        var target = TempDirectory.Create("artifacts-down");
        try
        {
            Directory.CreateDirectory(Path.Combine(source, "plots", "daily"));
            await File.WriteAllBytesAsync(Path.Combine(source, "summary.json"), "{\"sharpe\": 1.5}"u8.ToArray());
            await File.WriteAllBytesAsync(Path.Combine(source, "plots", "equity.png"), [0x89, 0x50, 0x4E, 0x47, 0, 1, 2, 255]);
            await File.WriteAllBytesAsync(Path.Combine(source, "plots", "daily", "d1.png"), [1, 2, 3]);

            var uploaded = await _client.UploadDirectoryAsync(run.Info.ArtifactUri, source, "report");
            var listing = await _client.ListArtifactsAsync(run.Info.ArtifactUri, recursive: true);
            var top = await _client.ListArtifactsAsync(run.Info.ArtifactUri, "report");
            var downloaded = await _client.DownloadDirectoryAsync(run.Info.ArtifactUri, "report", target);

            Assert.Equal(3, uploaded);
            Assert.Equal(
                ["report", "report/plots", "report/plots/daily", "report/plots/daily/d1.png", "report/plots/equity.png", "report/summary.json"],
                listing.Select(f => f.Path).Order(StringComparer.Ordinal));
            Assert.Equal(8, Assert.Single(listing, f => f.Path == "report/plots/equity.png").FileSize);
            Assert.True(Assert.Single(top, f => f.Path == "report/plots").IsDir);
            Assert.Equal(3, downloaded);
            Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(source, "plots", "equity.png")), await File.ReadAllBytesAsync(Path.Combine(target, "plots", "equity.png")));
            Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(source, "plots", "daily", "d1.png")), await File.ReadAllBytesAsync(Path.Combine(target, "plots", "daily", "d1.png")));
        }
        finally
        {
            TempDirectory.Delete(source);
            TempDirectory.Delete(target);
        }
    }

    [Fact]
    public async Task UploadFile_ThenDownloadFile_WritesTheSameBytes()
    {
        var run = await NewRunAsync();
        var folder = TempDirectory.Create("artifact-file");
        try
        {
            var local = Path.Combine(folder, "notes.txt");
            await File.WriteAllTextAsync(local, "seed=1\n");
            await _client.UploadFileAsync(run.Info.ArtifactUri, local);

            var copy = Path.Combine(folder, "copy", "notes.txt");
            await _client.DownloadFileAsync(run.Info.ArtifactUri, "notes.txt", copy);

            Assert.Equal("seed=1\n", await File.ReadAllTextAsync(copy));
        }
        finally
        {
            TempDirectory.Delete(folder);
        }
    }

    [Fact]
    public async Task DownloadArtifact_Missing_ThrowsAndLeavesNoFile()
    {
        var run = await NewRunAsync();
        var folder = TempDirectory.Create("artifact-missing");
        try
        {
            var target = Path.Combine(folder, "missing.bin");
            await Assert.ThrowsAnyAsync<MlflowException>(() => _client.DownloadFileAsync(run.Info.ArtifactUri, "does/not/exist.bin", target));
            Assert.Empty(Directory.EnumerateFileSystemEntries(folder));
        }
        finally
        {
            TempDirectory.Delete(folder);
        }
    }

    [Theory]
    [InlineData("../other-run/x.bin")]
    [InlineData("/etc/passwd")]
    [InlineData("a/../../b")]
    public async Task UploadArtifact_PathEscapingTheRun_IsRejected(string path)
    {
        var run = await NewRunAsync();
        await Assert.ThrowsAsync<MlflowInvalidParameterException>(() => _client.UploadArtifactBytesAsync(run.Info.ArtifactUri, path, new byte[] { 1 }));
    }

    [Fact]
    public async Task ResolveArtifactUri_RunsUri_UsesTheRunsArtifactRoot()
    {
        var run = await NewRunAsync();
        Assert.Equal(run.Info.ArtifactUri + "/model", await _client.ResolveArtifactUriAsync($"runs:/{run.Info.RunId}/model"));
    }

    [Fact]
    public async Task CreateRegisteredModel_ThenGet_ReturnsTagsAndDescription()
    {
        var name = MlflowFixture.UniqueName("model");
        await _client.CreateRegisteredModelAsync(name, [new Tag("owner", "rl")], "BTC DQN");

        var model = await _client.GetRegisteredModelAsync(name);

        Assert.Equal(name, model.Name);
        Assert.Equal("BTC DQN", model.Description);
        Assert.Contains(new Tag("owner", "rl"), model.Tags);
        Assert.Empty(model.Aliases);
    }

    [Fact]
    public async Task CreateRegisteredModel_DuplicateName_ThrowsAlreadyExists()
    {
        var name = MlflowFixture.UniqueName("model");
        await _client.CreateRegisteredModelAsync(name);

        await Assert.ThrowsAsync<MlflowResourceAlreadyExistsException>(() => _client.CreateRegisteredModelAsync(name));
        Assert.Equal(name, (await _client.GetOrCreateRegisteredModelAsync(name)).Name);
    }

    [Fact]
    public async Task GetRegisteredModel_Unknown_ThrowsNotFound()
    {
        await Assert.ThrowsAsync<MlflowResourceNotFoundException>(() => _client.GetRegisteredModelAsync(MlflowFixture.UniqueName("missing")));
    }

    [Fact]
    public async Task RegisteredModelTags_SetUpdateDelete_AndSearchByName()
    {
        var name = MlflowFixture.UniqueName("model");
        await _client.CreateRegisteredModelAsync(name);
        await _client.SetRegisteredModelTagAsync(name, "env", "dev");
        await _client.SetRegisteredModelTagAsync(name, "env", "prod");
        await _client.SetRegisteredModelTagAsync(name, "gone", "x");
        await _client.DeleteRegisteredModelTagAsync(name, "gone");
        await _client.UpdateRegisteredModelAsync(name, "updated");

        var model = await _client.GetRegisteredModelAsync(name);
        var found = await _client.SearchRegisteredModelsAsync($"name = '{name}'");

        Assert.Equal([new Tag("env", "prod")], model.Tags);
        Assert.Equal("updated", model.Description);
        Assert.Equal(name, Assert.Single(found.RegisteredModels).Name);
    }

    [Fact]
    public async Task CreateModelVersion_FromRunArtifacts_NumbersVersionsAndSearchFindsThem()
    {
        var name = MlflowFixture.UniqueName("model");
        await _client.CreateRegisteredModelAsync(name);
        var run = await NewRunAsync();
        var source = ArtifactLocation.Combine(run.Info.ArtifactUri, "model");

        var v1 = await _client.CreateModelVersionAsync(name, source, run.Info.RunId, [new Tag("validation_status", "pending")]);
        var v2 = await _client.CreateModelVersionFromRunAsync(name, run, "model", description: "second");
        await _client.SetModelVersionTagAsync(name, v1.Version, "validation_status", "passed");
        await _client.SetModelVersionTagAsync(name, v1.Version, "temporary", "x");
        await _client.DeleteModelVersionTagAsync(name, v1.Version, "temporary");
        await _client.UpdateModelVersionAsync(name, v2.Version, "second, updated");

        Assert.Equal("1", v1.Version);
        Assert.Equal("2", v2.Version);
        Assert.Equal(ModelVersionStatus.Ready, v1.Status);
        var got = await _client.GetModelVersionAsync(name, "1");
        Assert.Equal(source, got.Source);
        Assert.Equal(run.Info.RunId, got.RunId);
        Assert.Equal([new Tag("validation_status", "passed")], got.Tags);
        Assert.Equal("second, updated", (await _client.GetModelVersionAsync(name, "2")).Description);

        var byName = await _client.SearchModelVersionsAsync($"name = '{name}'");
        var byRun = await _client.SearchModelVersionsAsync($"run_id = '{run.Info.RunId}'");
        Assert.Equal(["1", "2"], byName.ModelVersions.Select(v => v.Version).Order());
        Assert.Equal(2, byRun.ModelVersions.Count);
        Assert.Equal("2", Assert.Single((await _client.GetRegisteredModelAsync(name)).LatestVersions).Version);
    }

    [Fact]
    public async Task CreateModelVersion_UnknownModel_ThrowsNotFound()
    {
        var run = await NewRunAsync();
        await Assert.ThrowsAsync<MlflowResourceNotFoundException>(() =>
            _client.CreateModelVersionAsync(MlflowFixture.UniqueName("missing"), ArtifactLocation.Combine(run.Info.ArtifactUri, "model"), run.Info.RunId));
    }

    [Fact]
    public async Task GetModelVersion_Unknown_ThrowsNotFound()
    {
        var name = MlflowFixture.UniqueName("model");
        await _client.CreateRegisteredModelAsync(name);
        await Assert.ThrowsAsync<MlflowResourceNotFoundException>(() => _client.GetModelVersionAsync(name, "7"));
    }

    [Fact]
    public async Task Aliases_ChallengerThenPromotedToChampion_MoveAndResolve()
    {
        var (name, run) = await NewModelWithVersionsAsync(2);

        await _client.SetModelAliasAsync(name, "champion", "1");
        await _client.SetModelAliasAsync(name, "challenger", "2");
        Assert.Equal("1", (await _client.GetModelVersionByAliasAsync(name, "champion")).Version);

        await _client.SetModelAliasAsync(name, "champion", "2");
        await _client.DeleteModelAliasAsync(name, "challenger");

        var champion = await _client.GetModelVersionByAliasAsync(name, "champion");
        Assert.Equal("2", champion.Version);
        Assert.Equal(["champion"], champion.Aliases);
        Assert.Empty((await _client.GetModelVersionAsync(name, "1")).Aliases);
        Assert.Equal([new RegisteredModelAlias("champion", "2")], (await _client.GetRegisteredModelAsync(name)).Aliases);
        await Assert.ThrowsAnyAsync<MlflowException>(() => _client.GetModelVersionByAliasAsync(name, "challenger"));
        Assert.Equal(ArtifactLocation.Combine(run.Info.ArtifactUri, "model"), await _client.ResolveArtifactUriAsync($"models:/{name}@champion"));
        Assert.Equal("1", (await _client.GetModelVersionByUriAsync($"models:/{name}/1")).Version);
    }

    [Fact]
    public async Task SetModelAlias_UnknownVersion_Throws()
    {
        var (name, _) = await NewModelWithVersionsAsync(1);
        await Assert.ThrowsAnyAsync<MlflowException>(() => _client.SetModelAliasAsync(name, "champion", "9"));
    }

    [Theory]
    [InlineData("latest")]
    [InlineData("LATEST")]
    [InlineData("v3")]
    [InlineData("V12")]
    [InlineData("has space")]
    [InlineData("")]
    public async Task SetModelAlias_ReservedOrInvalidName_ThrowsInvalidParameter(string alias)
    {
        var (name, _) = await NewModelWithVersionsAsync(1);
        await Assert.ThrowsAsync<MlflowInvalidParameterException>(() => _client.SetModelAliasAsync(name, alias, "1"));
    }

    [Fact]
    public async Task DeleteModelVersion_WithAlias_RemovesTheAliasToo()
    {
        var (name, _) = await NewModelWithVersionsAsync(2);
        await _client.SetModelAliasAsync(name, "champion", "1");
        await _client.SetModelAliasAsync(name, "challenger", "2");

        await _client.DeleteModelVersionAsync(name, "1");

        await Assert.ThrowsAsync<MlflowResourceNotFoundException>(() => _client.GetModelVersionAsync(name, "1"));
        await Assert.ThrowsAnyAsync<MlflowException>(() => _client.GetModelVersionByAliasAsync(name, "champion"));
        Assert.Equal([new RegisteredModelAlias("challenger", "2")], (await _client.GetRegisteredModelAsync(name)).Aliases);
    }

    [Fact]
    public async Task DeleteRegisteredModel_ThenGet_ThrowsNotFound()
    {
        var (name, _) = await NewModelWithVersionsAsync(1);
        await _client.DeleteRegisteredModelAsync(name);
        await Assert.ThrowsAsync<MlflowResourceNotFoundException>(() => _client.GetRegisteredModelAsync(name));
    }

    private async Task<(string Name, Run Run)> NewModelWithVersionsAsync(int versions)
    {
        var name = MlflowFixture.UniqueName("model");
        await _client.CreateRegisteredModelAsync(name);
        var run = await NewRunAsync();
        for (var i = 0; i < versions; i++)
        {
            await _client.CreateModelVersionAsync(name, ArtifactLocation.Combine(run.Info.ArtifactUri, "model"), run.Info.RunId);
        }

        return (name, run);
    }

    private async Task<Run> NewRunAsync()
    {
        var experiment = await _client.GetOrCreateExperimentAsync(MlflowFixture.UniqueName("artifacts"));
        return await _client.CreateRunAsync(experiment.ExperimentId);
    }
}

using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Platform.Mlflow.Protocol;
using Platform.Mlflow.Server.Storage;
using static Platform.Mlflow.Server.Endpoints.Http;

namespace Platform.Mlflow.Server.Endpoints;

/// <summary>The REST surface: <c>/api/2.0/mlflow/...</c> (tracking and registry) and <c>/api/2.0/mlflow-artifacts/artifacts</c>.</summary>
internal static class ApiEndpoints
{
    private const string Api = "/api/2.0/mlflow/";
    private const string ArtifactsApi = "/api/2.0/mlflow-artifacts/artifacts";

    public static void Map(IEndpointRouteBuilder app, TrackingStore tracking, RegistryStore registry, ArtifactStore artifacts)
    {
        MapTracking(app, tracking, artifacts);
        MapRegistry(app, registry);
        MapArtifacts(app, artifacts);
    }

    private static void MapTracking(IEndpointRouteBuilder app, TrackingStore tracking, ArtifactStore artifacts)
    {
        app.MapPost(Api + "experiments/create", async (HttpContext ctx) =>
        {
            var (body, _) = await ReadJsonAsync(ctx.Request, Json.CreateExperimentRequest, ctx.RequestAborted);
            return Ok(new CreateExperimentResponse(tracking.CreateExperiment(body)), Json.CreateExperimentResponse);
        });
        app.MapGet(Api + "experiments/get", (HttpContext ctx) =>
            Ok(new ExperimentResponse(tracking.GetExperiment(Query(ctx.Request, "experiment_id"))), Json.ExperimentResponse));
        app.MapGet(Api + "experiments/get-by-name", (HttpContext ctx) =>
            Ok(new ExperimentResponse(tracking.GetExperimentByName(Query(ctx.Request, "experiment_name"))), Json.ExperimentResponse));
        app.MapPost(Api + "experiments/search", async (HttpContext ctx) =>
        {
            var (body, _) = await ReadJsonAsync(ctx.Request, Json.SearchExperimentsRequest, ctx.RequestAborted);
            return Ok(tracking.SearchExperiments(body), Json.SearchExperimentsResponse);
        });
        app.MapGet(Api + "experiments/search", (HttpContext ctx) =>
        {
            var view = Query(ctx.Request, "view_type") switch
            {
                null or "" or "ACTIVE_ONLY" => ViewType.ActiveOnly,
                "DELETED_ONLY" => ViewType.DeletedOnly,
                "ALL" => ViewType.All,
                var other => throw MlflowValidation.Invalid($"Invalid view_type '{other}'."),
            };
            var request = new SearchExperimentsRequest(QueryLong(ctx.Request, "max_results"), Query(ctx.Request, "page_token"), Query(ctx.Request, "filter"), QueryAll(ctx.Request, "order_by"), view);
            return Ok(tracking.SearchExperiments(request), Json.SearchExperimentsResponse);
        });
        app.MapPost(Api + "experiments/set-experiment-tag", async (HttpContext ctx) =>
        {
            var (body, _) = await ReadJsonAsync(ctx.Request, Json.SetExperimentTagRequest, ctx.RequestAborted);
            tracking.SetExperimentTag(body);
            return Empty();
        });
        app.MapPost(Api + "experiments/delete", async (HttpContext ctx) =>
        {
            var (body, _) = await ReadJsonAsync(ctx.Request, Json.ExperimentIdRequest, ctx.RequestAborted);
            tracking.SetExperimentLifecycle(body.ExperimentId, delete: true);
            return Empty();
        });
        app.MapPost(Api + "experiments/restore", async (HttpContext ctx) =>
        {
            var (body, _) = await ReadJsonAsync(ctx.Request, Json.ExperimentIdRequest, ctx.RequestAborted);
            tracking.SetExperimentLifecycle(body.ExperimentId, delete: false);
            return Empty();
        });

        app.MapPost(Api + "runs/create", async (HttpContext ctx) =>
        {
            var (body, _) = await ReadJsonAsync(ctx.Request, Json.CreateRunRequest, ctx.RequestAborted);
            return Ok(new RunResponse(tracking.CreateRun(body)), Json.RunResponse);
        });
        app.MapPost(Api + "runs/update", async (HttpContext ctx) =>
        {
            var (body, _) = await ReadJsonAsync(ctx.Request, Json.UpdateRunRequest, ctx.RequestAborted);
            return Ok(new UpdateRunResponse(tracking.UpdateRun(body)), Json.UpdateRunResponse);
        });
        app.MapGet(Api + "runs/get", (HttpContext ctx) =>
            Ok(new RunResponse(tracking.GetRun(Query(ctx.Request, "run_id") ?? Query(ctx.Request, "run_uuid"))), Json.RunResponse));
        app.MapPost(Api + "runs/delete", async (HttpContext ctx) =>
        {
            var (body, _) = await ReadJsonAsync(ctx.Request, Json.RunIdRequest, ctx.RequestAborted);
            tracking.SetRunLifecycle(body.RunId, delete: true);
            return Empty();
        });
        app.MapPost(Api + "runs/restore", async (HttpContext ctx) =>
        {
            var (body, _) = await ReadJsonAsync(ctx.Request, Json.RunIdRequest, ctx.RequestAborted);
            tracking.SetRunLifecycle(body.RunId, delete: false);
            return Empty();
        });
        app.MapPost(Api + "runs/search", async (HttpContext ctx) =>
        {
            var (body, _) = await ReadJsonAsync(ctx.Request, Json.SearchRunsRequest, ctx.RequestAborted);
            return Ok(tracking.SearchRuns(body), Json.SearchRunsResponse);
        });
        app.MapPost(Api + "runs/log-metric", async (HttpContext ctx) =>
        {
            var (body, _) = await ReadJsonAsync(ctx.Request, Json.LogMetricRequest, ctx.RequestAborted);
            MlflowValidation.ValidateMetric(body.Key, body.Value, body.Timestamp);
            tracking.LogBatch(new LogBatchRequest(body.RunId, Metrics: [new Metric(body.Key!, body.Value!.Value, body.Timestamp!.Value, body.Step ?? 0)]));
            return Empty();
        });
        app.MapPost(Api + "runs/log-parameter", async (HttpContext ctx) =>
        {
            var (body, _) = await ReadJsonAsync(ctx.Request, Json.LogParamRequest, ctx.RequestAborted);
            MlflowValidation.ValidateParam(body.Key, body.Value);
            tracking.LogBatch(new LogBatchRequest(body.RunId, Params: [new Param(body.Key!, body.Value!)]));
            return Empty();
        });
        app.MapPost(Api + "runs/set-tag", async (HttpContext ctx) =>
        {
            var (body, _) = await ReadJsonAsync(ctx.Request, Json.SetTagRequest, ctx.RequestAborted);
            MlflowValidation.ValidateRunTag(body.Key, body.Value, MlflowLimits.MaxRunTagValueLength);
            tracking.LogBatch(new LogBatchRequest(body.RunId, Tags: [new Tag(body.Key!, body.Value!)]));
            return Empty();
        });
        app.MapPost(Api + "runs/delete-tag", async (HttpContext ctx) =>
        {
            var (body, _) = await ReadJsonAsync(ctx.Request, Json.DeleteTagRequest, ctx.RequestAborted);
            tracking.DeleteTag(body);
            return Empty();
        });
        app.MapPost(Api + "runs/log-batch", async (HttpContext ctx) =>
        {
            var (body, bytes) = await ReadJsonAsync(ctx.Request, Json.LogBatchRequest, ctx.RequestAborted);
            if (bytes > MlflowLimits.MaxBatchRequestBytes)
            {
                throw MlflowValidation.Invalid($"Batched logging API requests must be at most {MlflowLimits.MaxBatchRequestBytes} bytes, got a request of {bytes} bytes.");
            }

            tracking.LogBatch(body);
            return Empty();
        });
        app.MapPost(Api + "runs/log-inputs", async (HttpContext ctx) =>
        {
            var (body, _) = await ReadJsonAsync(ctx.Request, Json.LogInputsRequest, ctx.RequestAborted);
            tracking.LogInputs(body);
            return Empty();
        });
        app.MapGet(Api + "metrics/get-history", (HttpContext ctx) =>
            Ok(tracking.GetMetricHistory(Query(ctx.Request, "run_id") ?? Query(ctx.Request, "run_uuid"), Query(ctx.Request, "metric_key"), QueryLong(ctx.Request, "max_results"), Query(ctx.Request, "page_token")), Json.MetricHistoryResponse));
        app.MapGet(Api + "artifacts/list", (HttpContext ctx) =>
        {
            // The tracking API's listing: paths relative to the run's artifact root (not base names), plus root_uri.
            var root = tracking.GetArtifactUri(Query(ctx.Request, "run_id") ?? Query(ctx.Request, "run_uuid"));
            var relative = MlflowValidation.ValidateArtifactPath(Query(ctx.Request, "path"));
            var files = artifacts.List(ArtifactLocation.Combine(ArtifactLocation.ToProxyPath(root), relative))
                .Select(f => f with { Path = relative.Length == 0 ? f.Path : relative + "/" + f.Path })
                .ToList();
            return Ok(new ListArtifactsResponse { RootUri = root, Files = files }, Json.ListArtifactsResponse);
        });
    }

    private static void MapRegistry(IEndpointRouteBuilder app, RegistryStore registry)
    {
        app.MapPost(Api + "registered-models/create", async (HttpContext ctx) =>
        {
            var (body, _) = await ReadJsonAsync(ctx.Request, Json.CreateRegisteredModelRequest, ctx.RequestAborted);
            return Ok(new RegisteredModelResponse(registry.CreateRegisteredModel(body)), Json.RegisteredModelResponse);
        });
        app.MapGet(Api + "registered-models/get", (HttpContext ctx) =>
            Ok(new RegisteredModelResponse(registry.GetRegisteredModel(Query(ctx.Request, "name"))), Json.RegisteredModelResponse));
        app.MapGet(Api + "registered-models/search", (HttpContext ctx) =>
            Ok(registry.SearchRegisteredModels(Query(ctx.Request, "filter"), QueryLong(ctx.Request, "max_results"), QueryAll(ctx.Request, "order_by"), Query(ctx.Request, "page_token")), Json.SearchRegisteredModelsResponse));
        app.MapMethods(Api + "registered-models/update", ["PATCH"], async (HttpContext ctx) =>
        {
            var (body, _) = await ReadJsonAsync(ctx.Request, Json.UpdateRegisteredModelRequest, ctx.RequestAborted);
            return Ok(new RegisteredModelResponse(registry.UpdateRegisteredModel(body)), Json.RegisteredModelResponse);
        });
        app.MapDelete(Api + "registered-models/delete", async (HttpContext ctx) =>
        {
            var (body, _) = await ReadJsonAsync(ctx.Request, Json.RegisteredModelNameRequest, ctx.RequestAborted);
            registry.DeleteRegisteredModel(body.Name);
            return Empty();
        });
        app.MapPost(Api + "registered-models/set-tag", async (HttpContext ctx) =>
        {
            var (body, _) = await ReadJsonAsync(ctx.Request, Json.SetRegisteredModelTagRequest, ctx.RequestAborted);
            registry.SetRegisteredModelTag(body);
            return Empty();
        });
        app.MapDelete(Api + "registered-models/delete-tag", async (HttpContext ctx) =>
        {
            var (body, _) = await ReadJsonAsync(ctx.Request, Json.DeleteRegisteredModelTagRequest, ctx.RequestAborted);
            registry.DeleteRegisteredModelTag(body);
            return Empty();
        });
        app.MapPost(Api + "registered-models/alias", async (HttpContext ctx) =>
        {
            var (body, _) = await ReadJsonAsync(ctx.Request, Json.SetModelAliasRequest, ctx.RequestAborted);
            registry.SetAlias(body);
            return Empty();
        });
        app.MapDelete(Api + "registered-models/alias", async (HttpContext ctx) =>
        {
            var (body, _) = await ReadJsonAsync(ctx.Request, Json.DeleteModelAliasRequest, ctx.RequestAborted);
            registry.DeleteAlias(body);
            return Empty();
        });
        app.MapGet(Api + "registered-models/alias", (HttpContext ctx) =>
            Ok(new ModelVersionResponse(registry.GetVersionByAlias(Query(ctx.Request, "name"), Query(ctx.Request, "alias"))), Json.ModelVersionResponse));

        app.MapPost(Api + "model-versions/create", async (HttpContext ctx) =>
        {
            var (body, _) = await ReadJsonAsync(ctx.Request, Json.CreateModelVersionRequest, ctx.RequestAborted);
            return Ok(new ModelVersionResponse(registry.CreateModelVersion(body)), Json.ModelVersionResponse);
        });
        app.MapGet(Api + "model-versions/get", (HttpContext ctx) =>
            Ok(new ModelVersionResponse(registry.GetModelVersion(Query(ctx.Request, "name"), Query(ctx.Request, "version"))), Json.ModelVersionResponse));
        app.MapGet(Api + "model-versions/search", (HttpContext ctx) =>
            Ok(registry.SearchModelVersions(Query(ctx.Request, "filter"), QueryLong(ctx.Request, "max_results"), QueryAll(ctx.Request, "order_by"), Query(ctx.Request, "page_token")), Json.SearchModelVersionsResponse));
        app.MapMethods(Api + "model-versions/update", ["PATCH"], async (HttpContext ctx) =>
        {
            var (body, _) = await ReadJsonAsync(ctx.Request, Json.UpdateModelVersionRequest, ctx.RequestAborted);
            return Ok(new ModelVersionResponse(registry.UpdateModelVersion(body)), Json.ModelVersionResponse);
        });
        app.MapDelete(Api + "model-versions/delete", async (HttpContext ctx) =>
        {
            var (body, _) = await ReadJsonAsync(ctx.Request, Json.ModelVersionKeyRequest, ctx.RequestAborted);
            registry.DeleteModelVersion(body);
            return Empty();
        });
        app.MapPost(Api + "model-versions/set-tag", async (HttpContext ctx) =>
        {
            var (body, _) = await ReadJsonAsync(ctx.Request, Json.SetModelVersionTagRequest, ctx.RequestAborted);
            registry.SetModelVersionTag(body);
            return Empty();
        });
        app.MapDelete(Api + "model-versions/delete-tag", async (HttpContext ctx) =>
        {
            var (body, _) = await ReadJsonAsync(ctx.Request, Json.DeleteModelVersionTagRequest, ctx.RequestAborted);
            registry.DeleteModelVersionTag(body);
            return Empty();
        });
    }

    private static void MapArtifacts(IEndpointRouteBuilder app, ArtifactStore artifacts)
    {
        // One GET route: no path lists (?path=...), a path downloads.
        app.MapGet(ArtifactsApi + "/{**path}", (HttpContext ctx) =>
        {
            var path = RawArtifactPath(ctx);
            if (string.IsNullOrEmpty(path))
            {
                return Ok(new ListArtifactsResponse { Files = artifacts.List(Query(ctx.Request, "path")) }, Json.ListArtifactsResponse);
            }

            var stream = artifacts.OpenRead(path);
            return Results.Stream(stream, "application/octet-stream", enableRangeProcessing: false);
        });
        app.MapPut(ArtifactsApi + "/{**path}", async (HttpContext ctx) =>
        {
            await artifacts.WriteAsync(RawArtifactPath(ctx), ctx.Request.Body, ctx.RequestAborted);
            return Empty();
        });
        app.MapDelete(ArtifactsApi + "/{**path}", (HttpContext ctx) =>
        {
            artifacts.Delete(RawArtifactPath(ctx));
            return Empty();
        });
    }

    /// <summary>
    /// The artifact path from the raw request target, unescaped once. The routing value keeps '%2F' escaped, which
    /// would let "..%2F" slip past the path checks as part of a file name.
    /// </summary>
    private static string RawArtifactPath(HttpContext ctx)
    {
        var raw = ctx.Features.Get<IHttpRequestFeature>()?.RawTarget ?? ctx.Request.Path.Value ?? "";
        var query = raw.IndexOf('?', StringComparison.Ordinal);
        var path = query < 0 ? raw : raw[..query];
        var start = path.IndexOf(ArtifactsApi, StringComparison.Ordinal);
        var relative = start < 0 ? "" : path[(start + ArtifactsApi.Length)..].TrimStart('/');
        return Uri.UnescapeDataString(relative);
    }
}

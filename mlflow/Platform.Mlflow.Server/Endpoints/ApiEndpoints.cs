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
        app.MapPost(Api + "experiments/create", JsonCall(Json.CreateExperimentRequest, body => new CreateExperimentResponse(tracking.CreateExperiment(body)), Json.CreateExperimentResponse));
        app.MapGet(Api + "experiments/get", QueryCall(request =>
            new ExperimentResponse(tracking.GetExperiment(Query(request, "experiment_id"))), Json.ExperimentResponse));
        app.MapGet(Api + "experiments/get-by-name", QueryCall(request =>
            new ExperimentResponse(tracking.GetExperimentByName(Query(request, "experiment_name"))), Json.ExperimentResponse));
        app.MapPost(Api + "experiments/search", JsonCall(Json.SearchExperimentsRequest, body => tracking.SearchExperiments(body), Json.SearchExperimentsResponse));
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
        app.MapPost(Api + "experiments/set-experiment-tag", JsonCommand(Json.SetExperimentTagRequest, body => tracking.SetExperimentTag(body)));
        app.MapPost(Api + "experiments/delete", JsonCommand(Json.ExperimentIdRequest, body => tracking.SetExperimentLifecycle(body.ExperimentId, delete: true)));
        app.MapPost(Api + "experiments/restore", JsonCommand(Json.ExperimentIdRequest, body => tracking.SetExperimentLifecycle(body.ExperimentId, delete: false)));

        app.MapPost(Api + "runs/create", JsonCall(Json.CreateRunRequest, body => new RunResponse(tracking.CreateRun(body)), Json.RunResponse));
        app.MapPost(Api + "runs/update", JsonCall(Json.UpdateRunRequest, body => new UpdateRunResponse(tracking.UpdateRun(body)), Json.UpdateRunResponse));
        app.MapGet(Api + "runs/get", QueryCall(request =>
            new RunResponse(tracking.GetRun(Query(request, "run_id") ?? Query(request, "run_uuid"))), Json.RunResponse));
        app.MapPost(Api + "runs/delete", JsonCommand(Json.RunIdRequest, body => tracking.SetRunLifecycle(body.RunId, delete: true)));
        app.MapPost(Api + "runs/restore", JsonCommand(Json.RunIdRequest, body => tracking.SetRunLifecycle(body.RunId, delete: false)));
        app.MapPost(Api + "runs/search", JsonCall(Json.SearchRunsRequest, body => tracking.SearchRuns(body), Json.SearchRunsResponse));
        app.MapPost(Api + "runs/log-metric", JsonCommand(Json.LogMetricRequest, body =>
        {
            MlflowValidation.ValidateMetric(body.Key, body.Value, body.Timestamp);
            tracking.LogBatch(new LogBatchRequest(body.RunId, Metrics: [new Metric(body.Key!, body.Value!.Value, body.Timestamp!.Value, body.Step ?? 0)]));
        }));
        app.MapPost(Api + "runs/log-parameter", JsonCommand(Json.LogParamRequest, body =>
        {
            MlflowValidation.ValidateParam(body.Key, body.Value);
            tracking.LogBatch(new LogBatchRequest(body.RunId, Params: [new Param(body.Key!, body.Value!)]));
        }));
        app.MapPost(Api + "runs/set-tag", JsonCommand(Json.SetTagRequest, body =>
        {
            MlflowValidation.ValidateRunTag(body.Key, body.Value, MlflowLimits.MaxRunTagValueLength);
            tracking.LogBatch(new LogBatchRequest(body.RunId, Tags: [new Tag(body.Key!, body.Value!)]));
        }));
        app.MapPost(Api + "runs/delete-tag", JsonCommand(Json.DeleteTagRequest, body => tracking.DeleteTag(body)));
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
        app.MapPost(Api + "runs/log-inputs", JsonCommand(Json.LogInputsRequest, body => tracking.LogInputs(body)));
        app.MapGet(Api + "metrics/get-history", QueryCall(request =>
            tracking.GetMetricHistory(Query(request, "run_id") ?? Query(request, "run_uuid"), Query(request, "metric_key"), QueryLong(request, "max_results"), Query(request, "page_token")), Json.MetricHistoryResponse));
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
        app.MapPost(Api + "registered-models/create", JsonCall(Json.CreateRegisteredModelRequest, body => new RegisteredModelResponse(registry.CreateRegisteredModel(body)), Json.RegisteredModelResponse));
        app.MapGet(Api + "registered-models/get", QueryCall(request =>
            new RegisteredModelResponse(registry.GetRegisteredModel(Query(request, "name"))), Json.RegisteredModelResponse));
        app.MapGet(Api + "registered-models/search", QueryCall(request =>
            registry.SearchRegisteredModels(Query(request, "filter"), QueryLong(request, "max_results"), QueryAll(request, "order_by"), Query(request, "page_token")), Json.SearchRegisteredModelsResponse));
        app.MapMethods(Api + "registered-models/update", ["PATCH"], JsonCall(Json.UpdateRegisteredModelRequest, body => new RegisteredModelResponse(registry.UpdateRegisteredModel(body)), Json.RegisteredModelResponse));
        app.MapDelete(Api + "registered-models/delete", JsonCommand(Json.RegisteredModelNameRequest, body => registry.DeleteRegisteredModel(body.Name)));
        app.MapPost(Api + "registered-models/set-tag", JsonCommand(Json.SetRegisteredModelTagRequest, body => registry.SetRegisteredModelTag(body)));
        app.MapDelete(Api + "registered-models/delete-tag", JsonCommand(Json.DeleteRegisteredModelTagRequest, body => registry.DeleteRegisteredModelTag(body)));
        app.MapPost(Api + "registered-models/alias", JsonCommand(Json.SetModelAliasRequest, body => registry.SetAlias(body)));
        app.MapDelete(Api + "registered-models/alias", JsonCommand(Json.DeleteModelAliasRequest, body => registry.DeleteAlias(body)));
        app.MapGet(Api + "registered-models/alias", QueryCall(request =>
            new ModelVersionResponse(registry.GetVersionByAlias(Query(request, "name"), Query(request, "alias"))), Json.ModelVersionResponse));

        app.MapPost(Api + "model-versions/create", JsonCall(Json.CreateModelVersionRequest, body => new ModelVersionResponse(registry.CreateModelVersion(body)), Json.ModelVersionResponse));
        app.MapGet(Api + "model-versions/get", QueryCall(request =>
            new ModelVersionResponse(registry.GetModelVersion(Query(request, "name"), Query(request, "version"))), Json.ModelVersionResponse));
        app.MapGet(Api + "model-versions/search", QueryCall(request =>
            registry.SearchModelVersions(Query(request, "filter"), QueryLong(request, "max_results"), QueryAll(request, "order_by"), Query(request, "page_token")), Json.SearchModelVersionsResponse));
        app.MapMethods(Api + "model-versions/update", ["PATCH"], JsonCall(Json.UpdateModelVersionRequest, body => new ModelVersionResponse(registry.UpdateModelVersion(body)), Json.ModelVersionResponse));
        app.MapDelete(Api + "model-versions/delete", JsonCommand(Json.ModelVersionKeyRequest, body => registry.DeleteModelVersion(body)));
        app.MapPost(Api + "model-versions/set-tag", JsonCommand(Json.SetModelVersionTagRequest, body => registry.SetModelVersionTag(body)));
        app.MapDelete(Api + "model-versions/delete-tag", JsonCommand(Json.DeleteModelVersionTagRequest, body => registry.DeleteModelVersionTag(body)));
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

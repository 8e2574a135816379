using System.Text.Json.Serialization;

namespace Platform.Mlflow.Protocol;

/// <summary>
/// Source-generated JSON for MLflow's wire format: snake_case names, unset fields omitted, int64 read from numbers or
/// strings (proto JSON allows both), NaN/Infinity metric values as MLflow writes them.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.AllowReadingFromString | JsonNumberHandling.AllowNamedFloatingPointLiterals,
    PropertyNameCaseInsensitive = false,
    AllowTrailingCommas = false)]
[JsonSerializable(typeof(ErrorResponse))]
[JsonSerializable(typeof(Metric))]
[JsonSerializable(typeof(Param))]
[JsonSerializable(typeof(Tag))]
[JsonSerializable(typeof(List<Tag>))]
[JsonSerializable(typeof(RunStatus))]
[JsonSerializable(typeof(EmptyResponse))]
[JsonSerializable(typeof(CreateExperimentRequest))]
[JsonSerializable(typeof(CreateExperimentResponse))]
[JsonSerializable(typeof(ExperimentResponse))]
[JsonSerializable(typeof(ExperimentIdRequest))]
[JsonSerializable(typeof(SetExperimentTagRequest))]
[JsonSerializable(typeof(SearchExperimentsRequest))]
[JsonSerializable(typeof(SearchExperimentsResponse))]
[JsonSerializable(typeof(CreateRunRequest))]
[JsonSerializable(typeof(RunResponse))]
[JsonSerializable(typeof(UpdateRunRequest))]
[JsonSerializable(typeof(UpdateRunResponse))]
[JsonSerializable(typeof(RunIdRequest))]
[JsonSerializable(typeof(SearchRunsRequest))]
[JsonSerializable(typeof(SearchRunsResponse))]
[JsonSerializable(typeof(LogMetricRequest))]
[JsonSerializable(typeof(LogParamRequest))]
[JsonSerializable(typeof(SetTagRequest))]
[JsonSerializable(typeof(DeleteTagRequest))]
[JsonSerializable(typeof(LogBatchRequest))]
[JsonSerializable(typeof(LogInputsRequest))]
[JsonSerializable(typeof(MetricHistoryResponse))]
[JsonSerializable(typeof(ListArtifactsResponse))]
[JsonSerializable(typeof(CreateRegisteredModelRequest))]
[JsonSerializable(typeof(RegisteredModelResponse))]
[JsonSerializable(typeof(UpdateRegisteredModelRequest))]
[JsonSerializable(typeof(RegisteredModelNameRequest))]
[JsonSerializable(typeof(SearchRegisteredModelsResponse))]
[JsonSerializable(typeof(SetRegisteredModelTagRequest))]
[JsonSerializable(typeof(DeleteRegisteredModelTagRequest))]
[JsonSerializable(typeof(CreateModelVersionRequest))]
[JsonSerializable(typeof(ModelVersionResponse))]
[JsonSerializable(typeof(UpdateModelVersionRequest))]
[JsonSerializable(typeof(ModelVersionKeyRequest))]
[JsonSerializable(typeof(SearchModelVersionsResponse))]
[JsonSerializable(typeof(SetModelVersionTagRequest))]
[JsonSerializable(typeof(DeleteModelVersionTagRequest))]
[JsonSerializable(typeof(SetModelAliasRequest))]
[JsonSerializable(typeof(DeleteModelAliasRequest))]
public sealed partial class MlflowJsonContext : JsonSerializerContext;

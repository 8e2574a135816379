using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Platform.Mlflow.Protocol;
using Platform.Mlflow.Server.Search;
using static Platform.Mlflow.Server.Storage.SqliteDatabase;

namespace Platform.Mlflow.Server.Storage;

/// <summary>
/// Experiments, runs, metrics, params, tags and inputs in SQLite, with MLflow's rules: params write-once, metric history
/// kept per step with the latest value by (step, timestamp, value), tags overwrite, only active runs accept writes.
/// </summary>
internal sealed class TrackingStore(SqliteDatabase database, TimeProvider time)
{
    public const string DefaultExperimentName = "Default";
    private const string Active = "active";
    private const string Deleted = "deleted";
    private const string RunNameTag = "mlflow.runName";
    private const string UserTag = "mlflow.user";

    private static readonly HashSet<string> RunAttributes = new(StringComparer.Ordinal)
    {
        "run_id", "run_name", "status", "user_id", "artifact_uri", "start_time", "end_time", "lifecycle_stage", "created",
    };

    private long Now => time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>Creates the "Default" experiment (id 0) on a new store, as MLflow does.</summary>
    public void EnsureDefaultExperiment() => database.Execute((c, t) =>
    {
        if (Scalar(c, t, "SELECT COUNT(*) FROM experiments WHERE experiment_id = 0") is 0L)
        {
            Exec(c, t, "INSERT INTO experiments VALUES (0, $name, $loc, 'active', $now, $now)", ("$name", DefaultExperimentName), ("$loc", ArtifactLocation.ProxyScheme + ":/0"), ("$now", Now));
        }
    });

    public string CreateExperiment(CreateExperimentRequest request)
    {
        MlflowValidation.ValidateExperimentName(request.Name);
        foreach (var tag in request.Tags ?? [])
        {
            MlflowValidation.ValidateTag("experiment tag", tag?.Key, tag?.Value, MlflowLimits.MaxExperimentTagValueLength);
        }

        if (request.ArtifactLocation is { Length: > 0 } location)
        {
            ArtifactLocation.ToProxyPath(location);
        }

        return database.Execute((c, t) =>
        {
            if (Scalar(c, t, "SELECT experiment_id FROM experiments WHERE name = $name", ("$name", request.Name)) is not null)
            {
                throw new MlflowResourceAlreadyExistsException($"Experiment(name={request.Name}) already exists. Error: UNIQUE constraint failed: experiments.name");
            }

            var id = (long)Scalar(c, t, "SELECT COALESCE(MAX(experiment_id), 0) + 1 FROM experiments")!;
            var now = Now;
            var idText = id.ToString(CultureInfo.InvariantCulture);
            var artifactLocation = string.IsNullOrEmpty(request.ArtifactLocation) ? ArtifactLocation.ProxyScheme + ":/" + idText : request.ArtifactLocation.TrimEnd('/');
            Exec(c, t, "INSERT INTO experiments VALUES ($id, $name, $loc, 'active', $now, $now)", ("$id", id), ("$name", request.Name), ("$loc", artifactLocation), ("$now", now));
            foreach (var tag in request.Tags ?? [])
            {
                Exec(c, t, "INSERT OR REPLACE INTO experiment_tags VALUES ($id, $key, $value)", ("$id", id), ("$key", tag.Key), ("$value", tag.Value));
            }

            return idText;
        });
    }

    public Experiment GetExperiment(string? experimentId)
    {
        var id = ParseExperimentId(experimentId);
        return database.Execute((c, t) => LoadExperiments(c, t, "WHERE experiment_id = $id", ("$id", id)).FirstOrDefault())
            ?? throw new MlflowResourceNotFoundException($"No Experiment with id={experimentId} exists");
    }

    public Experiment GetExperimentByName(string? name)
    {
        MlflowValidation.RequireNonEmpty("experiment_name", name);
        return database.Execute((c, t) => LoadExperiments(c, t, "WHERE name = $name", ("$name", name)).FirstOrDefault())
            ?? throw new MlflowResourceNotFoundException($"Could not find experiment with name '{name}'");
    }

    public SearchExperimentsResponse SearchExperiments(SearchExperimentsRequest request)
    {
        var maxResults = request.MaxResults ?? 1000;
        if (maxResults is < 1 or > MlflowLimits.MaxRunsSearchResults)
        {
            throw MlflowValidation.Invalid($"Invalid value {maxResults} for parameter 'max_results' supplied. It must be between 1 and {MlflowLimits.MaxRunsSearchResults}.");
        }

        var clauses = SearchFilter.Parse(request.Filter);
        var orderBy = (request.OrderBy ?? []).Select(OrderTerm.Parse).ToList();
        object? Resolve(Experiment e, FilterEntity entity, string key) => entity switch
        {
            FilterEntity.Tag => e.Tags.FirstOrDefault(x => x.Key == key)?.Value,
            FilterEntity.Attribute => key switch
            {
                "name" => e.Name,
                "experiment_id" => e.ExperimentId,
                "creation_time" => e.CreationTime,
                "last_update_time" => e.LastUpdateTime,
                _ => throw MlflowValidation.Invalid($"Invalid attribute key '{key}' for experiments; valid: name, experiment_id, creation_time, last_update_time."),
            },
            _ => throw MlflowValidation.Invalid("Experiments can only be filtered by attributes and tags."),
        };

        var experiments = database.Execute((c, t) => LoadExperiments(c, t, ""))
            .Where(e => InView(e.LifecycleStage, request.ViewType));
        var (page, next) = SearchResults.FilterOrderPage(experiments, clauses, orderBy, Resolve, (a, b) =>
        {
            var byCreation = Nullable.Compare(b.CreationTime, a.CreationTime);
            return byCreation != 0 ? byCreation : long.Parse(b.ExperimentId, CultureInfo.InvariantCulture).CompareTo(long.Parse(a.ExperimentId, CultureInfo.InvariantCulture));
        }, request.PageToken, maxResults);
        return new SearchExperimentsResponse { Experiments = page, NextPageToken = next };
    }

    public void SetExperimentTag(SetExperimentTagRequest request)
    {
        MlflowValidation.ValidateTag("experiment tag", request.Key, request.Value, MlflowLimits.MaxExperimentTagValueLength);
        var id = ParseExperimentId(request.ExperimentId);
        database.Execute((c, t) =>
        {
            RequireActiveExperiment(c, t, id, request.ExperimentId);
            Exec(c, t, "INSERT OR REPLACE INTO experiment_tags VALUES ($id, $key, $value)", ("$id", id), ("$key", request.Key), ("$value", request.Value));
        });
    }

    public void SetExperimentLifecycle(string? experimentId, bool delete)
    {
        var id = ParseExperimentId(experimentId);
        database.Execute((c, t) =>
        {
            var stage = (string?)Scalar(c, t, "SELECT lifecycle_stage FROM experiments WHERE experiment_id = $id", ("$id", id))
                ?? throw new MlflowResourceNotFoundException($"No Experiment with id={experimentId} exists");
            if (delete ? stage == Deleted : stage == Active)
            {
                throw new MlflowException(MlflowErrorCodes.InvalidParameterValue, $"Cannot {(delete ? "delete" : "restore")} experiment {experimentId}: it is already {stage}.");
            }

            var target = delete ? Deleted : Active;
            Exec(c, t, "UPDATE experiments SET lifecycle_stage = $stage, last_update_time = $now WHERE experiment_id = $id", ("$stage", target), ("$now", Now), ("$id", id));
            Exec(c, t, "UPDATE runs SET lifecycle_stage = $stage WHERE experiment_id = $id", ("$stage", target), ("$id", id));
        });
    }

    public Run CreateRun(CreateRunRequest request)
    {
        var experimentId = ParseExperimentId(request.ExperimentId);
        foreach (var tag in request.Tags ?? [])
        {
            MlflowValidation.ValidateRunTag(tag?.Key, tag?.Value, MlflowLimits.MaxRunTagValueLength);
        }

        var runId = Guid.NewGuid().ToString("N");
        var tags = (request.Tags ?? []).GroupBy(x => x.Key).ToDictionary(g => g.Key, g => g.Last().Value, StringComparer.Ordinal);
        var runName = !string.IsNullOrEmpty(request.RunName) ? request.RunName : tags.GetValueOrDefault(RunNameTag) ?? "run-" + runId[..8];
        tags[RunNameTag] = runName;
        var userId = request.UserId ?? tags.GetValueOrDefault(UserTag) ?? "";
        return database.Execute((c, t) =>
        {
            var location = RequireActiveExperiment(c, t, experimentId, request.ExperimentId);
            var artifactUri = $"{location}/{runId}/artifacts";
            Exec(
                c,
                t,
                "INSERT INTO runs VALUES ($id, $exp, $name, $user, 'RUNNING', $start, NULL, $uri, 'active')",
                ("$id", runId), ("$exp", experimentId), ("$name", runName), ("$user", userId), ("$start", request.StartTime ?? Now), ("$uri", artifactUri));
            foreach (var (key, value) in tags)
            {
                Exec(c, t, "INSERT INTO tags VALUES ($run, $key, $value)", ("$run", runId), ("$key", key), ("$value", value));
            }

            return LoadRun(c, t, runId)!;
        });
    }

    public RunInfo UpdateRun(UpdateRunRequest request)
    {
        var runId = request.RunId ?? request.RunUuid;
        MlflowValidation.RequireNonEmpty("run_id", runId);
        return database.Execute((c, t) =>
        {
            RequireActiveRun(c, t, runId!);
            if (request.Status is { } status)
            {
                Exec(c, t, "UPDATE runs SET status = $status WHERE run_id = $id", ("$status", StatusName(status)), ("$id", runId));
            }

            if (request.EndTime is { } end)
            {
                Exec(c, t, "UPDATE runs SET end_time = $end WHERE run_id = $id", ("$end", end), ("$id", runId));
            }

            if (!string.IsNullOrEmpty(request.RunName))
            {
                Exec(c, t, "UPDATE runs SET run_name = $name WHERE run_id = $id", ("$name", request.RunName), ("$id", runId));
                Exec(c, t, "INSERT OR REPLACE INTO tags VALUES ($id, $key, $name)", ("$id", runId), ("$key", RunNameTag), ("$name", request.RunName));
            }

            return LoadRun(c, t, runId!)!.Info;
        });
    }

    public Run GetRun(string? runId)
    {
        MlflowValidation.RequireNonEmpty("run_id", runId);
        return database.Execute((c, t) => LoadRun(c, t, runId!)) ?? throw RunNotFound(runId);
    }

    public void SetRunLifecycle(string? runId, bool delete)
    {
        MlflowValidation.RequireNonEmpty("run_id", runId);
        database.Execute((c, t) =>
        {
            if (Scalar(c, t, "SELECT lifecycle_stage FROM runs WHERE run_id = $id", ("$id", runId)) is null)
            {
                throw RunNotFound(runId);
            }

            Exec(c, t, "UPDATE runs SET lifecycle_stage = $stage WHERE run_id = $id", ("$stage", delete ? Deleted : Active), ("$id", runId));
        });
    }

    public SearchRunsResponse SearchRuns(SearchRunsRequest request)
    {
        var maxResults = request.MaxResults ?? 1000;
        if (maxResults is < 1 or > MlflowLimits.MaxRunsSearchResults)
        {
            throw MlflowValidation.Invalid($"Invalid value {maxResults} for parameter 'max_results' supplied. It must be at most {MlflowLimits.MaxRunsSearchResults}.");
        }

        var clauses = SearchFilter.Parse(request.Filter);
        foreach (var clause in clauses.Where(c => c.Entity == FilterEntity.Attribute && !RunAttributes.Contains(c.Key)))
        {
            throw MlflowValidation.Invalid($"Invalid attribute key '{clause.Key}' specified. Valid keys are: {string.Join(", ", RunAttributes.Order(StringComparer.Ordinal))}.");
        }

        var orderBy = (request.OrderBy ?? []).Select(OrderTerm.Parse).ToList();
        foreach (var term in orderBy.Where(o => o.Entity == FilterEntity.Attribute && !RunAttributes.Contains(o.Key)))
        {
            throw MlflowValidation.Invalid($"Invalid order_by attribute '{term.Key}'.");
        }

        var experimentIds = (request.ExperimentIds ?? []).Select(ParseExperimentId).ToList();
        var runs = database.Execute((c, t) => experimentIds
            .SelectMany(id => Query(c, t, "SELECT run_id FROM runs WHERE experiment_id = $id", r => r.GetString(0), ("$id", id)))
            .Select(id => LoadRun(c, t, id)!)
            .ToList());
        var inView = runs.Where(r => InView(r.Info.LifecycleStage, request.RunViewType));
        var (page, next) = SearchResults.FilterOrderPage(inView, clauses, orderBy, ResolveRunValue, (a, b) =>
        {
            var byStart = Nullable.Compare(b.Info.StartTime, a.Info.StartTime);
            return byStart != 0 ? byStart : string.CompareOrdinal(a.Info.RunId, b.Info.RunId);
        }, request.PageToken, maxResults);
        return new SearchRunsResponse { Runs = page, NextPageToken = next };
    }

    /// <summary>Logs metrics, params and tags atomically after validating all of them (single-entity endpoints use this too).</summary>
    public void LogBatch(LogBatchRequest request)
    {
        MlflowValidation.RequireNonEmpty("run_id", request.RunId);
        var metrics = request.Metrics ?? [];
        var parameters = request.Params ?? [];
        var tags = request.Tags ?? [];
        if (metrics.Count > MlflowLimits.MaxMetricsPerBatch || parameters.Count > MlflowLimits.MaxParamsPerBatch || tags.Count > MlflowLimits.MaxTagsPerBatch ||
            metrics.Count + parameters.Count + tags.Count > MlflowLimits.MaxEntitiesPerBatch)
        {
            throw MlflowValidation.Invalid(
                $"A batch logging request can contain at most {MlflowLimits.MaxMetricsPerBatch} metrics, {MlflowLimits.MaxParamsPerBatch} params, {MlflowLimits.MaxTagsPerBatch} tags " +
                $"and {MlflowLimits.MaxEntitiesPerBatch} entities in total. Got {metrics.Count} metrics, {parameters.Count} params and {tags.Count} tags.");
        }

        foreach (var metric in metrics)
        {
            MlflowValidation.ValidateMetric(metric?.Key, metric?.Value, metric?.Timestamp);
        }

        foreach (var param in parameters)
        {
            MlflowValidation.ValidateParam(param?.Key, param?.Value);
        }

        foreach (var tag in tags)
        {
            MlflowValidation.ValidateRunTag(tag?.Key, tag?.Value, MlflowLimits.MaxRunTagValueLength);
        }

        foreach (var duplicate in parameters.GroupBy(p => p.Key).Where(g => g.Select(p => p.Value).Distinct().Count() > 1))
        {
            throw MlflowValidation.Invalid($"Duplicate parameter keys have been submitted with different values: '{duplicate.Key}'.");
        }

        database.Execute((c, t) =>
        {
            RequireActiveRun(c, t, request.RunId!);
            foreach (var param in parameters)
            {
                var existing = (string?)Scalar(c, t, "SELECT value FROM params WHERE run_id = $run AND key = $key", ("$run", request.RunId), ("$key", param.Key));
                if (existing is null)
                {
                    Exec(c, t, "INSERT INTO params VALUES ($run, $key, $value)", ("$run", request.RunId), ("$key", param.Key), ("$value", param.Value));
                }
                else if (existing != param.Value)
                {
                    throw MlflowValidation.Invalid(
                        $"Changing param values is not allowed. Param with key='{param.Key}' was already logged with value='{existing}' for run ID='{request.RunId}'. Attempted logging new value '{param.Value}'.");
                }
            }

            InsertMetrics(c, t, request.RunId!, metrics);

            foreach (var tag in tags)
            {
                Exec(c, t, "INSERT OR REPLACE INTO tags VALUES ($run, $key, $value)", ("$run", request.RunId), ("$key", tag.Key), ("$value", tag.Value));
                if (tag.Key == RunNameTag)
                {
                    Exec(c, t, "UPDATE runs SET run_name = $value WHERE run_id = $run", ("$run", request.RunId), ("$value", tag.Value));
                }
            }
        });
    }

    public void DeleteTag(DeleteTagRequest request)
    {
        MlflowValidation.RequireNonEmpty("run_id", request.RunId);
        MlflowValidation.RequireNonEmpty("key", request.Key);
        database.Execute((c, t) =>
        {
            RequireActiveRun(c, t, request.RunId!);
            if (Exec(c, t, "DELETE FROM tags WHERE run_id = $run AND key = $key", ("$run", request.RunId), ("$key", request.Key)) == 0)
            {
                throw new MlflowResourceNotFoundException($"No tag with name: {request.Key} in run with id {request.RunId}");
            }
        });
    }

    public void LogInputs(LogInputsRequest request)
    {
        MlflowValidation.RequireNonEmpty("run_id", request.RunId);
        foreach (var input in request.Datasets ?? [])
        {
            MlflowValidation.ValidateDataset(input?.Dataset);
            foreach (var tag in input!.Tags ?? [])
            {
                MlflowValidation.ValidateTag("input tag", tag?.Key, tag?.Value, MlflowLimits.MaxRunTagValueLength);
            }
        }

        database.Execute((c, t) =>
        {
            RequireActiveRun(c, t, request.RunId!);
            foreach (var input in request.Datasets ?? [])
            {
                var d = input.Dataset;
                Exec(
                    c,
                    t,
                    "INSERT OR REPLACE INTO run_inputs VALUES ($run, $name, $digest, $type, $source, $schema, $profile, $tags)",
                    ("$run", request.RunId), ("$name", d.Name), ("$digest", d.Digest), ("$type", d.SourceType), ("$source", d.Source),
                    ("$schema", d.Schema), ("$profile", d.Profile), ("$tags", JsonSerializer.Serialize((input.Tags ?? []).ToList(), MlflowJsonContext.Default.ListTag)));
            }
        });
    }

    public MetricHistoryResponse GetMetricHistory(string? runId, string? key, long? maxResults, string? pageToken)
    {
        MlflowValidation.RequireNonEmpty("run_id", runId);
        MlflowValidation.RequireNonEmpty("metric_key", key);
        var history = database.Execute((c, t) =>
        {
            if (LoadRunInfo(c, t, runId!) is null)
            {
                throw RunNotFound(runId);
            }

            return Query(c, t, "SELECT key, value, timestamp, step FROM metrics WHERE run_id = $run AND key = $key ORDER BY step, timestamp, seq", ReadMetric, ("$run", runId), ("$key", key));
        });
        var (page, next) = PageToken.Page(history, pageToken, maxResults ?? 25_000);
        return new MetricHistoryResponse { Metrics = page, NextPageToken = next };
    }

    /// <summary>The run's artifact root, or RESOURCE_DOES_NOT_EXIST.</summary>
    public string GetArtifactUri(string? runId)
    {
        MlflowValidation.RequireNonEmpty("run_id", runId);
        return database.Execute((c, t) => LoadRunInfo(c, t, runId!))?.ArtifactUri ?? throw RunNotFound(runId);
    }

    private static void InsertMetrics(SqliteConnection c, SqliteTransaction? t, string runId, IReadOnlyList<Metric> metrics)
    {
        // SQLite stores NaN as NULL; a NULL value therefore reads back as NaN.
        static object? Stored(double value) => double.IsNaN(value) ? null : value;
        foreach (var metric in metrics)
        {
            Exec(c, t, "INSERT INTO metrics (run_id, key, value, timestamp, step) VALUES ($run, $key, $value, $ts, $step)", ("$run", runId), ("$key", metric.Key), ("$value", Stored(metric.Value)), ("$ts", metric.Timestamp), ("$step", metric.Step));
        }

        foreach (var group in metrics.GroupBy(m => m.Key))
        {
            var newest = group.Aggregate((best, next) => IsNewer(next, best) ? next : best);
            var latest = Query(c, t, "SELECT key, value, timestamp, step FROM latest_metrics WHERE run_id = $run AND key = $key", ReadMetric, ("$run", runId), ("$key", group.Key)).FirstOrDefault();
            if (latest is null || IsNewer(newest, latest))
            {
                Exec(c, t, "INSERT OR REPLACE INTO latest_metrics VALUES ($run, $key, $value, $ts, $step)", ("$run", runId), ("$key", group.Key), ("$value", Stored(newest.Value)), ("$ts", newest.Timestamp), ("$step", newest.Step));
            }
        }
    }

    /// <summary>MLflow's "latest": the maximum by (step, timestamp, value).</summary>
    private static bool IsNewer(Metric candidate, Metric current) =>
        candidate.Step != current.Step ? candidate.Step > current.Step
        : candidate.Timestamp != current.Timestamp ? candidate.Timestamp > current.Timestamp
        : candidate.Value.CompareTo(current.Value) >= 0;

    private static Metric ReadMetric(SqliteDataReader r) =>
        new(r.GetString(0), r.IsDBNull(1) ? double.NaN : r.GetDouble(1), r.GetInt64(2), r.GetInt64(3));

    private static object? ResolveRunValue(Run run, FilterEntity entity, string key) => entity switch
    {
        FilterEntity.Metric => run.Data.Metrics.FirstOrDefault(m => m.Key == key)?.Value,
        FilterEntity.Param => run.Data.Params.FirstOrDefault(p => p.Key == key)?.Value,
        FilterEntity.Tag => run.Data.Tags.FirstOrDefault(p => p.Key == key)?.Value,
        _ => key switch
        {
            "run_id" => run.Info.RunId,
            "run_name" => run.Info.RunName,
            "status" => StatusName(run.Info.Status),
            "user_id" => run.Info.UserId,
            "artifact_uri" => run.Info.ArtifactUri,
            "lifecycle_stage" => run.Info.LifecycleStage,
            "start_time" or "created" => run.Info.StartTime,
            "end_time" => run.Info.EndTime,
            _ => null,
        },
    };

    private static string StatusName(RunStatus status) => JsonSerializer.Serialize(status, MlflowJsonContext.Default.RunStatus).Trim('"');

    private static bool InView(string lifecycleStage, ViewType? view) => view switch
    {
        ViewType.All => true,
        ViewType.DeletedOnly => lifecycleStage == Deleted,
        _ => lifecycleStage == Active,
    };

    private static long ParseExperimentId(string? experimentId)
    {
        MlflowValidation.RequireNonEmpty("experiment_id", experimentId);
        return long.TryParse(experimentId, NumberStyles.None, CultureInfo.InvariantCulture, out var id)
            ? id
            : throw new MlflowResourceNotFoundException($"No Experiment with id={experimentId} exists");
    }

    private static string RequireActiveExperiment(SqliteConnection c, SqliteTransaction? t, long id, string? idText)
    {
        var row = Query(c, t, "SELECT artifact_location, lifecycle_stage FROM experiments WHERE experiment_id = $id", r => (Location: r.GetString(0), Stage: r.GetString(1)), ("$id", id)).FirstOrDefault();
        if (row.Location is null)
        {
            throw new MlflowResourceNotFoundException($"No Experiment with id={idText} exists");
        }

        return row.Stage == Active
            ? row.Location
            : throw MlflowValidation.Invalid($"The experiment {idText} must be in the 'active' state. Current state is {row.Stage}.");
    }

    private static void RequireActiveRun(SqliteConnection c, SqliteTransaction? t, string runId)
    {
        var stage = (string?)Scalar(c, t, "SELECT lifecycle_stage FROM runs WHERE run_id = $id", ("$id", runId)) ?? throw RunNotFound(runId);
        if (stage != Active)
        {
            throw MlflowValidation.Invalid($"The run {runId} must be in the 'active' state. Current state is {stage}.");
        }
    }

    private static MlflowResourceNotFoundException RunNotFound(string? runId) => new($"Run with id={runId} not found");

    private static List<Experiment> LoadExperiments(SqliteConnection c, SqliteTransaction? t, string where, params (string, object?)[] parameters)
    {
        var experiments = Query(
            c,
            t,
            "SELECT experiment_id, name, artifact_location, lifecycle_stage, creation_time, last_update_time FROM experiments " + where,
            r => new Experiment
            {
                ExperimentId = r.GetInt64(0).ToString(CultureInfo.InvariantCulture),
                Name = r.GetString(1),
                ArtifactLocation = r.GetString(2),
                LifecycleStage = r.GetString(3),
                CreationTime = r.GetInt64(4),
                LastUpdateTime = r.GetInt64(5),
            },
            parameters);
        return experiments.Select(e => e with
        {
            Tags = Query(c, t, "SELECT key, value FROM experiment_tags WHERE experiment_id = $id ORDER BY key", r => new Tag(r.GetString(0), r.GetString(1)), ("$id", long.Parse(e.ExperimentId, CultureInfo.InvariantCulture))),
        }).ToList();
    }

    private static RunInfo? LoadRunInfo(SqliteConnection c, SqliteTransaction? t, string runId) =>
        Query(
            c,
            t,
            "SELECT run_id, experiment_id, run_name, user_id, status, start_time, end_time, artifact_uri, lifecycle_stage FROM runs WHERE run_id = $id",
            r => new RunInfo
            {
                RunId = r.GetString(0),
                RunUuid = r.GetString(0),
                ExperimentId = r.GetInt64(1).ToString(CultureInfo.InvariantCulture),
                RunName = r.GetString(2),
                UserId = r.GetString(3),
                Status = JsonSerializer.Deserialize($"\"{r.GetString(4)}\"", MlflowJsonContext.Default.RunStatus),
                StartTime = r.IsDBNull(5) ? null : r.GetInt64(5),
                EndTime = r.IsDBNull(6) ? null : r.GetInt64(6),
                ArtifactUri = r.GetString(7),
                LifecycleStage = r.GetString(8),
            },
            ("$id", runId)).FirstOrDefault();

    private static Run? LoadRun(SqliteConnection c, SqliteTransaction? t, string runId)
    {
        var info = LoadRunInfo(c, t, runId);
        if (info is null)
        {
            return null;
        }

        var data = new RunData
        {
            Metrics = Query(c, t, "SELECT key, value, timestamp, step FROM latest_metrics WHERE run_id = $id ORDER BY key", ReadMetric, ("$id", runId)),
            Params = Query(c, t, "SELECT key, value FROM params WHERE run_id = $id ORDER BY key", r => new Param(r.GetString(0), r.GetString(1)), ("$id", runId)),
            Tags = Query(c, t, "SELECT key, value FROM tags WHERE run_id = $id ORDER BY key", r => new Tag(r.GetString(0), r.GetString(1)), ("$id", runId)),
        };
        var inputs = Query(
            c,
            t,
            "SELECT name, digest, source_type, source, schema, profile, tags_json FROM run_inputs WHERE run_id = $id ORDER BY rowid",
            r => new DatasetInput
            {
                Dataset = new Dataset
                {
                    Name = r.GetString(0),
                    Digest = r.GetString(1),
                    SourceType = r.GetString(2),
                    Source = r.GetString(3),
                    Schema = r.IsDBNull(4) ? null : r.GetString(4),
                    Profile = r.IsDBNull(5) ? null : r.GetString(5),
                },
                Tags = JsonSerializer.Deserialize(r.GetString(6), MlflowJsonContext.Default.ListTag) ?? [],
            },
            ("$id", runId));
        return new Run { Info = info, Data = data, Inputs = new RunInputs { DatasetInputs = inputs } };
    }
}

using System.Globalization;
using Microsoft.Data.Sqlite;
using Platform.Mlflow.Protocol;
using Platform.Mlflow.Server.Search;
using static Platform.Mlflow.Server.Storage.SqliteDatabase;

namespace Platform.Mlflow.Server.Storage;

/// <summary>
/// The model registry in SQLite: registered models, versions (numbered 1, 2, ... and never reused), tags and aliases.
/// An alias points at one version; deleting a version deletes its aliases. Stages are not supported (deprecated).
/// </summary>
internal sealed class RegistryStore(SqliteDatabase database, TimeProvider time)
{
    private long Now => time.GetUtcNow().ToUnixTimeMilliseconds();

    public RegisteredModel CreateRegisteredModel(CreateRegisteredModelRequest request)
    {
        MlflowValidation.ValidateModelName(request.Name);
        ValidateTags(request.Tags);
        return database.Execute((c, t) =>
        {
            if (Scalar(c, t, "SELECT 1 FROM registered_models WHERE name = $name", ("$name", request.Name)) is not null)
            {
                throw new MlflowResourceAlreadyExistsException($"Registered Model (name={request.Name}) already exists.");
            }

            var now = Now;
            Exec(c, t, "INSERT INTO registered_models VALUES ($name, $now, $now, $description)", ("$name", request.Name), ("$now", now), ("$description", request.Description));
            foreach (var tag in request.Tags ?? [])
            {
                Exec(c, t, "INSERT OR REPLACE INTO registered_model_tags VALUES ($name, $key, $value)", ("$name", request.Name), ("$key", tag.Key), ("$value", tag.Value));
            }

            return LoadModel(c, t, request.Name!)!;
        });
    }

    public RegisteredModel GetRegisteredModel(string? name)
    {
        MlflowValidation.ValidateModelName(name);
        return database.Execute((c, t) => LoadModel(c, t, name!)) ?? throw ModelNotFound(name);
    }

    public RegisteredModel UpdateRegisteredModel(UpdateRegisteredModelRequest request)
    {
        MlflowValidation.ValidateModelName(request.Name);
        return ExecuteOnModel(request.Name!, (c, t) =>
        {
            Exec(c, t, "UPDATE registered_models SET description = $description, last_updated_timestamp = $now WHERE name = $name", ("$description", request.Description), ("$now", Now), ("$name", request.Name));
            return LoadModel(c, t, request.Name!)!;
        });
    }

    public void DeleteRegisteredModel(string? name)
    {
        MlflowValidation.ValidateModelName(name);
        ExecuteOnModel(name!, (c, t) =>
        {
            Exec(c, t, "DELETE FROM registered_models WHERE name = $name", ("$name", name));
        });
    }

    public SearchRegisteredModelsResponse SearchRegisteredModels(string? filter, long? maxResults, IReadOnlyList<string> orderBy, string? pageToken)
    {
        var max = maxResults ?? 100;
        if (max is < 1 or > 1000)
        {
            throw MlflowValidation.Invalid($"Invalid value for request parameter max_results. It must be at most 1000, but got value {max}");
        }

        var clauses = SearchFilter.Parse(filter);
        var terms = orderBy.Select(OrderTerm.Parse).ToList();
        object? Resolve(RegisteredModel m, FilterEntity entity, string key) => entity switch
        {
            FilterEntity.Tag => m.Tags.FirstOrDefault(x => x.Key == key)?.Value,
            FilterEntity.Attribute => key switch
            {
                "name" => m.Name,
                "creation_timestamp" => m.CreationTimestamp,
                "last_updated_timestamp" => m.LastUpdatedTimestamp,
                _ => throw MlflowValidation.Invalid($"Invalid attribute '{key}' for registered models; valid: name, creation_timestamp, last_updated_timestamp."),
            },
            _ => throw MlflowValidation.Invalid("Registered models can only be filtered by name and tags."),
        };

        var models = database.Execute((c, t) => Query(c, t, "SELECT name FROM registered_models", r => r.GetString(0)).Select(n => LoadModel(c, t, n)!).ToList());
        var (page, next) = SearchResults.FilterOrderPage(models, clauses, terms, Resolve, (x, y) => string.CompareOrdinal(x.Name, y.Name), pageToken, max);
        return new SearchRegisteredModelsResponse { RegisteredModels = page, NextPageToken = next };
    }

    public void SetRegisteredModelTag(SetRegisteredModelTagRequest request)
    {
        MlflowValidation.ValidateModelName(request.Name);
        MlflowValidation.ValidateTag("registered model tag", request.Key, request.Value, MlflowLimits.MaxRegistryTagValueLength);
        ExecuteOnModel(request.Name!, (c, t) =>
        {
            Exec(c, t, "INSERT OR REPLACE INTO registered_model_tags VALUES ($name, $key, $value)", ("$name", request.Name), ("$key", request.Key), ("$value", request.Value));
        });
    }

    public void DeleteRegisteredModelTag(DeleteRegisteredModelTagRequest request)
    {
        MlflowValidation.ValidateModelName(request.Name);
        MlflowValidation.RequireNonEmpty("key", request.Key);
        ExecuteOnModel(request.Name!, (c, t) =>
        {
            Exec(c, t, "DELETE FROM registered_model_tags WHERE name = $name AND key = $key", ("$name", request.Name), ("$key", request.Key));
        });
    }

    public ModelVersion CreateModelVersion(CreateModelVersionRequest request)
    {
        MlflowValidation.ValidateModelName(request.Name);
        ValidateSource(MlflowValidation.RequireNonEmpty("source", request.Source));
        ValidateTags(request.Tags);
        return ExecuteOnModel(request.Name!, (c, t) =>
        {
            var version = (long)Scalar(c, t, "SELECT COALESCE(MAX(version), 0) + 1 FROM model_versions WHERE name = $name", ("$name", request.Name))!;
            var now = Now;
            Exec(
                c,
                t,
                "INSERT INTO model_versions VALUES ($name, $version, $now, $now, $description, $source, $run, $link, 'READY', 0)",
                ("$name", request.Name), ("$version", version), ("$now", now), ("$description", request.Description), ("$source", request.Source),
                ("$run", string.IsNullOrEmpty(request.RunId) ? null : request.RunId), ("$link", request.RunLink));
            foreach (var tag in request.Tags ?? [])
            {
                Exec(c, t, "INSERT OR REPLACE INTO model_version_tags VALUES ($name, $version, $key, $value)", ("$name", request.Name), ("$version", version), ("$key", tag.Key), ("$value", tag.Value));
            }

            Exec(c, t, "UPDATE registered_models SET last_updated_timestamp = $now WHERE name = $name", ("$now", now), ("$name", request.Name));
            return LoadVersion(c, t, request.Name!, version)!;
        });
    }

    public ModelVersion GetModelVersion(string? name, string? version)
    {
        MlflowValidation.ValidateModelName(name);
        var number = ParseVersion(version);
        return database.Execute((c, t) => LoadVersion(c, t, name!, number)) ?? throw VersionNotFound(name, version);
    }

    public ModelVersion UpdateModelVersion(UpdateModelVersionRequest request)
    {
        MlflowValidation.ValidateModelName(request.Name);
        var number = ParseVersion(request.Version);
        return ExecuteOnVersion(request.Name!, number, request.Version, (c, t) =>
        {
            Exec(c, t, "UPDATE model_versions SET description = $description, last_updated_timestamp = $now WHERE name = $name AND version = $version", ("$description", request.Description), ("$now", Now), ("$name", request.Name), ("$version", number));
            return LoadVersion(c, t, request.Name!, number)!;
        });
    }

    public void DeleteModelVersion(ModelVersionKeyRequest request)
    {
        MlflowValidation.ValidateModelName(request.Name);
        var number = ParseVersion(request.Version);
        ExecuteOnVersion(request.Name!, number, request.Version, (c, t) =>
        {
            // The row stays (marked deleted) so version numbers are never reused; its aliases and tags go.
            Exec(c, t, "UPDATE model_versions SET deleted = 1, last_updated_timestamp = $now WHERE name = $name AND version = $version", ("$now", Now), ("$name", request.Name), ("$version", number));
            Exec(c, t, "DELETE FROM registered_model_aliases WHERE name = $name AND version = $version", ("$name", request.Name), ("$version", number));
            Exec(c, t, "DELETE FROM model_version_tags WHERE name = $name AND version = $version", ("$name", request.Name), ("$version", number));
        });
    }

    public SearchModelVersionsResponse SearchModelVersions(string? filter, long? maxResults, IReadOnlyList<string> orderBy, string? pageToken)
    {
        var max = maxResults ?? 10_000;
        if (max is < 1 or > MlflowLimits.MaxModelVersionSearchResults)
        {
            throw MlflowValidation.Invalid($"Invalid value for request parameter max_results. It must be at most {MlflowLimits.MaxModelVersionSearchResults}, but got value {max}");
        }

        var clauses = SearchFilter.Parse(filter);
        var terms = orderBy.Select(OrderTerm.Parse).ToList();
        object? Resolve(ModelVersion v, FilterEntity entity, string key) => entity switch
        {
            FilterEntity.Tag => v.Tags.FirstOrDefault(x => x.Key == key)?.Value,
            FilterEntity.Attribute => key switch
            {
                "name" => v.Name,
                "run_id" => v.RunId,
                "source_path" or "source" => v.Source,
                "version_number" => long.Parse(v.Version, CultureInfo.InvariantCulture),
                "creation_timestamp" => v.CreationTimestamp,
                "last_updated_timestamp" => v.LastUpdatedTimestamp,
                _ => throw MlflowValidation.Invalid($"Invalid attribute '{key}' for model versions; valid: name, run_id, source_path, version_number, creation_timestamp, last_updated_timestamp."),
            },
            _ => throw MlflowValidation.Invalid("Model versions can only be filtered by attributes and tags."),
        };

        var versions = database.Execute((c, t) => Query(c, t, "SELECT name, version FROM model_versions WHERE deleted = 0", r => (r.GetString(0), r.GetInt64(1)))
                .Select(key => LoadVersion(c, t, key.Item1, key.Item2)!).ToList());
        var (page, next) = SearchResults.FilterOrderPage(versions, clauses, terms, Resolve, (x, y) =>
        {
            var byName = string.CompareOrdinal(x.Name, y.Name);
            return byName != 0 ? byName : long.Parse(y.Version, CultureInfo.InvariantCulture).CompareTo(long.Parse(x.Version, CultureInfo.InvariantCulture));
        }, pageToken, max);
        return new SearchModelVersionsResponse { ModelVersions = page, NextPageToken = next };
    }

    public void SetModelVersionTag(SetModelVersionTagRequest request)
    {
        MlflowValidation.ValidateModelName(request.Name);
        var number = ParseVersion(request.Version);
        MlflowValidation.ValidateTag("model version tag", request.Key, request.Value, MlflowLimits.MaxRegistryTagValueLength);
        ExecuteOnVersion(request.Name!, number, request.Version, (c, t) =>
        {
            Exec(c, t, "INSERT OR REPLACE INTO model_version_tags VALUES ($name, $version, $key, $value)", ("$name", request.Name), ("$version", number), ("$key", request.Key), ("$value", request.Value));
        });
    }

    public void DeleteModelVersionTag(DeleteModelVersionTagRequest request)
    {
        MlflowValidation.ValidateModelName(request.Name);
        var number = ParseVersion(request.Version);
        MlflowValidation.RequireNonEmpty("key", request.Key);
        ExecuteOnVersion(request.Name!, number, request.Version, (c, t) =>
        {
            Exec(c, t, "DELETE FROM model_version_tags WHERE name = $name AND version = $version AND key = $key", ("$name", request.Name), ("$version", number), ("$key", request.Key));
        });
    }

    public void SetAlias(SetModelAliasRequest request)
    {
        MlflowValidation.ValidateModelName(request.Name);
        MlflowValidation.ValidateAlias(request.Alias);
        var number = ParseVersion(request.Version);
        ExecuteOnModel(request.Name!, (c, t) =>
        {
            RequireVersion(c, t, request.Name!, number, request.Version);
            Exec(c, t, "INSERT OR REPLACE INTO registered_model_aliases VALUES ($name, $alias, $version)", ("$name", request.Name), ("$alias", request.Alias), ("$version", number));
            Exec(c, t, "UPDATE registered_models SET last_updated_timestamp = $now WHERE name = $name", ("$now", Now), ("$name", request.Name));
        });
    }

    public void DeleteAlias(DeleteModelAliasRequest request)
    {
        MlflowValidation.ValidateModelName(request.Name);
        MlflowValidation.RequireNonEmpty("alias", request.Alias);
        ExecuteOnModel(request.Name!, (c, t) =>
        {
            Exec(c, t, "DELETE FROM registered_model_aliases WHERE name = $name AND alias = $alias", ("$name", request.Name), ("$alias", request.Alias));
        });
    }

    public ModelVersion GetVersionByAlias(string? name, string? alias)
    {
        MlflowValidation.ValidateModelName(name);
        MlflowValidation.RequireNonEmpty("alias", alias);
        return ExecuteOnModel(name!, (c, t) =>
        {
            var version = Scalar(c, t, "SELECT version FROM registered_model_aliases WHERE name = $name AND alias = $alias", ("$name", name), ("$alias", alias));
            return version is long number
                ? LoadVersion(c, t, name!, number)!
                : throw MlflowValidation.Invalid($"Registered model alias {alias} not found.");
        });
    }

    /// <summary>MLflow's source rules: an absolute URI with a scheme, no '..' segments, no local file paths.</summary>
    private static void ValidateSource(string source)
    {
        var schemeEnd = source.IndexOf(':', StringComparison.Ordinal);
        if (schemeEnd <= 0 || source.Split('/').Any(segment => segment == "..") || source.Contains('\\', StringComparison.Ordinal))
        {
            throw MlflowValidation.Invalid($"Invalid model version source: '{source}'. It must be an absolute URI such as mlflow-artifacts:/<exp>/<run>/artifacts/model or runs:/<run>/model.");
        }

        if (source.StartsWith("file:", StringComparison.OrdinalIgnoreCase))
        {
            throw MlflowValidation.Invalid($"Invalid model version source: '{source}'. Local file sources are not allowed; log the model as a run artifact and use its mlflow-artifacts URI.");
        }
    }

    private static void ValidateTags(IReadOnlyList<Tag>? tags)
    {
        foreach (var tag in tags ?? [])
        {
            MlflowValidation.ValidateTag("registry tag", tag?.Key, tag?.Value, MlflowLimits.MaxRegistryTagValueLength);
        }
    }

    private static long ParseVersion(string? version)
    {
        MlflowValidation.RequireNonEmpty("version", version);
        return long.TryParse(version, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number > 0
            ? number
            : throw MlflowValidation.Invalid($"Model version must be a positive integer, got '{version}'.");
    }

    /// <summary>Runs <paramref name="work"/> in one transaction once the registered model is known to exist.</summary>
    private T ExecuteOnModel<T>(string name, Func<SqliteConnection, SqliteTransaction?, T> work) => database.Execute((c, t) =>
    {
        RequireModel(c, t, name);
        return work(c, t);
    });

    private void ExecuteOnModel(string name, Action<SqliteConnection, SqliteTransaction?> work) => database.Execute((c, t) =>
    {
        RequireModel(c, t, name);
        work(c, t);
    });

    /// <summary>Runs <paramref name="work"/> in one transaction once the (not deleted) model version is known to exist.</summary>
    private T ExecuteOnVersion<T>(string name, long version, string? versionText, Func<SqliteConnection, SqliteTransaction?, T> work) => database.Execute((c, t) =>
    {
        RequireVersion(c, t, name, version, versionText);
        return work(c, t);
    });

    private void ExecuteOnVersion(string name, long version, string? versionText, Action<SqliteConnection, SqliteTransaction?> work) => database.Execute((c, t) =>
    {
        RequireVersion(c, t, name, version, versionText);
        work(c, t);
    });

    private static void RequireModel(SqliteConnection c, SqliteTransaction? t, string name)
    {
        if (Scalar(c, t, "SELECT 1 FROM registered_models WHERE name = $name", ("$name", name)) is null)
        {
            throw ModelNotFound(name);
        }
    }

    private static void RequireVersion(SqliteConnection c, SqliteTransaction? t, string name, long version, string? versionText)
    {
        if (Scalar(c, t, "SELECT 1 FROM model_versions WHERE name = $name AND version = $version AND deleted = 0", ("$name", name), ("$version", version)) is null)
        {
            throw VersionNotFound(name, versionText);
        }
    }

    private static MlflowResourceNotFoundException ModelNotFound(string? name) => new($"Registered Model with name={name} not found");

    private static MlflowResourceNotFoundException VersionNotFound(string? name, string? version) => new($"Model Version (name={name}, version={version}) not found");

    private static RegisteredModel? LoadModel(SqliteConnection c, SqliteTransaction? t, string name)
    {
        var model = Query(
            c,
            t,
            "SELECT name, creation_timestamp, last_updated_timestamp, description FROM registered_models WHERE name = $name",
            r => new RegisteredModel
            {
                Name = r.GetString(0),
                CreationTimestamp = r.GetInt64(1),
                LastUpdatedTimestamp = r.GetInt64(2),
                Description = r.IsDBNull(3) ? null : r.GetString(3),
            },
            ("$name", name)).FirstOrDefault();
        if (model is null)
        {
            return null;
        }

        var latest = Scalar(c, t, "SELECT MAX(version) FROM model_versions WHERE name = $name AND deleted = 0", ("$name", name));
        return model with
        {
            Tags = Query(c, t, "SELECT key, value FROM registered_model_tags WHERE name = $name ORDER BY key", r => new Tag(r.GetString(0), r.GetString(1)), ("$name", name)),
            Aliases = Query(c, t, "SELECT alias, version FROM registered_model_aliases WHERE name = $name ORDER BY alias", r => new RegisteredModelAlias(r.GetString(0), r.GetInt64(1).ToString(CultureInfo.InvariantCulture)), ("$name", name)),
            LatestVersions = latest is long number ? [LoadVersion(c, t, name, number)!] : [],
        };
    }

    private static ModelVersion? LoadVersion(SqliteConnection c, SqliteTransaction? t, string name, long version)
    {
        var loaded = Query(
            c,
            t,
            "SELECT creation_timestamp, last_updated_timestamp, description, source, run_id, run_link FROM model_versions WHERE name = $name AND version = $version AND deleted = 0",
            r => new ModelVersion
            {
                Name = name,
                Version = version.ToString(CultureInfo.InvariantCulture),
                CreationTimestamp = r.GetInt64(0),
                LastUpdatedTimestamp = r.GetInt64(1),
                Description = r.IsDBNull(2) ? null : r.GetString(2),
                Source = r.GetString(3),
                RunId = r.IsDBNull(4) ? null : r.GetString(4),
                RunLink = r.IsDBNull(5) ? null : r.GetString(5),
                CurrentStage = "None",
                Status = ModelVersionStatus.Ready,
            },
            ("$name", name),
            ("$version", version)).FirstOrDefault();
        return loaded is null
            ? null
            : loaded with
            {
                Tags = Query(c, t, "SELECT key, value FROM model_version_tags WHERE name = $name AND version = $version ORDER BY key", r => new Tag(r.GetString(0), r.GetString(1)), ("$name", name), ("$version", version)),
                Aliases = Query(c, t, "SELECT alias FROM registered_model_aliases WHERE name = $name AND version = $version ORDER BY alias", r => r.GetString(0), ("$name", name), ("$version", version)),
            };
    }
}

using System.Text.RegularExpressions;
using Platform.Mlflow.Protocol;

namespace Platform.Mlflow;

/// <summary>MLflow's size limits (mlflow/utils/validation.py), used by the client before sending and by the local server.</summary>
public static class MlflowLimits
{
    public const int MaxMetricsPerBatch = 1000;
    public const int MaxParamsPerBatch = 100;
    public const int MaxTagsPerBatch = 100;
    public const int MaxEntitiesPerBatch = 1000;

    /// <summary>MAX_BATCH_LOG_REQUEST_SIZE: 1e6 bytes of JSON per log-batch request.</summary>
    public const int MaxBatchRequestBytes = 1_000_000;

    public const int MaxEntityKeyLength = 250;
    public const int MaxParamValueLength = 6000;

    /// <summary>What the server accepts for a run tag value (current MLflow code).</summary>
    public const int MaxRunTagValueLength = 8000;

    /// <summary>What the client allows for any tag value: the lowest limit of any MLflow backend (proto guarantee).</summary>
    public const int MaxPortableTagValueLength = 5000;

    public const int MaxExperimentTagValueLength = 5000;
    public const int MaxRegistryTagValueLength = 5000;
    public const int MaxExperimentNameLength = 500;
    public const int MaxDatasetNameLength = 500;
    public const int MaxDatasetDigestLength = 36;
    public const int MaxDatasetSourceLength = 65535;
    public const int MaxAliasLength = 255;

    /// <summary>Largest max_results a run search accepts.</summary>
    public const int MaxRunsSearchResults = 50_000;

    /// <summary>Largest max_results a model-version search accepts.</summary>
    public const int MaxModelVersionSearchResults = 200_000;
}

/// <summary>
/// MLflow's input rules. Each method throws <see cref="MlflowInvalidParameterException"/> (INVALID_PARAMETER_VALUE) with
/// a message naming the offending value, so client-side and server-side rejections read the same.
/// </summary>
public static partial class MlflowValidation
{
    [GeneratedRegex(@"^[/\w.\- ]*$")]
    private static partial Regex EntityKeyPattern();

    [GeneratedRegex(@"^[\w\-]*$")]
    private static partial Regex AliasPattern();

    [GeneratedRegex(@"^[vV]\d+$")]
    private static partial Regex VersionLikeAliasPattern();

    /// <summary>Checks a metric, param or tag key: regex, length, and that it names one unique path.</summary>
    public static void ValidateEntityKey(string entity, string? key)
    {
        if (string.IsNullOrEmpty(key))
        {
            throw Invalid($"Missing value for required parameter 'key' of the {entity}.");
        }

        if (key.Length > MlflowLimits.MaxEntityKeyLength)
        {
            throw Invalid($"{Capitalize(entity)} name '{Truncate(key)}' had length {key.Length}, which exceeded length limit of {MlflowLimits.MaxEntityKeyLength}.");
        }

        if (!EntityKeyPattern().IsMatch(key))
        {
            throw Invalid($"Invalid {entity} name: '{Truncate(key)}'. Names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), and slashes (/).");
        }

        if (!IsUniquePath(key))
        {
            throw Invalid($"Invalid {entity} name: '{Truncate(key)}'. Names may be treated as files in certain cases, and must not resolve to other names when treated as such.");
        }
    }

    /// <summary>Checks a param before it is logged.</summary>
    public static void ValidateParam(string? key, string? value)
    {
        ValidateEntityKey("param", key);
        ValidateLength("param", key!, value, MlflowLimits.MaxParamValueLength);
    }

    /// <summary>Checks a run tag before it is logged, against a given value limit.</summary>
    public static void ValidateRunTag(string? key, string? value, int maxValueLength)
    {
        ValidateEntityKey("tag", key);
        ValidateLength("tag", key!, value, maxValueLength);
    }

    /// <summary>Checks a metric point before it is logged.</summary>
    public static void ValidateMetric(string? key, double? value, long? timestamp)
    {
        ValidateEntityKey("metric", key);
        if (value is null)
        {
            throw Invalid($"Got invalid value for metric '{key}': the value must be a number.");
        }

        if (timestamp is null or < 0)
        {
            throw Invalid($"Got invalid timestamp {timestamp?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "null"} for metric '{key}': the timestamp must be a non-negative number of milliseconds.");
        }
    }

    /// <summary>Checks an experiment or registry tag: key rules and the given value limit.</summary>
    public static void ValidateTag(string entity, string? key, string? value, int maxValueLength)
    {
        ValidateEntityKey(entity, key);
        ValidateLength(entity, key!, value, maxValueLength);
    }

    /// <summary>Checks an experiment name.</summary>
    public static void ValidateExperimentName(string? name)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            throw Invalid("Invalid experiment name: the name must be a non-empty string.");
        }

        if (name.Length > MlflowLimits.MaxExperimentNameLength)
        {
            throw Invalid($"Experiment name had length {name.Length}, which exceeded length limit of {MlflowLimits.MaxExperimentNameLength}.");
        }
    }

    /// <summary>Checks a registered model name: non-empty and not a path.</summary>
    public static void ValidateModelName(string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            throw Invalid("Registered model name cannot be empty.");
        }

        if (name.Contains('/', StringComparison.Ordinal) || name.Contains('\\', StringComparison.Ordinal) || name.Contains('%', StringComparison.Ordinal))
        {
            throw Invalid($"Invalid model name: '{Truncate(name)}'. Names cannot contain path separators or '%'.");
        }
    }

    /// <summary>Checks an alias name: regex, length, and MLflow's reserved names (<c>latest</c>, <c>v&lt;n&gt;</c>).</summary>
    public static void ValidateAlias(string? alias)
    {
        if (string.IsNullOrEmpty(alias))
        {
            throw Invalid("Registered model alias name cannot be empty.");
        }

        if (alias.Length > MlflowLimits.MaxAliasLength)
        {
            throw Invalid($"Registered model alias name '{Truncate(alias)}' exceeds the maximum length of {MlflowLimits.MaxAliasLength} characters.");
        }

        if (!AliasPattern().IsMatch(alias))
        {
            throw Invalid($"Invalid alias name: '{Truncate(alias)}'. Aliases may only contain alphanumerics, underscores (_) and dashes (-).");
        }

        if (string.Equals(alias, "latest", StringComparison.OrdinalIgnoreCase))
        {
            throw Invalid("'latest' alias name (case insensitive) is reserved.");
        }

        if (VersionLikeAliasPattern().IsMatch(alias))
        {
            throw Invalid($"Version alias name '{alias}' is reserved.");
        }
    }

    /// <summary>Checks one dataset of a log-inputs request.</summary>
    public static void ValidateDataset(Dataset? dataset)
    {
        if (dataset is null)
        {
            throw Invalid("Missing value for required parameter 'dataset'.");
        }

        RequireNonEmpty("dataset.name", dataset.Name);
        RequireNonEmpty("dataset.digest", dataset.Digest);
        RequireNonEmpty("dataset.source_type", dataset.SourceType);
        RequireNonEmpty("dataset.source", dataset.Source);
        ValidateLength("dataset", "name", dataset.Name, MlflowLimits.MaxDatasetNameLength);
        ValidateLength("dataset", "digest", dataset.Digest, MlflowLimits.MaxDatasetDigestLength);
        ValidateLength("dataset", "source", dataset.Source, MlflowLimits.MaxDatasetSourceLength);
    }

    /// <summary>Throws when a required string parameter is missing or empty.</summary>
    public static string RequireNonEmpty(string parameter, string? value) =>
        string.IsNullOrEmpty(value) ? throw Invalid($"Missing value for required parameter '{parameter}'.") : value;

    /// <summary>Checks a relative artifact path: no absolute paths, no '..', no backslashes.</summary>
    public static string ValidateArtifactPath(string? path)
    {
        if (string.IsNullOrEmpty(path))
        {
            return "";
        }

        var segments = path.Split('/');
        if (path.StartsWith('/') || path.Contains('\\', StringComparison.Ordinal) || path.Contains(':', StringComparison.Ordinal) ||
            segments.Any(s => s is ".." or "."))
        {
            throw Invalid($"Invalid artifact path: '{Truncate(path)}'.");
        }

        return string.Join('/', segments.Where(s => s.Length > 0));
    }

    /// <summary>An INVALID_PARAMETER_VALUE error with the given message.</summary>
    public static MlflowInvalidParameterException Invalid(string message) => new(message);

    /// <summary>True when the key is what POSIX normpath would make of it: no empty, '.' or '..' segments, not absolute.</summary>
    private static bool IsUniquePath(string key) =>
        key.Split('/').All(segment => segment.Length > 0 && segment != "." && segment != "..");

    private static void ValidateLength(string entity, string key, string? value, int maxLength)
    {
        if (value is null)
        {
            throw Invalid($"Missing value for required parameter 'value' of {entity} '{key}'.");
        }

        if (value.Length > maxLength)
        {
            throw Invalid($"{Capitalize(entity)} value '{Truncate(value)}' for key '{key}' had length {value.Length}, which exceeded length limit of {maxLength}.");
        }
    }

    private static string Truncate(string value) => value.Length <= 60 ? value : string.Concat(value.AsSpan(0, 57), "...");

    private static string Capitalize(string value) => value.Length == 0 ? value : char.ToUpperInvariant(value[0]) + value[1..];
}

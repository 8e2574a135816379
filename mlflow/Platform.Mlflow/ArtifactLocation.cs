namespace Platform.Mlflow;

/// <summary>
/// Turns artifact URIs into paths of the tracking server's mlflow-artifacts proxy. A run's artifact root is whatever
/// <c>run.info.artifact_uri</c> says (for example <c>mlflow-artifacts:/1/&lt;run&gt;/artifacts</c>); nothing here assumes a layout.
/// </summary>
public static class ArtifactLocation
{
    /// <summary>The scheme of proxied artifact URIs.</summary>
    public const string ProxyScheme = "mlflow-artifacts";

    /// <summary>
    /// The proxy path of an artifact URI: <c>mlflow-artifacts:/1/r/artifacts</c> and
    /// <c>mlflow-artifacts://host:port/1/r/artifacts</c> both give <c>1/r/artifacts</c>. Other schemes (file:, s3:, ...)
    /// are not reachable through the tracking server and throw INVALID_PARAMETER_VALUE.
    /// </summary>
    public static string ToProxyPath(string artifactUri)
    {
        MlflowValidation.RequireNonEmpty("artifact_uri", artifactUri);
        const string prefix = ProxyScheme + ":";
        if (!artifactUri.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
        {
            throw MlflowValidation.Invalid(
                $"Artifact URI '{artifactUri}' is not served by the tracking server's artifact proxy (expected {ProxyScheme}:/...). " +
                "Start the MLflow server with --serve-artifacts (the default since 2.0) and create the experiment without an explicit artifact_location.");
        }

        var rest = artifactUri[prefix.Length..];
        if (rest.StartsWith("//", StringComparison.Ordinal))
        {
            // mlflow-artifacts://host:port/path: the authority names the server; the path is what the proxy serves.
            var slash = rest.IndexOf('/', 2);
            rest = slash < 0 ? "" : rest[slash..];
        }

        return MlflowValidation.ValidateArtifactPath(rest.TrimStart('/'));
    }

    /// <summary>Joins an artifact root and a relative path with '/', validating the relative path.</summary>
    public static string Combine(string root, string? relativePath)
    {
        var relative = MlflowValidation.ValidateArtifactPath(relativePath);
        return relative.Length == 0 ? root.TrimEnd('/') : root.TrimEnd('/') + "/" + relative;
    }

    /// <summary>The URL-escaped form of a '/'-separated path, segment by segment.</summary>
    public static string EscapePath(string path) => string.Join('/', path.Split('/').Select(Uri.EscapeDataString));
}

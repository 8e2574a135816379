using System.Net.Http.Headers;
using Platform.Mlflow.Protocol;

namespace Platform.Mlflow;

// Artifacts through the mlflow-artifacts proxy. Every method takes the artifact root URI of a run
// (run.Info.ArtifactUri, or a runs:/ or models:/ URI resolved by ResolveArtifactUriAsync) and a path relative to it.
public sealed partial class MlflowClient
{
    /// <summary>Uploads content to <paramref name="artifactPath"/> under the artifact root; <paramref name="openContent"/> is called once per attempt.</summary>
    public async Task UploadArtifactAsync(string artifactUri, string artifactPath, Func<Stream> openContent, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(openContent);
        var relative = MlflowValidation.ValidateArtifactPath(artifactPath);
        if (relative.Length == 0)
        {
            throw MlflowValidation.Invalid("An artifact upload needs a non-empty relative path.");
        }

        var uri = ProxyUri(ArtifactLocation.Combine(ArtifactLocation.ToProxyPath(artifactUri), relative));
        using var response = await SendAsync(
            () =>
            {
                var request = new HttpRequestMessage(HttpMethod.Put, uri) { Content = new StreamContent(openContent()) };
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
                return request;
            },
            "artifacts/upload",
            HttpCompletionOption.ResponseContentRead,
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Uploads bytes as one artifact file.</summary>
    public Task UploadArtifactBytesAsync(string artifactUri, string artifactPath, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default) =>
        UploadArtifactAsync(artifactUri, artifactPath, () => new MemoryStream(content.ToArray(), writable: false), cancellationToken);

    /// <summary>Uploads a local file as <c>{artifactDirectory}/{file name}</c>.</summary>
    public Task UploadFileAsync(string artifactUri, string localFile, string? artifactDirectory = null, CancellationToken cancellationToken = default)
    {
        if (!File.Exists(localFile))
        {
            throw new FileNotFoundException($"Artifact file '{localFile}' does not exist.", localFile);
        }

        var target = ArtifactLocation.Combine(artifactDirectory ?? "", Path.GetFileName(localFile)).TrimStart('/');
        return UploadArtifactAsync(artifactUri, target, () => File.OpenRead(localFile), cancellationToken);
    }

    /// <summary>Uploads every file under a local folder, keeping relative paths, under <paramref name="artifactDirectory"/>. Returns the number of files.</summary>
    public async Task<int> UploadDirectoryAsync(string artifactUri, string localDirectory, string? artifactDirectory = null, CancellationToken cancellationToken = default)
    {
        if (!Directory.Exists(localDirectory))
        {
            throw new DirectoryNotFoundException($"Artifact folder '{localDirectory}' does not exist.");
        }

        var count = 0;
        foreach (var file in Directory.EnumerateFiles(localDirectory, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var relative = Path.GetRelativePath(localDirectory, file).Replace(Path.DirectorySeparatorChar, '/');
            var target = ArtifactLocation.Combine(artifactDirectory ?? "", relative).TrimStart('/');
            await UploadArtifactAsync(artifactUri, target, () => File.OpenRead(file), cancellationToken).ConfigureAwait(false);
            count++;
        }

        return count;
    }

    /// <summary>
    /// Lists artifacts under <paramref name="path"/> (the root when null). Returned paths are relative to the artifact
    /// root; with <paramref name="recursive"/> every file below is listed too (directories included).
    /// </summary>
    public async Task<IReadOnlyList<ArtifactFileInfo>> ListArtifactsAsync(string artifactUri, string? path = null, bool recursive = false, CancellationToken cancellationToken = default)
    {
        var root = ArtifactLocation.ToProxyPath(artifactUri);
        var result = new List<ArtifactFileInfo>();
        var pending = new Queue<string>();
        pending.Enqueue(MlflowValidation.ValidateArtifactPath(path));
        while (pending.Count > 0)
        {
            var directory = pending.Dequeue();
            var query = QueryString([new("path", ArtifactLocation.Combine(root, directory))]);
            using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Get, new Uri(_baseUri, ArtifactsPrefix + query)), "artifacts/list", HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
            var listing = await ReadJsonAsync(response, Json.ListArtifactsResponse, cancellationToken).ConfigureAwait(false);
            foreach (var file in listing.Files)
            {
                // The proxy returns base names; keep only the last segment in case a server returns longer paths.
                var name = file.Path.TrimEnd('/');
                name = name[(name.LastIndexOf('/') + 1)..];
                var relative = directory.Length == 0 ? name : directory + "/" + name;
                result.Add(file with { Path = relative });
                if (recursive && file.IsDir)
                {
                    pending.Enqueue(relative);
                }
            }
        }

        return result;
    }

    /// <summary>Streams one artifact file into <paramref name="destination"/>; a missing file is RESOURCE_DOES_NOT_EXIST.</summary>
    public async Task DownloadArtifactAsync(string artifactUri, string artifactPath, Stream destination, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var uri = ProxyUri(ArtifactLocation.Combine(ArtifactLocation.ToProxyPath(artifactUri), artifactPath));
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Get, uri), "artifacts/download", HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        await response.Content.CopyToAsync(destination, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Downloads one artifact file into memory.</summary>
    public async Task<byte[]> DownloadArtifactBytesAsync(string artifactUri, string artifactPath, CancellationToken cancellationToken = default)
    {
        using var buffer = new MemoryStream();
        await DownloadArtifactAsync(artifactUri, artifactPath, buffer, cancellationToken).ConfigureAwait(false);
        return buffer.ToArray();
    }

    /// <summary>Downloads one artifact file to a local file, written atomically (a failed download leaves no partial file).</summary>
    public async Task DownloadFileAsync(string artifactUri, string artifactPath, string localFile, CancellationToken cancellationToken = default)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(localFile))!;
        Directory.CreateDirectory(directory);
        var temporary = Path.Combine(directory, "." + Path.GetFileName(localFile) + "." + Guid.NewGuid().ToString("N") + ".partial");
        try
        {
            await using (var output = File.Create(temporary))
            {
                await DownloadArtifactAsync(artifactUri, artifactPath, output, cancellationToken).ConfigureAwait(false);
            }

            File.Move(temporary, localFile, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    /// <summary>Downloads every file under an artifact folder into a local folder, keeping relative paths. Returns the number of files.</summary>
    public async Task<int> DownloadDirectoryAsync(string artifactUri, string? artifactDirectory, string localDirectory, CancellationToken cancellationToken = default)
    {
        var prefix = MlflowValidation.ValidateArtifactPath(artifactDirectory);
        var files = (await ListArtifactsAsync(artifactUri, prefix, recursive: true, cancellationToken).ConfigureAwait(false)).Where(f => !f.IsDir).ToList();
        foreach (var file in files)
        {
            var relative = prefix.Length == 0 ? file.Path : file.Path[(prefix.Length + 1)..];
            var target = Path.Combine(localDirectory, relative.Replace('/', Path.DirectorySeparatorChar));
            await DownloadFileAsync(artifactUri, file.Path, target, cancellationToken).ConfigureAwait(false);
        }

        return files.Count;
    }

    private Uri ProxyUri(string proxyPath) => new(_baseUri, ArtifactsPrefix + "/" + ArtifactLocation.EscapePath(proxyPath));
}

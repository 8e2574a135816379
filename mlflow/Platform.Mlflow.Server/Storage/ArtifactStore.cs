using Platform.Mlflow.Protocol;

namespace Platform.Mlflow.Server.Storage;

/// <summary>
/// The artifact folder behind the mlflow-artifacts proxy: proxy path <c>1/&lt;run&gt;/artifacts/model/MLmodel</c> is file
/// <c>{root}/1/&lt;run&gt;/artifacts/model/MLmodel</c>. Paths are validated and must stay inside the root.
/// Uploads are written to a temporary file and moved into place, so a failed upload never leaves a partial artifact.
/// </summary>
internal sealed class ArtifactStore
{
    private readonly string _root;

    public ArtifactStore(string root)
    {
        _root = Path.GetFullPath(root);
        Directory.CreateDirectory(_root);
    }

    public async Task WriteAsync(string? proxyPath, Stream content, CancellationToken cancellationToken)
    {
        var target = Resolve(proxyPath, allowRoot: false);
        if (Directory.Exists(target))
        {
            throw MlflowValidation.Invalid($"Cannot upload to '{proxyPath}': it is a directory.");
        }

        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        var temporary = target + "." + Guid.NewGuid().ToString("N") + ".upload";
        try
        {
            await using (var output = File.Create(temporary))
            {
                await content.CopyToAsync(output, cancellationToken).ConfigureAwait(false);
            }

            File.Move(temporary, target, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    /// <summary>Opens an artifact file for reading; a missing file or a directory is RESOURCE_DOES_NOT_EXIST.</summary>
    public FileStream OpenRead(string? proxyPath)
    {
        var file = Resolve(proxyPath, allowRoot: false);
        return File.Exists(file)
            ? new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, useAsync: true)
            : throw new MlflowResourceNotFoundException($"Artifact '{proxyPath}' does not exist.");
    }

    /// <summary>The entries directly under a folder (base names), as the proxy's list endpoint returns them; empty when missing.</summary>
    public List<ArtifactFileInfo> List(string? proxyPath)
    {
        var directory = Resolve(proxyPath, allowRoot: true);
        if (!Directory.Exists(directory))
        {
            return [];
        }

        var entries = new DirectoryInfo(directory).EnumerateFileSystemInfos()
            .Where(e => !e.Name.EndsWith(".upload", StringComparison.Ordinal))
            .OrderBy(e => e.Name, StringComparer.Ordinal)
            .Select(e => e is FileInfo file
                ? new ArtifactFileInfo { Path = file.Name, IsDir = false, FileSize = file.Length }
                : new ArtifactFileInfo { Path = e.Name, IsDir = true });
        return entries.ToList();
    }

    public void Delete(string? proxyPath)
    {
        var target = Resolve(proxyPath, allowRoot: false);
        if (File.Exists(target))
        {
            File.Delete(target);
        }
        else if (Directory.Exists(target))
        {
            Directory.Delete(target, recursive: true);
        }
        else
        {
            throw new MlflowResourceNotFoundException($"Artifact '{proxyPath}' does not exist.");
        }
    }

    private string Resolve(string? proxyPath, bool allowRoot)
    {
        var relative = MlflowValidation.ValidateArtifactPath(proxyPath);
        if (relative.Length == 0 && !allowRoot)
        {
            throw MlflowValidation.Invalid("An artifact path is required.");
        }

        var full = Path.GetFullPath(Path.Combine(_root, relative.Replace('/', Path.DirectorySeparatorChar)));
        return full == _root || full.StartsWith(_root + Path.DirectorySeparatorChar, StringComparison.Ordinal)
            ? full
            : throw MlflowValidation.Invalid($"Invalid artifact path: '{proxyPath}'.");
    }
}

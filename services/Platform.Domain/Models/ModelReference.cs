namespace Platform.Domain.Models;

/// <summary>
/// Where a trading model comes from: a registered version by alias (<c>models:/NAME@ALIAS</c>) or by number
/// (<c>models:/NAME/VERSION</c>), or a checkpoint file path.
/// </summary>
public sealed record ModelReference
{
    private const string Scheme = "models:/";

    private ModelReference(string? name, string? alias, string? version, string? path)
    {
        Name = name;
        Alias = alias;
        Version = version;
        Path = path;
    }

    /// <summary>Registered model name (null for a file).</summary>
    public string? Name { get; }

    public string? Alias { get; }

    public string? Version { get; }

    /// <summary>Checkpoint file (null for a registered model).</summary>
    public string? Path { get; }

    public bool IsRegistered => Path is null;

    public static ModelReference File(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        return new ModelReference(null, null, null, path);
    }

    public static ModelReference Registered(string name, string? alias, string? version)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if ((alias is null) == (version is null))
        {
            throw new ArgumentException($"A registered model reference needs exactly one of an alias or a version (model '{name}').");
        }

        return new ModelReference(name, alias, version, null);
    }

    /// <summary>Parses <c>models:/NAME@ALIAS</c>, <c>models:/NAME/VERSION</c> or a file path; a clear error otherwise.</summary>
    public static ModelReference Parse(string text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new ArgumentException("A model reference is models:/NAME@ALIAS, models:/NAME/VERSION or a checkpoint file path (got nothing).");
        }

        if (!text.StartsWith(Scheme, StringComparison.Ordinal))
        {
            return File(text);
        }

        var rest = text[Scheme.Length..];
        var at = rest.IndexOf('@', StringComparison.Ordinal);
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        if (at > 0 && slash < 0 && at < rest.Length - 1)
        {
            return Registered(rest[..at], rest[(at + 1)..], null);
        }

        if (slash > 0 && at < 0 && slash < rest.Length - 1 && rest[(slash + 1)..].All(char.IsAsciiDigit))
        {
            return Registered(rest[..slash], null, rest[(slash + 1)..]);
        }

        throw new ArgumentException($"'{text}' is not a model reference: expected models:/NAME@ALIAS (e.g. models:/btcusdt-dqn@{ModelAliases.Champion}) or models:/NAME/VERSION.");
    }

    public override string ToString() => Path ?? (Alias is not null ? $"{Scheme}{Name}@{Alias}" : $"{Scheme}{Name}/{Version}");
}

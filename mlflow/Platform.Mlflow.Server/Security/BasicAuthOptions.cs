using System.Globalization;

namespace Platform.Mlflow.Server.Security;

/// <summary>A user's access when not an admin (MLflow's permission names).</summary>
public enum MlflowAccess
{
    /// <summary>No access.</summary>
    NoPermissions,

    /// <summary>Read: GET requests and searches.</summary>
    Read,

    /// <summary>Read and update (create, log, set): everything but deletions.</summary>
    Edit,

    /// <summary>Everything, deletions included.</summary>
    Manage,
}

/// <summary>
/// HTTP basic auth as MLflow's <c>--app-name basic-auth</c> has it: users in a database next to the store, an admin
/// created at the first start from the configuration, a default permission for every other user. Read from MLflow's
/// <c>basic_auth.ini</c> (MLFLOW_AUTH_CONFIG_PATH: <c>[mlflow]</c> default_permission, admin_username, admin_password)
/// and then MLFLOW_AUTH_ADMIN_USERNAME / MLFLOW_AUTH_ADMIN_PASSWORD (so a secret can be passed as an environment
/// variable). Unlike MLflow there is no built-in default password: one must be configured.
/// </summary>
public sealed class BasicAuthOptions
{
    public string AdminUsername { get; set; } = "admin";

    public string AdminPassword { get; set; } = "";

    /// <summary>Access of every non-admin user (MLflow: default_permission, READ by default).</summary>
    public MlflowAccess DefaultPermission { get; set; } = MlflowAccess.Read;

    /// <summary>Reads MLFLOW_AUTH_CONFIG_PATH's ini file when set, then the MLFLOW_AUTH_ADMIN_* variables.</summary>
    public static BasicAuthOptions FromEnvironment(Func<string, string?>? getVariable = null)
    {
        getVariable ??= Environment.GetEnvironmentVariable;
        var options = new BasicAuthOptions();
        if (getVariable("MLFLOW_AUTH_CONFIG_PATH") is { Length: > 0 } path)
        {
            if (!File.Exists(path))
            {
                throw new ArgumentException($"MLFLOW_AUTH_CONFIG_PATH '{path}' does not exist.");
            }

            foreach (var (key, value) in ReadIniSection(File.ReadAllLines(path), "mlflow"))
            {
                switch (key)
                {
                    case "admin_username":
                        options.AdminUsername = value;
                        break;
                    case "admin_password":
                        options.AdminPassword = value;
                        break;
                    case "default_permission":
                        options.DefaultPermission = ParsePermission(value);
                        break;
                }
            }
        }

        options.AdminUsername = getVariable("MLFLOW_AUTH_ADMIN_USERNAME") is { Length: > 0 } user ? user : options.AdminUsername;
        options.AdminPassword = getVariable("MLFLOW_AUTH_ADMIN_PASSWORD") is { Length: > 0 } password ? password : options.AdminPassword;
        options.Validate();
        return options;
    }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first problem.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(AdminUsername) || AdminUsername.Contains(':', StringComparison.Ordinal))
        {
            throw new ArgumentException("Basic auth needs an admin user name without ':' (admin_username or MLFLOW_AUTH_ADMIN_USERNAME).");
        }

        if (AdminPassword.Length < 8)
        {
            throw new ArgumentException("Basic auth needs an admin password of at least 8 characters (admin_password in MLFLOW_AUTH_CONFIG_PATH's file, or MLFLOW_AUTH_ADMIN_PASSWORD).");
        }
    }

    /// <summary>READ, EDIT, MANAGE or NO_PERMISSIONS (case-insensitive).</summary>
    public static MlflowAccess ParsePermission(string value) => value.Trim().ToUpperInvariant() switch
    {
        "READ" => MlflowAccess.Read,
        "EDIT" => MlflowAccess.Edit,
        "MANAGE" => MlflowAccess.Manage,
        "NO_PERMISSIONS" => MlflowAccess.NoPermissions,
        _ => throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Unknown permission '{value}': use READ, EDIT, MANAGE or NO_PERMISSIONS.")),
    };

    private static IEnumerable<(string Key, string Value)> ReadIniSection(IEnumerable<string> lines, string section)
    {
        var inSection = false;
        foreach (var raw in lines)
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] is '#' or ';')
            {
                continue;
            }

            if (line[0] == '[')
            {
                inSection = string.Equals(line.Trim('[', ']').Trim(), section, StringComparison.OrdinalIgnoreCase);
                continue;
            }

            var equals = line.IndexOfAny(['=', ':']);
            if (inSection && equals > 0)
            {
                yield return (line[..equals].Trim().ToLowerInvariant(), line[(equals + 1)..].Trim());
            }
        }
    }
}

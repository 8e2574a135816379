using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Data.Sqlite;

namespace Platform.Mlflow.Server.Security;

/// <summary>A user of the basic-auth server.</summary>
internal sealed record MlflowUser(long Id, string Username, bool IsAdmin);

/// <summary>
/// Users of the basic-auth server in their own SQLite file (<c>basic_auth.db</c> next to <c>mlflow.db</c>, as MLflow
/// keeps them apart). Passwords are stored as salted PBKDF2-SHA256; a verified credential is remembered (as a SHA-256
/// of the header, never the password) for a minute so that a run's many requests do not each pay the key derivation.
/// </summary>
internal sealed class UserStore : IDisposable
{
    private const int Iterations = 100_000;
    private static readonly TimeSpan VerifiedLifetime = TimeSpan.FromMinutes(1);

    private readonly SqliteConnection _connection;
    private readonly Lock _gate = new();
    private readonly ConcurrentDictionary<string, (MlflowUser User, DateTimeOffset Until)> _verified = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;

    public UserStore(string databaseFile, TimeProvider time)
    {
        _time = time;
        _connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = databaseFile, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = false }.ToString());
        _connection.Open();
        Execute("PRAGMA journal_mode = WAL; CREATE TABLE IF NOT EXISTS users (id INTEGER PRIMARY KEY, username TEXT NOT NULL UNIQUE, password_hash BLOB NOT NULL, salt BLOB NOT NULL, is_admin INTEGER NOT NULL);");
    }

    /// <summary>Creates the configured admin when missing (an existing admin keeps its password, as in MLflow).</summary>
    public void EnsureAdmin(string username, string password)
    {
        if (Get(username) is null)
        {
            Create(username, password, isAdmin: true);
        }
    }

    public MlflowUser Create(string username, string password, bool isAdmin)
    {
        ValidateCredentials(username, password);
        var salt = RandomNumberGenerator.GetBytes(16);
        lock (_gate)
        {
            if (GetUnlocked(username) is not null)
            {
                throw new MlflowResourceAlreadyExistsException($"User '{username}' already exists.");
            }

            Execute("INSERT INTO users (username, password_hash, salt, is_admin) VALUES ($u, $h, $s, $a);", ("$u", username), ("$h", Hash(password, salt)), ("$s", salt), ("$a", isAdmin ? 1 : 0));
            return GetUnlocked(username)!;
        }
    }

    public MlflowUser? Get(string username)
    {
        lock (_gate)
        {
            return GetUnlocked(username);
        }
    }

    public void UpdatePassword(string username, string password)
    {
        ValidateCredentials(username, password);
        var salt = RandomNumberGenerator.GetBytes(16);
        Change(username, "UPDATE users SET password_hash = $h, salt = $s WHERE username = $u;", ("$h", Hash(password, salt)), ("$s", salt));
    }

    public void UpdateAdmin(string username, bool isAdmin) => Change(username, "UPDATE users SET is_admin = $a WHERE username = $u;", ("$a", isAdmin ? 1 : 0));

    public void Delete(string username) => Change(username, "DELETE FROM users WHERE username = $u;");

    /// <summary>The user whose name and password these are, or null.</summary>
    public MlflowUser? Authenticate(string username, string password)
    {
        var key = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(username + "\0" + password)));
        var now = _time.GetUtcNow();
        if (_verified.TryGetValue(key, out var known) && known.Until > now)
        {
            return known.User;
        }

        byte[]? hash = null, salt = null;
        MlflowUser? user;
        lock (_gate)
        {
            user = GetUnlocked(username, (h, s) => (hash, salt) = (h, s));
        }

        if (user is null || hash is null || !CryptographicOperations.FixedTimeEquals(hash, Hash(password, salt!)))
        {
            return null;
        }

        _verified[key] = (user, now + VerifiedLifetime);
        return user;
    }

    public void Dispose() => _connection.Dispose();

    private static void ValidateCredentials(string username, string password)
    {
        if (string.IsNullOrWhiteSpace(username) || username.Contains(':', StringComparison.Ordinal))
        {
            throw MlflowValidation.Invalid("Missing value for required parameter 'username' (a name without ':').");
        }

        if (string.IsNullOrEmpty(password))
        {
            throw MlflowValidation.Invalid("Missing value for required parameter 'password'.");
        }
    }

    private static byte[] Hash(string password, byte[] salt) => Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, Iterations, HashAlgorithmName.SHA256, 32);

    private void Change(string username, string sql, params (string Name, object Value)[] parameters)
    {
        lock (_gate)
        {
            if (Execute(sql, [("$u", username), .. parameters]) == 0)
            {
                throw new MlflowResourceNotFoundException($"User with username={username} not found.");
            }
        }

        // Changed credentials or rights take effect on the next request.
        _verified.Clear();
    }

    private MlflowUser? GetUnlocked(string username, Action<byte[], byte[]>? secrets = null)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = "SELECT id, username, is_admin, password_hash, salt FROM users WHERE username = $u;";
        command.Parameters.AddWithValue("$u", username);
        using var reader = command.ExecuteReader();
        if (!reader.Read())
        {
            return null;
        }

        secrets?.Invoke((byte[])reader[3], (byte[])reader[4]);
        return new MlflowUser(reader.GetInt64(0), reader.GetString(1), reader.GetInt64(2) != 0);
    }

    private int Execute(string sql, params (string Name, object Value)[] parameters)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return command.ExecuteNonQuery();
    }
}

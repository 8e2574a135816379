using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Npgsql;
using Platform.Storage.Postgres;

namespace Platform.TestSupport;

/// <summary>
/// A PostgreSQL server for the contract suite: <c>PLATFORM_POSTGRES</c> when set, otherwise a throwaway cluster of
/// Debian's server binaries (initdb in a temp directory, a free loopback port, its unix socket in the same directory),
/// stopped and deleted at the end. As root (CI) the cluster runs as the <c>postgres</c> user, since initdb refuses root.
/// When no server can be had, every test of the suite fails with the reason: never a silent skip.
/// </summary>
public sealed class PostgresServerFixture : IAsyncLifetime
{
    private string? directory;
    private string? binDirectory;
    private bool asPostgresUser;

    /// <summary>Where the server is (no search path: each test gets its own schema from <see cref="CreateSchemaAsync"/>).</summary>
    public string ConnectionString { get; private set; } = string.Empty;

    public async Task InitializeAsync()
    {
        if (PostgresConnectionString.FromEnvironment() is { } external)
        {
            ConnectionString = external.Value;
            return;
        }

        binDirectory = FindBinaries();
        asPostgresUser = !OperatingSystem.IsWindows() && Environment.UserName == "root";
        directory = Directory.CreateTempSubdirectory("platform-postgres-").FullName;
        var data = Path.Combine(directory, "data");
        if (asPostgresUser && !OperatingSystem.IsWindows())
        {
            // The postgres user creates the cluster and the socket inside this directory.
            File.SetUnixFileMode(directory, (UnixFileMode)0b111_111_111);
        }

        await RunAsync("initdb", ["-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-locale", "--no-sync"]);
        Exception? last = null;
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var port = FreePort();
            try
            {
                await RunAsync("pg_ctl", ["-D", data, "-l", Path.Combine(directory, "server.log"), "-w", "-t", "60", "-o",
                    $"-c listen_addresses=127.0.0.1 -p {port} -k {directory} -c fsync=off -c synchronous_commit=off -c full_page_writes=off", "start"]);
                ConnectionString = new NpgsqlConnectionStringBuilder { Host = "127.0.0.1", Port = port, Username = "postgres", Database = "postgres", Pooling = true }.ConnectionString;
                return;
            }
            catch (InvalidOperationException e)
            {
                last = e; // the port was taken between probing and binding: try another
            }
        }

        throw new InvalidOperationException($"PostgreSQL did not start: {last?.Message}\n{ServerLog()}", last);
    }

    /// <summary>A fresh schema on the server, as the connection's search path, dropped by the returned handle.</summary>
    public async Task<TestSchema> CreateSchemaAsync()
    {
        var schema = "contract_" + Guid.NewGuid().ToString("N")[..12];
        await ExecuteAsync($"CREATE SCHEMA {schema}");
        var builder = new NpgsqlConnectionStringBuilder(ConnectionString) { SearchPath = schema };
        return new TestSchema(this, schema, PostgresConnectionString.Parse(builder.ConnectionString, "test connection"));
    }

    public async Task DisposeAsync()
    {
        if (directory is null)
        {
            return;
        }

        try
        {
            await RunAsync("pg_ctl", ["-D", Path.Combine(directory, "data"), "-m", "immediate", "-w", "stop"]);
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }

    internal async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static string FindBinaries()
    {
        const string root = "/usr/lib/postgresql";
        var bin = Directory.Exists(root)
            ? Directory.GetDirectories(root)
                .Select(d => (Dir: Path.Combine(d, "bin"), Version: int.TryParse(Path.GetFileName(d), NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : 0))
                .Where(c => File.Exists(Path.Combine(c.Dir, "initdb")))
                .OrderByDescending(c => c.Version)
                .Select(c => c.Dir)
                .FirstOrDefault()
            : null;
        return bin ?? throw new InvalidOperationException(
            "PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin: install Debian's 'postgresql' package (scripts/debian-packages.txt lists it; ./test.sh installs it) or set PLATFORM_POSTGRES to a server's connection string");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private async Task RunAsync(string tool, IReadOnlyList<string> arguments)
    {
        var start = new ProcessStartInfo { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        var executable = Path.Combine(binDirectory!, tool);
        if (asPostgresUser)
        {
            start.FileName = "runuser";
            foreach (var argument in new[] { "-u", "postgres", "--", executable })
            {
                start.ArgumentList.Add(argument);
            }
        }
        else
        {
            start.FileName = executable;
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {tool}");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{tool} exited with {process.ExitCode}{(asPostgresUser ? " (run as the postgres user)" : string.Empty)}: {await error}{await output}");
        }
    }

    private string ServerLog()
    {
        var log = directory is null ? null : Path.Combine(directory, "server.log");
        return log is not null && File.Exists(log) ? string.Join('\n', File.ReadAllLines(log).TakeLast(20)) : string.Empty;
    }

    public sealed class TestSchema(PostgresServerFixture server, string name, PostgresConnectionString connection) : IAsyncDisposable
    {
        public PostgresConnectionString Connection { get; } = connection;

        public async ValueTask DisposeAsync() => await server.ExecuteAsync($"DROP SCHEMA IF EXISTS {name} CASCADE");
    }
}

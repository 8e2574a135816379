using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Platform.Mlflow.Server.Endpoints;

namespace Platform.Mlflow.Server.Security;

/// <summary>
/// Every request must carry <c>Authorization: Basic</c> credentials of a known user, else 401 with
/// <c>WWW-Authenticate: Basic realm="mlflow"</c>. Admins may do everything; other users have the configured default
/// permission on every experiment and model (MLflow's per-resource permissions are not implemented: simplified to the
/// default). User management is MLflow's <c>/api/2.0/mlflow/users/*</c> API.
/// </summary>
internal static class BasicAuthentication
{
    private const string UsersApi = "/api/2.0/mlflow/users/";
    private const string UserKey = "platform.mlflow.user";

    public static async Task HandleAsync(HttpContext context, Func<Task> next, UserStore users, BasicAuthOptions options)
    {
        if (Authenticate(context.Request, users) is not { } user)
        {
            await Http.WriteErrorAsync(context.Response, MlflowErrorCodes.Unauthenticated,
                "You are not authenticated: send basic-auth credentials (MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD).",
                header: ("WWW-Authenticate", "Basic realm=\"mlflow\"")).ConfigureAwait(false);
            return;
        }

        context.Items[UserKey] = user;
        System.Diagnostics.Activity.Current?.SetTag("enduser.id", user.Username);
        var path = context.Request.Path.Value ?? "";
        if (!user.IsAdmin && !path.StartsWith(UsersApi, StringComparison.Ordinal) && !Allows(options.DefaultPermission, context.Request.Method, path))
        {
            await Http.WriteErrorAsync(context.Response, MlflowErrorCodes.PermissionDenied,
                $"Permission denied: user '{user.Username}' has {options.DefaultPermission} permission, which does not allow {context.Request.Method} {path}.").ConfigureAwait(false);
            return;
        }

        await next().ConfigureAwait(false);
    }

    /// <summary>MLflow's users API: create, get, update-password, update-admin, delete.</summary>
    public static void MapUsers(IEndpointRouteBuilder app, UserStore users)
    {
        app.MapPost(UsersApi + "create", async (HttpContext ctx) =>
        {
            RequireAdmin(ctx);
            var body = await ReadAsync(ctx).ConfigureAwait(false);
            return UserResult(users.Create(Text(body, "username"), Text(body, "password"), isAdmin: false));
        });
        app.MapGet(UsersApi + "get", (HttpContext ctx) =>
        {
            var name = ctx.Request.Query["username"].ToString();
            RequireSelfOrAdmin(ctx, name);
            return UserResult(users.Get(name) ?? throw new MlflowResourceNotFoundException($"User with username={name} not found."));
        });
        app.MapMethods(UsersApi + "update-password", ["PATCH"], async (HttpContext ctx) =>
        {
            var body = await ReadAsync(ctx).ConfigureAwait(false);
            var name = Text(body, "username");
            RequireSelfOrAdmin(ctx, name);
            users.UpdatePassword(name, Text(body, "password"));
            return Results.Text("{}", "application/json");
        });
        app.MapMethods(UsersApi + "update-admin", ["PATCH"], async (HttpContext ctx) =>
        {
            RequireAdmin(ctx);
            var body = await ReadAsync(ctx).ConfigureAwait(false);
            var isAdmin = body["is_admin"] is JsonValue value && value.TryGetValue<bool>(out var flag)
                ? flag
                : throw MlflowValidation.Invalid("Missing value for required parameter 'is_admin' (a boolean).");
            users.UpdateAdmin(Text(body, "username"), isAdmin);
            return Results.Text("{}", "application/json");
        });
        app.MapDelete(UsersApi + "delete", async (HttpContext ctx) =>
        {
            RequireAdmin(ctx);
            var body = await ReadAsync(ctx).ConfigureAwait(false);
            users.Delete(Text(body, "username"));
            return Results.Text("{}", "application/json");
        });
    }

    /// <summary>READ: reads and searches; EDIT: also writes; MANAGE: also deletions.</summary>
    internal static bool Allows(MlflowAccess permission, string method, string path)
    {
        var read = HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || (HttpMethods.IsPost(method) && path.EndsWith("/search", StringComparison.Ordinal));
        var delete = HttpMethods.IsDelete(method) || path.Contains("/delete", StringComparison.Ordinal);
        return permission switch
        {
            MlflowAccess.Manage => true,
            MlflowAccess.Edit => !delete,
            MlflowAccess.Read => read,
            _ => false,
        };
    }

    private static MlflowUser? Authenticate(HttpRequest request, UserStore users)
    {
        var header = request.Headers.Authorization.ToString();
        if (!header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        string decoded;
        try
        {
            decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header[6..].Trim()));
        }
        catch (FormatException)
        {
            return null;
        }

        var colon = decoded.IndexOf(':', StringComparison.Ordinal);
        return colon <= 0 ? null : users.Authenticate(decoded[..colon], decoded[(colon + 1)..]);
    }

    private static MlflowUser Current(HttpContext ctx) => (MlflowUser)ctx.Items[UserKey]!;

    private static void RequireAdmin(HttpContext ctx)
    {
        if (!Current(ctx).IsAdmin)
        {
            throw new MlflowAuthorizationException(MlflowErrorCodes.PermissionDenied, "Permission denied: only an admin may manage users.", null);
        }
    }

    private static void RequireSelfOrAdmin(HttpContext ctx, string username)
    {
        var user = Current(ctx);
        if (!user.IsAdmin && !string.Equals(user.Username, username, StringComparison.Ordinal))
        {
            throw new MlflowAuthorizationException(MlflowErrorCodes.PermissionDenied, "Permission denied: a user may only read or change their own account.", null);
        }
    }

    private static async Task<JsonObject> ReadAsync(HttpContext ctx)
    {
        try
        {
            return await JsonNode.ParseAsync(ctx.Request.Body, cancellationToken: ctx.RequestAborted).ConfigureAwait(false) as JsonObject
                ?? throw MlflowValidation.Invalid("The request body must be a JSON object.");
        }
        catch (JsonException)
        {
            throw MlflowValidation.Invalid("The request body is not valid JSON.");
        }
    }

    private static string Text(JsonObject body, string field) =>
        body[field] is JsonValue value && value.TryGetValue<string>(out var text) && text.Length > 0
            ? text
            : throw MlflowValidation.Invalid($"Missing value for required parameter '{field}'.");

    private static IResult UserResult(MlflowUser user) => Results.Text(
        new JsonObject
        {
            ["user"] = new JsonObject
            {
                ["id"] = user.Id,
                ["username"] = user.Username,
                ["is_admin"] = user.IsAdmin,
                ["experiment_permissions"] = new JsonArray(),
                ["registered_model_permissions"] = new JsonArray(),
            },
        }.ToJsonString(),
        "application/json");
}

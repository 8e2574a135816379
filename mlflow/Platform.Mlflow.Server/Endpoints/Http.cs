using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;
using Platform.Mlflow.Protocol;

namespace Platform.Mlflow.Server.Endpoints;

/// <summary>Request parsing and response writing shared by all endpoints, with MLflow's error semantics.</summary>
internal static class Http
{
    /// <summary>Largest JSON body accepted; log-batch has its own, smaller, MLflow limit.</summary>
    public const int MaxJsonBodyBytes = 16 * 1024 * 1024;

    public static readonly MlflowJsonContext Json = MlflowJsonContext.Default;

    /// <summary>
    /// Reads a JSON request body. MLflow requires Content-Type application/json; a missing body reads as {} so that the
    /// required-field checks name what is missing; malformed JSON or wrong types are INVALID_PARAMETER_VALUE.
    /// </summary>
    public static async Task<(T Body, int Bytes)> ReadJsonAsync<T>(HttpRequest request, JsonTypeInfo<T> info, CancellationToken cancellationToken)
    {
        if (request.ContentType is not { } contentType || !contentType.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
        {
            throw MlflowValidation.Invalid($"Bad Request. Content-Type must be 'application/json', got '{request.ContentType}'.");
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > MaxJsonBodyBytes)
            {
                throw MlflowValidation.Invalid($"Request body exceeds the limit of {MaxJsonBodyBytes} bytes.");
            }

            buffer.Write(chunk, 0, read);
        }

        var bytes = buffer.Length == 0 ? "{}"u8.ToArray() : buffer.ToArray();
        try
        {
            var body = JsonSerializer.Deserialize(bytes, info) ?? throw MlflowValidation.Invalid("Malformed JSON request body: expected a JSON object.");
            return (body, bytes.Length);
        }
        catch (JsonException ex)
        {
            throw MlflowValidation.Invalid($"Malformed JSON request body: {JsonErrors.Describe(ex)}.");
        }
    }

    public static string? Query(HttpRequest request, string name) => request.Query.TryGetValue(name, out var values) ? values.ToString() : null;

    public static IReadOnlyList<string> QueryAll(HttpRequest request, string name) =>
        request.Query.TryGetValue(name, out var values) ? values.Where(v => !string.IsNullOrEmpty(v)).Select(v => v!).ToList() : [];

    public static long? QueryLong(HttpRequest request, string name)
    {
        var text = Query(request, name);
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        return long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw MlflowValidation.Invalid($"Invalid value '{text}' for parameter '{name}': expected an integer.");
    }

    public static IResult Ok<T>(T value, JsonTypeInfo<T> info) => Results.Json(value, info);

    public static IResult Empty() => Results.Json(new EmptyResponse(), Json.EmptyResponse);

    /// <summary>A handler that reads a JSON body, passes it to <paramref name="call"/> and answers its result as JSON.</summary>
    public static Func<HttpContext, Task<IResult>> JsonCall<TRequest, TResponse>(
        JsonTypeInfo<TRequest> request, Func<TRequest, TResponse> call, JsonTypeInfo<TResponse> response) =>
        async ctx =>
        {
            var (body, _) = await ReadJsonAsync(ctx.Request, request, ctx.RequestAborted).ConfigureAwait(false);
            return Ok(call(body), response);
        };

    /// <summary>A handler that reads a JSON body, passes it to <paramref name="command"/> and answers MLflow's empty object.</summary>
    public static Func<HttpContext, Task<IResult>> JsonCommand<TRequest>(JsonTypeInfo<TRequest> request, Action<TRequest> command) =>
        async ctx =>
        {
            var (body, _) = await ReadJsonAsync(ctx.Request, request, ctx.RequestAborted).ConfigureAwait(false);
            command(body);
            return Empty();
        };

    /// <summary>A handler that answers <paramref name="call"/>'s result on the request (its query string) as JSON.</summary>
    public static Func<HttpContext, IResult> QueryCall<TResponse>(Func<HttpRequest, TResponse> call, JsonTypeInfo<TResponse> response) =>
        ctx => Ok(call(ctx.Request), response);

    public static async Task WriteErrorAsync(HttpResponse response, string errorCode, string message, int? statusCode = null, (string Name, string Value)? header = null)
    {
        response.Clear();
        if (header is var (name, value))
        {
            response.Headers[name] = value;
        }

        response.StatusCode = statusCode ?? (int)MlflowErrorCodes.ToHttpStatus(errorCode);
        response.ContentType = "application/json";
        await JsonSerializer.SerializeAsync(response.Body, new ErrorResponse(errorCode, message), Json.ErrorResponse).ConfigureAwait(false);
    }
}

namespace Platform.Binance;

/// <summary>One HTTP attempt of the Binance clients: sent and read within its own timeout.</summary>
internal static class BinanceTransport
{
    /// <summary>The answer and its body; a timeout surfaces as <see cref="OperationCanceledException"/> while <paramref name="cancellationToken"/> is not cancelled.</summary>
    public static async Task<(HttpResponseMessage Response, string Body)> SendAsync(HttpClient http, HttpRequestMessage request, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        attempt.CancelAfter(timeout);
        var response = await http.SendAsync(request, attempt.Token).ConfigureAwait(false);
        try
        {
            return (response, await response.Content.ReadAsStringAsync(attempt.Token).ConfigureAwait(false));
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }
}

using System.Globalization;
using System.Net;
using System.Text.Json;
using Platform.Binance;
using Platform.Domain.Execution;

namespace Platform.LiveTrading.Execution;

/// <summary>
/// The simulator's clock hold over HTTP (<c>PUT/DELETE /sim/v1/holds/{name}</c>): while the execution service works on a
/// bar, the replay waits at that bar's close. <see cref="IsSupportedAsync"/> tells whether an exchange offers it.
/// </summary>
public sealed class SimulatorClockHold(HttpClient http, Uri exchange, string name) : IMarketClockHold
{
    private readonly HttpClient http = http ?? throw new ArgumentNullException(nameof(http));
    private readonly Uri baseUri = BinanceClientOptions.ForServer(exchange).RestBaseUri;

    public string Name { get; } = !string.IsNullOrWhiteSpace(name) ? name : throw new ArgumentException("A hold needs a name.", nameof(name));

    /// <summary>True when the exchange is the platform's simulator (it answers <c>/sim/status</c>).</summary>
    public static async Task<bool> IsSupportedAsync(HttpClient http, Uri exchange, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(http);
        using var response = await http.GetAsync(new Uri(BinanceClientOptions.ForServer(exchange).RestBaseUri, "sim/status"), cancellationToken).ConfigureAwait(false);
        return response.IsSuccessStatusCode;
    }

    public async Task<DateTimeOffset> StartAsync(string symbol, CancellationToken cancellationToken = default) =>
        await PutAsync(symbol, null, cancellationToken).ConfigureAwait(false);

    public async Task DoneThroughAsync(string symbol, DateTimeOffset barOpenTime, CancellationToken cancellationToken = default) =>
        await PutAsync(symbol, barOpenTime, cancellationToken).ConfigureAwait(false);

    public async Task StopAsync(string symbol, CancellationToken cancellationToken = default)
    {
        using var response = await http.DeleteAsync(new Uri(baseUri, "sim/v1/holds/" + Uri.EscapeDataString(Name)), cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode && response.StatusCode != HttpStatusCode.NotFound)
        {
            throw new HttpRequestException($"The simulator refused to lift clock hold '{Name}': HTTP {(int)response.StatusCode}.");
        }
    }

    private async Task<DateTimeOffset> PutAsync(string symbol, DateTimeOffset? doneThrough, CancellationToken cancellationToken)
    {
        var query = "symbol=" + Uri.EscapeDataString(symbol) + (doneThrough is { } done ? "&doneThrough=" + done.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture) : "");
        using var response = await http.PutAsync(new Uri(baseUri, $"sim/v1/holds/{Uri.EscapeDataString(Name)}?{query}"), null, cancellationToken).ConfigureAwait(false);
        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"The simulator refused clock hold '{Name}' on {symbol}: HTTP {(int)response.StatusCode} {body}");
        }

        using var document = JsonDocument.Parse(body);
        return DateTimeOffset.FromUnixTimeMilliseconds(document.RootElement.GetProperty("nextBar").GetInt64());
    }
}

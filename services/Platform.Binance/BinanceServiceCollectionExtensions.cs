using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Platform.Binance;

/// <summary>Registers <see cref="BinanceRestClient"/> as a typed HttpClient with options validated when the host starts.</summary>
public static class BinanceServiceCollectionExtensions
{
    public static IServiceCollection AddBinanceMarketData(this IServiceCollection services, Action<BinanceClientOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<BinanceClientOptions>()
            .Configure(options => configure?.Invoke(options))
            .Validate(
                options =>
                {
                    try
                    {
                        options.Validate();
                        return true;
                    }
                    catch (BinanceConfigurationException)
                    {
                        return false;
                    }
                },
                "Binance client options are invalid: the REST base must be http(s)://, the stream base ws(s)://, retries 0-20, delays non-negative.")
            .ValidateOnStart();
        services.AddSingleton(provider => provider.GetRequiredService<IOptions<BinanceClientOptions>>().Value);

        // The client applies its own per-attempt timeout; the HttpClient's would cut retries short.
        services.AddHttpClient<BinanceRestClient>(http => http.Timeout = Timeout.InfiniteTimeSpan);
        return services;
    }
}

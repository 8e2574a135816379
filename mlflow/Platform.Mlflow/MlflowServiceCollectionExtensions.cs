using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Platform.Mlflow;

/// <summary>Registers <see cref="MlflowClient"/> as a typed HttpClient with validated options.</summary>
public static class MlflowServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="MlflowClient"/> configured from MLflow's environment variables (MLFLOW_TRACKING_URI, ...), then
    /// <paramref name="configure"/>. The options are validated when the host starts, so a bad URI fails fast.
    /// </summary>
    public static IServiceCollection AddMlflowClient(this IServiceCollection services, Action<MlflowClientOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<MlflowClientOptions>()
            .Configure(options =>
            {
                var fromEnvironment = MlflowClientOptions.FromEnvironment();
                options.TrackingUri = fromEnvironment.TrackingUri;
                options.Username = fromEnvironment.Username;
                options.Password = fromEnvironment.Password;
                options.Token = fromEnvironment.Token;
                options.MaxRetries = fromEnvironment.MaxRetries;
                options.RequestTimeout = fromEnvironment.RequestTimeout;
                configure?.Invoke(options);
            })
            .Validate(
                options =>
                {
                    try
                    {
                        options.Validate();
                        return true;
                    }
                    catch (MlflowConfigurationException)
                    {
                        return false;
                    }
                },
                "MLflow client options are invalid: check MLFLOW_TRACKING_URI (an http(s) URL) and the auth variables.")
            .ValidateOnStart();
        services.AddSingleton(provider => provider.GetRequiredService<IOptions<MlflowClientOptions>>().Value);
        services.AddHttpClient<MlflowClient>(http => http.Timeout = Timeout.InfiniteTimeSpan);
        return services;
    }
}

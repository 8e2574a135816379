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
        return services.AddMlflowClient(() =>
        {
            var options = MlflowClientOptions.FromEnvironment();
            configure?.Invoke(options);
            return options;
        });
    }

    /// <summary>Adds <see cref="MlflowClient"/> with exactly these options (URI and credentials), validated at start.</summary>
    public static IServiceCollection AddMlflowClient(this IServiceCollection services, MlflowClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(options);
        return services.AddMlflowClient(options.Clone);
    }

    private static IServiceCollection AddMlflowClient(this IServiceCollection services, Func<MlflowClientOptions> source)
    {
        services.AddOptions<MlflowClientOptions>()
            .Configure(options => source().CopyTo(options))
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

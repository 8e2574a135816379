using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Platform.Mlflow.Tests;

public sealed class ServiceRegistrationTests
{
    [Fact]
    public void AddMlflowClient_ValidOptions_ResolvesATypedClient()
    {
        var services = new ServiceCollection();
        services.AddMlflowClient(o => o.TrackingUri = new Uri("http://127.0.0.1:5999"));
        using var provider = services.BuildServiceProvider();

        var client = provider.GetRequiredService<MlflowClient>();

        Assert.Equal(new Uri("http://127.0.0.1:5999"), client.TrackingUri);
    }

    [Fact]
    public void AddMlflowClient_InvalidTrackingUri_FailsOptionsValidation()
    {
        var services = new ServiceCollection();
        services.AddMlflowClient(o => o.TrackingUri = new Uri("ftp://mlflow.example"));
        using var provider = services.BuildServiceProvider();

        Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<MlflowClient>());
    }
}

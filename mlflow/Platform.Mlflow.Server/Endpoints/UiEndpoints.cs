using Microsoft.AspNetCore.Routing;
using Platform.Mlflow.Server.Storage;

namespace Platform.Mlflow.Server.Endpoints;

/// <summary>The read-only HTML view (experiments, runs, models). Filled in by the UI milestone.</summary>
internal static class UiEndpoints
{
    public static void Map(IEndpointRouteBuilder app, TrackingStore tracking, RegistryStore registry)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(tracking);
        ArgumentNullException.ThrowIfNull(registry);
    }
}

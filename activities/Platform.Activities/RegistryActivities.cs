using Platform.Mlflow;
using Platform.Workflows;
using Temporalio.Activities;

namespace Platform.Activities;

/// <summary>Model-registry aliases and tags in MLflow.</summary>
public sealed class RegistryActivities(MlflowClient mlflow) : IRegistryActivities
{
    [Activity("SetModelAlias")]
    public Task SetAliasAsync(SetAliasInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return mlflow.SetModelAliasAsync(input.ModelName, input.Alias, input.Version, ActivityExecutionContext.Current.CancellationToken);
    }

    [Activity("GetModelAlias")]
    public async Task<string?> GetAliasAsync(GetAliasInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        try
        {
            var version = await mlflow.GetModelVersionByAliasAsync(input.ModelName, input.Alias, ActivityExecutionContext.Current.CancellationToken);
            return version.Version;
        }
        catch (MlflowException e) when (e.ErrorCode is "RESOURCE_DOES_NOT_EXIST" or "INVALID_PARAMETER_VALUE")
        {
            return null;
        }
    }

    [Activity("TagModelVersion")]
    public async Task TagVersionAsync(TagVersionInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        foreach (var (key, value) in input.Tags)
        {
            await mlflow.SetModelVersionTagAsync(input.ModelName, input.Version, key, value, ActivityExecutionContext.Current.CancellationToken);
        }
    }
}

using System.Text.Json.Serialization;
using Platform.Domain;

namespace Platform.Learning.Networks;

/// <summary>Which Q-network architecture: the paper compares a purely linear network with an LSTM.</summary>
public enum QNetworkKind
{
    /// <summary>Linear layers only, no activation: flatten(window × features) → hidden → actions.</summary>
    Linear,

    /// <summary>LSTM over the window (batch first), last hidden state → linear head.</summary>
    Lstm,
}

/// <summary>
/// The shape of a Q-network. A state is a flat row of <see cref="StateSize"/> floats: a window of
/// <see cref="WindowLength"/> steps × <see cref="FeatureCount"/> features (oldest step first), followed by
/// <see cref="ExtraInputs"/> per-state scalars such as the position held. Output is one Q-value per action.
/// </summary>
public sealed record QNetworkSpec
{
    public QNetworkKind Kind { get; init; } = QNetworkKind.Linear;

    public int WindowLength { get; init; } = 24;

    public int FeatureCount { get; init; } = 20;

    public int HiddenSize { get; init; } = 64;

    public int ActionCount { get; init; } = 3;

    /// <summary>Scalars after the window (e.g. the position held); they join the network after the window encoder.</summary>
    public int ExtraInputs { get; init; }

    /// <summary>Dueling head: Q = V + A − mean(A), both streams linear. Off by default (the paper has a plain head).</summary>
    public bool Dueling { get; init; }

    [JsonIgnore]
    public int WindowSize => WindowLength * FeatureCount;

    /// <summary>Floats in one state: the window, then the extra inputs.</summary>
    [JsonIgnore]
    public int StateSize => WindowSize + ExtraInputs;

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (!Enum.IsDefined(Kind))
        {
            errors.Add($"unknown network kind {Kind}");
        }

        if (WindowLength is < 1 or > 4096)
        {
            errors.Add($"window length must be in [1, 4096] (got {WindowLength})");
        }

        if (FeatureCount is < 1 or > 4096)
        {
            errors.Add($"feature count must be in [1, 4096] (got {FeatureCount})");
        }

        if (HiddenSize is < 1 or > 8192)
        {
            errors.Add($"hidden size must be in [1, 8192] (got {HiddenSize})");
        }

        if (ExtraInputs is < 0 or > 64)
        {
            errors.Add($"extra inputs must be in [0, 64] (got {ExtraInputs})");
        }

        if (ActionCount < 2)
        {
            errors.Add($"a Q-network needs at least 2 actions (got {ActionCount})");
        }

        return errors;
    }

    public void EnsureValid()
    {
        var errors = Validate();
        if (errors.Count > 0)
        {
            throw new InvalidRequestException("Invalid Q-network spec: " + string.Join("; ", errors));
        }
    }
}

using TorchSharp;
using static TorchSharp.torch;

namespace Platform.Learning.Networks;

/// <summary>
/// A Q-network: states [batch, StateSize] → Q-values [batch, actions]. It is split in two so batch inference can encode
/// each window once and then score it under several extra inputs (e.g. every position state):
/// <see cref="Encode"/> maps windows [batch, window, features] to [batch, hidden]; <see cref="Decode"/> adds the extra
/// inputs and yields Q-values.
/// </summary>
public abstract class QNetwork : nn.Module<Tensor, Tensor>
{
    private static readonly Lock SeedLock = new();

    protected QNetwork(string name, QNetworkSpec spec)
        : base(name)
    {
        Spec = spec;
    }

    public QNetworkSpec Spec { get; }

    /// <summary>
    /// Builds the network with weights drawn from <paramref name="seed"/>. Module initialisers use torch's global
    /// generator, so seeding and construction happen together under a lock to stay reproducible across threads.
    /// </summary>
    public static QNetwork Create(QNetworkSpec spec, long seed)
    {
        ArgumentNullException.ThrowIfNull(spec);
        spec.EnsureValid();
        lock (SeedLock)
        {
            torch.random.manual_seed(seed);
            return spec.Kind switch
            {
                QNetworkKind.Linear => new LinearQNetwork(spec),
                QNetworkKind.Lstm => new LstmQNetwork(spec),
                _ => throw new ArgumentOutOfRangeException(nameof(spec), spec.Kind, "Unknown network kind."),
            };
        }
    }

    /// <summary>True when Q is an affine function of the state (no nonlinearity anywhere), as in the paper's Linear network.</summary>
    public virtual bool IsAffine => false;

    /// <summary>Windows [batch, window, features] (any strides) → encodings [batch, hidden].</summary>
    public abstract Tensor Encode(Tensor windows);

    /// <summary>
    /// Encodes every window of a feature sequence [steps, features] at once → [steps − window + 1, hidden], row r being
    /// the window that ends at step r + window − 1. Architectures may override it to share work between overlapping windows.
    /// </summary>
    public virtual Tensor EncodeSlidingWindows(Tensor sequence)
    {
        ArgumentNullException.ThrowIfNull(sequence);
        using var scope = torch.NewDisposeScope();
        return Encode(sequence.unfold(0, Spec.WindowLength, 1).transpose(1, 2)).MoveToOuterDisposeScope();
    }

    /// <summary>Encodings [batch, hidden] and extra inputs [batch, extra] (null when the spec has none) → Q [batch, actions].</summary>
    public abstract Tensor Decode(Tensor encoded, Tensor? extra);

    public override Tensor forward(Tensor input)
    {
        using var scope = torch.NewDisposeScope();
        var batch = input.shape[0];
        var windows = input.narrow(1, 0, Spec.WindowSize).reshape(batch, Spec.WindowLength, Spec.FeatureCount);
        var extra = Spec.ExtraInputs > 0 ? input.narrow(1, Spec.WindowSize, Spec.ExtraInputs) : null;
        return Decode(Encode(windows), extra).MoveToOuterDisposeScope();
    }

    /// <summary>Copies every parameter of <paramref name="source"/> into this network (same spec required).</summary>
    public void CopyWeightsFrom(QNetwork source)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (source.Spec != Spec)
        {
            throw new ArgumentException("Cannot copy weights between networks of different specs.", nameof(source));
        }

        using var noGrad = torch.no_grad();
        var sourceParameters = source.parameters().ToList();
        var targetParameters = parameters().ToList();
        for (var i = 0; i < targetParameters.Count; i++)
        {
            targetParameters[i].copy_(sourceParameters[i]);
        }
    }

    /// <summary>Moves this network's weights toward <paramref name="source"/>: w ← (1 − τ)·w + τ·w_source.</summary>
    public void BlendWeightsFrom(QNetwork source, double tau)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (tau is <= 0 or > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(tau), tau, "Polyak tau must be in (0, 1].");
        }

        using var noGrad = torch.no_grad();
        var sourceParameters = source.parameters().ToList();
        var targetParameters = parameters().ToList();
        for (var i = 0; i < targetParameters.Count; i++)
        {
            targetParameters[i].mul_(1 - tau).add_(sourceParameters[i], alpha: tau);
        }
    }

    /// <summary>All weights flattened into one array, in parameter order (for comparisons and hashing).</summary>
    public float[] FlattenWeights()
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var flat = torch.cat(parameters().Select(p => p.detach().flatten()).ToList(), 0);
        return flat.data<float>().ToArray();
    }
}

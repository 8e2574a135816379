using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Platform.Learning;

/// <summary>The learning component's one ActivitySource and Meter.</summary>
public static class LearningInstrumentation
{
    public const string Name = "Platform.Learning";

    public static readonly ActivitySource ActivitySource = new(Name);

    public static readonly Meter Meter = new(Name);

    /// <summary>Gradient updates of any DQN learner in this process.</summary>
    public static readonly Counter<long> Updates = Meter.CreateCounter<long>("platform.learning.updates", description: "DQN gradient updates");
}

using System.Diagnostics;
using Platform.Learning.Networks;
using Platform.Learning.Replay;
using Platform.Learning.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Platform.Learning.Benchmarks;

/// <summary>Speed of one implementation on the reference workload.</summary>
/// <param name="ResidentMegabytesBefore">Process resident memory after the warm-up updates.</param>
/// <param name="ResidentMegabytesAfter">Process resident memory after the timed updates: equal to the above when nothing leaks.</param>
public sealed record DqnBenchmarkResult(string Implementation, double UpdatesPerSecond, double InferenceMicrosP50, double InferenceMicrosP99, double ResidentMegabytesBefore, double ResidentMegabytesAfter);

/// <summary>
/// The reference DQN workload: states of 24 steps × 20 features, 3 actions, hidden 64; one update = sample 64 from a
/// prefilled 10,000-transition replay, policy forward on s, target forward on s′ without grad, Huber loss against
/// r + 0.99·max Q_target(s′)·(1 − done), backward, Adam step (lr 1e-3). Inference = one state → argmax, timed per call.
/// It runs once through the platform's <see cref="DqnLearner"/> and once as a plain TorchSharp loop written the obvious
/// way (replay held in tensors, index_select sampling), so the platform's own overhead can be read off.
/// </summary>
public static class DqnBenchmark
{
    public const int WindowLength = 24;
    public const int FeatureCount = 20;
    public const int HiddenSize = 64;
    public const int ActionCount = 3;
    public const int BatchSize = 64;
    public const int ReplaySize = 10_000;
    public const double Gamma = 0.99;
    public const double LearningRate = 1e-3;
    public const int InferenceCalls = 2_000;

    public static QNetworkSpec Spec(QNetworkKind kind) => new()
    {
        Kind = kind,
        WindowLength = WindowLength,
        FeatureCount = FeatureCount,
        HiddenSize = HiddenSize,
        ActionCount = ActionCount,
    };

    /// <summary>The platform: <see cref="DqnLearner"/> over a float-array <see cref="ReplayBuffer"/>.</summary>
    public static DqnBenchmarkResult RunPlatform(QNetworkKind kind, int updates, int seed = 1)
    {
        var options = new DqnOptions
        {
            Network = Spec(kind),
            Gamma = Gamma,
            LearningRate = LearningRate,
            BatchSize = BatchSize,
            ReplayCapacity = ReplaySize,
            WarmupTransitions = BatchSize,
            TargetSyncInterval = int.MaxValue, // the workload has no target sync
            GradientClipNorm = null, // nor clipping
            Seed = seed,
        };
        var replay = PrefilledReplay(options.Network.StateSize, seed);
        using var learner = new DqnLearner(options);
        var (updatesPerSecond, before, after) = TimeUpdates(() => learner.Update(replay), updates);
        var state = replay.Get(0).State;
        var (p50, p99) = TimeInference(() => learner.GreedyAction(state, NetworkRole.Policy));
        return new DqnBenchmarkResult("platform", updatesPerSecond, p50, p99, before, after);
    }

    /// <summary>The same workload as a bare TorchSharp loop, without any platform code.</summary>
    public static DqnBenchmarkResult RunBareTorchSharp(QNetworkKind kind, int updates, int seed = 1)
    {
        torch.random.manual_seed(seed);
        using var policy = BareNetwork(kind);
        using var target = BareNetwork(kind);
        target.load_state_dict(policy.state_dict());
        using var optimizer = torch.optim.Adam(policy.parameters(), LearningRate);
        using var states = torch.rand(ReplaySize, WindowLength, FeatureCount);
        using var nextStates = torch.rand(ReplaySize, WindowLength, FeatureCount);
        using var actions = torch.randint(ActionCount, [ReplaySize], ScalarType.Int64);
        using var rewards = torch.rand(ReplaySize) - 0.5;
        using var dones = (torch.rand(ReplaySize) < 0.01).to_type(ScalarType.Float32);

        void Update()
        {
            using var scope = torch.NewDisposeScope();
            var index = torch.randint(ReplaySize, [BatchSize], ScalarType.Int64);
            var q = policy.forward(states.index_select(0, index)).gather(1, actions.index_select(0, index).unsqueeze(1)).squeeze(1);
            Tensor y;
            using (torch.no_grad())
            {
                var next = target.forward(nextStates.index_select(0, index)).max(1).values;
                y = rewards.index_select(0, index) + (Gamma * next * (1 - dones.index_select(0, index)));
            }

            var loss = nn.functional.huber_loss(q, y, 1.0, nn.Reduction.Mean);
            optimizer.zero_grad();
            loss.backward();
            optimizer.step();
        }

        var (updatesPerSecond, before, after) = TimeUpdates(Update, updates);
        using var one = states.narrow(0, 0, 1).clone();
        policy.eval();
        var (p50, p99) = TimeInference(() =>
        {
            using var scope = torch.NewDisposeScope();
            using var noGrad = torch.no_grad();
            return (int)policy.forward(one).argmax(1).item<long>();
        });
        return new DqnBenchmarkResult("bare-torchsharp", updatesPerSecond, p50, p99, before, after);
    }

    private static ReplayBuffer PrefilledReplay(int stateSize, int seed)
    {
        var random = new Random(seed);
        var replay = new ReplayBuffer(ReplaySize, stateSize);
        var state = new float[stateSize];
        var next = new float[stateSize];
        for (var i = 0; i < ReplaySize; i++)
        {
            for (var j = 0; j < stateSize; j++)
            {
                state[j] = random.NextSingle();
                next[j] = random.NextSingle();
            }

            replay.Add(state, random.Next(ActionCount), random.NextSingle() - 0.5f, next, random.Next(100) == 0);
        }

        return replay;
    }

    private static (double UpdatesPerSecond, double MegabytesBefore, double MegabytesAfter) TimeUpdates(Action update, int updates)
    {
        for (var i = 0; i < Math.Max(20, updates / 10); i++)
        {
            update();
        }

        var before = ResidentMegabytes();
        var stopwatch = Stopwatch.StartNew();
        for (var i = 0; i < updates; i++)
        {
            update();
        }

        var seconds = stopwatch.Elapsed.TotalSeconds;
        return (updates / seconds, before, ResidentMegabytes());
    }

    private static double ResidentMegabytes()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        using var process = Process.GetCurrentProcess();
        return Math.Round(process.WorkingSet64 / 1048576.0, 1);
    }

    private static (double P50, double P99) TimeInference(Func<int> infer)
    {
        for (var i = 0; i < 200; i++)
        {
            infer();
        }

        var micros = new double[InferenceCalls];
        for (var i = 0; i < InferenceCalls; i++)
        {
            var start = Stopwatch.GetTimestamp();
            infer();
            micros[i] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
        }

        Array.Sort(micros);
        return (micros[(int)(0.50 * (InferenceCalls - 1))], micros[(int)(0.99 * (InferenceCalls - 1))]);
    }

    private static nn.Module<Tensor, Tensor> BareNetwork(QNetworkKind kind) => kind switch
    {
        QNetworkKind.Linear => nn.Sequential(nn.Flatten(), nn.Linear(WindowLength * FeatureCount, HiddenSize), nn.Linear(HiddenSize, ActionCount)),
        QNetworkKind.Lstm => new BareLstm(),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown network kind."),
    };

    private sealed class BareLstm : nn.Module<Tensor, Tensor>
    {
        private readonly LSTM lstm = nn.LSTM(FeatureCount, HiddenSize, batchFirst: true);
        private readonly Linear head = nn.Linear(HiddenSize, ActionCount);

        public BareLstm()
            : base(nameof(BareLstm)) => RegisterComponents();

        public override Tensor forward(Tensor input)
        {
            var (output, _, _) = lstm.forward(input);
            return head.forward(output.select(1, -1));
        }
    }
}

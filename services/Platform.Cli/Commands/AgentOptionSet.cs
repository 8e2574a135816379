using Platform.Domain;
using System.CommandLine;
using Platform.Learning.Agents;
using Platform.Learning.Networks;

namespace Platform.Cli.Commands;

/// <summary>One DQN agent's choices as command-line options (defaults: <see cref="DqnAgentOptions.Default"/>).</summary>
internal sealed class AgentOptionSet
{
    public Option<string> Kind { get; } = new("--kind") { Description = "Q-network: linear or lstm", DefaultValueFactory = _ => "linear" };

    public Option<int?> Hidden { get; } = new("--hidden") { Description = "Hidden size (default: the kind's default)" };

    public Option<double?> LearningRate { get; } = new("--learning-rate") { Description = "Adam learning rate" };

    public Option<double?> Gamma { get; } = new("--gamma") { Description = "Discount of the bootstrap target" };

    public Option<int?> MaxEpochs { get; } = new("--max-epochs") { Description = "Most training epochs per fold" };

    public Option<bool> DoubleDqn { get; } = new("--double-dqn") { Description = "Double-DQN targets" };

    public Option<bool> Dueling { get; } = new("--dueling") { Description = "Dueling head" };

    public Option<string?> Reward { get; } = new("--reward") { Description = "Training reward: equity-change, log-return or differential-sharpe" };

    public Option<double?> ActionCost { get; } = new("--action-cost") { Description = "Extra penalty per fill in percent of capital while training (default 0.2: the walk-forward winner; 0: none)", DefaultValueFactory = _ => WalkForwardDefaults.ActionCostPct };

    public void AddTo(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        foreach (var option in new Option[] { Kind, Hidden, LearningRate, Gamma, MaxEpochs, DoubleDqn, Dueling, Reward, ActionCost })
        {
            command.Options.Add(option);
        }
    }

    public (string Name, DqnAgentOptions Options) Read(ParseResult parse, int seed)
    {
        ArgumentNullException.ThrowIfNull(parse);
        var kind = ParseKind(parse.GetValue(Kind)!);
        var defaults = DqnAgentOptions.Default(kind, seed);
        var epochs = parse.GetValue(MaxEpochs);
        if (epochs is < 1)
        {
            throw new InvalidRequestException("--max-epochs must be at least 1");
        }

        var agent = defaults with
        {
            HiddenSize = parse.GetValue(Hidden) ?? defaults.HiddenSize,
            MaxEpochs = epochs ?? defaults.MaxEpochs,
            Dueling = parse.GetValue(Dueling) || defaults.Dueling,
            Reward = parse.GetValue(Reward) is { } reward ? ParseReward(reward) : defaults.Reward,
            ActionCostPct = parse.GetValue(ActionCost) ?? defaults.ActionCostPct,
            Dqn = defaults.Dqn with
            {
                DoubleDqn = parse.GetValue(DoubleDqn) || defaults.Dqn.DoubleDqn,
                Gamma = parse.GetValue(Gamma) ?? defaults.Dqn.Gamma,
                LearningRate = parse.GetValue(LearningRate) ?? defaults.Dqn.LearningRate,
            },
        };
        agent.EnsureValid();
        return ($"dqn-{kind.ToString().ToLowerInvariant()}", agent);
    }

    public static QNetworkKind ParseKind(string text) => text.Trim().ToLowerInvariant() switch
    {
        "linear" => QNetworkKind.Linear,
        "lstm" => QNetworkKind.Lstm,
        var other => throw new InvalidRequestException($"--kind: '{other}' is not linear or lstm"),
    };

    public static RewardVariant ParseReward(string text) => text.Trim().ToLowerInvariant() switch
    {
        "equity-change" => RewardVariant.EquityChange,
        "log-return" => RewardVariant.LogReturn,
        "differential-sharpe" => RewardVariant.DifferentialSharpe,
        var other => throw new InvalidRequestException($"--reward: '{other}' is not equity-change, log-return or differential-sharpe"),
    };
}

/// <summary>What won the walk-forward comparison at 0.1 % fee (README, "Walk-forward evaluation and sweeps").</summary>
internal static class WalkForwardDefaults
{
    public const double ActionCostPct = 0.2;
}

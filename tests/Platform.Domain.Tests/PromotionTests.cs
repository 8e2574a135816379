using Platform.Domain.Promotion;

namespace Platform.Domain.Tests;

public class PromotionTests
{
    private static double[] Returns(int seed, double drift, int n = 2000)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, n).Select(_ => drift + (0.01 * (random.NextDouble() - 0.5)))];
    }

    private static CandidateEvaluation Candidate(string version, double sharpe, double dd = 10, int trades = 50, double drift = 0.001, int seed = 1) =>
        new("dqn", version, sharpe, dd, trades, 100, Returns(seed, drift));

    [Theory]
    [InlineData(0d, 0.5)]
    [InlineData(1.959963985, 0.975)]
    [InlineData(-1.644853627, 0.05)]
    public void NormalCdfAndQuantile_KnownValues_MatchTables(double x, double p)
    {
        Assert.Equal(p, Statistics.NormalCdf(x), 6);
        Assert.Equal(x, Statistics.NormalQuantile(p), 6);
    }

    [Fact]
    public void Moments_KnownSample_MatchHandComputation()
    {
        var (mean, std, skew, kurt) = Statistics.Moments([1d, 2d, 3d, 4d]);

        Assert.Equal(2.5, mean, 12);
        Assert.Equal(Math.Sqrt(5d / 3d), std, 12);
        Assert.Equal(0d, skew, 12);
        Assert.Equal(1.64, kurt, 12); // m4 = 2.5625, m2 = 1.25
    }

    [Fact]
    public void ExpectedMaxSharpe_MoreTrials_HigherBarByLuck()
    {
        Assert.Equal(0d, DeflatedSharpe.ExpectedMaxSharpe(0.01, 1));
        Assert.True(DeflatedSharpe.ExpectedMaxSharpe(0.01, 10) < DeflatedSharpe.ExpectedMaxSharpe(0.01, 1000));
    }

    [Fact]
    public void DeflatedSharpe_SkillfulStrategy_NearOne_NoiseAmongManyTrials_Low()
    {
        var skilled = Returns(1, 0.002);
        Assert.True(DeflatedSharpe.Probability(skilled, [0.2]) > 0.99);

        var noise = Returns(2, 0.0);
        var trials = Enumerable.Range(0, 50).Select(i => Returns(100 + i, 0.0)).Select(r => Statistics.Moments(r) is var m ? m.Mean / m.StdDev : 0).ToList();
        Assert.True(DeflatedSharpe.Probability(noise, trials) < 0.5);
    }

    [Fact]
    public void Evaluate_BetterChallenger_PassesWithEveryCheckRecorded()
    {
        var decision = PromotionGate.Evaluate(Candidate("2", 2.0), Candidate("1", 1.0, drift: 0.0005, seed: 2), [Candidate("2", 2.0)], new PromotionThresholds());

        Assert.True(decision.Passed, decision.Summary);
        Assert.Equal(["sharpe", "max_drawdown_pct", "trades", "deflated_sharpe_probability"], decision.Checks.Select(c => c.Name));
    }

    [Theory]
    [InlineData(0.5, 10, 50, "sharpe")]
    [InlineData(2.0, 60, 50, "max_drawdown_pct")]
    [InlineData(2.0, 10, 3, "trades")]
    public void Evaluate_ChallengerFailsOneCheck_FailsNamingIt(double sharpe, double dd, int trades, string failing)
    {
        var decision = PromotionGate.Evaluate(Candidate("2", sharpe, dd, trades), Candidate("1", 1.0), [Candidate("2", sharpe)], new PromotionThresholds { MaxDrawdownPct = 50 });

        Assert.False(decision.Passed);
        Assert.Equal([failing], decision.Checks.Where(c => !c.Passed).Select(c => c.Name));
    }

    [Fact]
    public void Evaluate_NoiseChallengerAmongManyCandidates_FailsOverfittingCheck()
    {
        var candidates = Enumerable.Range(0, 40).Select(i => new CandidateEvaluation("dqn", $"{i}", 1, 5, 50, 1, Returns(200 + i, 0.0))).ToList();
        var best = candidates.MaxBy(c => Statistics.Moments(c.PeriodReturns) is var m ? m.Mean / m.StdDev : 0)!;

        var decision = PromotionGate.Evaluate(best with { Sharpe = 3 }, null, candidates, new PromotionThresholds { MinDeflatedSharpeProbability = 0.95 });

        Assert.False(decision.Passed);
        Assert.Contains("deflated", decision.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_NoChampion_SharpeCheckPassesOtherChecksStillApply()
    {
        var weak = Candidate("1", -0.5, dd: 10, trades: 2);

        var decision = PromotionGate.Evaluate(weak, null, [weak], new PromotionThresholds { MinTrades = 1, MinDeflatedSharpeProbability = 0 });
        var strict = PromotionGate.Evaluate(weak, null, [weak], new PromotionThresholds { MinTrades = 5, MinDeflatedSharpeProbability = 0 });

        Assert.True(decision.Passed, decision.Summary);
        Assert.Contains("no champion", decision.Checks[0].Explanation, StringComparison.Ordinal);
        Assert.Equal(["trades"], strict.Checks.Where(c => !c.Passed).Select(c => c.Name));
    }

    [Fact]
    public void Evaluate_InvalidThresholds_Throws()
    {
        Assert.Throws<InvalidRequestException>(() => PromotionGate.Evaluate(Candidate("1", 1), null, [], new PromotionThresholds { MaxDrawdownPct = 0 }));
    }
}

using Platform.Domain.Evaluation;

namespace Platform.Domain.Tests;

public sealed class WalkForwardPlanTests
{
    private static readonly DateTimeOffset Jan2021 = new(2021, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static WalkForwardPlan TwoYears(int embargoHours = 24, int? step = null) => new()
    {
        From = Jan2021, To = Jan2021.AddYears(2), TrainMonths = 6, ValidateMonths = 2, TestMonths = 2, StepMonths = step, EmbargoHours = embargoHours,
    };

    [Fact]
    public void Folds_TwoYearsSixTwoTwo_EightFoldsWhoseTestPartsTileTheRest()
    {
        var folds = TwoYears().Folds();

        Assert.Equal(8, folds.Count);
        Assert.Equal(Jan2021.AddMonths(8), folds[0].TestFrom);
        Assert.Equal(Jan2021.AddYears(2), folds[^1].TestTo);
        for (var i = 1; i < folds.Count; i++)
        {
            Assert.Equal(folds[i - 1].TestTo, folds[i].TestFrom);
        }
    }

    [Fact]
    public void Folds_Embargo_SeparatesEveryPartAndPartsNeverOverlap()
    {
        foreach (var fold in TwoYears(embargoHours: 48).Folds())
        {
            Assert.True(fold.TrainFrom < fold.TrainTo && fold.ValidateFrom < fold.ValidateTo && fold.TestFrom < fold.TestTo);
            Assert.Equal(TimeSpan.FromHours(48), fold.ValidateFrom - fold.TrainTo);
            Assert.Equal(TimeSpan.FromHours(48), fold.TestFrom - fold.ValidateTo);
        }
    }

    [Fact]
    public void Folds_NoLookAhead_EverythingTrainingAndSelectionSeeIsBeforeTheTestPart()
    {
        var folds = TwoYears(step: 1).Folds();

        Assert.All(folds, f => Assert.True(f.TrainTo <= f.ValidateFrom && f.ValidateTo <= f.TestFrom));
        Assert.All(folds.Zip(folds.Skip(1)), p => Assert.True(p.Second.TrainFrom > p.First.TrainFrom));
        Assert.Equal(folds.Count, folds.Select(f => f.Index).Distinct().Count());
    }

    [Fact]
    public void Folds_RangeShorterThanOneFold_FailsWithTheLengths()
    {
        var plan = TwoYears() with { To = Jan2021.AddMonths(9) };

        var e = Assert.Throws<InvalidRequestException>(() => plan.Folds());
        Assert.Contains("6 + 2 + 2 months", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, 2, 2, "--train-months")]
    [InlineData(6, 2, 0, "--test-months")]
    public void Validate_NonPositiveLength_NamesTheOption(int train, int validate, int test, string option)
    {
        var plan = TwoYears() with { TrainMonths = train, ValidateMonths = validate, TestMonths = test };

        Assert.Contains(plan.Validate(), e => e.Contains(option, StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_NegativeEmbargo_Rejected() => Assert.NotEmpty((TwoYears() with { EmbargoHours = -1 }).Validate());
}

public sealed class BacktestOverfittingTests
{
    private static double[] Noise(Random random, int rows, double mean) => [.. Enumerable.Range(0, rows).Select(_ => mean + ((random.NextDouble() - 0.5) * 0.02))];

    [Fact]
    public void Estimate_OneTrialWithARealEdge_NoOverfitting()
    {
        var random = new Random(1);
        var trials = Enumerable.Range(0, 10).Select(i => (IReadOnlyList<double>)Noise(random, 800, i == 7 ? 0.01 : 0)).ToList();

        var estimate = BacktestOverfitting.Estimate(trials, groups: 8);

        Assert.Equal(0, estimate.Probability);
        Assert.Equal(70, estimate.Splits);
    }

    [Fact]
    public void Estimate_InSampleWinnerAlwaysLosesOutOfSample_ProbabilityOne()
    {
        // Trial A earns in the first half of the rows and loses in the second; trial B the opposite.
        double[] a = [.. Enumerable.Range(0, 400).Select(i => (i < 200 ? 0.01 : -0.01) + (i % 2 == 0 ? 0.001 : -0.001))];
        double[] b = [.. a.Select(x => -x)];

        var estimate = BacktestOverfitting.Estimate([a, b], groups: 2);

        Assert.Equal(1, estimate.Probability);
    }

    [Fact]
    public void Estimate_PureNoiseTrials_AboutOneHalf()
    {
        var random = new Random(7);
        var probabilities = Enumerable.Range(0, 20)
            .Select(_ => BacktestOverfitting.Estimate([.. Enumerable.Range(0, 16).Select(_ => (IReadOnlyList<double>)Noise(random, 320, 0))], groups: 8).Probability)
            .ToList();

        Assert.InRange(probabilities.Average(), 0.35, 0.65);
    }

    [Fact]
    public void Estimate_UnequalLengthsOrOddGroups_Rejected()
    {
        Assert.Throws<ArgumentException>(() => BacktestOverfitting.Estimate([new double[100], new double[99]], 4));
        Assert.Throws<ArgumentException>(() => BacktestOverfitting.Estimate([new double[100], new double[100]], 3));
        Assert.Throws<ArgumentException>(() => BacktestOverfitting.Estimate([new double[100]], 4));
    }
}

public sealed class SampleSummaryTests
{
    [Fact]
    public void Of_KnownSample_MedianMeanAndAnIntervalAroundTheMean()
    {
        var summary = SampleSummary.Of([1, 2, 3, 4, 100]);

        Assert.Equal(3, summary.Median);
        Assert.Equal(22, summary.Mean);
        Assert.True(summary.Low < summary.Mean && summary.Mean < summary.High);
        Assert.True(summary.Low >= 1 && summary.High <= 100);
        Assert.Equal(summary, SampleSummary.Of([1, 2, 3, 4, 100]));
    }

    [Fact]
    public void Of_Empty_NaN() => Assert.True(double.IsNaN(SampleSummary.Of([]).Median));
}

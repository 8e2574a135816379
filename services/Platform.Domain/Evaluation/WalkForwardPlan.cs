namespace Platform.Domain.Evaluation;

/// <summary>
/// One walk-forward fold: train, validate (model selection only) and test (reported), in that order, each a half-open
/// UTC range. The embargo is cut from the end of the earlier part, so test parts are whole calendar months and the
/// test parts of consecutive folds tile the timeline when the step equals the test length.
/// </summary>
public sealed record WalkForwardFold(
    int Index,
    DateTimeOffset TrainFrom,
    DateTimeOffset TrainTo,
    DateTimeOffset ValidateFrom,
    DateTimeOffset ValidateTo,
    DateTimeOffset TestFrom,
    DateTimeOffset TestTo)
{
    public override string ToString() =>
        $"fold {Index}: train {TrainFrom:yyyy-MM-dd}..{TrainTo:yyyy-MM-dd HH:mm}, validate {ValidateFrom:yyyy-MM-dd}..{ValidateTo:yyyy-MM-dd HH:mm}, test {TestFrom:yyyy-MM-dd}..{TestTo:yyyy-MM-dd}";
}

/// <summary>How to cut a period into rolling walk-forward folds (lengths in calendar months, embargo in hours).</summary>
public sealed record WalkForwardPlan
{
    public required DateTimeOffset From { get; init; }

    public required DateTimeOffset To { get; init; }

    public int TrainMonths { get; init; } = 6;

    public int ValidateMonths { get; init; } = 2;

    public int TestMonths { get; init; } = 2;

    /// <summary>How far each fold moves on from the previous one; null = the test length (test parts tile the timeline).</summary>
    public int? StepMonths { get; init; }

    /// <summary>Hours dropped between parts, so features and rewards that straddle a boundary cannot leak.</summary>
    public int EmbargoHours { get; init; } = 24;

    public int Step => StepMonths ?? TestMonths;

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (To <= From)
        {
            errors.Add($"--to ({To:yyyy-MM-dd}) must be after --from ({From:yyyy-MM-dd})");
        }

        foreach (var (value, name) in new[] { (TrainMonths, "--train-months"), (ValidateMonths, "--validate-months"), (TestMonths, "--test-months"), (Step, "--step-months") })
        {
            if (value is < 1 or > 240)
            {
                errors.Add($"{name} must be in [1, 240] (got {value})");
            }
        }

        if (EmbargoHours < 0)
        {
            errors.Add($"--embargo-hours cannot be negative (got {EmbargoHours})");
        }
        else if (TrainMonths >= 1 && ValidateMonths >= 1 && EmbargoHours >= 24 * 28 * Math.Min(TrainMonths, ValidateMonths))
        {
            errors.Add($"--embargo-hours ({EmbargoHours}) would swallow a whole training or validation part");
        }

        return errors;
    }

    /// <summary>Every fold whose test part ends at or before <see cref="To"/>; fails with the reason when there is none.</summary>
    public IReadOnlyList<WalkForwardFold> Folds()
    {
        var errors = Validate();
        if (errors.Count > 0)
        {
            throw new InvalidRequestException("Invalid walk-forward plan: " + string.Join("; ", errors));
        }

        var embargo = TimeSpan.FromHours(EmbargoHours);
        var folds = new List<WalkForwardFold>();
        for (var start = From; ; start = start.AddMonths(Step))
        {
            var trainEnd = start.AddMonths(TrainMonths);
            var validateEnd = trainEnd.AddMonths(ValidateMonths);
            var testEnd = validateEnd.AddMonths(TestMonths);
            if (testEnd > To)
            {
                break;
            }

            folds.Add(new WalkForwardFold(folds.Count, start, trainEnd - embargo, trainEnd, validateEnd - embargo, validateEnd, testEnd));
        }

        return folds.Count > 0
            ? folds
            : throw new InvalidRequestException(
                $"{From:yyyy-MM-dd}..{To:yyyy-MM-dd} is too short for one fold of {TrainMonths} + {ValidateMonths} + {TestMonths} months; " +
                "widen the range or shorten the parts");
    }
}

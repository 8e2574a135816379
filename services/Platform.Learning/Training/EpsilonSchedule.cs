namespace Platform.Learning.Training;

/// <summary>Exploration rate falling linearly from <see cref="Start"/> to <see cref="End"/> over <see cref="DecaySteps"/> steps, then flat.</summary>
public readonly record struct EpsilonSchedule(double Start, double End, int DecaySteps)
{
    public static EpsilonSchedule From(DqnOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new EpsilonSchedule(options.EpsilonStart, options.EpsilonEnd, options.EpsilonDecaySteps);
    }

    public double At(long step)
    {
        if (step <= 0)
        {
            return Start;
        }

        if (step >= DecaySteps)
        {
            return End;
        }

        return Start + ((End - Start) * step / DecaySteps);
    }
}

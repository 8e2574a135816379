using System.Globalization;
using Temporalio.Api.Schedule.V1;

namespace Platform.TemporalServer.Schedules;

/// <summary>Thrown for a schedule spec this server cannot interpret; answered as InvalidArgument.</summary>
internal sealed class ScheduleSpecException(string message) : Exception(message);

/// <summary>One calendar rule as sets of allowed values (UTC). Built from cron strings and structured calendars.</summary>
internal sealed class CalendarRule
{
    private CalendarRule(SortedSet<int> seconds, SortedSet<int> minutes, SortedSet<int> hours, HashSet<int> daysOfMonth, HashSet<int> months,
        HashSet<int>? years, HashSet<int> daysOfWeek)
    {
        Seconds = seconds;
        Minutes = minutes;
        Hours = hours;
        DaysOfMonth = daysOfMonth;
        Months = months;
        Years = years;
        DaysOfWeek = daysOfWeek;
    }

    public SortedSet<int> Seconds { get; }

    public SortedSet<int> Minutes { get; }

    public SortedSet<int> Hours { get; }

    public HashSet<int> DaysOfMonth { get; }

    public HashSet<int> Months { get; }

    public HashSet<int>? Years { get; }

    public HashSet<int> DaysOfWeek { get; }

    /// <summary>Parses "m h dom mon dow" (or with a leading seconds field) and the @hourly/@daily/@weekly/@monthly/@yearly shorthands.</summary>
    public static CalendarRule FromCron(string cron)
    {
        var text = cron.Trim();
        text = text switch
        {
            "@yearly" or "@annually" => "0 0 1 1 *",
            "@monthly" => "0 0 1 * *",
            "@weekly" => "0 0 * * 0",
            "@daily" or "@midnight" => "0 0 * * *",
            "@hourly" => "0 * * * *",
            _ => text,
        };
        var fields = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length is not (5 or 6))
        {
            throw new ScheduleSpecException($"Invalid cron string '{cron}': expected 5 or 6 fields.");
        }

        var offset = fields.Length == 6 ? 1 : 0;
        var seconds = offset == 1 ? ParseField(fields[0], 0, 59, cron) : [0];
        var daysOfWeek = ParseField(fields[4 + offset], 0, 7, cron);
        if (daysOfWeek.Remove(7))
        {
            daysOfWeek.Add(0);
        }

        return new CalendarRule(
            new SortedSet<int>(seconds),
            new SortedSet<int>(ParseField(fields[offset], 0, 59, cron)),
            new SortedSet<int>(ParseField(fields[1 + offset], 0, 23, cron)),
            ParseField(fields[2 + offset], 1, 31, cron),
            ParseField(fields[3 + offset], 1, 12, cron),
            null,
            daysOfWeek);
    }

    public static CalendarRule FromStructured(StructuredCalendarSpec spec)
    {
        static HashSet<int> Expand(IEnumerable<Temporalio.Api.Schedule.V1.Range> ranges, int min, int max, IEnumerable<int> fallback)
        {
            var values = new HashSet<int>();
            foreach (var range in ranges)
            {
                var end = range.End < range.Start ? range.Start : range.End;
                var step = range.Step <= 0 ? 1 : range.Step;
                if (range.Start < min || end > max)
                {
                    throw new ScheduleSpecException($"Calendar range {range.Start}-{end} is outside {min}-{max}.");
                }

                for (var v = range.Start; v <= end; v += step)
                {
                    values.Add(v);
                }
            }

            return values.Count > 0 ? values : [.. fallback];
        }

        var daysOfWeek = Expand(spec.DayOfWeek, 0, 7, Enumerable.Range(0, 7));
        if (daysOfWeek.Remove(7))
        {
            daysOfWeek.Add(0);
        }

        var years = spec.Year.Count > 0 ? Expand(spec.Year, 1970, 9999, []) : null;
        return new CalendarRule(
            new SortedSet<int>(Expand(spec.Second, 0, 59, [0])),
            new SortedSet<int>(Expand(spec.Minute, 0, 59, [0])),
            new SortedSet<int>(Expand(spec.Hour, 0, 23, [0])),
            Expand(spec.DayOfMonth, 1, 31, Enumerable.Range(1, 31)),
            Expand(spec.Month, 1, 12, Enumerable.Range(1, 12)),
            years,
            daysOfWeek);
    }

    /// <summary>The first matching time strictly after <paramref name="after"/> (searching up to five years ahead).</summary>
    public DateTime? NextAfter(DateTime after)
    {
        var day = after.Date;
        var limit = after.AddYears(5);
        while (day <= limit)
        {
            if (Months.Contains(day.Month) && DaysOfMonth.Contains(day.Day) && DaysOfWeek.Contains((int)day.DayOfWeek) && (Years is null || Years.Contains(day.Year)))
            {
                foreach (var hour in Hours)
                {
                    foreach (var minute in Minutes)
                    {
                        foreach (var second in Seconds)
                        {
                            var candidate = new DateTime(day.Year, day.Month, day.Day, hour, minute, second, DateTimeKind.Utc);
                            if (candidate > after)
                            {
                                return candidate;
                            }
                        }
                    }
                }
            }

            day = day.AddDays(1);
        }

        return null;
    }

    private static HashSet<int> ParseField(string field, int min, int max, string cron)
    {
        var values = new HashSet<int>();
        foreach (var part in field.Split(','))
        {
            var step = 1;
            var rangeText = part;
            var slash = part.IndexOf('/', StringComparison.Ordinal);
            if (slash >= 0)
            {
                if (!int.TryParse(part[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out step) || step <= 0)
                {
                    throw new ScheduleSpecException($"Invalid step in cron string '{cron}'.");
                }

                rangeText = part[..slash];
            }

            int start;
            int end;
            if (rangeText is "*" or "?")
            {
                (start, end) = (min, max);
            }
            else if (rangeText.Contains('-', StringComparison.Ordinal))
            {
                var bounds = rangeText.Split('-');
                if (bounds.Length != 2 || !int.TryParse(bounds[0], NumberStyles.None, CultureInfo.InvariantCulture, out start)
                    || !int.TryParse(bounds[1], NumberStyles.None, CultureInfo.InvariantCulture, out end))
                {
                    throw new ScheduleSpecException($"Invalid range '{rangeText}' in cron string '{cron}'.");
                }
            }
            else if (int.TryParse(rangeText, NumberStyles.None, CultureInfo.InvariantCulture, out start))
            {
                end = slash >= 0 ? max : start;
            }
            else
            {
                throw new ScheduleSpecException($"Invalid value '{rangeText}' in cron string '{cron}'.");
            }

            if (start < min || end > max || start > end)
            {
                throw new ScheduleSpecException($"Value out of range {min}-{max} in cron string '{cron}'.");
            }

            for (var v = start; v <= end; v += step)
            {
                values.Add(v);
            }
        }

        return values;
    }
}

/// <summary>A whole schedule spec: intervals and calendars (unioned), minus excluded calendars, within start/end.</summary>
internal sealed class ScheduleTimes
{
    private readonly List<(TimeSpan Interval, TimeSpan Phase)> _intervals = [];
    private readonly List<CalendarRule> _calendars = [];
    private readonly List<CalendarRule> _excluded = [];
    private readonly DateTime? _start;
    private readonly DateTime? _end;

    public ScheduleTimes(ScheduleSpec spec)
    {
        foreach (var interval in spec.Interval)
        {
            var every = interval.Interval?.ToTimeSpan() ?? TimeSpan.Zero;
            if (every < TimeSpan.FromSeconds(1))
            {
                throw new ScheduleSpecException("Schedule intervals must be at least one second.");
            }

            _intervals.Add((every, interval.Phase?.ToTimeSpan() ?? TimeSpan.Zero));
        }

        foreach (var cron in spec.CronString)
        {
            if (cron.StartsWith("@every ", StringComparison.Ordinal))
            {
                var every = ParseGoDuration(cron["@every ".Length..]);
                _intervals.Add((every, TimeSpan.Zero));
                continue;
            }

            _calendars.Add(CalendarRule.FromCron(cron));
        }

        _calendars.AddRange(spec.StructuredCalendar.Select(CalendarRule.FromStructured));
        _excluded.AddRange(spec.ExcludeStructuredCalendar.Select(CalendarRule.FromStructured));
        if (spec.Calendar.Count > 0 || spec.ExcludeCalendar.Count > 0)
        {
            throw new ScheduleSpecException("String calendar specs are not supported; use structured calendars, cron strings or intervals.");
        }

        if (!string.IsNullOrEmpty(spec.TimezoneName) && spec.TimezoneName != "UTC")
        {
            throw new ScheduleSpecException("Only UTC schedules are supported.");
        }

        _start = spec.StartTime?.ToDateTime();
        _end = spec.EndTime?.ToDateTime();
        if (_intervals.Count == 0 && _calendars.Count == 0)
        {
            throw new ScheduleSpecException("A schedule spec needs at least one interval, calendar or cron string.");
        }
    }

    /// <summary>The next nominal action time strictly after <paramref name="after"/>, or null when the schedule is over.</summary>
    public DateTime? NextAfter(DateTime after)
    {
        var cursor = _start is { } start && start > after ? start.AddTicks(-1) : after;
        for (var guard = 0; guard < 10_000; guard++)
        {
            DateTime? best = null;
            foreach (var (interval, phase) in _intervals)
            {
                var sinceEpoch = cursor - DateTime.UnixEpoch - phase;
                var periods = (long)Math.Floor(sinceEpoch.Ticks / (double)interval.Ticks) + 1;
                var candidate = DateTime.UnixEpoch + phase + TimeSpan.FromTicks(periods * interval.Ticks);
                if (candidate <= cursor)
                {
                    candidate += interval;
                }

                best = best is null || candidate < best ? candidate : best;
            }

            foreach (var calendar in _calendars)
            {
                if (calendar.NextAfter(cursor) is { } candidate && (best is null || candidate < best))
                {
                    best = candidate;
                }
            }

            if (best is not { } next || (_end is { } end && next > end))
            {
                return null;
            }

            if (!_excluded.Any(rule => rule.NextAfter(next.AddSeconds(-1)) == next))
            {
                return DateTime.SpecifyKind(next, DateTimeKind.Utc);
            }

            cursor = next;
        }

        return null;
    }

    private static TimeSpan ParseGoDuration(string text)
    {
        var total = TimeSpan.Zero;
        var i = 0;
        while (i < text.Length)
        {
            var start = i;
            while (i < text.Length && (char.IsDigit(text[i]) || text[i] == '.'))
            {
                i++;
            }

            if (start == i || !double.TryParse(text[start..i], NumberStyles.Float, CultureInfo.InvariantCulture, out var amount))
            {
                throw new ScheduleSpecException($"Invalid duration '{text}'.");
            }

            var unitStart = i;
            while (i < text.Length && char.IsLetter(text[i]))
            {
                i++;
            }

            total += text[unitStart..i] switch
            {
                "h" => TimeSpan.FromHours(amount),
                "m" => TimeSpan.FromMinutes(amount),
                "s" => TimeSpan.FromSeconds(amount),
                "ms" => TimeSpan.FromMilliseconds(amount),
                _ => throw new ScheduleSpecException($"Invalid duration unit in '{text}'."),
            };
        }

        return total >= TimeSpan.FromSeconds(1) ? total : throw new ScheduleSpecException("Schedule intervals must be at least one second.");
    }
}

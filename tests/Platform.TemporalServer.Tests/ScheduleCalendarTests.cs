using Platform.TemporalServer.Schedules;
using Temporalio.Api.Schedule.V1;

namespace Platform.TemporalServer.Tests;

public sealed class ScheduleCalendarTests
{
    private static DateTime Utc(int year, int month, int day, int hour, int minute, int second = 0) => new(year, month, day, hour, minute, second, DateTimeKind.Utc);

    [Theory]
    [InlineData("*/15 * * * *", "2026-01-05T10:07:00Z", "2026-01-05T10:15:00Z")]
    [InlineData("0 9 * * 1-5", "2026-01-09T09:00:00Z", "2026-01-12T09:00:00Z")]
    [InlineData("30 2 1 * *", "2026-01-05T00:00:00Z", "2026-02-01T02:30:00Z")]
    [InlineData("@hourly", "2026-01-05T10:07:00Z", "2026-01-05T11:00:00Z")]
    [InlineData("@every 90s", "2026-01-05T10:00:00Z", "2026-01-05T10:01:30Z")]
    public void NextAfter_CronString_NextMatchingTime(string cron, string after, string expected)
    {
        var times = new ScheduleTimes(new ScheduleSpec { CronString = { cron } });
        var next = times.NextAfter(DateTime.Parse(after, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AdjustToUniversal));
        Assert.Equal(DateTime.Parse(expected, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AdjustToUniversal), next);
    }

    [Theory]
    [InlineData("61 * * * *")]
    [InlineData("* * *")]
    [InlineData("a b c d e")]
    public void Constructor_BadCronString_Throws(string cron) =>
        Assert.Throws<ScheduleSpecException>(() => new ScheduleTimes(new ScheduleSpec { CronString = { cron } }));

    [Fact]
    public void NextAfter_IntervalWithPhaseAndEndTime_StopsAtEnd()
    {
        var spec = new ScheduleSpec
        {
            Interval = { new IntervalSpec { Interval = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.FromHours(1)), Phase = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.FromMinutes(5)) } },
            EndTime = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTime(Utc(2026, 1, 5, 12, 0)),
        };
        var times = new ScheduleTimes(spec);
        Assert.Equal(Utc(2026, 1, 5, 11, 5), times.NextAfter(Utc(2026, 1, 5, 10, 30)));
        Assert.Null(times.NextAfter(Utc(2026, 1, 5, 11, 5)));
    }
}

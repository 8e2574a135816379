using Platform.Learning.Training;

namespace Platform.Learning.Tests;

public class SeededRandomTests
{
    [Fact]
    public void FromState_MidSequence_ContinuesTheSameDraws()
    {
        var random = new SeededRandom(42);
        for (var i = 0; i < 1000; i++)
        {
            random.Next(3);
            random.NextDouble();
        }

        var copy = SeededRandom.FromState(random.State);

        for (var i = 0; i < 1000; i++)
        {
            Assert.Equal(random.Next(1000), copy.Next(1000));
            Assert.Equal(random.NextDouble(), copy.NextDouble());
        }
    }

    [Fact]
    public void Next_Bound_StaysInRangeAndCoversIt()
    {
        var random = new SeededRandom(7);
        var counts = new int[3];
        for (var i = 0; i < 30_000; i++)
        {
            counts[random.Next(3)]++;
        }

        Assert.All(counts, c => Assert.InRange(c, 9_500, 10_500));
        Assert.All(Enumerable.Range(0, 1000).Select(_ => random.NextDouble()), d => Assert.InRange(d, 0d, 0.9999999999999999));
        Assert.Equal(0, random.Next(1));
        Assert.InRange(random.Next(-5, 5), -5, 4);
    }

    [Fact]
    public void FromState_AllZero_Throws() => Assert.Throws<ArgumentException>(() => SeededRandom.FromState([0, 0, 0, 0]));
}

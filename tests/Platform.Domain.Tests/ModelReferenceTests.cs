using Platform.Domain.Models;

namespace Platform.Domain.Tests;

public class ModelReferenceTests
{
    [Theory]
    [InlineData("models:/btcusdt-dqn@champion", "btcusdt-dqn", "champion", null)]
    [InlineData("models:/btcusdt-dqn/12", "btcusdt-dqn", null, "12")]
    public void Parse_RegistryUri_NameAndAliasOrVersion(string text, string name, string? alias, string? version)
    {
        var reference = ModelReference.Parse(text);

        Assert.True(reference.IsRegistered);
        Assert.Equal((name, alias, version), (reference.Name, reference.Alias, reference.Version));
        Assert.Equal(text, reference.ToString());
    }

    [Fact]
    public void Parse_Path_IsAFile()
    {
        var reference = ModelReference.Parse("models/dqn-linear.dqn");

        Assert.False(reference.IsRegistered);
        Assert.Equal("models/dqn-linear.dqn", reference.Path);
    }

    [Theory]
    [InlineData("models:/")]
    [InlineData("models:/name")]
    [InlineData("models:/name@")]
    [InlineData("models:/name/latest")]
    [InlineData("models:/a/b@c")]
    [InlineData(" ")]
    public void Parse_Malformed_ThrowsNamingTheForm(string text)
    {
        var e = Assert.Throws<InvalidRequestException>(() => ModelReference.Parse(text));

        Assert.Contains("models:/NAME", e.Message, StringComparison.Ordinal);
    }
}

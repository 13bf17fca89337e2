using System.Text.Json;
using Recurrent.Host.Service.Api;
using Recurrent.Host.Service.Runs;

namespace Recurrent.Host.Tests.Service.Runs;

/// <summary>
/// <c>dilations</c> in a run request as the service reads it: the count sets the layers, bad values are refused
/// naming the field, and a request without it is the plain network.
/// </summary>
public sealed class DilationRequestTests
{
    private static RunRequest Parse(string json) => JsonSerializer.Deserialize<RunRequest>(json, ApiJson.Options)!;

    [Fact]
    public void The_count_of_dilations_sets_the_layers()
    {
        var options = RunRequestMapper.ToTrainerOptions(Parse("""{"data": "adding:10", "dilations": [1, 2, 4, 8]}"""));

        Assert.Equal(4, options.Layers);
        Assert.Equal([1, 2, 4, 8], options.Dilations!);
    }

    [Fact]
    public void A_request_without_dilations_is_the_plain_network()
    {
        var options = RunRequestMapper.ToTrainerOptions(Parse("""{"data": "adding:10", "layers": 2}"""));

        Assert.Equal(2, options.Layers);
        Assert.Null(options.Dilations);
    }

    [Theory]
    [InlineData("""{"data": "adding:10", "dilations": [1, 0]}""", "dilations: must hold whole numbers between 1 and 100000; layer 1 has 0.")]
    [InlineData("""{"data": "adding:10", "dilations": [1, 2], "layers": 3}""", "dilations: 2 dilation(s) given for 3 layer(s)")]
    [InlineData("""{"data": "adding:10", "dilations": []}""", "dilations: give one positive integer per layer")]
    [InlineData("""{"data": "adding:10", "dilations": [4, 200000]}""", "layer 1 has 200000")]
    public void Bad_dilations_are_refused_naming_the_field(string json, string message)
    {
        var error = Assert.Throws<BadRequestException>(() => RunRequestMapper.ToTrainerOptions(Parse(json)));

        Assert.Equal("dilations", error.Field);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }
}

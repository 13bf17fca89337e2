using Recurrent.Diagnostics.Exposition;

namespace Recurrent.Diagnostics.Tests.Exposition;

public class ContentNegotiationTests
{
    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("*/*")]
    [InlineData("text/plain")]
    [InlineData("text/plain;version=0.0.4;q=0.9,application/openmetrics-text;q=0.5")]
    [InlineData("application/json")]
    [InlineData("application/openmetrics-text;version=2.0.0,text/plain;q=0.1")]
    [InlineData("application/openmetrics-text;q=0")]
    public void Prometheus_text_unless_OpenMetrics_is_preferred(string? accept)
    {
        var negotiated = ContentNegotiation.Negotiate(accept);

        Assert.Equal(ExpositionFormat.PrometheusText, negotiated.Format);
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", negotiated.ContentType);
    }

    [Theory]
    // What Prometheus 2.x sends when scraping.
    [InlineData("application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1")]
    [InlineData("application/openmetrics-text")]
    [InlineData("APPLICATION/OpenMetrics-Text; version=\"1.0.0\"")]
    [InlineData("text/plain;q=0.5, application/openmetrics-text;version=1.0.0;q=0.8")]
    [InlineData("*/*, application/openmetrics-text")]
    public void OpenMetrics_when_asked_for_first(string accept)
    {
        var negotiated = ContentNegotiation.Negotiate(accept);

        Assert.Equal(ExpositionFormat.OpenMetrics, negotiated.Format);
        Assert.Equal("application/openmetrics-text; version=1.0.0; charset=utf-8", negotiated.ContentType);
    }
}

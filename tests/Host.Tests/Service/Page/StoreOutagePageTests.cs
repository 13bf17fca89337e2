using Recurrent.Host.Tests.Support;
using Xunit.Abstractions;

namespace Recurrent.Host.Tests.Service.Page;

/// <summary>
/// A fleet worker whose PostgreSQL goes away keeps answering; the page says that the store is unavailable (with the
/// reason /healthz gives), not that the service is unreachable, and clears the banner once the database is back.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class StoreOutagePageTests(PostgresCluster cluster, ITestOutputHelper output)
{
    private const string Probe = """
        (() => ({
          banner: document.querySelector('[data-testid=error-banner]').hidden ? null : document.querySelector('[data-testid=error-banner]').textContent,
          status: document.querySelector('[data-testid=status]').textContent,
        }))()
        """;

    [Fact]
    public async Task The_page_says_when_the_worker_lost_its_database_and_recovers_with_it()
    {
        await using var worker = await FleetProcess.StartWorkerAsync(cluster.NewDatabase(), "page-outage");
        await using var browser = await HeadlessChromium.StartAsync(1200, 900);
        await browser.NavigateAsync($"http://127.0.0.1:{worker.Port}/");
        await browser.WaitForAsync("document.querySelector('[data-testid=status]').textContent.startsWith('live')", TimeSpan.FromSeconds(15), Probe);

        cluster.Stop();
        try
        {
            await browser.WaitForAsync("document.querySelector('[data-testid=status]').textContent === 'store unavailable'",
                TimeSpan.FromSeconds(45), Probe);
            var shown = (await browser.EvaluateAsync(Probe))!;
            output.WriteLine(shown.ToJsonString());
            var banner = (string)shown["banner"]!;
            Assert.StartsWith("The Recurrent service answers, but its store does not: ", banner, StringComparison.Ordinal);
            Assert.Contains("PostgreSQL store cannot be reached", banner, StringComparison.Ordinal);
            await browser.ScreenshotAsync(Path.Combine(AppContext.BaseDirectory, "artifacts", "live-page-store-outage.png"));
        }
        finally
        {
            cluster.Start();
        }
        await browser.WaitForAsync("document.querySelector('[data-testid=error-banner]').hidden && document.querySelector('[data-testid=status]').textContent.startsWith('live')",
            TimeSpan.FromSeconds(60), Probe);
    }
}

using Recurrent.Host.Service;
using Recurrent.Host.Service.Store.Postgres;
using Recurrent.Host.Tests.Support;

namespace Recurrent.Host.Tests.Service.Store;

/// <summary>The fleet's artifacts: a file published by one worker is fetched, whole, into another's data directory.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PgArtifactsTests(PostgresCluster cluster)
{
    [Fact]
    public void A_published_file_reaches_another_data_directory_and_a_deleted_one_does_not()
    {
        using var database = new PgDatabase(cluster.NewDatabase());
        var here = new DataDirectory(ServiceProcess.NewDataDir());
        var there = new DataDirectory(ServiceProcess.NewDataDir());
        var content = new byte[300_000];
        new Random(1).NextBytes(content);
        Directory.CreateDirectory(here.RunDir(7));
        File.WriteAllBytes(here.Checkpoint(7), content);
        new PgArtifacts(database, here, new PgRunFence()).Publish(here.Checkpoint(7));

        var fetcher = new PgArtifacts(database, there, new PgRunFence());
        Assert.True(fetcher.Fetch(there.Checkpoint(7)));
        Assert.Equal(content, File.ReadAllBytes(there.Checkpoint(7)));
        Assert.Empty(Directory.EnumerateFiles(there.RunDir(7), ".*.tmp")); // written beside and renamed

        content[0] ^= 0xFF; // a newer checkpoint replaces the stored one
        File.WriteAllBytes(here.Checkpoint(7), content);
        new PgArtifacts(database, here, new PgRunFence()).Publish(here.Checkpoint(7));
        Assert.True(fetcher.Fetch(there.Checkpoint(7)));
        Assert.Equal(content, File.ReadAllBytes(there.Checkpoint(7)));

        fetcher.Delete(there.Checkpoint(7));
        Assert.False(fetcher.Fetch(there.Model(7)));
        Assert.False(new PgArtifacts(database, here, new PgRunFence()).Fetch(here.Checkpoint(7)));
    }
}

using Recurrent.Host.Service.Store;
using Recurrent.Host.Service.Store.Postgres;
using Recurrent.Host.Service.Workers;
using Recurrent.Host.Tests.Support;

namespace Recurrent.Host.Tests.Service.Store;

/// <summary>The store contract on PostgreSQL, each test on a database of its own.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresStoreContractTests(PostgresCluster cluster) : StoreContractTests
{
    private protected override StoreSet NewStore()
    {
        var database = new PgDatabase(cluster.NewDatabase());
        var worker = new WorkerIdentity("contract-test", 1, Lease);
        return new StoreSet(new PgRunStore(database, worker, TimeProvider.System), new DatasetStore(database, TimeProvider.System),
            new GradientStore(database, new PgRunFence()), new EventStore(database))
        {
            Cleanup = database.Dispose,
            Peer = new PgRunStore(database, new WorkerIdentity("contract-peer", 1, Lease), TimeProvider.System),
        };
    }
}

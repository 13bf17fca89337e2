using Recurrent.Host.Service.Store;
using Recurrent.Host.Service.Store.Sqlite;
using Recurrent.Host.Tests.Support;

namespace Recurrent.Host.Tests.Service.Store;

/// <summary>The store contract on the embedded SQLite store.</summary>
public sealed class SqliteStoreContractTests : StoreContractTests
{
    private protected override StoreSet NewStore()
    {
        var database = new SqliteDatabase(Path.Combine(ServiceProcess.NewDataDir(), "recurrent.db"));
        return new StoreSet(new SqliteRunStore(database, TimeProvider.System), new DatasetStore(database, TimeProvider.System),
            new GradientStore(database, new RunFence()), new EventStore(database));
    }
}

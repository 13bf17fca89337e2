using Recurrent.Host.Service;
using Recurrent.Host.Service.Store;
using Recurrent.Host.Service.Store.Postgres;
using Recurrent.Host.Service.Workers;
using Recurrent.Host.Tests.Support;

namespace Recurrent.Host.Tests.Service.Store;

/// <summary>
/// Leases in a fleet's store, with two workers on one real PostgreSQL: the claim count fences every write of a
/// worker, so one that lost its lease (paused, or cut off) writes nothing once another has claimed the run; and a
/// lease that ran out under a worker that is alive is not counted as a death.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class PgLeaseTests(PostgresCluster cluster)
{
    private static readonly TimeSpan Lease = TimeSpan.FromMilliseconds(300);

    [Fact]
    public void A_worker_whose_run_was_claimed_by_another_writes_nothing_for_it()
    {
        using var database = new PgDatabase(cluster.NewDatabase());
        var (a, b) = (Worker(database, "a"), Worker(database, "b"));
        var fence = new PgRunFence();
        var gradients = new GradientStore(database, fence);
        var here = new DataDirectory(ServiceProcess.NewDataDir());
        var artifacts = new PgArtifacts(database, here, fence);
        var run = a.Create("r", "{}")!;
        var lost = RunLease.Of(a.ClaimNext()!);
        gradients.Add(lost, [Step(1)]);
        Directory.CreateDirectory(here.RunDir(run.Id));
        File.WriteAllBytes(here.Checkpoint(run.Id), [1, 2, 3]);
        artifacts.Publish(here.Checkpoint(run.Id), lost);
        a.RecordCheckpoint(lost, 1, 1);

        Thread.Sleep(Lease * 2); // a is paused past its lease; b requeues the run and claims it
        Assert.Equal([run.Id], b.RequeueInterrupted(maxInterruptions: 3).Requeued);
        var held = RunLease.Of(b.ClaimNext()!);
        Assert.Equal(lost.Token + 1, held.Token);

        // a resumes: every write it tries is refused, in the statement that would make it.
        Assert.Throws<LeaseLostException>(() => gradients.Add(lost, [Step(2), Step(3)]));
        File.WriteAllBytes(here.Checkpoint(run.Id), [9, 9, 9]);
        Assert.Throws<LeaseLostException>(() => artifacts.Publish(here.Checkpoint(run.Id), lost));
        Assert.Throws<LeaseLostException>(() => a.RecordCheckpoint(lost, 3, 1));
        Assert.Throws<LeaseLostException>(() => a.RecordEpoch(lost, new EpochRecord(1, 3, 0.5, null, null, null, null)));
        Assert.Throws<LeaseLostException>(() => a.AddEvent(lost, "resumed", "late"));
        Assert.Throws<LeaseLostException>(() => a.Requeue(lost, "shutting down"));
        Assert.Throws<LeaseLostException>(() => a.Finish(lost, "failed", 3, 1, "late", null));
        Assert.Equal([1L], gradients.Since(run.Id, 0, 10).Select(s => s.Step));
        var there = new DataDirectory(ServiceProcess.NewDataDir());
        Assert.True(new PgArtifacts(database, there, fence).Fetch(there.Checkpoint(run.Id)));
        Assert.Equal([1, 2, 3], File.ReadAllBytes(there.Checkpoint(run.Id)));
        var stored = b.Get(run.Id)!;
        Assert.Equal(("running", "b", 1L), (stored.State, stored.Worker, stored.Step));

        // b, the holder, writes as usual.
        gradients.Add(held, [Step(2)]);
        b.RecordCheckpoint(held, 2, 1);
        Assert.Equal("succeeded", b.Finish(held, "succeeded", 2, 1, null, "{}"));
    }

    [Fact]
    public void A_lease_that_ran_out_under_a_live_worker_is_not_a_death()
    {
        using var database = new PgDatabase(cluster.NewDatabase());
        var (a, b) = (Worker(database, "a"), Worker(database, "b"));
        var run = a.Create("r", "{}")!;
        // Three times the run's lease runs out under a (the database was away, or a was paused); b requeues it
        // each time, and a, alive, is heard of again.
        for (var time = 0; time < 3; time++)
        {
            Assert.Equal(run.Id, a.ClaimNext()!.Id);
            Thread.Sleep(Lease * 2);
            Assert.Equal([run.Id], b.RequeueInterrupted(maxInterruptions: 2).Requeued);
            Assert.Equal([run.Id], a.Revive());
        }
        // Then a really dies under it, twice: those count.
        Assert.Equal(run.Id, a.ClaimNext()!.Id);
        Thread.Sleep(Lease * 2);
        Assert.Equal([run.Id], b.RequeueInterrupted(maxInterruptions: 2).Requeued);
        var dead = Worker(database, "a"); // the same id, restarted: another process
        Assert.Equal(run.Id, dead.ClaimNext()!.Id);
        Thread.Sleep(Lease * 2);
        Assert.Empty(dead.Revive()); // nothing expired under the new process yet
        Assert.Equal([run.Id], b.RequeueInterrupted(maxInterruptions: 2).Failed);
        Assert.Contains("died 2 times", b.Get(run.Id)!.Error);
    }

    [Fact]
    public void A_worker_that_finds_its_own_lease_run_out_queues_the_run_again_without_counting_a_death()
    {
        using var database = new PgDatabase(cluster.NewDatabase());
        var a = Worker(database, "a");
        var run = a.Create("r", "{}")!;
        for (var time = 0; time < 3; time++)
        {
            Assert.Equal(run.Id, a.ClaimNext()!.Id);
            Thread.Sleep(Lease * 2);
            Assert.Equal([run.Id], a.RequeueInterrupted(maxInterruptions: 1).Requeued);
        }
        Assert.Equal("queued", a.Get(run.Id)!.State);
    }

    private static PgRunStore Worker(PgDatabase database, string id) =>
        new(database, new WorkerIdentity(id, 1, Lease), TimeProvider.System);

    private static Recurrent.Diagnostics.GradientRecord Step(long step) => new(step, 1, 0.5, 1, false, false, null, null, []);
}

using Recurrent.Diagnostics;
using Recurrent.Host.Service.Gradients;
using Recurrent.Host.Service.Store;

namespace Recurrent.Host.Tests.Service.Store;

/// <summary>The stores under test, built on a new, empty store.</summary>
internal sealed record StoreSet(RunStore Runs, DatasetStore Datasets, GradientStore Gradients, EventStore Events) : IDisposable
{
    internal Action? Cleanup { get; init; }

    /// <summary>The run store as another worker of the same store sees it (the embedded store has one process: itself).</summary>
    internal RunStore? Peer { get; init; }

    /// <summary>The lease a claim gives.</summary>
    internal static RunLease Lease(RunRecord claimed) => RunLease.Of(claimed);

    public void Dispose() => Cleanup?.Invoke();
}

/// <summary>
/// The one contract of the store, run against each implementation (SQLite and PostgreSQL subclass it): what every
/// caller relies on, from the run life cycle to the paging of the gradient history.
/// </summary>
public abstract class StoreContractTests
{
    /// <summary>The lease the stores get; the interruption test waits it out (the embedded store has none).</summary>
    protected static readonly TimeSpan Lease = TimeSpan.FromMilliseconds(300);

    private protected abstract StoreSet NewStore();

    [Fact]
    public void A_created_run_is_queued_named_and_listed_and_a_taken_name_is_refused()
    {
        using var store = NewStore();
        var first = store.Runs.Create(null, """{"data":"adding:10"}""")!;
        var second = store.Runs.Create("named", "{}")!;
        Assert.Equal($"run-{first.Id}", first.Name);
        Assert.Equal(RunStates.Queued, first.State);
        Assert.Equal("""{"data":"adding:10"}""", first.Request);
        Assert.Null(store.Runs.Create("named", "{}"));
        Assert.Equal([first.Id, second.Id], store.Runs.List().Select(r => r.Id));
        Assert.Null(store.Runs.Get(999));
        Assert.Equal(new Recurrent.Diagnostics.Metrics.RunStateCounts(2, 0, 0, 0, 0), store.Runs.CountStates());
    }

    [Fact]
    public void Claims_take_the_oldest_queued_run_once_and_finish_records_the_outcome()
    {
        using var store = NewStore();
        var a = store.Runs.Create("a", "{}")!;
        var b = store.Runs.Create("b", "{}")!;
        var claimed = store.Runs.ClaimNext()!;
        Assert.Equal(a.Id, claimed.Id);
        Assert.Equal(RunStates.Running, claimed.State);
        Assert.NotNull(claimed.StartedAt);
        var second = store.Runs.ClaimNext()!;
        Assert.Equal(b.Id, second.Id);
        Assert.Null(store.Runs.ClaimNext());

        Assert.Equal(RunStates.Succeeded, store.Runs.Finish(StoreSet.Lease(claimed), RunStates.Succeeded, 40, 2, null, """{"steps":40}"""));
        store.Runs.Finish(StoreSet.Lease(second), RunStates.Failed, 3, 0, "it broke", null);
        var done = store.Runs.Get(a.Id)!;
        Assert.Equal((RunStates.Succeeded, 40L, 2, """{"steps":40}"""), (done.State, done.Step, done.Epoch, done.Result));
        Assert.NotNull(done.FinishedAt);
        Assert.Equal("it broke", store.Runs.Get(b.Id)!.Error);
        Assert.Equal(new Recurrent.Diagnostics.Metrics.RunStateCounts(0, 0, 1, 1, 0), store.Runs.CountStates());
        var kinds = store.Events.Lifecycle(store.Runs.Get(b.Id)!, 100).Select(e => e.Kind).ToArray();
        Assert.Equal(["created", "started", "failed"], kinds);
    }

    [Fact]
    public void Requeue_and_cancel_change_only_the_states_they_guard()
    {
        using var store = NewStore();
        var run = store.Runs.Create("r", "{}")!;
        Assert.True(store.Runs.CancelQueued(store.Runs.Create("q", "{}")!.Id));
        var claimed = store.Runs.ClaimNext()!;
        Assert.False(store.Runs.CancelQueued(run.Id)); // running: not cancellable at once
        Assert.Equal(RunStates.Queued, store.Runs.Requeue(StoreSet.Lease(claimed), "shutting down"));
        Assert.Equal(RunStates.Queued, store.Runs.Get(run.Id)!.State);
        Assert.Contains(store.Events.Lifecycle(run, 100), e => e.Kind == "stopped" && e.Message == "shutting down");
        Assert.Equal(run.Id, store.Runs.ClaimNext()!.Id);
        Assert.Equal(new Recurrent.Diagnostics.Metrics.RunStateCounts(0, 1, 0, 0, 1), store.Runs.CountStates());
    }

    [Fact]
    public void Checkpoints_epochs_and_a_reset_keep_the_progress_consistent()
    {
        using var store = NewStore();
        var run = store.Runs.Create("r", "{}")!;
        var lease = StoreSet.Lease(store.Runs.ClaimNext()!);
        store.Runs.RecordCheckpoint(lease, 20, 1);
        store.Runs.RecordCheckpoint(lease, 10, 0); // never moves the progress back
        var stored = store.Runs.Get(run.Id)!;
        Assert.Equal((10L, 20L, 1), (stored.CheckpointStep!.Value, stored.Step, stored.Epoch));
        store.Runs.RecordEpoch(lease, new EpochRecord(1, 20, 0.5, 0.75, double.NaN, null, 0.01));
        store.Runs.RecordEpoch(lease, new EpochRecord(1, 20, 0.25, 0.75, 0.3, 0.8, 0.01)); // the same epoch again replaces it
        var epoch = Assert.Single(store.Runs.Epochs(run.Id));
        Assert.Equal(new EpochRecord(1, 20, 0.25, 0.75, 0.3, 0.8, 0.01), epoch);
        store.Runs.ResetProgress(lease);
        stored = store.Runs.Get(run.Id)!;
        Assert.Equal((0L, 0, (long?)null), (stored.Step, stored.Epoch, stored.CheckpointStep));
        Assert.Empty(store.Runs.Epochs(run.Id));
        Assert.Contains(store.Events.Lifecycle(stored, 100), e => e.Kind == "restarted");
        store.Runs.RecordEpoch(lease, new EpochRecord(1, 20, double.PositiveInfinity, null, null, null, null));
        Assert.Null(Assert.Single(store.Runs.Epochs(run.Id)).TrainLoss); // not finite: stored as unknown
    }

    [Fact]
    public void An_interrupted_run_is_queued_again_until_it_was_interrupted_too_often()
    {
        using var store = NewStore();
        var peer = store.Peer ?? store.Runs;
        var run = store.Runs.Create("r", "{}")!;
        for (var attempt = 1; attempt <= 2; attempt++)
        {
            Assert.Equal(run.Id, store.Runs.ClaimNext()!.Id);
            Thread.Sleep(Lease * 2); // the worker "died": nothing renews its lease
            var (requeued, failed) = peer.RequeueInterrupted(maxInterruptions: 2);
            if (attempt == 1)
            {
                Assert.Equal([run.Id], requeued);
                Assert.Empty(failed);
                Assert.Equal(RunStates.Queued, store.Runs.Get(run.Id)!.State);
            }
            else
            {
                Assert.Empty(requeued);
                Assert.Equal([run.Id], failed);
                var ended = store.Runs.Get(run.Id)!;
                Assert.Equal(RunStates.Failed, ended.State);
                Assert.Contains("MaxRunInterruptions", ended.Error);
            }
        }
        Assert.Equal(2, store.Events.Lifecycle(run, 100).Count(e => e.Kind == "interrupted"));
    }

    [Fact]
    public void A_cancel_marked_on_a_running_run_wins_over_how_it_then_ends()
    {
        using var store = NewStore();
        var run = store.Runs.Create("r", "{}")!;
        var lease = StoreSet.Lease(store.Runs.ClaimNext()!);
        Assert.True(store.Runs.RequestCancel(run.Id));
        Assert.Equal(RunStates.Cancelled, store.Runs.Finish(lease, RunStates.Succeeded, 40, 2, null, """{"steps":40}"""));
        var ended = store.Runs.Get(run.Id)!;
        Assert.Equal((RunStates.Cancelled, "cancelled by request", (string?)null), (ended.State, ended.Error, ended.Result));
        Assert.False(store.Runs.RequestCancel(run.Id)); // ended: too late, the caller says so

        var other = store.Runs.Create("s", "{}")!;
        var second = StoreSet.Lease(store.Runs.ClaimNext()!);
        Assert.Equal(RunStates.Succeeded, store.Runs.Finish(second, RunStates.Succeeded, 40, 2, null, "{}"));
        Assert.False(store.Runs.RequestCancel(other.Id));
        Assert.Equal(RunStates.Succeeded, store.Runs.Get(other.Id)!.State);

        var third = store.Runs.Create("t", "{}")!;
        var held = StoreSet.Lease(store.Runs.ClaimNext()!);
        Assert.True(store.Runs.RequestCancel(third.Id));
        Assert.Equal(RunStates.Cancelled, store.Runs.Requeue(held, "shutting down")); // a shutdown does not queue it again
    }

    [Fact]
    public void A_worker_writes_nothing_for_a_run_it_no_longer_holds()
    {
        using var store = NewStore();
        var run = store.Runs.Create("r", "{}")!;
        var lease = StoreSet.Lease(store.Runs.ClaimNext()!);
        store.Gradients.Add(lease, [Point(1, 1)]);
        Assert.Equal(RunStates.Succeeded, store.Runs.Finish(lease, RunStates.Succeeded, 1, 1, null, "{}"));
        // Ended: every further write of its worker is refused and changes nothing.
        Assert.Throws<LeaseLostException>(() => store.Gradients.Add(lease, [Point(2, 2)]));
        Assert.Throws<LeaseLostException>(() => store.Runs.RecordCheckpoint(lease, 2, 1));
        Assert.Throws<LeaseLostException>(() => store.Runs.RecordEpoch(lease, new EpochRecord(1, 2, 0.5, null, null, null, null)));
        Assert.Throws<LeaseLostException>(() => store.Runs.AddEvent(lease, "resumed", "late"));
        Assert.Throws<LeaseLostException>(() => store.Runs.Finish(lease, RunStates.Failed, 2, 1, "late", null));
        Assert.Equal([1L], store.Gradients.Range(run.Id, 0, long.MaxValue, true, 10, 1).Select(p => p.Step));
        Assert.Empty(store.Runs.Epochs(run.Id));
        Assert.DoesNotContain(store.Events.Lifecycle(run, 100), e => e.Kind == "resumed");
        Assert.Equal((RunStates.Succeeded, 1L), (store.Runs.Get(run.Id)!.State, store.Runs.Get(run.Id)!.Step));
    }

    [Fact]
    public void Gradient_steps_are_stored_once_and_paged_both_ways()
    {
        using var store = NewStore();
        var run = store.Runs.Create("r", "{}")!;
        var lease = StoreSet.Lease(store.Runs.ClaimNext()!);
        store.Gradients.Add(lease, [.. Enumerable.Range(1, 30).Select(s => Point(s, loss: s))]);
        // Trained again after a resume: the same steps, written again, are still one each.
        store.Gradients.Add(lease, [.. Enumerable.Range(21, 10).Select(s => Point(s, loss: s))]);
        store.Gradients.Add(lease, [Point(31, double.NaN, clipped: true, nonFinite: true, clippedSteps: 1, nonFiniteSteps: 1)]);

        Assert.Equal([1L, 2, 3], store.Gradients.Range(run.Id, 0, long.MaxValue, ascending: true, 3, 1).Select(p => p.Step));
        Assert.Equal([31L, 30, 29], store.Gradients.Range(run.Id, 0, long.MaxValue, ascending: false, 3, 1).Select(p => p.Step));
        Assert.Equal([10L, 20, 30], store.Gradients.Range(run.Id, 0, long.MaxValue, ascending: true, 10, 10).Select(p => p.Step));
        Assert.Equal([28L, 29], store.Gradients.Since(run.Id, 20, 2, beforeStep: 30).Select(p => p.Step));
        Assert.Equal(31, store.Gradients.Range(run.Id, 0, long.MaxValue, true, 100, 1).Count);
        var last = store.Gradients.Range(run.Id, 30, long.MaxValue, true, 1, 1).Single();
        Assert.True(double.IsNaN(last.Loss));
        Assert.True(last.Clipped && last.NonFinite);
        var point = store.Gradients.Range(run.Id, 4, 6, true, 1, 1).Single();
        Assert.Equal(Point(5, 5) with { ProfileLog10 = NoProfile }, point with { ProfileLog10 = NoProfile });
        Assert.Equal([0.5, double.NaN, -1.25], point.ProfileLog10);

        // The last step carries the trainer's counts: the run's clip rate without counting the stored steps again.
        var ended = store.Gradients.Last(run.Id)!;
        Assert.Equal((31L, 1L, 1L), (ended.Step, ended.ClippedSteps, ended.NonFiniteSteps));
        Assert.True(double.IsNaN(ended.Loss));
        Assert.Equal(1.0 / 31, ended.ClipRate, 12);
        Assert.Null(store.Gradients.Last(999));
    }

    [Fact]
    public void Update_share_and_gradient_detail_read_back_as_they_were_written()
    {
        using var store = NewStore();
        var run = store.Runs.Create("r", "{}")!;
        var lease = StoreSet.Lease(store.Runs.ClaimNext()!);
        var detailed = Point(1, 1) with
        {
            UpdateShares = [0.75, 0.25],
            Paths = [new PathFigures("0", "forward", -4.5, 12, [0, -1.5, double.NaN]), new PathFigures("1", "reverse", null, null, [])],
            Blocks =
            [
                new BlockFigures("0", "forward", "W_hh", "f", 0.125, 3.5, 1.5e-3),
                new BlockFigures("head", "forward", "b_y", "y", double.NaN, 0, null),
            ],
            Saturation = [new SaturationFigure("0", "forward", "f", 0.625), new SaturationFigure("1", "reverse", "relu_dead", 1)],
            DetailStep = 1,
        };
        store.Gradients.Add(lease, [detailed, Point(2, 1)]);

        var first = store.Gradients.Range(run.Id, 0, 2, ascending: true, 1, 1).Single();
        var second = store.Gradients.Last(run.Id)!;
        Assert.Equal(0.5, first.UpdateShare);
        Assert.Empty(first.UpdateShares); // the per-layer shares feed only the metrics
        Assert.Equal(Json(detailed.Paths), Json(first.Paths));
        Assert.Equal(Json(detailed.Blocks), Json(first.Blocks));
        Assert.Equal(Json(detailed.Saturation), Json(first.Saturation));
        Assert.True(double.IsNaN(first.Blocks[1].GradNorm));
        Assert.Equal([0, -1.5, double.NaN], first.Paths[0].ProfileLog10);
        Assert.Equal(1, first.DetailStep);
        // A step of a plain run at the global level: no share, no detail.
        Assert.Null(second.UpdateShare);
        Assert.Empty(second.Paths);
        Assert.Empty(second.Blocks);
        Assert.Empty(second.Saturation);
        Assert.Null(second.DetailStep);
    }

    [Fact]
    public void Demo_runs_are_claimed_in_their_own_lane()
    {
        using var store = NewStore();
        var demo = store.Runs.Create("demo", "{}", demo: true)!;
        var user = store.Runs.Create("user", "{}")!;
        Assert.Equal(user.Id, store.Runs.ClaimNext()!.Id);
        Assert.Null(store.Runs.ClaimNext());
        Assert.Equal(demo.Id, store.Runs.ClaimNext(demo: true)!.Id);
        Assert.Null(store.Runs.ClaimNext(demo: true));
    }

    private static string Json<T>(T value) => System.Text.Json.JsonSerializer.Serialize(value,
        new System.Text.Json.JsonSerializerOptions(GradientJson.Options) { NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals });

    [Fact]
    public void Training_events_are_found_in_the_stored_steps()
    {
        using var store = NewStore();
        var run = store.Runs.Create("r", "{}")!;
        var lease = StoreSet.Lease(store.Runs.ClaimNext()!);
        store.Gradients.Add(lease,
        [
            .. Enumerable.Range(1, 5).Select(s => Point(s, 1)),
            .. Enumerable.Range(6, 12).Select(s => Point(s, 1, clipped: true)), // a burst: 12 steps
            Point(18, double.NaN, nonFinite: true),
            .. Enumerable.Range(19, 3).Select(s => Point(s, 1, clipped: true)), // too short for a burst
        ]);
        store.Runs.RecordCheckpoint(lease, 21, 1);
        var events = store.Events.Training(store.Runs.Get(run.Id)!, 0, 100);
        Assert.Equal(["clipped-burst", "non-finite", "checkpoint"], events.Select(e => e.Kind));
        Assert.Equal((6L, 17L), (events[0].Step!.Value, events[0].LastStep!.Value));
        Assert.StartsWith("12 consecutive steps clipped, steps 6–17", events[0].Message);
        Assert.StartsWith("step 18: non-finite loss or gradient (loss not finite", events[1].Message);
        Assert.Equal(["non-finite", "checkpoint"], store.Events.Training(store.Runs.Get(run.Id)!, 6, 100).Select(e => e.Kind));
    }

    [Fact]
    public void A_dataset_is_recorded_with_its_file_or_not_at_all()
    {
        using var store = NewStore();
        var description = new DatasetRecord(0, "reviews.csv", "csv", 1234, 10, "tokens", 0, ["neg", "pos"], 42, default);
        var placed = new List<long>();
        var added = store.Datasets.Add(description, placed.Add);
        Assert.Equal([added.Id], placed);
        Assert.Equal(("reviews.csv", 1234L, 42), (added.Name, added.SizeBytes, added.MaxLength));
        Assert.Equal(["neg", "pos"], added.Classes);
        Assert.Throws<IOException>(() => store.Datasets.Add(description, _ => throw new IOException("disk full")));
        Assert.Equal([added.Id], store.Datasets.List().Select(d => d.Id));
        Assert.Equal(added, store.Datasets.Get(added.Id)! with { Classes = added.Classes });
        Assert.Null(store.Datasets.Get(added.Id + 1));
    }

    private static readonly double[] NoProfile = [];

    private static GradientRecord Point(long step, double loss, bool clipped = false, bool nonFinite = false,
        long clippedSteps = 0, long nonFiniteSteps = 0) =>
        new(step, (int)(step / 20), loss, 2 * step, clipped, nonFinite, -0.5, 7, [0.5, double.NaN, -1.25])
        {
            ClippedSteps = clippedSteps,
            NonFiniteSteps = nonFiniteSteps,
        };
}

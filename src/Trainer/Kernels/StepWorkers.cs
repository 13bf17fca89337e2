using System.Diagnostics;
using System.Runtime.ExceptionServices;

namespace Recurrent.Trainer.Kernels;

/// <summary>
/// The threads of a training run's steps: the thread that trains and <c>threads − 1</c> helpers that live from the
/// run's first step to its end (<see cref="Dispose"/>), so that each of a step's hand-offs (the forward and BPTT time
/// loops, the weight-gradient products, the loss rows) finds a helper already running instead of queueing work to the
/// thread pool. An idle helper blocks on a monitor (or spins first, when given a spin); the next hand-off wakes it.
/// The process's inference helpers are one such team too (<see cref="InferenceTeam"/>), kept for the process.
/// </summary>
/// <remarks>
/// The parts of a hand-off are claimed one at a time by whichever thread comes first, the caller too: a helper
/// that another process keeps off its core never holds a step back by more than its own part. Which thread runs a
/// part changes nothing in the results (every part writes its own rows or columns), so the bits stay those of
/// <see cref="Parallel.For(int, int, Action{int})"/>. Runs on the team nest: a part that hands off again runs that
/// hand-off through <see cref="PartRunner"/>'s fallback.
/// </remarks>
internal sealed class StepWorkers : IDisposable
{
    [ThreadStatic]
    private static StepWorkers? t_current;

    // How long an idle helper spins before it blocks, and a caller waiting for a helper's part before it yields: by
    // default not at all. On this project's shared 2-core machines (load 9-16, LSTM, GRU and tanh RNN at H = 128)
    // a step with helpers that block at once took 0.86-1.00x the thread pool's time, with a 50-100 µs spin
    // 0.91-1.04x, with 0.3-1 ms 1.0-1.16x: a spinning helper uses up its share of a busy core and then starts its
    // part late. The helpers pay by themselves: a dedicated thread and a plain monitor instead of the pool's queue.
    public static readonly TimeSpan DefaultSpin = TimeSpan.Zero;

    private readonly long _spinTicks;

    private readonly Thread[] _helpers;
    private readonly object _gate = new();
    private volatile Job? _job;
    private volatile bool _stopping;
    private int _sleepers;
    // 1 while a hand-off runs: set by one caller at a time (the inference team is shared by every thread of the process).
    private int _busy;

    /// <param name="helpers">Threads besides the caller's.</param>
    /// <param name="spin">How long an idle helper, and a caller waiting for one, spin before they block or yield
    /// (<see cref="DefaultSpin"/> when not given).</param>
    public StepWorkers(int helpers, TimeSpan? spin = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(helpers);
        _spinTicks = (long)((spin ?? DefaultSpin).TotalSeconds * Stopwatch.Frequency);
        _helpers = new Thread[helpers];
        for (var i = 0; i < helpers; i++)
        {
            // Background: a run that is never disposed (a benchmark's loop) cannot keep the process alive.
            _helpers[i] = new Thread(HelperLoop) { IsBackground = true, Name = $"Recurrent step worker {i + 1}" };
            _helpers[i].Start();
        }
    }

    /// <summary>The team of the calling thread's training step or inference (<see cref="InferenceTeam"/>), or null.</summary>
    public static StepWorkers? Current => t_current;

    /// <summary>The helper threads (tests check that they are gone after a run).</summary>
    internal IReadOnlyList<Thread> Helpers => _helpers;

    /// <summary>Hand-offs this team ran.</summary>
    public long HandOffs { get; private set; }

    /// <summary>Makes <paramref name="team"/> the calling thread's team until the scope is disposed (null: none).</summary>
    public static Scope Enter(StepWorkers? team)
    {
        var previous = t_current;
        t_current = team;
        return new Scope(previous);
    }

    /// <summary>
    /// Runs body(0) … body(parts − 1) on the caller and the helpers; false (nothing run) while the team is already
    /// running a hand-off (a part that hands off again) or after it was disposed.
    /// </summary>
    public bool TryRun(int parts, Action<int> body)
    {
        if (_stopping || Interlocked.CompareExchange(ref _busy, 1, 0) != 0)
            return false;
        try
        {
            var job = new Job(body, parts, KernelPlan.Overridden, VectorWidth.Force256);
            // As many helpers as there are parts besides the caller's.
            Publish(job, parts - 1);
            job.Work();
            WaitForParts(job);
            HandOffs++;
            job.ThrowErrors();
            return true;
        }
        finally
        {
            Volatile.Write(ref _busy, 0);
        }
    }

    /// <summary>
    /// Runs <paramref name="caller"/> on the calling thread while one helper runs <paramref name="helper"/>, and
    /// returns when the caller's body is done, without waiting for the helper's: for work whose caller can take back
    /// and finish any share the helper has not (the batch-1 unit split), so a helper that another process keeps off
    /// its core never holds the caller. A helper woken late runs its body late, perhaps during a later hand-off:
    /// the body must then write nothing a later caller uses (it claims its writes, and finds them taken). Errors of
    /// the helper's body are dropped (its caller redoes its share). False (nothing run) while the team is busy.
    /// </summary>
    public bool TryRunAlongside(Action caller, Action helper)
    {
        if (_stopping || Interlocked.CompareExchange(ref _busy, 1, 0) != 0)
            return false;
        try
        {
            Publish(new Job(_ => helper(), 1, KernelPlan.Overridden, VectorWidth.Force256), 1);
            caller();
            HandOffs++;
            return true;
        }
        finally
        {
            Volatile.Write(ref _busy, 0);
        }
    }

    // Makes `job` the team's and wakes at most `wake` sleeping helpers (a shared team can have more helpers than a
    // hand-off has parts); a helper left asleep sees the job when next woken, and finds its parts taken.
    private void Publish(Job job, int wake)
    {
        _job = job;
        // A full fence on both sides (here and the helper's Interlocked count of sleepers): either this read sees the
        // helper about to sleep, or the helper sees the new job before it waits. Even a missed wake-up could not
        // hang a step: the caller claims every part nobody else took.
        Interlocked.MemoryBarrier();
        var sleepers = Volatile.Read(ref _sleepers);
        if (sleepers == 0 || wake == 0)
            return;
        lock (_gate)
        {
            if (sleepers <= wake)
                Monitor.PulseAll(_gate);
            else
                for (var i = 0; i < wake; i++)
                    Monitor.Pulse(_gate);
        }
    }

    // The caller, its parts done, waits for the helpers' last ones: spinning for the team's spin, then yielding its
    // core, which a helper that another process keeps waiting may need.
    private void WaitForParts(Job job)
    {
        var yieldAfter = Stopwatch.GetTimestamp() + _spinTicks;
        while (Volatile.Read(ref job.Remaining) > 0)
        {
            if (Stopwatch.GetTimestamp() < yieldAfter)
                Thread.SpinWait(20);
            else
                Thread.Yield();
        }
    }

    /// <summary>Stops and joins the helpers; the team runs nothing afterwards.</summary>
    public void Dispose()
    {
        if (_stopping)
            return;
        _stopping = true;
        lock (_gate)
            Monitor.PulseAll(_gate);
        foreach (var helper in _helpers)
            helper.Join();
    }

    private void HelperLoop()
    {
        Job? last = null;
        while (WaitForJob(last) is { } job)
        {
            last = job;
            job.Work();
        }
    }

    // The next job after `last`, spinning a while then blocking; null when the team stops.
    private Job? WaitForJob(Job? last)
    {
        var spinUntil = Stopwatch.GetTimestamp() + _spinTicks;
        while (true)
        {
            if (_stopping)
                return null;
            var job = _job;
            if (job != last)
                return job;
            if (Stopwatch.GetTimestamp() < spinUntil)
            {
                Thread.SpinWait(30);
                continue;
            }
            lock (_gate)
            {
                Interlocked.Increment(ref _sleepers);
                while (_job == last && !_stopping)
                    Monitor.Wait(_gate);
                Interlocked.Decrement(ref _sleepers);
            }
        }
    }

    /// <summary>Restores the team the thread had before.</summary>
    public readonly struct Scope(StepWorkers? previous) : IDisposable
    {
        public void Dispose() => t_current = previous;
    }

    // One hand-off: its parts are claimed in order by whoever comes; Remaining counts the parts not yet finished.
    private sealed class Job(Action<int> body, int parts, KernelPlan? plan, bool force256)
    {
        private readonly int _parts = parts;
        private int _next;
        private List<Exception>? _errors;
        public int Remaining = parts;

        public void Work()
        {
            int part;
            if ((part = Interlocked.Increment(ref _next) - 1) >= _parts)
                return;
            // The caller's kernel plan and vector width hold on every thread of the hand-off (tests force them).
            var previousWidth = VectorWidth.Force256;
            VectorWidth.Force256 = force256;
            using var scope = plan is null ? null : KernelPlan.Use(plan);
            try
            {
                do
                {
                    try
                    {
                        body(part);
                    }
                    catch (Exception e)
                    {
                        lock (this)
                            (_errors ??= []).Add(e);
                    }
                    finally
                    {
                        Interlocked.Decrement(ref Remaining);
                    }
                }
                while ((part = Interlocked.Increment(ref _next) - 1) < _parts);
            }
            finally
            {
                VectorWidth.Force256 = previousWidth;
            }
        }

        // As Parallel.For reports them, except that a cancel of every failed part reaches the caller as one cancel.
        public void ThrowErrors()
        {
            if (_errors is null)
                return;
            if (_errors.All(e => e is OperationCanceledException))
                ExceptionDispatchInfo.Throw(_errors[0]);
            throw new AggregateException(_errors);
        }
    }
}

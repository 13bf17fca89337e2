using System.Diagnostics;
using Microsoft.ML;
using Recurrent.Diagnostics;
using Recurrent.Trainer.Data;
using Recurrent.Trainer.Kernels;
using Recurrent.Trainer.Layers;
using Recurrent.Trainer.Tensors;

namespace Recurrent.Trainer.Training;

/// <summary>
/// What every training run does whatever its model (<see cref="TrainingLoop"/> for the sequence models,
/// <see cref="EncoderDecoderTrainingLoop"/> for the encoder–decoder): epochs of batches in a seed-and-epoch order,
/// each step warmed up, measured, clipped or skipped when not finite, applied and reported; a checkpoint every N
/// steps, at each epoch's end and on cancellation; the position a resumed run restores. The model's half packs a
/// batch of examples, runs forward and BPTT (<see cref="ComputeGradients"/>), weighs the step in the epoch's loss,
/// finishes the epoch and takes and restores checkpoints.
/// </summary>
internal abstract class BatchTrainingLoop
{
    private readonly string[] _groups;
    private readonly IReadOnlyList<RecurrentWeights> _liveRecurrentWeights;
    private readonly float[][]? _forwardRecurrentWeights;
    private readonly long _checkpointEverySteps;

    // The helper threads of the run's steps (Threads > 1), made on the first step, stopped when the run ends.
    private StepWorkers? _workers;

    /// <param name="options">The run's options.</param>
    /// <param name="parameters">Every parameter the optimizer updates, in a fixed order.</param>
    /// <param name="recurrentWeights">The W_hh whose Jacobian bounds the snapshot reports.</param>
    /// <param name="observer">Hears every step and epoch, or null.</param>
    /// <param name="checkpointEverySteps">A checkpoint every this many steps (0: none but the epochs' and a cancellation's).</param>
    protected BatchTrainingLoop(SequenceModelOptions options, IReadOnlyList<Parameter> parameters,
        IReadOnlyList<RecurrentWeights> recurrentWeights, ITrainingObserver? observer, long checkpointEverySteps)
    {
        Options = options;
        Parameters = parameters;
        Observer = observer;
        _checkpointEverySteps = checkpointEverySteps;
        Threads = options.Threads > 0 ? options.Threads : Environment.ProcessorCount;
        Optimizer = Optimizer.Create(options, parameters);
        _groups = parameters.Select(p => p.Group).Distinct().ToArray();
        Adjoints = options.CollectAdjointNorms ? new AdjointRecorder() : null;
        // What stays the same for the whole run; TrainStep fills the rest of the snapshot every step.
        var snapshot = Report.Snapshot;
        snapshot.GroupNames = _groups;
        snapshot.GroupNorms = new double[_groups.Length];
        _liveRecurrentWeights = recurrentWeights;
        if (observer is null)
        {
            snapshot.RecurrentWeights = recurrentWeights;
        }
        else
        {
            // Observers see a step after its update; the Jacobian bound belongs to the W_hh the forward pass used.
            _forwardRecurrentWeights = recurrentWeights.Select(w => new float[w.Rows * w.Columns]).ToArray();
            snapshot.RecurrentWeights = recurrentWeights.Select((w, i) => new RecurrentWeights(w.Layer,
                _forwardRecurrentWeights[i], w.Rows, w.Columns, w.Gamma, w.Dilation)).ToArray();
        }
        snapshot.ClipMode = options.ClipNorm is not null ? ClipMode.GlobalNorm
            : options.ClipValue is not null ? ClipMode.Value : ClipMode.None;
        snapshot.ClipThreshold = options.ClipNorm ?? options.ClipValue ?? double.NaN;
        Position = new TrainingPosition(0, false, 0, 0, options.LearningRate, 0, 0, 0, 0, 0, null, 0, 0, 0);
    }

    protected SequenceModelOptions Options { get; }

    protected IReadOnlyList<Parameter> Parameters { get; }

    protected ITrainingObserver? Observer { get; }

    protected Optimizer Optimizer { get; }

    /// <summary>The report of the step under way (one object for the run, refilled every step).</summary>
    protected StepReport Report { get; } = new();

    protected AdjointRecorder? Adjoints { get; }

    protected int Threads { get; }

    /// <summary>Where the run is: everything a resumed run restores with the weights and the optimizer's state.</summary>
    protected TrainingPosition Position { get; set; }

    public long Step => Position.Step;

    /// <summary>The training examples an epoch goes through.</summary>
    protected abstract int ExampleCount { get; }

    /// <summary>Packs the examples at <paramref name="indices"/> into the batch the next step trains on.</summary>
    protected abstract void FillBatch(ReadOnlySpan<int> indices);

    /// <summary>
    /// Forward and BPTT on the batch: every parameter's gradient, the loss, and <see cref="Report"/>'s Correct,
    /// Sequences and LabelledSteps. <paramref name="step"/> (from 1) is the step under way.
    /// </summary>
    protected abstract double ComputeGradients(long step);

    /// <summary>What the step just taken adds to the epoch's loss sum and labelled steps (the loss is a mean over them).</summary>
    protected abstract (double LossSum, long LabelledSteps) EpochShare(int sequences);

    /// <summary>Validation, the epoch report, the rate's decay; true to stop (early stopping).</summary>
    protected abstract bool FinishEpoch(TimeSpan duration, TimeSpan elapsed);

    protected abstract void TakeCheckpoint();

    /// <summary>Tells the network its weights changed (cached packed weights are stale).</summary>
    protected abstract void WeightsChanged();

    /// <summary>After the gradient's group norms are measured, before clipping.</summary>
    protected virtual void OnGradientsMeasured(GradientSnapshot snapshot, long step)
    {
    }

    /// <summary>After the common figures are in the snapshot, before the update.</summary>
    protected virtual void OnSnapshotFilled(GradientSnapshot snapshot)
    {
    }

    /// <summary>After the optimizer's update.</summary>
    protected virtual void OnUpdated(GradientSnapshot snapshot)
    {
    }

    private bool StepLimitReached => Options.MaxSteps is long limit && Position.Step >= limit;

    /// <summary>
    /// Whether steps run their hand-offs on helper threads kept for the run (<see cref="StepWorkers"/>) rather than
    /// the thread pool's; the benchmarks turn it off to compare the two.
    /// </summary>
    internal bool KeepsStepWorkers { get; set; } = true;

    /// <summary>How long the step helpers spin between hand-offs (null: <see cref="StepWorkers.DefaultSpin"/>).</summary>
    internal TimeSpan? StepWorkerSpin { get; set; }

    /// <summary>The helpers of the run's steps while they live (tests check that a run stops them).</summary>
    internal StepWorkers? Workers => _workers;

    /// <summary>Runs the epochs left; true when early stopping ended them. The step helpers stop with them.</summary>
    protected bool RunEpochs(CancellationToken cancellation)
    {
        try
        {
            var clock = Stopwatch.StartNew();
            while (true)
            {
                if (!Position.InEpoch)
                {
                    if (Position.Epoch >= Options.Epochs || StepLimitReached)
                        return false;
                    Position = Position.NextEpoch();
                }
                var epochClock = Stopwatch.StartNew();
                RunBatches(cancellation);
                var stop = FinishEpoch(epochClock.Elapsed, clock.Elapsed);
                TakeCheckpoint();
                if (stop)
                    return true;
            }
        }
        finally
        {
            StopWorkers();
        }
    }

    /// <summary>Stops the step helpers (a later step starts new ones); for loops driven step by step.</summary>
    internal void StopWorkers()
    {
        _workers?.Dispose();
        _workers = null;
    }

    private void RunBatches(CancellationToken cancellation)
    {
        // The order depends on the seed and the epoch alone, so a resumed run sees the same batches.
        var order = Batching.EpochOrder(ExampleCount, Options.SeedOrDefault, Position.Epoch);
        var batchSize = Math.Max(1, Options.BatchSize);
        var batches = (order.Length + batchSize - 1) / batchSize;
        while (Position.NextBatch < batches && !StepLimitReached)
        {
            if (cancellation.IsCancellationRequested)
            {
                TakeCheckpoint();
                cancellation.ThrowIfCancellationRequested();
            }
            var k = Position.NextBatch;
            var indices = order.AsSpan(k * batchSize, Math.Min(batchSize, order.Length - k * batchSize));
            var clock = Stopwatch.StartNew();
            FillBatch(indices);
            TrainStep();
            Report.Duration = clock.Elapsed;
            Report.BatchesPerEpoch = batches;
            Report.BatchInEpoch = k + 1;
            var (lossSum, labelledSteps) = EpochShare(indices.Length);
            Position = Position with
            {
                NextBatch = k + 1,
                EpochLossSum = Position.EpochLossSum + lossSum,
                EpochCorrect = Position.EpochCorrect + Report.Correct,
                EpochSeen = Position.EpochSeen + indices.Length,
                EpochLabelledSteps = Position.EpochLabelledSteps + labelledSteps,
                TotalSequences = Position.TotalSequences + indices.Length,
            };
            Observer?.OnStep(Report);
            if (Report.Snapshot.NonFinite && Options.NonFinitePolicy == RecurrentNonFinitePolicy.Stop)
                throw new NonFiniteGradientException(Position.Step,
                    $"the loss or a gradient was NaN or infinite (loss {Report.Loss}, gradient norm {Report.Snapshot.PreClipNorm})");
            if (_checkpointEverySteps > 0 && Position.Step % _checkpointEverySteps == 0)
                TakeCheckpoint();
        }
    }

    /// <summary>One optimizer step on the batch <see cref="FillBatch"/> packed (or the model's half set).</summary>
    protected void TrainStep()
    {
        if (Threads > 1 && KeepsStepWorkers)
            _workers ??= new StepWorkers(Threads - 1, StepWorkerSpin);
        else
            StopWorkers();
        using var team = StepWorkers.Enter(_workers);
        var step = Position.Step + 1;
        if (_forwardRecurrentWeights is not null)
        {
            for (var i = 0; i < _forwardRecurrentWeights.Length; i++)
                _liveRecurrentWeights[i].Weights.Span.CopyTo(_forwardRecurrentWeights[i]);
        }
        var loss = ComputeGradients(step);
        var learningRate = WarmedUp(Position.LearningRate, step);
        Report.LearningRate = learningRate;
        var snapshot = Report.Snapshot;
        var preClipNorm = GradientClipping.Measure(Parameters, _groups, snapshot.GroupNorms);
        OnGradientsMeasured(snapshot, step);
        var nonFinite = !double.IsFinite(loss) || !double.IsFinite(preClipNorm);
        var clipped = false;
        if (nonFinite)
        {
            // The weights must never see a NaN: skip the update and leave everything as it was.
            Position = Position with { Step = step, NonFinite = Position.NonFinite + 1 };
        }
        else
        {
            if (Options.ClipNorm is float maxNorm)
                clipped = GradientClipping.ClipByNorm(Parameters, preClipNorm, maxNorm);
            else if (Options.ClipValue is float maxValue)
                clipped = GradientClipping.ClipByValue(Parameters, maxValue);
            Position = Position with { Step = step, Clipped = Position.Clipped + (clipped ? 1 : 0) };
        }
        FillSnapshot(snapshot, loss, preClipNorm, clipped, nonFinite);
        if (nonFinite)
            return;
        Optimizer.Step(Parameters, learningRate);
        OnUpdated(snapshot);
        WeightsChanged();
        Position = Position with { OptimizerUpdates = Optimizer.Updates };
    }

    // η·s/W over the first W steps of the run (s from 1), then η.
    private float WarmedUp(float learningRate, long step) =>
        step < Options.LearningRateWarmupSteps ? learningRate * step / Options.LearningRateWarmupSteps : learningRate;

    // The one place a step's snapshot is filled (the group norms were measured into it), after backward and
    // clipping, before the update; its counts are the position's, which a resumed run restores from its checkpoint.
    private void FillSnapshot(GradientSnapshot snapshot, double loss, double preClipNorm, bool clipped, bool nonFinite)
    {
        snapshot.Step = Position.Step;
        snapshot.Epoch = Position.Epoch;
        snapshot.BatchSize = Report.Sequences;
        snapshot.Loss = loss;
        snapshot.PreClipNorm = preClipNorm;
        snapshot.Clipped = clipped;
        snapshot.NonFinite = nonFinite;
        snapshot.ClippedSteps = Position.Clipped;
        snapshot.NonFiniteSteps = Position.NonFinite;
        OnSnapshotFilled(snapshot);
        if (Adjoints is null)
            snapshot.ClearAdjointNorms();
        else
            snapshot.SetAdjointNorms(Adjoints.Stride, Adjoints.WindowLengths, Adjoints.Norms);
    }

    /// <summary>A copy of the optimizer's moments, for a checkpoint.</summary>
    protected float[][] OptimizerStateCopy() => Optimizer.StateBuffers.Select(b => (float[])b.Clone()).ToArray();
}

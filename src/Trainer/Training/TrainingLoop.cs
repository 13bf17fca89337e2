using System.Diagnostics;
using Microsoft.ML;
using Recurrent.Trainer.Data;
using Recurrent.Trainer.Layers;
using Recurrent.Trainer.Models;
using Recurrent.Trainer.Tensors;

namespace Recurrent.Trainer.Training;

/// <summary>
/// The state of one training run and its loop: batches in a seed-and-epoch order, forward, BPTT, measure, clip or
/// skip, update, report. Everything a resumed run needs is in its fields and in <see cref="TrainingPosition"/>.
/// </summary>
internal sealed class TrainingLoop
{
    private readonly SequenceModel _model;
    private readonly SequenceNetwork _network;
    private readonly SequenceModelOptions _options;
    private readonly SequenceDataset _train;
    private readonly SequenceDataset? _valid;
    private readonly ITrainingObserver? _observer;
    private readonly CheckpointOptions? _checkpoints;
    private readonly Optimizer _optimizer;
    private readonly SequenceBatch _batch = new();
    private readonly StepReport _report = new();
    private readonly AdjointRecorder? _adjoints;
    private readonly GradientDetailMeter? _detail;
    private readonly string[] _groups;
    private readonly int _threads;
    private float[][]? _bestWeights;
    private TrainingPosition _position;
    private readonly float[][]? _forwardRecurrentWeights;

    public TrainingLoop(SequenceModel model, SequenceModelOptions options, SequenceDataset train,
        SequenceDataset? valid, ITrainingObserver? observer, CheckpointOptions? checkpoints = null)
    {
        _model = model;
        _network = model.Network;
        _options = options;
        _train = train;
        _valid = valid;
        _observer = observer;
        _checkpoints = checkpoints;
        _threads = options.Threads == 0 ? Environment.ProcessorCount : options.Threads;
        _optimizer = Optimizer.Create(options, _network.Parameters);
        _groups = _network.Parameters.Select(p => p.Group).Distinct().ToArray();
        _adjoints = options.CollectAdjointNorms ? new AdjointRecorder() : null;
        // What stays the same for the whole run; TrainStep fills the rest of the snapshot every step.
        var snapshot = _report.Snapshot;
        snapshot.GroupNames = _groups;
        snapshot.GroupNorms = new double[_groups.Length];
        snapshot.UpdateShares = new double[_network.Shape.SkipUpdates ? _network.Shape.Layers : 0];
        if (options.GradientDetail > RecurrentGradientDetail.Global)
            _detail = new GradientDetailMeter(_network, options.GradientDetail, _adjoints, snapshot, options.GradientDetailEvery);
        if (observer is null)
        {
            snapshot.RecurrentWeights = _network.RecurrentWeights;
        }
        else
        {
            // Observers see a step after its update; the Jacobian bound belongs to the W_hh the forward pass used.
            var live = _network.RecurrentWeights;
            _forwardRecurrentWeights = live.Select(w => new float[w.Rows * w.Columns]).ToArray();
            snapshot.RecurrentWeights = live.Select((w, i) => new Diagnostics.RecurrentWeights(w.Layer,
                _forwardRecurrentWeights[i], w.Rows, w.Columns, w.Gamma, w.Dilation)).ToArray();
        }
        snapshot.ClipMode = options.ClipNorm is not null ? Diagnostics.ClipMode.GlobalNorm
            : options.ClipValue is not null ? Diagnostics.ClipMode.Value : Diagnostics.ClipMode.None;
        snapshot.ClipThreshold = options.ClipNorm ?? options.ClipValue ?? double.NaN;
        _position = new TrainingPosition(0, false, 0, 0, options.LearningRate, 0, 0, 0, 0, 0, null, 0, 0, 0);
        foreach (var p in _network.Parameters)
            p.Frozen = options.FreezeRecurrent && p.Group != "head";
        if (checkpoints?.ResumeFrom is { } resume)
            Restore(resume);
    }

    public long Step => _position.Step;

    public TrainingSummary Run(CancellationToken cancellationToken)
    {
        var started = Stopwatch.StartNew();
        var sequencesBefore = _position.TotalSequences;
        var stoppedEarly = false;
        double lastTrainLoss = double.NaN;
        while (true)
        {
            if (!_position.InEpoch)
            {
                if (_position.Epoch >= _options.Epochs || StepLimitReached)
                    break;
                _position = _position.NextEpoch();
            }
            var epochClock = Stopwatch.StartNew();
            RunBatches(cancellationToken);
            var averagedOver = _train.PerStep ? _position.EpochLabelledSteps : _position.EpochSeen;
            lastTrainLoss = averagedOver > 0 ? _position.EpochLossSum / averagedOver : double.NaN;
            stoppedEarly = FinishEpoch(lastTrainLoss, epochClock.Elapsed);
            TakeCheckpoint();
            if (stoppedEarly)
                break;
        }
        if (stoppedEarly && _bestWeights is not null)
        {
            for (var i = 0; i < _bestWeights.Length; i++)
                _bestWeights[i].CopyTo(_network.Parameters[i].Value, 0);
            _network.WeightsChanged();
        }
        var total = started.Elapsed;
        var sequences = _position.TotalSequences - sequencesBefore;
        return new TrainingSummary(_position.Epoch, _position.Step, _position.Clipped, _position.NonFinite, lastTrainLoss,
            _position.BestValidationLoss, stoppedEarly, total, total.TotalSeconds > 0 ? sequences / total.TotalSeconds : 0);
    }

    private bool StepLimitReached => _options.MaxSteps is long limit && _position.Step >= limit;

    private void RunBatches(CancellationToken cancellationToken)
    {
        // The order depends on the seed and the epoch alone, so a resumed run sees the same batches.
        var order = Batching.EpochOrder(_train.Count, _options.SeedOrDefault, _position.Epoch);
        var batchSize = _options.BatchSize;
        var batches = (order.Length + batchSize - 1) / batchSize;
        while (_position.NextBatch < batches && !StepLimitReached)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                TakeCheckpoint();
                cancellationToken.ThrowIfCancellationRequested();
            }
            var k = _position.NextBatch;
            var indices = order.AsSpan(k * batchSize, Math.Min(batchSize, order.Length - k * batchSize));
            var clock = Stopwatch.StartNew();
            _batch.Fill(_train.Examples, indices, _train.FeatureCount);
            TrainStep(_batch);
            _report.Duration = clock.Elapsed;
            _report.BatchesPerEpoch = batches;
            _report.BatchInEpoch = k + 1;
            // A per-step loss is a mean over labelled steps, so the epoch's mean weighs each batch by them.
            var weight = _batch.PerStep ? _batch.LabelledSteps : indices.Length;
            _position = _position with
            {
                NextBatch = k + 1,
                EpochLossSum = _position.EpochLossSum + (double.IsFinite(_report.Loss) ? _report.Loss * weight : 0),
                EpochCorrect = _position.EpochCorrect + _report.Correct,
                EpochSeen = _position.EpochSeen + indices.Length,
                EpochLabelledSteps = _position.EpochLabelledSteps + (_batch.PerStep ? weight : 0),
                TotalSequences = _position.TotalSequences + indices.Length,
            };
            _observer?.OnStep(_report);
            if (_report.Snapshot.NonFinite && _options.NonFinitePolicy == RecurrentNonFinitePolicy.Stop)
                throw new NonFiniteGradientException(_position.Step, "the loss or a gradient was NaN or infinite");
            if (_checkpoints is { EverySteps: > 0 } && _position.Step % _checkpoints.EverySteps == 0)
                TakeCheckpoint();
        }
    }

    // Validation, the epoch report, learning-rate decay and early stopping; returns whether to stop.
    private bool FinishEpoch(double trainLoss, TimeSpan duration)
    {
        double? validLoss = null, validAccuracy = null;
        if (_valid is not null && _valid.Count > 0)
        {
            var evaluation = _model.Evaluate(_valid);
            validLoss = evaluation.Loss;
            validAccuracy = evaluation.Accuracy;
        }
        var seen = _position.EpochSeen;
        var scored = _train.PerStep ? _position.EpochLabelledSteps : seen;
        var seconds = duration.TotalSeconds;
        _observer?.OnEpoch(new EpochReport(_position.Epoch, _position.Step, trainLoss,
            _train.Labels.IsRegression || scored == 0 ? null : (double)_position.EpochCorrect / scored, validLoss,
            validAccuracy, _position.LearningRate, _position.Clipped, _position.NonFinite, duration,
            seconds > 0 ? seen / seconds : 0));
        var stop = false;
        var best = _position.BestValidationLoss;
        var patience = _position.EpochsWithoutImprovement;
        if (validLoss is double current)
        {
            if (best is null || current < best)
            {
                best = current;
                patience = 0;
                if (_options.EarlyStoppingPatience > 0)
                    _bestWeights = _network.Parameters.Select(p => (float[])p.Value.Clone()).ToArray();
            }
            else if (_options.EarlyStoppingPatience > 0 && ++patience >= _options.EarlyStoppingPatience)
            {
                stop = true;
            }
        }
        _position = _position with
        {
            InEpoch = false,
            NextBatch = 0,
            LearningRate = _position.LearningRate * _options.LearningRateDecay,
            BestValidationLoss = best,
            EpochsWithoutImprovement = patience,
        };
        return stop;
    }

    /// <summary>
    /// One optimizer step on a packed batch, reported to the observer (the benchmark calls this directly).
    /// </summary>
    internal void TrainBatch(SequenceBatch batch)
    {
        var clock = Stopwatch.StartNew();
        TrainStep(batch);
        _report.Duration = clock.Elapsed;
        _report.BatchesPerEpoch = 1;
        _report.BatchInEpoch = 1;
        _observer?.OnStep(_report);
    }

    private void TrainStep(SequenceBatch batch)
    {
        var step = _position.Step + 1;
        if (_forwardRecurrentWeights is not null)
        {
            for (var i = 0; i < _forwardRecurrentWeights.Length; i++)
                _network.RecurrentWeights[i].Weights.Span.CopyTo(_forwardRecurrentWeights[i]);
        }
        // The detail is measured every few steps; the others leave the snapshot's last measurement as it was.
        var detail = _detail is not null && _detail.Due(step) ? _detail : null;
        var loss = _network.ComputeGradients(batch, _options.TruncationSteps, _adjoints, _threads, _options.OmegaWeight,
            _options.SkipUpdateBudget, detail?.Recorders, detail?.Saturation);
        foreach (var p in _network.Parameters)
        {
            // A frozen reservoir's gradient is measured by nobody and must not count towards the norm or clipping.
            if (p.Frozen)
                Array.Clear(p.Gradient);
        }
        _report.Correct = _model.CountCorrect(_network.Logits, batch);
        _report.Sequences = batch.Size;
        _report.LabelledSteps = batch.PerStep ? batch.LabelledSteps : batch.Size;
        var learningRate = WarmedUp(_position.LearningRate, step);
        _report.LearningRate = learningRate;
        var snapshot = _report.Snapshot;
        var preClipNorm = GradientClipping.Measure(_network.Parameters, _groups, snapshot.GroupNorms);
        detail?.MeasureGradients(snapshot, step);
        var nonFinite = !double.IsFinite(loss) || !double.IsFinite(preClipNorm);
        var clipped = false;
        if (nonFinite)
        {
            // The weights must never see a NaN: skip the update and leave everything as it was.
            _position = _position with { Step = step, NonFinite = _position.NonFinite + 1 };
        }
        else
        {
            if (_options.ClipNorm is float maxNorm)
                clipped = GradientClipping.ClipByNorm(_network.Parameters, preClipNorm, maxNorm);
            else if (_options.ClipValue is float maxValue)
                clipped = GradientClipping.ClipByValue(_network.Parameters, maxValue);
            _position = _position with { Step = step, Clipped = _position.Clipped + (clipped ? 1 : 0) };
        }
        FillSnapshot(snapshot, batch.Size, loss, preClipNorm, clipped, nonFinite);
        if (nonFinite)
            return;
        _optimizer.Step(_network.Parameters, learningRate);
        detail?.MeasureUpdate(snapshot);
        _network.WeightsChanged();
        _position = _position with { OptimizerUpdates = _optimizer.Updates };
    }

    // η·s/W over the first W steps of the run (s from 1), then η.
    private float WarmedUp(float learningRate, long step) =>
        step < _options.LearningRateWarmupSteps ? learningRate * step / _options.LearningRateWarmupSteps : learningRate;

    // The one place a step's snapshot is filled (the group norms were measured into it), after backward and
    // clipping, before the update; its counts are the position's, which a resumed run restores from its checkpoint.
    private void FillSnapshot(Diagnostics.GradientSnapshot snapshot, int sequences, double loss, double preClipNorm,
        bool clipped, bool nonFinite)
    {
        snapshot.Step = _position.Step;
        snapshot.Epoch = _position.Epoch;
        snapshot.BatchSize = sequences;
        snapshot.Loss = loss;
        snapshot.PreClipNorm = preClipNorm;
        snapshot.Clipped = clipped;
        snapshot.NonFinite = nonFinite;
        snapshot.ClippedSteps = _position.Clipped;
        snapshot.NonFiniteSteps = _position.NonFinite;
        _network.MeasureUpdateShares(snapshot.UpdateShares);
        if (_adjoints is null)
            snapshot.ClearAdjointNorms();
        else
            snapshot.SetAdjointNorms(_adjoints.Stride, _adjoints.WindowLengths, _adjoints.Norms);
    }

    private void TakeCheckpoint()
    {
        if (_checkpoints?.Save is not { } save)
            return;
        var copy = _model.Copy();
        save(new TrainingCheckpoint(copy, _position, _optimizer.StateBuffers.Select(b => (float[])b.Clone()).ToArray(),
            _bestWeights?.Select(w => (float[])w.Clone()).ToArray()));
    }

    private void Restore(TrainingCheckpoint checkpoint)
    {
        var source = checkpoint.Model.Parameters;
        var target = _network.Parameters;
        if (source.Count != target.Count || source.Zip(target).Any(pair => pair.First.Name != pair.Second.Name
            || pair.First.Length != pair.Second.Length))
            throw new ArgumentException("The checkpoint was taken from a model of a different shape.");
        for (var i = 0; i < source.Count; i++)
            source[i].Value.CopyTo(target[i].Value, 0);
        _network.WeightsChanged();
        _optimizer.Restore(checkpoint.Position.OptimizerUpdates, checkpoint.OptimizerState);
        _bestWeights = checkpoint.BestWeights?.Select(w => (float[])w.Clone()).ToArray();
        _position = checkpoint.Position;
    }
}

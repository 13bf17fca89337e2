using System.Diagnostics;
using Microsoft.ML;
using Recurrent.Trainer.Data;
using Recurrent.Trainer.Layers;
using Recurrent.Trainer.Models;
using Recurrent.Trainer.Tensors;

namespace Recurrent.Trainer.Training;

/// <summary>
/// A sequence model's training run (<see cref="BatchTrainingLoop"/> is the loop itself): packs a batch of sequences,
/// forward and BPTT through the network (truncated, with Ω, skip budgets and the gradient detail when asked), counts
/// what it got right, and finishes each epoch with validation and early stopping. Everything a resumed run needs is
/// in its fields and in <see cref="TrainingPosition"/>.
/// </summary>
internal sealed class TrainingLoop : BatchTrainingLoop
{
    private readonly SequenceModel _model;
    private readonly SequenceNetwork _network;
    private readonly SequenceDataset _train;
    private readonly SequenceDataset? _valid;
    private readonly CheckpointOptions? _checkpoints;
    private readonly SequenceBatch _batch = new();
    private readonly GradientDetailMeter? _detail;
    private SequenceBatch _current;
    private GradientDetailMeter? _detailDue;
    private float[][]? _bestWeights;
    private double _lastTrainLoss = double.NaN;

    public TrainingLoop(SequenceModel model, SequenceModelOptions options, SequenceDataset train,
        SequenceDataset? valid, ITrainingObserver? observer, CheckpointOptions? checkpoints = null)
        : base(options, model.Network.Parameters, model.Network.RecurrentWeights, observer, checkpoints?.EverySteps ?? 0)
    {
        _model = model;
        _network = model.Network;
        _train = train;
        _valid = valid;
        _checkpoints = checkpoints;
        _current = _batch;
        var snapshot = Report.Snapshot;
        snapshot.UpdateShares = new double[_network.Shape.SkipUpdates ? _network.Shape.Layers : 0];
        if (options.GradientDetail > RecurrentGradientDetail.Global)
            _detail = new GradientDetailMeter(_network, options.GradientDetail, Adjoints, snapshot, options.GradientDetailEvery);
        foreach (var p in _network.Parameters)
            p.Frozen = options.FreezeRecurrent && p.Group != "head";
        if (checkpoints?.ResumeFrom is { } resume)
            Restore(resume);
    }

    public TrainingSummary Run(CancellationToken cancellationToken)
    {
        var started = Stopwatch.StartNew();
        var sequencesBefore = Position.TotalSequences;
        var stoppedEarly = RunEpochs(cancellationToken);
        if (stoppedEarly && _bestWeights is not null)
        {
            for (var i = 0; i < _bestWeights.Length; i++)
                _bestWeights[i].CopyTo(_network.Parameters[i].Value, 0);
            _network.WeightsChanged();
        }
        var total = started.Elapsed;
        var sequences = Position.TotalSequences - sequencesBefore;
        return new TrainingSummary(Position.Epoch, Position.Step, Position.Clipped, Position.NonFinite, _lastTrainLoss,
            Position.BestValidationLoss, stoppedEarly, total, total.TotalSeconds > 0 ? sequences / total.TotalSeconds : 0);
    }

    protected override int ExampleCount => _train.Count;

    protected override void FillBatch(ReadOnlySpan<int> indices)
    {
        _batch.Fill(_train.Examples, indices, _train.FeatureCount);
        _current = _batch;
    }

    // A per-step loss is a mean over labelled steps, so the epoch's mean weighs each batch by them.
    protected override (double LossSum, long LabelledSteps) EpochShare(int sequences)
    {
        var weight = _current.PerStep ? _current.LabelledSteps : sequences;
        return (double.IsFinite(Report.Loss) ? Report.Loss * weight : 0, _current.PerStep ? weight : 0);
    }

    // Validation, the epoch report, learning-rate decay and early stopping; returns whether to stop.
    protected override bool FinishEpoch(TimeSpan duration, TimeSpan elapsed)
    {
        var averagedOver = _train.PerStep ? Position.EpochLabelledSteps : Position.EpochSeen;
        var trainLoss = _lastTrainLoss = averagedOver > 0 ? Position.EpochLossSum / averagedOver : double.NaN;
        double? validLoss = null, validAccuracy = null;
        if (_valid is not null && _valid.Count > 0)
        {
            var evaluation = _model.Evaluate(_valid);
            validLoss = evaluation.Loss;
            validAccuracy = evaluation.Accuracy;
        }
        var seen = Position.EpochSeen;
        var scored = _train.PerStep ? Position.EpochLabelledSteps : seen;
        var seconds = duration.TotalSeconds;
        Observer?.OnEpoch(new EpochReport(Position.Epoch, Position.Step, trainLoss,
            _train.Labels.IsRegression || scored == 0 ? null : (double)Position.EpochCorrect / scored, validLoss,
            validAccuracy, Position.LearningRate, Position.Clipped, Position.NonFinite, duration,
            seconds > 0 ? seen / seconds : 0));
        var stop = false;
        var best = Position.BestValidationLoss;
        var patience = Position.EpochsWithoutImprovement;
        if (validLoss is double current)
        {
            if (best is null || current < best)
            {
                best = current;
                patience = 0;
                if (Options.EarlyStoppingPatience > 0)
                    _bestWeights = _network.Parameters.Select(p => (float[])p.Value.Clone()).ToArray();
            }
            else if (Options.EarlyStoppingPatience > 0 && ++patience >= Options.EarlyStoppingPatience)
            {
                stop = true;
            }
        }
        Position = Position with
        {
            InEpoch = false,
            NextBatch = 0,
            LearningRate = Position.LearningRate * Options.LearningRateDecay,
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
        _current = batch;
        TrainStep();
        Report.Duration = clock.Elapsed;
        Report.BatchesPerEpoch = 1;
        Report.BatchInEpoch = 1;
        Observer?.OnStep(Report);
    }

    protected override double ComputeGradients(long step)
    {
        var batch = _current;
        // The detail is measured every few steps; the others leave the snapshot's last measurement as it was.
        _detailDue = _detail is not null && _detail.Due(step) ? _detail : null;
        var loss = _network.ComputeGradients(batch, Options.TruncationSteps, Adjoints, Threads, Options.OmegaWeight,
            Options.SkipUpdateBudget, _detailDue?.Recorders, _detailDue?.Saturation);
        foreach (var p in _network.Parameters)
        {
            // A frozen reservoir's gradient is measured by nobody and must not count towards the norm or clipping.
            if (p.Frozen)
                Array.Clear(p.Gradient);
        }
        Report.Correct = _model.CountCorrect(_network.Logits, batch);
        Report.Sequences = batch.Size;
        Report.LabelledSteps = batch.PerStep ? batch.LabelledSteps : batch.Size;
        return loss;
    }

    protected override void OnGradientsMeasured(Diagnostics.GradientSnapshot snapshot, long step) =>
        _detailDue?.MeasureGradients(snapshot, step);

    protected override void OnSnapshotFilled(Diagnostics.GradientSnapshot snapshot) =>
        _network.MeasureUpdateShares(snapshot.UpdateShares);

    protected override void OnUpdated(Diagnostics.GradientSnapshot snapshot) => _detailDue?.MeasureUpdate(snapshot);

    protected override void WeightsChanged() => _network.WeightsChanged();

    protected override void TakeCheckpoint()
    {
        if (_checkpoints?.Save is not { } save)
            return;
        var copy = _model.Copy();
        save(new TrainingCheckpoint(copy, Position, OptimizerStateCopy(),
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
        Optimizer.Restore(checkpoint.Position.OptimizerUpdates, checkpoint.OptimizerState);
        _bestWeights = checkpoint.BestWeights?.Select(w => (float[])w.Clone()).ToArray();
        Position = checkpoint.Position;
    }
}

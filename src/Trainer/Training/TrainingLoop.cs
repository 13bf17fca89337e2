using System.Diagnostics;
using Recurrent.Trainer.Data;
using Recurrent.Trainer.Layers;
using Recurrent.Trainer.Tensors;

namespace Recurrent.Trainer.Training;

/// <summary>
/// The state of one training run and its loop: shuffled batches, forward, BPTT, measure, clip or skip, update,
/// report. Everything a resumed run needs (position, generator, optimizer moments) lives in its fields.
/// </summary>
internal sealed class TrainingLoop
{
    private readonly SequenceClassifier _model;
    private readonly SequenceNetwork _network;
    private readonly SequenceClassifierOptions _options;
    private readonly SequenceDataset _train;
    private readonly SequenceDataset? _valid;
    private readonly ITrainingObserver? _observer;
    private readonly Optimizer _optimizer;
    private readonly SequenceBatch _batch = new();
    private readonly StepReport _report = new();
    private readonly string[] _groups;
    private readonly int _threads;
    private float[][]? _bestWeights;
    private long _clipped, _nonFinite;

    public TrainingLoop(SequenceClassifier model, SequenceClassifierOptions options, SequenceDataset train,
        SequenceDataset? valid, ITrainingObserver? observer)
    {
        _model = model;
        _network = model.Network;
        _options = options;
        _train = train;
        _valid = valid;
        _observer = observer;
        _threads = options.Threads == 0 ? Environment.ProcessorCount : options.Threads;
        _optimizer = Optimizer.Create(options, _network.Parameters);
        _groups = _network.Parameters.Select(p => p.Group).Distinct().ToArray();
        var snapshot = _report.Snapshot;
        snapshot.GroupNames = _groups;
        snapshot.GroupNorms = new double[_groups.Length];
        snapshot.RecurrentWeights = _network.RecurrentWeights;
        snapshot.ClipMode = options.ClipNorm is not null ? Diagnostics.ClipMode.GlobalNorm
            : options.ClipValue is not null ? Diagnostics.ClipMode.Value : Diagnostics.ClipMode.None;
        snapshot.ClipThreshold = options.ClipNorm ?? options.ClipValue ?? double.NaN;
        LearningRate = options.LearningRate;
    }

    public int Epoch { get; private set; }

    public long Step { get; private set; }

    public float LearningRate { get; private set; }

    public TrainingSummary Run(CancellationToken cancellationToken)
    {
        var started = Stopwatch.StartNew();
        long sequences = 0;
        double lastTrainLoss = double.NaN;
        double? bestValidLoss = null;
        var epochsWithoutImprovement = 0;
        var stoppedEarly = false;
        while (Epoch < _options.Epochs && !StepLimitReached)
        {
            Epoch++;
            var epochClock = Stopwatch.StartNew();
            var (loss, correct, seen) = RunEpoch(cancellationToken);
            sequences += seen;
            lastTrainLoss = loss;
            double? validLoss = null, validAccuracy = null;
            if (_valid is not null && _valid.Count > 0)
            {
                var evaluation = _model.Evaluate(_valid);
                validLoss = evaluation.Loss;
                validAccuracy = evaluation.Accuracy;
            }
            var seconds = epochClock.Elapsed.TotalSeconds;
            _observer?.OnEpoch(new EpochReport(Epoch, Step, loss,
                _train.Labels.IsRegression || seen == 0 ? null : (double)correct / seen, validLoss, validAccuracy,
                LearningRate, _clipped, _nonFinite, epochClock.Elapsed, seconds > 0 ? seen / seconds : 0));
            LearningRate *= _options.LearningRateDecay;
            if (validLoss is double current && _options.EarlyStoppingPatience > 0)
            {
                if (bestValidLoss is null || current < bestValidLoss)
                {
                    bestValidLoss = current;
                    epochsWithoutImprovement = 0;
                    _bestWeights = _network.Parameters.Select(p => (float[])p.Value.Clone()).ToArray();
                }
                else if (++epochsWithoutImprovement >= _options.EarlyStoppingPatience)
                {
                    stoppedEarly = true;
                    break;
                }
            }
            else if (validLoss is double v && (bestValidLoss is null || v < bestValidLoss))
            {
                bestValidLoss = v;
            }
        }
        if (stoppedEarly && _bestWeights is not null)
        {
            for (var i = 0; i < _bestWeights.Length; i++)
                _bestWeights[i].CopyTo(_network.Parameters[i].Value, 0);
        }
        var total = started.Elapsed;
        return new TrainingSummary(Epoch, Step, _clipped, _nonFinite, lastTrainLoss, bestValidLoss, stoppedEarly, total,
            total.TotalSeconds > 0 ? sequences / total.TotalSeconds : 0);
    }

    private bool StepLimitReached => _options.MaxSteps is long limit && Step >= limit;

    private (double Loss, long Correct, long Seen) RunEpoch(CancellationToken cancellationToken)
    {
        // The order depends on the seed and the epoch alone, so a resumed run sees the same batches.
        var order = Batching.EpochOrder(_train.Count, _options.Seed, Epoch);
        var batchSize = _options.BatchSize;
        var batches = (order.Length + batchSize - 1) / batchSize;
        double lossSum = 0;
        long correct = 0, seen = 0;
        for (var k = 0; k < batches && !StepLimitReached; k++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var indices = order.AsSpan(k * batchSize, Math.Min(batchSize, order.Length - k * batchSize));
            var clock = Stopwatch.StartNew();
            TrainStep(indices);
            _report.Duration = clock.Elapsed;
            _report.BatchesPerEpoch = batches;
            _report.BatchInEpoch = k + 1;
            if (double.IsFinite(_report.Loss))
                lossSum += _report.Loss * indices.Length;
            correct += _report.Correct;
            seen += indices.Length;
            _observer?.OnStep(_report);
            if (_report.Snapshot.NonFinite && _options.NonFinitePolicy == NonFinitePolicy.Stop)
                throw new NonFiniteGradientException(Step, "the loss or a gradient was NaN or infinite");
        }
        return (seen > 0 ? lossSum / seen : double.NaN, correct, seen);
    }

    private void TrainStep(ReadOnlySpan<int> indices)
    {
        _batch.Fill(_train.Examples, indices, _train.FeatureCount);
        TrainBatch(_batch);
    }

    /// <summary>One optimizer step on a packed batch; the result is in the step report.</summary>
    internal void TrainBatch(SequenceBatch batch)
    {
        Step++;
        var snapshot = _report.Snapshot;
        snapshot.Step = Step;
        snapshot.Epoch = Epoch;
        var loss = _network.ComputeGradients(batch, _options.TruncationSteps,
            _options.CollectAdjointNorms ? snapshot : null, _threads);
        snapshot.HasAdjointNorms = _options.CollectAdjointNorms;
        _report.Correct = _model.CountCorrect(_network.Logits, batch);
        _report.Sequences = batch.Size;
        _report.LearningRate = LearningRate;
        GradientClipping.Measure(_network.Parameters, _groups, snapshot, loss);
        snapshot.Clipped = false;
        if (snapshot.NonFinite)
        {
            // The weights must never see a NaN: skip the update and leave everything as it was.
            _nonFinite++;
            return;
        }
        if (_options.ClipNorm is float maxNorm)
            snapshot.Clipped = GradientClipping.ClipByNorm(_network.Parameters, snapshot.PreClipNorm, maxNorm);
        else if (_options.ClipValue is float maxValue)
            snapshot.Clipped = GradientClipping.ClipByValue(_network.Parameters, maxValue);
        if (snapshot.Clipped)
            _clipped++;
        _optimizer.Step(_network.Parameters, LearningRate);
    }
}

using System.Diagnostics;
using Microsoft.ML;
using Recurrent.Diagnostics;
using Recurrent.Trainer.Data;
using Recurrent.Trainer.Layers;
using Recurrent.Trainer.Models;
using Recurrent.Trainer.Tensors;

namespace Recurrent.Trainer.Training;

/// <summary>
/// An encoder–decoder's training run, as <see cref="TrainingLoop"/> is a sequence model's: batches in a seed-and-epoch
/// order, teacher-forced forward, BPTT through decoder, bridge and encoder, measure, clip or skip, update, report to
/// the observer (the same <see cref="StepReport"/>s and <see cref="EpochReport"/>s) and hand out checkpoints.
/// The step's snapshot has the global figures: the pre-clip norm and the parameter groups' (embedding, W_xh, W_hh,
/// b, head: encoder and decoder together), clipping, and the adjoint profile of encoder layer 0 — ‖∂L/∂s_t‖ from
/// the source's last step, where the decoder's whole gradient enters through the bridge, back to its first — with
/// the Jacobian bounds of the encoder's W_hh, the path that profile walks.
/// </summary>
internal sealed class EncoderDecoderTrainingLoop
{
    private readonly EncoderDecoderModel _model;
    private readonly EncoderDecoderNetwork _network;
    private readonly SequenceModelOptions _options;
    private readonly PairDataset _train;
    private readonly PairDataset? _valid;
    private readonly ITrainingObserver? _observer;
    private readonly Action<EncoderDecoderEpoch>? _epochDone;
    private readonly EncoderDecoderCheckpoints? _checkpoints;
    private readonly Optimizer _optimizer;
    private readonly PairBatch _batch;
    private readonly StepReport _report = new();
    private readonly AdjointRecorder? _adjoints;
    private readonly string[] _groups;
    private readonly float[][] _forwardRecurrentWeights;
    private readonly int _threads;
    private TrainingPosition _position;

    public EncoderDecoderTrainingLoop(EncoderDecoderModel model, SequenceModelOptions options, PairDataset train,
        PairDataset? valid, ITrainingObserver? observer, Action<EncoderDecoderEpoch>? epochDone,
        EncoderDecoderCheckpoints? checkpoints)
    {
        _model = model;
        _network = model.Network;
        _options = options;
        _train = train;
        _valid = valid;
        _observer = observer;
        _epochDone = epochDone;
        _checkpoints = checkpoints;
        _threads = options.Threads > 0 ? options.Threads : Environment.ProcessorCount;
        _optimizer = Optimizer.Create(options, _network.Parameters);
        _batch = new PairBatch(_network.Shape.Boundary);
        _groups = _network.Parameters.Select(p => p.Group).Distinct().ToArray();
        _adjoints = options.CollectAdjointNorms ? new AdjointRecorder() : null;
        var snapshot = _report.Snapshot;
        snapshot.GroupNames = _groups;
        snapshot.GroupNorms = new double[_groups.Length];
        // Observers see a step after its update; the Jacobian bound belongs to the W_hh the forward pass used.
        var live = _network.EncoderRecurrentWeights;
        _forwardRecurrentWeights = live.Select(w => new float[w.Rows * w.Columns]).ToArray();
        snapshot.RecurrentWeights = live.Select((w, i) => new RecurrentWeights(w.Layer, _forwardRecurrentWeights[i],
            w.Rows, w.Columns, w.Gamma, w.Dilation)).ToArray();
        snapshot.ClipMode = options.ClipNorm is not null ? ClipMode.GlobalNorm
            : options.ClipValue is not null ? ClipMode.Value : ClipMode.None;
        snapshot.ClipThreshold = options.ClipNorm ?? options.ClipValue ?? double.NaN;
        _position = new TrainingPosition(0, false, 0, 0, options.LearningRate, 0, 0, 0, 0, 0, null, 0, 0, 0);
        if (checkpoints?.ResumeFrom is { } resume)
            Restore(resume);
    }

    public long Step => _position.Step;

    public void Run(CancellationToken cancellation)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (!_position.InEpoch)
            {
                if (_position.Epoch >= _options.Epochs || StepLimitReached)
                    break;
                _position = _position.NextEpoch();
            }
            var epochClock = Stopwatch.StartNew();
            RunBatches(cancellation);
            FinishEpoch(epochClock.Elapsed, clock.Elapsed);
            TakeCheckpoint();
        }
    }

    private bool StepLimitReached => _options.MaxSteps is long limit && _position.Step >= limit;

    private void RunBatches(CancellationToken cancellation)
    {
        // The order depends on the seed and the epoch alone, so a resumed run sees the same batches.
        var order = Batching.EpochOrder(_train.Count, _options.SeedOrDefault, _position.Epoch);
        var batchSize = Math.Max(1, _options.BatchSize);
        var batches = (order.Length + batchSize - 1) / batchSize;
        while (_position.NextBatch < batches && !StepLimitReached)
        {
            if (cancellation.IsCancellationRequested)
            {
                TakeCheckpoint();
                cancellation.ThrowIfCancellationRequested();
            }
            var k = _position.NextBatch;
            var indices = order.AsSpan(k * batchSize, Math.Min(batchSize, order.Length - k * batchSize));
            var clock = Stopwatch.StartNew();
            _batch.Fill(_train.Pairs, indices);
            TrainStep();
            _report.Duration = clock.Elapsed;
            _report.BatchesPerEpoch = batches;
            _report.BatchInEpoch = k + 1;
            var steps = _batch.Target.LabelledSteps;
            _position = _position with
            {
                NextBatch = k + 1,
                EpochLossSum = _position.EpochLossSum + (_report.Snapshot.NonFinite ? 0 : _report.Loss * steps),
                EpochCorrect = _position.EpochCorrect + _report.Correct,
                EpochSeen = _position.EpochSeen + indices.Length,
                EpochLabelledSteps = _position.EpochLabelledSteps + (_report.Snapshot.NonFinite ? 0 : steps),
                TotalSequences = _position.TotalSequences + indices.Length,
            };
            _observer?.OnStep(_report);
            if (_report.Snapshot.NonFinite && _options.NonFinitePolicy == RecurrentNonFinitePolicy.Stop)
                throw new NonFiniteGradientException(_position.Step,
                    $"the loss or gradient is not finite (loss {_report.Loss}, gradient norm {_report.Snapshot.PreClipNorm})");
            if (_checkpoints is { EverySteps: > 0 } && _position.Step % _checkpoints.EverySteps == 0)
                TakeCheckpoint();
        }
    }

    private void TrainStep()
    {
        var step = _position.Step + 1;
        for (var i = 0; i < _forwardRecurrentWeights.Length; i++)
            _network.Encoder[i].RecurrentWeights.Value.CopyTo(_forwardRecurrentWeights[i], 0);
        var (source, target) = (_batch.Source, _batch.Target);
        var loss = _network.ComputeGradients(source, target, _threads, _adjoints);
        _report.Correct = CountCorrect(target);
        _report.Sequences = source.Size;
        _report.LabelledSteps = target.LabelledSteps;
        var learningRate = step < _options.LearningRateWarmupSteps
            ? _position.LearningRate * step / _options.LearningRateWarmupSteps
            : _position.LearningRate;
        _report.LearningRate = learningRate;
        var snapshot = _report.Snapshot;
        var norm = GradientClipping.Measure(_network.Parameters, _groups, snapshot.GroupNorms);
        var nonFinite = !double.IsFinite(loss) || !double.IsFinite(norm);
        var clipped = false;
        if (!nonFinite)
        {
            if (_options.ClipNorm is float maxNorm)
                clipped = GradientClipping.ClipByNorm(_network.Parameters, norm, maxNorm);
            else if (_options.ClipValue is float maxValue)
                clipped = GradientClipping.ClipByValue(_network.Parameters, maxValue);
        }
        // The weights never see a NaN: a non-finite step is counted and skipped.
        _position = _position with
        {
            Step = step,
            Clipped = _position.Clipped + (clipped ? 1 : 0),
            NonFinite = _position.NonFinite + (nonFinite ? 1 : 0),
        };
        snapshot.Step = step;
        snapshot.Epoch = _position.Epoch;
        snapshot.BatchSize = source.Size;
        snapshot.Loss = loss;
        snapshot.PreClipNorm = norm;
        snapshot.Clipped = clipped;
        snapshot.NonFinite = nonFinite;
        snapshot.ClippedSteps = _position.Clipped;
        snapshot.NonFiniteSteps = _position.NonFinite;
        if (_adjoints is null)
            snapshot.ClearAdjointNorms();
        else
            snapshot.SetAdjointNorms(_adjoints.Stride, _adjoints.WindowLengths, _adjoints.Norms);
        if (nonFinite)
            return;
        _optimizer.Step(_network.Parameters, learningRate);
        _network.WeightsChanged();
        _position = _position with { OptimizerUpdates = _optimizer.Updates };
    }

    // Teacher-forced: the target steps (⟨/s⟩ included) whose most likely class is the label, before the update.
    private int CountCorrect(SequenceBatch target)
    {
        var outputs = _network.Shape.Outputs;
        var logits = _network.Logits;
        var correct = 0;
        for (var r = 0; r < target.Steps * target.Size; r++)
        {
            var label = target.StepClasses[r];
            if (label >= 0 && System.Numerics.Tensors.TensorPrimitives.IndexOfMax(logits.Slice(r * outputs, outputs)) == label)
                correct++;
        }
        return correct;
    }

    private void FinishEpoch(TimeSpan duration, TimeSpan elapsed)
    {
        var evaluation = _valid is { Count: > 0 } ? _model.Evaluate(_valid.Pairs) : null;
        var steps = _position.EpochLabelledSteps;
        var trainLoss = steps > 0 ? _position.EpochLossSum / steps : double.NaN;
        var seconds = duration.TotalSeconds;
        // Validation accuracy is greedy decoding's token accuracy; the training accuracy is teacher-forced.
        _observer?.OnEpoch(new EpochReport(_position.Epoch, _position.Step, trainLoss,
            steps > 0 ? (double)_position.EpochCorrect / steps : null, evaluation?.Loss, evaluation?.TokenAccuracy,
            _position.LearningRate, _position.Clipped, _position.NonFinite, duration,
            seconds > 0 ? _position.EpochSeen / seconds : 0));
        _epochDone?.Invoke(new EncoderDecoderEpoch(_position.Epoch, _position.Step, trainLoss, evaluation,
            (int)_position.Clipped, (int)_position.NonFinite, elapsed));
        _position = _position with
        {
            InEpoch = false,
            NextBatch = 0,
            LearningRate = _position.LearningRate * _options.LearningRateDecay,
            BestValidationLoss = evaluation is null ? _position.BestValidationLoss
                : Math.Min(evaluation.Loss, _position.BestValidationLoss ?? double.PositiveInfinity),
        };
    }

    private void TakeCheckpoint()
    {
        if (_checkpoints?.Save is not { } save)
            return;
        save(new EncoderDecoderCheckpoint(_model.Copy(), _position,
            _optimizer.StateBuffers.Select(b => (float[])b.Clone()).ToArray()));
    }

    private void Restore(EncoderDecoderCheckpoint checkpoint)
    {
        var source = checkpoint.Model.Network.Parameters;
        var target = _network.Parameters;
        if (checkpoint.Model.Network.Shape != _network.Shape || source.Count != target.Count)
            throw new ArgumentException("The checkpoint was taken from an encoder–decoder of a different shape.");
        for (var i = 0; i < source.Count; i++)
            source[i].Value.CopyTo(target[i].Value, 0);
        _network.WeightsChanged();
        _optimizer.Restore(checkpoint.Position.OptimizerUpdates, checkpoint.OptimizerState);
        _position = checkpoint.Position;
    }
}

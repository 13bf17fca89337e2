using System.Diagnostics;
using Microsoft.ML;
using Recurrent.Diagnostics;
using Recurrent.Trainer.Data;
using Recurrent.Trainer.Layers;
using Recurrent.Trainer.Models;
using Recurrent.Trainer.Tensors;

namespace Recurrent.Trainer.Training;

/// <summary>
/// An encoder–decoder's training run, as <see cref="TrainingLoop"/> is a sequence model's (<see cref="BatchTrainingLoop"/>
/// is the loop itself: batches in a seed-and-epoch order, measure, clip or skip, update, report the same
/// <see cref="StepReport"/>s and <see cref="EpochReport"/>s, checkpoints): packs a batch of pairs, runs the
/// teacher-forced forward and BPTT through decoder, bridge and encoder. The step's snapshot has the global figures:
/// the pre-clip norm and the parameter groups' (embedding, W_xh, W_hh, b, head: encoder and decoder together),
/// clipping, and the adjoint profile of encoder layer 0 — ‖∂L/∂s_t‖ from the source's last step, where the decoder's
/// whole gradient enters through the bridge, back to its first — with the Jacobian bounds of the encoder's W_hh, the
/// path that profile walks.
/// </summary>
internal sealed class EncoderDecoderTrainingLoop : BatchTrainingLoop
{
    private readonly EncoderDecoderModel _model;
    private readonly EncoderDecoderNetwork _network;
    private readonly PairDataset _train;
    private readonly PairDataset? _valid;
    private readonly Action<EncoderDecoderEpoch>? _epochDone;
    private readonly EncoderDecoderCheckpoints? _checkpoints;
    private readonly PairBatch _batch;

    public EncoderDecoderTrainingLoop(EncoderDecoderModel model, SequenceModelOptions options, PairDataset train,
        PairDataset? valid, ITrainingObserver? observer, Action<EncoderDecoderEpoch>? epochDone,
        EncoderDecoderCheckpoints? checkpoints)
        : base(options, model.Network.Parameters, model.Network.EncoderRecurrentWeights, observer, checkpoints?.EverySteps ?? 0)
    {
        _model = model;
        _network = model.Network;
        _train = train;
        _valid = valid;
        _epochDone = epochDone;
        _checkpoints = checkpoints;
        _batch = new PairBatch(_network.Shape.Boundary);
        if (checkpoints?.ResumeFrom is { } resume)
            Restore(resume);
    }

    public void Run(CancellationToken cancellation) => RunEpochs(cancellation);

    protected override int ExampleCount => _train.Count;

    protected override void FillBatch(ReadOnlySpan<int> indices) => _batch.Fill(_train.Pairs, indices);

    // The loss is a mean over the target steps (⟨/s⟩ included); a step that was not finite adds nothing.
    protected override (double LossSum, long LabelledSteps) EpochShare(int sequences)
    {
        var steps = _batch.Target.LabelledSteps;
        return Report.Snapshot.NonFinite ? (0, 0) : (Report.Loss * steps, steps);
    }

    protected override double ComputeGradients(long step)
    {
        var (source, target) = (_batch.Source, _batch.Target);
        var loss = _network.ComputeGradients(source, target, Threads, Adjoints);
        Report.Correct = CountCorrect(target);
        Report.Sequences = source.Size;
        Report.LabelledSteps = target.LabelledSteps;
        return loss;
    }

    protected override void WeightsChanged() => _network.WeightsChanged();

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

    protected override bool FinishEpoch(TimeSpan duration, TimeSpan elapsed)
    {
        var evaluation = _valid is { Count: > 0 } ? _model.Evaluate(_valid.Pairs) : null;
        var steps = Position.EpochLabelledSteps;
        var trainLoss = steps > 0 ? Position.EpochLossSum / steps : double.NaN;
        var seconds = duration.TotalSeconds;
        // Validation accuracy is greedy decoding's token accuracy; the training accuracy is teacher-forced.
        Observer?.OnEpoch(new EpochReport(Position.Epoch, Position.Step, trainLoss,
            steps > 0 ? (double)Position.EpochCorrect / steps : null, evaluation?.Loss, evaluation?.TokenAccuracy,
            Position.LearningRate, Position.Clipped, Position.NonFinite, duration,
            seconds > 0 ? Position.EpochSeen / seconds : 0));
        _epochDone?.Invoke(new EncoderDecoderEpoch(Position.Epoch, Position.Step, trainLoss, evaluation,
            (int)Position.Clipped, (int)Position.NonFinite, elapsed));
        Position = Position with
        {
            InEpoch = false,
            NextBatch = 0,
            LearningRate = Position.LearningRate * Options.LearningRateDecay,
            BestValidationLoss = evaluation is null ? Position.BestValidationLoss
                : Math.Min(evaluation.Loss, Position.BestValidationLoss ?? double.PositiveInfinity),
        };
        return false; // no early stopping for an encoder–decoder
    }

    protected override void TakeCheckpoint()
    {
        if (_checkpoints?.Save is not { } save)
            return;
        save(new EncoderDecoderCheckpoint(_model.Copy(), Position, OptimizerStateCopy()));
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
        Optimizer.Restore(checkpoint.Position.OptimizerUpdates, checkpoint.OptimizerState);
        Position = checkpoint.Position;
    }
}

// The public API placed this record in Recurrent.Trainer.Training; the file sits with the model that carries it,
// so Models/ needs nothing from Training/ (see README.md, "Folders and their dependencies").

namespace Recurrent.Trainer.Training;

/// <summary>Why training ended and what it did.</summary>
public sealed record TrainingSummary(
    int Epochs,
    long Steps,
    long ClippedSteps,
    long NonFiniteSteps,
    double FinalTrainLoss,
    double? BestValidationLoss,
    bool StoppedEarly,
    TimeSpan Duration,
    double SequencesPerSecond);

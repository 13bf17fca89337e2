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

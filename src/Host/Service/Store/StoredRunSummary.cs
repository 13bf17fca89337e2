namespace Recurrent.Host.Service.Store;

/// <summary>What an ended run's stored steps say about how it finished.</summary>
internal sealed record StoredRunSummary(double Loss, double? Log10VanishingRatio, double ClipRate);

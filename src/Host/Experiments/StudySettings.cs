namespace Recurrent.Host.Experiments;

/// <summary>How big a study runs.</summary>
/// <param name="Quick">Small lengths, few steps and one or two seeds: under two minutes, for tests.</param>
/// <param name="Seed">The first seed; studies over several seeds use Seed, Seed + 1, ...</param>
internal sealed record StudySettings(bool Quick, int Seed)
{
    /// <summary>"quick" or "full", for report settings.</summary>
    public string Mode => Quick ? "quick" : "full";

    /// <summary><paramref name="count"/> consecutive seeds from <see cref="Seed"/>.</summary>
    public IEnumerable<int> Seeds(int count) => Enumerable.Range(Seed, count);
}

namespace Recurrent.Host.Experiments;

/// <summary>How big a study runs.</summary>
/// <param name="Quick">Small lengths, few steps and one or two seeds: under two minutes, for tests.</param>
/// <param name="Seed">The first seed; studies over several seeds use Seed, Seed + 1, ...</param>
/// <param name="Part">One part of a study that has parts (<see cref="IStudy.Parts"/>); null runs them all.</param>
internal sealed record StudySettings(bool Quick, int Seed, string? Part = null)
{
    /// <summary>Whether the part <paramref name="name"/> runs: every part when none was chosen.</summary>
    public bool Runs(string name) => Part is null || string.Equals(Part, name, StringComparison.OrdinalIgnoreCase);

    /// <summary>"quick" or "full", for report settings.</summary>
    public string Mode => Quick ? "quick" : "full";

    /// <summary><paramref name="count"/> consecutive seeds from <see cref="Seed"/>.</summary>
    public IEnumerable<int> Seeds(int count) => Enumerable.Range(Seed, count);
}

namespace Recurrent.Host.Experiments.Reports;

/// <summary>
/// One claim of the seed documents and what this run measured about it.
/// </summary>
/// <param name="Id">A short stable name tests and readers can refer to, such as "rnn-vanishes-with-length".</param>
/// <param name="Expectation">What the seeds (or the paper) say should happen.</param>
/// <param name="Held">Whether the measurement agrees with the expectation.</param>
/// <param name="Measured">The numbers behind the verdict, and by how much it held or failed.</param>
internal sealed record Claim(string Id, string Expectation, bool Held, string Measured);

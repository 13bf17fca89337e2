namespace Recurrent.Diagnostics.Metrics;

/// <summary>How many runs the service holds in each state, exported as <c>recurrent_runs{state}</c>.</summary>
/// <param name="Queued">Runs waiting for a worker.</param>
/// <param name="Running">Runs training now.</param>
/// <param name="Succeeded">Runs that completed.</param>
/// <param name="Failed">Runs that stopped on an error.</param>
/// <param name="Cancelled">Runs cancelled by a user.</param>
public readonly record struct RunStateCounts(int Queued, int Running, int Succeeded, int Failed, int Cancelled);

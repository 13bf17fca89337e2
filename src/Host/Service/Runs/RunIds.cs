using System.Globalization;
using Recurrent.Host.Service.Api;

namespace Recurrent.Host.Service.Runs;

/// <summary>Run ids in routes: taken as text so a malformed one gets a clear 404 rather than a bare routing miss.</summary>
internal static class RunIds
{
    public static long Parse(string text) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var id) && id > 0
            ? id
            : throw new NotFoundException("id", $"No run has id '{text}'; run ids are positive whole numbers.");
}

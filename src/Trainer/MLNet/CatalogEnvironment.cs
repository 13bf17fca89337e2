using System.Reflection;
using Microsoft.ML;
using Microsoft.ML.Runtime;

namespace Recurrent.Trainer.MLNet;

/// <summary>
/// The MLContext behind a trainer catalog. ML.NET's own add-on trainers reach it through an internal interface
/// (<c>IInternalCatalog.Environment</c>); there is no public accessor in ML.NET 5, so it is read by reflection
/// here, in one place, and a change in a later ML.NET fails loudly with this class's name.
/// </summary>
internal static class CatalogEnvironment
{
    public static IHostEnvironment Of(object catalog)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        for (var type = catalog.GetType(); type is not null; type = type.BaseType)
        {
            var property = type.GetProperty("Microsoft.ML.Data.IInternalCatalog.Environment",
                BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public | BindingFlags.DeclaredOnly);
            if (property?.GetValue(catalog) is IHostEnvironment environment)
                return environment;
        }
        throw new InvalidOperationException(
            $"Recurrent.Trainer.MLNet.CatalogEnvironment: cannot find the MLContext of {catalog.GetType()} in this ML.NET version.");
    }
}

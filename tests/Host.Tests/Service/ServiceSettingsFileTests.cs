using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Recurrent.Host.Service;

namespace Recurrent.Host.Tests.Service;

/// <summary>The shipped appsettings.json lists every limit, each with the value the service uses when it is absent.</summary>
public sealed class ServiceSettingsFileTests
{
    private static readonly string SettingsFile = Path.Combine(AppContext.BaseDirectory, "appsettings.json");

    [Fact]
    public void The_settings_file_says_the_defaults()
    {
        var bound = new ServiceOptions();
        new ConfigurationBuilder().AddJsonFile(SettingsFile).Build().GetSection(ServiceOptions.Section).Bind(bound);
        Assert.Equal(JsonSerializer.Serialize(new ServiceOptions()), JsonSerializer.Serialize(bound));
    }

    [Fact]
    public void The_settings_file_lists_every_limit()
    {
        var section = new ConfigurationBuilder().AddJsonFile(SettingsFile).Build().GetSection(ServiceOptions.Section);
        // The thread bound follows the machine's core count, so a file cannot state its default.
        string[] machineDependent = ["Runs:MaxThreads"];
        var missing = LimitKeys().Except(machineDependent).Where(key => section[key] is null).ToArray();
        Assert.True(missing.Length == 0, $"appsettings.json lacks {string.Join(", ", missing)}");
    }

    private static IEnumerable<string> LimitKeys()
    {
        foreach (var property in typeof(ServiceOptions).GetProperties())
        {
            if (property.Name.StartsWith("Max", StringComparison.Ordinal) || property.Name.StartsWith("Min", StringComparison.Ordinal))
                yield return property.Name;
            else if (property.PropertyType.Name.EndsWith("LimitOptions", StringComparison.Ordinal))
                foreach (var nested in property.PropertyType.GetProperties())
                    yield return $"{property.Name}:{nested.Name}";
        }
    }
}

namespace Recurrent.Host.Experiments;

/// <summary>Every study `recurrent experiment` knows, by name.</summary>
internal static class Studies
{
    public static IReadOnlyList<IStudy> All { get; } =
    [
        new VanishingStudy(),
        new JacobianBoundStudy(),
        new ExplodingStudy(),
        new RemediesStudy(),
        new PascanuStudy(),
        new AgreementStudy(),
        new SkipStudy(),
        new SkipUpdatesStudy(),
        new CopyStudy(),
    ];

    public static IStudy? Find(string name) =>
        All.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase));
}

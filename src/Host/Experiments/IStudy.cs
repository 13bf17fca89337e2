using Recurrent.Host.Experiments.Reports;

namespace Recurrent.Host.Experiments;

/// <summary>One study of `recurrent experiment`: trains what it needs and fills a report with claims and figures.</summary>
internal interface IStudy
{
    /// <summary>The name on the command line, such as "vanishing".</summary>
    string Name { get; }

    /// <summary>One line for the help text.</summary>
    string Summary { get; }

    /// <summary>Parts that run on their own with <c>--part</c> (a long study's parts); empty when the study is one piece.</summary>
    IReadOnlyList<string> Parts => [];

    /// <summary>Runs the study and returns its report (not yet written to disk).</summary>
    StudyReport Run(StudySettings settings, TextWriter log, CancellationToken cancellationToken);
}

using System.CommandLine;
using System.Diagnostics;
using Recurrent.Host.Experiments;

namespace Recurrent.Host.Commands;

/// <summary>`recurrent experiment NAME`: runs a study of the lecture notes' claims and writes its report.</summary>
internal static class ExperimentCommand
{
    public static Command Create()
    {
        var name = new Argument<string>("name")
        {
            Description = "The study: " + string.Join(", ", Studies.All.Select(s => s.Name)) + ".",
        };
        name.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<string>();
            if (Studies.Find(value) is null)
                result.AddError($"'{value}' is not a study; choose one of {string.Join(", ", Studies.All.Select(s => s.Name))}.");
        });
        var quick = new Option<bool>("--quick") { Description = "A small setting that finishes in seconds (what the tests run)." };
        var output = new Option<string?>("--out") { Description = "Report directory (default experiments/NAME)." };
        var seed = new Option<int>("--seed") { Description = "First seed of data and initialisation (default 1).", DefaultValueFactory = _ => 1 };
        var part = new Option<string?>("--part") { Description = "Run one part of a study that has parts (skip-updates: adding, pixels); default all." };
        var command = new Command("experiment",
            "Reproduce a claim of the lecture notes and write a report (Markdown, SVG plots, CSV and JSON).\n" +
            string.Join("\n", Studies.All.Select(s => $"  {s.Name}: {s.Summary}")))
        {
            name, quick, output, seed, part,
        };
        command.SetAction(parse => ExitCodes.Guard(() =>
        {
            var study = Studies.Find(parse.GetRequiredValue(name))!;
            var directory = parse.GetValue(output) ?? Path.Combine("experiments", study.Name);
            var settings = new StudySettings(parse.GetValue(quick), parse.GetValue(seed), parse.GetValue(part));
            if (settings.Part is { } chosen && !study.Parts.Contains(chosen, StringComparer.OrdinalIgnoreCase))
            {
                Console.Error.WriteLine(study.Parts.Count == 0
                    ? $"--part: {study.Name} has no parts; leave --part out."
                    : $"--part: {study.Name} has no part '{chosen}'; choose one of {string.Join(", ", study.Parts)}.");
                return ExitCodes.BadInput;
            }
            using var cancel = new ConsoleCancellation();
            var clock = Stopwatch.StartNew();
            Console.WriteLine($"{study.Name} ({settings.Mode}): {study.Summary}");
            var report = study.Run(settings, Console.Out, cancel.Token);
            report.Setting["seconds"] = Math.Round(clock.Elapsed.TotalSeconds, 1);
            report.Write(directory);
            foreach (var claim in report.Claims)
                Console.WriteLine($"{(claim.Held ? "held" : "did not hold")}: {claim.Id}: {claim.Measured}");
            Console.WriteLine($"report: {Path.Combine(directory, "report.md")} ({clock.Elapsed.TotalSeconds:F0} s)");
            return ExitCodes.Success;
        }));
        return command;
    }
}

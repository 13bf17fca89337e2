using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Recurrent.Host.Tests.Support;
using Xunit.Abstractions;

namespace Recurrent.Host.Tests.Commands;

/// <summary>
/// `recurrent train` of an encoder–decoder, as real processes, has what a sequence run has: the progress line, the
/// recurrent_ metrics on <c>--metrics-port</c>, and Ctrl+C stopping inside a training step with exit code 130 and
/// nothing written. No assertion depends on the machine's speed.
/// </summary>
public sealed class EncoderDecoderTrainCommandTests(ITestOutputHelper output)
{
    private sealed class Run : IDisposable
    {
        private readonly StringBuilder _stdout = new();

        public Run(params string[] arguments)
        {
            var info = RecurrentCommand.StartInfo(arguments);
            Process = Process.Start(info)!;
            Process.OutputDataReceived += (_, e) =>
            {
                if (e.Data is null)
                    return;
                lock (_stdout)
                    _stdout.AppendLine(e.Data);
            };
            Stderr = Process.StandardError.ReadToEndAsync();
            Process.BeginOutputReadLine();
        }

        public Process Process { get; }

        public Task<string> Stderr { get; }

        public string Stdout
        {
            get
            {
                lock (_stdout)
                    return _stdout.ToString();
            }
        }

        public async Task WaitForOutput(string text, TimeSpan timeout)
        {
            var deadline = DateTime.UtcNow + timeout;
            while (!Stdout.Contains(text, StringComparison.Ordinal))
            {
                if (Process.HasExited)
                    Assert.Fail($"recurrent train exited with {Process.ExitCode} before printing '{text}':\n{Stdout}\n{await Stderr}");
                Assert.True(DateTime.UtcNow < deadline, $"no '{text}' within {timeout}:\n{Stdout}");
                await Task.Delay(50);
            }
        }

        public void Dispose()
        {
            if (!Process.HasExited)
                Process.Kill(entireProcessTree: true);
            Process.WaitForExit();
            Process.Dispose();
        }
    }

    [Fact]
    public async Task The_progress_line_and_the_metrics_endpoint_report_an_encoder_decoder_run()
    {
        using var directory = new TemporaryDirectory();
        var model = directory.File("rev.model");
        var port = ServiceProcess.FreePort();
        // 200 pairs in batches of 16: 13 steps an epoch, 26 in all. The endpoint lingers so the test reads the end.
        using var run = new Run("train", "--data", "reverse:5", "--count", "200", "--cell", "gru", "--hidden-size", "16",
            "--embedding-size", "8", "--batch-size", "16", "--epochs", "2", "--clip-norm", "0.5", "--threads", "1",
            "--out", model, "--metrics-port", port.ToString(CultureInfo.InvariantCulture), "--metrics-linger", "300", "--json");
        await run.WaitForOutput("\"training_seconds\"", TimeSpan.FromMinutes(3));
        await Task.Delay(200); // the rest of the JSON document
        var result = JsonDocument.Parse(run.Stdout[run.Stdout.IndexOf('{', StringComparison.Ordinal)..]).RootElement;
        Assert.Equal(26, result.GetProperty("steps").GetInt64());
        var clipped = result.GetProperty("clipped_steps").GetInt64();
        Assert.InRange(clipped, 1, 25); // some steps clipped and some not: the comparisons below can fail

        using var http = new HttpClient();
        var metrics = await http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/metrics"));
        double Sample(string name)
        {
            var match = Regex.Match(metrics, $@"^{name}\{{[^}}]*run=""rev""[^}}]*\}} (\S+)", RegexOptions.Multiline);
            Assert.True(match.Success, $"no {name} for run rev in:\n{metrics}");
            return double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        }
        Assert.Equal(26, Sample("recurrent_train_steps_total"));
        Assert.Equal(clipped, Sample("recurrent_grad_clipped_steps_total"));
        Assert.Equal(2, Sample("recurrent_train_epoch"));
        // Every step's pre-clip norm is in the histogram, and those above the threshold are the clipped ones.
        Assert.Equal(26, Sample("recurrent_grad_norm_count"));
        var belowThreshold = Regex.Match(metrics, @"^recurrent_grad_norm_bucket\{run=""rev"",le=""0.5""\} (\d+)", RegexOptions.Multiline);
        Assert.True(belowThreshold.Success, metrics);
        Assert.Equal(26 - clipped, long.Parse(belowThreshold.Groups[1].Value, CultureInfo.InvariantCulture));
        Assert.Equal(result.GetProperty("memory_horizon").GetDouble(), Sample("recurrent_grad_memory_horizon_steps"));
        Assert.True(Sample("recurrent_validation_accuracy_ratio") is >= 0 and <= 1);
        output.WriteLine(string.Join('\n', metrics.Split('\n').Where(l => l.Contains("run=\"rev\"", StringComparison.Ordinal)).Take(20)));

        // Without --json the output is a pipe: the progress line's plain lines, one per epoch with its gradient health.
        var plain = directory.File("plain.model");
        using var second = new Run("train", "--data", "reverse:5", "--count", "200", "--cell", "gru", "--hidden-size", "16",
            "--embedding-size", "8", "--batch-size", "16", "--epochs", "2", "--threads", "1", "--out", plain);
        await second.Process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(3));
        var lines = second.Stdout;
        output.WriteLine(lines);
        Assert.Equal(0, second.Process.ExitCode);
        Assert.Matches(new Regex(@"^epoch 1/2 [\d.]+ steps/s loss [\d.]+ .*\|g\| ", RegexOptions.Multiline), lines);
        Assert.Matches(new Regex(@"^epoch 2/2 .*\| valid loss [\d.]+ acc [\d.]+ %", RegexOptions.Multiline), lines);
        Assert.Contains("epoch 2: loss", lines); // the encoder–decoder's own line: greedy token and sequence accuracy
    }

    [Fact]
    public async Task Ctrl_c_stops_an_encoder_decoder_step_under_way_and_writes_nothing()
    {
        using var directory = new TemporaryDirectory();
        var model = directory.File("never.model");
        var onnx = directory.File("never.onnx");
        // One step of 16 pairs of up to 500 symbols each way through LSTM stacks of 1,024 units: about 20 s of one
        // core on a quiet Zen 3, its activations growing to about 1.1 GiB as the passes go, per epoch.
        using var run = new Run("train", "--data", "reverse:500", "--count", "16", "--cell", "lstm", "--hidden-size", "1024",
            "--batch-size", "16", "--epochs", "2", "--threads", "1", "--out", model, "--onnx", onnx);
        await run.WaitForOutput("data:", TimeSpan.FromMinutes(2));
        await RecurrentCommand.InterruptFirstStep(run.Process, ProcessStatus.ResidentMiB(run.Process.Id),
            async () => $"{run.Stdout}\n{await run.Stderr}", output);
        var error = await run.Stderr;
        Assert.Equal(130, run.Process.ExitCode);
        Assert.Contains($"recurrent: training cancelled (Ctrl+C) after 0 completed steps; nothing was written to {model}", error);
        // Had the step under way completed, its epoch's lines would be printed.
        Assert.DoesNotContain("epoch 1", run.Stdout);
        Assert.Empty(Directory.GetFiles(directory.Path));
    }
}

using Recurrent.Integration.Tests.Support;

namespace Recurrent.Integration.Tests.Commands;

/// <summary>The `recurrent` command line end to end, as a user runs it.</summary>
public sealed class CommandLineTests
{
    [Fact]
    public void Train_learns_the_seed_toy_set_and_evaluate_and_predict_read_the_model()
    {
        using var directory = new TemporaryDirectory();
        var model = directory.File("toy.model");
        var train = RecurrentCli.Run("train", "--data", "seed-toy", "--cell", "rnn", "--hidden", "1", "--epochs", "300",
            "--batch", "3", "--optimizer", "sgd", "--lr", "0.5", "--out", model, "--json");
        Assert.True(train.ExitCode == 0, train.Error);
        Assert.Equal(1.0, train.Json.GetProperty("train_accuracy").GetDouble());
        Assert.True(train.Json.GetProperty("sequences_per_second").GetDouble() > 0);
        Assert.True(train.Json.GetProperty("seconds").GetDouble() > 0);

        var evaluate = RecurrentCli.Run("evaluate", "--model", model, "--data", "seed-toy", "--json");
        Assert.True(evaluate.ExitCode == 0, evaluate.Error);
        Assert.Equal(1.0, evaluate.Json.GetProperty("accuracy").GetDouble());
        Assert.Equal("[[1,0],[0,2]]", evaluate.Json.GetProperty("confusion_matrix").GetRawText());

        var predict = RecurrentCli.Run("predict", "--model", model, "--data", "seed-toy", "--json");
        Assert.True(predict.ExitCode == 0, predict.Error);
        var labels = predict.Json.GetProperty("predictions").EnumerateArray().Select(p => p.GetProperty("label").GetString()!).ToArray();
        Assert.Equal(new[] { "1", "1", "0" }, labels);
    }

    [Fact]
    public void Predictions_from_the_exported_onnx_file_equal_the_managed_models()
    {
        using var directory = new TemporaryDirectory();
        var data = directory.File("reviews.csv");
        File.WriteAllText(data, "label,text\npos,great fun film\nneg,dull and slow\npos,\"loved it, great\"\nneg,slow dull plot\npos,fun fun fun\nneg,\"boring, dull\"\n");
        var model = directory.File("reviews.model");
        var onnx = directory.File("reviews.onnx");
        var train = RecurrentCli.Run("train", "--data", data, "--cell", "gru", "--hidden", "8", "--bidirectional",
            "--epochs", "20", "--batch", "2", "--lr", "0.02", "--out", model, "--onnx", onnx, "--json");
        Assert.True(train.ExitCode == 0, train.Error);
        var managed = RecurrentCli.Run("predict", "--model", model, "--data", data, "--json");
        var runtime = RecurrentCli.Run("predict", "--model", onnx, "--data", data, "--json");
        Assert.True(runtime.ExitCode == 0, runtime.Error);
        Assert.Equal("managed", managed.Json.GetProperty("engine").GetString());
        Assert.Equal("onnxruntime", runtime.Json.GetProperty("engine").GetString());
        var a = managed.Json.GetProperty("predictions").EnumerateArray().ToArray();
        var b = runtime.Json.GetProperty("predictions").EnumerateArray().ToArray();
        Assert.Equal(a.Length, b.Length);
        for (var i = 0; i < a.Length; i++)
        {
            Assert.Equal(a[i].GetProperty("label").GetString(), b[i].GetProperty("label").GetString());
            foreach (var label in new[] { "neg", "pos" })
                Assert.Equal(a[i].GetProperty("probabilities").GetProperty(label).GetDouble(),
                    b[i].GetProperty("probabilities").GetProperty(label).GetDouble(), 1e-5);
        }
    }

    [Fact]
    public void Bench_help_names_the_command_the_user_typed()
    {
        var help = RecurrentCli.Run("bench", "--help");
        Assert.True(help.ExitCode == 0, help.Error);
        Assert.Contains("recurrent bench [options]", help.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Recurrent.Bench", help.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Bench_times_training_steps_and_the_kernels_and_reports_them_as_json()
    {
        var training = RecurrentCli.Run("bench", "--cell", "gru", "--length", "5", "--input", "3", "--hidden", "8",
            "--batch", "4", "--steps", "2", "--json");
        Assert.True(training.ExitCode == 0, training.Error);
        Assert.Equal("gru", training.Json.GetProperty("cell").GetString());
        Assert.True(training.Json.GetProperty("sequences_per_second").GetDouble() > 0);
        Assert.True(training.Json.GetProperty("peak_working_set_bytes").GetInt64() > 0);

        // What diagnostics cost, per detail level: the run without them, one run per level (the detail every 10th step,
        // the default) and the block level measured every step, each timed.
        var overhead = RecurrentCli.Run("bench", "--overhead", "--length", "5", "--input", "3", "--hidden", "8",
            "--batch", "4", "--steps", "3", "--json");
        Assert.True(overhead.ExitCode == 0, overhead.Error);
        Assert.True(overhead.Json.GetProperty("ms_per_step_without").GetDouble() > 0);
        var levels = overhead.Json.GetProperty("levels").EnumerateObject().ToArray();
        Assert.Equal(["global", "layer", "block", "block_every_step"], levels.Select(l => l.Name));
        Assert.Equal(10, overhead.Json.GetProperty("detail_every").GetInt32());
        Assert.All(levels, l => Assert.True(l.Value.GetProperty("ms_per_step").GetDouble() > 0));

        var kernels = RecurrentCli.Run("bench", "--kernels", "--json");
        Assert.True(kernels.ExitCode == 0, kernels.Error);
        var plan = kernels.Json.GetProperty("plan").EnumerateArray().Select(l => l.GetString()!).ToArray();
        Assert.Contains(plan, line => line.StartsWith("depth block: ", StringComparison.Ordinal));
        Assert.Contains(plan, line => line.StartsWith("batch-1 walk", StringComparison.Ordinal));
        var timings = kernels.Json.GetProperty("products").EnumerateArray().ToArray();
        Assert.Equal(17, timings.Length);
        Assert.Contains(timings, t => t.GetProperty("name").GetString()!.Contains("alternating ways"));
        Assert.Contains(timings, t => t.GetProperty("name").GetString()!.Contains("A packed in row tiles"));
        Assert.Contains(timings, t => t.GetProperty("name").GetString()!.Contains("6-row tiles"));
        Assert.All(timings, t => Assert.True(t.GetProperty("gflops").GetDouble() > 0));
        // The default step (LSTM T=28 I=28 H=128 B=64): its products with their shapes, timed; the sgemm anchor
        // beside each is a number where python3 with numpy runs, else null and the reason in "sgemm".
        var step = kernels.Json.GetProperty("step_products").EnumerateArray().ToArray();
        Assert.Contains(step, p => p.GetProperty("name").GetString()!.StartsWith("forward step [x_t | h_t-1]", StringComparison.Ordinal)
                                   && p.GetProperty("m").GetInt32() == 32 && p.GetProperty("k").GetInt32() == 156);
        Assert.Contains(step, p => p.GetProperty("name").GetString()!.StartsWith("dW_hh", StringComparison.Ordinal)
                                   && p.GetProperty("transposed_a").GetBoolean() && p.GetProperty("k").GetInt32() == 28 * 64);
        Assert.All(step, p => Assert.True(p.GetProperty("gflops").GetDouble() > 0));
        var anchor = kernels.Json.GetProperty("sgemm").GetString()!;
        Assert.All(step, p => Assert.Equal(anchor.StartsWith("numpy sgemm", StringComparison.Ordinal),
            p.GetProperty("sgemm_gflops").ValueKind == System.Text.Json.JsonValueKind.Number));
    }

    [Fact]
    public void Bench_inference_times_both_engines_on_one_thread_and_on_every_core_as_json()
    {
        // bench/targets.py reads these keys: the unprefixed ones are one thread each, the all_cores_ ones both engines'
        // defaults (our Threads = 0, ONNX Runtime's intra-op pool with one thread per core).
        var inference = RecurrentCli.Run("bench", "--inference", "--cell", "lstm", "--length", "4", "--input", "3",
            "--hidden", "8", "--json");
        Assert.True(inference.ExitCode == 0, inference.Error);
        var json = inference.Json;
        Assert.Equal(8, json.GetProperty("hidden").GetInt32());
        Assert.StartsWith("1.", json.GetProperty("onnxruntime_version").GetString(), StringComparison.Ordinal);
        string[] figures = ["managed_batch1_us", "onnxruntime_batch1_us", "managed_batch64_sequences_per_second",
            "onnxruntime_batch64_sequences_per_second"];
        Assert.All(figures, key => Assert.True(json.GetProperty(key).GetDouble() > 0, key));
        if (Environment.ProcessorCount > 1)
        {
            Assert.Equal(Environment.ProcessorCount, json.GetProperty("all_cores_threads").GetInt32());
            Assert.All(figures, key => Assert.True(json.GetProperty("all_cores_" + key).GetDouble() > 0, key));
        }
        else
        {
            Assert.Equal(System.Text.Json.JsonValueKind.Null, json.GetProperty("all_cores_threads").ValueKind);
        }
    }

    [Fact]
    public void Bench_serve_trains_each_requested_turn_and_answers_it_as_json()
    {
        // bench/targets.py's turns: "THREADS SECONDS" trains whole steps on that many threads (0: one per core) for
        // at least SECONDS, one warm process for every turn; an empty line ends the session.
        string[] shape = ["bench", "--serve", "--cell", "rnn", "--length", "5", "--input", "3", "--hidden", "8", "--batch", "4"];
        var served = RecurrentCli.RunWithInput("1 0.02\n0 0.02\n1 0.02\n\nignored after the end\n", shape);
        Assert.True(served.ExitCode == 0, served.Error);
        var turns = served.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => System.Text.Json.JsonDocument.Parse(line).RootElement).ToArray();
        Assert.Equal([1, 0, 1], turns.Select(t => t.GetProperty("threads").GetInt32()));
        Assert.All(turns, t =>
        {
            Assert.True(t.GetProperty("steps").GetInt32() >= 1);
            Assert.True(t.GetProperty("seconds").GetDouble() >= 0.02);
            Assert.True(t.GetProperty("gflops").GetDouble() > 0);
            Assert.True(t.GetProperty("sequences_per_second").GetDouble() > 0);
        });

        var bad = RecurrentCli.RunWithInput("2 soon\n", shape);
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("expected 'THREADS SECONDS'", bad.Error, StringComparison.Ordinal);
        Assert.Contains("'2 soon'", bad.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("managed", "1")]
    [InlineData("onnxruntime", "1")]
    [InlineData("managed", "0")]
    [InlineData("onnxruntime", "2")]
    public void Bench_inference_serve_times_one_engine_per_process_and_answers_each_turn_as_json(string engine, string threads)
    {
        // bench/targets.py's inference turns: one process per engine and thread count, "batch1|batch64 SECONDS" timing
        // calls of that batch for at least SECONDS (and at least three calls), answered with the turn's median call.
        string[] shape = ["bench", "--inference", "--serve", "--engine", engine, "--threads", threads, "--cell", "lstm",
            "--length", "4", "--input", "3", "--hidden", "8"];
        var served = RecurrentCli.RunWithInput("batch64 0.02\nbatch1 0.02\n\nignored after the end\n", shape);
        Assert.True(served.ExitCode == 0, served.Error);
        var turns = served.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => System.Text.Json.JsonDocument.Parse(line).RootElement).ToArray();
        Assert.Equal([64, 1], turns.Select(t => t.GetProperty("batch").GetInt32()));
        Assert.All(turns, t =>
        {
            Assert.Equal(engine, t.GetProperty("engine").GetString());
            Assert.Equal(int.Parse(threads, System.Globalization.CultureInfo.InvariantCulture), t.GetProperty("threads").GetInt32());
            Assert.Equal(threads == "0" ? Environment.ProcessorCount : int.Parse(threads, System.Globalization.CultureInfo.InvariantCulture),
                t.GetProperty("worker_threads").GetInt32());
            Assert.True(t.GetProperty("calls").GetInt32() >= 3);
            Assert.True(t.GetProperty("seconds").GetDouble() >= 0.02);
            Assert.True(t.GetProperty("median_us").GetDouble() >= t.GetProperty("fastest_us").GetDouble());
            Assert.True(t.GetProperty("sequences_per_second").GetDouble() > 0);
            // Only the ONNX Runtime process loads it.
            if (engine == "onnxruntime")
                Assert.StartsWith("1.", t.GetProperty("onnxruntime_version").GetString(), StringComparison.Ordinal);
            else
                Assert.Equal(System.Text.Json.JsonValueKind.Null, t.GetProperty("onnxruntime_version").ValueKind);
        });

        var bad = RecurrentCli.RunWithInput("batch32 1\n", shape);
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("'batch32 1'", bad.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Bench_inference_serve_refuses_an_engine_it_does_not_have()
    {
        var bad = RecurrentCli.RunWithInput("batch1 0.01\n", "bench", "--inference", "--serve", "--engine", "tensorflow",
            "--length", "4", "--input", "3", "--hidden", "8");
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("--engine must be managed or onnxruntime, got 'tensorflow'", bad.Error, StringComparison.Ordinal);
        Assert.Equal("", bad.Output.Trim());
    }

    [Fact]
    public void Max_steps_zero_writes_the_initialised_model_untrained()
    {
        using var directory = new TemporaryDirectory();
        var a = directory.File("a.model");
        var b = directory.File("b.model");
        Assert.Equal(0, RecurrentCli.Run("train", "--data", "latch:5", "--count", "40", "--max-steps", "0", "--out", a, "--json").ExitCode);
        var result = RecurrentCli.Run("train", "--data", "latch:5", "--count", "40", "--max-steps", "0", "--out", b, "--json");
        Assert.Equal(0, result.Json.GetProperty("steps").GetInt64());
        Assert.Equal(File.ReadAllBytes(a), File.ReadAllBytes(b));
    }

    [Theory]
    [InlineData("bad.jsonl", "{\"label\": 1, \"tokens\": [\"a\"]}\n{\"label\": 0, \"tokens\": [\"b\"\n", "line 2")]
    [InlineData("nolabel.jsonl", "{\"label\": 1, \"tokens\": [\"a\"]}\n{\"tokens\": [\"b\"]}\n", "label")]
    [InlineData("ragged.jsonl", "{\"label\": 1, \"steps\": [[1, 2], [3]]}\n{\"label\": 0, \"steps\": [[1, 2]]}\n", "line 1")]
    [InlineData("one.csv", "label,text\na,x y\na,y z\n", "class")]
    public void Bad_data_exits_with_code_two_and_a_message_naming_file_and_place(string name, string content, string expected)
    {
        using var directory = new TemporaryDirectory();
        var path = directory.File(name);
        File.WriteAllText(path, content);
        var result = RecurrentCli.Run("train", "--data", path, "--epochs", "1", "--out", directory.File("m.model"));
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(name, result.Error);
        Assert.Contains(expected, result.Error);
        Assert.False(File.Exists(directory.File("m.model")));
    }

    [Theory]
    [InlineData("--bptt", "10", "--bptt: '10' is not 'full' or two positive whole numbers K1,K2")]
    [InlineData("--clip-norm", "-1", "--clip-norm: must be a positive number")]
    [InlineData("--cell", "transformer", "--cell: 'transformer' is not one of rnn, lstm, gru")]
    [InlineData("--hidden-size", "many", "--hidden-size: 'many' is not a whole number")]
    [InlineData("--lr", "0", "--lr: must be a positive number")]
    [InlineData("--truncation", "middle", "--truncation: 'middle' is not one of keep-first, keep-last")]
    public void Bad_options_exit_with_code_two_and_say_which(string option, string value, string expected)
    {
        using var directory = new TemporaryDirectory();
        var result = RecurrentCli.Run("train", "--data", "seed-toy", "--epochs", "1", "--out", directory.File("m.model"), option, value);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(expected, result.Error + result.Output);
    }

    [Fact]
    public void An_unknown_option_without_a_command_is_refused_not_taken_for_the_service()
    {
        // Serve's own options alone start the service (`recurrent --urls URL`, README's other-port form, run by
        // ReadmeServiceTests); anything else must not silently start a service with its demo.
        var result = RecurrentCli.Run("--no-such-option");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("Unrecognized command or argument '--no-such-option'", result.Error);
    }

    [Fact]
    public void A_deprecated_flag_still_works_warns_and_trains_what_its_new_name_trains()
    {
        using var directory = new TemporaryDirectory();
        string[] common = ["train", "--data", "temporal-order:12", "--count", "64", "--cell", "gru", "--epochs", "1", "--threads", "1"];
        var old = RecurrentCli.Run([.. common, "--hidden", "4", "--batch", "16", "--lr", "0.01", "--gru-reset-before", "--bptt", "3,5",
            "--out", directory.File("old.model")]);
        var current = RecurrentCli.Run([.. common, "--hidden-size", "4", "--batch-size", "16", "--learning-rate", "0.01",
            "--gru-linear-before-reset", "false", "--truncation-stride", "3", "--truncation-steps", "5", "--out", directory.File("new.model")]);

        Assert.Equal(0, old.ExitCode);
        Assert.Equal(0, current.ExitCode);
        Assert.Contains("--hidden is deprecated; use --hidden-size.", old.Error);
        Assert.Contains("--gru-reset-before is deprecated; use --gru-linear-before-reset false.", old.Error);
        Assert.Contains("--bptt is deprecated; use --truncation-steps K2 and --truncation-stride K1 for K1,K2 (neither for full).", old.Error);
        Assert.DoesNotContain("deprecated", current.Error);
        Assert.Equal(File.ReadAllBytes(directory.File("new.model")), File.ReadAllBytes(directory.File("old.model")));
    }

    [Fact]
    public void An_option_given_under_its_name_and_its_deprecated_flag_exits_with_code_two()
    {
        using var directory = new TemporaryDirectory();
        var result = RecurrentCli.Run("train", "--data", "seed-toy", "--hidden", "4", "--hidden-size", "8", "--out", directory.File("m.model"));
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--hidden: --hidden-size gives the same option (--hidden-size); give it once.", result.Error);
    }

    [Fact]
    public void Corrupt_model_file_exits_with_code_two()
    {
        using var directory = new TemporaryDirectory();
        var path = directory.File("broken.model");
        File.WriteAllText(path, "RECURRNT and then nothing useful");
        var result = RecurrentCli.Run("evaluate", "--model", path, "--data", "seed-toy");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("broken.model", result.Error);
    }

    [Fact]
    public void A_corrupt_onnx_file_exits_with_code_two_naming_the_file_and_onnx_runtimes_reason()
    {
        using var directory = new TemporaryDirectory();
        var path = directory.File("broken.onnx");
        File.WriteAllBytes(path, [0x08, 0x08, 0x12, 0xFF, 0xFF]);
        var result = RecurrentCli.Run("predict", "--model", path, "--data", "seed-toy");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"{path}: ONNX Runtime cannot load this model: [ErrorCode:InvalidProtobuf]", result.Error);
    }

    [Fact]
    public void A_diverged_run_still_prints_valid_json_with_null_for_infinite_losses()
    {
        using var directory = new TemporaryDirectory();
        var result = RecurrentCli.Run("train", "--data", "adding:60", "--count", "64", "--cell", "rnn", "--activation", "relu",
            "--init", "identity", "--optimizer", "sgd", "--lr", "10", "--epochs", "2", "--batch", "16", "--out",
            directory.File("diverged.model"), "--json");
        Assert.True(result.ExitCode == 0, result.Error);
        Assert.True(result.Json.GetProperty("nonfinite_steps").GetInt64() > 0);
        var loss = result.Json.GetProperty("test_loss");
        Assert.True(loss.ValueKind == System.Text.Json.JsonValueKind.Null || double.IsFinite(loss.GetDouble()));
    }

    [Fact]
    public void Predict_reads_records_without_labels_while_evaluate_still_needs_them()
    {
        using var directory = new TemporaryDirectory();
        var model = directory.File("reviews.model");
        var examples = Path.Combine(RepositoryPaths.Root, "examples", "reviews.csv");
        Assert.Equal(0, RecurrentCli.Run("train", "--data", examples, "--cell", "gru", "--hidden", "8", "--epochs", "3",
            "--out", model, "--json").ExitCode);
        var unlabelledCsv = directory.File("new.csv");
        File.WriteAllText(unlabelledCsv, "text\nwhat a wonderful film\n\"dull, slow and boring\"\n");
        var unlabelledJsonl = directory.File("new.jsonl");
        File.WriteAllText(unlabelledJsonl, "{\"tokens\": [\"great\", \"fun\"]}\n{\"tokens\": [\"boring\"]}\n{\"tokens\": [\"slow\"]}\n");

        foreach (var (file, count) in new[] { (unlabelledCsv, 2), (unlabelledJsonl, 3) })
        {
            var predict = RecurrentCli.Run("predict", "--model", model, "--data", file, "--json");
            Assert.True(predict.ExitCode == 0, predict.Error);
            var labels = predict.Json.GetProperty("predictions").EnumerateArray().Select(p => p.GetProperty("label").GetString()).ToArray();
            Assert.Equal(count, labels.Length);
            Assert.All(labels, label => Assert.Contains(label, new[] { "neg", "pos" }));
        }
        var limited = RecurrentCli.Run("predict", "--model", model, "--data", unlabelledJsonl, "--count", "1", "--json");
        Assert.Single(limited.Json.GetProperty("predictions").EnumerateArray());

        var evaluate = RecurrentCli.Run("evaluate", "--model", model, "--data", unlabelledJsonl);
        Assert.Equal(2, evaluate.ExitCode);
        Assert.Contains("line 1, field 'label': missing label", evaluate.Error);
    }
}

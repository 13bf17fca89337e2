namespace Recurrent.Integration.Tests.Dashboards;

/// <summary>The shipped Prometheus config, rules and rule unit tests, checked by the real promtool.</summary>
public sealed class PromToolTests
{
    [Fact]
    public void Config_passes_promtool_check_config_with_its_rule_file()
    {
        var (exitCode, output) = PromTool.Run("check", "config", RepositoryFiles.PrometheusConfig);

        Assert.True(exitCode == 0, output);
        Assert.Contains("1 rule files found", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Rules_pass_promtool_check_rules()
    {
        var (exitCode, output) = PromTool.Run("check", "rules", RepositoryFiles.Rules);

        Assert.True(exitCode == 0, output);
        var names = RuleFiles.RuleNames(File.ReadAllText(RepositoryFiles.Rules));
        Assert.Contains($"SUCCESS: {names.Count} rules found", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Rule_unit_tests_pass_promtool_test_rules()
    {
        var (exitCode, output) = PromTool.Run("test", "rules", RepositoryFiles.RulesTests);

        Assert.True(exitCode == 0, output);
        Assert.Contains("SUCCESS", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("recurrent_grad_vanishing_log10_ratio) < -5", "recurrent_grad_vanishing_log10_ratio) < -7")] // vanishing level
    [InlineData("  ) < -5", "  ) < -8")] // vanishing level per path
    [InlineData("recurrent_grad_path_vanishing_log10_ratio{layer=\"0\", direction=\"forward\"}", "recurrent_grad_path_vanishing_log10_ratio{layer=\"9\"}")] // the global alert's own path
    [InlineData("unit=\"f\"}) > 0.5", "unit=\"f\"}) > 0.85")] // forget-gate saturation level
    [InlineData("unit=\"relu_dead\"}) > 0.5", "unit=\"relu_dead\"}) > 0.8")] // dead ReLU level
    [InlineData("> 0.1", "> 1")] // update ratio, too large
    [InlineData("1e-3 * quantile by (run)", "1e-5 * quantile by (run)")] // update ratio, frozen beside the run's median
    [InlineData("block=~\"W_.*\"", "block=~\".*\"")] // biases left out of the update ratio
    [InlineData("> 0.5", "> 0.9")] // clip-rate level
    [InlineData("> 10 * max by (run)", "> 1000 * max by (run)")] // norm far above the threshold
    [InlineData("increase(recurrent_grad_nonfinite_steps_total[5m])) > 0", "increase(recurrent_grad_nonfinite_steps_total[5m])) > 1")]
    [InlineData("increase(recurrent_train_steps_total[10m])) > 0", "increase(recurrent_train_steps_total[10m])) >= 0")] // stall
    [InlineData("recurrent_run_info{state=\"running\"}", "recurrent_run_info")] // stall: finished runs never stall
    [InlineData("histogram_quantile(0.99,", "histogram_quantile(0.9,")] // p99 recording rule
    public void Rule_unit_tests_fail_when_a_rule_changes(string original, string changed)
    {
        var directory = Directory.CreateTempSubdirectory("recurrent-rules-");
        try
        {
            var rules = File.ReadAllText(RepositoryFiles.Rules);
            Assert.Contains(original, rules, StringComparison.Ordinal);
            File.WriteAllText(Path.Combine(directory.FullName, "rules.yml"), rules.Replace(original, changed, StringComparison.Ordinal));
            var testsCopy = Path.Combine(directory.FullName, "rules.test.yml");
            File.Copy(RepositoryFiles.RulesTests, testsCopy);

            var (exitCode, output) = PromTool.Run("test", "rules", testsCopy);

            Assert.True(exitCode != 0, $"promtool test rules still passed with '{changed}' instead of '{original}':\n{output}");
            Assert.Contains("FAILED", output, StringComparison.Ordinal);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public void Every_rule_has_unit_tests_firing_and_quiet()
    {
        var names = RuleFiles.RuleNames(File.ReadAllText(RepositoryFiles.Rules));
        var coverage = RuleFiles.TestCoverage(File.ReadAllText(RepositoryFiles.RulesTests));

        Assert.Equal(12, names.Count);
        foreach (var (kind, name) in names)
        {
            if (kind == "alert")
            {
                Assert.True(coverage.FiringAlerts.Contains(name), $"alert {name} has no test where it fires");
                Assert.True(coverage.QuietAlerts.Contains(name), $"alert {name} has no test where it does not fire");
            }
            else
            {
                Assert.True(coverage.TestedRecords.Contains(name), $"recording rule {name} has no expression test with samples");
            }
        }
    }
}

using System.Numerics;
using Microsoft.ML;
using Recurrent.Trainer.Cells;
using Recurrent.Trainer.Kernels;
using Recurrent.Trainer.Layers;
using Recurrent.Trainer.Training;

namespace Recurrent.Trainer.Tests.Training;

/// <summary>The seeds' remedies that are engine options: Pascanu et al.'s Ω and the echo state network.</summary>
public class RemedyOptionTests
{
    [Fact]
    public void Omega_with_one_hidden_unit_is_the_seeds_factor_tanh_prime_times_w_h_pushed_towards_one()
    {
        // With H = 1, ‖a ∂h_{k+1}/∂h_k‖/‖a‖ = |tanh'(a_{k+1}) w_h|: Ω = Σ_k (|tanh'(a_{k+1}) w_h| − 1)².
        var data = EngineFixtures.NumericData(3, 2, [4, 2, 3], HeadKind.Binary, 2, seed: 5);
        var options = new SequenceModelOptions { Cell = RecurrentCellKind.Rnn, HiddenSize = 1, UseBias = false, Seed = 2 };
        var network = EngineFixtures.Network(options, data);
        var batch = EngineFixtures.Batch(data);
        var plain = network.ComputeGradients(batch, null, null, 1);
        var plainGradient = network.Parameters.Single(p => p.Name == "layer0.W_hh").Gradient[0];
        const float weight = 0.5f;
        var regularised = network.ComputeGradients(batch, null, null, 1, weight);
        var regularisedGradient = network.Parameters.Single(p => p.Name == "layer0.W_hh").Gradient[0];

        double wx0 = network.Parameters.Single(p => p.Name == "layer0.W_xh").Value[0];
        double wx1 = network.Parameters.Single(p => p.Name == "layer0.W_xh").Value[1];
        double wh = network.Parameters.Single(p => p.Name == "layer0.W_hh").Value[0];
        double omega = 0, omegaGradient = 0;
        foreach (var example in data.Examples)
        {
            var h = 0.0;
            for (var t = 0; t < example.Length; t++)
            {
                h = Math.Tanh(wx0 * example.Features![2 * t] + wx1 * example.Features[2 * t + 1] + wh * h);
                if (t == 0)
                    continue;
                var derivative = 1 - h * h;
                var factor = Math.Abs(derivative * wh) - 1;
                omega += factor * factor;
                omegaGradient += 2 * factor * derivative * Math.Sign(wh);
            }
        }
        omega /= data.Count;
        omegaGradient /= data.Count;
        Assert.Equal(plain + weight * omega, regularised, 1e-5);
        Assert.Equal(plainGradient + weight * omegaGradient, regularisedGradient, 1e-5);
    }

    [Fact]
    public void Omega_with_more_workers_than_the_rows_fill_matches_one_worker()
    {
        // Five rows over four workers: ⌈5/4⌉ = 2 rows each leaves the fourth worker none. Its Ω sums must count as
        // zero (they once were read unset and threw). The plan splits one part per thread, as it did then.
        using var plan = KernelPlan.Use(KernelPlan.Detected with { RecurrentTileRows = 0 });
        var data = EngineFixtures.NumericData(5, 2, [6, 4, 5, 3, 6], HeadKind.Binary, 2, seed: 3);
        var options = new SequenceModelOptions { Cell = RecurrentCellKind.Rnn, HiddenSize = 3, Seed = 4 };
        var network = EngineFixtures.Network(options, data);
        var batch = EngineFixtures.Batch(data);
        var oneLoss = network.ComputeGradients(batch, null, null, 1, 0.5f);
        var one = (float[])network.Parameters.Single(p => p.Name == "layer0.W_hh").Gradient.Clone();
        var fourLoss = network.ComputeGradients(batch, null, null, 4, 0.5f);
        var four = network.Parameters.Single(p => p.Name == "layer0.W_hh").Gradient;
        Assert.Equal(oneLoss, fourLoss, 1e-12);
        for (var i = 0; i < one.Length; i++)
            Assert.Equal(one[i], four[i], 1e-6f);
    }

    [Fact]
    public void Omega_is_refused_for_gated_cells()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            new SequenceModelTrainer(new SequenceModelOptions { Cell = RecurrentCellKind.Lstm, OmegaWeight = 1 }));
        Assert.Contains("OmegaWeight applies to the rnn cell only", error.Message);
    }

    [Theory]
    [InlineData(0.9f)]
    [InlineData(0.5f)]
    public void Echo_state_reservoir_has_the_requested_spectral_radius(float radius)
    {
        // A 2×2 reservoir: its eigenvalues are (tr ± √(tr² − 4 det)) / 2, so ρ is known in closed form.
        var data = EngineFixtures.NumericData(2, 1, [3], HeadKind.Binary, 2, seed: 1);
        var options = new SequenceModelOptions
        {
            Cell = RecurrentCellKind.Rnn,
            HiddenSize = 2,
            RecurrentInit = RecurrentInit.EchoState,
            SpectralRadius = radius,
            Seed = 9,
        };
        var w = new SequenceModelTrainer(options).Initialize(data).Parameters.Single(p => p.Name == "layer0.W_hh").Value;
        double trace = w[0] + w[3], determinant = (double)w[0] * w[3] - (double)w[1] * w[2];
        var root = Complex.Sqrt(trace * trace - 4 * determinant);
        var rho = Math.Max(Complex.Abs((trace + root) / 2), Complex.Abs((trace - root) / 2));
        Assert.Equal(radius, rho, 3e-3);
    }

    [Theory]
    [InlineData(RecurrentInit.Orthogonal)]
    [InlineData(RecurrentInit.EchoState)]
    public void A_cancel_named_for_the_thread_stops_the_cubic_initialisations(RecurrentInit init)
    {
        // Gram–Schmidt is O(H^3): minutes at H = 4096, before the first step's own cancel checks.
        var data = EngineFixtures.NumericData(2, 1, [3], HeadKind.Binary, 2, seed: 1);
        var trainer = new SequenceModelTrainer(new SequenceModelOptions { Cell = RecurrentCellKind.Rnn, HiddenSize = 8, RecurrentInit = init });
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        using (StepCancellation.Enter(cancelled.Token))
            Assert.ThrowsAny<OperationCanceledException>(() => trainer.Initialize(data));
        Assert.NotNull(trainer.Initialize(data)); // the scope is gone: the same call initialises
    }

    [Fact]
    public void Echo_state_network_trains_only_the_readout()
    {
        var data = EngineFixtures.NumericData(32, 2, [8, 5], HeadKind.Binary, 2, seed: 3);
        var options = new SequenceModelOptions
        {
            Cell = RecurrentCellKind.Rnn,
            HiddenSize = 16,
            RecurrentInit = RecurrentInit.EchoState,
            FreezeRecurrent = true,
            Epochs = 3,
            BatchSize = 8,
            WeightDecay = 0.01f,
            LearningRate = 0.05f,
        };
        var trainer = new SequenceModelTrainer(options);
        var initial = trainer.Initialize(data).Parameters.ToDictionary(p => p.Name, p => (float[])p.Value.Clone());
        var observer = new RecordingObserver();
        var model = trainer.Fit(data, observer: observer);
        foreach (var p in model.Parameters)
        {
            if (p.Group == "head")
                Assert.NotEqual(initial[p.Name], p.Value);
            else
                Assert.Equal(initial[p.Name], p.Value);
        }
        Assert.All(observer.Steps, s => Assert.Equal(0.0, s.GroupNorms[Array.IndexOf(["W_xh", "W_hh", "b", "head"], "W_hh")]));
    }
}

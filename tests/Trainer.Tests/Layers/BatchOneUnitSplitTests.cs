using Microsoft.ML;
using Recurrent.Trainer.Kernels;
using Recurrent.Trainer.Layers;
using Recurrent.Trainer.Tensors;

namespace Recurrent.Trainer.Tests.Layers;

/// <summary>
/// A batch of one inferred on more than one thread splits each layer's units between the caller and a helper of the
/// inference team (RecurrentDirection.UnitSplit.cs): its logits must be one thread's bit for bit, for the cells it
/// covers (LSTM, Elman), forward and reverse, on a quiet machine, with the team busy elsewhere, and
/// with the machine's cores kept busy (a helper taken off its core: the caller takes its half back). The vector width
/// is the process's: run the class once more with DOTNET_EnableAVX512=0 for the AVX2 path. One collection with
/// <see cref="InferenceTests"/>: both hold the process's one team and test what happens when it is busy.
/// </summary>
[Collection(InferenceTeamCollection.Name)]
public class BatchOneUnitSplitTests
{
    [Theory]
    [InlineData(RecurrentCellKind.Lstm, 16, false)]
    [InlineData(RecurrentCellKind.Lstm, 128, true)]
    [InlineData(RecurrentCellKind.Lstm, 512, false)]
    [InlineData(RecurrentCellKind.Lstm, 37, true)]
    [InlineData(RecurrentCellKind.Rnn, 16, true)]
    [InlineData(RecurrentCellKind.Rnn, 128, false)]
    [InlineData(RecurrentCellKind.Rnn, 512, false)]
    public void A_batch_of_one_on_two_threads_gives_one_threads_bits(RecurrentCellKind cell, int hidden, bool bidirectional)
    {
        using var split = new SplitSmallModels(always: true); // every pass splits: the back-off is UnitSplitBackOffTests'
        foreach (var length in new[] { 7, 4 })
        {
            var (network, sequences) = Model(cell, hidden, bidirectional, length);
            network.Infer(sequences, 1);
            var oneThread = network.Logits.ToArray();
            // Another test class's inference may hold the team for a round (then this one runs on one thread).
            var passes = RecurrentDirection.UnitSplitPasses;
            for (var round = 0; round < 3 || (RecurrentDirection.UnitSplitPasses == passes && round < 100); round++)
            {
                network.Infer(sequences, 2);
                Assert.Equal(oneThread, network.Logits.ToArray());
            }
            if (Environment.ProcessorCount > 1)
                Assert.True(RecurrentDirection.UnitSplitPasses > passes);
        }
    }

    // Below the threshold (H = 16 by default) and for the GRU a batch of one stays on one thread.
    [Theory]
    [InlineData(RecurrentCellKind.Gru, 512)]
    [InlineData(RecurrentCellKind.Lstm, 16)]
    public void What_the_split_does_not_cover_runs_on_one_thread_with_its_bits(RecurrentCellKind cell, int hidden)
    {
        var (network, sequences) = Model(cell, hidden, bidirectional: false, 5);
        network.Infer(sequences, 1);
        var oneThread = network.Logits.ToArray();
        network.Infer(sequences, 2);
        Assert.Equal(oneThread, network.Logits.ToArray());
    }

    // The team held by another thread's hand-off: the batch of one runs on one thread, with the same bits, and starts
    // nothing on the team.
    [Fact]
    public void A_batch_of_one_while_the_team_is_busy_runs_on_one_thread_with_the_same_bits()
    {
        using var split = new SplitSmallModels();
        var (network, sequences) = Model(RecurrentCellKind.Lstm, 64, bidirectional: false, 6);
        network.Infer(sequences, 1);
        var oneThread = network.Logits.ToArray();
        network.Infer(sequences, 2);
        if (InferenceTeam.Created is not { } team)
            return; // one core: no team
        using var held = new HeldTeam(team);
        var handOffs = team.HandOffs;
        network.Infer(sequences, 2);
        Assert.Equal(oneThread, network.Logits.ToArray());
        Assert.Equal(handOffs, team.HandOffs);
        Assert.True(held.Release());
    }

    // Threads spinning on every core while the split runs many passes: the helper is taken off its core at any
    // point of a step (claimed and unfinished, publishing, late from an earlier pass), and the caller takes its
    // halves back. Every pass must still give one thread's bits.
    [Theory]
    [InlineData(RecurrentCellKind.Lstm, 128)]
    [InlineData(RecurrentCellKind.Rnn, 64)]
    public void A_batch_of_one_on_a_loaded_machine_gives_one_threads_bits(RecurrentCellKind cell, int hidden)
    {
        using var split = new SplitSmallModels(always: true); // every pass splits, however little the helper does
        var (network, sequences) = Model(cell, hidden, bidirectional: true, 9);
        network.Infer(sequences, 1);
        var oneThread = network.Logits.ToArray();
        using var busy = new BusyCores();
        for (var round = 0; round < 200; round++)
        {
            network.Infer(sequences, 2);
            Assert.Equal(oneThread, network.Logits.ToArray());
        }
    }

    // With the back-off on (the default), a loaded machine still gets one thread's bits whichever way each pass goes.
    [Fact]
    public void A_batch_of_one_with_the_back_off_gives_one_threads_bits_on_a_loaded_machine()
    {
        using var split = new SplitSmallModels();
        var (network, sequences) = Model(RecurrentCellKind.Lstm, 64, bidirectional: true, 9);
        network.Infer(sequences, 1);
        var oneThread = network.Logits.ToArray();
        using var busy = new BusyCores();
        var passes = RecurrentDirection.UnitSplitPasses;
        for (var round = 0; round < 100; round++)
        {
            network.Infer(sequences, 2);
            Assert.Equal(oneThread, network.Logits.ToArray());
        }
        if (Environment.ProcessorCount > 1)
            Assert.True(RecurrentDirection.UnitSplitPasses > passes);
    }

    /// <summary>The calling thread's split settings for one test: every hidden size from 2 splits (and, with
    /// <c>always</c>, every pass, without the back-off), as before once disposed.</summary>
    private sealed class SplitSmallModels : IDisposable
    {
        private readonly int _minimumHidden = RecurrentDirection.UnitSplitMinimumHidden;
        private readonly bool _always = RecurrentDirection.UnitSplitAlways;

        public SplitSmallModels(bool always = false)
        {
            RecurrentDirection.UnitSplitMinimumHidden = 2;
            RecurrentDirection.UnitSplitAlways = always;
        }

        public void Dispose()
        {
            RecurrentDirection.UnitSplitMinimumHidden = _minimumHidden;
            RecurrentDirection.UnitSplitAlways = _always;
        }
    }

    /// <summary>A thread spinning on every core until disposed: the split's helper waits for a core at any point.</summary>
    private sealed class BusyCores : IDisposable
    {
        private readonly Thread[] _threads;
        private volatile bool _stop;

        public BusyCores()
        {
            _threads = [.. Enumerable.Range(0, Environment.ProcessorCount).Select(_ => new Thread(() =>
            {
                while (!_stop)
                    Thread.SpinWait(1000);
            })
            { IsBackground = true })];
            foreach (var thread in _threads)
                thread.Start();
        }

        public void Dispose()
        {
            _stop = true;
            foreach (var thread in _threads)
                thread.Join();
        }
    }

    private static (SequenceNetwork Network, SequenceBatch Batch) Model(RecurrentCellKind cell, int hidden,
        bool bidirectional, int length)
    {
        var options = new SequenceModelOptions
        {
            Cell = cell,
            HiddenSize = hidden,
            Layers = 2,
            Bidirectional = bidirectional,
            Seed = 7,
            Threads = 1,
        };
        // One example of `length` steps: a batch of one.
        var data = EngineFixtures.NumericData(1, 5, [length], HeadKind.MultiClass, 3, seed: 11);
        return (EngineFixtures.Network(options, data), EngineFixtures.Batch(data));
    }
}

/// <summary>The tests that hold the process's inference team, or need it free, run one at a time.</summary>
[CollectionDefinition(Name)]
public sealed class InferenceTeamCollection
{
    public const string Name = "The inference team";
}

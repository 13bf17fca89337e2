using Microsoft.ML;
using Recurrent.Trainer.Cells;
using Recurrent.Trainer.Layers;
using Recurrent.Trainer.Models;
using Recurrent.Trainer.Training;

namespace Recurrent.Trainer.Tests.Models;

public class DeterminismAndModelFileTests
{
    private static SequenceModel Train(int seed, int threads)
    {
        var data = EngineFixtures.TokenData(40, 12, [6, 3, 8], HeadKind.MultiClass, 3, seed: 9);
        var options = new SequenceModelOptions
        {
            Cell = RecurrentCellKind.Gru,
            HiddenSize = 8,
            Bidirectional = true,
            Epochs = 2,
            BatchSize = 16,
            Seed = seed,
            Threads = threads,
            ClipNorm = 1f,
        };
        return new SequenceModelTrainer(options).Fit(data);
    }

    [Fact]
    public void Same_seed_gives_bit_identical_weights_whatever_the_thread_count()
    {
        var a = Train(seed: 5, threads: 1);
        var b = Train(seed: 5, threads: 2);
        var c = Train(seed: 6, threads: 2);
        for (var i = 0; i < a.Parameters.Count; i++)
            Assert.Equal(a.Parameters[i].Value, b.Parameters[i].Value);
        Assert.NotEqual(a.Parameters[^1].Value, c.Parameters[^1].Value);
    }

    [Fact]
    public void Saved_model_loads_with_identical_weights_and_predictions()
    {
        var model = Train(seed: 5, threads: 2);
        var path = Path.Combine(Path.GetTempPath(), $"recurrent-{Guid.NewGuid():N}.model");
        try
        {
            model.Save(path);
            var loaded = SequenceModel.Load(path);
            for (var i = 0; i < model.Parameters.Count; i++)
                Assert.Equal(model.Parameters[i].Value, loaded.Parameters[i].Value);
            var sample = EngineFixtures.TokenData(3, 12, [5], HeadKind.MultiClass, 3, seed: 77).Examples;
            var expected = model.PredictBatch(sample);
            var actual = loaded.PredictBatch(sample);
            for (var i = 0; i < expected.Length; i++)
                Assert.Equal(expected[i].Probabilities, actual[i].Probabilities);
            Assert.Equal(model.Vocabulary!.Tokens, loaded.Vocabulary!.Tokens);
            Assert.Equal(model.Labels.ClassNames, loaded.Labels.ClassNames);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Corrupt_truncated_and_foreign_files_give_clear_errors()
    {
        var model = Train(seed: 5, threads: 1);
        var path = Path.Combine(Path.GetTempPath(), $"recurrent-{Guid.NewGuid():N}.model");
        try
        {
            model.Save(path);
            var bytes = File.ReadAllBytes(path);

            File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
            Assert.Contains("corrupt or truncated", Assert.Throws<InvalidDataException>(() => SequenceModel.Load(path)).Message);

            var flipped = (byte[])bytes.Clone();
            flipped[bytes.Length / 2] ^= 0x40;
            File.WriteAllBytes(path, flipped);
            Assert.Contains("checksum", Assert.Throws<InvalidDataException>(() => SequenceModel.Load(path)).Message);

            File.WriteAllText(path, "label,text\n1,hello\n");
            Assert.Contains("not a Recurrent model file", Assert.Throws<InvalidDataException>(() => SequenceModel.Load(path)).Message);

            var future = (byte[])bytes.Clone();
            future[8] = 99;
            File.WriteAllBytes(path, future);
            Assert.Contains("format 99 is not supported", Assert.Throws<InvalidDataException>(() => SequenceModel.Load(path)).Message);

            Assert.Contains("cannot read", Assert.Throws<InvalidDataException>(() => SequenceModel.Load(path + ".missing")).Message);
        }
        finally
        {
            File.Delete(path);
        }
    }
}

namespace Recurrent.Trainer.Tests.Reference;

/// <summary>The parameter names and row-major shapes of the contract, in a fixed order.</summary>
public static class ReferenceParameterLayout
{
    public const string Embedding = "embedding";
    public const string HeadWeight = "head.W";
    public const string HeadBias = "head.b";

    /// <summary>"layer{l}." for the forward direction (0), "layer{l}_reverse." for the reverse one (1).</summary>
    public static string Prefix(int layer, int direction) =>
        direction == 0 ? $"layer{layer}." : $"layer{layer}_reverse.";

    public static IReadOnlyList<(string Name, int[] Shape)> For(ReferenceConfig config)
    {
        config.Validate();
        var layout = new List<(string, int[])>();
        if (config.Input == ReferenceInputKind.Tokens)
        {
            layout.Add((Embedding, [config.VocabularySize, config.EmbeddingSize]));
        }

        int gateRows = config.GateCount * config.HiddenSize;
        for (int layer = 0; layer < config.Layers; layer++)
        {
            for (int direction = 0; direction < config.Directions; direction++)
            {
                string prefix = Prefix(layer, direction);
                layout.Add((prefix + "W_xh", [gateRows, config.LayerInputSize(layer)]));
                layout.Add((prefix + "W_hh", [gateRows, config.HiddenSize]));
                if (config.UseBias)
                {
                    layout.Add((prefix + "b_xh", [gateRows]));
                    layout.Add((prefix + "b_hh", [gateRows]));
                }

                if (config.SkipUpdates)
                {
                    // The update gate's bias is there whatever UseBias says: it decides how often the gate opens.
                    layout.Add((prefix + "W_p", [1, config.SkipStateWidth]));
                    layout.Add((prefix + "b_p", [1]));
                }
            }
        }

        layout.Add((HeadWeight, [config.OutputCount, config.Directions * config.HiddenSize]));
        if (config.UseBias)
        {
            layout.Add((HeadBias, [config.OutputCount]));
        }

        return layout;
    }

    public static int ElementCount(int[] shape)
    {
        int count = 1;
        foreach (int dimension in shape)
        {
            count *= dimension;
        }

        return count;
    }
}

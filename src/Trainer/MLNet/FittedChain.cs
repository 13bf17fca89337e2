using Microsoft.ML;
using Microsoft.ML.Data;

namespace Recurrent.Trainer.MLNet;

/// <summary>
/// Builds a fitted model of ML.NET's own transformers one step at a time, each estimator fitted on an empty view of
/// the schema the steps before it give (the builders' transforms learn nothing from rows: their key values and
/// weights are given).
/// </summary>
internal sealed class FittedChain(DataViewSchema input)
{
    private readonly List<ITransformer> _transformers = [];
    private DataViewSchema _schema = input;

    /// <summary>Fits <paramref name="estimator"/> on the schema so far and appends it.</summary>
    public FittedChain Fit(IEstimator<ITransformer> estimator) => Add(estimator.Fit(new EmptyDataView(_schema)));

    /// <summary>Appends a transformer fitted elsewhere.</summary>
    public FittedChain Add(ITransformer transformer)
    {
        _transformers.Add(transformer);
        _schema = transformer.GetOutputSchema(_schema);
        return this;
    }

    /// <summary>An empty view with the schema so far, to fit a trainer on it by other means.</summary>
    public IDataView Shaped() => new EmptyDataView(_schema);

    public TransformerChain<ITransformer> Build() => new([.. _transformers]);
}

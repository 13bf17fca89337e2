using Microsoft.Data.Sqlite;
using Recurrent.Host.Tests.Support;

namespace Recurrent.Host.Tests.Service.Predictions;

/// <summary>
/// Predictions are bounded by the engine's account of the run's network, built from the run's stored request: a
/// request whose cell this build cannot read is a 422 saying so, not a prediction sized as if it were an LSTM.
/// </summary>
public sealed class PredictSizeTests
{
    [Fact]
    public async Task A_run_whose_stored_cell_cannot_be_read_is_refused_with_a_422_naming_the_cell()
    {
        await using var service = await ServiceProcess.StartAsync(ServiceProcess.NewDataDir());
        var client = service.Client;
        var id = (long)(await client.CreateRunAsync(new { data = "adding:8", count = 64, cell = "gru", hidden = 4, epochs = 1, batch = 16 }))["id"]!;
        await client.WaitStateAsync(id, "succeeded");
        var body = ApiClient.Json(new { records = new[] { new { steps = new[] { new[] { 0.5, 1.0 }, [0.2, 0.0] } } } });
        using (var answered = await client.PostAsync($"/api/runs/{id}/predict", body))
            Assert.Equal(System.Net.HttpStatusCode.OK, answered.StatusCode);

        using (var connection = new SqliteConnection($"Data Source={Path.Combine(service.DataDir, "recurrent.db")};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "UPDATE runs SET request = json_set(request, '$.cell', 'lstm2') WHERE id = $id;";
            command.Parameters.AddWithValue("$id", id);
            Assert.Equal(1, command.ExecuteNonQuery());
        }

        await Expect.ProblemAsync(client.PostAsync($"/api/runs/{id}/predict", body), 422, null, "its stored request cannot be read (cell:");
    }
}

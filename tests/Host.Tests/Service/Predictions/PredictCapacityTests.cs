using System.Net;
using System.Net.Sockets;
using System.Text;
using Recurrent.Host.Tests.Support;

namespace Recurrent.Host.Tests.Service.Predictions;

/// <summary>
/// A prediction slot is held only by a client that is there and sending: a client that goes away stops its
/// prediction (the next request gets the slot, not a 429), a body that trickles in below the minimum rate or past the
/// deadline loses it with a 408, and a dilated model's padding counts in the bound of a record.
/// </summary>
public sealed class PredictCapacityTests
{
    [Fact]
    public async Task A_client_that_goes_away_or_trickles_its_body_loses_its_slot()
    {
        await using var service = await ServiceProcess.StartAsync(ServiceProcess.NewDataDir(), extraArgs:
        [
            "--Recurrent:Predict:MaxConcurrent=1", "--Recurrent:Predict:QueueTimeoutSeconds=60", "--Recurrent:Predict:MaxSteps=2000000",
            "--Recurrent:Predict:ChunkBytes=1048576", "--Recurrent:MinRequestBodyBytesPerSecond=2000", "--Recurrent:RequestTimeoutSeconds=12",
        ]);
        var client = service.Client;
        // An untrained LSTM of 2048 units (written at once): each step reads its 67 MB of recurrent weights, so 100
        // records of 1000 steps take minutes on any machine, far past the queue's wait of 60 s.
        var run = await client.CreateRunAsync(new { data = "adding:10", count = 16, hidden = 2048, epochs = 1, max_steps = 0 });
        var id = (long)run["id"]!;
        await client.WaitStateAsync(id, "succeeded");
        const string One = "{\"records\":[{\"steps\":[[0.5,1]]}]}";
        using (var warm = await client.PostAsync($"/api/runs/{id}/predict", ApiClient.Json(One))) // the engine loaded
            Assert.Equal(HttpStatusCode.OK, warm.StatusCode);
        var heavy = "{\"records\":[" + string.Join(",", Enumerable.Repeat("{\"steps\":[" + string.Join(",", Enumerable.Repeat("[0.5,1]", 1000)) + "]}", 100)) + "]}";

        using (var gone = new CancellationTokenSource())
        {
            // The client goes away once the prediction is under way, whatever the machine's speed: once the service
            // has spent 2 s of CPU on it (reading the body takes milliseconds), it holds the slot and computes.
            var cpuBefore = ProcessStatus.CpuSeconds(service.ProcessId);
            var abandoned = client.PostAsync($"/api/runs/{id}/predict", ApiClient.Json(heavy), gone.Token);
            var deadline = DateTime.UtcNow.AddMinutes(5);
            while (ProcessStatus.CpuSeconds(service.ProcessId) < cpuBefore + 2)
            {
                Assert.False(abandoned.IsCompleted, "the heavy prediction ended before the client went away");
                Assert.True(DateTime.UtcNow < deadline, "the heavy prediction never got under way");
                await Task.Delay(50);
            }
            gone.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => abandoned);
        }
        // The only slot is free again within the queue's wait (not a 429): the abandoned prediction stopped.
        using (var next = await client.PostAsync($"/api/runs/{id}/predict", ApiClient.Json(One)))
            Assert.Equal(HttpStatusCode.OK, next.StatusCode);

        // A body at 100 bytes a second, under the minimum of 2000: a 408 after the grace period, and the slot is free.
        var (status, _) = await TrickleAsync(service.Port, $"/api/runs/{id}/predict", bytesPerSecond: 100, seconds: 30);
        Assert.Equal(408, status);
        // Fast enough, but past the request's deadline of 12 s.
        (status, var body) = await TrickleAsync(service.Port, $"/api/runs/{id}/predict", bytesPerSecond: 4000, seconds: 40);
        Assert.Equal(408, status);
        Assert.Contains("Recurrent:RequestTimeoutSeconds", body, StringComparison.Ordinal);
        using (var after = await client.PostAsync($"/api/runs/{id}/predict", ApiClient.Json(One)))
            Assert.Equal(HttpStatusCode.OK, after.StatusCode);
    }

    [Fact]
    public async Task A_dilated_models_padding_counts_in_a_records_bound()
    {
        await using var service = await ServiceProcess.StartAsync(ServiceProcess.NewDataDir(), extraArgs: ["--Recurrent:Predict:MaxRecordBytes=1048576"]);
        var client = service.Client;
        var run = await client.CreateRunAsync(new { data = "adding:10", count = 16, hidden = 64, dilations = new[] { 1, 2000 }, epochs = 1, max_steps = 0 });
        var id = (long)run["id"]!;
        await client.WaitStateAsync(id, "succeeded");
        // One step, padded to 2000 in the second layer: the bound refuses it as the 2000 steps it takes.
        await Expect.ProblemAsync(client.PostAsync($"/api/runs/{id}/predict", ApiClient.Json("{\"records\":[{\"steps\":[[0.5,1]]}]}")),
            400, "records[0]", "1 steps need");
    }

    /// <summary>Sends a prediction's body at a fixed pace on a raw socket; returns the status the service answered with.</summary>
    private static async Task<(int Status, string Body)> TrickleAsync(int port, string path, int bytesPerSecond, int seconds)
    {
        using var socket = new TcpClient();
        await socket.ConnectAsync(IPAddress.Loopback, port);
        var stream = socket.GetStream();
        var body = Encoding.ASCII.GetBytes("{\"records\":[{\"steps\":[" + string.Join(",", Enumerable.Repeat("[0.5,1]", 100_000)) + "]}]}");
        var head = $"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {ServiceProcess.TestToken}\r\n" +
                   $"Content-Type: application/json\r\nContent-Length: {body.Length}\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
        var read = ReadResponseAsync(stream);
        var chunk = Math.Max(1, bytesPerSecond / 10);
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        try
        {
            for (var sent = 0; sent < body.Length && !read.IsCompleted && DateTime.UtcNow < deadline; sent += chunk)
            {
                await stream.WriteAsync(body.AsMemory(sent, Math.Min(chunk, body.Length - sent)));
                await Task.Delay(100);
            }
        }
        catch (IOException)
        {
            // The service closed the connection on the trickle.
        }
        var response = await read.WaitAsync(TimeSpan.FromMinutes(2)); // the 408 comes from the service's own clocks
        var status = int.Parse(response.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        return (status, response);
    }

    private static async Task<string> ReadResponseAsync(NetworkStream stream)
    {
        var buffer = new byte[65536];
        var text = new StringBuilder();
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer)) > 0)
            {
                text.Append(Encoding.ASCII.GetString(buffer, 0, read));
                if (text.ToString().Contains("\r\n\r\n", StringComparison.Ordinal) && text.ToString().Contains('}'))
                    break;
            }
        }
        catch (IOException)
        {
        }
        return text.ToString();
    }
}

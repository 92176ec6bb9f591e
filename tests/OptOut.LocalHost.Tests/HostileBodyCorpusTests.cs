using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.DurableTask.Client;
using OptOut.Testing;

namespace OptOut.LocalHost.Tests;

/// <summary>Hundreds of malformed or hostile bodies: each one a 4xx problem+json, never a 5xx, and no case created.</summary>
public sealed class HostileBodyCorpusTests : LocalHostServerFixture
{
    [Fact]
    public async Task Every_hostile_body_is_a_4xx_problem_and_no_case_is_created()
    {
        var corpus = HostileBodyCorpus.Generate();
        Assert.True(corpus.Count >= 200, $"only {corpus.Count} bodies");

        var failures = new List<string>();
        using var gate = new SemaphoreSlim(4);
        await Task.WhenAll(corpus.Select(async body =>
        {
            await gate.WaitAsync();
            try
            {
                var content = new ByteArrayContent(body.Bytes);
                content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                using var response = await Host.Http.PostAsync("/api/cases", content);
                var text = await response.Content.ReadAsStringAsync();
                var status = (int)response.StatusCode;
                var problem = response.Content.Headers.ContentType?.MediaType == "application/problem+json" && IsProblem(text, status);
                if (status is < 400 or > 499 || !problem)
                {
                    lock (failures)
                    {
                        failures.Add($"{body.Name}: {status} {response.Content.Headers.ContentType} {text[..Math.Min(200, text.Length)]}");
                    }
                }
            }
            finally
            {
                gate.Release();
            }
        }));

        Assert.True(failures.Count == 0, $"{failures.Count} of {corpus.Count} bodies were not refused with a 4xx problem:\n{string.Join("\n", failures)}");

        var list = await Host.Http.GetAsync("/api/cases?pageSize=500");
        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        using (var doc = JsonDocument.Parse(await list.Content.ReadAsStringAsync()))
        {
            Assert.Equal(0, doc.RootElement.GetProperty("items").GetArrayLength());
        }

        await foreach (var instance in Host.Durable.GetAllInstancesAsync(new OrchestrationQuery()))
        {
            Assert.Fail($"An orchestration instance exists: {instance.InstanceId}");
        }

        Assert.DoesNotContain(Host.Logs.Lines, l => l.StartsWith("Error", StringComparison.Ordinal) || l.StartsWith("Critical", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_valid_body_the_corpus_starts_from_is_accepted()
    {
        var response = await Host.Http.PostCaseAsync(HostileBodyCorpus.Valid().ToJsonString());
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    private static bool IsProblem(string text, int status)
    {
        try
        {
            using var doc = JsonDocument.Parse(text);
            return doc.RootElement.GetProperty("status").GetInt32() == status && doc.RootElement.TryGetProperty("title", out _);
        }
        catch (JsonException)
        {
            return false;
        }
    }
}

using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using OptOut.Workflow.Intake;

namespace OptOut.LocalHost.Tests;

/// <summary>Request helpers and problem+json assertions.</summary>
internal static class Http
{
    public static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    public static string Json(CaseIntakeRequest request) => JsonSerializer.Serialize(request, Web);

    public static StringContent JsonContent(string body, string mediaType = "application/json") =>
        new(body, Encoding.UTF8, mediaType);

    public static Task<HttpResponseMessage> PostCaseAsync(this HttpClient http, string body, string mediaType = "application/json") =>
        http.PostAsync("/api/cases", JsonContent(body, mediaType));

    public static Task<HttpResponseMessage> PostCaseAsync(this HttpClient http, CaseIntakeRequest request) =>
        http.PostCaseAsync(Json(request));

    /// <summary>Asserts the status and that the body is application/problem+json with that status; returns the JSON.</summary>
    public static async Task<JsonElement> AssertProblemAsync(this HttpResponseMessage response, HttpStatusCode status)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"Expected {(int)status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var doc = JsonDocument.Parse(body);
        Assert.Equal((int)status, doc.RootElement.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(doc.RootElement.GetProperty("title").GetString()));
        return doc.RootElement.Clone();
    }

    /// <summary>A body sent with Transfer-Encoding: chunked (no Content-Length), written in pieces.</summary>
    public sealed class ChunkedContent : HttpContent
    {
        private readonly byte[] _bytes;

        public ChunkedContent(byte[] bytes, string mediaType = "application/json")
        {
            _bytes = bytes;
            Headers.ContentType = new MediaTypeHeaderValue(mediaType);
        }

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            for (var i = 0; i < _bytes.Length; i += 4096)
            {
                await stream.WriteAsync(_bytes.AsMemory(i, Math.Min(4096, _bytes.Length - i)));
                await stream.FlushAsync();
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}

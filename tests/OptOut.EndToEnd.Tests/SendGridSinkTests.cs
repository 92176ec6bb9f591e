using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using OptOut.Infrastructure.Email;
using OptOut.Testing;
using OptOut.Workflow.Notifications;
using SendGrid;
using SendGrid.Helpers.Mail;

namespace OptOut.EndToEnd.Tests;

/// <summary>The local host's SendGrid-compatible sink (POST /v3/mail/send) and the dev mailbox it feeds, over HTTP.</summary>
[Collection(LocalHostCollection.Name)]
public sealed class SendGridSinkTests(LocalHostFixture fixture)
{
    private LocalHostServer Host => fixture.Host;

    private static JsonObject ValidMessage(string key, string subject = "Sink test") => new()
    {
        ["personalizations"] = new JsonArray(new JsonObject { ["to"] = new JsonArray(new JsonObject { ["email"] = "pat.supervisor@example.org", ["name"] = "Pat Supervisor" }) }),
        ["from"] = new JsonObject { ["email"] = "optout-automation@example.org", ["name"] = "Automation" },
        ["subject"] = subject,
        ["content"] = new JsonArray(
            new JsonObject { ["type"] = "text/plain", ["value"] = "Plain <b>text</b>" },
            new JsonObject { ["type"] = "text/html", ["value"] = "<p>Hello <a href=\"http://example.org/x\">link</a></p>" }),
        ["custom_args"] = new JsonObject { ["messageKey"] = key },
    };

    [Fact]
    public async Task A_valid_message_is_accepted_like_sendgrid_and_shown_in_the_dev_mailbox()
    {
        var key = $"sink-{Guid.NewGuid():N}";
        using var response = await PostAsync(ValidMessage(key, "Sink test: accepted"), LocalHostFixture.SendGridKey);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal("", await response.Content.ReadAsStringAsync());
        Assert.Matches("^[0-9a-f]{22}$", response.Headers.GetValues("X-Message-Id").Single());

        var stored = Assert.Single(Host.Mailbox.All, m => m.Message.Key == key);
        Assert.Equal(new("Automation", "optout-automation@example.org"), stored.From);
        Assert.Equal(new("Pat Supervisor", "pat.supervisor@example.org"), stored.Message.To);
        Assert.Equal("Sink test: accepted", stored.Message.Subject);
        Assert.Equal("Plain <b>text</b>", stored.Message.TextBody);
        Assert.Equal("<p>Hello <a href=\"http://example.org/x\">link</a></p>", stored.Message.HtmlBody);

        var page = await Host.Anonymous.GetStringAsync("/dev/mailbox");
        Assert.Contains($"<a href=\"/dev/mailbox/{stored.Id}\">Sink test: accepted</a>", page, StringComparison.Ordinal);
        Assert.Contains("Automation &lt;optout-automation@example.org&gt;", page, StringComparison.Ordinal);
        Assert.Equal(stored.Message.HtmlBody, await Host.Anonymous.GetStringAsync($"/dev/mailbox/{stored.Id}"));
        Assert.Equal(stored.Message.TextBody, await Host.Anonymous.GetStringAsync($"/dev/mailbox/{stored.Id}/text"));
        Assert.Equal(HttpStatusCode.NotFound, (await Host.Anonymous.GetAsync("/dev/mailbox/999999")).StatusCode);
    }

    [Fact]
    public async Task The_same_message_key_is_stored_once()
    {
        var key = $"sink-{Guid.NewGuid():N}";
        using var first = await PostAsync(ValidMessage(key, "first"), LocalHostFixture.SendGridKey);
        using var second = await PostAsync(ValidMessage(key, "second"), LocalHostFixture.SendGridKey);

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, second.StatusCode);
        Assert.Equal("first", Assert.Single(Host.Mailbox.All, m => m.Message.Key == key).Message.Subject);
    }

    [Fact]
    public async Task A_personalization_custom_arg_overrides_the_message_level_one()
    {
        var key = $"sink-{Guid.NewGuid():N}";
        var message = ValidMessage("message-level");
        message["personalizations"]![0]!["custom_args"] = new JsonObject { ["messageKey"] = key };
        using var response = await PostAsync(message, LocalHostFixture.SendGridKey);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Single(Host.Mailbox.All, m => m.Message.Key == key);
    }

    [Theory]
    [InlineData(null, "authorization required")]
    [InlineData("SG.wrong-key", "The provided authorization grant is invalid, expired, or revoked")]
    [InlineData("", "The provided authorization grant is invalid, expired, or revoked")]
    public async Task Without_the_configured_key_the_sink_answers_401_and_stores_nothing(string? key, string error)
    {
        var messageKey = $"sink-{Guid.NewGuid():N}";
        using var response = await PostAsync(ValidMessage(messageKey), key);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(error, (await ErrorsAsync(response)).Single().Message);
        Assert.DoesNotContain(Host.Mailbox.All, m => m.Message.Key == messageKey);
    }

    [Fact]
    public async Task A_basic_or_raw_authorization_header_is_refused()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v3/mail/send") { Content = Json(ValidMessage("raw")) };
        request.Headers.TryAddWithoutValidation("Authorization", LocalHostFixture.SendGridKey);
        using var response = await Host.Anonymous.SendAsync(request);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    public static TheoryData<string, string, string?> Invalid() => new()
    {
        { "no personalizations", """{"from":{"email":"a@example.org"},"subject":"s","content":[{"type":"text/plain","value":"x"}]}""", "personalizations" },
        { "empty to", """{"personalizations":[{"to":[]}],"from":{"email":"a@example.org"},"subject":"s","content":[{"type":"text/plain","value":"x"}]}""", "personalizations.0.to" },
        { "bad to address", """{"personalizations":[{"to":[{"email":"nobody"}]}],"from":{"email":"a@example.org"},"subject":"s","content":[{"type":"text/plain","value":"x"}]}""", "personalizations.0.to.0.email" },
        { "no from", """{"personalizations":[{"to":[{"email":"b@example.org"}]}],"subject":"s","content":[{"type":"text/plain","value":"x"}]}""", "from" },
        { "bad from", """{"personalizations":[{"to":[{"email":"b@example.org"}]}],"from":{"email":"nope"},"subject":"s","content":[{"type":"text/plain","value":"x"}]}""", "from.email" },
        { "no subject", """{"personalizations":[{"to":[{"email":"b@example.org"}]}],"from":{"email":"a@example.org"},"content":[{"type":"text/plain","value":"x"}]}""", "subject" },
        { "no content", """{"personalizations":[{"to":[{"email":"b@example.org"}]}],"from":{"email":"a@example.org"},"subject":"s"}""", "content" },
        { "empty content value", """{"personalizations":[{"to":[{"email":"b@example.org"}]}],"from":{"email":"a@example.org"},"subject":"s","content":[{"type":"text/plain","value":""}]}""", "content.0.value" },
        { "html before text", """{"personalizations":[{"to":[{"email":"b@example.org"}]}],"from":{"email":"a@example.org"},"subject":"s","content":[{"type":"text/html","value":"<p>x</p>"},{"type":"text/plain","value":"x"}]}""", "content.1.type" },
        { "not an object", """[1,2,3]""", null },
        { "not json", """{"personalizations":""", null },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public async Task An_invalid_message_gets_400_with_sendgrid_errors_and_is_not_stored(string why, string body, string? field)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v3/mail/send") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", LocalHostFixture.SendGridKey);
        using var response = await Host.Anonymous.SendAsync(request);

        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, why);
        var errors = await ErrorsAsync(response);
        Assert.NotEmpty(errors);
        Assert.Contains(errors, e => e.Field == field);
        Assert.DoesNotContain(Host.Mailbox.All, m => m.From?.Email == "a@example.org" || m.Message.To.Email == "b@example.org"); // addresses only these bodies use
    }

    [Fact]
    public async Task A_body_that_is_not_json_is_refused()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v3/mail/send") { Content = new StringContent("to=pat", Encoding.UTF8, "application/x-www-form-urlencoded") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", LocalHostFixture.SendGridKey);
        using var response = await Host.Anonymous.SendAsync(request);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("Content-Type should be application/json.", (await ErrorsAsync(response)).Single().Message);
    }

    [Fact]
    public async Task The_official_sendgrid_client_can_send_to_the_sink()
    {
        var key = $"client-{Guid.NewGuid():N}";
        var client = new SendGridClient(new HttpClient(), new SendGridClientOptions { ApiKey = LocalHostFixture.SendGridKey, Host = Host.BaseUrl });
        var mail = MailHelper.CreateSingleEmail(new EmailAddress("optout-automation@example.org", "Automation"), new EmailAddress("robin.supervisor@example.org", "Robin"), "Via client", "text", "<p>html</p>");
        mail.AddGlobalCustomArg(SendGridNotifier.MessageKeyArg, key);

        var response = await client.SendEmailAsync(mail);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var stored = Assert.Single(Host.Mailbox.All, m => m.Message.Key == key);
        Assert.Equal("Via client", stored.Message.Subject); // the client puts the subject in the personalization
        Assert.Equal("robin.supervisor@example.org", stored.Message.To.Email);
    }

    [Fact]
    public async Task Workflow_mail_reaches_the_mailbox_through_the_sink_without_any_ssn()
    {
        var caseId = await Host.OpenCaseAsync("S-1006", "sink-ssn-1");
        await Host.WaitForEmailsRecordedAsync(caseId); // the step's three emails go out together, in no fixed order

        var mails = Host.Mailbox.For(caseId);
        Assert.Equal(3, mails.Count); // supervisor, client, case manager
        Assert.All(mails, m => Assert.Equal(new("Opt-Out Case Automation (e2e)", "optout-automation@example.org"), m.From)); // came through the sink
        foreach (var m in Host.Mailbox.All)
        {
            foreach (var text in new[] { m.Message.Subject, m.Message.TextBody, m.Message.HtmlBody })
            {
                Assert.DoesNotContain("***-**-", text, StringComparison.Ordinal);
                foreach (var p in Host.Mis.Participants)
                {
                    foreach (var form in OptOut.Testing.Requests.SsnForms(p.Ssn))
                    {
                        Assert.DoesNotContain(form, text, StringComparison.Ordinal);
                    }
                }
            }
        }
    }

    private async Task<HttpResponseMessage> PostAsync(JsonObject message, string? key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v3/mail/send") { Content = Json(message) };
        if (key is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", $"Bearer {key}");
        }

        return await Host.Anonymous.SendAsync(request);
    }

    private static StringContent Json(JsonObject message) => new(message.ToJsonString(), Encoding.UTF8, "application/json");

    private sealed record Error(string Message, string? Field);

    private static async Task<List<Error>> ErrorsAsync(HttpResponseMessage response)
    {
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return [.. doc.RootElement.GetProperty("errors").EnumerateArray().Select(e => new Error(e.GetProperty("message").GetString()!, e.GetProperty("field").GetString()))];
    }
}

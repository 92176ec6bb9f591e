using System.Text.Json;
using OptOut.Workflow.Intake;

namespace OptOut.Workflow.Tests.IntakeTests;

/// <summary>What goes to optout-intake-rejected: the SSN masked in every shape, and always small enough to enqueue.</summary>
public sealed class QueueRejectionTests
{
    [Theory]
    [InlineData("""{"client":{"ssn":"521-11-0005","firstName":"Elena"}}""")]
    [InlineData("""{"client":{"SSN":"521110005"}}""")]
    [InlineData("""{"Client":{"Ssn":"521 11 0005"}}""")]
    [InlineData("""{"client":{"ssn":"521\u002D11\u002D0005"}}""")]
    [InlineData("""{"client":{"ssn":"521-11-0005",""")]
    [InlineData("""not json at all 521-11-0005 and 521110005 and 521 11 0005""")]
    [InlineData("""{"reason":"her SSN is 521-11-0005","client":{"ssn":"x"}}""")]
    public void Every_ssn_shape_is_masked_to_the_last_four(string message)
    {
        var masked = QueueIntake.MaskSsn(message);
        foreach (var form in new[] { "521110005", "521-11-0005", "521 11 0005", "521\\u002D11" })
        {
            Assert.DoesNotContain(form, masked, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_non_string_or_malformed_ssn_is_redacted_and_phone_numbers_are_left_alone()
    {
        var masked = QueueIntake.MaskSsn("""{"client":{"ssn":123456789,"phone":"3605550105"}}""");
        Assert.Contains("(redacted)", masked, StringComparison.Ordinal);
        Assert.Contains("3605550105", masked, StringComparison.Ordinal);
        Assert.Contains("***-**-0005", QueueIntake.MaskSsn("""{"client":{"ssn":"521-11-0005"}}"""), StringComparison.Ordinal);
    }

    [Fact]
    public void Rejection_json_stays_under_the_queue_limit_even_for_a_huge_escaped_message()
    {
        foreach (var original in new[] { new string('\u0001', 64 * 1024), new string('<', 64 * 1024), new string('界', 64 * 1024), string.Concat(Enumerable.Repeat("😀", 32 * 1024)) })
        {
            var json = new QueueRejection("too big", null, null, DateTimeOffset.UnixEpoch, original).ToJson();
            Assert.True(QueueRejection.WireBytes(json) <= QueueRejection.MaxWireBytes, $"{QueueRejection.WireBytes(json)} bytes");
            Assert.True(QueueRejection.WireBytes(json) < 64 * 1024);
            using var parsed = JsonDocument.Parse(json);
            Assert.True(parsed.RootElement.GetProperty("originalTruncated").GetBoolean());
        }

        var json1 = new QueueRejection("too big", null, null, DateTimeOffset.UnixEpoch, new string('\u0001', 64 * 1024)).ToJson();
        using var doc = JsonDocument.Parse(json1);
        Assert.True(doc.RootElement.GetProperty("originalTruncated").GetBoolean());
        Assert.Equal("too big", doc.RootElement.GetProperty("reason").GetString());

        var small = new QueueRejection("bad", new Dictionary<string, string[]> { ["client.ssn"] = ["x"] }, "c-1", DateTimeOffset.UnixEpoch, "{}").ToJson();
        using var smallDoc = JsonDocument.Parse(small);
        Assert.False(smallDoc.RootElement.GetProperty("originalTruncated").GetBoolean());
        Assert.Equal("{}", smallDoc.RootElement.GetProperty("originalMessage").GetString());
    }
}

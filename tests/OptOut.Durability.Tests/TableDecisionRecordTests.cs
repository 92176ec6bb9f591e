using Azure.Data.Tables;
using OptOut.Infrastructure.Storage;
using OptOut.Testing;
using OptOut.Workflow.Decisions;

namespace OptOut.Durability.Tests;

/// <summary>The table-backed decision record on Azurite: one row per case keyed by the case id, the first decision wins, and what it stores.</summary>
public sealed class TableDecisionRecordTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 2, 17, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Concurrent_adds_from_separate_clients_keep_exactly_one_decision_and_every_caller_sees_it()
    {
        var table = new TableClient(azurite.ConnectionString, "RecordRace");
        var candidates = Enumerable.Range(0, 10).Select(i => Decision("case-race", $"TOKEN{i:D11}", i % 2 == 0 ? DecisionRole.Supervisor : DecisionRole.EscalationContact)).ToList();

        // Separate clients, as separate instances would have.
        var attempts = await Task.WhenAll(candidates.Select(c => new TableDecisionRecord(new TableClient(azurite.ConnectionString, "RecordRace")).TryAddAsync(c, CancellationToken.None)));

        var winner = Assert.Single(attempts, a => a.Added).Current;
        Assert.All(attempts, a => Assert.Equal(winner, a.Current));
        Assert.Equal(DecisionRecordState.Pending, winner.State);

        var rows = new List<TableEntity>();
        await foreach (var row in table.QueryAsync<TableEntity>())
        {
            rows.Add(row);
        }

        var only = Assert.Single(rows);
        Assert.Equal("case-race", only.PartitionKey);
        Assert.Equal("case-race", only.RowKey);

        var record = new TableDecisionRecord(table);
        await record.MarkRaisedAsync("case-race", CancellationToken.None);
        Assert.Equal(winner with { State = DecisionRecordState.Raised }, await record.ReadAsync("case-race", CancellationToken.None));
        Assert.Null(await record.ReadAsync("another-case", CancellationToken.None));
    }

    [Fact]
    public async Task An_unreachable_store_is_reported_as_unavailable_not_as_a_500()
    {
        var record = new TableDecisionRecord(new TableClient(new Uri("http://127.0.0.1:9/devstoreaccount1/Nowhere"), "Nowhere", new TableSharedKeyCredential(AzuriteFixture.AccountName, AzuriteFixture.AccountKey), new TableClientOptions { Retry = { MaxRetries = 0 } }));
        await Assert.ThrowsAsync<DecisionRecordUnavailableException>(() => record.ReadAsync("case-1", CancellationToken.None));
    }

    private static RecordedDecision Decision(string caseId, string tokenId, DecisionRole role) =>
        new(caseId, tokenId, DecisionChoice.RemainOptedOut, role == DecisionRole.Supervisor ? "Pat Supervisor" : "Morgan Escalation", role, T0, "A note.", DecisionRecordState.Pending);
}

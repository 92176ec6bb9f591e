using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using NSubstitute;
using OptOut.Workflow.Escalation;
using OptOut.Workflow.Operations;

namespace OptOut.Workflow.Tests.Operations;

/// <summary>
/// The purge's loop over a provider that purges in batches (IsComplete = false until done), on a substitute client:
/// it asks again until the provider is done, adds up the batches, and stops on an empty batch or at its bound.
/// </summary>
public sealed class CasePurgeBatchTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);

    private readonly DurableTaskClient _client = Substitute.For<DurableTaskClient>("purge-test");
    private readonly List<PurgeInstancesFilter> _filters = [];

    private CasePurge Purge() => new(
        _client,
        new TestOptions<RetentionOptions>(new RetentionOptions { CompletedCaseDays = 90 }),
        new TestOptions<EscalationOptions>(new EscalationOptions()),
        new FakeTimeProvider(Now),
        NullLogger<CasePurge>.Instance);

    private void Batches(params PurgeResult[] results)
    {
        // No Failed or Terminated instances: this class is about the batches of Completed cases (CasePurgeTests covers both).
        _client.GetAllInstancesAsync(Arg.Any<OrchestrationQuery>()).Returns(Pageable.Create((string? _, int? _, CancellationToken _) =>
            Task.FromResult(new Page<OrchestrationMetadata>([], null))));
        var queue = new Queue<PurgeResult>(results);
        _client.PurgeAllInstancesAsync(Arg.Any<PurgeInstancesFilter>(), Arg.Any<CancellationToken>())
            .Returns(ci =>
            {
                _filters.Add(ci.ArgAt<PurgeInstancesFilter>(0));
                return queue.Count > 1 ? queue.Dequeue() : queue.Peek();
            });
    }

    [Fact]
    public async Task Batches_are_purged_until_the_provider_reports_done_and_their_counts_are_added()
    {
        Batches(new PurgeResult(100, false), new PurgeResult(100, false), new PurgeResult(7, true));

        var report = await Purge().PurgeAsync(CancellationToken.None);

        Assert.Equal(207, report.Purged);
        Assert.Equal(Now - TimeSpan.FromDays(90), report.Cutoff);
        Assert.Equal(3, _filters.Count);
        // Every batch asks for the same thing: cases the workflow closed (Completed) created before the cutoff; Failed and
        // Terminated ones are purged one by one once the scan has listed them (CasePurgeTests).
        Assert.All(_filters, f =>
        {
            Assert.Equal(Now - TimeSpan.FromDays(90), f.CreatedTo);
            Assert.Equal([OrchestrationRuntimeStatus.Completed], f.Statuses!);
        });
    }

    [Fact]
    public async Task A_provider_that_purges_in_one_go_is_asked_once()
    {
        Batches(new PurgeResult(12));

        Assert.Equal(12, (await Purge().PurgeAsync(CancellationToken.None)).Purged);
        Assert.Single(_filters);
    }

    [Fact]
    public async Task An_empty_batch_ends_the_loop_even_if_the_provider_says_it_is_not_done()
    {
        Batches(new PurgeResult(5, false), new PurgeResult(0, false));

        Assert.Equal(5, (await Purge().PurgeAsync(CancellationToken.None)).Purged);
        Assert.Equal(2, _filters.Count);
    }

    [Fact]
    public async Task A_provider_that_never_reports_done_is_asked_a_bounded_number_of_times()
    {
        Batches(new PurgeResult(1, false));

        var report = await Purge().PurgeAsync(CancellationToken.None);

        Assert.Equal(1000, _filters.Count);
        Assert.Equal(1000, report.Purged);
    }

    private sealed class TestOptions<T>(T value) : IOptionsMonitor<T>
    {
        public T CurrentValue => value;

        public T Get(string? name) => value;

        public IDisposable? OnChange(Action<T, string?> listener) => null;
    }
}

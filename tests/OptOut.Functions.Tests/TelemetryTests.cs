using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using OptOut.Testing;
using OptOut.Workflow.Telemetry;

namespace OptOut.Functions.Tests;

/// <summary>
/// The workflow's own telemetry: spans tagged with the case id from intake to close; counters by outcome. The counters
/// carry no case id (a metric dimension per case would be unbounded), and the meter is process-wide: this class runs
/// alone (no other test's case can open or close while it listens), so every measurement it sees is its own case's.
/// </summary>
[Collection(nameof(TelemetryTests))]
public sealed class TelemetryTests
{
    [Fact]
    public async Task A_case_leaves_a_trace_tagged_with_its_id_and_counts_start_and_close_by_outcome()
    {
        var spans = new ConcurrentQueue<Activity>();
        using var activities = new ActivityListener
        {
            ShouldListenTo = s => s.Name == WorkflowTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Enqueue,
        };
        ActivitySource.AddActivityListener(activities);

        var measurements = new ConcurrentQueue<(string Instrument, long Value, string? Tag)>();
        using var meters = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == WorkflowTelemetry.Name)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        meters.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            string? tag = null;
            foreach (var t in tags)
            {
                tag = t.Value?.ToString();
            }

            measurements.Enqueue((instrument.Name, value, tag));
        });
        meters.Start();

        await using var host = await WorkflowTestHost.StartAsync();
        var caseId = await host.StartAsync(Requests.For("S-1002", "telemetry-1"));
        var closed = await host.WaitForClosedAsync(caseId);
        Assert.Equal("AddedFromStatewide", closed.Outcome);

        var steps = spans.Where(s => (string?)s.GetTagItem(WorkflowTelemetry.CaseIdTag) == caseId).Select(s => s.DisplayName).ToList();
        Assert.Contains("Case intake", steps);
        Assert.Contains("MIS office search", steps);
        Assert.Contains("MIS statewide search", steps);
        Assert.Contains("MIS add seeker to office", steps);
        Assert.Contains("Email CaseManagerOutcome", steps);

        Assert.Equal(("optout.cases.started", 1L, (string?)"test"), Assert.Single(measurements, m => m.Instrument == "optout.cases.started"));
        Assert.Equal(("optout.cases.closed", 1L, (string?)"AddedFromStatewide"), Assert.Single(measurements, m => m.Instrument == "optout.cases.closed"));
    }
}

/// <summary>Runs <see cref="TelemetryTests"/> on its own, after and never alongside any other test of this assembly.</summary>
[CollectionDefinition(nameof(TelemetryTests), DisableParallelization = true)]
public sealed class TelemetryCollection;

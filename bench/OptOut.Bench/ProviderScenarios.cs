using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using OptOut.Workflow.Notifications;

namespace OptOut.Bench;

internal sealed record Row(string Name, string Value, string Target, bool? Pass);

/// <summary>The production provider's settings, as src/OptOut.Functions/host.json gives them.</summary>
internal sealed record ProviderSettings(TimeSpan MaxPollingInterval, int PartitionCount, int ControlQueueBatchSize, int MaxConcurrentOrchestrations, int MaxConcurrentActivities)
{
    /// <summary>Reads extensions.durableTask (storageProvider and concurrency) of host.json; what it leaves out is the extension's default.</summary>
    public static ProviderSettings FromHostJson()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(BenchLocalHost.RepoRoot(), "src", "OptOut.Functions", "host.json")));
        var durable = json.RootElement.GetProperty("extensions").GetProperty("durableTask");
        var provider = durable.GetProperty("storageProvider");
        string? S(JsonElement e, string name) => e.TryGetProperty(name, out var v) ? v.ToString() : null;
        return new(
            TimeSpan.Parse(S(provider, "maxQueuePollingInterval") ?? "00:00:30", CultureInfo.InvariantCulture),
            int.Parse(S(provider, "partitionCount") ?? "4", CultureInfo.InvariantCulture),
            int.Parse(S(provider, "controlQueueBatchSize") ?? "32", CultureInfo.InvariantCulture),
            int.Parse(S(durable, "maxConcurrentOrchestratorFunctions") ?? $"{10 * Environment.ProcessorCount}", CultureInfo.InvariantCulture),
            int.Parse(S(durable, "maxConcurrentActivityFunctions") ?? $"{10 * Environment.ProcessorCount}", CultureInfo.InvariantCulture));
    }

    public void Apply(IDictionary<string, string?> settings)
    {
        settings["LocalHost:AzureStorage:MaxPollingInterval"] = MaxPollingInterval.ToString("c", CultureInfo.InvariantCulture);
        settings["LocalHost:AzureStorage:PartitionCount"] = $"{PartitionCount}";
        settings["LocalHost:AzureStorage:ControlQueueBatchSize"] = $"{ControlQueueBatchSize}";
        settings["LocalHost:AzureStorage:MaxConcurrentOrchestrations"] = $"{MaxConcurrentOrchestrations}";
        settings["LocalHost:AzureStorage:MaxConcurrentActivities"] = $"{MaxConcurrentActivities}";
    }

    public override string ToString() =>
        $"maxQueuePollingInterval {MaxPollingInterval.TotalSeconds:0.#} s, partitionCount {PartitionCount}, controlQueueBatchSize {ControlQueueBatchSize}, concurrency {MaxConcurrentOrchestrations}/{MaxConcurrentActivities}";
}

/// <summary>
/// Assumed Azure Storage list prices (Standard general-purpose v2, LRS, hot, US regions), USD per 10,000 requests. They
/// are list prices as remembered, to be checked on the Azure pricing pages for the region and redundancy in use; the
/// request counts are measured, the dollars are only those counts times these.
/// </summary>
internal static class Prices
{
    public const double QueuePer10K = 0.004;
    public const double TablePer10K = 0.00036;
    public const double BlobWritePer10K = 0.065;
    public const double BlobOtherPer10K = 0.005;

    public static double Dollars(IEnumerable<(string Operation, long Count)> counts) => counts.Sum(c => c.Count * PerRequest(c.Operation));

    private static double PerRequest(string operation) =>
        (operation.StartsWith("Queue", StringComparison.Ordinal) ? QueuePer10K
        : operation.StartsWith("Table", StringComparison.Ordinal) ? TablePer10K
        : operation.Contains("Put", StringComparison.Ordinal) || operation.Contains("Lease", StringComparison.Ordinal) || operation.Contains("Create", StringComparison.Ordinal) ? BlobWritePer10K
        : BlobOtherPer10K) / 10_000;

    public static string Describe => $"queue ${QueuePer10K}, table ${TablePer10K}, blob write/lease ${BlobWritePer10K}, blob read/other ${BlobOtherPer10K} per 10,000 requests (Standard GPv2 LRS list prices as assumed; check them)";
}

/// <summary>The scenarios of issue 18: the local host's burst, and latency, cost and throughput on the Azure Storage provider (Azurite).</summary>
internal static class ProviderScenarios
{
    /// <summary>
    /// 200 cases for a client already in the office (S-1001: each closes after the office search), posted back to back
    /// over HTTP to the local host as <c>dotnet run</c> starts it (in-memory engine, its appsettings.json), then read
    /// with GET /api/cases/{id} until every one is closed.
    /// </summary>
    public static async Task<List<Row>> BurstAsync(int n, Action<string> progress)
    {
        await using var host = await BenchLocalHost.StartAsync(new Dictionary<string, string?>());
        // Warm-up: a few cases through every layer first (JIT), not measured.
        for (var i = 0; i < 5; i++)
        {
            await host.PostCaseAsync(OptOut.Testing.Requests.For("S-1001", $"warm-{BenchLocalHost.Letters(i)}"));
        }

        for (var i = 0; i < 5; i++)
        {
            while (await host.StageAsync($"warm-{BenchLocalHost.Letters(i)}") != "Closed")
            {
                await Task.Delay(50);
            }
        }

        var ids = Enumerable.Range(0, n).Select(i => $"burst-{BenchLocalHost.Letters(i + 1000)}").ToArray();
        var posted = new double[n];
        var closed = new double[n];
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < n; i++)
        {
            var status = await host.PostCaseAsync(OptOut.Testing.Requests.For("S-1001", ids[i]));
            posted[i] = clock.Elapsed.TotalSeconds;
            if (status != HttpStatusCode.Accepted)
            {
                throw new InvalidOperationException($"burst: POST {ids[i]} answered {(int)status}");
            }
        }

        var lastPost = posted[^1];
        var open = new HashSet<int>(Enumerable.Range(0, n));
        var cycles = 0;
        var longestCycle = 0.0;
        while (open.Count > 0 && clock.Elapsed.TotalSeconds < lastPost + 300)
        {
            var cycleStart = clock.Elapsed.TotalSeconds;
            foreach (var i in open.ToArray())
            {
                if (await host.StageAsync(ids[i]) == "Closed")
                {
                    closed[i] = clock.Elapsed.TotalSeconds;
                    open.Remove(i);
                }
            }

            cycles++;
            longestCycle = Math.Max(longestCycle, clock.Elapsed.TotalSeconds - cycleStart);
            if (cycles % 10 == 0)
            {
                progress($"burst: {n - open.Count}/{n} closed, {clock.Elapsed.TotalSeconds - lastPost:F1} s after the last POST");
            }

            await Task.Delay(50);
        }

        var after = closed.Select(c => c - lastPost).ToArray();
        var last = open.Count == 0 ? after.Max() : double.PositiveInfinity;
        var order = Stats.Spearman(posted, closed);
        progress($"burst: {n} posted in {lastPost:F2} s; last closed {last:F2} s after the last POST; rank correlation post order / close order {order:F2}");
        return
        [
            new($"Local host burst (default in-memory engine, `dotnet run` settings): {n} cases for a client already in the office, POSTed back to back over HTTP ({lastPost:F1} s), then read until closed (reads every ≤{longestCycle + 0.05:F2} s)",
                $"last closed {last:F1} s after the last POST (first {after.Min():F1} s, median {Stats.P(after, 0.5):F1} s); closing order vs posting order: rank correlation {order:F2}",
                "all closed ≤ 10 s after the last POST", last <= 10),
        ];
    }

    /// <summary>Azurite (from tools/azurite, as the tests start it) and the counting proxy in front of it, for the Azure Storage scenarios.</summary>
    public sealed class Storage : IAsyncDisposable
    {
        private readonly OptOut.Testing.AzuriteFixture _azurite = new();
        private int _hubs;

        public CountingProxy Proxy { get; private set; } = null!;

        public string DirectConnectionString => _azurite.ConnectionString;

        public static async Task<Storage> StartAsync()
        {
            var storage = new Storage();
            await storage._azurite.InitializeAsync();
            storage.Proxy = await CountingProxy.StartAsync(storage._azurite.ConnectionString);
            return storage;
        }

        public string NewHub(string prefix) => $"{prefix}{Interlocked.Increment(ref _hubs)}x{Environment.ProcessId % 10000}";

        /// <summary>A local host on the Azure Storage provider through the proxy, a fresh task hub, the given provider settings.</summary>
        public Task<BenchLocalHost> StartHostAsync(ProviderSettings provider, string hubPrefix)
        {
            var hub = NewHub(hubPrefix);
            var settings = new Dictionary<string, string?>
            {
                ["LocalHost:Store"] = "AzureStorage",
                ["LocalHost:AzureStorage:ConnectionString"] = Proxy.ConnectionString,
                ["LocalHost:AzureStorage:TaskHub"] = hub,
                ["LocalHost:AzureStorage:WorkerId"] = hub + "-worker",
            };
            provider.Apply(settings);
            BenchLocalHost.ProductionTimings(settings);
            return BenchLocalHost.StartAsync(settings);
        }

        public async ValueTask DisposeAsync()
        {
            if (Proxy is not null)
            {
                await Proxy.DisposeAsync();
            }

            await _azurite.DisposeAsync();
        }
    }

    /// <summary>One opted-out case, idle: a quiet period, POST, the supervisor's email; opt-in on the MIS, a quiet period, the decision, the outcome email.</summary>
    private static async Task<(double ToSupervisor, double ToOutcome, long Requests)> IdleCaseAsync(BenchLocalHost host, CountingProxy proxy, string caseId, TimeSpan quiet)
    {
        var request = host.NewOptedOutCase(caseId);
        await Task.Delay(quiet);
        var a = proxy.Total;
        var t0 = DateTimeOffset.UtcNow;
        var status = await host.PostCaseAsync(request);
        if (status != HttpStatusCode.Accepted)
        {
            throw new InvalidOperationException($"POST {caseId} answered {(int)status}");
        }

        var supervisor = await host.WaitForEmailAsync(k => k == BenchLocalHost.SupervisorKey(caseId), TimeSpan.FromMinutes(5));
        var b = proxy.Total;
        await host.OptInAsync(request);
        await Task.Delay(quiet);
        var c = proxy.Total;
        var t1 = DateTimeOffset.UtcNow;
        await host.DecideAsync(supervisor, "opted-in");
        var outcome = await host.WaitForEmailAsync(k => BenchLocalHost.IsOutcome(k, caseId), TimeSpan.FromMinutes(5));
        var closed = await host.OutcomeAsync(caseId);
        for (var i = 0; i < 600 && !closed.Contains("\"isClosed\":true", StringComparison.Ordinal); i++)
        {
            await Task.Delay(100); // the outcome email is the last activity; the case closes in the step after it
            closed = await host.OutcomeAsync(caseId);
        }

        if (!closed.Contains("OptedInAndAdded", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"{caseId} left the measured path (opted out → opted in and added): {closed}");
        }

        // Let the case finish its last step (the email is its last activity) before counting.
        await Task.Delay(TimeSpan.FromSeconds(Math.Min(3, quiet.TotalSeconds)));
        var d = proxy.Total;
        return ((supervisor.SentAt - t0).TotalSeconds, (outcome.SentAt - t1).TotalSeconds, (b - a) + (d - c));
    }

    /// <summary>
    /// Latency where people wait, on the production settings: idle (one case at a time after a quiet period) and under a
    /// steady 20 cases/s; requests per case from the proxy.
    /// </summary>
    public static async Task<List<Row>> LatencyAsync(Storage storage, ProviderSettings provider, int idleCases, TimeSpan quiet, TimeSpan loadDuration, double loadRate, Action<string> progress)
    {
        var rows = new List<Row>();
        await using var host = await storage.StartHostAsync(provider, "lat");
        // Warm-up (JIT, task hub tables, first leases): one case end to end, not measured.
        await IdleCaseAsync(host, storage.Proxy, "lat-warm", TimeSpan.FromSeconds(1));

        var toSupervisor = new List<double>();
        var toOutcome = new List<double>();
        var requests = new List<long>();
        for (var i = 0; i < idleCases; i++)
        {
            var (s, o, r) = await IdleCaseAsync(host, storage.Proxy, $"lat-idle-{BenchLocalHost.Letters(i)}", quiet);
            toSupervisor.Add(s);
            toOutcome.Add(o);
            requests.Add(r);
            progress($"latency (idle, {provider}): case {i + 1}/{idleCases}: POST → supervisor email {s:F2} s, decision → outcome email {o:F2} s, {r} storage requests");
        }

        rows.Add(new($"Idle latency on Azure Storage (Azurite), {provider}: {idleCases} cases one at a time, each step after {quiet.TotalSeconds:F0} s quiet: POST /api/cases → supervisor's email",
            $"p50 {Stats.P(toSupervisor, 0.5):F2} s, p99 {Stats.P(toSupervisor, 0.99):F2} s (all: {string.Join(", ", toSupervisor.Select(v => v.ToString("F1", CultureInfo.InvariantCulture)))})",
            "p50 < 2 s, p99 < 5 s", Stats.P(toSupervisor, 0.5) < 2 && Stats.P(toSupervisor, 0.99) < 5));
        rows.Add(new("Same cases: decision POST → case manager's outcome email",
            $"p50 {Stats.P(toOutcome, 0.5):F2} s, p99 {Stats.P(toOutcome, 0.99):F2} s (all: {string.Join(", ", toOutcome.Select(v => v.ToString("F1", CultureInfo.InvariantCulture)))})",
            "p50 < 2 s, p99 < 5 s", Stats.P(toOutcome, 0.5) < 2 && Stats.P(toOutcome, 0.99) < 5));

        // Under load: cases started at a steady rate, each decided as soon as its supervisor email lands.
        var n = (int)(loadDuration.TotalSeconds * loadRate);
        var loadSupervisor = new System.Collections.Concurrent.ConcurrentBag<double>();
        var loadOutcome = new System.Collections.Concurrent.ConcurrentBag<double>();
        var before = storage.Proxy.Snapshot();
        var clock = Stopwatch.StartNew();
        // A store that cannot keep up would make this run for ever: whatever has not arrived by then counts as missed.
        var deadline = loadDuration + TimeSpan.FromMinutes(2);
        async Task<OptOut.DevTools.Email.StoredEmail?> WithinAsync(Task<OptOut.DevTools.Email.StoredEmail> mail)
        {
            var left = deadline - clock.Elapsed;
            return left > TimeSpan.Zero && await Task.WhenAny(mail, Task.Delay(left)) == mail ? await mail : null;
        }

        await using (var watch = new MailboxWatch(host.Mailbox))
        {
            var tasks = new List<Task>();
            for (var i = 0; i < n; i++)
            {
                var due = TimeSpan.FromSeconds(i / loadRate);
                if (due > clock.Elapsed)
                {
                    await Task.Delay(due - clock.Elapsed);
                }

                var caseId = $"lat-load-{BenchLocalHost.Letters(i)}";
                var request = host.NewOptedOutCase(caseId);
                tasks.Add(Task.Run(async () =>
                {
                    var supervisorMail = watch.For(caseId, NotificationKind.SupervisorRequest);
                    var outcomeMail = watch.For(caseId, NotificationKind.CaseManagerOutcome);
                    var t0 = DateTimeOffset.UtcNow;
                    try
                    {
                        if (await host.PostCaseAsync(request) != HttpStatusCode.Accepted)
                        {
                            return; // counted as missed
                        }
                    }
                    catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                    {
                        return;
                    }

                    var supervisor = await WithinAsync(supervisorMail);
                    if (supervisor is null)
                    {
                        return;
                    }

                    loadSupervisor.Add((supervisor.SentAt - t0).TotalSeconds);
                    var t1 = DateTimeOffset.UtcNow;
                    try
                    {
                        await host.OptInAsync(request);
                        t1 = DateTimeOffset.UtcNow;
                        await host.DecideAsync(supervisor, "opted-in");
                    }
                    catch (Exception e) when (e is HttpRequestException or TaskCanceledException or InvalidOperationException)
                    {
                        return; // the outcome counts as missed
                    }

                    if (await WithinAsync(outcomeMail) is { } outcome)
                    {
                        loadOutcome.Add((outcome.SentAt - t1).TotalSeconds);
                    }
                }));
            }

            var posting = clock.Elapsed.TotalSeconds;
            var all = Task.WhenAll(tasks);
            while (!all.IsCompleted)
            {
                await Task.WhenAny(all, Task.Delay(2000));
                progress($"latency (load): {loadSupervisor.Count}/{n} supervisor emails, {loadOutcome.Count}/{n} outcome emails, {clock.Elapsed.TotalSeconds:F0} s");
            }

            await all;
            progress($"latency (load): {n} cases posted over {posting:F1} s, all closed after {clock.Elapsed.TotalSeconds:F1} s");
        }

        await Task.Delay(3000);
        var perCase = CountingProxy.Since(before, storage.Proxy.Snapshot());
        var total = perCase.Sum(c => c.Count);
        // Cases that missed the deadline count as infinitely late.
        var sup = loadSupervisor.Concat(Enumerable.Repeat(double.PositiveInfinity, n - loadSupervisor.Count)).ToArray();
        var outc = loadOutcome.Concat(Enumerable.Repeat(double.PositiveInfinity, n - loadOutcome.Count)).ToArray();
        var both = sup.Concat(outc).ToArray();
        var missed = n - loadOutcome.Count;
        rows.Add(new($"Latency under a steady {loadRate:F0} cases/s for {loadDuration.TotalSeconds:F0} s ({n} opted-out cases, each decided as soon as its supervisor email lands), same settings",
            $"POST → supervisor email p50 {Stats.P(sup, 0.5):F2} s, p99 {Stats.P(sup, 0.99):F2} s; decision → outcome email p50 {Stats.P(outc, 0.5):F2} s, p99 {Stats.P(outc, 0.99):F2} s"
            + (missed > 0 ? $"; {n - loadSupervisor.Count} supervisor and {missed} outcome emails not sent within {deadline.TotalSeconds:F0} s of the first POST (∞)" : ""),
            "p99 < 10 s", Stats.P(both, 0.99) < 10));
        rows.Add(new("Storage requests per case, opted-out → opted-in, end to end (proxy count: one idle case at a time / under load, load total ÷ cases, polling included)",
            $"idle: {string.Join(", ", requests)} (median {Stats.P(requests.Select(r => (double)r).ToArray(), 0.5):F0}); load: {total / (double)n:F0} per case (${Prices.Dollars(perCase) / n * 1000:F3} per 1,000 cases); load by operation: {string.Join("; ", perCase.Take(12).Select(c => $"{c.Operation} {c.Count / (double)n:F1}"))}",
            "(cost)", null));
        return rows;
    }

    /// <summary>
    /// Idle polling cost and idle latency for a range of maxQueuePollingInterval values (other settings as in host.json):
    /// each on a fresh task hub with some cases waiting on a supervisor, requests counted over a window once the pollers
    /// have backed off, then idle cases measured.
    /// </summary>
    public static async Task<List<Row>> PollingAsync(Storage storage, ProviderSettings production, ProviderSettings[] variants, int waiting, int manyWaiting, TimeSpan window, int latencyCases, TimeSpan quietFloor, Action<string> progress)
    {
        var rows = new List<Row>();
        var table = new List<string>();
        foreach (var settings in variants)
        {
            var interval = settings.MaxPollingInterval;
            var counts = new List<(int Waiting, double PerHour, double DollarsPerMonth, string Top)>();
            var supervisor = new List<double>();
            var outcome = new List<double>();
            var waitingSets = settings == production && manyWaiting > waiting ? new[] { waiting, manyWaiting } : [waiting];
            foreach (var w in waitingSets)
            {
                await using var host = await storage.StartHostAsync(settings, "poll");
                var ids = Enumerable.Range(0, w).Select(i => $"poll-{BenchLocalHost.Letters(i)}").ToArray();
                await Parallel.ForEachAsync(ids, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (id, _) => await host.PostCaseAsync(host.NewOptedOutCase(id)));
                var watchFrom = Stopwatch.StartNew();
                while (ids.Length > 0 && host.Mailbox.All.Count(m => m.Message.Key.EndsWith($":{NotificationKind.SupervisorRequest}:1", StringComparison.Ordinal)) < ids.Length)
                {
                    await Task.Delay(500);
                    if (watchFrom.Elapsed > TimeSpan.FromMinutes(10))
                    {
                        throw new TimeoutException("polling: cases did not all reach the supervisor");
                    }
                }

                // Settle: the pollers back off to the maximum interval once queues stay empty.
                await Task.Delay(TimeSpan.FromSeconds(Math.Max(window.TotalSeconds / 4, 3 * interval.TotalSeconds)));
                var before = storage.Proxy.Snapshot();
                var clock = Stopwatch.StartNew();
                await Task.Delay(window);
                var idle = CountingProxy.Since(before, storage.Proxy.Snapshot());
                var perHour = idle.Sum(c => c.Count) * 3600 / clock.Elapsed.TotalSeconds;
                var dollars = Prices.Dollars(idle) * 3600 / clock.Elapsed.TotalSeconds * 24 * 30;
                var top = string.Join("; ", idle.Take(6).Select(c => $"{c.Operation} {c.Count * 3600 / clock.Elapsed.TotalSeconds:F0}/h"));
                counts.Add((w, perHour, dollars, top));
                progress($"polling ({interval.TotalSeconds:0.#} s, {settings.PartitionCount} partition(s), {w} waiting): {perHour:F0} requests/hour idle (${dollars:F2}/month): {top}");

                if (w == waiting)
                {
                    var quiet = TimeSpan.FromSeconds(Math.Max(quietFloor.TotalSeconds, (2 * interval.TotalSeconds) + 5));
                    for (var i = 0; i < latencyCases; i++)
                    {
                        var (s, o, _) = await IdleCaseAsync(host, storage.Proxy, $"poll-idle-{BenchLocalHost.Letters(i)}", quiet);
                        supervisor.Add(s);
                        outcome.Add(o);
                        progress($"polling ({interval.TotalSeconds:0.#} s, {settings.PartitionCount} partition(s)): idle case {i + 1}: POST → supervisor email {s:F2} s, decision → outcome email {o:F2} s");
                    }
                }
            }

            var main = counts[0];
            table.Add($"{interval.TotalSeconds:0.#} s: {main.PerHour:N0} requests/h idle (${main.DollarsPerMonth:F2}/month){(counts.Count > 1 ? $" [{counts[1].Waiting:N0} waiting: {counts[1].PerHour:N0}/h]" : "")}; idle latency POST → supervisor email {string.Join(", ", supervisor.Select(v => v.ToString("F1", CultureInfo.InvariantCulture)))} s, decision → outcome {string.Join(", ", outcome.Select(v => v.ToString("F1", CultureInfo.InvariantCulture)))} s");
            rows.Add(new($"Idle cost and latency, maxQueuePollingInterval {interval.TotalSeconds:0.#} s, partitionCount {settings.PartitionCount}{(settings == production ? " (host.json)" : "")} ({waiting} cases waiting on a supervisor; requests counted over {window.TotalSeconds:F0} s after the pollers settled)",
                $"{main.PerHour:N0} requests/hour = ${main.DollarsPerMonth:F2}/month idle{(counts.Count > 1 ? $"; with {counts[1].Waiting:N0} waiting: {counts[1].PerHour:N0} requests/hour" : "")}; idle latency POST → supervisor email {string.Join(", ", supervisor.Select(v => v.ToString("F1", CultureInfo.InvariantCulture)))} s, decision → outcome email {string.Join(", ", outcome.Select(v => v.ToString("F1", CultureInfo.InvariantCulture)))} s; top: {main.Top}",
                "(trade-off)", null));
        }

        rows.Add(new("Prices assumed", Prices.Describe, "(note)", null));
        return rows;
    }
}

using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using OptOut.DevTools.Email;
using OptOut.DevTools.Mis;
using OptOut.LocalHost;
using OptOut.Testing;
using OptOut.Workflow.Intake;
using OptOut.Workflow.Notifications;

namespace OptOut.Bench;

/// <summary>
/// The real local host (<see cref="LocalHostApp.Build"/>) in this process, on 127.0.0.1 and a free port, composed as
/// <c>dotnet run --project src/OptOut.LocalHost</c> composes it: its own appsettings.json (content root
/// src/OptOut.LocalHost), then the settings given here. Driven over HTTP with the function key from its configuration.
/// </summary>
internal sealed class BenchLocalHost : IAsyncDisposable
{
    private static int _participants;
    private readonly WebApplication _app;

    private BenchLocalHost(WebApplication app)
    {
        _app = app;
        BaseUrl = app.Urls.Single().TrimEnd('/');
        Key = app.Configuration["LocalHost:FunctionKey"] ?? "";
        Http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64, AllowAutoRedirect = false }) { BaseAddress = new Uri(BaseUrl + "/"), Timeout = TimeSpan.FromSeconds(60) };
        Http.DefaultRequestHeaders.Add("x-functions-key", Key);
    }

    public string BaseUrl { get; }

    public string Key { get; }

    public HttpClient Http { get; }

    public InMemoryMailbox Mailbox => _app.Services.GetRequiredService<InMemoryMailbox>();

    public MisSimulator Mis => _app.Services.GetRequiredService<MisSimulator>();

    public static async Task<BenchLocalHost> StartAsync(IDictionary<string, string?> settings)
    {
        var values = new Dictionary<string, string?>(settings, StringComparer.Ordinal)
        {
            ["contentRoot"] = Path.Combine(RepoRoot(), "src", "OptOut.LocalHost"),
        };
        values.TryAdd("LocalHost:Url", "http://127.0.0.1:0");
        values.TryAdd("Logging:LogLevel:Default", "Warning");
        var app = LocalHostApp.Build([.. values.Select(v => $"--{v.Key}={v.Value}")]);
        await app.StartAsync();
        return new BenchLocalHost(app);
    }

    /// <summary>Settings that keep reminders, escalations and the stale scan out of a measurement (days apart, as in production).</summary>
    public static void ProductionTimings(IDictionary<string, string?> settings)
    {
        settings["Workflow:ReminderInterval"] = "1.00:00:00";
        settings["Workflow:EscalateAfter"] = "5.00:00:00";
        settings["Workflow:SupervisorDeadline"] = "10.00:00:00";
        settings["Escalation:ScanInterval"] = "1.00:00:00";
    }

    /// <summary>POST /api/cases; returns the status code.</summary>
    public async Task<HttpStatusCode> PostCaseAsync(CaseIntakeRequest request)
    {
        using var response = await Http.PostAsJsonAsync("api/cases", request);
        return response.StatusCode;
    }

    /// <summary>GET /api/cases/{id}: the published stage, or null when the case is not there yet.</summary>
    public async Task<string?> StageAsync(string caseId)
    {
        using var response = await Http.GetAsync($"api/cases/{caseId}");
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        response.EnsureSuccessStatusCode();
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("stage").GetString();
    }

    /// <summary>GET /api/cases/{id} as text (the outcome is in it once closed).</summary>
    public async Task<string> OutcomeAsync(string caseId)
    {
        using var response = await Http.GetAsync($"api/cases/{caseId}");
        return await response.Content.ReadAsStringAsync();
    }

    /// <summary>
    /// A new participant the MIS simulator knows as opted out (as the seeded S-1005, Elena Optout): the office and
    /// statewide searches miss, the Opt-Out Lookup finds the opt-out, the supervisor is emailed; once opted in on the
    /// simulator, the statewide search finds them. Each case gets its own, so every case takes that path.
    /// </summary>
    public CaseIntakeRequest NewOptedOutCase(string caseId)
    {
        var n = Interlocked.Increment(ref _participants);
        var name = "Bench" + Letters(n);
        var ssn = $"523{n / 10000 % 100 + 10:D2}{n % 10000 + 1000:D4}";
        Mis.Add(new SimulatedParticipant { SeekerId = $"S-B{n}", FirstName = "Olive", LastName = name, Phone = "360-555-0199", Ssn = ssn, OptedOut = true, Scenario = "bench" });
        var request = Requests.For("S-1005", caseId);
        request.Client!.FirstName = "Olive";
        request.Client.LastName = name;
        request.Client.Phone = "360-555-0199";
        request.Client.Ssn = $"{ssn[..3]}-{ssn[3..5]}-{ssn[5..]}";
        return request;
    }

    /// <summary>The supervisor opts the client in on the MIS (the simulator's route, as a person clicks it).</summary>
    public async Task OptInAsync(CaseIntakeRequest request)
    {
        var seeker = Mis.Participants.Single(p => p.LastName == request.Client!.LastName).SeekerId;
        using var response = await Http.PostAsync($"sim/mis/participants/{seeker}/opt-in", null);
        if ((int)response.StatusCode >= 400)
        {
            throw new InvalidOperationException($"opt-in of {seeker} answered {(int)response.StatusCode}");
        }
    }

    /// <summary>The decision link from the supervisor's email, posted as the decision page's form does.</summary>
    public async Task DecideAsync(StoredEmail supervisorEmail, string decision)
    {
        var path = "api/decisions/" + supervisorEmail.Message.TextBody.Split("/api/decisions/")[1].Split(['\n', ' ', '\r'])[0];
        // Under load the email can land before the step that sent it is stored as waiting: the page then answers 409
        // (not waiting yet) and the supervisor tries again, as a person would.
        for (var attempt = 1; ; attempt++)
        {
            using var form = new FormUrlEncodedContent(new Dictionary<string, string> { ["decision"] = decision });
            using var response = await Http.PostAsync(path, form);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                return;
            }

            if (response.StatusCode != HttpStatusCode.Conflict || attempt >= 100)
            {
                throw new InvalidOperationException($"decision answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
            }

            await Task.Delay(200);
        }
    }

    public static string SupervisorKey(string caseId) => $"{caseId}:{NotificationKind.SupervisorRequest}:1";

    public static bool IsOutcome(string key, string caseId) =>
        key.StartsWith(caseId + ":", StringComparison.Ordinal) && key.Contains($":{NotificationKind.CaseManagerOutcome}", StringComparison.Ordinal);

    /// <summary>Until the dev mailbox holds a message matching <paramref name="match"/>; polls every 10 ms (the stored send time is what is measured).</summary>
    public async Task<StoredEmail> WaitForEmailAsync(Func<string, bool> match, TimeSpan timeout)
    {
        var until = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            foreach (var m in Mailbox.All)
            {
                if (match(m.Message.Key))
                {
                    return m;
                }
            }

            if (Stopwatch.GetTimestamp() > until)
            {
                throw new TimeoutException("no such email within " + timeout);
            }

            await Task.Delay(10);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _app.StopAsync(stop.Token);
        await _app.DisposeAsync();
    }

    public static string Letters(int n)
    {
        var s = "";
        do
        {
            s = (char)('a' + (n % 26)) + s;
            n /= 26;
        }
        while (n > 0);
        return s;
    }

    public static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "OptOutFunctions.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("repository root not found above " + AppContext.BaseDirectory);
    }
}

/// <summary>Watches a dev mailbox for many cases at once (one scan every 20 ms), for the load run.</summary>
internal sealed class MailboxWatch : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource<StoredEmail>> _waits = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public MailboxWatch(InMemoryMailbox mailbox) => _loop = Task.Run(async () =>
    {
        while (!_stop.IsCancellationRequested)
        {
            if (!_waits.IsEmpty)
            {
                foreach (var m in mailbox.All)
                {
                    var key = m.Message.Key;
                    var caseId = key.Split(':')[0];
                    var kind = key.Split(':')[^2];
                    if (_waits.TryRemove($"{caseId}|{kind}", out var tcs))
                    {
                        tcs.TrySetResult(m);
                    }
                }
            }

            try
            {
                await Task.Delay(20, _stop.Token);
            }
            catch (OperationCanceledException)
            {
            }
        }
    });

    public Task<StoredEmail> For(string caseId, NotificationKind kind) =>
        _waits.GetOrAdd($"{caseId}|{kind}", _ => new TaskCompletionSource<StoredEmail>(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
    }
}

/// <summary>Percentiles of a sample (nearest rank).</summary>
internal static class Stats
{
    public static double P(IReadOnlyCollection<double> values, double q)
    {
        if (values.Count == 0)
        {
            return double.NaN;
        }

        var sorted = values.Order().ToArray();
        return sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Length) - 1, 0, sorted.Length - 1)];
    }

    /// <summary>Spearman rank correlation of two equally long sequences (no ties expected).</summary>
    public static double Spearman(IReadOnlyList<double> a, IReadOnlyList<double> b)
    {
        static double[] Ranks(IReadOnlyList<double> v)
        {
            var order = Enumerable.Range(0, v.Count).OrderBy(i => v[i]).ToArray();
            var r = new double[v.Count];
            for (var k = 0; k < order.Length; k++)
            {
                r[order[k]] = k;
            }

            return r;
        }

        var ra = Ranks(a);
        var rb = Ranks(b);
        var n = (double)a.Count;
        var d2 = ra.Zip(rb, (x, y) => (x - y) * (x - y)).Sum();
        return 1 - (6 * d2 / (n * ((n * n) - 1)));
    }
}

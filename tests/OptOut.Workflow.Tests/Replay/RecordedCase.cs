using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Google.Protobuf;
using Microsoft.DurableTask.Protobuf;

namespace OptOut.Workflow.Tests.Replay;

/// <summary>
/// One recorded case (Replay/Histories/*.json): the executions of one orchestration instance, in order. Each execution
/// is the history the engine kept for it (protobuf JSON of <see cref="HistoryEvent"/>, as the Functions host hands it to
/// the worker) and the custom status the orchestrator published at each of its steps.
/// </summary>
public sealed record RecordedCase(string Name, string Description, IReadOnlyList<RecordedExecution> Executions)
{
    private static readonly JsonFormatter Formatter = new(JsonFormatter.Settings.Default);
    private static readonly JsonParser Parser = new(JsonParser.Settings.Default);

    public static RecordedCase Load(string path)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        var root = doc.RootElement;
        return new RecordedCase(
            root.GetProperty("name").GetString()!,
            root.GetProperty("description").GetString()!,
            [.. root.GetProperty("executions").EnumerateArray().Select(e => new RecordedExecution(
                e.GetProperty("instanceId").GetString()!,
                e.GetProperty("executionId").GetString()!,
                [.. e.GetProperty("history").EnumerateArray().Select(h => Parser.Parse<HistoryEvent>(h.GetRawText()))],
                [.. e.GetProperty("customStatus").EnumerateArray().Select(s => s.ValueKind == JsonValueKind.Null ? null : s.GetRawText())]))]);
    }

    public void Save(string path)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteString("name", Name);
            w.WriteString("description", Description);
            w.WriteStartArray("executions");
            foreach (var e in Executions)
            {
                w.WriteStartObject();
                w.WriteString("instanceId", e.InstanceId);
                w.WriteString("executionId", e.ExecutionId);
                w.WriteStartArray("customStatus");
                foreach (var status in e.CustomStatus)
                {
                    WriteJson(w, status);
                }

                w.WriteEndArray();
                w.WriteStartArray("history");
                foreach (var h in e.History)
                {
                    WriteJson(w, Formatter.Format(h));
                }

                w.WriteEndArray();
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        File.WriteAllText(path, Encoding.UTF8.GetString(stream.ToArray()) + "\n");
    }

    private static void WriteJson(Utf8JsonWriter w, string? json)
    {
        if (json is null)
        {
            w.WriteNullValue();
            return;
        }

        using var doc = JsonDocument.Parse(json);
        doc.RootElement.WriteTo(w);
    }

    /// <summary>JSON with object properties sorted, so two JSON texts compare by meaning rather than by layout.</summary>
    public static string Canonical(string? json) => string.IsNullOrEmpty(json) ? "" : Sorted(JsonNode.Parse(json))?.ToJsonString() ?? "null";

    private static JsonNode? Sorted(JsonNode? node) => node switch
    {
        JsonObject o => new JsonObject(o.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => KeyValuePair.Create(p.Key, Sorted(p.Value)))),
        JsonArray a => new JsonArray([.. a.Select(Sorted)]),
        _ => node?.DeepClone(),
    };
}

/// <param name="CustomStatus">The custom status (JSON) the orchestrator published at each step, one per step.</param>
public sealed record RecordedExecution(string InstanceId, string ExecutionId, IReadOnlyList<HistoryEvent> History, IReadOnlyList<string?> CustomStatus)
{
    /// <summary>
    /// The orchestrator's steps: a step starts at an OrchestratorStarted event and runs to the next one. Its first events
    /// (OrchestratorStarted, ExecutionStarted, TaskCompleted, TimerFired, EventRaised...) are what the engine handed the
    /// orchestrator; the rest (TaskScheduled, TimerCreated, ExecutionCompleted, ContinueAsNew, OrchestratorCompleted)
    /// record what the orchestrator did with them.
    /// </summary>
    public IReadOnlyList<ReplayStep> Steps()
    {
        var starts = History.Select((e, i) => (e, i)).Where(x => x.e.EventTypeCase == HistoryEvent.EventTypeOneofCase.OrchestratorStarted).Select(x => x.i).ToList();
        var steps = new List<ReplayStep>();
        for (var k = 0; k < starts.Count; k++)
        {
            var end = k + 1 < starts.Count ? starts[k + 1] : History.Count;
            var events = History.Skip(starts[k]).Take(end - starts[k]).ToList();
            var inputs = events.TakeWhile(e => !IsProduced(e)).ToList();
            steps.Add(new ReplayStep(k, [.. History.Take(starts[k])], inputs, [.. events.Skip(inputs.Count)]));
        }

        return steps;
    }

    public static bool IsProduced(HistoryEvent e) => e.EventTypeCase is HistoryEvent.EventTypeOneofCase.TaskScheduled
        or HistoryEvent.EventTypeOneofCase.TimerCreated
        or HistoryEvent.EventTypeOneofCase.SubOrchestrationInstanceCreated
        or HistoryEvent.EventTypeOneofCase.EventSent
        or HistoryEvent.EventTypeOneofCase.ExecutionCompleted
        or HistoryEvent.EventTypeOneofCase.ContinueAsNew
        or HistoryEvent.EventTypeOneofCase.OrchestratorCompleted;
}

/// <param name="Past">Every event before the step (PastEvents of the request).</param>
/// <param name="New">The events the engine delivered in the step (NewEvents of the request).</param>
/// <param name="Produced">What the orchestrator did in the step, as the engine recorded it.</param>
public sealed record ReplayStep(int Index, IReadOnlyList<HistoryEvent> Past, IReadOnlyList<HistoryEvent> New, IReadOnlyList<HistoryEvent> Produced)
{
    /// <summary>The step's actions, one line each ("#3 ScheduleTask SearchSeekerActivity {json}"), to compare with a replay.</summary>
    public IReadOnlyList<string> ExpectedActions => [.. Produced.Where(e => e.EventTypeCase != HistoryEvent.EventTypeOneofCase.OrchestratorCompleted).Select(Describe)];

    public static string Describe(HistoryEvent e) => e.EventTypeCase switch
    {
        HistoryEvent.EventTypeOneofCase.TaskScheduled => $"#{e.EventId} ScheduleTask {e.TaskScheduled.Name} {RecordedCase.Canonical(e.TaskScheduled.Input)}",
        HistoryEvent.EventTypeOneofCase.TimerCreated => $"#{e.EventId} CreateTimer {Describe(e.TimerCreated.FireAt)}",
        HistoryEvent.EventTypeOneofCase.ExecutionCompleted => $"#{e.EventId} Complete {e.ExecutionCompleted.OrchestrationStatus} {RecordedCase.Canonical(e.ExecutionCompleted.Result)}{Describe(e.ExecutionCompleted.FailureDetails)}",
        HistoryEvent.EventTypeOneofCase.ContinueAsNew => $"#{e.EventId} Complete {OrchestrationStatus.ContinuedAsNew} {RecordedCase.Canonical(e.ContinueAsNew.Input)}",
        _ => $"#{e.EventId} {e.EventTypeCase}",
    };

    public static string Describe(OrchestratorAction a) => a.OrchestratorActionTypeCase switch
    {
        OrchestratorAction.OrchestratorActionTypeOneofCase.ScheduleTask => $"#{a.Id} ScheduleTask {a.ScheduleTask.Name} {RecordedCase.Canonical(a.ScheduleTask.Input)}",
        OrchestratorAction.OrchestratorActionTypeOneofCase.CreateTimer => $"#{a.Id} CreateTimer {Describe(a.CreateTimer.FireAt)}",
        OrchestratorAction.OrchestratorActionTypeOneofCase.CompleteOrchestration => $"#{a.Id} Complete {a.CompleteOrchestration.OrchestrationStatus} {RecordedCase.Canonical(a.CompleteOrchestration.Result)}{Describe(a.CompleteOrchestration.FailureDetails)}",
        _ => $"#{a.Id} {a.OrchestratorActionTypeCase}",
    };

    private static string Describe(Google.Protobuf.WellKnownTypes.Timestamp? t) => t?.ToDateTime().ToString("o", System.Globalization.CultureInfo.InvariantCulture) ?? "(none)";

    private static string Describe(TaskFailureDetails? f) => f is null ? "" : $" failed: {f.ErrorType}: {f.ErrorMessage}";
}

using System.Collections.Concurrent;
using System.Text.Encodings.Web;
using System.Text.Json;
using DurableTask.Core;
using DurableTask.Core.Query;
using OptOut.DevTools.Durable;

namespace OptOut.Testing;

/// <summary>One thing the durable engine stored or passed along: a history event, a message, or an instance's state.</summary>
public sealed record DurableRecord(string InstanceId, string Kind, string Json);

/// <summary>
/// Wraps the in-process engine's storage (<see cref="IOrchestrationService"/>) and records, as JSON, everything that
/// goes through it: every history event of every execution (including those erased by continue-as-new), every
/// activity input and result, every raised event, and every instance state with its input, output and custom status.
/// The in-memory engine cannot return history itself, so this is how tests read the "full history" of a case.
/// The benchmarks turn recording off (<paramref name="record"/>) and raise the engine's dispatcher limits
/// (<paramref name="maxConcurrentWorkItems"/>): the in-memory engine admits only <see cref="Environment.ProcessorCount"/>
/// work items per dispatcher and, when that many are in flight, looks again only every 500 ms.
/// </summary>
public sealed class RecordingOrchestrationService(IOrchestrationService inner, bool record = true, int? maxConcurrentWorkItems = null)
    : ForwardingOrchestrationService(inner)
{
    private static readonly JsonSerializerOptions Json = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        ReferenceHandler = System.Text.Json.Serialization.ReferenceHandler.IgnoreCycles,
    };

    private readonly ConcurrentQueue<DurableRecord> _records = new();

    public IReadOnlyList<DurableRecord> Records => [.. _records];

    /// <summary>Reads made through the engine's client API: "state:{id}", "history:{id}", "query:pageSize=…".</summary>
    public ConcurrentQueue<string> Reads { get; } = new();

    public IReadOnlyList<DurableRecord> For(string instanceId) => [.. _records.Where(r => r.InstanceId == instanceId)];

    /// <summary>
    /// Raised after the engine has stored an orchestration step, with the instance's new state (runtime status, custom
    /// status). The benchmarks use it to act the moment a case starts waiting; handlers must be quick.
    /// </summary>
    public event Action<OrchestrationState>? StateCommitted;

    public override int MaxConcurrentTaskOrchestrationWorkItems => maxConcurrentWorkItems ?? base.MaxConcurrentTaskOrchestrationWorkItems;

    public override int MaxConcurrentTaskActivityWorkItems => maxConcurrentWorkItems ?? base.MaxConcurrentTaskActivityWorkItems;

    public override Task CompleteTaskOrchestrationWorkItemAsync(
        TaskOrchestrationWorkItem workItem,
        OrchestrationRuntimeState newOrchestrationRuntimeState,
        IList<TaskMessage> outboundMessages,
        IList<TaskMessage> orchestratorMessages,
        IList<TaskMessage> timerMessages,
        TaskMessage? continuedAsNewMessage,
        OrchestrationState? orchestrationState)
    {
        var id = workItem.InstanceId;
        foreach (var e in newOrchestrationRuntimeState.NewEvents)
        {
            Record(id, $"history:{e.EventType}", e);
        }

        foreach (var m in outboundMessages.Concat(orchestratorMessages).Concat(timerMessages).Append(continuedAsNewMessage).OfType<TaskMessage>())
        {
            Record(m.OrchestrationInstance?.InstanceId ?? id, $"message:{m.Event?.EventType}", m);
        }

        if (orchestrationState is not null)
        {
            Record(id, "state", orchestrationState);
        }

        return CompleteAsync();

        async Task CompleteAsync()
        {
            await base.CompleteTaskOrchestrationWorkItemAsync(workItem, newOrchestrationRuntimeState, outboundMessages, orchestratorMessages, timerMessages, continuedAsNewMessage, orchestrationState);
            if (orchestrationState is not null)
            {
                StateCommitted?.Invoke(orchestrationState);
            }
        }
    }

    public override Task CompleteTaskActivityWorkItemAsync(TaskActivityWorkItem workItem, TaskMessage responseMessage)
    {
        Record(responseMessage.OrchestrationInstance.InstanceId, $"activity-result:{responseMessage.Event?.EventType}", responseMessage);
        return base.CompleteTaskActivityWorkItemAsync(workItem, responseMessage);
    }

    public override Task CreateTaskOrchestrationAsync(TaskMessage creationMessage)
    {
        Record(creationMessage.OrchestrationInstance.InstanceId, "create", creationMessage);
        return base.CreateTaskOrchestrationAsync(creationMessage);
    }

    public override Task CreateTaskOrchestrationAsync(TaskMessage creationMessage, OrchestrationStatus[] dedupeStatuses)
    {
        Record(creationMessage.OrchestrationInstance.InstanceId, "create", creationMessage);
        return base.CreateTaskOrchestrationAsync(creationMessage, dedupeStatuses);
    }

    /// <summary>
    /// Called with each message a client sends to an instance (a raised event, a termination); when it returns true the
    /// message is not delivered: the test has taken it, e.g. to hand it to <see cref="BeforeStep"/>'s work item so it
    /// lands in the same batch as a timer.
    /// </summary>
    public Func<TaskMessage, bool>? DivertSend { get; set; }

    public override Task SendTaskOrchestrationMessageAsync(TaskMessage message)
    {
        Record(message.OrchestrationInstance.InstanceId, $"send:{message.Event?.EventType}", message);
        return DivertSend?.Invoke(message) == true ? Task.CompletedTask : base.SendTaskOrchestrationMessageAsync(message);
    }

    public override Task SendTaskOrchestrationMessageBatchAsync(params TaskMessage[] messages)
    {
        foreach (var m in messages)
        {
            Record(m.OrchestrationInstance.InstanceId, $"send:{m.Event?.EventType}", m);
        }

        return base.SendTaskOrchestrationMessageBatchAsync(messages);
    }

    /// <summary>
    /// Called with each orchestration work item the engine has taken (its instance locked, its new messages in hand)
    /// before the worker runs the step. A test uses it to act at an exact point, e.g. raise an event once a timer has
    /// fired but before the orchestrator has seen it; the step waits for the returned task.
    /// </summary>
    public Func<TaskOrchestrationWorkItem, Task>? BeforeStep { get; set; }

    public override async Task<TaskOrchestrationWorkItem> LockNextTaskOrchestrationWorkItemAsync(TimeSpan receiveTimeout, CancellationToken cancellationToken)
    {
        var workItem = await base.LockNextTaskOrchestrationWorkItemAsync(receiveTimeout, cancellationToken);
        if (workItem is not null && BeforeStep is { } before)
        {
            await before(workItem);
        }

        return workItem!;
    }

    public override Task<IList<OrchestrationState>> GetOrchestrationStateAsync(string instanceId, bool allExecutions)
    {
        Read($"state:{instanceId}");
        return base.GetOrchestrationStateAsync(instanceId, allExecutions);
    }

    public override Task<OrchestrationState> GetOrchestrationStateAsync(string instanceId, string executionId)
    {
        Read($"state:{instanceId}");
        return base.GetOrchestrationStateAsync(instanceId, executionId);
    }

    /// <summary>Every recorded history event of the instance (all executions), as a JSON array.</summary>
    public override Task<string> GetOrchestrationHistoryAsync(string instanceId, string executionId)
    {
        Read($"history:{instanceId}");
        return Task.FromResult("[" + string.Join(",", For(instanceId).Where(r => r.Kind.StartsWith("history:", StringComparison.Ordinal)).Select(r => r.Json)) + "]");
    }

    public override Task<OrchestrationQueryResult> GetOrchestrationWithQueryAsync(OrchestrationQuery query, CancellationToken cancellationToken)
    {
        Read($"query:pageSize={query.PageSize}:fetchInputsAndOutputs={query.FetchInputsAndOutputs}:continued={!string.IsNullOrEmpty(query.ContinuationToken)}");
        return base.GetOrchestrationWithQueryAsync(query, cancellationToken);
    }

    private void Read(string what)
    {
        if (record)
        {
            Reads.Enqueue(what);
        }
    }

    private void Record(string instanceId, string kind, object value)
    {
        if (!record)
        {
            return;
        }

        string json;
        try
        {
            json = JsonSerializer.Serialize(value, value.GetType(), Json);
        }
        catch (Exception e) when (e is NotSupportedException or InvalidOperationException or JsonException)
        {
            json = value.ToString() ?? "";
        }

        _records.Enqueue(new DurableRecord(instanceId, kind, json));
    }
}

using System.Collections.Concurrent;
using System.Text.Encodings.Web;
using System.Text.Json;
using DurableTask.Core;
using DurableTask.Core.Query;

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
    : IOrchestrationService, IOrchestrationServiceClient, IOrchestrationServiceQueryClient, IOrchestrationServicePurgeClient
{
    private static readonly JsonSerializerOptions Json = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        ReferenceHandler = System.Text.Json.Serialization.ReferenceHandler.IgnoreCycles,
    };

    private readonly ConcurrentQueue<DurableRecord> _records = new();

    private IOrchestrationServiceClient Client => (IOrchestrationServiceClient)inner;

    public IReadOnlyList<DurableRecord> Records => [.. _records];

    /// <summary>Reads made through the engine's client API: "state:{id}", "history:{id}", "query:pageSize=…".</summary>
    public ConcurrentQueue<string> Reads { get; } = new();

    public IReadOnlyList<DurableRecord> For(string instanceId) => [.. _records.Where(r => r.InstanceId == instanceId)];

    /// <summary>
    /// Raised after the engine has stored an orchestration step, with the instance's new state (runtime status, custom
    /// status). The benchmarks use it to act the moment a case starts waiting; handlers must be quick.
    /// </summary>
    public event Action<OrchestrationState>? StateCommitted;

    public int TaskOrchestrationDispatcherCount => inner.TaskOrchestrationDispatcherCount;

    public int MaxConcurrentTaskOrchestrationWorkItems => maxConcurrentWorkItems ?? inner.MaxConcurrentTaskOrchestrationWorkItems;

    public BehaviorOnContinueAsNew EventBehaviourForContinueAsNew => inner.EventBehaviourForContinueAsNew;

    public int TaskActivityDispatcherCount => inner.TaskActivityDispatcherCount;

    public int MaxConcurrentTaskActivityWorkItems => maxConcurrentWorkItems ?? inner.MaxConcurrentTaskActivityWorkItems;

    public Task CompleteTaskOrchestrationWorkItemAsync(
        TaskOrchestrationWorkItem workItem,
        OrchestrationRuntimeState newOrchestrationRuntimeState,
        IList<TaskMessage> outboundMessages,
        IList<TaskMessage> orchestratorMessages,
        IList<TaskMessage> timerMessages,
        TaskMessage continuedAsNewMessage,
        OrchestrationState orchestrationState)
    {
        var id = workItem.InstanceId;
        foreach (var e in newOrchestrationRuntimeState.NewEvents)
        {
            Record(id, $"history:{e.EventType}", e);
        }

        foreach (var m in outboundMessages.Concat(orchestratorMessages).Concat(timerMessages).Append(continuedAsNewMessage).Where(m => m is not null))
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
            await inner.CompleteTaskOrchestrationWorkItemAsync(workItem, newOrchestrationRuntimeState, outboundMessages, orchestratorMessages, timerMessages, continuedAsNewMessage, orchestrationState);
            if (orchestrationState is not null)
            {
                StateCommitted?.Invoke(orchestrationState);
            }
        }
    }

    public Task CompleteTaskActivityWorkItemAsync(TaskActivityWorkItem workItem, TaskMessage responseMessage)
    {
        Record(responseMessage.OrchestrationInstance.InstanceId, $"activity-result:{responseMessage.Event?.EventType}", responseMessage);
        return inner.CompleteTaskActivityWorkItemAsync(workItem, responseMessage);
    }

    public Task CreateTaskOrchestrationAsync(TaskMessage creationMessage)
    {
        Record(creationMessage.OrchestrationInstance.InstanceId, "create", creationMessage);
        return Client.CreateTaskOrchestrationAsync(creationMessage);
    }

    public Task CreateTaskOrchestrationAsync(TaskMessage creationMessage, OrchestrationStatus[] dedupeStatuses)
    {
        Record(creationMessage.OrchestrationInstance.InstanceId, "create", creationMessage);
        return Client.CreateTaskOrchestrationAsync(creationMessage, dedupeStatuses);
    }

    /// <summary>
    /// Called with each message a client sends to an instance (a raised event, a termination); when it returns true the
    /// message is not delivered: the test has taken it, e.g. to hand it to <see cref="BeforeStep"/>'s work item so it
    /// lands in the same batch as a timer.
    /// </summary>
    public Func<TaskMessage, bool>? DivertSend { get; set; }

    public Task SendTaskOrchestrationMessageAsync(TaskMessage message)
    {
        Record(message.OrchestrationInstance.InstanceId, $"send:{message.Event?.EventType}", message);
        return DivertSend?.Invoke(message) == true ? Task.CompletedTask : Client.SendTaskOrchestrationMessageAsync(message);
    }

    public Task SendTaskOrchestrationMessageBatchAsync(params TaskMessage[] messages)
    {
        foreach (var m in messages)
        {
            Record(m.OrchestrationInstance.InstanceId, $"send:{m.Event?.EventType}", m);
        }

        return Client.SendTaskOrchestrationMessageBatchAsync(messages);
    }

    public Task StartAsync() => inner.StartAsync();

    public Task StopAsync() => inner.StopAsync();

    public Task StopAsync(bool isForced) => inner.StopAsync(isForced);

    public Task CreateAsync() => inner.CreateAsync();

    public Task CreateAsync(bool recreateInstanceStore) => inner.CreateAsync(recreateInstanceStore);

    public Task CreateIfNotExistsAsync() => inner.CreateIfNotExistsAsync();

    public Task DeleteAsync() => inner.DeleteAsync();

    public Task DeleteAsync(bool deleteInstanceStore) => inner.DeleteAsync(deleteInstanceStore);

    public bool IsMaxMessageCountExceeded(int currentMessageCount, OrchestrationRuntimeState runtimeState) => inner.IsMaxMessageCountExceeded(currentMessageCount, runtimeState);

    public int GetDelayInSecondsAfterOnProcessException(Exception exception) => inner.GetDelayInSecondsAfterOnProcessException(exception);

    public int GetDelayInSecondsAfterOnFetchException(Exception exception) => inner.GetDelayInSecondsAfterOnFetchException(exception);

    /// <summary>
    /// Called with each orchestration work item the engine has taken (its instance locked, its new messages in hand)
    /// before the worker runs the step. A test uses it to act at an exact point, e.g. raise an event once a timer has
    /// fired but before the orchestrator has seen it; the step waits for the returned task.
    /// </summary>
    public Func<TaskOrchestrationWorkItem, Task>? BeforeStep { get; set; }

    public async Task<TaskOrchestrationWorkItem> LockNextTaskOrchestrationWorkItemAsync(TimeSpan receiveTimeout, CancellationToken cancellationToken)
    {
        var workItem = await inner.LockNextTaskOrchestrationWorkItemAsync(receiveTimeout, cancellationToken);
        if (workItem is not null && BeforeStep is { } before)
        {
            await before(workItem);
        }

        return workItem!;
    }

    public Task RenewTaskOrchestrationWorkItemLockAsync(TaskOrchestrationWorkItem workItem) => inner.RenewTaskOrchestrationWorkItemLockAsync(workItem);

    public Task AbandonTaskOrchestrationWorkItemAsync(TaskOrchestrationWorkItem workItem) => inner.AbandonTaskOrchestrationWorkItemAsync(workItem);

    public Task ReleaseTaskOrchestrationWorkItemAsync(TaskOrchestrationWorkItem workItem) => inner.ReleaseTaskOrchestrationWorkItemAsync(workItem);

    public Task<TaskActivityWorkItem> LockNextTaskActivityWorkItem(TimeSpan receiveTimeout, CancellationToken cancellationToken) =>
        inner.LockNextTaskActivityWorkItem(receiveTimeout, cancellationToken);

    public Task<TaskActivityWorkItem> RenewTaskActivityWorkItemLockAsync(TaskActivityWorkItem workItem) => inner.RenewTaskActivityWorkItemLockAsync(workItem);

    public Task AbandonTaskActivityWorkItemAsync(TaskActivityWorkItem workItem) => inner.AbandonTaskActivityWorkItemAsync(workItem);

    public Task<OrchestrationState> WaitForOrchestrationAsync(string instanceId, string executionId, TimeSpan timeout, CancellationToken cancellationToken) =>
        Client.WaitForOrchestrationAsync(instanceId, executionId, timeout, cancellationToken);

    public Task ForceTerminateTaskOrchestrationAsync(string instanceId, string reason) => Client.ForceTerminateTaskOrchestrationAsync(instanceId, reason);

    public Task<IList<OrchestrationState>> GetOrchestrationStateAsync(string instanceId, bool allExecutions)
    {
        Read($"state:{instanceId}");
        return Client.GetOrchestrationStateAsync(instanceId, allExecutions);
    }

    public Task<OrchestrationState> GetOrchestrationStateAsync(string instanceId, string executionId)
    {
        Read($"state:{instanceId}");
        return Client.GetOrchestrationStateAsync(instanceId, executionId);
    }

    /// <summary>Every recorded history event of the instance (all executions), as a JSON array.</summary>
    public Task<string> GetOrchestrationHistoryAsync(string instanceId, string executionId)
    {
        Read($"history:{instanceId}");
        return Task.FromResult("[" + string.Join(",", For(instanceId).Where(r => r.Kind.StartsWith("history:", StringComparison.Ordinal)).Select(r => r.Json)) + "]");
    }

    public Task PurgeOrchestrationHistoryAsync(DateTime thresholdDateTimeUtc, OrchestrationStateTimeRangeFilterType timeRangeFilterType) =>
        Client.PurgeOrchestrationHistoryAsync(thresholdDateTimeUtc, timeRangeFilterType);

    public Task<OrchestrationQueryResult> GetOrchestrationWithQueryAsync(OrchestrationQuery query, CancellationToken cancellationToken)
    {
        Read($"query:pageSize={query.PageSize}:fetchInputsAndOutputs={query.FetchInputsAndOutputs}:continued={!string.IsNullOrEmpty(query.ContinuationToken)}");
        return ((IOrchestrationServiceQueryClient)inner).GetOrchestrationWithQueryAsync(query, cancellationToken);
    }

    public Task<PurgeResult> PurgeInstanceStateAsync(string instanceId) => ((IOrchestrationServicePurgeClient)inner).PurgeInstanceStateAsync(instanceId);

    public Task<PurgeResult> PurgeInstanceStateAsync(PurgeInstanceFilter purgeInstanceFilter) => ((IOrchestrationServicePurgeClient)inner).PurgeInstanceStateAsync(purgeInstanceFilter);

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

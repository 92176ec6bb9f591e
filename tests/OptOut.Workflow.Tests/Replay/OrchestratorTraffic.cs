using System.Collections.Concurrent;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.DurableTask.Protobuf;
using Microsoft.DurableTask.Worker.Grpc;
using Microsoft.Extensions.DependencyInjection;

namespace OptOut.Workflow.Tests.Replay;

/// <summary>One orchestrator step as it crossed the worker's gRPC connection: the work item and the worker's answer.</summary>
public sealed record CapturedStep(OrchestratorRequest Request, OrchestratorResponse Response);

/// <summary>
/// Records, on the durable worker's gRPC connection to the in-process engine, every orchestrator work item
/// (<see cref="OrchestratorRequest"/>: PastEvents and NewEvents) and the worker's answer (<see cref="OrchestratorResponse"/>:
/// actions and custom status). These are the messages the Functions host exchanges with
/// <see cref="GrpcOrchestrationRunner.LoadAndRun(string, Microsoft.DurableTask.ITaskOrchestrator, IServiceProvider?)"/>.
/// </summary>
public sealed class OrchestratorTraffic : Interceptor
{
    private readonly ConcurrentDictionary<string, OrchestratorRequest> _pending = new();
    private readonly ConcurrentQueue<CapturedStep> _steps = new();

    /// <summary>Routes the worker's calls through this recorder (add to the worker host's services).</summary>
    public void AddTo(IServiceCollection services) =>
        services.PostConfigureAll<GrpcDurableTaskWorkerOptions>(o =>
        {
            o.CallInvoker = (o.Channel ?? throw new InvalidOperationException("The worker has no gRPC channel to record.")).Intercept(this);
            o.Channel = null;
        });

    public IReadOnlyList<CapturedStep> For(string instanceId) => [.. _steps.Where(s => s.Request.InstanceId == instanceId)];

    /// <summary>
    /// The executions of an instance, each as the full history the engine kept (the last work item's PastEvents and
    /// NewEvents, then the events of the last step's actions) and the custom status of each step.
    /// </summary>
    public IReadOnlyList<RecordedExecution> Executions(string instanceId)
    {
        // An execution starts with a work item that has no past and an ExecutionStarted event. (The in-process engine runs
        // the first step of a continued-as-new execution in the same work item and still gives the previous execution's
        // id in the request, so the id is read from the ExecutionStarted event.)
        var executions = new List<List<CapturedStep>>();
        foreach (var step in For(instanceId))
        {
            if (step.Request.PastEvents.Count == 0 && step.Request.NewEvents.Any(e => e.ExecutionStarted is not null))
            {
                executions.Add([]);
            }

            executions[^1].Add(step);
        }

        return [.. executions.Select(steps =>
        {
            var last = steps[^1];
            var started = steps[0].Request.NewEvents.First(e => e.ExecutionStarted is not null).ExecutionStarted;
            var startedAt = last.Request.NewEvents[0].Timestamp;
            List<HistoryEvent> history = [.. last.Request.PastEvents, .. last.Request.NewEvents, .. Produced(last.Response, startedAt)];
            return new RecordedExecution(instanceId, started.OrchestrationInstance.ExecutionId, history, [.. steps.Select(s => s.Response.CustomStatus)]);
        })];
    }

    /// <summary>
    /// The history events for a step's actions, as the engine records them (the engine never hands the last step of an
    /// execution back to the worker, so these are built from the worker's answer; they carry the step's start time).
    /// </summary>
    private static IEnumerable<HistoryEvent> Produced(OrchestratorResponse response, Timestamp at)
    {
        foreach (var a in response.Actions)
        {
            var e = new HistoryEvent { EventId = a.Id, Timestamp = at };
            switch (a.OrchestratorActionTypeCase)
            {
                case OrchestratorAction.OrchestratorActionTypeOneofCase.ScheduleTask:
                    e.TaskScheduled = new TaskScheduledEvent { Name = a.ScheduleTask.Name, Version = a.ScheduleTask.Version, Input = a.ScheduleTask.Input };
                    break;
                case OrchestratorAction.OrchestratorActionTypeOneofCase.CreateTimer:
                    e.TimerCreated = new TimerCreatedEvent { FireAt = a.CreateTimer.FireAt };
                    break;
                case OrchestratorAction.OrchestratorActionTypeOneofCase.CompleteOrchestration when a.CompleteOrchestration.OrchestrationStatus == OrchestrationStatus.ContinuedAsNew:
                    e.ContinueAsNew = new ContinueAsNewEvent { Input = a.CompleteOrchestration.Result };
                    break;
                case OrchestratorAction.OrchestratorActionTypeOneofCase.CompleteOrchestration:
                    var c = a.CompleteOrchestration;
                    e.ExecutionCompleted = new ExecutionCompletedEvent { OrchestrationStatus = c.OrchestrationStatus, Result = c.Result, FailureDetails = c.FailureDetails };
                    break;
                default:
                    throw new NotSupportedException($"Recording does not support the action {a.OrchestratorActionTypeCase}.");
            }

            yield return e;
        }

        yield return new HistoryEvent { EventId = -1, Timestamp = at, OrchestratorCompleted = new OrchestratorCompletedEvent() };
    }

    public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(
        TRequest request,
        ClientInterceptorContext<TRequest, TResponse> context,
        AsyncServerStreamingCallContinuation<TRequest, TResponse> continuation)
    {
        var call = continuation(request, context);
        return new AsyncServerStreamingCall<TResponse>(new WorkItemReader<TResponse>(call.ResponseStream, this), call.ResponseHeadersAsync, call.GetStatus, call.GetTrailers, call.Dispose);
    }

    public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(
        TRequest request,
        ClientInterceptorContext<TRequest, TResponse> context,
        AsyncUnaryCallContinuation<TRequest, TResponse> continuation)
    {
        if (request is OrchestratorResponse response && _pending.TryRemove(response.InstanceId, out var started))
        {
            _steps.Enqueue(new CapturedStep(started, response.Clone()));
        }

        return continuation(request, context);
    }

    private sealed class WorkItemReader<T>(IAsyncStreamReader<T> inner, OrchestratorTraffic traffic) : IAsyncStreamReader<T>
    {
        public T Current => inner.Current;

        public async Task<bool> MoveNext(CancellationToken cancellationToken)
        {
            var more = await inner.MoveNext(cancellationToken);
            if (more && inner.Current is WorkItem { OrchestratorRequest: { } request })
            {
                if (request.RequiresHistoryStreaming)
                {
                    throw new NotSupportedException("Recording does not support streamed histories.");
                }

                traffic._pending[request.InstanceId] = request.Clone();
            }

            return more;
        }
    }
}

using System.Collections.Concurrent;
using System.Diagnostics.Tracing;

namespace OptOut.Bench;

/// <summary>
/// Samples what the process allocates, by type, from the runtime's own allocation ticks (one event per ~100 KB
/// allocated, naming the type of the object that crossed the mark): a profile of allocations without a profiler.
/// Used by <c>--side ... --allocations</c>.
/// </summary>
internal sealed class Allocations : EventListener
{
    private readonly ConcurrentDictionary<string, long> _bytes = new(StringComparer.Ordinal);

    protected override void OnEventSourceCreated(EventSource source)
    {
        if (source.Name == "Microsoft-Windows-DotNETRuntime")
        {
            EnableEvents(source, EventLevel.Verbose, (EventKeywords)0x1); // GC keyword: AllocationTick
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs e)
    {
        if (e.EventName?.StartsWith("GCAllocationTick", StringComparison.Ordinal) == true && e.Payload is { } p)
        {
            var type = e.PayloadNames!.IndexOf("TypeName") is var i and >= 0 ? p[i] as string ?? "?" : "?";
            var amount = e.PayloadNames.IndexOf("AllocationAmount64") is var j and >= 0 ? Convert.ToInt64(p[j]) : 100_000;
            _bytes.AddOrUpdate(type, amount, (_, v) => v + amount);
        }
    }

    public void Reset() => _bytes.Clear();

    public string Report(long cases, int top = 25) => string.Join(
        Environment.NewLine,
        _bytes.OrderByDescending(kv => kv.Value).Take(top).Select(kv => $"  {kv.Value / 1024.0 / Math.Max(1, cases),8:F1} KB/case  {kv.Key}"));
}

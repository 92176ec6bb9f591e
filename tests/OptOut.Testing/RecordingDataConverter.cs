using System.Collections.Concurrent;
using Microsoft.DurableTask;

namespace OptOut.Testing;

/// <summary>
/// The engine's data converter, recording every payload it serializes: orchestration inputs and outputs, activity inputs
/// and results, external event data and custom status — everything that becomes orchestration history.
/// </summary>
public sealed class RecordingDataConverter : DataConverter
{
    private readonly ConcurrentQueue<string> _payloads = new();

    public IReadOnlyCollection<string> Payloads => _payloads.ToArray();

    public override string? Serialize(object? value)
    {
        var json = Microsoft.DurableTask.Converters.JsonDataConverter.Default.Serialize(value);
        if (json is not null)
        {
            _payloads.Enqueue(json);
        }

        return json;
    }

    public override object? Deserialize(string? data, Type targetType) => Microsoft.DurableTask.Converters.JsonDataConverter.Default.Deserialize(data, targetType);
}

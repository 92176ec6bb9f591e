using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace OptOut.Testing;

/// <summary>Captures every log line (formatted message, structured values and exception text) for SSN scans.</summary>
public sealed class CapturedLogs : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly ConcurrentQueue<string> _messages = new();

    /// <summary>Every line with level, category, message, structured values and exception.</summary>
    public IReadOnlyCollection<string> Lines => _lines.ToArray();

    /// <summary>Just the formatted messages.</summary>
    public IReadOnlyCollection<string> Messages => _messages.ToArray();

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _lines, _messages);

    public void Dispose()
    {
    }

    private sealed class Logger(string category, ConcurrentQueue<string> lines, ConcurrentQueue<string> messages) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull
        {
            lines.Enqueue($"{category} scope: {state}");
            return null;
        }

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var values = state is IEnumerable<KeyValuePair<string, object?>> kv ? string.Join(" ", kv.Select(p => $"{p.Key}={p.Value}")) : "";
            var message = formatter(state, exception);
            messages.Enqueue(message);
            lines.Enqueue($"{logLevel} {category}: {message} [{values}] {exception}");
        }
    }
}

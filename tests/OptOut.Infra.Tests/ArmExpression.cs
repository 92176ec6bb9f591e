using System.Text.Json.Nodes;

namespace OptOut.Infra.Tests;

/// <summary>
/// Evaluates the small subset of ARM template expressions the compiled template uses for its parameter-driven
/// switches (if, not, empty, equals, and, or, parameters, variables, createObject, createArray, string literals,
/// true/false), so a test can "deploy" a property with a parameter set either way without Azure. Anything else
/// throws: a test then fails loudly instead of guessing.
/// </summary>
internal sealed class ArmExpression
{
    private readonly string _text;
    private readonly Func<string, JsonNode?> _parameters;
    private readonly Func<string, JsonNode?> _variables;
    private int _pos;

    // Inside the branch of if() that is not taken: parse only (its functions may need values this evaluator lacks).
    private bool _skipping;

    private ArmExpression(string text, Func<string, JsonNode?> parameters, Func<string, JsonNode?> variables)
    {
        _text = text;
        _parameters = parameters;
        _variables = variables;
    }

    /// <summary>A template value: a "[expression]" string is evaluated, objects and arrays element by element, anything else is returned as is.</summary>
    public static JsonNode? Evaluate(JsonNode? value, Func<string, JsonNode?> parameters, Func<string, JsonNode?>? variables = null)
    {
        variables ??= name => throw new NotSupportedException($"variables('{name}') has no scope here.");
        switch (value)
        {
            case JsonValue v when v.TryGetValue<string>(out var s) && s.StartsWith('[') && !s.StartsWith("[[", StringComparison.Ordinal):
                var e = new ArmExpression(s[1..^1], parameters, variables);
                var result = e.Expression();
                e.SkipSpace();
                if (e._pos != e._text.Length)
                {
                    throw new NotSupportedException($"Unparsed rest in {s}: {e._text[e._pos..]}");
                }

                return result;
            case JsonObject o:
                var copy = new JsonObject();
                foreach (var (k, v2) in o)
                {
                    copy[k] = Evaluate(v2, parameters, variables)?.DeepClone();
                }

                return copy;
            case JsonArray a:
                return new JsonArray(a.Select(i => Evaluate(i, parameters, variables)?.DeepClone()).ToArray());
            default:
                return value?.DeepClone();
        }
    }

    /// <summary>A value of the template's own scope: its parameters from <paramref name="given"/>, else their defaults; its variables evaluated on demand.</summary>
    public static JsonNode? EvaluateIn(JsonNode template, JsonNode? value, IReadOnlyDictionary<string, JsonNode?> given)
    {
        JsonNode? Parameter(string name) => given.TryGetValue(name, out var v)
            ? v
            : template["parameters"]?[name]?["defaultValue"] is { } d ? Evaluate(d, Parameter, Variable) : throw new KeyNotFoundException($"Parameter {name} has no value and no default.");
        JsonNode? Variable(string name) => Evaluate(template["variables"]?[name] ?? throw new KeyNotFoundException($"No variable {name}."), Parameter, Variable);
        return Evaluate(value, Parameter, Variable);
    }

    private JsonNode? Expression()
    {
        SkipSpace();
        if (Peek() == '\'')
        {
            var literal = StringLiteral();
            return _skipping ? null : JsonValue.Create(literal);
        }

        var name = Identifier();
        if (name is "true" or "false")
        {
            return _skipping ? null : JsonValue.Create(name == "true");
        }

        Expect('(');
        var args = new List<JsonNode?>();
        SkipSpace();
        if (Peek() != ')')
        {
            var outerSkipping = _skipping;
            do
            {
                // if(c, a, b): evaluate only the branch taken.
                if (name == "if" && args.Count is 1 or 2 && !outerSkipping)
                {
                    var taken = Bool(args[0]) ? 1 : 2;
                    _skipping = args.Count != taken;
                }

                args.Add(Expression());
                SkipSpace();
            }
            while (TryTake(','));
            _skipping = outerSkipping;
        }

        Expect(')');
        return _skipping ? null : Call(name, args);
    }

    private JsonNode? Call(string name, List<JsonNode?> args) => name switch
    {
        "parameters" => _parameters(Str(args[0]))?.DeepClone(),
        "variables" => _variables(Str(args[0]))?.DeepClone(),
        "if" => Bool(args[0]) ? args[1] : args[2],
        "not" => JsonValue.Create(!Bool(args[0])),
        "and" => JsonValue.Create(args.All(Bool)),
        "or" => JsonValue.Create(args.Any(Bool)),
        "equals" => JsonValue.Create(JsonNode.DeepEquals(args[0], args[1])),
        "empty" => JsonValue.Create(args[0] switch
        {
            null => true,
            JsonArray a => a.Count == 0,
            JsonObject o => o.Count == 0,
            JsonValue v when v.TryGetValue<string>(out var s) => s.Length == 0,
            _ => false,
        }),
        "createObject" => CreateObject(args),
        "createArray" => new JsonArray(args.Select(a => a?.DeepClone()).ToArray()),
        // ARM's string(): booleans as True/False, strings unchanged, anything else as its JSON.
        "string" => JsonValue.Create(args[0] switch
        {
            JsonValue v when v.TryGetValue<bool>(out var b) => b ? "True" : "False",
            JsonValue v when v.TryGetValue<string>(out var text) => text,
            var other => other?.ToJsonString() ?? "",
        }),
        _ => throw new NotSupportedException($"ARM function {name}() is not supported by this evaluator."),
    };

    private static JsonObject CreateObject(List<JsonNode?> args)
    {
        var o = new JsonObject();
        for (var i = 0; i < args.Count; i += 2)
        {
            o[Str(args[i])] = args[i + 1]?.DeepClone();
        }

        return o;
    }

    private static string Str(JsonNode? n) => n!.GetValue<string>();

    private static bool Bool(JsonNode? n) => n switch
    {
        JsonValue v when v.TryGetValue<bool>(out var b) => b,
        // azd passes "${VAR=false}" through as a string; ARM converts it for a bool parameter.
        JsonValue v when v.TryGetValue<string>(out var s) && bool.TryParse(s, out var b) => b,
        _ => throw new NotSupportedException($"Not a bool: {n?.ToJsonString()}"),
    };

    private string StringLiteral()
    {
        Expect('\'');
        var sb = new System.Text.StringBuilder();
        while (true)
        {
            var c = _text[_pos++];
            if (c == '\'')
            {
                if (_pos < _text.Length && _text[_pos] == '\'')
                {
                    sb.Append('\'');
                    _pos++;
                    continue;
                }

                return sb.ToString();
            }

            sb.Append(c);
        }
    }

    private string Identifier()
    {
        var start = _pos;
        while (_pos < _text.Length && char.IsLetterOrDigit(_text[_pos]))
        {
            _pos++;
        }

        if (start == _pos)
        {
            throw new NotSupportedException($"Expected a function at {_pos} in {_text}");
        }

        return _text[start.._pos];
    }

    private char Peek() => _pos < _text.Length ? _text[_pos] : '\0';

    private bool TryTake(char c)
    {
        SkipSpace();
        if (Peek() != c)
        {
            return false;
        }

        _pos++;
        return true;
    }

    private void Expect(char c)
    {
        if (!TryTake(c))
        {
            throw new NotSupportedException($"Expected '{c}' at {_pos} in {_text} (property access and indexing are not supported).");
        }
    }

    private void SkipSpace()
    {
        while (_pos < _text.Length && _text[_pos] == ' ')
        {
            _pos++;
        }
    }
}

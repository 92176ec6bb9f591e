using System.Text.Json.Nodes;

namespace OptOut.Infra.Tests;

/// <summary>
/// The compiled main template "deployed" on paper with chosen parameter values: which modules are deployed (their
/// condition) and what a parameter-driven property of a resource inside a module evaluates to. Values the evaluator
/// cannot compute (references to other deployments' outputs, resource ids) are only evaluated when asked for.
/// </summary>
internal sealed class CompiledDeployment(JsonNode main, IReadOnlyDictionary<string, JsonNode?> parameters)
{
    public static async Task<CompiledDeployment> WithAsync(params (string Name, JsonNode? Value)[] parameters) =>
        new(await BicepCli.TemplateAsync(), parameters.ToDictionary(p => p.Name, p => p.Value));

    public JsonNode Main => main;

    public JsonNode Module(string name) => BicepCompileTests.Resources(main)
        .Single(r => r["type"]?.GetValue<string>() == "Microsoft.Resources/deployments" && r["name"]?.GetValue<string>() == name);

    /// <summary>Whether the module is deployed (no condition, or its condition is true).</summary>
    public bool Deploys(string module) =>
        Module(module)["condition"] is not { } condition || ArmExpression.EvaluateIn(main, condition, parameters)!.GetValue<bool>();

    /// <summary>A main-scope value (a variable or an output expression).</summary>
    public JsonNode? MainValue(JsonNode? expression) => ArmExpression.EvaluateIn(main, expression, parameters);

    /// <summary>The resources of one type inside a module.</summary>
    public IReadOnlyList<JsonNode> Resources(string module, string type) =>
        BicepCompileTests.Resources(Module(module)["properties"]!["template"]!).Where(r => r["type"]?.GetValue<string>() == type).ToList();

    /// <summary>A value inside a module, evaluated with the module parameters main passes (themselves evaluated with main's parameters).</summary>
    public JsonNode? InModule(string module, JsonNode? value)
    {
        var deployment = Module(module);
        var template = deployment["properties"]!["template"]!;
        var passed = deployment["properties"]!["parameters"]!;
        var cache = new Dictionary<string, JsonNode?>();
        JsonNode? Parameter(string name)
        {
            if (!cache.TryGetValue(name, out var v))
            {
                // Either { "value": expr } or, for a conditional value, one expression yielding { "value": ... }.
                v = passed[name] is { } p
                    ? (p is JsonObject o ? MainValue(o["value"]) : MainValue(p)!["value"])
                    : ArmExpression.EvaluateIn(template, template["parameters"]![name]!["defaultValue"], new Dictionary<string, JsonNode?>());
                cache[name] = v;
            }

            return v;
        }

        JsonNode? Variable(string name) => ArmExpression.Evaluate(template["variables"]![name], Parameter, Variable);
        return ArmExpression.Evaluate(value, Parameter, Variable);
    }
}

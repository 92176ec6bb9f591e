using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace OptOut.Infra.Tests;

/// <summary>
/// The alerts module: an action group emailing a parameter, the four alert rules with their queries and targets, the
/// storage queue write logs the poison alert reads, and the operations workbook — read from the compiled template, and
/// checked against the telemetry the app really emits (instrument names in WorkflowTelemetry, the scan's log line in Log.cs).
/// </summary>
public sealed class AlertTests
{
    private static async Task<JsonNode> AlertsModule() =>
        BicepCompileTests.Resources(await BicepCli.TemplateAsync()).Single(r => r["type"]?.GetValue<string>() == "Microsoft.Resources/deployments" && r["name"]?.GetValue<string>() == "alerts");

    private static async Task<List<JsonNode>> Resources(string type) =>
        [.. BicepCompileTests.Resources((await AlertsModule())["properties"]!["template"]!).Where(r => r["type"]?.GetValue<string>() == type)];

    private static async Task<JsonArray> Rules()
    {
        var variables = (await AlertsModule())["properties"]!["template"]!["variables"]!;
        return variables["rules"]!.AsArray();
    }

    private static async Task<JsonNode> Rule(string name) => (await Rules()).Single(r => r!["name"]!.GetValue<string>() == name)!;

    [Fact]
    public async Task The_action_group_emails_the_alert_email_parameter_or_else_the_escalation_contact()
    {
        var group = Assert.Single(await Resources("Microsoft.Insights/actionGroups"));
        var receiver = Assert.Single(group["properties"]!["emailReceivers"]!.AsArray())!;
        Assert.Equal("[parameters('alertEmail')]", receiver["emailAddress"]!.GetValue<string>());

        var passed = (await AlertsModule())["properties"]!["parameters"]!["alertEmail"]!.GetValue<string>(); // an if(...) expression
        Assert.Contains("parameters('alertEmail')", passed, StringComparison.Ordinal);
        Assert.Contains("parameters('escalationContactEmail')", passed, StringComparison.Ordinal);
        Assert.Equal("${ALERT_EMAIL}", JsonNode.Parse(Repo.Read("infra", "main.parameters.json"))!["parameters"]!["alertEmail"]!["value"]!.GetValue<string>());
    }

    [Fact]
    public async Task Every_rule_is_a_scheduled_query_that_alerts_the_action_group_on_any_row()
    {
        var rules = Assert.Single(await Resources("Microsoft.Insights/scheduledQueryRules"));
        Assert.Equal("[length(variables('rules'))]", rules["copy"]!["count"]!.GetValue<string>());
        var p = rules["properties"]!;
        Assert.Contains("actionGroups", p["actions"]!.ToJsonString(), StringComparison.Ordinal);
        Assert.Contains("Microsoft.Insights/actionGroups", p["actions"]!.ToJsonString(), StringComparison.Ordinal);
        var criterion = Assert.Single(p["criteria"]!["allOf"]!.AsArray())!;
        Assert.Equal("GreaterThan", criterion["operator"]!.GetValue<string>());
        Assert.Equal(0, criterion["threshold"]!.GetValue<int>());
        Assert.Equal(["optout-orchestration-failed", "optout-cases-closed-failed", "optout-stale-cases", "optout-intake-poison"], (await Rules()).Select(r => r!["name"]!.GetValue<string>()));
    }

    [Fact]
    public async Task Failed_orchestrations_are_read_from_the_durable_extension_traces_in_application_insights()
    {
        var rule = await Rule("optout-orchestration-failed");
        var query = rule["query"]!.GetValue<string>();

        Assert.Contains("Host.Triggers.DurableTask", query, StringComparison.Ordinal);
        Assert.Contains("prop__state) == \"Failed\"", query, StringComparison.Ordinal);
        Assert.Contains("\"OptOutCaseOrchestrator\"", query, StringComparison.Ordinal);
        Assert.Contains("Microsoft.Insights/components", rule["scope"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(1, rule["severity"]!.GetValue<int>());
    }

    [Fact]
    public async Task Stale_cases_are_read_from_the_scans_summary_line_as_Log_cs_writes_it()
    {
        var rule = await Rule("optout-stale-cases");
        var query = rule["query"]!.GetValue<string>();
        var log = Repo.Read("src", "OptOut.Workflow", "Log.cs");
        var message = Regex.Match(log, "Message = \"(Stale-case scan \\{Date\\}: \\{Stale\\} case\\(s\\) need attention: [^\"]+)\"").Groups[1].Value;

        Assert.NotEmpty(message);
        Assert.StartsWith("Stale-case scan {Date}: {Stale} case(s) need attention: AwaitingSupervisor={AwaitingSupervisor} ", message, StringComparison.Ordinal);
        Assert.Contains("parse message with \"Stale-case scan \" date \": \" stale:int \" case(s) need attention: AwaitingSupervisor=\"", query, StringComparison.Ordinal);
        foreach (var kind in new[] { "AwaitingRegistration", "StuckInStep", "NeverStarted", "RuntimeFailed", "Terminated" })
        {
            Assert.Contains($" {kind}={{{kind}}}", message, StringComparison.Ordinal);
            Assert.Contains($"\" {kind}=\"", query, StringComparison.Ordinal);
        }

        Assert.Contains("where stale > 0", query, StringComparison.Ordinal);
        Assert.Contains("Microsoft.Insights/components", rule["scope"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Failed_outcomes_are_read_from_the_cases_closed_metric()
    {
        var query = (await Rule("optout-cases-closed-failed"))["query"]!.GetValue<string>();

        Assert.Contains("customMetrics", query, StringComparison.Ordinal);
        Assert.Contains("\"optout.cases.closed\"", query, StringComparison.Ordinal);
        Assert.Contains("customDimensions.outcome) == \"Failed\"", query, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Poison_messages_are_read_from_the_storage_accounts_queue_write_logs_in_the_workspace()
    {
        var rule = await Rule("optout-intake-poison");
        Assert.Contains("StorageQueueLogs", rule["query"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("PutMessage", rule["query"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("parameters('poisonQueueName')", rule["query"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("Microsoft.OperationalInsights/workspaces", rule["scope"]!.GetValue<string>(), StringComparison.Ordinal);

        var module = await AlertsModule();
        Assert.Equal("[format('{0}-poison', variables('intakeQueueName'))]", module["properties"]!["parameters"]!["poisonQueueName"]!["value"]!.GetValue<string>());
        var diagnostics = Assert.Single(await Resources("Microsoft.Insights/diagnosticSettings"));
        Assert.Contains("queueServices", diagnostics["scope"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("Microsoft.OperationalInsights/workspaces", diagnostics["properties"]!["workspaceId"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("StorageWrite", Assert.Single(diagnostics["properties"]!["logs"]!.AsArray())!["category"]!.GetValue<string>());
    }

    [Fact]
    public async Task The_workbook_shows_stages_outcomes_time_to_decision_and_stale_cases_from_instruments_the_app_defines()
    {
        var workbook = Assert.Single(await Resources("Microsoft.Insights/workbooks"));
        Assert.Equal("shared", workbook["kind"]!.GetValue<string>());
        Assert.Contains("Microsoft.Insights/components", workbook["properties"]!["sourceId"]!.GetValue<string>(), StringComparison.Ordinal);
        // loadTextContent: the file's text is a variable of the module's template, used as is (no expression inside).
        var reference = Regex.Match(workbook["properties"]!["serializedData"]!.GetValue<string>(), @"^\[variables\('(?<name>[^']+)'\)\]$").Groups["name"].Value;
        var text = (await AlertsModule())["properties"]!["template"]!["variables"]![reference]!.GetValue<string>();
        Assert.Equal(Repo.Read("infra", "modules", "optout-workbook.json"), text);
        var data = JsonNode.Parse(text)!;
        var queries = data["items"]!.AsArray().Where(i => i!["type"]!.GetValue<int>() == 3).Select(i => i!["content"]!["query"]!.GetValue<string>()).ToList();

        var telemetry = Repo.Read("src", "OptOut.Workflow", "Telemetry", "WorkflowTelemetry.cs");
        foreach (var (metric, dimension) in new[] { ("optout.cases.open", "stage"), ("optout.cases.closed", "outcome"), ("optout.decision.wait", ""), ("optout.cases.stale", "kind") })
        {
            Assert.Contains($"\"{metric}\"", telemetry, StringComparison.Ordinal);
            Assert.Contains(queries, q => q.Contains($"name == \"{metric}\"", StringComparison.Ordinal) && (dimension.Length == 0 || q.Contains($"customDimensions.{dimension}", StringComparison.Ordinal)));
        }

        Assert.Contains(queries, q => q.Contains(" listed as ", StringComparison.Ordinal));
        Assert.Contains("listed as {Kind} (stage {Stage}, since {Since:u})", Repo.Read("src", "OptOut.Workflow", "Log.cs"), StringComparison.Ordinal);
    }
}

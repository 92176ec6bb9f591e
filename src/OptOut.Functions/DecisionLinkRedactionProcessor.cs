using System.Diagnostics;
using OpenTelemetry;
using OptOut.Api;

namespace OptOut.Functions;

/// <summary>
/// Every span the app exports passes through <see cref="DecisionLinkRedaction.RedactActivity(Activity?)"/>, at start
/// and at end (instrumentations add url and route tags at either): a decision link's token never reaches Application
/// Insights, whichever instrumentation recorded the request.
/// </summary>
internal sealed class DecisionLinkRedactionProcessor : BaseProcessor<Activity>
{
    public override void OnStart(Activity data) => DecisionLinkRedaction.RedactActivity(data);

    public override void OnEnd(Activity data) => DecisionLinkRedaction.RedactActivity(data);
}

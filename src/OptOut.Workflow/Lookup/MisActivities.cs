using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;
using OptOut.Workflow.Protection;
using OptOut.Workflow.Telemetry;

namespace OptOut.Workflow.Lookup;

/// <summary>Step 1 / 2a: Quick Search in the case manager's office, or statewide when <see cref="SeekerQuery.Office"/> is null.</summary>
public sealed class SearchSeekerActivity(IMisGateway mis, ILogger<SearchSeekerActivity> logger) : TaskActivity<SeekerQuery, SeekerMatch>
{
    public override async Task<SeekerMatch> RunAsync(TaskActivityContext context, SeekerQuery input)
    {
        using var span = WorkflowTelemetry.StartStep(input.Office is null ? "MIS statewide search" : "MIS office search", input.CaseId, System.Diagnostics.ActivityKind.Client);
        var match = await mis.SearchAsync(input.FirstName, input.LastName, input.Phone, input.Office, CancellationToken.None);
        Log.MisSearched(logger, input.CaseId, input.Office is null ? "statewide" : "office", match.Found);
        return match;
    }
}

/// <summary>Step 2a.ii: Add Seeker to Office.</summary>
public sealed class AddSeekerToOfficeActivity(IMisGateway mis, ILogger<AddSeekerToOfficeActivity> logger) : TaskActivity<AddSeekerRequest, AddSeekerResult>
{
    public override async Task<AddSeekerResult> RunAsync(TaskActivityContext context, AddSeekerRequest input)
    {
        using var span = WorkflowTelemetry.StartStep("MIS add seeker to office", input.CaseId, System.Diagnostics.ActivityKind.Client);
        var result = await mis.AddSeekerToOfficeAsync(input.SeekerId, input.Office, CancellationToken.None);
        Log.SeekerAdded(logger, input.CaseId, result.AlreadyInOffice);
        return result;
    }
}

/// <summary>Step 3: Opt-Out Lookup by SSN. The only place the SSN is decrypted, and it never leaves this call.</summary>
public sealed class OptOutLookupActivity(IMisGateway mis, SsnProtector protector, ILogger<OptOutLookupActivity> logger) : TaskActivity<OptOutLookupRequest, OptOutLookupResult>
{
    public override async Task<OptOutLookupResult> RunAsync(TaskActivityContext context, OptOutLookupRequest input)
    {
        using var span = WorkflowTelemetry.StartStep("MIS opt-out lookup", input.CaseId, System.Diagnostics.ActivityKind.Client);
        var ssn = protector.Unprotect(input.ProtectedSsn, input.CaseId);
        var result = await mis.OptOutLookupAsync(ssn, CancellationToken.None);
        Log.OptOutLookedUp(logger, input.CaseId, result.OptedOut);
        return result;
    }
}

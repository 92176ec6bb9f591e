namespace OptOut.Workflow.Intake;

/// <summary>The JSON body of POST /api/cases and of a message on the optout-intake queue.</summary>
public sealed class CaseIntakeRequest
{
    public string? CaseId { get; set; }
    public CaseManagerDto? CaseManager { get; set; }
    public ClientDto? Client { get; set; }
    public string? Reason { get; set; }
}

public sealed class CaseManagerDto
{
    public string? Name { get; set; }
    public string? Email { get; set; }
    public string? Office { get; set; }
}

public sealed class ClientDto
{
    public string? FirstName { get; set; }
    public string? LastName { get; set; }
    public string? Phone { get; set; }
    public string? Email { get; set; }
    public string? Ssn { get; set; }
    public bool? HasWorkSourceAccount { get; set; }
}

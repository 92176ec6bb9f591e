namespace OptOut.Workflow.Access;

/// <summary>Who is calling a use case.</summary>
public enum CallerKind
{
    /// <summary>A person signed in with the agency's Entra ID (App Service Authentication), with app roles and offices.</summary>
    Person,

    /// <summary>A system integration (an intake form, a queue producer's HTTP twin) holding an integration key mapped to offices.</summary>
    Integration,

    /// <summary>The app itself: the intake queue (producers need the storage account's data role) and jobs. Sees every office.</summary>
    System,
}

/// <summary>The app roles of the Entra app registration (claim type <c>roles</c>; docs/deployment.md, "Sign-in").</summary>
public static class AppRoles
{
    public const string CaseManager = "CaseManager";
    public const string Supervisor = "Supervisor";
    public const string Administrator = "Administrator";

    public static IReadOnlyList<string> All { get; } = [CaseManager, Supervisor, Administrator];
}

/// <summary>
/// The caller of a use case and what it may do (docs/access.md). Offices are office codes in lower case.
/// <list type="bullet">
/// <item>An administrator sees, opens and withdraws every office's cases.</item>
/// <item>A case manager opens cases for, and sees and withdraws the cases of, their own offices.</item>
/// <item>A supervisor sees the cases of the offices they supervise (and decides through the emailed link); they neither open nor withdraw.</item>
/// <item>An integration opens cases for the offices its key is mapped to, and reads the cases it opened: nothing else.</item>
/// <item>The system (the intake queue, jobs) may do everything.</item>
/// </list>
/// A case the caller may not see is answered as not found (404), never as forbidden, so case ids do not leak across offices.
/// </summary>
public sealed record Caller(CallerKind Kind, string Id, string Name, string? Email, IReadOnlySet<string> Roles, IReadOnlySet<string> Offices)
{
    /// <summary>The app itself (the intake queue, scheduled jobs, tests of the procedure).</summary>
    public static Caller System { get; } = new(CallerKind.System, "system", "Opt-Out Case Automation", null, new HashSet<string>(), new HashSet<string>());

    /// <summary>An integration key's caller: <paramref name="offices"/> null means every office.</summary>
    public static Caller Integration(string name, IEnumerable<string>? offices) =>
        new(CallerKind.Integration, name, name, null, new HashSet<string>(), Normalize(offices ?? []))
        {
            AllOffices = offices is null,
        };

    /// <summary>A signed-in person.</summary>
    public static Caller Person(string id, string name, string? email, IEnumerable<string> roles, IEnumerable<string> offices) =>
        new(CallerKind.Person, id, name, email, new HashSet<string>(roles, StringComparer.Ordinal), Normalize(offices));

    /// <summary>An integration mapped to every office (<c>*</c>).</summary>
    public bool AllOffices { get; private init; }

    public bool IsAdministrator => Kind == CallerKind.System || (Kind == CallerKind.Person && Roles.Contains(AppRoles.Administrator));

    public bool IsCaseManager => Kind == CallerKind.Person && Roles.Contains(AppRoles.CaseManager);

    public bool IsSupervisor => Kind == CallerKind.Person && Roles.Contains(AppRoles.Supervisor);

    /// <summary>A person with at least one of the app's roles (a signed-in person without one may do nothing).</summary>
    public bool HasRole => IsAdministrator || IsCaseManager || IsSupervisor;

    /// <summary>May open a case for <paramref name="office"/>.</summary>
    public bool CanOpenFor(string office) => Kind switch
    {
        CallerKind.System => true,
        CallerKind.Integration => AllOffices || Offices.Contains(Code(office)),
        CallerKind.Person => IsAdministrator || (IsCaseManager && Offices.Contains(Code(office))),
    };

    /// <summary>May list cases at all (integrations read only what they opened, by id).</summary>
    public bool CanList => Kind != CallerKind.Integration && (Kind == CallerKind.System || HasRole);

    /// <summary>The offices whose cases a list shows: null for every office.</summary>
    public IReadOnlySet<string>? ListScope => IsAdministrator ? null : Offices;

    /// <summary>May see a case of <paramref name="office"/>, opened by <paramref name="openedBy"/> (an integration's name, when one opened it).</summary>
    public bool CanSee(string office, string? openedBy) => Kind switch
    {
        CallerKind.System => true,
        CallerKind.Integration => openedBy is not null && string.Equals(openedBy, OpenerId, StringComparison.Ordinal),
        CallerKind.Person => IsAdministrator || ((IsCaseManager || IsSupervisor) && Offices.Contains(Code(office))),
    };

    /// <summary>May withdraw a case of <paramref name="office"/> (a supervisor who may see it may not withdraw it).</summary>
    public bool CanWithdraw(string office) => Kind switch
    {
        CallerKind.System => true,
        CallerKind.Integration => false,
        CallerKind.Person => IsAdministrator || (IsCaseManager && Offices.Contains(Code(office))),
    };

    /// <summary>What the case-id registry records as the opener of a case this caller opens (integrations only need it).</summary>
    public string OpenerId => Kind switch
    {
        CallerKind.Integration => "integration:" + Id,
        CallerKind.Person => "person:" + Id,
        CallerKind.System => "system",
    };

    /// <summary>The one office of a caller who has exactly one (the default office of a case they open).</summary>
    public string? OnlyOffice => Offices.Count == 1 ? Offices.First() : null;

    private static string Code(string office) => office.Trim().ToLowerInvariant();

    private static HashSet<string> Normalize(IEnumerable<string> offices) =>
        new(offices.Where(o => !string.IsNullOrWhiteSpace(o)).Select(Code), StringComparer.Ordinal);
}

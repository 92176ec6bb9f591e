using OptOut.Api.Access;
using OptOut.Testing;

namespace OptOut.LocalHost.Tests;

/// <summary>
/// The seeded people of the local host's dev sign-in (appsettings.json, LocalHost:DevPeople), as tests sign in: with the
/// same X-MS-CLIENT-PRINCIPAL header the dev sign-in's cookie (and Easy Auth in Azure) puts on every request. A
/// supervisor's offices follow from Offices:&lt;code&gt;:SupervisorEmail (TestSettings).
/// </summary>
internal static class People
{
    public static DevPerson Casey { get; } = new() { Id = "casey", Name = "Casey Manager", Email = "casey.manager@example.org", Roles = "CaseManager", Offices = "port-angeles" };

    public static DevPerson Jordan { get; } = new() { Id = "jordan", Name = "Jordan Manager", Email = "jordan.manager@example.org", Roles = "CaseManager", Offices = "bremerton" };

    public static DevPerson Pat { get; } = new() { Id = "pat", Name = "Pat Supervisor", Email = "pat.supervisor@example.org", Roles = "Supervisor" };

    public static DevPerson Robin { get; } = new() { Id = "robin", Name = "Robin Supervisor", Email = "robin.supervisor@example.org", Roles = "Supervisor" };

    public static DevPerson Alex { get; } = new() { Id = "alex", Name = "Alex Administrator", Email = "alex.admin@example.org", Roles = "Administrator" };

    public static DevPerson Nobody { get; } = new() { Id = "nobody", Name = "Noah Norole", Email = "noah.norole@example.org" };

    /// <summary>A browser-like client signed in as <paramref name="person"/>: no function key, redirects not followed.</summary>
    public static HttpClient SignedIn(this LocalHostServer host, DevPerson person, bool acceptJson = false)
    {
        var http = host.NewClient(key: null, followRedirects: false, acceptJson: acceptJson);
        http.DefaultRequestHeaders.Add(ClientPrincipal.Header, person.Principal());
        return http;
    }
}

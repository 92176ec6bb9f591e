using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OptOut.Api.Access;
using OptOut.Testing;
using OptOut.Workflow.Access;
using OptOut.Workflow.Hosting;

namespace OptOut.Functions.Tests;

/// <summary>Who a request is (docs/access.md): the Easy Auth principal only when the platform vouches for it, else an integration key.</summary>
public sealed class CallerResolverTests
{
    private const string Key = "integration-key-for-tests";

    [Fact]
    public void A_case_managers_principal_gives_their_roles_offices_name_and_email()
    {
        var caller = Person(Principal(("name", "Casey Manager"), ("preferred_username", "casey.manager@example.org"), ("roles", "CaseManager"), ("office", "Port-Angeles"), (Oid, "oid-1")));

        Assert.Equal(CallerKind.Person, caller.Kind);
        Assert.Equal("oid-1", caller.Id);
        Assert.Equal("Casey Manager", caller.Name);
        Assert.Equal("casey.manager@example.org", caller.Email);
        Assert.True(caller.IsCaseManager);
        Assert.Equal(["port-angeles"], caller.Offices);
        Assert.True(caller.CanOpenFor("port-angeles"));
        Assert.False(caller.CanOpenFor("bremerton"));
        Assert.False(caller.CanSee("bremerton", null));
    }

    [Fact]
    public void Offices_come_from_a_configured_claim_type_or_from_group_membership()
    {
        var byClaim = Person(Principal(("preferred_username", "a@example.org"), ("roles", "CaseManager"), ("extn.office", "bremerton")), ("Auth:OfficeClaimType", "extn.office"));
        Assert.Equal(["bremerton"], byClaim.Offices);

        var byGroup = Person(Principal(("preferred_username", "b@example.org"), ("roles", "CaseManager"), ("groups", "11111111-2222-3333-4444-555555555555"), ("groups", "not-an-office-group")),
            ("Offices:bremerton:EntraGroupId", "11111111-2222-3333-4444-555555555555"));
        Assert.Equal(["bremerton"], byGroup.Offices);
    }

    [Fact]
    public void A_supervisor_supervises_the_offices_whose_supervisor_email_is_theirs()
    {
        var pat = Person(Principal(("preferred_username", "Pat.Supervisor@example.org"), ("roles", "Supervisor")));
        Assert.Equal(["port-angeles"], pat.Offices);
        Assert.True(pat.CanSee("port-angeles", null));
        Assert.False(pat.CanWithdraw("port-angeles"));
        Assert.False(pat.CanOpenFor("port-angeles"));
    }

    [Fact]
    public void Unknown_roles_are_ignored_and_a_person_without_a_role_is_refused_with_403()
    {
        var (caller, problem) = Resolver().Resolve(Request(Principal(("preferred_username", "x@example.org"), ("roles", "Owner"))));
        Assert.Null(caller);
        Assert.Equal(403, problem!.StatusCode);
    }

    [Theory]
    [InlineData("not base64 at all!")]
    [InlineData("bm90IGpzb24=")] // "not json"
    [InlineData("eyJhdXRoX3R5cCI6ImFhZCJ9")] // {"auth_typ":"aad"}: no claims
    [InlineData("eyJhdXRoX3R5cCI6ImFhZCIsImNsYWltcyI6W3sidHlwIjoicm9sZXMiLCJ2YWwiOiJBZG1pbmlzdHJhdG9yIn1dfQ==")] // a role but no user id or email
    public void A_malformed_principal_is_401_and_never_a_caller(string header)
    {
        var (caller, problem) = Resolver().Resolve(Request(header));
        Assert.Null(caller);
        Assert.Equal(401, problem!.StatusCode);
        Assert.Null(Resolver().SignedIn(Request(header)));
    }

    [Fact]
    public void Without_easy_auth_in_front_a_forged_principal_is_ignored()
    {
        var admin = Principal(("preferred_username", "mallory@example.org"), ("roles", "Administrator"));
        var resolver = Resolver(("Auth:Mode", "None"));

        var (caller, problem) = resolver.Resolve(Request(admin));
        Assert.Null(caller);
        Assert.Equal(401, problem!.StatusCode);
        Assert.Null(resolver.SignedIn(Request(admin)));
    }

    [Fact]
    public void An_integration_key_is_mapped_to_its_offices_and_a_wrong_key_is_401()
    {
        var request = Request(null);
        request.Headers["x-functions-key"] = Key;
        var caller = Resolver().Resolve(request).Caller!;
        Assert.Equal(CallerKind.Integration, caller.Kind);
        Assert.True(caller.CanOpenFor("port-angeles"));
        Assert.False(caller.CanOpenFor("bremerton"));
        Assert.False(caller.CanList);
        Assert.True(caller.CanSee("port-angeles", caller.OpenerId));
        Assert.False(caller.CanSee("port-angeles", "integration:other"));
        Assert.False(caller.CanSee("port-angeles", null));

        var wrong = Request(null);
        wrong.QueryString = new QueryString("?code=not-the-key");
        Assert.Equal(401, Resolver().Resolve(wrong).Problem!.StatusCode);
        Assert.Equal(401, Resolver().Resolve(Request(null)).Problem!.StatusCode);
    }

    [Fact]
    public void A_signed_in_change_started_by_another_site_is_refused()
    {
        var request = Request(Principal(("preferred_username", "casey.manager@example.org"), ("roles", "CaseManager"), ("office", "port-angeles")));
        request.Method = "POST";
        request.Headers["Sec-Fetch-Site"] = "cross-site";
        Assert.Equal(403, Resolver().Resolve(request).Problem!.StatusCode);

        request.Headers["Sec-Fetch-Site"] = "same-origin";
        Assert.NotNull(Resolver().Resolve(request).Caller);
    }

    private const string Oid = "http://schemas.microsoft.com/identity/claims/objectidentifier";

    private static Caller Person(string principal, params (string Key, string Value)[] settings)
    {
        var (caller, problem) = Resolver(settings).Resolve(Request(principal));
        Assert.Null(problem);
        return caller!;
    }

    private static string Principal(params (string Type, string Value)[] claims) =>
        new ClientPrincipal("aad", [.. claims.Select(c => new PrincipalClaim(c.Type, c.Value))], "name", "roles").Encode();

    private static DefaultHttpContext Context(string? principal)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = "GET";
        if (principal is not null)
        {
            context.Request.Headers[ClientPrincipal.Header] = principal;
        }

        return context;
    }

    private static HttpRequest Request(string? principal) => Context(principal).Request;

    private static CallerResolver Resolver(params (string Key, string Value)[] settings)
    {
        var values = TestSettings.Defaults();
        values["Auth:Mode"] = "EasyAuth";
        values["Integrations:form:KeySha256"] = CallerResolver.HashKey(Key);
        values["Integrations:form:Offices"] = "port-angeles";
        foreach (var (key, value) in settings)
        {
            values[key] = value;
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        return new ServiceCollection().AddLogging().AddOptOutWorkflow(configuration).AddOptOutAccess(configuration)
            .BuildServiceProvider().GetRequiredService<CallerResolver>();
    }
}

using System.Collections.Concurrent;
using OptOut.Workflow.Lookup;
using OptOut.Workflow.Protection;

namespace OptOut.DevTools.Mis;

/// <summary>A participant in the simulated MIS.</summary>
public sealed class SimulatedParticipant
{
    public required string SeekerId { get; init; }
    public required string FirstName { get; init; }
    public required string LastName { get; init; }
    public required string Phone { get; init; }
    public required string Ssn { get; init; }
    public bool Registered { get; set; } = true;
    public bool OptedOut { get; set; }
    public HashSet<string> Offices { get; init; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The name the MIS holds differs from what the client gives (the "registered but cannot locate" branch).</summary>
    public string? MisFirstName { get; init; }

    /// <summary>After an opt-in, the MIS keeps the seeker hidden from partner searches for this many more searches.</summary>
    public int HiddenSearchesAfterOptIn { get; set; }

    /// <summary>What this seeded participant demonstrates.</summary>
    public string Scenario { get; init; } = "";
}

/// <summary>
/// An in-memory MIS with the behaviour partner staff see: opted-out seekers are invisible to searches; unregistered
/// clients do not exist until they register (and registration opts them in); the Opt-Out Lookup by SSN reports
/// last and first name of opted-out clients. Served over HTTP by the local host, used directly by tests.
/// </summary>
public sealed class MisSimulator : IMisGateway
{
    private readonly ConcurrentDictionary<string, SimulatedParticipant> _participants = new(StringComparer.OrdinalIgnoreCase);
    private readonly Lock _gate = new();

    public IReadOnlyCollection<SimulatedParticipant> Participants => _participants.Values.OrderBy(p => p.SeekerId, StringComparer.Ordinal).ToList();

    public SimulatedParticipant Add(SimulatedParticipant participant)
    {
        _participants[participant.SeekerId] = participant;
        return participant;
    }

    public SimulatedParticipant? Find(string seekerId) => _participants.GetValueOrDefault(seekerId);

    public Task<SeekerMatch> SearchAsync(string firstName, string lastName, string phone, string? office, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var wantedPhone = Digits(phone);
            foreach (var p in _participants.Values)
            {
                var nameMatches = string.Equals(p.MisFirstName ?? p.FirstName, firstName.Trim(), StringComparison.OrdinalIgnoreCase)
                    && string.Equals(p.LastName, lastName.Trim(), StringComparison.OrdinalIgnoreCase);
                if (!nameMatches || !p.Registered || p.OptedOut || (wantedPhone.Length > 0 && Digits(p.Phone) != wantedPhone))
                {
                    continue;
                }

                if (p.HiddenSearchesAfterOptIn > 0)
                {
                    p.HiddenSearchesAfterOptIn--;
                    continue;
                }

                if (office is null || p.Offices.Contains(office))
                {
                    return Task.FromResult(new SeekerMatch(true, p.SeekerId));
                }
            }

            return Task.FromResult(new SeekerMatch(false, null));
        }
    }

    public Task<AddSeekerResult> AddSeekerToOfficeAsync(string seekerId, string office, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (!_participants.TryGetValue(seekerId, out var p) || !p.Registered || p.OptedOut)
            {
                throw new MisGatewayException("MIS add seeker to office failed with HTTP 404.", 404);
            }

            var added = p.Offices.Add(office);
            return Task.FromResult(new AddSeekerResult(AlreadyInOffice: !added));
        }
    }

    public Task<OptOutLookupResult> OptOutLookupAsync(string ssnDigits, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var p = _participants.Values.FirstOrDefault(x => x.Ssn == ssnDigits && x.Registered);
            return Task.FromResult(p is { OptedOut: true }
                ? new OptOutLookupResult(true, p.LastName, p.FirstName)
                : new OptOutLookupResult(false, null, null));
        }
    }

    /// <summary>What the ESD WIOA supervisor does in MIS: Edit Job Seeker, clear the Opt-Out check-box.</summary>
    public bool OptIn(string seekerId)
    {
        lock (_gate)
        {
            if (!_participants.TryGetValue(seekerId, out var p))
            {
                return false;
            }

            p.OptedOut = false;
            return true;
        }
    }

    /// <summary>The client registers a WorkSourceWA account and chooses Opt-In.</summary>
    public bool Register(string seekerId)
    {
        lock (_gate)
        {
            if (!_participants.TryGetValue(seekerId, out var p))
            {
                return false;
            }

            p.Registered = true;
            p.OptedOut = false;
            return true;
        }
    }

    private static string Digits(string value) => new(value.Where(char.IsAsciiDigit).ToArray());

    /// <summary>One participant per branch of 5212PRO; the README lists them.</summary>
    public static MisSimulator Seeded()
    {
        var mis = new MisSimulator();
        mis.Add(new() { SeekerId = "S-1001", FirstName = "Alice", LastName = "Inoffice", Phone = "360-555-0101", Ssn = "521110001", Offices = { "port-angeles" }, Scenario = "Found by the office Quick Search: AlreadyInOffice." });
        mis.Add(new() { SeekerId = "S-1002", FirstName = "Bruno", LastName = "Statewide", Phone = "360-555-0102", Ssn = "521110002", Offices = { "bremerton" }, Scenario = "Found statewide, added to the office: AddedFromStatewide." });
        mis.Add(new() { SeekerId = "S-1003", FirstName = "Carmen", LastName = "Newcomer", Phone = "360-555-0103", Ssn = "521110003", Registered = false, Scenario = "No WorkSourceWA account: registration instructions, then RegisteredAndAdded once registered (simulator: Register) or RegistrationNotCompleted." });
        mis.Add(new() { SeekerId = "S-1004", FirstName = "Dmitri", MisFirstName = "Dimitri", LastName = "Hidden", Phone = "360-555-0104", Ssn = "521110004", Scenario = "Registered, not found, not opted out (the MIS spells the name differently): NotOptedOutNeedsReview." });
        mis.Add(new() { SeekerId = "S-1005", FirstName = "Elena", LastName = "Optout", Phone = "360-555-0105", Ssn = "521110005", OptedOut = true, Scenario = "Opted out: supervisor emailed; opt in (simulator: Opt in) and decide opted-in: OptedInAndAdded." });
        mis.Add(new() { SeekerId = "S-1006", FirstName = "Farid", LastName = "Staysout", Phone = "360-555-0106", Ssn = "521110006", OptedOut = true, Scenario = "Opted out, client keeps opt-out: supervisor decides remain-opted-out: RemainsOptedOut." });
        mis.Add(new() { SeekerId = "S-1007", FirstName = "Grace", LastName = "Lagging", Phone = "360-555-0107", Ssn = "521110007", OptedOut = true, HiddenSearchesAfterOptIn = 1000, Scenario = "Opted out; after an opted-in decision the MIS still hides her: Failed (needs attention)." });
        return mis;
    }
}

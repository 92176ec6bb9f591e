using Microsoft.Extensions.Options;

namespace OptOut.Workflow.Offices;

/// <summary>A WorkSource office as a case is opened for it: its code (lower case), name and ESD WIOA supervisor.</summary>
public sealed record Office(string Code, string Name, Contact Supervisor);

/// <summary>The offices in settings (<c>Offices:&lt;code&gt;</c>), found by code in any letter case.</summary>
public sealed class OfficeDirectory(IOptionsMonitor<Dictionary<string, OfficeOptions>> offices)
{
    public Office? Find(string code)
    {
        ArgumentNullException.ThrowIfNull(code);
        foreach (var (key, value) in offices.CurrentValue)
        {
            var officeCode = string.IsNullOrWhiteSpace(value.Code) ? key : value.Code;
            if (string.Equals(officeCode, code.Trim(), StringComparison.OrdinalIgnoreCase))
            {
                return new Office(officeCode.ToLowerInvariant(), value.Name, new Contact(value.SupervisorName, value.SupervisorEmail));
            }
        }

        return null;
    }

    /// <summary>The codes of the offices whose Entra group (<see cref="OfficeOptions.EntraGroupId"/>) is among <paramref name="groupIds"/>.</summary>
    public IEnumerable<string> ForGroups(IEnumerable<string> groupIds)
    {
        var groups = new HashSet<string>(groupIds, StringComparer.OrdinalIgnoreCase);
        return groups.Count == 0
            ? []
            : offices.CurrentValue.Where(o => !string.IsNullOrWhiteSpace(o.Value.EntraGroupId) && groups.Contains(o.Value.EntraGroupId.Trim()))
                .Select(o => Find(o.Key)!.Code);
    }

    /// <summary>The codes of the offices whose ESD WIOA supervisor has <paramref name="email"/>.</summary>
    public IEnumerable<string> SupervisedBy(string? email) =>
        string.IsNullOrWhiteSpace(email) ? [] : All.Where(o => string.Equals(o.Supervisor.Email, email.Trim(), StringComparison.OrdinalIgnoreCase)).Select(o => o.Code);

    public IEnumerable<Office> All => offices.CurrentValue.Keys.Select(Find).OfType<Office>();
}

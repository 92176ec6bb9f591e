using Microsoft.Extensions.Options;

namespace OptOut.Workflow.Hosting;

/// <summary>Turns an options class's cross-field checks into start-up validation failures with readable messages.</summary>
internal sealed class OptionsProblems<T>(Func<T, IEnumerable<string>> problems) : IValidateOptions<T>
    where T : class
{
    public ValidateOptionsResult Validate(string? name, T options)
    {
        var list = problems(options).ToList();
        return list.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(list);
    }
}

namespace OptOut.Workflow.UseCases;

/// <summary>How a command on an existing case (withdraw, decide) ended.</summary>
public enum CommandDisposition
{
    Accepted,
    NotFound,
    Conflict,
    Forbidden,
    Gone,
}

/// <summary>A command's outcome, with a message people can act on and the case as it was read.</summary>
public sealed record CommandResult(CommandDisposition Disposition, string Message, CaseView? Case = null);

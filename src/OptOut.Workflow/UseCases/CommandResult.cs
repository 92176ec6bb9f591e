using OptOut.Workflow.Decisions;

namespace OptOut.Workflow.UseCases;

/// <summary>How a command on an existing case (withdraw, decide) ended.</summary>
public enum CommandDisposition
{
    Accepted,
    NotFound,
    Conflict,
    Forbidden,
    Gone,

    /// <summary>The command's input is not acceptable (e.g. a decision note with an SSN in it); nothing changed.</summary>
    Invalid,

    /// <summary>A dependency (storage, the durable engine) failed; try again.</summary>
    Unavailable,
}

/// <summary>A command's outcome, with a message people can act on, the case as it was read, and for a decision the case's recorded decision.</summary>
public sealed record CommandResult(CommandDisposition Disposition, string Message, CaseView? Case = null, RecordedDecision? Decision = null);

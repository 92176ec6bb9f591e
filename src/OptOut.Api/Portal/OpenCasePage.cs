using System.Globalization;
using OptOut.Workflow.Access;
using OptOut.Workflow.Intake;
using OptOut.Workflow.Offices;
using static OptOut.Api.HtmlPage;

namespace OptOut.Api.Portal;

/// <summary>
/// The "Open a case" form. portal.js checks it in the browser (the constraint attributes here) and sends it as JSON to
/// POST /api/cases with the person's session; each field's <c>data-field</c> is the key IntakeValidator uses for its
/// errors, so a 400's errors are shown next to their fields. The case manager is the signed-in person (not editable).
/// Nothing typed is ever rendered back by the server: the SSN never comes back in a page.
/// </summary>
internal static class OpenCasePage
{
    public const string OnlyCaseManagers =
        """
        <p class="notice">Only case managers open cases. As a supervisor you see your offices' cases under <a href="/portal">My cases</a>,
        and you record a client's decision from the link in the email you receive.</p>
        """;

    public const string NoOffice =
        """
        <p class="notice notice-error">Your account is not linked to an office, so you cannot open cases yet. Ask the agency's administrator to add you to your office.</p>
        """;

    public static string Render(Caller person, IReadOnlyList<Office> offices)
    {
        var only = offices.Count == 1;
        var officeOptions = string.Concat(offices.Select(o =>
            $"<option value=\"{E(o.Code)}\"{(only || o.Code == person.OnlyOffice ? " selected" : "")}>{E(o.Name)} ({E(o.Code)})</option>"));
        var choose = only ? "" : "<option value=\"\">Choose the office</option>";
        return $"""
            <p>Open a case when you cannot find your client in MIS. The automation runs procedure 5212PRO and tells you what to do next.
            All fields are required unless marked optional.</p>
            <div id="form-errors" class="error-summary" role="alert" tabindex="-1" hidden>
              <h2 id="form-errors-title">The case was not opened</h2>
              <ul id="form-errors-list"></ul>
            </div>
            <noscript><p class="notice notice-error">This form needs JavaScript to send the case. Your browser has it turned off.</p></noscript>
            <form id="open-case" class="case-form" method="post" action="/{Routes.Cases}" novalidate data-api="/{Routes.Cases}" data-case-page="/{Routes.PortalPrefix}/cases/">
              <fieldset>
                <legend>Case manager</legend>
                <dl class="facts">
                  <dt>Name</dt><dd id="cm-name">{E(person.Name)}</dd>
                  <dt>Email</dt><dd id="cm-email">{E(person.Email ?? "(none in your sign-in)")}</dd>
                </dl>
                <p class="hint">From your sign-in. Emails about the case go to this address.</p>
                {Field("office", "Office", "caseManager.office", $"<select id=\"office\" name=\"office\" required data-field=\"caseManager.office\" aria-describedby=\"office-hint\" data-required-message=\"Choose the office the case is for.\">{choose}{officeOptions}</select>", "The office whose ESD WIOA supervisor helps if the client has opted out.")}
              </fieldset>
              <fieldset>
                <legend>Client</legend>
                {Input("firstName", "First name", "client.firstName", "text", $"required maxlength=\"{IntakeValidator.MaxName}\" autocomplete=\"off\"", "Enter the client's first name.", null)}
                {Input("lastName", "Last name", "client.lastName", "text", $"required maxlength=\"{IntakeValidator.MaxName}\" autocomplete=\"off\"", "Enter the client's last name.", null)}
                {Input("phone", "Phone", "client.phone", "tel", "required maxlength=\"25\" pattern=\"\\+?[0-9 \\(\\)\\.\\-]{10,25}\" autocomplete=\"off\"", "Enter the client's phone number.", "A 10-digit US number, e.g. 360-555-0100.")}
                {Input("clientEmail", "Email (optional)", "client.email", "email", $"maxlength=\"{IntakeValidator.MaxEmail}\" autocomplete=\"off\"", null, "When given, the client is emailed what to do (e.g. whom to call).")}
                {Input("ssn", "Social Security number", "client.ssn", "text", "required maxlength=\"11\" pattern=\"[0-9]{3}(-| )?[0-9]{2}(-| )?[0-9]{4}\" inputmode=\"numeric\" autocomplete=\"off\" spellcheck=\"false\"", "Enter the client's Social Security number.", "9 digits, e.g. 123-45-6789. Used only for the Opt-Out Lookup; shown afterwards as its last four digits.")}
                <fieldset class="choices" id="hasAccount" data-field="client.hasWorkSourceAccount" aria-describedby="hasAccount-hint">
                  <legend>Does the client have a WorkSourceWA account?</legend>
                  <p class="hint" id="hasAccount-hint">Choose "No" to have the client emailed registration instructions.</p>
                  <p class="field-error" id="hasAccount-error" hidden></p>
                  <div class="choice"><input type="radio" id="hasAccount-yes" name="hasWorkSourceAccount" value="yes"><label for="hasAccount-yes">Yes</label></div>
                  <div class="choice"><input type="radio" id="hasAccount-no" name="hasWorkSourceAccount" value="no"><label for="hasAccount-no">No</label></div>
                  <div class="choice"><input type="radio" id="hasAccount-unknown" name="hasWorkSourceAccount" value="unknown" checked><label for="hasAccount-unknown">Don't know</label></div>
                </fieldset>
              </fieldset>
              {Field("reason", "Reason", "reason", $"<textarea id=\"reason\" name=\"reason\" rows=\"4\" required maxlength=\"{IntakeValidator.MaxReason}\" data-field=\"reason\" aria-describedby=\"reason-hint\" data-required-message=\"Enter why the client would like to opt in.\"></textarea>", string.Create(CultureInfo.InvariantCulture, $"Why the client would like to work with you (e.g. WIOA Adult training). Up to {IntakeValidator.MaxReason} characters; the supervisor reads it, so no SSN or other 9-digit number."))}
              {Input("caseId", "Case id (optional)", "caseId", "text", "maxlength=\"64\" pattern=\"[A-Za-z0-9_\\-]{1,64}\" autocomplete=\"off\"", null, "Your own reference, if you have one: letters, digits, '-' or '_'. Left empty, one is made for you.")}
              <div class="actions"><button type="submit" id="open-case-submit" disabled>Open case</button></div>
              <p id="open-case-status" class="live" role="status" aria-live="polite"></p>
            </form>
            """;
    }

    private static string Input(string id, string label, string field, string type, string attributes, string? requiredMessage, string? hint) =>
        Field(id, label, field, $"<input id=\"{id}\" name=\"{id}\" type=\"{type}\" {attributes} data-field=\"{E(field)}\"{(requiredMessage is null ? "" : $" data-required-message=\"{E(requiredMessage)}\"")}{(hint is null ? "" : $" aria-describedby=\"{id}-hint\" data-format-message=\"{E(hint)}\"")}>", hint);

    private static string Field(string id, string label, string field, string control, string? hint) =>
        $"""
        <div class="field" data-field-wrapper="{E(field)}">
          <label for="{id}">{E(label)}</label>
          {(hint is null ? "" : $"<p class=\"hint\" id=\"{id}-hint\">{E(hint)}</p>")}
          <p class="field-error" id="{id}-error" hidden></p>
          {control}
        </div>
        """;
}

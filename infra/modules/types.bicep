// Shared parameter types for main.bicep and its modules (compile-time imports; nothing here is deployed).

@export()
@description('Resource tags: name -> value.')
type tagSet = {
  *: string
}

@export()
@secure()
@description('Key Vault secrets: secret name -> value (secure: never logged or shown in deployment history).')
type secretSet = {
  *: string
}

@export()
@description('One WorkSource office: becomes the app settings Offices__<code>__Name, __SupervisorName and __SupervisorEmail.')
type office = {
  @description('The office code that case requests carry in caseManager.office, e.g. port-angeles.')
  @minLength(1)
  @maxLength(64)
  code: string

  @description('Display name, e.g. WorkSource Port Angeles.')
  @minLength(1)
  name: string

  @description('The supervisor who decides opt-in requests for this office.')
  @minLength(1)
  supervisorName: string

  @description('Where decision requests and reminders for this office are sent.')
  @minLength(3)
  supervisorEmail: string

  @description('Optional: object id of the Entra security group whose members work in this office (sign-in maps the group to the office; docs/deployment.md, "Sign-in").')
  entraGroupId: string?
}

@export()
@description('Workflow timings and retry policy (Workflow__* settings). Durations use the .NET TimeSpan format d.hh:mm:ss.')
type workflowSettings = {
  @description('Time between reminders to a supervisor who has not decided.')
  reminderInterval: string

  @description('Reminders sent before the case is escalated.')
  @minValue(0)
  maxReminders: int

  @description('Time waiting on a supervisor before the program manager is told.')
  escalateAfter: string

  @description('Time after which a case without a supervisor decision closes as NoSupervisorResponse.')
  supervisorDeadline: string

  @description('How often MIS is checked for a registration the client was asked to complete.')
  registrationRecheckInterval: string

  @description('Time after which an incomplete registration closes the case as RegistrationNotCompleted.')
  registrationDeadline: string

  @description('MIS checks that an opt-in took effect.')
  @minValue(1)
  optInVerifyAttempts: int

  @description('Time between opt-in checks.')
  optInVerifyInterval: string

  @description('Attempts per activity (MIS, SendGrid) before the case closes as Failed.')
  @minValue(1)
  retryMaxAttempts: int

  @description('First retry delay.')
  retryFirstInterval: string

  @description('Longest retry delay.')
  retryMaxInterval: string

  @description('Multiplier between retry delays.')
  @minValue(1)
  retryBackoffCoefficient: int

  @description('Reminders only go out in business hours.')
  businessHoursEnabled: bool

  @description('IANA time zone of the business hours.')
  timeZone: string

  @description('Business day start (hour, 0-23).')
  @minValue(0)
  @maxValue(23)
  businessStartHour: int

  @description('Business day end (hour, 1-24).')
  @minValue(1)
  @maxValue(24)
  businessEndHour: int
}

@export()
@description('What the stale-case scan lists besides supervisor waits (Escalation__*; d.hh:mm:ss). docs/operations.md, "The stale-case scan".')
type staleThresholds = {
  @description('A case waiting for the client\'s WorkSourceWA registration longer than this is listed.')
  registrationStaleAfter: string

  @description('A running case not moved for longer than this in a step that normally takes seconds is listed as stuck.')
  stuckAfter: string

  @description('An instance still Pending (never started) longer than this is listed.')
  pendingAfter: string

  @description('A crashed (Failed) or terminated case is listed this long after it stopped, and not purged before.')
  failureListedFor: string
}

@export()
@description('One system integration (an intake form): the SHA-256 of its key and the offices it may open cases for (docs/access.md). Becomes Integrations__<name>__KeySha256 and __Offices.')
type integration = {
  @description('Letters, digits and underscores: part of the app setting names.')
  @minLength(1)
  @maxLength(40)
  name: string

  @description('Hex SHA-256 of the key the integration sends in x-functions-key (printf %s "$KEY" | sha256sum). Not a secret: the key stays with the integration.')
  @minLength(64)
  @maxLength(64)
  keySha256: string

  @description('Office codes, comma-separated, or * for every office.')
  @minLength(1)
  offices: string
}

// The function app's settings: every key of local.settings.sample.json's "Values" except FUNCTIONS_WORKER_RUNTIME
// (Flex Consumption sets the runtime in functionAppConfig and rejects the setting) and AzureWebJobsStorage (replaced
// by the identity-based AzureWebJobsStorage__* settings). Secrets are Key Vault references, never values.
// Applied after the identity's role assignments exist, so the host starts with working storage and Key Vault access.

import { integration, office, staleThresholds, workflowSettings } from 'types.bicep'

@description('The function app.')
param functionAppName string

@description('The app\'s storage account (identity-based AzureWebJobsStorage connection).')
param storageAccountName string

@description('Application Insights component the app reports to.')
param applicationInsightsName string

@description('Key Vault URI, e.g. https://kv-x.vault.azure.net/ (trailing slash).')
param keyVaultUri string

@description('Whether the vault holds a MisApiKey secret; without it Mis__ApiKey is empty.')
param misApiKeyInVault bool

@description('Public address used in emailed decision links. Empty: https://<app default host name>.')
param publicBaseUrl string

@description('Durable Functions task hub name (host.json uses %TaskHubName%).')
param taskHubName string

@description('Workflow timings and retry policy.')
param workflow workflowSettings

@description('Offices and their supervisors.')
param offices office[]

@description('System integrations and the offices their keys may open cases for (docs/access.md).')
param integrations integration[]

@description('Escalation contact name.')
param escalationContactName string

@description('Escalation contact email.')
param escalationContactEmail string

@description('Escalation: a case waiting longer than this is stale (d.hh:mm:ss).')
param escalationStaleAfter string

@description('Escalation: interval between scans (d.hh:mm:ss).')
param escalationScanInterval string

@description('Escalation: what else the stale-case scan lists (registration waits, stuck steps, never-started and failed cases).')
param escalationThresholds staleThresholds

@description('NCRONTAB schedule of the EscalateStaleCases timer trigger.')
param escalationScanSchedule string

@description('NCRONTAB schedule of the PurgeClosedCases timer (UTC).')
param purgeSchedule string

@description('Lifetime of emailed decision links (d.hh:mm:ss).')
param linksLifetime string

@description('MIS gateway base URL (ends with /).')
param misBaseUrl string

@description('MIS request timeout in seconds.')
param misTimeoutSeconds int

@description('Sender address of every email.')
param sendGridFromEmail string

@description('Sender display name.')
param sendGridFromName string

@description('SendGrid API host override; empty for api.sendgrid.com.')
param sendGridHost string

@description('Days completed cases are kept.')
param retentionCompletedCaseDays int

@description('True when auth.bicep configured App Service Authentication in this deployment: only then may the app trust X-MS-CLIENT-PRINCIPAL.')
param easyAuthEnabled bool

@description('Claim carrying the user\'s office code in the ID token (e.g. extn.office), or empty when offices come from group membership (Offices__<code>__EntraGroupId).')
param authOfficeClaimType string

@description('Directory (tenant) id of the Entra sign-in (the OpenAPI document names its OpenID Connect address).')
param authTenantId string

@description('Decision pages ask the supervisor to sign in before deciding (Auth__DecisionsRequireSignIn; needs Easy Auth).')
param authDecisionsRequireSignIn bool

@description('Whether Easy Auth uses a client secret: the vault\'s EasyAuthClientSecret secret, read through MICROSOFT_PROVIDER_AUTHENTICATION_SECRET.')
param authClientSecretInVault bool

resource functionApp 'Microsoft.Web/sites@2024-11-01' existing = {
  name: functionAppName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

var linksBaseUrl = empty(publicBaseUrl) ? 'https://${functionApp.properties.defaultHostName}' : publicBaseUrl

var officeSettings = reduce(
  offices,
  {},
  (settings, o) =>
    union(settings, {
      // App setting names allow only letters, digits, '.' and '_': the key is the code without other characters and
      // the real code (e.g. port-angeles) travels in __Code.
      'Offices__${replace(o.code, '-', '_')}__Code': o.code
      'Offices__${replace(o.code, '-', '_')}__Name': o.name
      'Offices__${replace(o.code, '-', '_')}__SupervisorName': o.supervisorName
      'Offices__${replace(o.code, '-', '_')}__SupervisorEmail': o.supervisorEmail
      // Object id of the Entra security group whose members belong to this office (empty: none).
      'Offices__${replace(o.code, '-', '_')}__EntraGroupId': o.?entraGroupId ?? ''
    })
)

var integrationSettings = reduce(
  integrations,
  {},
  (settings, i) =>
    union(settings, {
      'Integrations__${i.name}__KeySha256': i.keySha256
      'Integrations__${i.name}__Offices': i.offices
    })
)

var settings = {
  // Functions host and Durable task hub storage: identity-based connection (no account key anywhere).
  AzureWebJobsStorage__accountName: storageAccountName
  AzureWebJobsStorage__credential: 'managedidentity'
  APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsights.properties.ConnectionString
  TaskHubName: taskHubName
  EscalationScanSchedule: escalationScanSchedule
  PurgeSchedule: purgeSchedule

  Workflow__ReminderInterval: workflow.reminderInterval
  Workflow__MaxReminders: string(workflow.maxReminders)
  Workflow__EscalateAfter: workflow.escalateAfter
  Workflow__SupervisorDeadline: workflow.supervisorDeadline
  Workflow__RegistrationRecheckInterval: workflow.registrationRecheckInterval
  Workflow__RegistrationDeadline: workflow.registrationDeadline
  Workflow__OptInVerifyAttempts: string(workflow.optInVerifyAttempts)
  Workflow__OptInVerifyInterval: workflow.optInVerifyInterval
  Workflow__RetryMaxAttempts: string(workflow.retryMaxAttempts)
  Workflow__RetryFirstInterval: workflow.retryFirstInterval
  Workflow__RetryMaxInterval: workflow.retryMaxInterval
  Workflow__RetryBackoffCoefficient: string(workflow.retryBackoffCoefficient)
  Workflow__BusinessHoursEnabled: workflow.businessHoursEnabled ? 'true' : 'false'
  Workflow__TimeZone: workflow.timeZone
  Workflow__BusinessStartHour: string(workflow.businessStartHour)
  Workflow__BusinessEndHour: string(workflow.businessEndHour)

  Protection__SsnKey: '@Microsoft.KeyVault(SecretUri=${keyVaultUri}secrets/SsnProtectionKey/)'
  Protection__SsnKeyId: '1'

  Links__PublicBaseUrl: linksBaseUrl
  Links__SigningKey: '@Microsoft.KeyVault(SecretUri=${keyVaultUri}secrets/LinkSigningKey/)'
  Links__SigningKeyId: '1'
  Links__Lifetime: linksLifetime

  Escalation__ContactName: escalationContactName
  Escalation__ContactEmail: escalationContactEmail
  Escalation__StaleAfter: escalationStaleAfter
  Escalation__ScanInterval: escalationScanInterval
  Escalation__RegistrationStaleAfter: escalationThresholds.registrationStaleAfter
  Escalation__StuckAfter: escalationThresholds.stuckAfter
  Escalation__PendingAfter: escalationThresholds.pendingAfter
  Escalation__FailureListedFor: escalationThresholds.failureListedFor

  Mis__BaseUrl: misBaseUrl
  Mis__ApiKey: misApiKeyInVault ? '@Microsoft.KeyVault(SecretUri=${keyVaultUri}secrets/MisApiKey/)' : ''
  Mis__TimeoutSeconds: string(misTimeoutSeconds)

  SendGrid__ApiKey: '@Microsoft.KeyVault(SecretUri=${keyVaultUri}secrets/SendGridApiKey/)'
  SendGrid__FromEmail: sendGridFromEmail
  SendGrid__FromName: sendGridFromName
  SendGrid__Host: sendGridHost
  // One POST's time limit, and how long a claim on a message key holds (at least twice the timeout): docs/email-and-decisions.md.
  SendGrid__Timeout: '00:00:20'
  SendGrid__ClaimLease: '00:01:00'

  Retention__CompletedCaseDays: string(retentionCompletedCaseDays)

  // Sign-in (docs/deployment.md, "Sign-in"). EasyAuth: the platform authenticates users (auth.bicep) and strips forged
  // X-MS-CLIENT-PRINCIPAL headers, so the app may read the signed-in user from it. None: the app must ignore the header.
  Auth__Mode: easyAuthEnabled ? 'EasyAuth' : 'None'
  // App roles (CaseManager, Supervisor, Administrator) arrive as "roles" claims of the v2.0 ID token.
  Auth__RoleClaimType: 'roles'
  Auth__OfficeClaimType: authOfficeClaimType
  Auth__TenantId: authTenantId
  Auth__DecisionsRequireSignIn: string(easyAuthEnabled && authDecisionsRequireSignIn)
  // The setting Easy Auth reads the client secret from (auth.bicep clientSecretSettingName); empty when there is none.
  MICROSOFT_PROVIDER_AUTHENTICATION_SECRET: authClientSecretInVault ? '@Microsoft.KeyVault(SecretUri=${keyVaultUri}secrets/EasyAuthClientSecret/)' : ''
}

resource appSettings 'Microsoft.Web/sites/config@2024-11-01' = {
  parent: functionApp
  name: 'appsettings'
  properties: union(settings, officeSettings, integrationSettings)
}

output publicBaseUrl string = linksBaseUrl

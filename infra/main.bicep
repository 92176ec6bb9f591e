// Opt-Out Case Automation: production infrastructure, deployed by `azd up` (see docs/deployment.md).
//
// Scope: subscription. The template creates the resource group rg-<environmentName> (the azd convention, so
// `azd down` removes everything) and deploys every resource into it through modules:
//   monitoring   Log Analytics workspace + workspace-based Application Insights
//   network      VNet: a subnet delegated to Microsoft.App/environments (Flex Consumption integration) + one for endpoints
//   storage      storage account (shared keys off, public access off): deployment-package container, intake queues,
//                Durable task hub
//   keyvault     Key Vault (RBAC, soft delete, purge protection, public access off) + the app's secrets
//   privateEndpoints  private endpoints (blob, queue, table, vault) + private DNS zones linked to the VNet
//   diagnostics  storage (blob/queue/table reads, writes, deletes) and Key Vault audit logs to Log Analytics
//   functionapp  Flex Consumption plan (FC1) + Function App (.NET 10 isolated, system-assigned identity, VNet-integrated)
//   roles        the identity's least-privilege data roles on the storage account and the vault
//   auth         App Service Authentication with the agency's Entra app registration (only when authClientId is set)
//   appsettings  app settings (identity-based storage, Key Vault references), applied after the roles
//   alerts       action group (email), Azure Monitor alert rules, queue write logs of the storage account, workbook
targetScope = 'subscription'

import { integration, office, staleThresholds, workflowSettings } from 'modules/types.bicep'

metadata description = 'Opt-Out Case Automation on Azure Functions Flex Consumption with Durable Functions.'

// ---------------------------------------------------------------------------------------------------------------
// Environment
// ---------------------------------------------------------------------------------------------------------------

@minLength(1)
@maxLength(64)
@description('azd environment name (AZURE_ENV_NAME): names the resource group and seeds the unique resource names.')
param environmentName string

@minLength(1)
@description('Azure region of every resource (AZURE_LOCATION). Must offer Flex Consumption.')
param location string

@description('Resource group name. Empty: rg-<environmentName>.')
param resourceGroupName string = ''

// ---------------------------------------------------------------------------------------------------------------
// Secrets (written to Key Vault; the app reads them through Key Vault references). An empty value writes nothing:
// the secret must then already be in the vault (set by an operator). Nothing is ever generated here.
// ---------------------------------------------------------------------------------------------------------------

@secure()
@description('SendGrid API key (SENDGRID_API_KEY) -> secret SendGridApiKey -> SendGrid__ApiKey.')
param sendGridApiKey string

@secure()
@description('Decision-link signing key, base64 of 32 random bytes (LINK_SIGNING_KEY) -> secret LinkSigningKey -> Links__SigningKey.')
param linkSigningKey string

@secure()
@description('SSN encryption key, base64 of exactly 32 random bytes (SSN_PROTECTION_KEY) -> secret SsnProtectionKey -> Protection__SsnKey.')
param ssnProtectionKey string

@secure()
@description('Optional MIS gateway API key (MIS_API_KEY) -> secret MisApiKey -> Mis__ApiKey. Empty: none, unless misApiKeyInVault.')
param misApiKey string = ''

@description('True when the MisApiKey secret is managed directly in the vault (Mis__ApiKey then references it even if misApiKey is empty).')
param misApiKeyInVault bool = false

@description('Optional object id of a user or group granted Key Vault Secrets Officer on the vault, to set or rotate secrets. Empty: nobody.')
param keyVaultOperatorPrincipalId string = ''

@description('Principal type of keyVaultOperatorPrincipalId.')
@allowed([
  'User'
  'Group'
  'ServicePrincipal'
])
param keyVaultOperatorPrincipalType string = 'User'

// ---------------------------------------------------------------------------------------------------------------
// App configuration (non-secret)
// ---------------------------------------------------------------------------------------------------------------

@minLength(1)
@description('MIS gateway base URL, ending with / (MIS_BASE_URL).')
param misBaseUrl string

@minValue(1)
@maxValue(120)
@description('MIS request timeout in seconds.')
param misTimeoutSeconds int = 20

@minLength(3)
@description('Sender address of every email (SENDGRID_FROM_EMAIL); must be a verified SendGrid sender.')
param sendGridFromEmail string

@minLength(1)
@description('Sender display name.')
param sendGridFromName string = 'Opt-Out Case Automation'

@description('SendGrid API host override (a SendGrid-compatible endpoint). Empty: api.sendgrid.com.')
param sendGridHost string = ''

@minLength(1)
@description('Who receives escalations and the stale-case digest (ESCALATION_CONTACT_NAME).')
param escalationContactName string = 'WDC Program Manager'

@minLength(3)
@description('Escalation contact address (ESCALATION_CONTACT_EMAIL).')
param escalationContactEmail string

@description('A case waiting on a supervisor longer than this is escalated by the scan (d.hh:mm:ss).')
param escalationStaleAfter string = '5.00:00:00'

@description('Interval between stale-case scans (d.hh:mm:ss).')
param escalationScanInterval string = '1.00:00:00'

@description('What else the stale-case scan lists: registration waits, cases stuck in a short step, never-started instances, and crashed or terminated cases (for how long). Override the whole object to change any.')
param escalationThresholds staleThresholds = {
  registrationStaleAfter: '7.00:00:00'
  stuckAfter: '01:00:00'
  pendingAfter: '00:10:00'
  failureListedFor: '7.00:00:00'
}

@description('Who receives the Azure Monitor alerts (failed orchestrations, stale cases, poison intake messages, cases closed as Failed): usually the agency\'s Azure administrator (ALERT_EMAIL). Empty: the escalation contact.')
param alertEmail string = ''

@description('NCRONTAB schedule (UTC) of the EscalateStaleCases timer: 16:00 UTC on weekdays (morning in Pacific time).')
param escalationScanSchedule string = '0 0 16 * * 1-5'

@description('NCRONTAB schedule (UTC) of the PurgeClosedCases timer that purges closed cases past the retention period.')
param purgeSchedule string = '0 30 2 * * *'

@description('Lifetime of emailed decision links (d.hh:mm:ss).')
param linksLifetime string = '21.00:00:00'

@description('Public base URL of emailed decision links, e.g. a custom domain. Empty: https://<function app default host name>.')
param publicBaseUrl string = ''

@minLength(3)
@maxLength(45)
@description('Durable Functions task hub name (letters and digits).')
param taskHubName string = 'OptOutCases'

@minValue(1)
@description('Days completed cases are kept.')
param retentionCompletedCaseDays int = 90

@minLength(1)
@description('Offices and their supervisors (main.parameters.json). Each becomes Offices__<code>__Name/SupervisorName/SupervisorEmail.')
param offices office[]

@description('System integrations (intake forms): name, hex SHA-256 of the key they send in x-functions-key, and the offices they may open cases for. Empty: only signed-in people and the queue open cases (docs/access.md).')
param integrations integration[] = []

@description('Workflow timings and retry policy. Override the whole object in main.parameters.json to change any of them.')
param workflow workflowSettings = {
  reminderInterval: '2.00:00:00'
  maxReminders: 3
  escalateAfter: '7.00:00:00'
  supervisorDeadline: '14.00:00:00'
  registrationRecheckInterval: '1.00:00:00'
  registrationDeadline: '14.00:00:00'
  optInVerifyAttempts: 4
  optInVerifyInterval: '02:00:00'
  retryMaxAttempts: 5
  retryFirstInterval: '00:00:05'
  retryMaxInterval: '00:05:00'
  retryBackoffCoefficient: 2
  businessHoursEnabled: true
  timeZone: 'America/Los_Angeles'
  businessStartHour: 8
  businessEndHour: 17
}

// ---------------------------------------------------------------------------------------------------------------
// Scale
// ---------------------------------------------------------------------------------------------------------------

@minValue(1)
@maxValue(1000)
@description('Flex Consumption: most instances the app scales out to.')
param maximumInstanceCount int = 40

@allowed([
  512
  2048
  4096
])
@description('Flex Consumption: memory per instance (MB).')
param instanceMemoryMB int = 2048

// ---------------------------------------------------------------------------------------------------------------
// Network (docs/deployment.md, "Network")
// ---------------------------------------------------------------------------------------------------------------

@description('False (default, production): Storage and Key Vault accept traffic only through their private endpoints. True: their public endpoints are also open to any network (still Entra ID only), e.g. for a first trial deployment (ALLOW_PUBLIC_NETWORK_ACCESS).')
param allowPublicNetworkAccess bool = false

@description('Address space of the app\'s VNet (VNET_ADDRESS_PREFIX). Pick a range that does not overlap the agency network if the VNet is ever peered.')
param vnetAddressPrefix string = '10.60.0.0/23'

@description('Subnet delegated to Microsoft.App/environments for the Flex Consumption app (one address per instance, plus headroom).')
param appSubnetPrefix string = '10.60.0.0/24'

@description('Subnet for the private endpoints of Storage (blob, queue, table) and Key Vault.')
param privateEndpointSubnetPrefix string = '10.60.1.0/26'

// ---------------------------------------------------------------------------------------------------------------
// Sign-in: App Service Authentication with the agency's Entra app registration (docs/deployment.md, "Sign-in").
// authClientId empty: no Easy Auth configuration is deployed and Auth__Mode is None (a first deployment may come
// before the app registration exists).
// ---------------------------------------------------------------------------------------------------------------

@description('Application (client) id of the Entra app registration (AUTH_CLIENT_ID). Empty: Easy Auth is not configured.')
param authClientId string = ''

@description('Directory (tenant) id of the app registration (AUTH_TENANT_ID). Empty: the tenant of this deployment.')
param authTenantId string = ''

@description('Audiences accepted in bearer tokens besides the client id. Empty: api://<authClientId>.')
param authAllowedAudiences string[] = []

@secure()
@description('Optional client secret of the app registration (AUTH_CLIENT_SECRET) -> secret EasyAuthClientSecret -> MICROSOFT_PROVIDER_AUTHENTICATION_SECRET. Empty (recommended): sign-in with ID tokens only, no secret.')
param authClientSecret string = ''

@description('ID-token claim carrying the office code when it comes from a directory extension attribute (e.g. extn.office); empty when offices come from group membership (offices[].entraGroupId).')
param authOfficeClaimType string = ''

@description('Decision pages ask the supervisor to sign in first (only with Easy Auth; docs/access.md). Off: links work from any mail client.')
param authDecisionsRequireSignIn bool = false

@description('Sign-in session lifetime (hh:mm:ss).')
param authSessionLifetime string = '08:00:00'

// ---------------------------------------------------------------------------------------------------------------
// Names
// ---------------------------------------------------------------------------------------------------------------

var tags = {
  'azd-env-name': environmentName
  application: 'optout-case-automation'
}

// Deterministic: the same environment, subscription and region always get the same names.
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var functionAppName = 'func-optout-${resourceToken}'
var storageAccountName = 'st${resourceToken}'
var keyVaultName = 'kv-${resourceToken}'
var applicationInsightsName = 'appi-${resourceToken}'
var deploymentContainerName = 'app-package-${resourceToken}'
var logAnalyticsName = 'log-${resourceToken}'
var virtualNetworkName = 'vnet-${resourceToken}'
var easyAuthEnabled = !empty(authClientId)
var intakeQueueName = 'optout-intake'
var rejectedQueueName = 'optout-intake-rejected'

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: empty(resourceGroupName) ? 'rg-${environmentName}' : resourceGroupName
  location: location
  tags: tags
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    location: location
    tags: tags
    logAnalyticsName: logAnalyticsName
    applicationInsightsName: applicationInsightsName
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    location: location
    tags: tags
    name: storageAccountName
    deploymentContainerName: deploymentContainerName
    queueNames: [
      intakeQueueName
      rejectedQueueName
    ]
    allowPublicNetworkAccess: allowPublicNetworkAccess
  }
}

module keyVault 'modules/keyvault.bicep' = {
  name: 'keyvault'
  scope: rg
  params: {
    location: location
    tags: tags
    name: keyVaultName
    secrets: {
      SendGridApiKey: sendGridApiKey
      LinkSigningKey: linkSigningKey
      SsnProtectionKey: ssnProtectionKey
      MisApiKey: misApiKey
      EasyAuthClientSecret: authClientSecret
    }
    allowPublicNetworkAccess: allowPublicNetworkAccess
  }
}

module network 'modules/network.bicep' = {
  name: 'network'
  scope: rg
  params: {
    location: location
    tags: tags
    name: virtualNetworkName
    addressPrefix: vnetAddressPrefix
    appSubnetPrefix: appSubnetPrefix
    privateEndpointSubnetPrefix: privateEndpointSubnetPrefix
  }
}

module privateEndpoints 'modules/privateEndpoints.bicep' = {
  name: 'privateEndpoints'
  scope: rg
  dependsOn: [
    storage
    keyVault
  ]
  params: {
    location: location
    tags: tags
    vnetName: virtualNetworkName
    subnetId: network.outputs.privateEndpointSubnetId
    storageAccountName: storageAccountName
    keyVaultName: keyVaultName
  }
}

module diagnostics 'modules/diagnostics.bicep' = {
  name: 'diagnostics'
  scope: rg
  dependsOn: [
    monitoring
    storage
    keyVault
  ]
  params: {
    storageAccountName: storageAccountName
    keyVaultName: keyVaultName
    logAnalyticsName: logAnalyticsName
  }
}

module functionApp 'modules/functionapp.bicep' = {
  name: 'functionapp'
  scope: rg
  params: {
    location: location
    tags: tags
    name: functionAppName
    planName: 'plan-${resourceToken}'
    azdServiceName: 'functions'
    deploymentContainerUrl: storage.outputs.deploymentContainerUrl
    virtualNetworkSubnetId: network.outputs.appSubnetId
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
  }
}

module roles 'modules/roles.bicep' = {
  name: 'roles'
  scope: rg
  dependsOn: [
    functionApp
    storage
    keyVault
  ]
  params: {
    functionAppName: functionAppName
    storageAccountName: storageAccountName
    keyVaultName: keyVaultName
    operatorPrincipalId: keyVaultOperatorPrincipalId
    operatorPrincipalType: keyVaultOperatorPrincipalType
  }
}

module auth 'modules/auth.bicep' = if (easyAuthEnabled) {
  name: 'auth'
  scope: rg
  dependsOn: [
    functionApp
  ]
  params: {
    functionAppName: functionAppName
    clientId: authClientId
    tenantId: empty(authTenantId) ? tenant().tenantId : authTenantId
    allowedAudiences: authAllowedAudiences
    useClientSecretSetting: !empty(authClientSecret)
    sessionLifetime: authSessionLifetime
  }
}

// After the roles, the private endpoints (the host's first storage call goes through them) and Easy Auth (Auth__Mode
// tells the app to trust X-MS-CLIENT-PRINCIPAL only once the platform authenticates).
module appSettings 'modules/appsettings.bicep' = {
  name: 'appsettings'
  scope: rg
  dependsOn: [
    functionApp
    monitoring
    roles
    privateEndpoints
    auth
  ]
  params: {
    functionAppName: functionAppName
    storageAccountName: storageAccountName
    applicationInsightsName: applicationInsightsName
    keyVaultUri: keyVault.outputs.uri
    misApiKeyInVault: !empty(misApiKey) || misApiKeyInVault
    publicBaseUrl: publicBaseUrl
    taskHubName: taskHubName
    workflow: workflow
    offices: offices
    integrations: integrations
    escalationContactName: escalationContactName
    escalationContactEmail: escalationContactEmail
    escalationStaleAfter: escalationStaleAfter
    escalationScanInterval: escalationScanInterval
    escalationThresholds: escalationThresholds
    escalationScanSchedule: escalationScanSchedule
    purgeSchedule: purgeSchedule
    linksLifetime: linksLifetime
    misBaseUrl: misBaseUrl
    misTimeoutSeconds: misTimeoutSeconds
    sendGridFromEmail: sendGridFromEmail
    sendGridFromName: sendGridFromName
    sendGridHost: sendGridHost
    retentionCompletedCaseDays: retentionCompletedCaseDays
    easyAuthEnabled: easyAuthEnabled
    authOfficeClaimType: authOfficeClaimType
    authDecisionsRequireSignIn: authDecisionsRequireSignIn
    authTenantId: empty(authTenantId) ? tenant().tenantId : authTenantId
    authClientSecretInVault: easyAuthEnabled && !empty(authClientSecret)
  }
}

module alerts 'modules/alerts.bicep' = {
  name: 'alerts'
  scope: rg
  dependsOn: [
    monitoring
    storage
  ]
  params: {
    location: location
    tags: tags
    applicationInsightsName: applicationInsightsName
    logAnalyticsName: 'log-${resourceToken}'
    storageAccountName: storageAccountName
    alertEmail: empty(alertEmail) ? escalationContactEmail : alertEmail
    poisonQueueName: '${intakeQueueName}-poison'
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Outputs (azd stores them in the environment's .env)
// ---------------------------------------------------------------------------------------------------------------

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name
output AZURE_FUNCTION_APP_URL string = 'https://${functionApp.outputs.defaultHostName}'
output CASES_API_URL string = 'https://${functionApp.outputs.defaultHostName}/api/cases'
output DECISION_LINKS_BASE_URL string = appSettings.outputs.publicBaseUrl
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name
output AZURE_KEY_VAULT_ENDPOINT string = keyVault.outputs.uri
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output INTAKE_QUEUE_NAME string = intakeQueueName
output REJECTED_QUEUE_NAME string = rejectedQueueName
output APPLICATIONINSIGHTS_NAME string = monitoring.outputs.applicationInsightsName
output AZURE_LOG_ANALYTICS_WORKSPACE_NAME string = monitoring.outputs.logAnalyticsName
output AZURE_VIRTUAL_NETWORK_NAME string = network.outputs.name
output PUBLIC_NETWORK_ACCESS string = allowPublicNetworkAccess ? 'Enabled' : 'Disabled'
// The redirect URI to register on the Entra app registration (Web platform).
output AUTH_REDIRECT_URI string = 'https://${functionApp.outputs.defaultHostName}/.auth/login/aad/callback'
output EASY_AUTH_ENABLED bool = easyAuthEnabled
output OPERATIONS_WORKBOOK_ID string = alerts.outputs.workbookId

// Resource logs and metrics of the storage account and the Key Vault, reads included, to the Log Analytics workspace:
// who read, wrote or deleted which blob, queue message or table entity (StorageRead/StorageWrite/StorageDelete on each
// service, with the caller's identity and IP) and every vault operation (AuditEvent: each secret read by the app or an
// operator). Query them in the workspace tables StorageBlobLogs, StorageQueueLogs, StorageTableLogs and
// AZKVAuditLogs / AzureDiagnostics (docs/operations.md, "Network and access logs").

@description('The app\'s storage account.')
param storageAccountName string

@description('The app\'s Key Vault.')
param keyVaultName string

@description('Log Analytics workspace that receives the logs.')
param logAnalyticsName string

@description('Diagnostic setting name on each resource.')
param settingName string = 'to-log-analytics'

resource workspace 'Microsoft.OperationalInsights/workspaces@2023-09-01' existing = {
  name: logAnalyticsName
}

resource storage 'Microsoft.Storage/storageAccounts@2024-01-01' existing = {
  name: storageAccountName

  resource blobService 'blobServices' existing = {
    name: 'default'
  }

  resource queueService 'queueServices' existing = {
    name: 'default'
  }

  resource tableService 'tableServices' existing = {
    name: 'default'
  }
}

resource vault 'Microsoft.KeyVault/vaults@2024-11-01' existing = {
  name: keyVaultName
}

// Data-plane logs of one storage service: reads as well as writes and deletes.
var storageServiceLogs = [
  {
    category: 'StorageRead'
    enabled: true
  }
  {
    category: 'StorageWrite'
    enabled: true
  }
  {
    category: 'StorageDelete'
    enabled: true
  }
]

var transactionMetrics = [
  {
    category: 'Transaction'
    enabled: true
  }
]

// The account itself has metrics only (its logs are per service, below).
resource storageAccountDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: settingName
  scope: storage
  properties: {
    workspaceId: workspace.id
    metrics: transactionMetrics
  }
}

resource blobDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: settingName
  scope: storage::blobService
  properties: {
    workspaceId: workspace.id
    logs: storageServiceLogs
    metrics: transactionMetrics
  }
}

resource queueDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: settingName
  scope: storage::queueService
  properties: {
    workspaceId: workspace.id
    logs: storageServiceLogs
    metrics: transactionMetrics
  }
}

resource tableDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: settingName
  scope: storage::tableService
  properties: {
    workspaceId: workspace.id
    logs: storageServiceLogs
    metrics: transactionMetrics
  }
}

resource vaultDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: settingName
  scope: vault
  properties: {
    workspaceId: workspace.id
    // Resource-specific table AZKVAuditLogs rather than the shared AzureDiagnostics table.
    logAnalyticsDestinationType: 'Dedicated'
    logs: [
      {
        category: 'AuditEvent'
        enabled: true
      }
    ]
    metrics: [
      {
        category: 'AllMetrics'
        enabled: true
      }
    ]
  }
}

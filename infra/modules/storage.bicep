// The app's storage account: Functions host (keys, timer leases), Durable Functions task hub (queues, tables, blobs),
// the intake queues and the Flex Consumption deployment package. Shared keys are disabled: every client, the host
// included, authenticates with the function app's managed identity. Public network access is off unless
// allowPublicNetworkAccess: the app reaches blob, queue and table through private endpoints.

import { tagSet } from 'types.bicep'

@description('Azure region.')
param location string

@description('Tags applied to every resource.')
param tags tagSet

@description('Storage account name (3-24 lowercase letters and digits, globally unique).')
@minLength(3)
@maxLength(24)
param name string

@description('Blob container that holds the Flex Consumption deployment package.')
param deploymentContainerName string

@description('Queues the app reads and writes (created up front; the Durable task hub creates its own).')
param queueNames string[]

@description('True: the public endpoints accept traffic from any network (still Entra ID only). False (production): only the private endpoints (privateEndpoints.bicep) reach the account.')
param allowPublicNetworkAccess bool

resource storage 'Microsoft.Storage/storageAccounts@2024-01-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    accessTier: 'Hot'
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    allowBlobPublicAccess: false
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    allowCrossTenantReplication: false
    publicNetworkAccess: allowPublicNetworkAccess ? 'Enabled' : 'Disabled'
    networkAcls: allowPublicNetworkAccess
      ? {
          bypass: 'AzureServices'
          defaultAction: 'Allow'
        }
      : {
          bypass: 'None'
          defaultAction: 'Deny'
        }
    encryption: {
      keySource: 'Microsoft.Storage'
      services: {
        blob: {
          enabled: true
        }
        file: {
          enabled: true
        }
        queue: {
          enabled: true
          keyType: 'Account'
        }
        table: {
          enabled: true
          keyType: 'Account'
        }
      }
    }
  }

  resource blobService 'blobServices' = {
    name: 'default'

    resource deploymentContainer 'containers' = {
      name: deploymentContainerName
      properties: {
        publicAccess: 'None'
      }
    }
  }

  resource queueService 'queueServices' = {
    name: 'default'

    resource queues 'queues' = [
      for queueName in queueNames: {
        name: queueName
      }
    ]
  }
}

output name string = storage.name
output blobEndpoint string = storage.properties.primaryEndpoints.blob
output deploymentContainerUrl string = '${storage.properties.primaryEndpoints.blob}${deploymentContainerName}'

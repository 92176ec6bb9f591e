// Key Vault (RBAC authorization, soft delete, purge protection) and the app's secrets. A secret whose value is empty
// is not written, so an operator can manage it in the vault directly (az keyvault secret set) and later deployments
// leave it alone. Nothing here generates a value: a deployment never rotates a key by itself.

import { tagSet, secretSet } from 'types.bicep'

@description('Azure region.')
param location string

@description('Tags applied to every resource.')
param tags tagSet

@description('Key Vault name (3-24 characters, globally unique).')
@minLength(3)
@maxLength(24)
param name string

@description('Secrets to write: name -> value. Empty values are skipped.')
param secrets secretSet

@description('Days a deleted vault or secret can be recovered.')
@minValue(7)
@maxValue(90)
param softDeleteRetentionInDays int = 90

@description('True: the vault accepts traffic from any network (still Entra ID + RBAC). False (production): only its private endpoint reaches it. Secrets written by this template go through Azure Resource Manager either way.')
param allowPublicNetworkAccess bool

resource vault 'Microsoft.KeyVault/vaults@2024-11-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: softDeleteRetentionInDays
    enablePurgeProtection: true
    enabledForDeployment: false
    enabledForDiskEncryption: false
    enabledForTemplateDeployment: false
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
  }
}

resource secretValues 'Microsoft.KeyVault/vaults/secrets@2024-11-01' = [
  for secret in items(secrets): if (!empty(secret.value)) {
    parent: vault
    name: secret.key
    properties: {
      value: secret.value
      contentType: 'text/plain'
    }
  }
]

output name string = vault.name
output uri string = vault.properties.vaultUri

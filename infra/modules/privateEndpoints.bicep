// Private endpoints for the storage account (blob, queue, table: the Functions host, Durable Functions and the app use
// all three; Flex Consumption needs no file share) and the Key Vault, in the VNet's private-endpoint subnet. Each
// endpoint registers its private IP in a private DNS zone linked to the VNet (a DNS zone group), so inside the VNet
// <account>.blob.core.windows.net and <vault>.vault.azure.net resolve to private addresses.
// Zone names come from environment() so the template also works in sovereign clouds.

import { tagSet } from 'types.bicep'

@description('Azure region of the endpoints (the VNet\'s region).')
param location string

@description('Tags applied to every resource.')
param tags tagSet

@description('The VNet the DNS zones are linked to.')
param vnetName string

@description('Subnet that holds the private endpoints.')
param subnetId string

@description('The app\'s storage account.')
param storageAccountName string

@description('The app\'s Key Vault.')
param keyVaultName string

resource vnet 'Microsoft.Network/virtualNetworks@2024-05-01' existing = {
  name: vnetName
}

resource storage 'Microsoft.Storage/storageAccounts@2024-01-01' existing = {
  name: storageAccountName
}

resource vault 'Microsoft.KeyVault/vaults@2024-11-01' existing = {
  name: keyVaultName
}

// privatelink.blob.core.windows.net, ... and privatelink.vaultcore.azure.net in the public cloud.
var endpoints = [
  {
    groupId: 'blob'
    resourceName: storage.name
    zone: 'privatelink.blob.${environment().suffixes.storage}'
  }
  {
    groupId: 'queue'
    resourceName: storage.name
    zone: 'privatelink.queue.${environment().suffixes.storage}'
  }
  {
    groupId: 'table'
    resourceName: storage.name
    zone: 'privatelink.table.${environment().suffixes.storage}'
  }
  {
    groupId: 'vault'
    resourceName: vault.name
    zone: 'privatelink${replace(environment().suffixes.keyvaultDns, '.vault.', '.vaultcore.')}'
  }
]

resource zones 'Microsoft.Network/privateDnsZones@2024-06-01' = [
  for e in endpoints: {
    name: e.zone
    location: 'global'
    tags: tags
  }
]

resource zoneLinks 'Microsoft.Network/privateDnsZones/virtualNetworkLinks@2024-06-01' = [
  for (e, i) in endpoints: {
    parent: zones[i]
    name: 'link-${vnet.name}'
    location: 'global'
    tags: tags
    properties: {
      virtualNetwork: {
        id: vnet.id
      }
      registrationEnabled: false
    }
  }
]

resource privateEndpoints 'Microsoft.Network/privateEndpoints@2024-05-01' = [
  for e in endpoints: {
    name: 'pe-${e.resourceName}-${e.groupId}'
    location: location
    tags: tags
    properties: {
      subnet: {
        id: subnetId
      }
      customNetworkInterfaceName: 'nic-pe-${e.resourceName}-${e.groupId}'
      privateLinkServiceConnections: [
        {
          name: '${e.resourceName}-${e.groupId}'
          properties: {
            privateLinkServiceId: e.groupId == 'vault' ? vault.id : storage.id
            groupIds: [
              e.groupId
            ]
          }
        }
      ]
    }
  }
]

resource zoneGroups 'Microsoft.Network/privateEndpoints/privateDnsZoneGroups@2024-05-01' = [
  for (e, i) in endpoints: {
    parent: privateEndpoints[i]
    name: 'default'
    properties: {
      privateDnsZoneConfigs: [
        {
          name: replace(e.zone, '.', '-')
          properties: {
            privateDnsZoneId: zones[i].id
          }
        }
      ]
    }
  }
]

output privateDnsZoneNames string[] = [for (e, i) in endpoints: zones[i].name]

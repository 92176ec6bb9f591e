// Flex Consumption plan and the Function App (.NET 10 isolated worker) with a system-assigned managed identity,
// integrated with the VNet (network.bicep).
// App settings are applied by appsettings.bicep once the identity holds its roles (see main.bicep).

import { tagSet } from 'types.bicep'

@description('Azure region.')
param location string

@description('Tags applied to every resource.')
param tags tagSet

@description('Function App name (globally unique: <name>.azurewebsites.net).')
param name string

@description('Flex Consumption plan name.')
param planName string

@description('The azd service this app hosts (azure.yaml); azd deploy finds the app by this tag.')
param azdServiceName string

@description('URL of the blob container holding the deployment package.')
param deploymentContainerUrl string

@description('Subnet (delegated to Microsoft.App/environments) the app integrates with: its outbound traffic, storage and Key Vault included, goes through the VNet.')
param virtualNetworkSubnetId string

@description('Upper bound on instances the app scales out to.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 40

@description('Memory per instance (MB).')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

resource plan 'Microsoft.Web/serverfarms@2024-11-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true
  }
}

resource functionApp 'Microsoft.Web/sites@2024-11-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': azdServiceName })
  kind: 'functionapp,linux'
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    clientAffinityEnabled: false
    // Flex Consumption VNet integration.
    virtualNetworkSubnetId: virtualNetworkSubnetId
    siteConfig: {
      minTlsVersion: '1.2'
      scmMinTlsVersion: '1.2'
      ftpsState: 'Disabled'
      http20Enabled: true
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: deploymentContainerUrl
          authentication: {
            type: 'SystemAssignedIdentity'
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: {
        name: 'dotnet-isolated'
        version: '10.0'
      }
    }
  }

  // No FTP or SCM basic-auth publishing: azd deploys with an Entra ID token.
  resource ftpPublishing 'basicPublishingCredentialsPolicies' = {
    name: 'ftp'
    properties: {
      allow: false
    }
  }

  resource scmPublishing 'basicPublishingCredentialsPolicies' = {
    name: 'scm'
    properties: {
      allow: false
    }
  }
}

output name string = functionApp.name
output principalId string = functionApp.identity.principalId
output defaultHostName string = functionApp.properties.defaultHostName

// The app's virtual network: one subnet delegated to Microsoft.App/environments for Flex Consumption VNet integration
// (the function app's outbound traffic, Key Vault references and the host's storage traffic leave through it), one
// subnet for the private endpoints of the storage account and the vault (privateEndpoints.bicep). Each subnet has its
// own network security group (Azure's default rules: traffic inside the VNet allowed, inbound from the Internet denied).
// The Microsoft.App resource provider must be registered in the subscription (docs/deployment.md, "Network").

import { tagSet } from 'types.bicep'

@description('Azure region.')
param location string

@description('Tags applied to every resource.')
param tags tagSet

@description('Virtual network name.')
param name string

@description('Address space of the virtual network (CIDR). Must not overlap networks it is ever peered with.')
param addressPrefix string

@description('Subnet delegated to Microsoft.App/environments for Flex Consumption integration: one address per instance plus headroom (/24 covers 40 instances with room to grow).')
param appSubnetPrefix string

@description('Subnet for the private endpoints (blob, queue, table, vault: four addresses).')
param privateEndpointSubnetPrefix string

var appSubnetName = 'snet-app'
var privateEndpointSubnetName = 'snet-private-endpoints'

resource appNsg 'Microsoft.Network/networkSecurityGroups@2024-05-01' = {
  name: 'nsg-${name}-app'
  location: location
  tags: tags
  properties: {
    securityRules: []
  }
}

resource privateEndpointNsg 'Microsoft.Network/networkSecurityGroups@2024-05-01' = {
  name: 'nsg-${name}-pe'
  location: location
  tags: tags
  properties: {
    securityRules: []
  }
}

resource vnet 'Microsoft.Network/virtualNetworks@2024-05-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    addressSpace: {
      addressPrefixes: [
        addressPrefix
      ]
    }
    subnets: [
      {
        name: appSubnetName
        properties: {
          addressPrefix: appSubnetPrefix
          networkSecurityGroup: {
            id: appNsg.id
          }
          // Flex Consumption runs on the Container Apps infrastructure: its subnet is delegated to
          // Microsoft.App/environments (not Microsoft.Web/serverFarms as for Premium/Dedicated plans) and used for
          // nothing else.
          delegations: [
            {
              name: 'flex-consumption'
              properties: {
                serviceName: 'Microsoft.App/environments'
              }
            }
          ]
          // The app calls SendGrid and the MIS gateway on the Internet through this subnet. Explicit, because new
          // subnets are moving to private-by-default; attach a NAT gateway instead for a fixed outbound IP.
          defaultOutboundAccess: true
        }
      }
      {
        name: privateEndpointSubnetName
        properties: {
          addressPrefix: privateEndpointSubnetPrefix
          networkSecurityGroup: {
            id: privateEndpointNsg.id
          }
          // Network policies on: the NSG applies to the private endpoints too.
          privateEndpointNetworkPolicies: 'Enabled'
          defaultOutboundAccess: false
        }
      }
    ]
  }

  resource appSubnet 'subnets' existing = {
    name: appSubnetName
  }

  resource privateEndpointSubnet 'subnets' existing = {
    name: privateEndpointSubnetName
  }
}

output name string = vnet.name
output id string = vnet.id
output appSubnetId string = vnet::appSubnet.id
output privateEndpointSubnetId string = vnet::privateEndpointSubnet.id

// What tells the agency's Azure administrator that a case needs a person (docs/operations.md, "What the alerts mean"):
//   an action group emailing alertEmail;
//   four scheduled log-search alert rules:
//     optout-orchestration-failed  the Durable extension traced an OptOutCaseOrchestrator instance as Failed (a crash)
//     optout-cases-closed-failed   the workflow closed a case with the Failed outcome (optout.cases.closed metric)
//     optout-stale-cases           the scheduled stale-case scan found cases needing attention (its summary log line)
//     optout-intake-poison         a message was written to the poison queue (the storage account's queue write logs)
//   the storage account's queue write logs (StorageWrite) sent to Log Analytics, which the poison alert reads: Azure
//   Storage's own metrics count messages per account, not per queue, and the poison move is done by the Functions host;
//   an operations workbook on Application Insights (optout-workbook.json): open cases by stage, outcomes, time to
//   decision, stale cases.

import { tagSet } from 'types.bicep'

@description('Azure region of the alert rules and the workbook.')
param location string

@description('Tags applied to every resource.')
param tags tagSet

@description('Application Insights component the app reports to (traces, customMetrics).')
param applicationInsightsName string

@description('Log Analytics workspace behind Application Insights; receives the queue write logs.')
param logAnalyticsName string

@description('The app\'s storage account (intake queues).')
param storageAccountName string

@description('Who the action group emails.')
@minLength(3)
param alertEmail string

@description('The poison queue of the intake queue (optout-intake-poison).')
param poisonQueueName string

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource logAnalytics 'Microsoft.OperationalInsights/workspaces@2023-09-01' existing = {
  name: logAnalyticsName
}

resource storage 'Microsoft.Storage/storageAccounts@2024-01-01' existing = {
  name: storageAccountName

  resource queueService 'queueServices' existing = {
    name: 'default'
  }
}

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = {
  name: 'ag-optout-operations'
  location: 'global'
  tags: tags
  properties: {
    groupShortName: 'optout-ops'
    enabled: true
    emailReceivers: [
      {
        name: 'operations'
        emailAddress: alertEmail
        useCommonAlertSchema: true
      }
    ]
  }
}

// Queue writes only (PutMessage and the like), not reads: the task hub's control queues are polled constantly.
resource queueWriteLogs 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'queue-writes-to-log-analytics'
  scope: storage::queueService
  properties: {
    workspaceId: logAnalytics.id
    logs: [
      {
        category: 'StorageWrite'
        enabled: true
      }
    ]
  }
}

var rules = [
  {
    name: 'optout-orchestration-failed'
    displayName: 'Opt-out: a case orchestration crashed (runtime status Failed)'
    description: 'The Durable Functions extension traced an OptOutCaseOrchestrator instance as Failed: an unexpected error, not the Failed outcome. The case manager got no outcome email. See docs/operations.md, What the alerts mean.'
    severity: 1
    frequency: 'PT15M'
    window: 'PT15M'
    scope: applicationInsights.id
    query: 'traces | where tostring(customDimensions.Category) startswith "Host.Triggers.DurableTask" | where tostring(customDimensions.prop__functionName) == "OptOutCaseOrchestrator" and tostring(customDimensions.prop__state) == "Failed" | project timestamp, instanceId = tostring(customDimensions.prop__instanceId), reason = tostring(customDimensions.prop__reason)'
  }
  {
    name: 'optout-cases-closed-failed'
    displayName: 'Opt-out: a case closed with the Failed outcome'
    description: 'The workflow gave up on a step after its retries (MIS or email down, or an opted-in client still hidden) and emailed the case manager. See docs/operations.md, What the alerts mean.'
    severity: 2
    frequency: 'PT1H'
    window: 'PT1H'
    scope: applicationInsights.id
    query: 'customMetrics | where name == "optout.cases.closed" and tostring(customDimensions.outcome) == "Failed" | summarize failed = sum(valueSum) | where failed > 0'
  }
  {
    name: 'optout-stale-cases'
    displayName: 'Opt-out: the stale-case scan found cases needing attention'
    description: 'The scheduled scan listed cases waiting too long, stuck in a step, never started, crashed or terminated, and emailed the digest to the escalation contact. See docs/operations.md, What the alerts mean.'
    severity: 2
    frequency: 'PT1H'
    window: 'PT1H'
    scope: applicationInsights.id
    query: 'traces | where message startswith "Stale-case scan " and message has "need attention" | parse message with "Stale-case scan " date ": " stale:int " case(s) need attention: AwaitingSupervisor=" awaitingSupervisor:int " AwaitingRegistration=" awaitingRegistration:int " StuckInStep=" stuckInStep:int " NeverStarted=" neverStarted:int " RuntimeFailed=" runtimeFailed:int " Terminated=" terminated:int ";" * | where stale > 0'
  }
  {
    name: 'optout-intake-poison'
    displayName: 'Opt-out: an intake message went to the poison queue'
    description: 'A queue intake message failed processing five times (maxDequeueCount) and the Functions host moved it to ${poisonQueueName}: the case was not opened. See docs/operations.md, What the alerts mean.'
    severity: 2
    frequency: 'PT15M'
    window: 'PT15M'
    scope: logAnalytics.id
    query: 'StorageQueueLogs | where OperationName == "PutMessage" and ObjectKey contains "/${poisonQueueName}" | project TimeGenerated, ObjectKey, StatusText'
  }
]

resource alertRules 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = [
  for rule in rules: {
    name: rule.name
    location: location
    tags: tags
    properties: {
      displayName: rule.displayName
      description: rule.description
      severity: rule.severity
      enabled: true
      evaluationFrequency: rule.frequency
      windowSize: rule.window
      scopes: [
        rule.scope
      ]
      criteria: {
        allOf: [
          {
            query: rule.query
            timeAggregation: 'Count'
            operator: 'GreaterThan'
            threshold: 0
            failingPeriods: {
              numberOfEvaluationPeriods: 1
              minFailingPeriodsToAlert: 1
            }
          }
        ]
      }
      autoMitigate: false
      actions: {
        actionGroups: [
          actionGroup.id
        ]
      }
    }
  }
]

resource workbook 'Microsoft.Insights/workbooks@2023-06-01' = {
  name: guid(applicationInsights.id, 'optout-operations-workbook')
  location: location
  tags: tags
  kind: 'shared'
  properties: {
    displayName: 'Opt-Out Case Automation: operations'
    category: 'workbook'
    sourceId: applicationInsights.id
    serializedData: loadTextContent('optout-workbook.json')
  }
}

output actionGroupId string = actionGroup.id
output workbookId string = workbook.id

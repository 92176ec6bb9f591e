using Azure.Core;
using Azure.Data.Tables;
using Azure.Identity;
using Azure.Storage.Queues;
using Microsoft.Extensions.Configuration;

namespace OptOut.Infrastructure.Storage;

/// <summary>
/// Opens the app's storage account the way Azure Functions opens a named connection: a connection string in the
/// setting itself (<c>AzureWebJobsStorage=UseDevelopmentStorage=true</c> locally), or identity-based settings under it
/// in Azure (<c>AzureWebJobsStorage__accountName</c> or <c>__tableServiceUri</c>, <c>__credential=managedidentity</c>,
/// optional <c>__clientId</c> for a user-assigned identity). No key is ever needed in Azure.
/// </summary>
public static class StorageConnection
{
    public const string Default = "AzureWebJobsStorage";

    public static TableServiceClient Tables(IConfiguration configuration, string name = Default)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var connectionString = configuration[name];
        if (!string.IsNullOrWhiteSpace(connectionString))
        {
            return new TableServiceClient(connectionString);
        }

        var section = configuration.GetSection(name);
        var uri = section["tableServiceUri"]
            ?? (string.IsNullOrWhiteSpace(section["accountName"]) ? null : $"https://{section["accountName"]}.table.core.windows.net");
        if (string.IsNullOrWhiteSpace(uri))
        {
            throw new InvalidOperationException(
                $"{name} is not set: give a connection string, or {name}__accountName (or {name}__tableServiceUri) with {name}__credential=managedidentity.");
        }

        return new TableServiceClient(new Uri(uri), Credential(section));
    }

    /// <summary>The queue service of the same account, opened the same way (<c>__queueServiceUri</c> or <c>__accountName</c>).</summary>
    public static QueueServiceClient Queues(IConfiguration configuration, string name = Default)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var options = new QueueClientOptions { MessageEncoding = QueueMessageEncoding.None };
        var connectionString = configuration[name];
        if (!string.IsNullOrWhiteSpace(connectionString))
        {
            return new QueueServiceClient(connectionString, options);
        }

        var section = configuration.GetSection(name);
        var uri = section["queueServiceUri"]
            ?? (string.IsNullOrWhiteSpace(section["accountName"]) ? null : $"https://{section["accountName"]}.queue.core.windows.net");
        return string.IsNullOrWhiteSpace(uri)
            ? throw new InvalidOperationException($"{name} is not set: give a connection string, or {name}__accountName (or {name}__queueServiceUri) with {name}__credential=managedidentity.")
            : new QueueServiceClient(new Uri(uri), Credential(section), options);
    }

    private static TokenCredential Credential(IConfigurationSection section)
    {
        if (!string.Equals(section["credential"], "managedidentity", StringComparison.OrdinalIgnoreCase))
        {
            return new DefaultAzureCredential();
        }

        var clientId = section["clientId"];
        return new ManagedIdentityCredential(string.IsNullOrWhiteSpace(clientId) ? ManagedIdentityId.SystemAssigned : ManagedIdentityId.FromUserAssignedClientId(clientId));
    }
}

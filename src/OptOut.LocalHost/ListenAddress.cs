using System.Net;
using System.Net.Sockets;

namespace OptOut.LocalHost;

/// <summary>Where the local host listens, and the address emailed links and the SendGrid client use to reach it.</summary>
internal static class ListenAddress
{
    /// <summary>
    /// Port 0 means "any free port" (tests): a free port is chosen here, before start-up, so the emailed links and the
    /// SendGrid sink address can be fixed in configuration. "localhost" with port 0 becomes 127.0.0.1 (Kestrel cannot
    /// bind localhost to a dynamic port).
    /// </summary>
    public static string Resolve(string url)
    {
        var uri = new Uri(url);
        if (uri.Port != 0)
        {
            return url.TrimEnd('/');
        }

        var ip = uri.Host is "localhost" or "+" or "*" or "0.0.0.0" ? IPAddress.Loopback : IPAddress.Parse(uri.Host.Trim('[', ']'));
        using var probe = new TcpListener(ip, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        var host = ip.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{ip}]" : ip.ToString();
        return $"{uri.Scheme}://{host}:{port}";
    }

    /// <summary>The address a browser or HTTP client on this machine uses: wildcard hosts become localhost.</summary>
    public static string Public(string listenUrl)
    {
        var uri = new Uri(listenUrl);
        var host = uri.Host is "+" or "*" or "0.0.0.0" or "[::]" ? "localhost" : uri.Host;
        return $"{uri.Scheme}://{host}:{uri.Port}";
    }
}

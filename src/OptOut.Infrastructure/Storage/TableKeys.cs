namespace OptOut.Infrastructure.Storage;

/// <summary>Table partition and row keys cannot hold / \ # ? or control characters: those are percent-escaped.</summary>
public static class TableKeys
{
    public static string Escape(string key) =>
        string.Concat(key.Select(c => c is '/' or '\\' or '#' or '?' or '%' || char.IsControl(c) ? $"%{(int)c:X2}" : c.ToString()));
}

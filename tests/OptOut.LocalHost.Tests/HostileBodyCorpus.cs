using System.Text;
using System.Text.Json.Nodes;
using OptOut.Testing;

namespace OptOut.LocalHost.Tests;

/// <summary>
/// A deterministic generator of request bodies that must all be refused: truncations, wrong types, huge strings, deep
/// nesting, unicode and control characters, nulls, arrays, numbers, injection strings, duplicate keys, invalid SSNs,
/// unknown properties, non-JSON syntax and invalid UTF-8. Every body is invalid by construction (the test proves it:
/// no case may exist afterwards).
/// </summary>
public static class HostileBodyCorpus
{
    public sealed record Body(string Name, byte[] Bytes)
    {
        public override string ToString() => Name;
    }

    /// <summary>Paths of the string fields, and the seeded valid request they start from.</summary>
    private static readonly string[] Fields =
    [
        "caseId", "caseManager.name", "caseManager.email", "caseManager.office",
        "client.firstName", "client.lastName", "client.phone", "client.email", "client.ssn", "reason",
    ];

    /// <summary>Fields where any of the hostile strings below is invalid (reason is free text, so it is not here).</summary>
    private static readonly string[] StrictFields =
    [
        "caseId", "caseManager.name", "caseManager.email", "caseManager.office",
        "client.firstName", "client.lastName", "client.phone", "client.email", "client.ssn",
    ];

    private static readonly string[] Injections =
    [
        "' OR '1'='1", "'; DROP TABLE cases;--", "\" OR \"\"=\"", "1; EXEC xp_cmdshell('dir')", "admin'--",
        "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "javascript:alert(1)", "\"><svg onload=alert(1)>",
        "{{7*7}}", "${jndi:ldap://127.0.0.1/a}", "../../../../etc/passwd", "%00", "$(rm -rf /)", "`id`",
        "{\"$gt\": \"\"}", "\r\nSet-Cookie: a=b", "=HYPERLINK(\"http://127.0.0.1\")", "@SUM(1+1)*cmd|' /C calc'!A0",
    ];

    private static readonly string[] WeirdStrings =
    [
        "\u0000", "a\u0000b", "\u0007bell", "\u001b[31mred", "\u202eevil", "\u2066isolate", "\ufeff", "\ufffe",
        "😀😀😀", "Z̴̡̢̛̗̘̙̜̝̞̟̠̀́̂̃̄̅̆̇̈̉̊", "𝕏", "\u00a0", "\u3000", " ", "\t", "\n", "null", "undefined", "NaN", "true",
    ];

    private static readonly string[] InvalidSsns =
    [
        "000-12-3456", "666-12-3456", "900-12-3456", "999-99-9999", "123-00-4567", "123-45-0000", "12345678", "1234567890",
        "123-45-678", "abc-de-fghi", "123456789012345678901", "１２３-４５-６７８９", "123_45_6789", "123.45.6789", "+123456789",
        "-123456789", "123 45 678 9 0", "0", "",
    ];

    public static IReadOnlyList<Body> Generate()
    {
        var rng = new Random(5212);
        var list = new List<Body>();
        var valid = Valid();
        var validText = valid.ToJsonString();

        // 1. Truncations of a valid body (never a complete object).
        for (var cut = 0; cut < validText.Length - 1; cut += Math.Max(1, validText.Length / 40))
        {
            list.Add(Text($"truncated at {cut}", validText[..cut]));
        }

        list.Add(Text("truncated before the last brace", validText[..^1]));

        // 2. Wrong types for every field (null only where the field is required).
        foreach (var field in Fields)
        {
            foreach (var (label, value) in new (string, JsonNode?)[]
            {
                ("number", JsonValue.Create(521110005)), ("negative", JsonValue.Create(-1)), ("float", JsonValue.Create(3.14)),
                ("true", JsonValue.Create(true)), ("array", new JsonArray("a", "b")), ("object", new JsonObject { ["x"] = "y" }),
                ("empty array", new JsonArray()), ("empty object", new JsonObject()),
            })
            {
                list.Add(Mutate($"{field} as {label}", valid, field, value));
            }

            if (field is not ("caseId" or "client.email"))
            {
                list.Add(Mutate($"{field} null", valid, field, null));
                list.Add(Mutate($"{field} empty", valid, field, JsonValue.Create("")));
                list.Add(Mutate($"{field} whitespace", valid, field, JsonValue.Create("   \t  ")));
            }
        }

        foreach (var section in new[] { "caseManager", "client" })
        {
            foreach (var (label, value) in new (string, JsonNode?)[] { ("null", null), ("string", JsonValue.Create("x")), ("array", new JsonArray()), ("number", JsonValue.Create(1)) })
            {
                var copy = valid.DeepClone().AsObject();
                copy[section] = value;
                list.Add(Text($"{section} as {label}", copy.ToJsonString()));
            }
        }

        list.Add(Mutate("hasWorkSourceAccount as string", valid, "client.hasWorkSourceAccount", JsonValue.Create("yes"), andInvalidSsn: false));
        list.Add(Mutate("hasWorkSourceAccount as number", valid, "client.hasWorkSourceAccount", JsonValue.Create(1), andInvalidSsn: false));

        // 3. Huge strings (over the field limits; some over the 64 KiB body limit).
        foreach (var field in Fields)
        {
            list.Add(Mutate($"{field} 5000 chars", valid, field, JsonValue.Create(new string('A', 5000))));
            list.Add(Mutate($"{field} 70 KiB", valid, field, JsonValue.Create(new string('B', 70 * 1024))));
        }

        list.Add(Mutate("reason 1001 chars", valid, "reason", JsonValue.Create(new string('r', 1001))));
        list.Add(Text("1 MiB of spaces then an object", new string(' ', 1024 * 1024) + validText));

        // 4. Deep nesting, in the body and inside a field.
        foreach (var depth in new[] { 17, 64, 1000, 10_000 })
        {
            list.Add(Text($"array nesting {depth}", new string('[', depth) + new string(']', depth)));
            list.Add(Text($"object nesting {depth}", string.Concat(Enumerable.Repeat("{\"a\":", depth)) + "1" + new string('}', depth)));
            list.Add(Text($"reason nested {depth}", validText[..^1] + ",\"extra\":" + new string('[', depth) + new string(']', depth) + "}"));
        }

        // 5. Unicode and control characters in every strict field.
        foreach (var field in StrictFields)
        {
            foreach (var weird in WeirdStrings)
            {
                // "null", "NaN"... are letters, which a name may be (there are people called Null): not for name fields.
                var lettersOnly = weird.All(char.IsAsciiLetter);
                if (lettersOnly && field.EndsWith("ame", StringComparison.Ordinal))
                {
                    continue;
                }

                if (rng.Next(3) == 0 || field is "client.ssn" or "caseManager.office")
                {
                    list.Add(Mutate($"{field} = U+{(int)weird[0]:X4}…", valid, field, JsonValue.Create(weird)));
                }
            }
        }

        list.Add(Text("lone high surrogate escape in name", validText.Replace("\"Elena\"", "\"\\ud800\"", StringComparison.Ordinal)));
        list.Add(Text("lone low surrogate escape in reason", validText.Replace("\"reason\":\"", "\"reason\":\"\\udc00", StringComparison.Ordinal)));
        list.Add(Text("control char in reason", validText.Replace("\"reason\":\"", "\"reason\":\"\\u0000", StringComparison.Ordinal)));
        list.Add(Text("raw control char in a string", validText.Replace("Elena", "El\u0001na", StringComparison.Ordinal)));

        // 6. Roots that are not an object.
        foreach (var root in new[] { "null", "[]", "[{}]", "0", "-1", "1e309", "\"text\"", "true", "false", "{}", "{\"caseId\":null}" })
        {
            list.Add(Text($"root {root}", root));
        }

        list.Add(Text("array of a valid case", "[" + validText + "]"));
        list.Add(Text("two objects", validText + validText));
        list.Add(Text("object then garbage", validText + "x"));

        // 7. Injection strings in every strict field; free-text reason only together with an invalid SSN.
        foreach (var field in StrictFields)
        {
            foreach (var injection in Injections)
            {
                if (rng.Next(2) == 0 || field is "client.firstName" or "client.ssn")
                {
                    list.Add(Mutate($"{field} injection {injection}", valid, field, JsonValue.Create(injection)));
                }
            }
        }

        foreach (var injection in Injections)
        {
            var copy = Set(valid, "reason", JsonValue.Create(injection));
            list.Add(Mutate($"reason injection {injection} + bad ssn", copy, "client.ssn", JsonValue.Create("000-00-0000")));
        }

        // 8. Duplicate keys (the second value must never silently win).
        list.Add(Text("duplicate ssn", validText.Replace("\"ssn\":\"521-11-0005\"", "\"ssn\":\"521-11-0005\",\"ssn\":\"521-11-0006\"", StringComparison.Ordinal)));
        list.Add(Text("duplicate ssn other case", validText.Replace("\"ssn\":\"521-11-0005\"", "\"ssn\":\"521-11-0005\",\"SSN\":\"521-11-0006\"", StringComparison.Ordinal)));
        list.Add(Text("duplicate caseId", validText.Replace("{\"caseId\":\"corpus-valid\"", "{\"caseId\":\"corpus-valid\",\"caseId\":\"corpus-other\"", StringComparison.Ordinal)));
        list.Add(Text("duplicate client", validText[..^1] + ",\"client\":{}}"));
        list.Add(Text("duplicate reason", validText[..^1] + ",\"reason\":\"again\"}"));

        // 9. Invalid SSNs.
        foreach (var ssn in InvalidSsns)
        {
            list.Add(Mutate($"ssn {ssn}", valid, "client.ssn", JsonValue.Create(ssn)));
        }

        // 10. Unknown properties and JSON extensions the API does not accept.
        list.Add(Text("unknown top-level property", validText[..^1] + ",\"admin\":true}"));
        list.Add(Text("unknown client property", validText.Replace("\"client\":{", "\"client\":{\"dob\":\"1990-01-01\",", StringComparison.Ordinal)));
        list.Add(Text("__proto__", validText[..^1] + ",\"__proto__\":{\"admin\":true}}"));
        list.Add(Text("comment", "/* c */" + validText));
        list.Add(Text("line comment", validText[..^1] + "//x\n}"));
        list.Add(Text("trailing comma", validText[..^1] + ",}"));
        list.Add(Text("single quotes", validText.Replace('"', '\'')));
        list.Add(Text("unquoted keys", validText.Replace("\"caseId\":", "caseId:", StringComparison.Ordinal)));
        list.Add(Text("NaN value", validText[..^1] + ",\"x\":NaN}"));
        list.Add(Text("hex number", "{\"caseId\":0x10}"));
        list.Add(Text("huge number", "{\"caseId\":" + new string('9', 5000) + "}"));
        list.Add(Text("BOM then garbage", "\ufeff{x"));

        // 11. Bytes that are not UTF-8.
        var bytes = Encoding.UTF8.GetBytes(validText);
        foreach (var bad in new byte[][] { [0xC3, 0x28], [0xFF], [0xED, 0xA0, 0x80], [0xF8, 0x88, 0x80, 0x80, 0x80], [0x00] })
        {
            var at = Encoding.UTF8.GetBytes(validText[..validText.IndexOf("Elena", StringComparison.Ordinal)]).Length;
            list.Add(new Body($"invalid UTF-8 {Convert.ToHexString(bad)}", [.. bytes[..at], .. bad, .. bytes[at..]]));
        }

        list.Add(new Body("UTF-16 body", Encoding.Unicode.GetBytes(validText)));
        list.Add(new Body("random bytes", RandomBytes(rng, 512)));

        // 12. Random mutations: flip a character of the valid body so the result is still invalid (checked by the test).
        for (var i = 0; i < 20; i++)
        {
            var chars = validText.ToCharArray();
            var at = rng.Next(chars.Length);
            const string Breakers = "{}[]\":,\\x0 ";
            chars[at] = Breakers[rng.Next(Breakers.Length)];
            var text = new string(chars);
            if (text != validText)
            {
                list.Add(Text($"mutation {i} at {at}", SpoilSsn(text)));
            }
        }

        return list;
    }

    /// <summary>The valid request (seeded participant S-1005) the mutations start from.</summary>
    public static JsonObject Valid()
    {
        var r = Requests.For("S-1005", "corpus-valid");
        return JsonNode.Parse(Http.Json(r))!.AsObject();
    }

    private static Body Text(string name, string text) => new(name, Encoding.UTF8.GetBytes(text));

    /// <summary>Sets <paramref name="path"/>; for optional or free-text fields also spoils the SSN, so the body is invalid whatever the value.</summary>
    private static Body Mutate(string name, JsonObject valid, string path, JsonNode? value, bool andInvalidSsn = true)
    {
        var copy = Set(valid, path, value);
        if (andInvalidSsn && path is "reason" or "caseId" or "client.email" or "client.hasWorkSourceAccount")
        {
            copy = Set(copy, "client.ssn", JsonValue.Create("000-00-0000"));
            name += " + bad ssn";
        }

        return Text(name, copy.ToJsonString());
    }

    private static JsonObject Set(JsonObject source, string path, JsonNode? value)
    {
        var copy = source.DeepClone().AsObject();
        var parts = path.Split('.');
        var target = parts.Length == 1 ? copy : copy[parts[0]]!.AsObject();
        target[parts[^1]] = value;
        return copy;
    }

    private static string SpoilSsn(string text) => text.Replace("521-11-0005", "000-11-0005", StringComparison.Ordinal);

    private static byte[] RandomBytes(Random rng, int length)
    {
        var b = new byte[length];
        rng.NextBytes(b);
        return b;
    }
}

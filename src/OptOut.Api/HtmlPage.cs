using System.Net;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace OptOut.Api;

/// <summary>Small, accessible, self-contained HTML pages (no scripts, no external assets). Every value is HTML-encoded.</summary>
public static class HtmlPage
{
    public static string E(string? value) => WebUtility.HtmlEncode(value ?? "");

    public static IResult Result(int status, string title, string bodyHtml) =>
        Results.Content(Render(title, bodyHtml), "text/html; charset=utf-8", Encoding.UTF8, status);

    public static string Render(string title, string bodyHtml) =>
        $$"""
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="robots" content="noindex, nofollow">
        <meta name="referrer" content="no-referrer">
        <title>{{E(title)}} — Opt-Out Case Automation</title>
        <style>
        body{font-family:Segoe UI,Arial,sans-serif;font-size:16px;line-height:1.5;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#1b1b1b}
        h1{font-size:1.5rem} dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem} dt{font-weight:600}
        fieldset{border:1px solid #888;padding:1rem;margin:1rem 0} label{display:block;margin:.4rem 0}
        textarea,input[type=text],input[type=email],input[type=tel],select{width:100%;max-width:40rem;font:inherit;padding:.3rem}
        button{font:inherit;padding:.5rem 1.2rem;background:#0b5cad;color:#fff;border:0;border-radius:4px;cursor:pointer}
        button:focus,a:focus,input:focus,textarea:focus{outline:3px solid #f9a825;outline-offset:2px}
        .note{background:#f3f6fa;border-left:4px solid #0b5cad;padding:.5rem 1rem} .err{border-left-color:#b00020}
        table{border-collapse:collapse;width:100%} th,td{border-bottom:1px solid #ddd;padding:.3rem;text-align:left;vertical-align:top}
        </style>
        </head>
        <body>
        <main>
        <h1>{{E(title)}}</h1>
        {{bodyHtml}}
        </main>
        </body>
        </html>
        """;
}

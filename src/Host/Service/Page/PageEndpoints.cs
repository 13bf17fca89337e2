using System.Collections.Frozen;
using System.Reflection;

namespace Recurrent.Host.Service.Page;

/// <summary>
/// The live page at <c>/</c> and its files under <c>/page/</c>, served from resources embedded in recurrent.dll
/// (the page's own HTML, CSS and scripts, and uPlot installed from npm by the build), so the page needs no
/// content root and no files beside the executable.
/// </summary>
internal static class PageEndpoints
{
    private const string Prefix = "page/";

    private static readonly FrozenDictionary<string, string> ContentTypes = new Dictionary<string, string>
    {
        [".html"] = "text/html; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
    }.ToFrozenDictionary();

    public static void Map(IEndpointRouteBuilder app)
    {
        var files = Load(typeof(PageEndpoints).Assembly);
        if (!files.ContainsKey("index.html") || !files.ContainsKey("uPlot.iife.min.js"))
            throw new InvalidOperationException("recurrent.dll was built without the live page or uPlot; rebuild src/Host.");
        app.MapGet("/", () => Serve(files["index.html"])).ExcludeFromDescription();
        app.MapGet("/page/{file}", (string file) =>
            files.TryGetValue(file, out var page) ? Serve(page) : Results.NotFound()).ExcludeFromDescription();
    }

    private static IResult Serve(PageFile file) => new PageResult(file);

    private static FrozenDictionary<string, PageFile> Load(Assembly assembly)
    {
        var files = new Dictionary<string, PageFile>(StringComparer.Ordinal);
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            var file = name[Prefix.Length..];
            if (ContentTypes.TryGetValue(Path.GetExtension(file), out var type))
                files[file] = new PageFile(buffer.ToArray(), type);
        }
        return files.ToFrozenDictionary(StringComparer.Ordinal);
    }

    private sealed record PageFile(byte[] Bytes, string ContentType);

    /// <summary>The bytes with no-cache, so a rebuilt service never serves a browser an old script.</summary>
    private sealed class PageResult(PageFile file) : IResult
    {
        public Task ExecuteAsync(HttpContext context)
        {
            context.Response.ContentType = file.ContentType;
            context.Response.Headers.CacheControl = "no-cache";
            context.Response.ContentLength = file.Bytes.Length;
            return context.Response.Body.WriteAsync(file.Bytes).AsTask();
        }
    }
}

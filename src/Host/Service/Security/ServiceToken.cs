using System.Net;
using System.Security.Cryptography;
using System.Text;

namespace Recurrent.Host.Service.Security;

/// <summary>
/// The bearer token of mutating requests: from configuration or <c>RECURRENT_TOKEN</c>, else read from (or, on the
/// first start, generated into) the data directory's token file, readable by the owner only.
/// </summary>
internal sealed class ServiceToken
{
    private readonly byte[] _expected;

    private ServiceToken(string value, bool generated, bool configured)
    {
        Value = value;
        Generated = generated;
        Configured = configured;
        _expected = Encoding.UTF8.GetBytes(value);
    }

    public string Value { get; }

    /// <summary>True when this start created the token file, so it is printed once.</summary>
    public bool Generated { get; }

    /// <summary>True when the token came from configuration or the environment, which permits non-loopback addresses.</summary>
    public bool Configured { get; }

    /// <summary>The entropy a token needs to guard an address beyond loopback.</summary>
    public const int MinBitsBeyondLoopback = 128;

    /// <summary>
    /// An estimate of the token's entropy in bits, as if each character were drawn at random from the character
    /// classes it uses (lower case, upper case, digits, other printable ASCII, anything else): a 32-digit hex string
    /// from <c>openssl rand -hex 16</c> counts 165. A token of few distinct characters counts as if drawn from those
    /// alone, so "aaaa..." is not strong however long.
    /// </summary>
    public double Bits => EstimateBits(Value);

    internal static double EstimateBits(string token)
    {
        int pool = 0;
        if (token.Any(char.IsAsciiLetterLower))
            pool += 26;
        if (token.Any(char.IsAsciiLetterUpper))
            pool += 26;
        if (token.Any(char.IsAsciiDigit))
            pool += 10;
        if (token.Any(c => c is > ' ' and < (char)127 && !char.IsAsciiLetterOrDigit(c)))
            pool += 33;
        if (token.Any(c => c >= (char)127))
            pool += 100;
        pool = Math.Min(pool, token.Distinct().Count() * 4);
        return pool <= 1 ? 0 : token.Length * Math.Log2(pool);
    }

    /// <summary>Why this token cannot guard <paramref name="address"/>, or null when it can.</summary>
    public string? WeakFor(string address) => Configured && Bits < MinBitsBeyondLoopback
        ? $"Refusing to listen on {address}: the configured token (Recurrent:Token or RECURRENT_TOKEN) has about {Bits:0} bits of " +
          $"entropy, and a token must have at least {MinBitsBeyondLoopback} to guard an address beyond loopback; use a random one such " +
          "as `openssl rand -hex 16` (32 hex digits, 165 bits by this estimate), or bind to 127.0.0.1."
        : null;

    public static ServiceToken Resolve(string? configured, DataDirectory data, IEnumerable<string> urls)
    {
        var token = string.IsNullOrWhiteSpace(configured) ? Environment.GetEnvironmentVariable("RECURRENT_TOKEN") : configured;
        var open = urls.FirstOrDefault(u => !IsLoopback(u));
        if (!string.IsNullOrWhiteSpace(token))
        {
            var resolved = new ServiceToken(token.Trim(), generated: false, configured: true);
            if (open is not null && resolved.WeakFor(open) is { } weak)
                throw new InvalidOperationException(weak);
            return resolved;
        }
        if (open is not null)
            throw new InvalidOperationException(
                $"Refusing to listen on {open} without a configured token: set Recurrent:Token or RECURRENT_TOKEN, " +
                "or bind to 127.0.0.1.");
        if (File.Exists(data.TokenFile))
            return new ServiceToken(File.ReadAllText(data.TokenFile).Trim(), generated: false, configured: false);
        var generated = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        WriteOwnerOnly(data.TokenFile, generated);
        return new ServiceToken(generated, generated: true, configured: false);
    }

    /// <summary>Compares in constant time so response timing does not leak how much of a guess was right.</summary>
    public bool Matches(string? presented) =>
        presented is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), _expected);

    // Created with mode 0600 from the start: chmod after writing would leave a window where others can read it.
    private static void WriteOwnerOnly(string path, string content)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using var stream = new FileStream(path, options);
        stream.Write(Encoding.UTF8.GetBytes(content + "\n"));
        stream.Flush(flushToDisk: true);
    }

    internal static bool IsLoopback(string url)
    {
        if (!Uri.TryCreate(url.Replace("://*", "://0.0.0.0", StringComparison.Ordinal).Replace("://+", "://0.0.0.0", StringComparison.Ordinal),
                UriKind.Absolute, out var uri))
            return false;
        if (uri.IsLoopback)
            return true;
        return IPAddress.TryParse(uri.Host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address);
    }
}

using System.Globalization;
using System.Text;

namespace Recurrent.Trainer.Data.Files;

/// <summary>
/// Splits free text into tokens for the CSV reader (and for predicting on raw text the same way). The rule:
/// the text is lowercased (invariant culture), and a token is a maximal run of letters, digits and combining
/// marks (Unicode categories L*, N*, M*). Everything else (white space, punctuation, symbols) separates tokens
/// and is dropped, so "Don't stop!" gives "don", "t", "stop".
/// </summary>
public static class TextTokenizer
{
    /// <summary>The tokens of <paramref name="text"/>, in order.</summary>
    public static List<string> Tokenize(string text)
    {
        var tokens = new List<string>();
        var current = new StringBuilder();
        foreach (var rune in text.EnumerateRunes())
        {
            if (IsTokenRune(rune))
            {
                current.Append(Rune.ToLowerInvariant(rune).ToString());
            }
            else if (current.Length > 0)
            {
                tokens.Add(current.ToString());
                current.Clear();
            }
        }
        if (current.Length > 0)
            tokens.Add(current.ToString());
        return tokens;
    }

    private static bool IsTokenRune(Rune rune)
    {
        if (Rune.IsLetterOrDigit(rune))
            return true;
        var category = Rune.GetUnicodeCategory(rune);
        return category is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark
            or UnicodeCategory.EnclosingMark or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber;
    }
}

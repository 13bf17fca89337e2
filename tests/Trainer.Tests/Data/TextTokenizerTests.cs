using Recurrent.Trainer.Data.Files;

namespace Recurrent.Trainer.Tests.Data;

public sealed class TextTokenizerTests
{
    [Theory]
    [InlineData("Don't stop!", new[] { "don", "t", "stop" })]
    [InlineData("  CAT\tmat\nRat  ", new[] { "cat", "mat", "rat" })]
    [InlineData("e-mail: a@b.com, 42nd", new[] { "e", "mail", "a", "b", "com", "42nd" })]
    [InlineData("Ökonomie café", new[] { "ökonomie", "café" })]
    [InlineData("naïve\u0301", new[] { "naïve\u0301" })]
    [InlineData("...", new string[0])]
    public void Lowercases_and_splits_on_everything_but_letters_digits_and_marks(string text, string[] expected) =>
        Assert.Equal(expected, TextTokenizer.Tokenize(text));
}

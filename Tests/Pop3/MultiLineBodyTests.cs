using System.Text;
using MailActors.Pop3;
using MailActors.Storage;

namespace MailActors.Tests.Pop3;

public sealed class MultiLineBodyTests
{
    private static string Render(string message, int? top = null) =>
        Encoding.Latin1.GetString(MultiLineBody.Render("+OK\r\n", MessageText.ToCrlf(Encoding.Latin1.GetBytes(message)), top));

    [Fact]
    public void Lines_starting_with_a_dot_are_stuffed_and_the_response_ends_with_a_lone_dot() =>
        Assert.Equal("+OK\r\nA: b\r\n\r\n..hidden\r\n...\r\nend\r\n.\r\n", Render("A: b\n\n.hidden\n..\nend\n"));

    [Fact]
    public void Top_sends_the_headers_the_blank_line_and_n_body_lines() =>
        Assert.Equal("+OK\r\nA: b\r\nC: d\r\n\r\none\r\n.\r\n", Render("A: b\nC: d\n\none\ntwo\nthree\n", 1));

    [Fact]
    public void Top_zero_sends_only_the_headers() =>
        Assert.Equal("+OK\r\nA: b\r\n\r\n.\r\n", Render("A: b\n\none\n", 0));

    [Fact]
    public void A_message_without_a_final_line_end_still_ends_properly() =>
        Assert.Equal("+OK\r\nA: b\r\n\r\nx\r\n.\r\n", Encoding.Latin1.GetString(MultiLineBody.Render("+OK\r\n", "A: b\r\n\r\nx"u8, null)));

    [Fact]
    public void Bare_cr_and_lf_become_crlf_when_stored() =>
        Assert.Equal("a\r\nb\r\nc\r\n", Encoding.Latin1.GetString(MessageText.ToCrlf("a\rb\nc"u8)));
}

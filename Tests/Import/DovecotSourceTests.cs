using System.Text;
using MailActors.Import;

namespace MailActors.Tests.Import;

/// <summary>Reading what Dovecot leaves behind (docs/spec.md §4, migration): dovecot-uidlist, Maildir files, mbox.</summary>
public sealed class DovecotSourceTests
{
    // Written by Dovecot 2.3.19 (dovecot-lda, then a POP3 session) with pop3_uidl_format = %08Xu%08Xv and pop3_save_uidl = yes.
    private const string SavedUidls = """
        3 V1796483875 N3 Gc9e8b219232b146b1c44000083ecc375
        1 P000000016b142b23 :1796483875.M431141P17436.vm,S=30,W=34
        2 P000000026b142b23 :1796483875.M441365P17440.vm,S=30,W=34

        """;

    [Fact]
    public void A_saved_P_field_is_the_uidl_and_without_one_the_default_format_is_rebuilt_in_lower_case_hex()
    {
        var list = DovecotUidList.Parse(SavedUidls);
        Assert.Equal(1796483875, list.UidValidity);
        Assert.Equal(["000000016b142b23", "000000026b142b23"], list.Entries.Select(list.UidlOf));
        Assert.Equal("1796483875.M441365P17440.vm,S=30,W=34", list.Entries[1].BaseName);

        // The same mailbox before any UIDL was saved: Dovecot served exactly these (observed through POP3).
        var unsaved = DovecotUidList.Parse("3 V1796483875 N3 G00\n1 :a.vm,S=30,W=34\n2 W34 :b.vm,S=30,W=34:2,S\n");
        Assert.Equal(["000000016b142b23", "000000026b142b23"], unsaved.Entries.Select(unsaved.UidlOf));
        Assert.Equal("b.vm,S=30,W=34", unsaved.Entries[1].BaseName);
    }

    [Fact]
    public void An_empty_P_field_means_the_file_name_was_the_uidl_and_version_1_lists_are_read_too()
    {
        var filenames = DovecotUidList.Parse("3 V1796483864 N3 Ge8\n1 P :1796483864.M401148P16829.vm,S=30,W=34\n");
        Assert.Equal("1796483864.M401148P16829.vm,S=30,W=34", filenames.UidlOf(filenames.Entries[0]));

        var v1 = DovecotUidList.Parse("1 1180000000 3\n1 1179999999.P1Q1.host:2,S\n2 1179999999.P2Q1.host\n");
        Assert.Equal(["0000000146555f00", "0000000246555f00"], v1.Entries.Select(v1.UidlOf));
        Assert.Equal("1179999999.P1Q1.host", v1.Entries[0].BaseName);
    }

    [Theory]
    [InlineData("")]
    [InlineData("7 V1 N1\n")]
    [InlineData("3 N5\n1 :a\n")]
    public void A_list_that_is_not_dovecots_is_refused_rather_than_guessed(string text) =>
        Assert.Throws<FormatException>(() => DovecotUidList.Parse(text));

    [Fact]
    public void Files_follow_the_list_order_then_unlisted_files_by_name_with_new_uidls_and_gone_files_are_counted()
    {
        var list = DovecotUidList.Parse("3 V16 N9 G0\n2 :second\n1 :first\n5 Pkept :gone\n7 :third\n");
        string[] files = ["/m/new/zz-unlisted", "/m/cur/third:2,S", "/m/cur/first:2,", "/m/new/second", "/m/new/aa-unlisted"];
        var n = 0;
        var (plan, missing) = MaildirSource.Plan(list, files, () => $"new{++n}");
        Assert.Equal(["/m/cur/first:2,", "/m/new/second", "/m/cur/third:2,S", "/m/new/aa-unlisted", "/m/new/zz-unlisted"], plan.Select(f => f.Path));
        Assert.Equal(["0000000100000010", "0000000200000010", "0000000700000010", "new1", "new2"], plan.Select(f => f.Uidl));
        Assert.Equal(["maildir:first", "maildir:second", "maildir:third", "maildir:aa-unlisted", "maildir:zz-unlisted"], plan.Select(f => f.ImportKey));
        Assert.Equal(1, missing);
    }

    [Fact]
    public void An_mbox_keeps_dovecots_uids_drops_its_own_headers_and_keys_identical_messages_apart()
    {
        var mbox = """
            From MAILER-DAEMON Sat Dec  5 10:00:00 2026
            X-IMAPbase: 1700000000 4
            X-UID: 1
            Status: RO
            Subject: one

            first body
            From is not a separator here

            From someone@example.test Sat Dec  5 10:01:00 2026
            Subject: two
            X-UID: 3
            X-Keywords: $Junk
            Content-Length: 9

            same body

            From someone@example.test Sat Dec  5 10:02:00 2026
            Subject: two
            X-UID: 3
            X-Keywords: $Junk
            Content-Length: 9

            same body

            """.Replace("\r\n", "\n");
        var n = 0;
        var messages = MboxSource.Read(new MemoryStream(Encoding.ASCII.GetBytes(mbox)), () => $"new{++n}").ToList();
        Assert.Equal(3, messages.Count);
        Assert.Equal("Subject: one\r\n\r\nfirst body\r\nFrom is not a separator here\r\n", Encoding.ASCII.GetString(messages[0].Body));
        Assert.Equal("Subject: two\r\n\r\nsame body\r\n", Encoding.ASCII.GetString(messages[1].Body));
        Assert.Equal(["000000016553f100", "000000036553f100", "000000036553f100"], messages.Select(m => m.Uidl));
        Assert.EndsWith(":1", messages[1].ImportKey);
        Assert.Equal(messages[1].ImportKey[..^2] + ":2", messages[2].ImportKey);

        var plain = MboxSource.Read(new MemoryStream("From x\nSubject: s\n\nb\n"u8.ToArray()), () => "fresh").Single();
        Assert.Equal("fresh", plain.Uidl); // no X-UID/X-IMAPbase: a new UIDL
    }
}

using MailActors.Accounts;

namespace MailActors.Tests.Accounts;

public sealed class AccountSecretsTests
{
    [Fact]
    public void Apop_digest_matches_the_rfc_1939_example() =>
        Assert.Equal("c4c9334bac560ecc979e58001b3e22fb", ApopDigest.Compute("<1896.697170952@dbc.mtview.ca.us>", "tanstaaf"));

    [Fact]
    public void A_password_hash_is_salted_and_verifies_only_the_right_password()
    {
        var a = PasswordHasher.Hash("correct horse");
        var b = PasswordHasher.Hash("correct horse");
        Assert.NotEqual(a, b);
        Assert.StartsWith("pbkdf2-sha256$210000$", a);
        Assert.True(PasswordHasher.Verify("correct horse", a));
        Assert.False(PasswordHasher.Verify("correct horse!", a));
    }

    [Fact]
    public void The_apop_key_file_is_created_private_and_seals_secrets_it_alone_can_open()
    {
        var dir = Directory.CreateTempSubdirectory("mailactors-key-").FullName;
        try
        {
            var file = Path.Combine(dir, "keys", "apop.key");
            var cipher = ApopSecretCipher.LoadOrCreate(file);
            if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
            var sealedSecret = cipher.Seal("tanstaaf");
            Assert.True(sealedSecret.AsSpan().IndexOf("tanstaaf"u8) < 0, "the secret is not stored in clear");
            Assert.Equal("tanstaaf", ApopSecretCipher.LoadOrCreate(file).Open(sealedSecret));
            Assert.Null(ApopSecretCipher.LoadOrCreate(Path.Combine(dir, "other.key")).Open(sealedSecret));
        }
        finally { Directory.Delete(dir, true); }
    }
}

using System.CommandLine;
using MailActors.Audit;

namespace MailActors.Host.Cli;

/// <summary><c>mailactors audit key</c>: the public half of this node's audit signing key, in PEM (docs/spec.md §8).</summary>
public static class AuditKeyCommand
{
    public static Command Build()
    {
        var key = new Command("key", "print the public key (PEM) that this node's audit checkpoints are signed with");
        key.SetAction(parse =>
        {
            var path = CommonOptions.Load(parse).Settings.Audit.SigningKeyFile;
            if (!File.Exists(path)) throw new CliError($"no audit signing key at {path}: a node creates it when it first starts");
            using var signing = AuditSigningKey.LoadOrCreate(path);
            Console.Write(AuditSigningKey.PublicKeyPem(signing) + "\n");
            return 0;
        });
        return key;
    }
}

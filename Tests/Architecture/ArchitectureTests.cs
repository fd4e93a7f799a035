using System.Reflection;
using MailActors.Host.Server;
using MailActors.Pop3;
using MailActors.Transport.Listeners;
using NetArchTest.Rules;

namespace MailActors.Tests.Architecture;

/// <summary>
/// The shape docs/spec.md §2 asks for, checked on the compiled assemblies: the protocol machines, parsers, policy
/// table, zone classifier, grant state, audit facts and chain are plain C# (no Akka, no DotNetty), and DotNetty is
/// used nowhere but in Transport.
/// </summary>
public sealed class ArchitectureTests
{
    private static readonly Assembly Actors = typeof(Pop3Machine).Assembly;

    /// <summary>The feature folders whose types are pure, but for the actor shells (and the session effects they run) named here.</summary>
    public static TheoryData<string, string[]> PureNamespaces => new()
    {
        { "MailActors.Pop3", ["Pop3SessionActor", "Pop3SessionDeps", "Pop3SessionFactory", "Pop3Login"] },
        { "MailActors.Smtp", ["SmtpSessionActor", "SmtpSessionDeps", "SmtpSessionFactory", "MessageAcceptance"] },
        { "MailActors.Policy", ["PolicyActor", "PolicyOwnerActor", "PolicyReplication"] },
        { "MailActors.Grants", ["GrantLedgerActor", "GrantReplication", "ReplicatedGrants"] },
        { "MailActors.Audit", ["AuditWriter", "DeliveryAuditor", "FactRecorder", "Checkpointer"] },
        { "MailActors.Authentication", ["Authenticator"] },
        { "MailActors.AuthFailures", ["AuthFailureTracker"] },
        { "MailActors.Accounts", [] },
        { "MailActors.Storage", [] },
    };

    [Theory]
    [MemberData(nameof(PureNamespaces))]
    public void Pure_cores_depend_on_neither_akka_nor_dotnetty(string ns, string[] shells)
    {
        var types = Types.InAssembly(Actors).That().ResideInNamespace(ns);
        foreach (var shell in shells) types = types.And().DoNotHaveName(shell);
        var result = types.ShouldNot().HaveDependencyOnAny("Akka", "DotNetty").GetResult();
        // a shell's own nested messages belong to the shell
        var failing = (result.FailingTypeNames ?? []).Where(name => !shells.Any(shell => name.StartsWith($"{ns}.{shell}/"))).ToList();
        Assert.True(failing.Count == 0, $"{ns}: these types use Akka or DotNetty: {string.Join(", ", failing)}");
    }

    [Fact]
    public void Every_shell_named_as_an_exception_exists_so_the_list_cannot_go_stale()
    {
        var names = Actors.GetTypes().Select(t => t.Name).ToHashSet();
        foreach (var row in PureNamespaces)
            foreach (var shell in (string[])row[1])
                Assert.Contains(shell, names);
    }

    [Fact]
    public void DotNetty_stays_inside_transport()
    {
        foreach (var assembly in new[] { Actors, typeof(MailActorsServer).Assembly })
        {
            var result = Types.InAssembly(assembly).ShouldNot().HaveDependencyOn("DotNetty").GetResult();
            Assert.True(result.IsSuccessful, $"{assembly.GetName().Name} uses DotNetty: {string.Join(", ", result.FailingTypeNames ?? [])}");
        }
        Assert.NotEmpty(Types.InAssembly(typeof(MailTransport).Assembly).That().HaveDependencyOn("DotNetty").GetTypes());
    }
}

using MailActors.Policy;

namespace MailActors.Host.Web;

/// <summary>
/// Every sentence of the help page and the account pages in one language (docs/spec.md §16): one class per language, each
/// complete, so that a missing translation is a compile error. Texts are plain; the pages HTML-encode them (and so every
/// value from the configuration they carry).
/// </summary>
public abstract class HelpTexts
{
    public static readonly HelpTexts English = new EnglishTexts();
    public static readonly HelpTexts Japanese = new JapaneseTexts();
    public static readonly IReadOnlyList<HelpTexts> All = [English, Japanese];

    public static HelpTexts? Find(string? code) => All.FirstOrDefault(t => string.Equals(t.Code, code, StringComparison.OrdinalIgnoreCase));

    public abstract string Code { get; }
    public abstract string LanguageName { get; }
    public abstract string Title(string host);
    public abstract string Intro { get; }

    public abstract string WhereYouAreHeading { get; }
    public abstract string YouConnectFrom(string address);
    public abstract string ZoneName(Zone zone);
    public abstract string ZoneAdvice(Zone zone);

    public abstract string ServerHeading { get; }
    public abstract string ServerName { get; }
    public abstract string YourUserName { get; }
    public abstract string UserNameExplained(string exampleDomain);
    public abstract string YourAddresses { get; }

    public abstract string InsideHeading { get; }
    public abstract string OutsideHeading { get; }
    public abstract string ColumnUse { get; }
    public abstract string ColumnPort { get; }
    public abstract string ColumnSecurity { get; }
    public abstract string ColumnPassword { get; }
    public abstract string Receive { get; }
    public abstract string Send { get; }
    public abstract string SecurityNone { get; }
    public abstract string SecurityStartTls { get; }
    public abstract string SecuritySsl { get; }
    public abstract string SecurityApop { get; }
    public abstract string LoginPassword { get; }
    public abstract string ApopPassword { get; }
    public abstract string NoPasswordOnCampus { get; }
    public abstract string LoginPasswordOrPopFirst { get; }
    public abstract string StlsOutsideNote(int pop3, int pop3s);
    public abstract string PopBeforeSmtp(TimeSpan window);

    public abstract string PasswordsHeading { get; }
    public abstract string PasswordsExplained { get; }
    public abstract string ApopExplained { get; }

    public abstract string ThunderbirdHeading { get; }
    public abstract IReadOnlyList<string> ThunderbirdSteps(MailSite site);
    public abstract string OutlookHeading { get; }
    public abstract IReadOnlyList<string> OutlookSteps(MailSite site);
    public abstract string AppleIosHeading { get; }
    public abstract IReadOnlyList<string> AppleIosSteps(MailSite site);
    public abstract string AppleMacHeading { get; }
    public abstract IReadOnlyList<string> AppleMacSteps(MailSite site);
    public abstract string GenericHeading { get; }
    public abstract IReadOnlyList<string> GenericSteps(MailSite site);
    public abstract string ProfileLink { get; }
    public abstract string EmailAddress { get; }

    public abstract string CaHeading { get; }
    public abstract string CaExplained { get; }
    public abstract string CaPemLink { get; }
    public abstract string CaCrtLink { get; }
    public abstract string CaFingerprint { get; }
    public abstract string CaCheck { get; }
    public abstract string NoCaNeeded { get; }

    public abstract string AccountHeading { get; }
    public abstract string AccountExplained { get; }
    public abstract string AccountLink { get; }

    // the account pages
    public abstract string LoginHeading { get; }
    public abstract string NameOrAddress { get; }
    public abstract string Password { get; }
    public abstract string LogIn { get; }
    public abstract string LogOut { get; }
    public abstract string WrongLogin { get; }
    public abstract string TryLater { get; }
    public abstract string AccountDisabled { get; }
    public abstract string SignedInAs(string account);
    public abstract string SessionEnds(DateTime utc);
    public abstract string RecentLogins { get; }
    public abstract string LiveGrants { get; }
    public abstract string MessagesLetOut { get; }
    public abstract string ColumnTime { get; }
    public abstract string ColumnAddress { get; }
    public abstract string ColumnListener { get; }
    public abstract string ColumnResult { get; }
    public abstract string ColumnUntil { get; }
    public abstract string ColumnFrom { get; }
    public abstract string ColumnRecipients { get; }
    public abstract string ColumnAllowedBy { get; }
    public abstract string Succeeded { get; }
    public abstract string Failed(string reason);
    public abstract string Nothing { get; }
    public abstract string Older { get; }
    public abstract string Newer { get; }
    public abstract string ApopHeading { get; }
    public abstract string NewApopSecret { get; }
    public abstract string RepeatApopSecret { get; }
    public abstract string SetApopSecret { get; }
    public abstract string ApopRules(int apopPort);
    public abstract string ApopTooShort { get; }
    public abstract string ApopMismatch { get; }
    public abstract string ApopSameAsLogin { get; }
    public abstract string ApopSet { get; }
    public abstract string BackToHelp { get; }
}

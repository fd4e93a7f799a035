using MailActors.Policy;

namespace MailActors.Host.Web;

public sealed class JapaneseTexts : HelpTexts
{
    private static string Minutes(TimeSpan t) =>
        t.TotalMinutes >= 1 && t.Seconds == 0 ? $"{t.TotalMinutes:0}分" : $"{t.TotalSeconds:0}秒";

    public override string Code => "ja";
    public override string LanguageName => "日本語";
    public override string Title(string host) => $"{host} のメール設定";
    public override string Intro => "このページはメールサーバー自身が作成しています。以下は、いまサーバーが使っている設定そのものです。";

    public override string WhereYouAreHeading => "接続元";
    public override string YouConnectFrom(string address) => $"サーバーから見たあなたのアドレス: {address}。これは";
    public override string ZoneName(Zone zone) => zone switch
    {
        Zone.Inside => "学内ネットワークです",
        Zone.Dialup => "学内のダイヤルアップ／VPN 用アドレスです（学内として扱います）",
        _ => "学外のネットワークです",
    };
    public override string ZoneAdvice(Zone zone) => zone.IsInside()
        ? "いまは「学内から」の設定が当てはまります。学外でも使う場合は「学外から」の設定にしてください。どこからでも使えます。"
        : "いまは「学外から」の設定が当てはまります。";

    public override string ServerHeading => "サーバー";
    public override string ServerName => "サーバー名（受信・送信とも）";
    public override string YourUserName => "ユーザー名";
    public override string UserNameExplained(string exampleDomain) => $"メールアドレスの @ より前の部分（alice@{exampleDomain} なら alice）";
    public override string YourAddresses => "メールドメイン";

    public override string InsideHeading => "学内から";
    public override string OutsideHeading => "学外から（どこからでも使えます）";
    public override string ColumnUse => "用途";
    public override string ColumnPort => "ポート";
    public override string ColumnSecurity => "接続の保護";
    public override string ColumnPassword => "パスワード";
    public override string Receive => "受信（POP3）";
    public override string Send => "送信（SMTP）";
    public override string SecurityNone => "なし";
    public override string SecurityStartTls => "STARTTLS";
    public override string SecuritySsl => "SSL/TLS";
    public override string SecurityApop => "なし。APOP（「暗号化されたパスワード」）";
    public override string LoginPassword => "ログインパスワード（「通常のパスワード」）";
    public override string ApopPassword => "APOP パスワード";
    public override string NoPasswordOnCampus => "学内では不要（ログインパスワードも使えます）";
    public override string LoginPasswordOrPopFirst => "ログインパスワード。先にメールを受信していれば不要（下記参照）";
    public override string StlsOutsideNote(int pop3, int pop3s) => $"ポート {pop3} も STARTTLS を使えば利用できますが、ポート {pop3s} の SSL/TLS のほうが簡単です。";
    public override string PopBeforeSmtp(TimeSpan window) =>
        $"学外から SMTP のパスワードなしで送信するには、先にメールを受信してください（SSL/TLS の POP3 または APOP）。その後 {Minutes(window)} の間、" +
        "同じアドレスからのメールを受け付けます。起動時に「新着メッセージを確認」するメールソフトは自動的にこの手順になります。";

    public override string PasswordsHeading => "2 つのパスワード";
    public override string PasswordsExplained => "ログインパスワードは、アカウントと一緒に受け取ったパスワードです。SSL/TLS の接続と学内で使います。";
    public override string ApopExplained =>
        "APOP パスワードはそれとは別のパスワードで、SSL/TLS を使えないメールソフトが学外から APOP でログインするときだけ使います。" +
        "下のアカウントページで自分で設定できます。";

    public override string ThunderbirdHeading => "Thunderbird";
    public override IReadOnlyList<string> ThunderbirdSteps(MailSite s) =>
    [
        "Thunderbird を開き、≡ → アカウント設定 → アカウント操作 → メールアカウントを追加 を選びます（初回起動時は自動で開きます）。",
        "名前、メールアドレス、ログインパスワードを入力し、「続ける」をクリックします。",
        $"Thunderbird はこのサーバーの設定を自動で読み込みます。POP3（メールをコンピューターに保存）を選ぶと、受信は POP3 ポート {s.Port(ListenerKind.Pop3s)}（SSL/TLS）、送信は SMTP ポート {s.Port(ListenerKind.Submissions)}（SSL/TLS）が提案されます。",
        $"見つからない場合は「手動設定」をクリックし、受信: POP3、サーバー {s.Hostname}、ポート {s.Port(ListenerKind.Pop3s)}、SSL/TLS、通常のパスワード。送信: SMTP、サーバー {s.Hostname}、ポート {s.Port(ListenerKind.Submissions)}、SSL/TLS、通常のパスワード。ユーザー名: あなたのユーザー名。",
        "「完了」をクリックします。証明書の警告が出たら、先に下のルート証明書をインストールしてください（設定 → プライバシーとセキュリティ → 証明書を管理 → 認証局証明書 → インポート。「この認証局によるウェブサイトの識別を信頼する」と「メールユーザーの識別を信頼する」にチェック）。",
    ];
    public override string OutlookHeading => "Outlook（Windows）";
    public override IReadOnlyList<string> OutlookSteps(MailSite s) =>
    [
        "先にルート証明書をインストールします。下の ca.crt をダウンロードして開き、「証明書のインストール」→「現在のユーザー」→「証明書をすべて次のストアに配置する」→「信頼されたルート証明機関」を選びます。",
        "Outlook で ファイル → アカウントの追加 を選び、メールアドレスを入力し、「詳細オプション」で「自分で自分のアカウントを手動で設定」にチェックして「接続」をクリックします。",
        "「POP」を選びます。",
        $"受信メール: サーバー {s.Hostname}、ポート {s.Port(ListenerKind.Pop3s)}、「このサーバーでは暗号化された接続（SSL/TLS）が必要」にチェック。送信メール: サーバー {s.Hostname}、ポート {s.Port(ListenerKind.Submissions)}、暗号化方法 SSL/TLS。",
        "「次へ」をクリックし、ログインパスワードを入力して「接続」をクリックします。",
    ];
    public override string AppleIosHeading => "iPhone・iPad のメール（iOS）";
    public override IReadOnlyList<string> AppleIosSteps(MailSite s) =>
    [
        "Safari で下のプロファイル欄にメールアドレスを入力して「プロファイルをダウンロード」をタップし、ダウンロードを許可します。",
        "設定 を開き、「プロファイルがダウンロードされました」（または 一般 → VPN とデバイス管理）→「インストール」をタップします。メールアカウントと、下に表示されている場合はルート証明書が追加されます。",
        "求められたらログインパスワードを入力します。",
        "ルート証明書もインストールした場合: 設定 → 一般 → 情報 → 証明書信頼設定 で、その証明書の「完全な信頼」をオンにします。",
        $"プロファイルを使わない場合: 設定 → メール → アカウント → アカウントを追加 → その他 → メールアカウントを追加 で POP を選び、受信・送信サーバー {s.Hostname}、ユーザー名、ログインパスワードを入力します。その後アカウントの「詳細」で SSL を使用: オン、ポート {s.Port(ListenerKind.Pop3s)}。送信サーバーも SSL を使用: オン、ポート {s.Port(ListenerKind.Submissions)}。",
    ];
    public override string AppleMacHeading => "Mac のメール（macOS）";
    public override IReadOnlyList<string> AppleMacSteps(MailSite s) =>
    [
        "下の欄からプロファイルをダウンロードし、システム設定 → 一般 → デバイス管理（または プライバシーとセキュリティ → プロファイル）でインストールします。",
        "手動の場合: メール → アカウントを追加 → その他のメールアカウント で名前、アドレス、ログインパスワードを入力し、アカウントの種類 POP、受信・送信サーバー " + s.Hostname + " を指定します。",
        $"その後 メール → 設定 → アカウント → サーバ設定 で「接続設定を自動的に管理」のチェックを外し、受信ポート {s.Port(ListenerKind.Pop3s)}（TLS/SSL）、送信ポート {s.Port(ListenerKind.Submissions)}（TLS/SSL）にします。",
        "ルート証明書: 下の ca.crt を開いてログインキーチェーンに追加し、キーチェーンアクセスでその証明書を開いて「この証明書を使用するとき」を「常に信頼」にします。",
    ];
    public override string GenericHeading => "その他のメールソフト";
    public override IReadOnlyList<string> GenericSteps(MailSite s) =>
    [
        $"受信: POP3、サーバー {s.Hostname}、ポート {s.Port(ListenerKind.Pop3s)}、SSL/TLS、通常のパスワード（ログインパスワード）、ユーザー名: あなたのユーザー名。",
        $"SSL/TLS を使えないメールソフトの場合: APOP の POP3、ポート {s.Port(ListenerKind.Apop)}、暗号化なし、「暗号化されたパスワード」（APOP）、APOP パスワード。",
        $"送信: SMTP、サーバー {s.Hostname}、ポート {s.Port(ListenerKind.Submissions)}（SSL/TLS）またはポート {s.Port(ListenerKind.Submission)}（STARTTLS）、通常のパスワード（ログインパスワード）、同じユーザー名。",
        $"SMTP のパスワードなしで送信する場合: 先にメールを受信し、その後 {Minutes(s.Window)} 以内に同じアドレスから送信します。",
    ];
    public override string ProfileLink => "プロファイルをダウンロード";
    public override string EmailAddress => "メールアドレス";

    public override string CaHeading => "ルート証明書";
    public override string CaExplained => "このサーバーの証明書は、サーバー独自のルート認証局（CA）が署名しています。各機器に一度インストールすると、警告なしでサーバーを信頼できます。";
    public override string CaPemLink => "ca.pem（PEM 形式: Thunderbird、Linux）";
    public override string CaCrtLink => "ca.crt（DER 形式: Windows、macOS、iOS）";
    public override string CaFingerprint => "信頼する前に確認してください。SHA-256 フィンガープリントは";
    public override string CaCheck => "（ヘルプデスクでも読み上げられます。`openssl x509 -noout -fingerprint -sha256 -in ca.pem` でも同じ表示になります）";
    public override string NoCaNeeded => "インストールするものはありません。このサーバーは、機器がすでに信頼している公的な認証局の証明書を使っています。";

    public override string AccountHeading => "あなたのアカウント";
    public override string AccountExplained => "APOP パスワードの設定と、自分の最近のログインやそれによって送信されたメールの確認ができます。";
    public override string AccountLink => "アカウントページを開く";

    public override string LoginHeading => "アカウントページへのログイン";
    public override string NameOrAddress => "ユーザー名またはメールアドレス";
    public override string Password => "ログインパスワード";
    public override string LogIn => "ログイン";
    public override string LogOut => "ログアウト";
    public override string WrongLogin => "ユーザー名またはパスワードが違います。";
    public override string TryLater => "アカウントサービスが現在利用できません。数分後にもう一度お試しください。";
    public override string AccountDisabled => "このアカウントは無効になっています。ヘルプデスクにお問い合わせください。";
    public override string SignedInAs(string account) => $"{account} としてログインしています。";
    public override string SessionEnds(DateTime utc) => $"このセッションは {utc:HH:mm}（UTC）に終了します。";
    public override string RecentLogins => "最近のログイン";
    public override string LiveGrants => "いま送信を許可されているアドレス（POP before SMTP）";
    public override string MessagesLetOut => "あなたのログインによって送信されたメール";
    public override string ColumnTime => "日時（UTC）";
    public override string ColumnAddress => "アドレス";
    public override string ColumnListener => "サービス";
    public override string ColumnResult => "結果";
    public override string ColumnUntil => "期限（UTC）";
    public override string ColumnFrom => "差出人";
    public override string ColumnRecipients => "宛先数";
    public override string ColumnAllowedBy => "許可の根拠";
    public override string Succeeded => "成功";
    public override string Failed(string reason) => $"失敗（{reason}）";
    public override string Nothing => "まだありません";
    public override string Older => "古いもの";
    public override string Newer => "新しいもの";
    public override string ApopHeading => "APOP パスワード";
    public override string NewApopSecret => "新しい APOP パスワード";
    public override string RepeatApopSecret => "もう一度入力";
    public override string SetApopSecret => "APOP パスワードを設定";
    public override string ApopRules(int apopPort) =>
        $"8 文字以上で、ログインパスワードとは別のものにしてください。ポート {apopPort} の APOP だけで使います。設定すると、このアカウントのいまの POP before SMTP の送信許可は取り消されます。";
    public override string ApopTooShort => "APOP パスワードは 8 文字以上にしてください。";
    public override string ApopMismatch => "2 回の入力が一致しません。";
    public override string ApopSameAsLogin => "APOP パスワードをログインパスワードと同じにすることはできません。";
    public override string ApopSet => "APOP パスワードを設定しました。";
    public override string BackToHelp => "メール設定に戻る";
}

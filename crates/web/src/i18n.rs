//! The message catalog: every text of the web pages in Japanese (the default) and English.
//! Templates and handlers refer to messages by key; a test checks that every key used in a
//! template is here and that no key is defined twice.

use std::collections::HashMap;
use std::sync::LazyLock;

use chiiki_domain::Lang;

/// (key, Japanese, English).
const MESSAGES: &[(&str, &str, &str)] = &[
    (
        "app.tagline",
        "地域医療の医師確保",
        "Regional medical workforce",
    ),
    ("skip", "本文へ", "Skip to content"),
    ("nav.main", "主なページ", "Main pages"),
    ("nav.areas", "二次医療圏", "Areas"),
    ("nav.facilities", "医療機関", "Facilities"),
    ("nav.doctors", "医師", "Doctors"),
    ("nav.audit", "監査ログ", "Audit log"),
    ("nav.password", "パスワード変更", "Change password"),
    ("nav.logout", "ログアウト", "Log out"),
    ("prefs.dates_wareki", "和暦", "Japanese era"),
    ("prefs.dates_iso", "西暦", "ISO dates"),
    ("home.assignments", "勤務", "Assignments"),
    ("home.source", "出典", "Source"),
    ("common.code", "コード", "Code"),
    ("common.name", "名称", "Name"),
    ("common.pref", "都道府県", "Prefecture"),
    ("common.all", "すべて", "All"),
    ("common.filter", "絞り込む", "Filter"),
    ("common.prev", "← 前へ", "← Previous"),
    ("common.next", "次へ →", "Next →"),
    ("common.pages", "ページ", "Pages"),
    ("common.none", "なし", "None"),
    ("common.synthetic", "架空", "Synthetic"),
    ("common.back_home", "トップへ戻る", "Back to the start"),
    ("common.count_items", "件", " items"),
    ("areas.title", "二次医療圏", "Secondary medical areas"),
    ("areas.facilities", "医療機関数", "Facilities"),
    ("area.subtitle", "二次医療圏", "secondary medical area"),
    ("area.municipalities", "市区町村", "Municipalities"),
    (
        "areas.all_municipalities",
        "市区町村の一覧",
        "All municipalities",
    ),
    (
        "municipalities.code6",
        "検査数字付きコード",
        "Code with check digit",
    ),
    ("municipalities.kind", "区分", "Kind"),
    (
        "municipality.kind.municipality",
        "市町村・特別区",
        "City, town, village or ward of Tokyo",
    ),
    (
        "municipality.kind.designated_city",
        "政令指定都市",
        "Designated city",
    ),
    (
        "municipality.kind.ward",
        "行政区",
        "Ward of a designated city",
    ),
    ("facilities.title", "医療機関", "Facilities"),
    ("facilities.area", "圏域", "Area"),
    ("facilities.search", "名称・ID", "Name or id"),
    ("facilities.kind", "種別", "Kind"),
    ("facilities.beds", "病床", "Beds"),
    (
        "facilities.doctors_fte",
        "医師（常勤換算）",
        "Doctors (FTE)",
    ),
    ("facility.id", "ID", "Id"),
    ("facility.kind", "種別", "Kind"),
    ("facility.area", "二次医療圏", "Secondary area"),
    ("facility.municipality", "所在地", "Municipality"),
    ("facility.unknown_municipality", "不明", "Unknown"),
    (
        "facility.beds",
        "病床（高度急性期・急性期・回復期・慢性期・休棟等）",
        "Beds (high-acute, acute, recovery, chronic, idle)",
    ),
    ("facility.total", "計", "total"),
    ("facility.fulltime", "常勤医師", "Full-time doctors"),
    (
        "facility.parttime",
        "非常勤医師（常勤換算）",
        "Part-time doctors (FTE)",
    ),
    ("facility.emergency", "救急", "Emergency care"),
    ("facility.coordinates", "座標", "Coordinates"),
    (
        "facility.doctors_today",
        "勤務中の医師",
        "Doctors working here today",
    ),
    ("doctors.title", "医師", "Doctors"),
    ("doctors.status", "状態", "Status"),
    ("doctors.area_today", "勤務先の圏域", "Area today"),
    ("doctors.graduation_year", "卒業年", "Graduation year"),
    ("doctors.search", "氏名・ID", "Name or id"),
    ("doctors.count", "人", " doctors"),
    ("doctors.name", "氏名", "Name"),
    ("doctors.graduated", "卒業", "Graduated"),
    ("doctors.scheme", "制度", "Scheme"),
    ("doctor.kana", "フリガナ", "Kana"),
    ("doctor.sex", "性別", "Sex"),
    ("doctor.born", "生年月日", "Born"),
    ("doctor.university", "出身大学", "University"),
    ("doctor.graduated", "卒業", "Graduated"),
    ("doctor.status", "状態", "Status"),
    ("doctor.level", "時間外労働の水準", "Work-hour level"),
    ("doctor.scheme", "制度", "Scheme"),
    ("doctor.loan", "貸与期間", "Loan"),
    ("doctor.specialty", "基本領域", "Specialty"),
    ("doctor.timeline", "勤務の経過", "Assignment timeline"),
    ("doctor.period", "期間", "Period"),
    ("doctor.kind", "区分", "Kind"),
    ("doctor.workplace", "勤務先", "Workplace"),
    ("doctor.fte", "常勤換算", "FTE"),
    ("doctor.no_assignments", "記録なし", "No assignments"),
    ("assignment.new", "勤務を追加", "Add an assignment"),
    ("assignment.edit", "勤務を編集", "Edit the assignment"),
    ("assignment.end", "この日で終了", "End on this day"),
    ("assignment.actions", "操作", "Actions"),
    ("assignment.edit_link", "編集", "Edit"),
    ("field.facility", "医療機関ID", "Facility id"),
    (
        "field.facility.help",
        "登録済みの医療機関のID（候補から選べます）。登録外なら空欄にして勤務先名へ",
        "A registered facility's id (pick from the list); leave empty for a workplace outside the register",
    ),
    (
        "field.workplace_name",
        "勤務先名（登録外）",
        "Workplace (outside the register)",
    ),
    (
        "field.workplace_name.help",
        "県外の病院・大学院など。医療機関IDとどちらか一方",
        "A hospital elsewhere, a graduate school… Either this or a facility id",
    ),
    (
        "field.workplace_pref",
        "勤務先の都道府県",
        "Workplace prefecture",
    ),
    (
        "field.workplace_pref.help",
        "任意。コード（13）か名称（東京都）",
        "Optional: code (13) or name (Tokyo)",
    ),
    ("field.start", "開始日", "First day"),
    (
        "field.start.help",
        "例: 2026-04-01、令和8年4月1日、R8.4.1",
        "e.g. 2026-04-01, 令和8年4月1日, R8.4.1",
    ),
    ("field.end", "終了日（最終日）", "Last day"),
    (
        "field.end.help",
        "期間の最終日。未定なら空欄",
        "The last day of the period; empty if open",
    ),
    ("field.fte", "常勤換算", "FTE"),
    (
        "field.fte.help",
        "0.01〜1（50% も可）。空欄は1",
        "0.01 to 1 (or 50%); empty means 1",
    ),
    ("field.kind", "勤務区分", "Kind"),
    (
        "field.kind.help",
        "初期臨床研修、専門研修、指定勤務、休業など",
        "Residency, training, designated service, leave…",
    ),
    ("form.save", "保存する", "Save"),
    ("form.cancel", "戻る", "Back"),
    (
        "form.fix_below",
        "入力内容に問題があります。各項目の説明を確認してください。",
        "Some fields need fixing: see the notes beside them.",
    ),
    ("nav.import", "取り込み", "Import"),
    ("import.title", "ファイルの取り込み", "Import a file"),
    ("import.upload", "ファイルを選ぶ", "Choose a file"),
    ("import.entity", "データの種類", "Kind of records"),
    (
        "import.file",
        "ファイル（CSV・Excel）",
        "File (CSV or Excel)",
    ),
    (
        "import.help",
        "見出しは日本語・英語のどちらでも。Shift_JIS・UTF-8、和暦・西暦に対応。まず内容を確認し、問題がなければ取り込みます。",
        "Japanese or English headers, Shift_JIS or UTF-8, Japanese-era or ISO dates. The file is checked first; nothing is written until you confirm.",
    ),
    ("import.check", "内容を確認する", "Check the file"),
    (
        "import.choose",
        "データの種類とファイルを選んでください",
        "choose a kind of records and a file",
    ),
    (
        "import.expired",
        "確認済みのファイルが見つかりません。もう一度アップロードしてください",
        "the checked file is gone: upload it again",
    ),
    (
        "import.dry_run",
        "確認結果（まだ書き込んでいません）",
        "Check (nothing written yet)",
    ),
    ("import.done", "取り込みました", "Imported"),
    ("import.rows", "行数", "Rows"),
    ("import.added", "追加", "To add"),
    ("import.changed", "変更", "To change"),
    ("import.unchanged", "変更なし", "Unchanged"),
    ("import.rejected", "問題のある行", "Rows with problems"),
    (
        "import.nothing_written",
        "問題があるため、何も書き込まれません。ファイルを直してからもう一度アップロードしてください。",
        "Because of these problems nothing will be written: fix the file and upload it again.",
    ),
    ("import.row", "行", "Row"),
    ("import.column", "列", "Column"),
    ("import.value", "値", "Value"),
    ("import.problem", "問題", "Problem"),
    ("import.fix", "直し方", "How to fix"),
    ("import.confirm", "取り込む", "Import"),
    ("export.csv", "CSVで保存", "Download CSV"),
    ("export.xlsx", "Excelで保存", "Download Excel"),
    ("nav.accounts", "アカウント", "Accounts"),
    ("accounts.title", "アカウント管理", "Accounts"),
    ("accounts.role", "役割", "Role"),
    ("accounts.scope", "医療機関・医師", "Facility or doctor"),
    ("accounts.state", "状態", "State"),
    ("accounts.enabled", "有効", "Enabled"),
    ("accounts.disabled", "無効", "Disabled"),
    ("accounts.enable", "有効にする", "Enable"),
    ("accounts.disable", "無効にする", "Disable"),
    ("accounts.new_password", "新しいパスワード", "New password"),
    ("accounts.reset", "パスワードを設定", "Set password"),
    ("accounts.create", "アカウントを作成", "Create an account"),
    ("accounts.doctor", "医師ID", "Doctor id"),
    ("accounts.saved", "保存しました:", "Saved:"),
    ("nav.analytics", "医師偏在", "Shortage"),
    (
        "analytics.title",
        "医師偏在指標（二次医療圏）",
        "Physician maldistribution index by area",
    ),
    (
        "analytics.lead",
        "令和6年1月公表の医師偏在指標と区分（医師少数 ≤ 179.3、医師多数 ≥ 217.6）、全国330圏域での順位と偏差値。",
        "The index published in January 2024 with its classes (shortage ≤ 179.3, surplus ≥ 217.6), rank of 330 and deviation score.",
    ),
    (
        "analytics.chart_caption",
        "棒: 圏域の医師偏在指標（赤: 医師少数、青: 中間、緑: 医師多数）。線: 区分の境界と全国値 255.6。",
        "Bars: each area's index (red shortage, blue intermediate, green surplus). Lines: the class cut-offs and the national value 255.6.",
    ),
    ("analytics.index", "医師偏在指標", "Index"),
    ("analytics.class", "区分", "Class"),
    ("analytics.rank", "順位（330圏域）", "Rank of 330"),
    ("analytics.deviation", "偏差値", "Deviation score"),
    (
        "analytics.doctors_per_100k",
        "病院医師（常勤換算）/10万人",
        "Hospital doctors (FTE) per 100k",
    ),
    ("analytics.beds_per_100k", "病床/10万人", "Beds per 100k"),
    (
        "home.map_caption",
        "二次医療圏の区分（医師偏在指標、令和6年1月公表）。圏域を選ぶと詳細へ。",
        "Classes of the secondary areas (index of January 2024). Choose an area for its page.",
    ),
    ("home.map_more", "医師偏在の分析へ", "Shortage analytics"),
    ("outlook.title", "2050年までの見通し", "Outlook to 2050"),
    (
        "outlook.population",
        "人口・65歳以上・75歳以上（2020年 = 100）",
        "Population, aged 65+ and 75+ (2020 = 100)",
    ),
    (
        "outlook.demand",
        "医療・介護需要指数（JMAP、2020年 = 100）",
        "Medical and care demand indices (JMAP, 2020 = 100)",
    ),
    (
        "outlook.doctors",
        "全国値に必要な医師数と供給",
        "Doctors needed for the national index, and supply",
    ),
    (
        "outlook.pyramid",
        "人口ピラミッド：2025年（棒）と2040年（枠）",
        "Population pyramid: 2025 (bars) and 2040 (outlines)",
    ),
    (
        "outlook.beds",
        "病床機能報告（2025）と必要病床数",
        "Reported beds (2025) and necessary beds",
    ),
    (
        "outlook.note",
        "人口は住民基本台帳（2025年）からのコーホート要因法で推計し、社人研の推計（総数・65歳以上・75歳以上）に合わせたもの。必要医師数は全国値 255.6 に届く標準化医師数、供給は公表の標準化医師数と登録簿の義務年限医師の増減。入院受療率は二次資料。図の文字は日本語。",
        "Population: a cohort-component projection from the 2025 resident register, calibrated to the IPSS totals, 65+ and 75+. Doctors needed: standardised doctors at the national index 255.6; supply: the published standardised doctors plus the change in obligated doctors of the register. Inpatient rates are a secondary source. Chart labels are in Japanese.",
    ),
    ("outlook.target", "目標医師数 2026", "Target doctors 2026"),
    (
        "outlook.needed",
        "全国値に必要 2036",
        "Needed for national 2036",
    ),
    ("outlook.year", "年", "Year"),
    ("outlook.pop", "人口", "Population"),
    ("outlook.aged_75", "75歳以上", "Aged 75+"),
    ("outlook.medical", "医療需要指数", "Medical demand"),
    ("outlook.care", "介護需要指数", "Care demand"),
    ("outlook.needed_short", "必要医師数", "Doctors needed"),
    ("outlook.supply", "供給", "Supply"),
    ("outlook.gap", "過不足", "Gap"),
    ("outlook.beds_title", "病床機能", "Beds by function"),
    ("outlook.function", "機能", "Function"),
    ("outlook.reported", "報告病床", "Reported"),
    ("outlook.necessary", "必要病床 2025", "Necessary 2025"),
    (
        "outlook.necessary_2040",
        "必要病床 2040（推計）",
        "Necessary 2040 (est.)",
    ),
    ("outlook.flag", "判定", "Flag"),
    ("nav.obligations", "義務履行", "Obligations"),
    (
        "obligations.title",
        "義務履行の状況",
        "Obligations of the register",
    ),
    ("obligations.as_of", "基準日", "As of"),
    ("obligations.show", "表示する", "Show"),
    (
        "obligations.note",
        "各医師を貸与開始時に有効だった制度の版で評価し、基準日までの勤務だけを数えます。医師少数区域は令和6年1月公表の医師偏在指標によります。",
        "Each doctor is evaluated under the version of their scheme in force when their loan started, counting service up to the as-of date only. Shortage areas are those of the index published in January 2024.",
    ),
    ("obligations.evaluated", "評価した医師", "Doctors evaluated"),
    ("obligations.summary", "状態別の人数", "Doctors by status"),
    ("obligations.tables", "集計表", "Cohort tables"),
    ("obligations.total", "計", "Total"),
    (
        "obligations.at_risk",
        "要注意の医師（違反・リスク）",
        "Doctors at risk (violations and risks)",
    ),
    (
        "obligations.findings",
        "違反・リスク",
        "Violations and risks",
    ),
    (
        "obligations.deadlines",
        "12か月以内に期限を迎える医師",
        "Deadlines within 12 months",
    ),
    (
        "obligations.not_evaluated",
        "評価できなかった医師",
        "Doctors not evaluated",
    ),
    ("obligations.reason", "理由", "Reason"),
    ("obligation.title", "義務の履行状況", "Obligation"),
    ("obligation.as_of", "基準日", "As of"),
    ("obligation.scheme", "制度", "Scheme"),
    ("obligation.version", "制度の版", "Scheme version"),
    ("obligation.status", "状態", "Status"),
    ("obligation.compliant", "違反なし", "No violations"),
    ("obligation.not_compliant", "違反あり", "Violations found"),
    ("obligation.served", "履行した年数", "Years served"),
    ("obligation.required", "義務年限", "Years required"),
    (
        "obligation.required_unknown",
        "未確定（貸与が終わっていないか、制度に定めがない）",
        "Not yet known (the loan is still running, or the scheme states no length)",
    ),
    ("obligation.remaining", "残り年数", "Years remaining"),
    (
        "obligation.designated",
        "指定勤務（指定医療機関・医師少数区域）",
        "Designated service (designated facilities, shortage areas)",
    ),
    (
        "obligation.designated_unstated",
        "期間の定めなし",
        "length not stated",
    ),
    ("obligation.years", "年", "years"),
    ("obligation.days", "日", "days"),
    ("obligation.deadline", "期限", "Deadline"),
    (
        "obligation.deadline_base",
        "延長前の期限",
        "Before extension",
    ),
    (
        "obligation.extension",
        "中断による延長",
        "Extension for suspensions",
    ),
    (
        "obligation.no_deadline",
        "制度に期限の定めはありません",
        "The scheme sets no deadline",
    ),
    ("obligation.violation", "違反", "Violation"),
    ("obligation.risk", "リスク", "Risk"),
    (
        "obligation.none_found",
        "違反・リスクはありません",
        "No violations or risks",
    ),
    ("obligation.source", "根拠", "Source"),
    (
        "obligation.rules",
        "何が数えられるか（制度の決まり）",
        "What counts: the scheme's rules",
    ),
    ("obligation.rule", "決まり", "Rule"),
    (
        "obligation.not_evaluated",
        "評価できません",
        "Cannot be evaluated",
    ),
    ("rule.obligation", "義務年限", "Length of the obligation"),
    (
        "rule.service",
        "勤務として数えるもの",
        "What counts as service",
    ),
    ("rule.designated", "指定勤務", "Designated service"),
    ("rule.deadline", "期限", "Deadline"),
    ("rule.suspensions", "中断", "Suspension"),
    (
        "rule.outside_prefecture",
        "県外での勤務",
        "Time outside the prefecture",
    ),
    ("rule.tenure", "医療機関ごとの勤務期間", "Stay per facility"),
    ("rule.specialist", "専門医の取得", "Board certification"),
    ("rule.rotation", "ローテーション", "Rotation"),
    ("rule.limits", "上限", "Limit"),
    (
        "rule.initial_residency",
        "初期臨床研修",
        "Initial residency",
    ),
    ("rule.repayment", "返還", "Repayment"),
    (
        "error.bad_request",
        "入力が正しくありません",
        "The request is not valid",
    ),
    ("audit.title", "監査ログ", "Audit log"),
    ("audit.entity", "対象", "Entity"),
    ("audit.id", "ID", "Id"),
    ("audit.actor", "操作者", "Actor"),
    ("audit.time", "日時", "Time"),
    ("audit.action", "操作", "Action"),
    ("audit.before", "変更前", "Before"),
    ("audit.after", "変更後", "After"),
    ("audit.count", "件", " events"),
    ("login.title", "ログイン", "Log in"),
    ("login.username", "ユーザー名", "User name"),
    ("login.password", "パスワード", "Password"),
    ("login.submit", "ログイン", "Log in"),
    ("password.title", "パスワード変更", "Change your password"),
    ("password.current", "現在のパスワード", "Current password"),
    (
        "password.new",
        "新しいパスワード（10文字以上）",
        "New password (10 characters or more)",
    ),
    (
        "password.confirm",
        "新しいパスワード（確認）",
        "New password again",
    ),
    ("password.submit", "変更する", "Change"),
    (
        "password.done",
        "パスワードを変更しました。新しいパスワードでログインしてください。",
        "Your password was changed: log in with the new one.",
    ),
    ("nav.placement", "配属", "Placement"),
    ("placement.title", "配属先の選定", "Annual placement"),
    (
        "placement.intro",
        "年度ごとの配属ラウンドです。医療機関が募集を、医師が希望を入力し、調整担当が方式を選んで実行し、結果を比べて委員会の決定を記録します。決定すると新年度の勤務が登録されます。",
        "One round per fiscal year: facilities enter requests, doctors rank facilities, the coordinator runs mechanisms, compares the results and records the committee's decision, which creates the new year's assignments.",
    ),
    (
        "placement.no_rounds",
        "配属ラウンドはまだありません。",
        "No placement round yet.",
    ),
    ("placement.round", "ラウンド", "Round"),
    ("placement.year", "年度", "Fiscal year"),
    ("placement.open", "配属ラウンドを開く", "Open a round"),
    ("placement.run", "実行", "Run"),
    (
        "placement.outcomes",
        "医師ごとの結果と理由",
        "Each doctor's outcome and why",
    ),
    ("placement.placed_at", "配属先", "Placed at"),
    ("placement.choice", "希望順位", "Choice"),
    ("placement.why", "理由", "Why"),
    ("placement.unplaced", "未配置", "Unplaced"),
    ("placement.vacancies", "欠員の理由", "Why posts stay empty"),
    ("placement.vacant", "欠員", "Vacant"),
    ("placement.decision", "委員会の決定", "Committee decision"),
    ("placement.decided_run", "決定した実行", "Chosen run"),
    (
        "placement.decided_note",
        "決定は変更できません。決定した配属は各医師の勤務に登録されています。",
        "The decision cannot be changed. Its placements are in each doctor's assignments.",
    ),
    ("placement.settings", "設定", "Settings"),
    ("placement.priority", "優先順位の決め方", "Priority rule"),
    ("placement.seed", "抽選の種", "Lottery seed"),
    ("placement.class", "区分", "Class"),
    ("placement.cap", "上限", "Cap"),
    ("placement.floor", "下限", "Floor"),
    ("placement.my_request", "医師の募集", "Your request"),
    (
        "placement.closed",
        "このラウンドは決定済みです。",
        "This round is decided.",
    ),
    ("placement.posts", "募集数", "Posts"),
    (
        "placement.posts.help",
        "0 にすると要望を取り下げます。",
        "0 withdraws the request.",
    ),
    ("placement.department", "診療科", "Department"),
    (
        "placement.own_priority",
        "独自の優先順位",
        "Own priority order",
    ),
    (
        "placement.own_priority.help",
        "医師IDを空白区切りで、優先する順に。空欄ならセンターの決め方に従います。",
        "Doctor ids separated by spaces, highest first; leave empty to use the centre's rule.",
    ),
    (
        "placement.my_preferences",
        "あなたの希望",
        "Your preferences",
    ),
    (
        "placement.preferences.help",
        "希望する医療機関を順に選んでください。選ばなかった医療機関には配属されません。",
        "Choose the facilities you would accept, best first; you will not be placed anywhere you did not choose.",
    ),
    (
        "placement.partner",
        "同じ圏域を希望するパートナー（医師ID）",
        "Partner to be placed in the same area (doctor id)",
    ),
    (
        "placement.partner.help",
        "お互いに相手を指定したときだけ組として扱います。",
        "Counts only when each names the other.",
    ),
    (
        "placement.requests",
        "医療機関の募集",
        "Facilities' requests",
    ),
    ("placement.designated", "指定勤務先", "Designated post"),
    ("placement.centre_rule", "センターの決め方", "Centre's rule"),
    (
        "placement.enter_request",
        "医療機関の募集を代理で入力",
        "Enter a facility's request",
    ),
    ("placement.due", "対象の医師", "Doctors to place"),
    (
        "placement.with_preferences",
        "希望入力済み",
        "with preferences",
    ),
    ("placement.missing", "未入力", "missing"),
    ("placement.due.list", "一覧", "List"),
    ("placement.graduated", "卒業年度", "Graduated"),
    ("placement.slack", "余裕（日）", "Slack (days)"),
    ("placement.preferences", "希望", "Preferences"),
    ("placement.not_entered", "未入力", "Not entered"),
    ("placement.runs", "実行と比較", "Runs compared"),
    (
        "placement.pack",
        "委員会資料（Excel）",
        "Committee pack (Excel)",
    ),
    ("placement.no_runs", "まだ実行していません。", "No run yet."),
    ("placement.figure", "指標", "Figure"),
    ("placement.mechanism", "方式", "Mechanism"),
    ("placement.placed", "配置した医師", "Doctors placed"),
    ("placement.fill", "充足率（%）", "Posts filled (%)"),
    (
        "placement.fill_shortage",
        "充足率 医師少数区域（%）",
        "Filled in shortage areas (%)",
    ),
    (
        "placement.fill_middle",
        "充足率 中間（%）",
        "Filled in middle areas (%)",
    ),
    (
        "placement.fill_abundant",
        "充足率 医師多数区域（%）",
        "Filled in abundant areas (%)",
    ),
    (
        "placement.designated_placed",
        "指定勤務先への配置",
        "Placed at designated posts",
    ),
    (
        "placement.floors_met",
        "下限を満たした圏域",
        "Areas at their floor",
    ),
    ("placement.first_choice", "第1希望", "1st choice"),
    ("placement.second_choice", "第2希望", "2nd choice"),
    ("placement.third_choice", "第3希望", "3rd choice"),
    ("placement.mean_rank", "平均希望順位", "Mean choice"),
    (
        "placement.blocking",
        "阻止ペア（上限による）",
        "Blocking pairs (by caps)",
    ),
    (
        "placement.ineligible",
        "規則で対象外の組",
        "Pairs ruled out by rules",
    ),
    ("placement.guarantees", "保証と検証", "Guarantees, checked"),
    ("placement.compare", "比べる", "Compare"),
    (
        "placement.differences",
        "配属が異なる医師",
        "Doctors placed differently",
    ),
    ("placement.label", "名前", "Label"),
    ("placement.run_now", "実行する", "Run"),
    (
        "placement.record_decision",
        "委員会の決定を記録",
        "Record the committee's decision",
    ),
    ("placement.rationale", "理由", "Rationale"),
    (
        "placement.decision.help",
        "決定は一度だけ記録でき、後から変更できません。決定した実行の配属が新年度の勤務として登録されます。",
        "A decision is recorded once and cannot be changed; the chosen run's placements become the new year's assignments.",
    ),
    ("placement.decide", "決定する", "Decide"),
    ("placement.class.shortage", "医師少数区域", "Shortage area"),
    ("placement.class.intermediate", "中間", "Middle"),
    ("placement.class.surplus", "医師多数区域", "Abundant area"),
    ("placement.class.unknown", "—", "—"),
];

static INDEX: LazyLock<HashMap<&'static str, (&'static str, &'static str)>> = LazyLock::new(|| {
    MESSAGES
        .iter()
        .map(|(k, ja, en)| (*k, (*ja, *en)))
        .collect()
});

/// Messages in one language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct T(pub Lang);

impl T {
    /// The message for `key`; the key itself when missing (a test keeps that from happening).
    pub fn get(&self, key: &'static str) -> &'static str {
        match (INDEX.get(key), self.0) {
            (Some((ja, _)), Lang::Ja) => ja,
            (Some((_, en)), Lang::En) => en,
            (None, _) => key,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_unique_and_both_languages_present() {
        assert_eq!(INDEX.len(), MESSAGES.len(), "a key is defined twice");
        for (k, ja, en) in MESSAGES {
            assert!(!ja.is_empty() && !en.is_empty(), "{k}");
        }
    }

    /// Every `t.get("…")` in the templates and sources names a message of the catalog.
    #[test]
    fn every_key_used_exists() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        for sub in ["templates", "src"] {
            for e in std::fs::read_dir(dir.join(sub)).unwrap() {
                files.push(e.unwrap().path());
            }
        }
        let mut used = 0;
        for f in files.into_iter().filter(|f| !f.ends_with("i18n.rs")) {
            let text = std::fs::read_to_string(&f).unwrap();
            for part in text.split("t.get(\"").skip(1) {
                let key = &part[..part.find('"').unwrap()];
                assert!(
                    INDEX.contains_key(key),
                    "{}: unknown message key {key}",
                    f.display()
                );
                used += 1;
            }
        }
        assert!(used > 50, "templates use the catalog ({used} uses)");
    }
}

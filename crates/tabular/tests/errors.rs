//! Problems are found where they are, and explained with their fix in both languages.

mod common;

use chiiki_domain::*;
use chiiki_tabular::{Cell, Decoded, ImportIssue, Record, read, read_bytes};
use rust_xlsxwriter::{Format, Workbook};

const DOCTOR_HEADER: &str = "医師ID,氏名,性別,生年月日,卒業年月日,都道府県";

#[allow(clippy::result_large_err)] // the crate's API returns `ImportIssue` by design
fn csv<T: Record>(text: &str) -> Result<Decoded<T>, ImportIssue> {
    read_bytes::<T>("test.csv", text.as_bytes())
}

fn text(cells: &[&str]) -> Vec<Cell> {
    cells.iter().map(|s| Cell::Text((*s).to_owned())).collect()
}

/// A workbook of the given sheets; `merge` merges a range (0-based rows and columns).
fn workbook(sheets: &[(&str, Vec<Vec<Cell>>)], merge: Option<(u32, u16, u32, u16)>) -> Vec<u8> {
    let mut book = Workbook::new();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    for (i, (name, rows)) in sheets.iter().enumerate() {
        let sheet = book.add_worksheet();
        sheet.set_name(*name).unwrap();
        for (r, row) in rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                let (r, c) = (r as u32, c as u16);
                match cell {
                    Cell::Text(s) => drop(sheet.write_string(r, c, s).unwrap()),
                    Cell::Number(x) => drop(sheet.write_number(r, c, *x).unwrap()),
                    Cell::Date(d) => drop(sheet.write_date_with_format(r, c, d, &date).unwrap()),
                    Cell::Bool(b) => drop(sheet.write_boolean(r, c, *b).unwrap()),
                    Cell::Empty => {}
                }
            }
        }
        if let (0, Some((r0, c0, r1, c1))) = (i, merge) {
            let value = match &rows[r0 as usize][c0 as usize] {
                Cell::Text(s) => s.clone(),
                _ => String::new(),
            };
            sheet
                .merge_range(r0, c0, r1, c1, &value, &Format::new())
                .unwrap();
        }
    }
    book.save_to_buffer().unwrap()
}

/// Asserts that both languages of a message contain the given parts.
fn says(msg: &Msg, ja: &str, en: &str) {
    assert!(msg.ja.contains(ja), "{:?} does not contain {ja:?}", msg.ja);
    assert!(msg.en.contains(en), "{:?} does not contain {en:?}", msg.en);
}

fn only_issue<T>(d: &Decoded<T>) -> &ImportIssue {
    assert_eq!(d.issues.len(), 1, "{:#?}", d.issues);
    &d.issues[0]
}

#[test]
fn a_date_that_does_not_exist() {
    let d = csv::<Doctor>(&format!(
        "{DOCTOR_HEADER}\nD-0001,架空 太郎,男,1995-06-01,令和2年2月30日,03\n"
    ))
    .unwrap();
    assert!(d.records.is_empty());
    let issue = only_issue(&d);
    assert_eq!(issue.location.file, "test.csv");
    assert_eq!(issue.location.sheet, None);
    assert_eq!(issue.location.row, Some(2));
    assert_eq!(
        issue.location.column.as_deref(),
        Some("E（卒業年月日 / graduation_date）")
    );
    assert_eq!(issue.value.as_deref(), Some("令和2年2月30日"));
    says(
        &issue.problem,
        "「令和2年2月30日」という日付は存在しません",
        "is not a date that exists",
    );
    says(
        &issue.fix,
        "2020年2月は29日までです",
        "February 2020 has 29 days",
    );
    assert_eq!(
        issue.to_string(),
        "test.csv:2:E（卒業年月日 / graduation_date）: 「令和2年2月30日」という日付は存在しません / \
         \"令和2年2月30日\" is not a date that exists — 2020年2月は29日までです / February 2020 has 29 days"
    );
}

#[test]
fn every_problem_of_a_row_is_reported() {
    let d = csv::<Doctor>(&format!(
        "{DOCTOR_HEADER}\nD 1,,X,1995-13-01,2020-03-20,99\n"
    ))
    .unwrap();
    let columns: Vec<&str> = d
        .issues
        .iter()
        .map(|i| i.location.column.as_deref().unwrap())
        .collect();
    assert_eq!(
        columns,
        [
            "A（医師ID / id）",
            "B（氏名 / name）",
            "C（性別 / sex）",
            "D（生年月日 / birth_date）",
            "F（都道府県 / pref）"
        ]
    );
    assert!(d.issues.iter().all(|i| i.location.row == Some(2)));
    says(
        &d.issues[1].problem,
        "氏名が入力されていません",
        "name (氏名) is empty",
    );
    says(&d.issues[1].fix, "氏名を入力してください", "fill in name");
}

#[test]
fn cross_field_problems_are_one_issue_of_the_row() {
    let d = csv::<Doctor>(&format!(
        "{DOCTOR_HEADER},医籍登録日\nD-1,架空 太郎,男,1995-06-01,2020-03-20,03,2019-04-01\n"
    ))
    .unwrap();
    let issue = only_issue(&d);
    assert_eq!(issue.location.row, Some(2));
    assert_eq!(issue.location.column, None);
    says(
        &issue.problem,
        "医籍登録日 2019-04-01 が卒業年月日 2020-03-20 より前です",
        "licence date",
    );
    says(&issue.fix, "卒業後", "after graduation");
}

#[test]
fn a_wrong_municipality_check_digit() {
    let d = csv::<Municipality>(
        "市区町村コード,市区町村名,二次医療圏コード\n03201,盛岡市,0301\n032019,盛岡市,0301\n",
    )
    .unwrap();
    assert_eq!(d.records.len(), 1);
    let issue = only_issue(&d);
    assert_eq!(issue.location.row, Some(3));
    assert_eq!(
        issue.location.column.as_deref(),
        Some("A（市区町村コード / code）")
    );
    assert_eq!(issue.value.as_deref(), Some("032019"));
    says(
        &issue.problem,
        "検査数字が誤っています（正しくは8）",
        "check digit",
    );
    says(&issue.fix, "032018", "032018");

    let d = csv::<Facility>(
        "医療機関ID,医療機関名,施設種別,市区町村コード,二次医療圏コード\nF-1,架空病院,病院,032019,0301\n",
    )
    .unwrap();
    assert_eq!(
        only_issue(&d).location.column.as_deref(),
        Some("D（市区町村コード / municipality）")
    );
}

#[test]
fn a_duplicated_doctor_id() {
    let row = "架空 太郎,男,1995-06-01,2020-03-20,03";
    let d = csv::<Doctor>(&format!(
        "{DOCTOR_HEADER}\nD-0001,{row}\nD-0002,{row}\n\nＤ－０００１,{row}\n"
    ))
    .unwrap();
    assert_eq!(d.records.len(), 2);
    let issue = only_issue(&d);
    assert_eq!(issue.location.row, Some(5));
    assert_eq!(issue.location.column.as_deref(), Some("A（医師ID / id）"));
    assert_eq!(issue.value.as_deref(), Some("D-0001"));
    says(
        &issue.problem,
        "ID D-0001 は2行目にもあります",
        "ID D-0001 is already on row 2",
    );
    says(&issue.fix, "別のID", "an ID of its own");
}

#[test]
fn shift_jis_is_decoded() {
    let text = format!(
        "{DOCTOR_HEADER},出身大学\r\nD-0001,架空 髙橋 太郎,男,1995-06-01,2020-03-20,岩手県,岩手医科大学\r\n"
    );
    let (bytes, _, unmappable) = encoding_rs::SHIFT_JIS.encode(&text);
    assert!(!unmappable);
    assert!(
        std::str::from_utf8(&bytes).is_err(),
        "the test file is not UTF-8"
    );
    let d = read_bytes::<Doctor>("sjis.csv", &bytes).unwrap();
    assert!(d.issues.is_empty(), "{:#?}", d.issues);
    let doc = &d.records[0].1;
    assert_eq!(doc.name.as_str(), "架空 髙橋 太郎");
    assert_eq!(doc.university.as_ref().unwrap().as_str(), "岩手医科大学");
    assert_eq!(doc.pref.number(), 3);
}

#[test]
fn neither_utf8_nor_shift_jis_is_rejected() {
    let mut bytes =
        format!("{DOCTOR_HEADER}\nD-0001,架空 太郎,男,1995-06-01,2020-03-20,03\n").into_bytes();
    let at = bytes.len();
    bytes.extend_from_slice(b"D-0002,\x80\xFF\xFE,x\n");
    let e = read_bytes::<Doctor>("broken.csv", &bytes).unwrap_err();
    assert_eq!(e.location.row, Some(3));
    says(
        &e.problem,
        "UTF-8 でも Shift_JIS でもありません",
        "neither UTF-8 nor Shift_JIS",
    );
    says(
        &e.problem,
        &format!("{}バイト目", at + 8),
        &format!("byte {}", at + 8),
    );
    says(&e.fix, "CSV UTF-8", "CSV UTF-8");
}

#[test]
fn a_bom_and_utf16_are_handled() {
    let text = format!("{DOCTOR_HEADER}\nD-0001,架空 太郎,男,1995-06-01,2020-03-20,03\n");
    let bom = [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat();
    assert_eq!(
        read_bytes::<Doctor>("bom.csv", &bom).unwrap().records.len(),
        1
    );
    // Excel's "Unicode text": UTF-16 with BOM, tab separated.
    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(
            text.replace(',', "\t")
                .encode_utf16()
                .flat_map(u16::to_le_bytes),
        )
        .collect();
    let d = read_bytes::<Doctor>("unicode.txt", &utf16).unwrap();
    assert_eq!(d.records[0].1.name.as_str(), "架空 太郎");
}

#[test]
fn a_missing_required_column() {
    let e = csv::<Doctor>("医師ID,氏名,性別,卒業年月日,都道府県\nD-1,架空 太郎,男,2020-03-20,03\n")
        .unwrap_err();
    assert_eq!(e.location.row, Some(1));
    says(
        &e.problem,
        "必須の列がありません: 生年月日（birth_date）",
        "required columns are missing: birth_date (生年月日)",
    );
    says(
        &e.fix,
        "A 医師ID, B 氏名, C 性別, D 卒業年月日, E 都道府県",
        "the headers found are: A 医師ID",
    );
}

#[test]
fn duplicate_headers() {
    let e = csv::<SecondaryArea>("二次医療圏コード,二次医療圏名,area_code\n0301,盛岡,0301\n")
        .unwrap_err();
    assert_eq!(e.location.row, Some(1));
    assert_eq!(
        e.location.column.as_deref(),
        Some("C（二次医療圏コード / code）")
    );
    says(&e.problem, "A列とC列", "columns A and C");
    says(&e.fix, "削除", "delete one");
}

#[test]
fn an_empty_file() {
    for bytes in [&b""[..], b"\xEF\xBB\xBF", b"\n\n  \n", b",,,\n"] {
        let e = read_bytes::<Doctor>("empty.csv", bytes).unwrap_err();
        assert_eq!(
            e.problem,
            Msg::new("ファイルが空です", "the file is empty"),
            "{bytes:?}"
        );
        says(&e.fix, "データの入ったファイル", "a file that has data");
    }
    let e = read_bytes::<Doctor>("empty.xlsx", &workbook(&[("Sheet1", vec![])], None)).unwrap_err();
    says(&e.problem, "ファイルが空です", "the file is empty");
}

#[test]
fn a_header_only_file() {
    let e = csv::<Doctor>(&format!("{DOCTOR_HEADER}\n,,,\n")).unwrap_err();
    assert_eq!(e.location.row, Some(1));
    assert_eq!(
        e.problem,
        Msg::new("データ行がありません", "the file has no data rows")
    );
    says(
        &e.fix,
        "見出し行（1行目）の下",
        "below the header row (row 1)",
    );
}

fn titled_sheet(bad_date: &str) -> Vec<Vec<Cell>> {
    vec![
        text(&["医師名簿（架空）"]),
        vec![Cell::Date(common::d(2024, 4, 1))],
        text(&[
            "医師ID(必須)",
            "氏名 ※",
            "性別",
            "生年月日",
            "卒業年月日",
            "都道府県",
            "架空",
        ]),
        vec![
            Cell::Number(1001.0),
            Cell::Text("架空 太郎".into()),
            Cell::Text("男".into()),
            Cell::Date(common::d(1995, 6, 1)),
            Cell::Number(43910.0),
            Cell::Number(3.0),
            Cell::Bool(true),
        ],
        vec![],
        text(&["1002", "架空 花子", "女", "1996-02-01", bad_date, "岩手"]),
    ]
}

#[test]
fn a_header_under_a_title_block() {
    let bytes = workbook(
        &[("医師", titled_sheet("令和2年2月30日"))],
        Some((0, 0, 0, 5)),
    );
    let d = read_bytes::<Doctor>("名簿.xlsx", &bytes).unwrap();
    assert_eq!(d.header_row, 3);
    assert_eq!(d.rows_read, 2);
    assert_eq!(d.records.len(), 1);
    let (row, doc) = &d.records[0];
    assert_eq!(*row, 4);
    assert_eq!(doc.id.as_str(), "1001");
    assert_eq!(doc.graduation_date, common::d(2020, 3, 20));
    assert_eq!(doc.pref.number(), 3);
    assert!(doc.synthetic);
    let issue = only_issue(&d);
    assert_eq!(issue.location.sheet.as_deref(), Some("医師"));
    assert_eq!(issue.location.row, Some(6));
    assert_eq!(
        issue.location.column.as_deref(),
        Some("E（卒業年月日 / graduation_date）")
    );
    assert!(
        issue
            .to_string()
            .starts_with("名簿.xlsx:医師:6:E（卒業年月日 / graduation_date）: ")
    );

    // The same as CSV.
    let csv_text = "医師名簿（架空）\n令和6年4月1日現在\n医師ID,氏名,性別,生年月日,卒業年月日,都道府県\n\
                    1001,架空 太郎,男,1995-06-01,2020-03-20,03\n\n1002,架空 花子,女,1996-02-01,x,03\n";
    let d = csv::<Doctor>(csv_text).unwrap();
    assert_eq!((d.header_row, d.records[0].0), (3, 4));
    assert_eq!(only_issue(&d).location.row, Some(6));
}

#[test]
fn no_header_anywhere() {
    let rows: Vec<Vec<Cell>> = (0..30)
        .map(|i| text(&[&format!("メモ {i}"), "x"]))
        .collect();
    let e = read_bytes::<Doctor>("memo.xlsx", &workbook(&[("Sheet1", rows)], None)).unwrap_err();
    assert_eq!(e.location.sheet.as_deref(), Some("Sheet1"));
    assert_eq!(e.location.row, None);
    says(
        &e.problem,
        "1〜20行目に見出し行が見つかりません",
        "no header row was found in rows 1–20",
    );
    says(
        &e.fix,
        "医師ID（id）、氏名（name）",
        "id (医師ID), name (氏名)",
    );
    says(&e.fix, "生年月日（birth_date）", "birth_date (生年月日)");

    let e = csv::<Doctor>("メモ\nx,y\n").unwrap_err();
    says(&e.problem, "1〜2行目", "rows 1–2");
}

#[test]
fn merged_header_cells() {
    let bytes = workbook(&[("医師", titled_sheet("2020-03-20"))], Some((2, 1, 2, 2)));
    let e = read_bytes::<Doctor>("merged.xlsx", &bytes).unwrap_err();
    assert_eq!(e.location.row, Some(3));
    assert_eq!(e.location.sheet.as_deref(), Some("医師"));
    says(
        &e.problem,
        "結合されたセルがあります: B3:C3",
        "merged cells: B3:C3",
    );
    says(&e.fix, "結合を解除", "unmerge the cells");

    // Merged title cells above the header are fine.
    let bytes = workbook(&[("医師", titled_sheet("2020-03-20"))], Some((0, 0, 1, 5)));
    assert_eq!(
        read_bytes::<Doctor>("title.xlsx", &bytes)
            .unwrap()
            .records
            .len(),
        2
    );
}

#[test]
fn an_assignment_that_ends_before_it_starts() {
    let d = csv::<Assignment>(
        "勤務ID,医師ID,医療機関ID,開始日,終了日,勤務区分\n\
         A-1,D-0001,F-0001,2024-04-01,2024-03-31,指定勤務\n\
         ,D-0001,F-0001,2024-04-01,,指定勤務\n",
    )
    .unwrap();
    let issue = only_issue(&d);
    assert_eq!(issue.location.row, Some(2));
    assert_eq!(issue.location.column.as_deref(), Some("E（終了日 / end）"));
    says(
        &issue.problem,
        "終了日（令和6年3月31日）が開始日（令和6年4月1日）より前です",
        "the end date (2024-03-31) is before the start date (2024-04-01)",
    );
    says(&issue.fix, "開始日以降", "on or after the start date");
    // An assignment without an id gets a derived one.
    let (row, a) = &d.records[0];
    assert_eq!(*row, 3);
    let expected = Assignment::derive_id(
        &DoctorId::parse("D-0001").unwrap(),
        common::d(2024, 4, 1),
        a.place.as_ref(),
    );
    assert_eq!(a.id, expected);
}

#[test]
fn assignment_workplaces() {
    let d = csv::<Assignment>(
        "医師ID,医療機関ID,勤務先名,勤務先都道府県,開始日,勤務区分\n\
         D-1,F-1,架空病院,,2024-04-01,指定勤務\n\
         D-1,,,13,2024-04-01,指定勤務\n\
         D-1,,,,2024-04-01,指定勤務\n",
    )
    .unwrap();
    let columns: Vec<(Option<u64>, Option<&str>)> = d
        .issues
        .iter()
        .map(|i| (i.location.row, i.location.column.as_deref()))
        .collect();
    assert_eq!(
        columns,
        [
            (Some(2), Some("C（勤務先名 / workplace_name）")),
            (Some(3), Some("D（勤務先都道府県 / workplace_pref）")),
            (Some(4), Some("B（医療機関ID / facility）")),
        ]
    );
    says(&d.issues[0].problem, "両方", "both");
    says(
        &d.issues[2].problem,
        "勤務先がありません",
        "has no workplace",
    );
}

#[test]
fn wareki_and_full_width_digits() {
    let d = csv::<Doctor>(&format!(
        "{DOCTOR_HEADER},貸与制度,貸与開始日\n\
         Ｄ－０００１,架空　太郎,男性,昭和６０年１月２日,Ｈ２２．３．２０,０３,ｉｗａｔｅ,平成１６年４月１日\n"
    ))
    .unwrap();
    assert!(d.issues.is_empty(), "{:#?}", d.issues);
    let doc = &d.records[0].1;
    assert_eq!(doc.id.as_str(), "D-0001");
    assert_eq!(doc.name.as_str(), "架空 太郎");
    assert_eq!(doc.birth_date, common::d(1985, 1, 2));
    assert_eq!(doc.graduation_date, common::d(2010, 3, 20));
    let e = doc.enrolment.as_ref().unwrap();
    assert_eq!(e.scheme.as_str(), "iwate");
    assert_eq!(e.loan, Period::open(common::d(2004, 4, 1)));
}

#[test]
fn enrolment_needs_scheme_and_start() {
    let d = csv::<Doctor>(&format!(
        "{DOCTOR_HEADER},制度ID,貸与開始日,貸与終了日\n\
         D-1,架空 太郎,男,1995-06-01,2020-03-20,03,iwate,,\n\
         D-2,架空 太郎,男,1995-06-01,2020-03-20,03,,2014-04-01,\n"
    ))
    .unwrap();
    let issues: Vec<(Option<u64>, Option<&str>)> = d
        .issues
        .iter()
        .map(|i| (i.location.row, i.location.column.as_deref()))
        .collect();
    assert_eq!(
        issues,
        [
            (Some(2), Some("H（貸与開始日 / loan_start）")),
            (Some(3), Some("G（制度ID / scheme）")),
        ]
    );
    says(
        &d.issues[0].fix,
        "制度IDがあるときは貸与開始日が必要です",
        "needs the day the loan started",
    );
}

#[test]
fn coordinates_come_in_pairs() {
    let d = csv::<Facility>(
        "医療機関ID,医療機関名,施設種別,二次医療圏コード,緯度,経度\n\
         F-1,架空病院,病院,0301,39.7,\n\
         F-2,架空病院,病院,0301,141.1,39.7\n\
         F-3,架空病院,病院,301,39.7,141.1\n",
    )
    .unwrap();
    assert_eq!(d.issues.len(), 2, "{:#?}", d.issues);
    assert_eq!(
        d.issues[0].location.column.as_deref(),
        Some("F（経度 / lon）")
    );
    says(&d.issues[0].fix, "両方", "both");
    assert_eq!(
        d.issues[1].location.column.as_deref(),
        Some("E（緯度 / lat）")
    );
    says(&d.issues[1].fix, "逆", "swapped");
    assert_eq!(d.records[0].1.area.to_string(), "0301");
}

#[test]
fn headers_by_alias_key_and_marks_in_tsv() {
    let d = read_bytes::<Doctor>(
        "doctors.tsv",
        "ＩＤ\tName\t性別（必須）\tBirth Date\t卒業日\tpref_code\t架空\n\
         D-1\t架空 太郎\tM\t1995/6/1\t2020年3月20日\tIwate\t○\n"
            .as_bytes(),
    )
    .unwrap();
    assert!(d.issues.is_empty(), "{:#?}", d.issues);
    assert!(d.records[0].1.synthetic);
}

#[test]
fn quoted_fields_with_newlines_keep_row_numbers() {
    let d = csv::<SecondaryArea>(
        "二次医療圏コード,二次医療圏名\n0301,\"盛岡\n（県央）\"\n0302,\"岩手\r\n中部\"\n0303,\n",
    )
    .unwrap();
    assert_eq!(d.records.len(), 2);
    assert_eq!(only_issue(&d).location.row, Some(4));
}

#[test]
fn the_sheet_named_after_the_entity_is_read() {
    let notes = vec![text(&["この表は架空のデータです"])];
    let areas = vec![
        text(&["二次医療圏コード", "二次医療圏名"]),
        vec![Cell::Number(301.0), Cell::Text("盛岡".into())],
    ];
    let bytes = workbook(&[("説明", notes), ("二次医療圏", areas)], None);
    let d = read_bytes::<SecondaryArea>("areas.xlsx", &bytes).unwrap();
    assert_eq!(d.records[0].1.code.to_string(), "0301");
}

#[test]
fn issues_are_capped_at_a_thousand() {
    let mut text = String::from("二次医療圏コード,二次医療圏名\n");
    for _ in 0..1_500 {
        text.push_str("x,y\n");
    }
    let d = csv::<SecondaryArea>(&text).unwrap();
    assert_eq!(d.rows_read, 1_500);
    assert_eq!(d.issues.len(), 1_001);
    says(
        &d.issues[1_000].problem,
        "ほかに500件の問題があります",
        "and 500 more problems",
    );
}

#[test]
fn files_that_are_not_what_they_claim() {
    let e = read_bytes::<Doctor>("doctors.xlsx", b"id,name\n").unwrap_err();
    says(
        &e.problem,
        "Excel のファイルではありません",
        "not a workbook",
    );
    let e = read_bytes::<Doctor>("doctors.xlsx", b"PK\x03\x04garbage").unwrap_err();
    says(
        &e.problem,
        "Excel ファイルとして読み取れません",
        "cannot be read as a workbook",
    );
    let e = read::<Doctor>(
        std::path::Path::new("/nonexistent/医師.csv"),
        &mut |_, _| {},
    )
    .unwrap_err();
    assert_eq!(e.location.file, "医師.csv");
    says(&e.problem, "ファイルを読み込めません", "cannot be read");
}

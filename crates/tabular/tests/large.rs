//! A 50 MB Shift_JIS CSV is read streaming, with bounded memory.
//!
//! This file holds one test so that its process measures its own peak memory.

use std::io::{BufWriter, Write};

use chiiki_domain::Doctor;
use chiiki_tabular::read_with;

const TARGET_BYTES: u64 = 50 * 1024 * 1024;

/// A figure of this process from /proc/self/status, in KiB (`None` off Linux).
fn status_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[test]
fn a_50_mb_shift_jis_csv_is_streamed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("医師_大量.csv");
    let sjis = |s: &str| encoding_rs::SHIFT_JIS.encode(s).0.into_owned();
    let header = sjis(
        "医師名簿（架空・負荷試験用）\r\n\r\n医師ID,氏名,フリガナ,性別,生年月日,出身大学,卒業年月日,\
         医籍登録日,都道府県,制度ID,貸与開始日,貸与終了日,基本領域,時間外労働水準,登録状態,架空\r\n",
    );
    let university = "架空医科大学附属研究所".repeat(12);
    let tail = sjis(&format!(
        ",架空 太郎,カクウ タロウ,男,平成7年6月1日,{university},2020-03-20,2020-04-20,岩手県,\
         iwate-kokuho,2014-04-01,2020-03-31,総合診療,A水準,在籍,1\r\n"
    ));
    let mut out = BufWriter::new(std::fs::File::create(&path).unwrap());
    out.write_all(&header).unwrap();
    let (mut size, mut rows) = (header.len() as u64, 0u64);
    while size < TARGET_BYTES {
        let id = format!("D-{rows:07}");
        out.write_all(id.as_bytes()).unwrap();
        out.write_all(&tail).unwrap();
        size += (id.len() + tail.len()) as u64;
        rows += 1;
    }
    // One bad row at the end, to check that row numbers hold over the whole file.
    out.write_all(&sjis(
        "D-X,架空 太郎,,男,平成7年6月1日,,令和2年2月30日,,03\r\n",
    ))
    .unwrap();
    out.flush().unwrap();
    drop(out);
    assert!(std::fs::metadata(&path).unwrap().len() >= TARGET_BYTES);

    let before = status_kib("VmRSS:");
    let mut count = 0u64;
    let mut last_row = 0;
    let mut progress = Vec::new();
    let summary = read_with::<Doctor>(
        &path,
        &mut |done, total| progress.push((done, total)),
        &mut |row, doctor| {
            count += 1;
            last_row = row;
            debug_assert_eq!(
                doctor.university.as_ref().map(|u| u.as_str().len()),
                Some(university.len())
            );
        },
    )
    .unwrap();
    let peak = status_kib("VmHWM:");

    assert_eq!(count, rows);
    assert_eq!(summary.header_row, 3);
    assert_eq!(last_row, rows + 3);
    assert_eq!(summary.rows_read, rows + 1);
    assert_eq!(summary.issues.len(), 1, "{:#?}", summary.issues);
    assert_eq!(summary.issues[0].location.row, Some(rows + 4));
    assert!(progress.len() > 10, "progress is reported along the way");
    assert_eq!(
        progress.last().copied(),
        Some((size_of_file(&path), size_of_file(&path)))
    );

    // Memory: the reader holds a few 64 KiB buffers, one row, and the ids seen so far
    // (about 130,000 short strings); never the file, nor the file decoded.
    if let (Some(before), Some(peak)) = (before, peak) {
        let growth_mib = peak.saturating_sub(before) / 1024;
        eprintln!(
            "{rows} rows, {} MiB file, peak memory growth {growth_mib} MiB",
            size / (1 << 20)
        );
        assert!(growth_mib < 32, "peak memory grew by {growth_mib} MiB");
    }
}

fn size_of_file(path: &std::path::Path) -> u64 {
    std::fs::metadata(path).unwrap().len()
}

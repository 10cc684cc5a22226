//! Delimited text files (CSV, TSV): encoding detection and streaming decoding.
//!
//! Memory stays bounded whatever the size of the file: the encoding is detected in one
//! streaming pass of 64 KiB chunks, and the file is then decoded incrementally to UTF-8
//! (64 KiB buffers) and parsed one record at a time. Apart from the decoded records, a read
//! holds a few buffers of 64 KiB, one row, and the keys seen so far (to find duplicates).

use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom};

use chiiki_domain::Msg;
use encoding_rs::{Decoder, DecoderResult, Encoding, SHIFT_JIS, UTF_8, UTF_16BE, UTF_16LE};

use crate::cell::Cell;
use crate::decode::RawRow;
use crate::issue::ImportIssue;
use crate::row::Source;

const CHUNK: usize = 1 << 16;

/// Where the bytes of a file stop being readable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct BadByte {
    /// 0-based offset in the file.
    offset: u64,
    /// 1-based line (counting `\n`).
    line: u64,
}

impl std::fmt::Display for BadByte {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "byte {} (line {})", self.offset, self.line)
    }
}
impl std::error::Error for BadByte {}

/// The encoding of a text file and the length of its byte-order mark.
///
/// A BOM decides; otherwise the file is UTF-8 if all of it is valid UTF-8, else Shift_JIS
/// (Windows code page 932, as Excel writes it) if all of it is valid there. A Shift_JIS file
/// is never taken for UTF-8 with replacement characters.
fn detect(
    reader: &mut impl Read,
    source: &Source,
) -> Result<(&'static Encoding, usize), ImportIssue> {
    let mut buf = vec![0; CHUNK];
    let mut head = 0;
    while head < 3 {
        let n = reader
            .read(&mut buf[head..])
            .map_err(|e| io_issue(source, &e))?;
        if n == 0 {
            break;
        }
        head += n;
    }
    match buf[..head] {
        [0xEF, 0xBB, 0xBF, ..] => return Ok((UTF_8, 3)),
        [0xFF, 0xFE, ..] => return Ok((UTF_16LE, 2)),
        [0xFE, 0xFF, ..] => return Ok((UTF_16BE, 2)),
        _ => {}
    }
    let mut candidates = [
        (UTF_8, UTF_8.new_decoder_without_bom_handling(), None),
        (
            SHIFT_JIS,
            SHIFT_JIS.new_decoder_without_bom_handling(),
            None,
        ),
    ];
    let mut scratch = vec![0; CHUNK * 3 + 16];
    let (mut offset, mut lines, mut len) = (0u64, 0u64, head);
    loop {
        let last = len == 0;
        let chunk = &buf[..len];
        for (_, decoder, failed) in candidates.iter_mut().filter(|c| c.2.is_none()) {
            if let Err(at) = validate(decoder, chunk, last, &mut scratch) {
                let line = lines + bytecount(&chunk[..at.min(chunk.len())]) + 1;
                *failed = Some(BadByte {
                    offset: offset + at as u64,
                    line,
                });
            }
        }
        if last || candidates.iter().all(|c| c.2.is_some()) {
            break;
        }
        offset += len as u64;
        lines += bytecount(chunk);
        len = reader.read(&mut buf).map_err(|e| io_issue(source, &e))?;
    }
    if let Some((encoding, _, _)) = candidates.iter().find(|c| c.2.is_none()) {
        return Ok((encoding, 0));
    }
    let bad = candidates
        .iter()
        .filter_map(|c| c.2)
        .max_by_key(|b| b.offset);
    let bad = bad.unwrap_or(BadByte { offset: 0, line: 1 });
    Err(not_text(source, bad))
}

fn bytecount(bytes: &[u8]) -> u64 {
    bytes.iter().filter(|&&b| b == b'\n').count() as u64
}

/// Feeds a chunk to a decoder; `Err` with the offset in the chunk of a malformed sequence.
fn validate(
    decoder: &mut Decoder,
    chunk: &[u8],
    last: bool,
    scratch: &mut [u8],
) -> Result<(), usize> {
    let mut done = 0;
    loop {
        let (result, read, _) =
            decoder.decode_to_utf8_without_replacement(&chunk[done..], scratch, last);
        done += read;
        match result {
            DecoderResult::InputEmpty => return Ok(()),
            DecoderResult::OutputFull => {}
            DecoderResult::Malformed(bad, after) => {
                return Err(done.saturating_sub(usize::from(bad) + usize::from(after)));
            }
        }
    }
}

fn not_text(source: &Source, bad: BadByte) -> ImportIssue {
    ImportIssue::new(
        source.at(Some(bad.line), None),
        Msg::new(
            format!(
                "ファイルの文字コードが UTF-8 でも Shift_JIS でもありません（{}バイト目、{}行目で読めなくなります）",
                bad.offset + 1,
                bad.line
            ),
            format!(
                "the file is neither UTF-8 nor Shift_JIS (it stops being readable at byte {}, line {})",
                bad.offset + 1,
                bad.line
            ),
        ),
        Msg::new(
            "Excel で「CSV UTF-8（コンマ区切り）」として保存し直すか、Excel ファイル（.xlsx）のまま読み込んでください",
            "save it again from Excel as \"CSV UTF-8 (Comma delimited)\", or import the Excel file (.xlsx) itself",
        ),
    )
}

pub(crate) fn io_issue(source: &Source, e: &io::Error) -> ImportIssue {
    ImportIssue::file(
        &source.file,
        Msg::new(
            format!("ファイルを読み込めません: {e}"),
            format!("the file cannot be read: {e}"),
        ),
        Msg::new(
            "ファイルが存在し、読み取れることを確認してください",
            "check that the file exists and can be read",
        ),
    )
}

/// A reader that decodes another, in any encoding, to UTF-8 as it goes.
struct Transcode<R> {
    inner: R,
    decoder: Decoder,
    input: Vec<u8>,
    in_range: (usize, usize),
    output: Vec<u8>,
    out_range: (usize, usize),
    eof: bool,
    /// Bytes of input consumed (from the start of the file), and lines of output produced,
    /// for error messages.
    consumed: u64,
    lines: u64,
    /// Whether the last byte decoded was `\r` (to fold `\r\n` split across chunks), and
    /// the last byte written.
    after_cr: bool,
    last: Option<u8>,
    /// Whether the decoder has been told the input ended (it must not be used after).
    finished: bool,
}

impl<R: Read> Transcode<R> {
    fn new(inner: R, encoding: &'static Encoding, offset: u64) -> Self {
        let decoder = encoding.new_decoder_without_bom_handling();
        let out_len = decoder
            .max_utf8_buffer_length_without_replacement(CHUNK)
            .unwrap_or(CHUNK * 3)
            .max(16);
        Self {
            inner,
            decoder,
            input: vec![0; CHUNK],
            in_range: (0, 0),
            output: vec![0; out_len],
            out_range: (0, 0),
            eof: false,
            consumed: offset,
            lines: 0,
            after_cr: false,
            last: None,
            finished: false,
        }
    }

    /// Decodes more input into the output buffer; false at the end. Line ends become `\n`
    /// (`\r\n` and a lone `\r` alike) and the text always ends with one, so that the CSV
    /// reader's line count is the count of rows.
    fn refill(&mut self) -> io::Result<bool> {
        while !self.finished {
            if self.in_range.0 == self.in_range.1 && !self.eof {
                let n = self.inner.read(&mut self.input)?;
                self.in_range = (0, n);
                self.eof = n == 0;
            }
            let (start, end) = self.in_range;
            let (result, read, written) = self.decoder.decode_to_utf8_without_replacement(
                &self.input[start..end],
                &mut self.output,
                self.eof,
            );
            self.in_range.0 += read;
            self.consumed += read as u64;
            if let DecoderResult::Malformed(bad, after) = result {
                let offset = self.consumed - u64::from(bad) - u64::from(after);
                let line = self.lines + bytecount(&self.output[..written]) + 1;
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    BadByte { offset, line },
                ));
            }
            let mut len = 0;
            for i in 0..written {
                let b = self.output[i];
                let folded = b == b'\n' && self.after_cr;
                self.after_cr = b == b'\r';
                if !folded {
                    self.output[len] = if b == b'\r' { b'\n' } else { b };
                    len += 1;
                }
            }
            self.finished = self.eof && matches!(result, DecoderResult::InputEmpty);
            if self.finished && len == 0 && self.last.is_some_and(|b| b != b'\n') {
                self.output[0] = b'\n';
                len = 1;
            }
            self.out_range = (0, len);
            self.lines += bytecount(&self.output[..len]);
            if len > 0 {
                self.last = Some(self.output[len - 1]);
                return Ok(true);
            }
        }
        Ok(false)
    }
}

impl<R: Read> Read for Transcode<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.out_range.0 == self.out_range.1 && !self.refill()? {
            return Ok(0);
        }
        let (start, end) = self.out_range;
        let n = buf.len().min(end - start);
        buf[..n].copy_from_slice(&self.output[start..start + n]);
        self.out_range.0 += n;
        Ok(n)
    }
}

/// Rows of a delimited text file, read one record at a time.
pub(crate) struct TextRows<R: Read> {
    reader: csv::Reader<BufReader<Transcode<R>>>,
    record: csv::StringRecord,
    source: Source,
    /// Newlines inside quoted fields so far: spreadsheets show such a record on one row.
    inner_lines: u64,
}

/// The tabs and the commas of the first five records of `head`, outside quoted fields: a
/// tab or a comma inside a quoted field is text, not a delimiter (a CSV cell holding tabs
/// keeps the file CSV). A quote opens a quoted field only at the start of a field, as the
/// CSV reader takes it; `""` inside one is a quote.
fn delimiters(head: &[u8]) -> (usize, usize) {
    let (mut tabs, mut commas, mut records) = (0, 0, 0);
    let (mut quoted, mut quote_inside) = (false, false);
    let mut field_start = true;
    for &b in head {
        if quoted {
            if !quote_inside {
                quote_inside = b == b'"';
                continue;
            }
            quote_inside = false;
            if b == b'"' {
                continue;
            }
            // The quote closed the field; `b` follows it.
            quoted = false;
        }
        match b {
            b'"' if field_start => quoted = true,
            b'\t' => tabs += 1,
            b',' => commas += 1,
            b'\n' => {
                records += 1;
                if records == 5 {
                    break;
                }
            }
            _ => {}
        }
        field_start = matches!(b, b'\t' | b',' | b'\n' | b'\r');
    }
    (tabs, commas)
}

impl<R: Read + Seek> TextRows<R> {
    /// Detects the encoding and the delimiter (tab for `.tsv`, `.tab` and text whose first
    /// lines have more tabs than commas; comma otherwise).
    pub fn open(mut inner: R, source: Source, tab_by_name: bool) -> Result<Self, ImportIssue> {
        let (encoding, bom) = detect(&mut inner, &source)?;
        inner
            .seek(SeekFrom::Start(bom as u64))
            .map_err(|e| io_issue(&source, &e))?;
        let transcode = Transcode::new(inner, encoding, bom as u64);
        let mut text = BufReader::with_capacity(CHUNK, transcode);
        let head = text.fill_buf().map_err(|e| read_issue(&source, e))?;
        let (tabs, commas) = delimiters(head);
        let tab = tab_by_name || tabs > commas;
        let reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(if tab { b'\t' } else { b',' })
            .from_reader(text);
        Ok(Self {
            reader,
            record: csv::StringRecord::new(),
            source,
            inner_lines: 0,
        })
    }
}

impl<R: Read> TextRows<R> {
    /// The next record, numbered as the row a spreadsheet program shows it on: blank lines
    /// count as rows, newlines inside quoted fields do not.
    pub fn next_row(&mut self) -> Result<Option<RawRow>, ImportIssue> {
        match self.reader.read_record(&mut self.record) {
            Ok(false) => Ok(None),
            Ok(true) => {
                // Every record ends with `\n` (see `Transcode`), so the reader has counted
                // the record's own newlines and its end: the record started `inner + 1`
                // lines back, and the rows before it are the lines before it less the
                // newlines inside earlier records.
                let inner: u64 = self.record.iter().map(|f| bytecount(f.as_bytes())).sum();
                let line = self.reader.position().line().saturating_sub(inner + 1);
                let number = line.saturating_sub(self.inner_lines).max(1);
                self.inner_lines += inner;
                let cells = self
                    .record
                    .iter()
                    .map(|f| Cell::Text(f.to_owned()))
                    .collect();
                Ok(Some(RawRow { number, cells }))
            }
            Err(e) => Err(match e.into_kind() {
                csv::ErrorKind::Io(e) => read_issue(&self.source, e),
                other => ImportIssue::file(
                    &self.source.file,
                    Msg::new(
                        format!("CSV として読み取れません: {other:?}"),
                        format!("the file cannot be read as CSV: {other:?}"),
                    ),
                    Msg::new(
                        "Excel で開いて CSV として保存し直してください",
                        "open it in Excel and save it again as CSV",
                    ),
                ),
            }),
        }
    }
}

/// An I/O error while decoding: a malformed byte or a failure of the file.
fn read_issue(source: &Source, e: io::Error) -> ImportIssue {
    match e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<BadByte>())
    {
        Some(bad) => not_text(source, *bad),
        None => io_issue(source, &e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn source() -> Source {
        Source {
            file: "t.csv".into(),
            sheet: None,
        }
    }

    fn rows(bytes: &[u8]) -> Result<Vec<(u64, Vec<String>)>, ImportIssue> {
        let mut rows = TextRows::open(Cursor::new(bytes), source(), false)?;
        let mut out = Vec::new();
        while let Some(r) = rows.next_row()? {
            out.push((r.number, r.cells.iter().map(Cell::to_text).collect()));
        }
        Ok(out)
    }

    fn sjis(s: &str) -> Vec<u8> {
        let (bytes, _, errors) = SHIFT_JIS.encode(s);
        assert!(!errors);
        bytes.into_owned()
    }

    #[test]
    fn encodings() {
        let text = "氏名,年齢\n岩手 太郎,30\n";
        let expect = vec![
            (1, vec!["氏名".to_owned(), "年齢".to_owned()]),
            (2, vec!["岩手 太郎".to_owned(), "30".to_owned()]),
        ];
        assert_eq!(rows(text.as_bytes()).unwrap(), expect);
        let bom = [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat();
        assert_eq!(rows(&bom).unwrap(), expect);
        assert_eq!(rows(&sjis(text)).unwrap(), expect);
        let le: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        assert_eq!(rows(&le).unwrap(), expect);
    }

    #[test]
    fn shift_jis_is_detected_even_late_in_a_long_file() {
        let mut text = "a,b\n".repeat(40_000);
        text.push_str("岩手,盛岡\n");
        let got = rows(&sjis(&text)).unwrap();
        assert_eq!(got.last().unwrap().1, vec!["岩手", "盛岡"]);
        assert_eq!(got.len(), 40_001);
    }

    #[test]
    fn neither_utf8_nor_shift_jis() {
        // Valid UTF-8 up to line 3, then a byte that is invalid in both encodings.
        let mut bytes = "氏名\n岩手\n".as_bytes().to_vec();
        bytes.extend_from_slice(b"ab\xFF\xFFcd\n");
        let e = rows(&bytes).unwrap_err();
        assert_eq!(e.location.row, Some(3));
        assert!(e.problem.en.contains("neither UTF-8 nor Shift_JIS"), "{e}");
        assert!(e.problem.en.contains("byte 17"), "{e}");
        assert!(
            e.problem.ja.contains("UTF-8 でも Shift_JIS でもありません"),
            "{e}"
        );
        assert!(e.fix.ja.contains("CSV UTF-8"), "{e}");
    }

    #[test]
    fn malformed_after_a_bom_is_reported_with_its_line() {
        let bytes = b"\xEF\xBB\xBFa,b\nc,\xFF\n";
        let e = rows(bytes).unwrap_err();
        assert_eq!(e.location.row, Some(2), "{e}");
        assert!(e.problem.en.contains("byte 10"), "{e}");
    }

    #[test]
    fn rows_are_numbered_as_spreadsheets_show_them() {
        let text = "a,b\n\n\"multi\r\nline\",x\r\n\r\n\rlast,y\nend";
        let got = rows(text.as_bytes()).unwrap();
        let numbers: Vec<u64> = got.iter().map(|r| r.0).collect();
        assert_eq!(numbers, vec![1, 3, 6, 7]);
        assert_eq!(got[1].1[0], "multi\nline");
        assert_eq!(got[3].1[0], "end");
    }

    #[test]
    fn tabs() {
        let got = rows("a\tb,c\n1\t2\n".as_bytes()).unwrap();
        assert_eq!(got[0].1, vec!["a", "b,c"]);
    }
}

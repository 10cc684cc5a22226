//! Small helpers for writing SVG by hand, shared by the maps and by the other charts of
//! chiiki (e.g. the rotation Gantt chart in `chiiki-report`).
//!
//! They keep an SVG safe to inline under a strict Content-Security-Policy and small:
//!
//! - [`esc`] XML-escapes caller text for content and attribute values;
//! - [`safe_href`] keeps links relative or `http(s)://`;
//! - [`sanitize_id`] makes a caller's id prefix a valid, inert XML id;
//! - [`num`] and [`push_tenths`] write coordinates with at most one decimal;
//! - [`text_width`] and [`char_width`] estimate how wide a label is drawn, for layout without
//!   font metrics.
//!
//! ```
//! use chiiki_maps::svg::{esc, num, safe_href, sanitize_id, text_width};
//!
//! assert_eq!(esc("a < b & c"), "a &lt; b &amp; c");
//! assert_eq!(num(12.34), "12.3");
//! assert!(safe_href("/areas/0301") && !safe_href("javascript:alert(1)"));
//! assert_eq!(sanitize_id("1\"x", "m"), "m1x");
//! assert_eq!(text_width("盛岡", 10.0), 20.0);
//! ```

use std::borrow::Cow;
use std::fmt::Write as _;

/// Rough width of a character in ems: ASCII and the half-width forms (U+FF61–U+FFDC, e.g.
/// half-width katakana) six tenths, everything else (full-width) one.
pub fn char_width(c: char) -> f64 {
    if c.is_ascii() || ('\u{FF61}'..='\u{FFDC}').contains(&c) {
        0.6
    } else {
        1.0
    }
}

/// Rough width of a text drawn at `font` size: the sum of its [`char_width`]s.
pub fn text_width(s: &str, font: f64) -> f64 {
    s.chars().map(char_width).sum::<f64>() * font
}

/// Escapes text for XML content and attributes (both quotes are escaped, and newlines, tabs
/// and carriage returns as character references so attribute values keep them); drops the
/// characters XML 1.0 cannot hold (other control characters, U+FFFE, U+FFFF). Text that needs
/// nothing of this is returned borrowed.
pub fn esc(s: &str) -> Cow<'_, str> {
    let plain = |c: char| {
        !matches!(c, '&' | '<' | '>' | '"' | '\'')
            && (c as u32) >= 0x20
            && c != '\u{FFFE}'
            && c != '\u{FFFF}'
    };
    if s.chars().all(plain) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\n' => out.push_str("&#10;"),
            '\t' => out.push_str("&#9;"),
            '\r' => out.push_str("&#13;"),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// An id prefix made safe: ASCII letters, digits, `-` and `_` only, at most 64 of them, and
/// starting with a letter. Nothing left gives `default_prefix`; a start other than a letter
/// gets `default_prefix` in front. `default_prefix` should itself be such an id (e.g. `"m"`,
/// `"gantt"`).
pub fn sanitize_id(p: &str, default_prefix: &str) -> String {
    let s: String = p
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .take(64)
        .collect();
    if s.starts_with(|c: char| c.is_ascii_alphabetic()) {
        s
    } else {
        format!("{default_prefix}{s}")
    }
}

/// Whether a link may be written: relative URLs and http(s) only, no `javascript:`, `data:`
/// or other schemes, and no control characters (which browsers strip, e.g. `java\tscript:`).
pub fn safe_href(h: &str) -> bool {
    let h = h.trim();
    if h.is_empty() || h.chars().any(|c| c.is_control()) {
        return false;
    }
    let lower = h.to_ascii_lowercase();
    match lower.find(':') {
        None => true,
        // A colon after the path has begun is not a scheme.
        Some(colon) if lower[..colon].contains(['/', '?', '#']) => true,
        Some(_) => lower.starts_with("http://") || lower.starts_with("https://"),
    }
}

/// Writes a value given in tenths with at most one decimal and no leading zero:
/// 123 → "12.3", 120 → "12", 5 → ".5", -5 → "-.5".
pub fn push_tenths(d: &mut String, t: i64) {
    if t < 0 {
        d.push('-');
    }
    let a = t.unsigned_abs();
    if a >= 10 || a == 0 {
        let _ = write!(d, "{}", a / 10);
    }
    if !a.is_multiple_of(10) {
        let _ = write!(d, ".{}", a % 10);
    }
}

/// A number rounded to tenths as [`push_tenths`] writes it: 12.3, 12, .5, -.5. Not a finite
/// number (NaN, ±∞) is written as 0, so no output says `NaN` or `inf`.
pub fn num(v: f64) -> String {
    let t = if v.is_finite() {
        (v * 10.0).round() as i64
    } else {
        0
    };
    let mut s = String::new();
    push_tenths(&mut s, t);
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenths_are_written_with_one_decimal_at_most() {
        let mut s = String::new();
        for t in [0, 5, -5, 10, 123, -120] {
            push_tenths(&mut s, t);
            s.push(',');
        }
        assert_eq!(s, "0,.5,-.5,1,12.3,-12,");
        assert_eq!(num(12.34), "12.3");
        assert_eq!(num(-0.04), "0");
        assert_eq!(num(f64::NAN), "0");
        assert_eq!(num(f64::INFINITY), "0");
    }

    #[test]
    fn text_is_escaped_and_invalid_characters_dropped() {
        assert_eq!(
            esc("a<b>&\"c'\u{1}\u{FFFF}盛岡"),
            "a&lt;b&gt;&amp;&quot;c&#39;盛岡"
        );
        assert_eq!(esc("a\nb\tc\rd"), "a&#10;b&#9;c&#13;d");
        assert!(matches!(esc("盛岡 (0301)"), Cow::Borrowed("盛岡 (0301)")));
    }

    #[test]
    fn only_relative_and_http_links_are_kept() {
        assert!(safe_href("/areas/0301"));
        assert!(safe_href("areas/0301?x=1:2"));
        assert!(safe_href("https://example.jp/a"));
        assert!(!safe_href("javascript:alert(1)"));
        assert!(!safe_href(" JavaScript:alert(1)"));
        assert!(!safe_href("data:text/html,x"));
        assert!(!safe_href("java\u{9}script:x"));
        assert!(!safe_href(" "));
    }

    #[test]
    fn ids_start_with_a_letter() {
        assert_eq!(sanitize_id("1\"x", "m"), "m1x");
        assert_eq!(sanitize_id("map-1", "m"), "map-1");
        assert_eq!(sanitize_id("", "gantt"), "gantt");
        assert_eq!(sanitize_id("\"><script>", "gantt"), "script");
        assert_eq!(sanitize_id(&"a".repeat(100), "m").len(), 64);
    }

    #[test]
    fn half_width_forms_are_narrow() {
        assert_eq!(text_width("ab", 10.0), 12.0);
        assert_eq!(text_width("盛岡", 10.0), 20.0);
        assert_eq!(text_width("ｱｲ", 10.0), 12.0);
    }
}

//! Quantities: full-time equivalents, doctor counts, beds, coordinates.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::{ValueError, normalize};
use crate::text::Msg;

/// The share of full time a doctor works in one assignment, from 0.01 to 1.00, kept in
/// hundredths so that sums are exact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "f64", into = "f64")]
pub struct Fte(u16);

impl Fte {
    pub const FULL: Fte = Fte(100);

    /// From hundredths: 1 to 100.
    pub fn from_hundredths(h: u16) -> Result<Self, ValueError> {
        if (1..=100).contains(&h) {
            Ok(Self(h))
        } else {
            Err(Self::error(&format!("{:.2}", h as f64 / 100.0)))
        }
    }

    pub fn from_f64(x: f64) -> Result<Self, ValueError> {
        if !x.is_finite() {
            return Err(Self::error(&x.to_string()));
        }
        let h = (x * 100.0).round();
        if (x * 100.0 - h).abs() > 1e-6 || !(1.0..=100.0).contains(&h) {
            return Err(Self::error(&x.to_string()));
        }
        Ok(Self(h as u16))
    }

    /// Parses `1`, `0.5`, `０．５`, `50%`.
    pub fn parse(input: &str) -> Result<Self, ValueError> {
        let s = normalize(input);
        let value = if let Some(p) = s.strip_suffix('%') {
            p.trim().parse::<f64>().map(|x| x / 100.0)
        } else {
            s.parse::<f64>()
        };
        value
            .map_err(|_| Self::error(input))
            .and_then(|x| Self::from_f64(x).map_err(|_| Self::error(input)))
    }

    fn error(input: &str) -> ValueError {
        ValueError::new(
            input,
            Msg::new(
                format!("常勤換算「{input}」は0.01〜1の範囲にありません"),
                format!("FTE '{input}' is not between 0.01 and 1"),
            ),
            Msg::new(
                "常勤を1として、0.01から1までの数（小数2桁まで）か百分率（50%）で入力してください",
                "give a number from 0.01 to 1 (two decimals at most), 1 being full time, or a percentage (50%)",
            ),
        )
    }

    pub fn hundredths(self) -> u16 {
        self.0
    }
    pub fn as_f64(self) -> f64 {
        self.0 as f64 / 100.0
    }
}

impl TryFrom<f64> for Fte {
    type Error = ValueError;
    fn try_from(x: f64) -> Result<Self, ValueError> {
        Self::from_f64(x)
    }
}
impl From<Fte> for f64 {
    fn from(f: Fte) -> f64 {
        f.as_f64()
    }
}
impl fmt::Display for Fte {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = format!("{:.2}", self.as_f64());
        f.write_str(s.trim_end_matches('0').trim_end_matches('.'))
    }
}

/// A non-negative count that may be fractional, such as doctors in full-time equivalents at
/// a facility (常勤換算医師数). At most 1,000,000 and finite.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Default, Serialize, Deserialize)]
#[serde(try_from = "f64", into = "f64")]
pub struct Amount(f64);

impl Amount {
    pub const ZERO: Amount = Amount(0.0);

    pub fn new(x: f64) -> Result<Self, ValueError> {
        if x.is_finite() && (0.0..=1_000_000.0).contains(&x) {
            Ok(Self(x))
        } else {
            Err(Self::error(&x.to_string()))
        }
    }

    /// Parses a number; an empty cell or `-` (未公表 in MHLW tables) is zero.
    pub fn parse(input: &str) -> Result<Self, ValueError> {
        let s = normalize(input).replace(',', "");
        if s.is_empty() || s == "-" {
            return Ok(Self::ZERO);
        }
        s.parse::<f64>()
            .map_err(|_| Self::error(input))
            .and_then(|x| Self::new(x).map_err(|_| Self::error(input)))
    }

    fn error(input: &str) -> ValueError {
        ValueError::new(
            input,
            Msg::new(
                format!("「{input}」は0以上の数ではありません"),
                format!("'{input}' is not a number of zero or more"),
            ),
            Msg::new(
                "0以上の数を半角または全角数字で入力してください（例: 12.5）",
                "give a number of zero or more (e.g. 12.5)",
            ),
        )
    }

    pub fn get(self) -> f64 {
        self.0
    }
}

impl TryFrom<f64> for Amount {
    type Error = ValueError;
    fn try_from(x: f64) -> Result<Self, ValueError> {
        Self::new(x)
    }
}
impl From<Amount> for f64 {
    fn from(a: Amount) -> f64 {
        a.0
    }
}
impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Parses a whole number of zero or more (beds, counts); empty or `-` is zero.
pub fn parse_count(input: &str) -> Result<u32, ValueError> {
    let s = normalize(input).replace(',', "");
    if s.is_empty() || s == "-" {
        return Ok(0);
    }
    s.parse::<u32>().map_err(|_| {
        ValueError::new(
            input,
            Msg::new(
                format!("「{input}」は0以上の整数ではありません"),
                format!("'{input}' is not a whole number of zero or more"),
            ),
            Msg::new(
                "0以上の整数を入力してください",
                "give a whole number of zero or more",
            ),
        )
    })
}

/// Beds by function as reported in 病床機能報告.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Beds {
    pub high_acute: u32,
    pub acute: u32,
    pub recovery: u32,
    pub chronic: u32,
    /// Beds not in use (休棟等).
    pub idle: u32,
}

impl Beds {
    /// All beds including idle ones.
    pub fn total(&self) -> u32 {
        self.high_acute + self.acute + self.recovery + self.chronic + self.idle
    }
}

/// A point in Japan in WGS84 degrees.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawPoint", into = "RawPoint")]
pub struct Coordinates {
    lat: f64,
    lon: f64,
}

#[derive(Serialize, Deserialize)]
struct RawPoint {
    lat: f64,
    lon: f64,
}

impl TryFrom<RawPoint> for Coordinates {
    type Error = ValueError;
    fn try_from(r: RawPoint) -> Result<Self, ValueError> {
        Coordinates::new(r.lat, r.lon)
    }
}
impl From<Coordinates> for RawPoint {
    fn from(c: Coordinates) -> Self {
        RawPoint {
            lat: c.lat,
            lon: c.lon,
        }
    }
}

impl Coordinates {
    /// Latitude 20–46° N and longitude 122–154° E: Japan's extent.
    pub fn new(lat: f64, lon: f64) -> Result<Self, ValueError> {
        if (20.0..=46.0).contains(&lat) && (122.0..=154.0).contains(&lon) {
            Ok(Self { lat, lon })
        } else {
            Err(ValueError::new(
                format!("{lat}, {lon}"),
                Msg::new(
                    format!("座標（緯度{lat}、経度{lon}）が日本の範囲外です"),
                    format!("coordinates (lat {lat}, lon {lon}) are outside Japan"),
                ),
                Msg::new(
                    "緯度は20〜46、経度は122〜154の十進数で入力してください（緯度と経度が逆になっていないか確認してください）",
                    "give latitude 20–46 and longitude 122–154 in decimal degrees (check that they are not swapped)",
                ),
            ))
        }
    }
    pub fn lat(&self) -> f64 {
        self.lat
    }
    pub fn lon(&self) -> f64 {
        self.lon
    }
    /// Great-circle distance in kilometres.
    pub fn distance_km(&self, other: &Coordinates) -> f64 {
        let (p1, p2) = (self.lat.to_radians(), other.lat.to_radians());
        let dp = p2 - p1;
        let dl = (other.lon - self.lon).to_radians();
        let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
        2.0 * 6371.0 * a.sqrt().asin()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn fte_parsing() {
        assert_eq!(Fte::parse("1").unwrap(), Fte::FULL);
        assert_eq!(Fte::parse("0.5").unwrap().hundredths(), 50);
        assert_eq!(Fte::parse("５０％").unwrap().hundredths(), 50);
        assert_eq!(Fte::parse("0.25").unwrap().to_string(), "0.25");
        assert_eq!(Fte::parse("0.5").unwrap().to_string(), "0.5");
        assert_eq!(Fte::FULL.to_string(), "1");
        for bad in ["0", "1.2", "-0.5", "0.333", "abc", "", "NaN", "inf"] {
            assert!(Fte::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn amounts_and_counts() {
        assert_eq!(Amount::parse("202.9").unwrap().get(), 202.9);
        assert_eq!(Amount::parse("-").unwrap(), Amount::ZERO);
        assert_eq!(Amount::parse("1,234").unwrap().get(), 1234.0);
        assert!(Amount::parse("-3").is_err());
        assert_eq!(parse_count("９０５").unwrap(), 905);
        assert!(parse_count("1.5").is_err());
    }

    #[test]
    fn coordinates_in_japan() {
        let morioka = Coordinates::new(39.70, 141.15).unwrap();
        let kamaishi = Coordinates::new(39.28, 141.88).unwrap();
        let d = morioka.distance_km(&kamaishi);
        assert!((75.0..85.0).contains(&d), "{d}");
        let e = Coordinates::new(141.15, 39.70).unwrap_err();
        assert!(e.fix.ja.contains("逆"));
    }

    proptest! {
        #[test]
        fn fte_round_trips_through_text(h in 1u16..=100) {
            let f = Fte::from_hundredths(h).unwrap();
            prop_assert_eq!(Fte::parse(&f.to_string()).unwrap(), f);
        }
    }
}

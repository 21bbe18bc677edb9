//! An exact `xs:duration` / xCal (RFC 5545) duration.
//!
//! OpenADR carries durations as `xcal:duration` text (`PT1H`, `P1D`, `-PT5M`, `P2W`). The
//! schema pattern for `xcal:DurationValueType` is
//! `(\+|\-)?P((\d+Y)?(\d+M)?(\d+D)?T?(\d+H)?(\d+M)?(\d+S)?)|(\d+W)`; `xs:duration` also
//! allows a fraction on the seconds. [`Duration`] keeps every component as written (years
//! and months are not days), so a value read from the wire is written back unchanged, and
//! converts to [`chrono::Duration`] only when that is unambiguous (no years, no months).

use std::fmt;
use std::str::FromStr;

/// Why a duration string was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DurationError {
    /// The text is not in the ISO 8601 / xs:duration lexical space.
    #[error("invalid duration {text:?}: {reason}")]
    Syntax {
        /// The rejected text.
        text: String,
        /// What was wrong with it.
        reason: &'static str,
    },
    /// A component does not fit in 32 bits.
    #[error("duration component out of range in {0:?}")]
    Overflow(String),
}

/// An exact duration: sign, years, months, weeks, days, hours, minutes and seconds with a
/// nanosecond fraction, as written in ISO 8601.
///
/// ```
/// use oadr::model::Duration;
/// let d: Duration = "PT1H30M".parse().unwrap();
/// assert_eq!(d.to_chrono(), Some(chrono::Duration::minutes(90)));
/// assert_eq!(d.to_string(), "PT1H30M");
/// let month: Duration = "P1M".parse().unwrap();
/// assert_eq!(month.to_chrono(), None); // a month has no fixed length
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Duration {
    /// True for a negative duration (`-P...`).
    pub negative: bool,
    /// Years (`nY`).
    pub years: u32,
    /// Months (`nM` before `T`).
    pub months: u32,
    /// Weeks (`nW`, RFC 5545).
    pub weeks: u32,
    /// Days (`nD`).
    pub days: u32,
    /// Hours (`nH`).
    pub hours: u32,
    /// Minutes (`nM` after `T`).
    pub minutes: u32,
    /// Whole seconds (`nS`).
    pub seconds: u32,
    /// Fraction of a second in nanoseconds (`n.fffS`).
    pub nanos: u32,
}

impl Duration {
    /// The zero duration, written `PT0S`.
    pub const ZERO: Duration = Duration {
        negative: false,
        years: 0,
        months: 0,
        weeks: 0,
        days: 0,
        hours: 0,
        minutes: 0,
        seconds: 0,
        nanos: 0,
    };

    /// A duration of whole seconds, split into hours, minutes and seconds (`PT1H2M3S`).
    pub fn from_secs(secs: i64) -> Duration {
        let negative = secs < 0;
        let mut s = secs.unsigned_abs();
        let days = s / 86_400;
        s %= 86_400;
        Duration {
            negative,
            days: u32::try_from(days).unwrap_or(u32::MAX),
            hours: (s / 3600) as u32,
            minutes: ((s % 3600) / 60) as u32,
            seconds: (s % 60) as u32,
            ..Duration::ZERO
        }
    }

    /// `n` hours.
    pub fn hours(n: u32) -> Duration {
        Duration {
            hours: n,
            ..Duration::ZERO
        }
    }

    /// `n` minutes.
    pub fn minutes(n: u32) -> Duration {
        Duration {
            minutes: n,
            ..Duration::ZERO
        }
    }

    /// `n` seconds.
    pub fn seconds(n: u32) -> Duration {
        Duration {
            seconds: n,
            ..Duration::ZERO
        }
    }

    /// `n` days.
    pub fn days(n: u32) -> Duration {
        Duration {
            days: n,
            ..Duration::ZERO
        }
    }

    /// From a [`chrono::Duration`], as days, hours, minutes, seconds and nanoseconds
    /// (the form OpenLEADR writes, e.g. `P1DT2H`). `None` if the day count overflows.
    pub fn from_chrono(d: chrono::Duration) -> Option<Duration> {
        let negative = d < chrono::Duration::zero();
        let abs = if negative { -d } else { d };
        let secs = abs.num_seconds();
        let nanos = (abs - chrono::Duration::seconds(secs)).num_nanoseconds()?;
        let mut out = Duration::from_secs(secs);
        if secs / 86_400 > i64::from(u32::MAX) {
            return None;
        }
        out.negative = negative && abs != chrono::Duration::zero();
        out.nanos = u32::try_from(nanos).ok()?;
        Some(out)
    }

    /// Whether the duration has a fixed length (no years and no months).
    pub fn is_exact(&self) -> bool {
        self.years == 0 && self.months == 0
    }

    /// Whether every component is zero.
    pub fn is_zero(&self) -> bool {
        self.years == 0
            && self.months == 0
            && self.weeks == 0
            && self.days == 0
            && self.hours == 0
            && self.minutes == 0
            && self.seconds == 0
            && self.nanos == 0
    }

    /// The length as a [`chrono::Duration`]; `None` when the duration has years or months
    /// (their length depends on the calendar) or does not fit.
    pub fn to_chrono(&self) -> Option<chrono::Duration> {
        if !self.is_exact() {
            return None;
        }
        let secs = i64::from(self.weeks) * 604_800
            + i64::from(self.days) * 86_400
            + i64::from(self.hours) * 3600
            + i64::from(self.minutes) * 60
            + i64::from(self.seconds);
        let d = chrono::Duration::try_seconds(secs)?
            .checked_add(&chrono::Duration::nanoseconds(i64::from(self.nanos)))?;
        Some(if self.negative { -d } else { d })
    }
}

fn syntax(text: &str, reason: &'static str) -> DurationError {
    DurationError::Syntax {
        text: text.to_owned(),
        reason,
    }
}

impl FromStr for Duration {
    type Err = DurationError;

    fn from_str(text: &str) -> Result<Duration, DurationError> {
        let s = text.trim();
        let (negative, rest) = match s.as_bytes().first() {
            Some(b'-') => (true, &s[1..]),
            Some(b'+') => (false, &s[1..]),
            _ => (false, s),
        };
        // The xcal pattern also admits a bare `nW` (no `P`); accept both forms.
        let body = match rest.strip_prefix('P') {
            Some(b) => b,
            None if rest.ends_with('W') => rest,
            None => return Err(syntax(text, "must start with P")),
        };
        if body.is_empty() {
            return Err(syntax(text, "no components after P"));
        }
        let mut d = Duration {
            negative,
            ..Duration::ZERO
        };
        let mut in_time = false;
        let mut saw_time_component = false;
        // Order of designators: date part Y M W D, time part H M S.
        let mut last_rank = 0u8;
        let mut num = String::new();
        let mut frac: Option<String> = None;
        for c in body.chars() {
            match c {
                '0'..='9' => match frac.as_mut() {
                    Some(f) => f.push(c),
                    None => num.push(c),
                },
                '.' | ',' if frac.is_none() && !num.is_empty() => frac = Some(String::new()),
                'T' => {
                    if in_time || !num.is_empty() || frac.is_some() {
                        return Err(syntax(text, "misplaced T"));
                    }
                    in_time = true;
                }
                'Y' | 'M' | 'W' | 'D' | 'H' | 'S' => {
                    if num.is_empty() {
                        return Err(syntax(text, "designator without a number"));
                    }
                    let rank = match (c, in_time) {
                        ('Y', false) => 1,
                        ('M', false) => 2,
                        ('W', false) => 3,
                        ('D', false) => 4,
                        ('H', true) => 5,
                        ('M', true) => 6,
                        ('S', true) => 7,
                        _ => return Err(syntax(text, "designator in the wrong part")),
                    };
                    if rank <= last_rank {
                        return Err(syntax(text, "designators out of order or repeated"));
                    }
                    last_rank = rank;
                    if frac.is_some() && rank != 7 {
                        return Err(syntax(text, "a fraction is only allowed on seconds"));
                    }
                    let n: u32 = num
                        .parse()
                        .map_err(|_| DurationError::Overflow(text.to_owned()))?;
                    num.clear();
                    match rank {
                        1 => d.years = n,
                        2 => d.months = n,
                        3 => d.weeks = n,
                        4 => d.days = n,
                        5 => d.hours = n,
                        6 => d.minutes = n,
                        _ => {
                            d.seconds = n;
                            if let Some(f) = frac.take() {
                                d.nanos = parse_nanos(text, &f)?;
                            }
                        }
                    }
                    if in_time {
                        saw_time_component = true;
                    }
                }
                _ => return Err(syntax(text, "unexpected character")),
            }
        }
        if !num.is_empty() || frac.is_some() {
            return Err(syntax(text, "number without a designator"));
        }
        if in_time && !saw_time_component {
            return Err(syntax(text, "T without a time component"));
        }
        if last_rank == 0 {
            return Err(syntax(text, "no components"));
        }
        Ok(d)
    }
}

fn parse_nanos(text: &str, digits: &str) -> Result<u32, DurationError> {
    if digits.is_empty() {
        return Err(syntax(text, "empty fraction"));
    }
    let (head, tail) = digits.split_at(digits.len().min(9));
    if tail.bytes().any(|b| b != b'0') {
        return Err(syntax(text, "fraction finer than a nanosecond"));
    }
    let mut nanos: u32 = head
        .parse()
        .map_err(|_| DurationError::Overflow(text.to_owned()))?;
    for _ in head.len()..9 {
        nanos *= 10;
    }
    Ok(nanos)
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.negative {
            f.write_str("-")?;
        }
        f.write_str("P")?;
        if self.is_zero() {
            return f.write_str("T0S");
        }
        for (n, c) in [
            (self.years, 'Y'),
            (self.months, 'M'),
            (self.weeks, 'W'),
            (self.days, 'D'),
        ] {
            if n != 0 {
                write!(f, "{n}{c}")?;
            }
        }
        if self.hours != 0 || self.minutes != 0 || self.seconds != 0 || self.nanos != 0 {
            f.write_str("T")?;
            if self.hours != 0 {
                write!(f, "{}H", self.hours)?;
            }
            if self.minutes != 0 {
                write!(f, "{}M", self.minutes)?;
            }
            if self.seconds != 0 || self.nanos != 0 {
                write!(f, "{}", self.seconds)?;
                if self.nanos != 0 {
                    let frac = format!("{:09}", self.nanos);
                    write!(f, ".{}", frac.trim_end_matches('0'))?;
                }
                f.write_str("S")?;
            }
        }
        Ok(())
    }
}

impl serde::Serialize for Duration {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Duration {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Duration {
        s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn parses_and_formats_the_common_forms() {
        for s in [
            "PT1H",
            "PT30M",
            "PT10S",
            "P1D",
            "P1DT2H",
            "-PT5M",
            "P2W",
            "P1Y2M3DT4H5M6S",
            "PT0S",
            "PT1.5S",
            "PT0.000000001S",
        ] {
            assert_eq!(p(s).to_string(), s);
        }
        assert_eq!(p("+PT1H").to_string(), "PT1H");
        assert_eq!(p("P0D").to_string(), "PT0S");
        assert_eq!(p("3W").weeks, 3);
        assert_eq!(p("PT1.50S").nanos, 500_000_000);
    }

    #[test]
    fn rejects_malformed_text() {
        for s in [
            "",
            "P",
            "PT",
            "1H",
            "PT1",
            "P1H",
            "PT1D",
            "PT1M1H",
            "P1DD",
            "P-1D",
            "P1.5D",
            "PT1.S",
            "PT1.0000000001S",
            "P99999999999D",
            "PT1H ",
            "xPT1H",
        ] {
            if s == "PT1H " {
                // surrounding whitespace is collapsed by the schema's whitespace facet
                assert!(s.parse::<Duration>().is_ok());
                continue;
            }
            assert!(s.parse::<Duration>().is_err(), "{s:?} accepted");
        }
    }

    #[test]
    fn converts_to_chrono_only_when_exact() {
        assert_eq!(
            p("P1W1DT1H1M1.25S").to_chrono(),
            Some(chrono::Duration::milliseconds(
                ((8 * 86_400) + 3600 + 61) * 1000 + 250
            ))
        );
        assert_eq!(p("-PT1M").to_chrono(), Some(chrono::Duration::minutes(-1)));
        assert_eq!(p("P1Y").to_chrono(), None);
        assert_eq!(p("P1M").to_chrono(), None);
        assert_eq!(p("PT1M").to_chrono(), Some(chrono::Duration::minutes(1)));
    }

    #[test]
    fn from_chrono_matches_openleadr_formatting() {
        let d = Duration::from_chrono(chrono::Duration::seconds(90_061)).unwrap();
        assert_eq!(d.to_string(), "P1DT1H1M1S");
        let neg = Duration::from_chrono(chrono::Duration::minutes(-5)).unwrap();
        assert_eq!(neg.to_string(), "-PT5M");
        assert_eq!(
            Duration::from_chrono(chrono::Duration::zero()).unwrap(),
            Duration::ZERO
        );
    }

    #[test]
    fn serde_uses_iso_strings() {
        let d = p("PT15M");
        assert_eq!(serde_json::to_string(&d).unwrap(), "\"PT15M\"");
        let back: Duration = serde_json::from_str("\"PT15M\"").unwrap();
        assert_eq!(back, d);
        assert!(serde_json::from_str::<Duration>("\"15 minutes\"").is_err());
    }
}

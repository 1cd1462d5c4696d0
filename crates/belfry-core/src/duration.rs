//! Meeting lengths written the way people say them: `45m`, `1h`, `1h30m`.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::limits::MAX_DURATION_MINUTES as MAX_MINUTES;

/// A meeting's length in whole minutes, 1 minute to 24 hours.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(try_from = "u32", into = "u32")]
pub struct MeetingDuration(u32);

/// Why a duration was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DurationError {
    /// Not written like `45m`, `1h` or `1h30m`.
    #[error("write a duration like 45m, 1h or 1h30m")]
    Format,
    /// No minutes at all.
    #[error("a meeting lasts at least 1 minute")]
    Zero,
    /// More than 24 hours.
    #[error("a meeting lasts at most 24h")]
    TooLong,
}

impl MeetingDuration {
    /// A duration of `minutes`, checked.
    pub fn from_minutes(minutes: u32) -> Result<Self, DurationError> {
        match minutes {
            0 => Err(DurationError::Zero),
            m if m > MAX_MINUTES => Err(DurationError::TooLong),
            m => Ok(MeetingDuration(m)),
        }
    }

    /// Reads `45m`, `1h`, `1h30m`, `1h 30m`, `90min`, `2 hours` (case-insensitive).
    pub fn parse(text: &str) -> Result<Self, DurationError> {
        let text = text.trim().to_ascii_lowercase();
        if text.is_empty() {
            return Err(DurationError::Format);
        }
        let mut total: u64 = 0;
        let mut rest = text.as_str();
        let mut seen_hours = false;
        let mut seen_minutes = false;
        while !rest.is_empty() {
            let digits_end = rest
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(rest.len());
            if digits_end == 0 || digits_end > 5 {
                return Err(DurationError::Format);
            }
            let n: u64 = rest[..digits_end]
                .parse()
                .map_err(|_| DurationError::Format)?;
            rest = rest[digits_end..].trim_start();
            let unit_end = rest
                .find(|c: char| !c.is_ascii_alphabetic())
                .unwrap_or(rest.len());
            let unit = &rest[..unit_end];
            rest = rest[unit_end..].trim_start();
            match unit {
                "h" | "hr" | "hrs" | "hour" | "hours" if !seen_hours && !seen_minutes => {
                    seen_hours = true;
                    total += n * 60;
                }
                "m" | "min" | "mins" | "minute" | "minutes" if !seen_minutes => {
                    seen_minutes = true;
                    total += n;
                }
                _ => return Err(DurationError::Format),
            }
        }
        let minutes = u32::try_from(total).map_err(|_| DurationError::TooLong)?;
        Self::from_minutes(minutes)
    }

    /// Whole minutes.
    pub fn minutes(self) -> u32 {
        self.0
    }

    /// As a chrono delta.
    pub fn as_delta(self) -> chrono::TimeDelta {
        chrono::TimeDelta::minutes(i64::from(self.0))
    }
}

impl TryFrom<u32> for MeetingDuration {
    type Error = DurationError;
    fn try_from(m: u32) -> Result<Self, Self::Error> {
        Self::from_minutes(m)
    }
}

impl From<MeetingDuration> for u32 {
    fn from(d: MeetingDuration) -> u32 {
        d.0
    }
}

impl fmt::Display for MeetingDuration {
    /// `45m`, `1h`, `1h30m`: the same form [`MeetingDuration::parse`] reads.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (h, m) = (self.0 / 60, self.0 % 60);
        match (h, m) {
            (0, m) => write!(f, "{m}m"),
            (h, 0) => write!(f, "{h}h"),
            (h, m) => write!(f, "{h}h{m}m"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_common_forms() {
        let cases = [
            ("45m", 45),
            ("1h", 60),
            ("1h30m", 90),
            ("1h 30m", 90),
            ("1H30M", 90),
            ("90min", 90),
            ("2 hours", 120),
            ("24h", 1440),
            ("0h5m", 5),
        ];
        for (text, minutes) in cases {
            assert_eq!(
                MeetingDuration::parse(text).map(|d| d.minutes()),
                Ok(minutes),
                "{text}"
            );
        }
    }

    #[test]
    fn refuses_unclear_or_out_of_range() {
        let cases = [
            ("", DurationError::Format),
            ("90", DurationError::Format),
            ("1.5h", DurationError::Format),
            ("30m1h", DurationError::Format),
            ("1h1h", DurationError::Format),
            ("-5m", DurationError::Format),
            ("1d", DurationError::Format),
            ("0m", DurationError::Zero),
            ("24h1m", DurationError::TooLong),
            ("99999h", DurationError::TooLong),
        ];
        for (text, want) in cases {
            assert_eq!(MeetingDuration::parse(text), Err(want), "{text}");
        }
    }

    #[test]
    fn display_parses_back() {
        for m in 1..=MAX_MINUTES {
            let d = MeetingDuration::from_minutes(m).unwrap();
            assert_eq!(MeetingDuration::parse(&d.to_string()), Ok(d));
        }
    }
}

//! Meeting IDs: ten decimal digits, shown 4-2-4 (`0123 45 6789`).

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::entropy::{Entropy, EntropyError, uniform_below};

const SPACE: u64 = 10_000_000_000;

/// A 10-digit meeting ID. Leading zeros are significant.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MeetingId(u64);

/// Why a meeting ID could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("a meeting ID has 10 digits; this has {0}")]
    WrongLength(usize),
    #[error(
        "a meeting ID is 10 digits, optionally grouped with spaces or dashes; {0:?} is not allowed"
    )]
    BadCharacter(char),
    #[error("a meeting ID is required")]
    Empty,
}

/// Why no fresh ID could be drawn.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GenerateError {
    /// Every draw hit an ID already in use; with 10^10 IDs this means the check is broken.
    #[error("no unused meeting ID was found after {0} draws")]
    Exhausted(u32),
    #[error(transparent)]
    Entropy(#[from] EntropyError),
}

impl MeetingId {
    /// Draws IDs uniformly from all 10^10 until one is not `taken`.
    pub fn generate(
        entropy: &mut dyn Entropy,
        mut taken: impl FnMut(MeetingId) -> bool,
    ) -> Result<MeetingId, GenerateError> {
        const MAX_DRAWS: u32 = 64;
        for _ in 0..MAX_DRAWS {
            let id = MeetingId(uniform_below(entropy, SPACE)?);
            if !taken(id) {
                return Ok(id);
            }
        }
        Err(GenerateError::Exhausted(MAX_DRAWS))
    }

    /// Reads an ID written with any common grouping: `0123456789`, `0123 45 6789`,
    /// `0123-45-6789`, `012-345-6789`.
    pub fn parse(text: &str) -> Result<MeetingId, IdError> {
        let mut value = 0u64;
        let mut digits = 0usize;
        for c in text.trim().chars() {
            match c {
                '0'..='9' => {
                    digits += 1;
                    if digits <= 10 {
                        value = value * 10 + u64::from(c as u8 - b'0');
                    }
                }
                ' ' | '-' | '\u{a0}' | '.' => {}
                other => return Err(IdError::BadCharacter(other)),
            }
        }
        match digits {
            0 => Err(IdError::Empty),
            10 => Ok(MeetingId(value)),
            n => Err(IdError::WrongLength(n)),
        }
    }

    /// The bare ten digits, as used in links and dial strings.
    pub fn digits(self) -> String {
        format!("{:010}", self.0)
    }

    /// The ID grouped 4-2-4 for people: `0123 45 6789`.
    pub fn grouped(self) -> String {
        let d = self.digits();
        format!("{} {} {}", &d[0..4], &d[4..6], &d[6..10])
    }
}

impl fmt::Display for MeetingId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.grouped())
    }
}

impl fmt::Debug for MeetingId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MeetingId({})", self.digits())
    }
}

impl std::str::FromStr for MeetingId {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        MeetingId::parse(s)
    }
}

impl Serialize for MeetingId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.digits())
    }
}

impl<'de> Deserialize<'de> for MeetingId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        MeetingId::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entropy::{Replay, SplitMix64};

    #[test]
    fn parses_common_groupings() {
        for text in [
            "0123456789",
            "0123 45 6789",
            "0123-45-6789",
            "012-345-6789",
            " 0123 456 789 ",
            "0123\u{a0}45\u{a0}6789",
        ] {
            assert_eq!(
                MeetingId::parse(text).unwrap().digits(),
                "0123456789",
                "{text}"
            );
        }
    }

    #[test]
    fn rejects_bad_ids_with_a_reason() {
        let cases: &[(&str, IdError)] = &[
            ("", IdError::Empty),
            ("  - ", IdError::Empty),
            ("012345678", IdError::WrongLength(9)),
            ("01234567890", IdError::WrongLength(11)),
            ("0123x56789", IdError::BadCharacter('x')),
            ("+0123456789", IdError::BadCharacter('+')),
            ("０１２３４５６７８９", IdError::BadCharacter('０')),
        ];
        for (text, want) in cases {
            assert_eq!(MeetingId::parse(text).unwrap_err(), *want, "{text:?}");
        }
    }

    #[test]
    fn displays_four_two_four_with_leading_zeros() {
        let id = MeetingId::parse("0000000042").unwrap();
        assert_eq!(id.grouped(), "0000 00 0042");
        assert_eq!(id.digits(), "0000000042");
        assert_eq!(id.to_string(), "0000 00 0042");
    }

    #[test]
    fn generation_skips_taken_ids() {
        // Draws 5 and 5 again are taken; 7 is free.
        let mut e = Replay::new(vec![5, 5, 7]);
        let taken = MeetingId(5);
        let id = MeetingId::generate(&mut e, |id| id == taken).unwrap();
        assert_eq!(id, MeetingId(7));
    }

    #[test]
    fn generation_gives_up_when_everything_is_taken() {
        let mut e = SplitMix64(1);
        assert_eq!(
            MeetingId::generate(&mut e, |_| true),
            Err(GenerateError::Exhausted(64))
        );
    }

    #[test]
    fn generated_ids_cover_all_ten_digit_positions() {
        let mut e = SplitMix64(99);
        let mut seen_leading = [false; 10];
        for _ in 0..1000 {
            let id = MeetingId::generate(&mut e, |_| false).unwrap();
            assert!(id.0 < SPACE);
            seen_leading[usize::from(id.digits().as_bytes()[0] - b'0')] = true;
        }
        assert!(
            seen_leading.iter().all(|s| *s),
            "leading digit never varies: {seen_leading:?}"
        );
    }

    #[test]
    fn serde_uses_bare_digits() {
        let id = MeetingId::parse("0123 45 6789").unwrap();
        assert_eq!(serde_json::to_string(&id).unwrap(), "\"0123456789\"");
        let back: MeetingId = serde_json::from_str("\"0123-45-6789\"").unwrap();
        assert_eq!(back, id);
        assert!(serde_json::from_str::<MeetingId>("\"12\"").is_err());
    }
}

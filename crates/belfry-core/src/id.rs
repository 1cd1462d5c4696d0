//! Meeting IDs: Chime's ten decimal digits, shown 4-2-4 (`0123 45 6789`), or a room name
//! (`k3v7qxw2m4tz9fa5`) for services whose links name a room.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::entropy::{Entropy, EntropyError, uniform_below};

const SPACE: u64 = 10_000_000_000;

/// The longest room name.
pub const MAX_ROOM: usize = 48;
/// The length of a fresh room name: 16 characters of 32 each, 80 bits from the CSPRNG.
pub const FRESH_ROOM_LEN: usize = 16;
const ROOM_ALPHABET: &[u8; 32] = b"abcdefghijkmnpqrstuvwxyz23456789";

/// A meeting's identifier: 10 digits (leading zeros significant) or a room name. Small and
/// `Copy`, like the number it mostly is.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MeetingId(Repr);

#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Repr {
    Digits(u64),
    Room { len: u8, bytes: [u8; MAX_ROOM] },
}

/// Why a meeting ID could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    /// Not 10 digits (how many there are).
    #[error("a meeting ID has 10 digits; this has {0}")]
    WrongLength(usize),
    /// A character that is neither a digit nor a separator.
    #[error(
        "a meeting ID is 10 digits, optionally grouped with spaces or dashes; {0:?} is not allowed"
    )]
    BadCharacter(char),
    /// Nothing given.
    #[error("a meeting ID is required")]
    Empty,
    /// Not a valid room name.
    #[error(
        "a room name has 3 to {MAX_ROOM} letters, digits, dashes or underscores, and not only digits"
    )]
    BadRoom,
}

/// Why no fresh ID could be drawn.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GenerateError {
    /// Every draw hit an ID already in use; with 10^10 IDs this means the check is broken.
    #[error("no unused meeting ID was found after {0} draws")]
    Exhausted(u32),
    /// No randomness could be had.
    #[error(transparent)]
    Entropy(#[from] EntropyError),
}

const MAX_DRAWS: u32 = 64;

impl MeetingId {
    /// Draws IDs uniformly from all 10^10 until one is not `taken`.
    pub fn generate(
        entropy: &mut dyn Entropy,
        mut taken: impl FnMut(MeetingId) -> bool,
    ) -> Result<MeetingId, GenerateError> {
        for _ in 0..MAX_DRAWS {
            let id = MeetingId(Repr::Digits(uniform_below(entropy, SPACE)?));
            if !taken(id) {
                return Ok(id);
            }
        }
        Err(GenerateError::Exhausted(MAX_DRAWS))
    }

    /// Draws room names of [`FRESH_ROOM_LEN`] characters (80 bits, no look-alike letters)
    /// until one is not `taken`.
    pub fn generate_room(
        entropy: &mut dyn Entropy,
        mut taken: impl FnMut(MeetingId) -> bool,
    ) -> Result<MeetingId, GenerateError> {
        for _ in 0..MAX_DRAWS {
            let mut bytes = [0u8; MAX_ROOM];
            for b in bytes.iter_mut().take(FRESH_ROOM_LEN) {
                let i = uniform_below(entropy, 32)?;
                *b = ROOM_ALPHABET[usize::try_from(i).unwrap_or(0) % 32];
            }
            let id = MeetingId(Repr::Room {
                len: FRESH_ROOM_LEN as u8,
                bytes,
            });
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
            10 => Ok(MeetingId(Repr::Digits(value))),
            n => Err(IdError::WrongLength(n)),
        }
    }

    /// Reads a room name: 3 to [`MAX_ROOM`] ASCII letters, digits, `-` or `_`, not only
    /// digits (those are meeting numbers).
    pub fn parse_room(text: &str) -> Result<MeetingId, IdError> {
        let text = text.trim();
        let ok = (3..=MAX_ROOM).contains(&text.len())
            && text
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            && !text.bytes().all(|b| b.is_ascii_digit())
            // Nothing that reads as a meeting number (`0123-45-6789`).
            && MeetingId::parse(text).is_err();
        if !ok {
            return Err(IdError::BadRoom);
        }
        let mut bytes = [0u8; MAX_ROOM];
        bytes[..text.len()].copy_from_slice(text.as_bytes());
        Ok(MeetingId(Repr::Room {
            len: u8::try_from(text.len()).unwrap_or(0),
            bytes,
        }))
    }

    /// Reads either kind: ten digits (in any common grouping) or, failing that, a room name.
    /// Which one a provider takes is its own rule ([`crate::Provider::parse_id`]).
    pub fn read(text: &str) -> Result<MeetingId, IdError> {
        MeetingId::parse(text).or_else(|digits| {
            MeetingId::parse_room(text).map_err(|room| match digits {
                // Mostly digits: the digit error says more.
                IdError::WrongLength(n)
                    if n > 0
                        && text
                            .trim()
                            .bytes()
                            .all(|b| b.is_ascii_digit() || b" -.".contains(&b)) =>
                {
                    IdError::WrongLength(n)
                }
                _ => room,
            })
        })
    }

    /// Whether this is a room name rather than a meeting number.
    pub fn is_room(self) -> bool {
        matches!(self.0, Repr::Room { .. })
    }

    /// The identifier as links and dial strings use it: the bare ten digits, or the room name.
    pub fn code(self) -> String {
        match self.0 {
            Repr::Digits(n) => format!("{n:010}"),
            Repr::Room { len, bytes } => {
                String::from_utf8_lossy(&bytes[..usize::from(len)]).into_owned()
            }
        }
    }

    /// The ID for people: digits grouped 4-2-4 (`0123 45 6789`), a room name as it is.
    pub fn grouped(self) -> String {
        match self.0 {
            Repr::Digits(_) => {
                let d = self.code();
                format!("{} {} {}", &d[0..4], &d[4..6], &d[6..10])
            }
            Repr::Room { .. } => self.code(),
        }
    }
}

impl fmt::Display for MeetingId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.grouped())
    }
}

impl fmt::Debug for MeetingId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MeetingId({})", self.code())
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
        s.serialize_str(&self.code())
    }
}

impl<'de> Deserialize<'de> for MeetingId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        MeetingId::read(&s).map_err(serde::de::Error::custom)
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
                MeetingId::parse(text).unwrap().code(),
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
        assert_eq!(id.code(), "0000000042");
        assert_eq!(id.to_string(), "0000 00 0042");
    }

    #[test]
    fn generation_skips_taken_ids() {
        // Draws 5 and 5 again are taken; 7 is free.
        let mut e = Replay::new(vec![5, 5, 7]);
        let taken = MeetingId(Repr::Digits(5));
        let id = MeetingId::generate(&mut e, |id| id == taken).unwrap();
        assert_eq!(id, MeetingId(Repr::Digits(7)));
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
            assert!(matches!(id.0, Repr::Digits(n) if n < SPACE));
            seen_leading[usize::from(id.code().as_bytes()[0] - b'0')] = true;
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
        let room = MeetingId::parse_room("physics-101").unwrap();
        let json = serde_json::to_string(&room).unwrap();
        assert_eq!(json, "\"physics-101\"");
        assert_eq!(serde_json::from_str::<MeetingId>(&json).unwrap(), room);
    }

    #[test]
    fn room_names_are_checked() {
        for ok in ["abc", "Physics-101_a", &"r".repeat(MAX_ROOM)] {
            assert_eq!(MeetingId::parse_room(ok).unwrap().code(), ok);
        }
        for bad in [
            "ab",
            "0123456789",
            "0123-45-6789",
            "a b c",
            "../x",
            "é-room",
            &"r".repeat(MAX_ROOM + 1),
        ] {
            assert_eq!(MeetingId::parse_room(bad), Err(IdError::BadRoom), "{bad:?}");
        }
    }

    #[test]
    fn fresh_rooms_are_80_bits_and_distinct_over_100000_draws() {
        let mut e = SplitMix64(2027);
        let mut seen = std::collections::HashSet::new();
        for _ in 0..100_000 {
            let id = MeetingId::generate_room(&mut e, |id| seen.contains(&id)).unwrap();
            assert!(id.is_room());
            let code = id.code();
            assert_eq!(code.len(), FRESH_ROOM_LEN);
            assert!(code.bytes().all(|b| ROOM_ALPHABET.contains(&b)), "{code}");
            assert!(seen.insert(id));
        }
        // 16 characters of an alphabet of 32: 80 bits.
        assert_eq!(FRESH_ROOM_LEN * 5, 80);
        assert_eq!(
            ROOM_ALPHABET
                .iter()
                .collect::<std::collections::HashSet<_>>()
                .len(),
            32
        );
    }

    #[test]
    fn a_room_already_taken_is_drawn_again() {
        let mut e = SplitMix64(5);
        let first = MeetingId::generate_room(&mut e.clone(), |_| false).unwrap();
        let next = MeetingId::generate_room(&mut e, |id| id == first).unwrap();
        assert_ne!(next, first);
    }
}

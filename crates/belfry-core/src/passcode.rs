//! Moderator passcodes: 4 to 8 digits, never shown to attendees.

use std::fmt;

use crate::entropy::{Entropy, EntropyError, uniform_below};

/// The shortest passcode Chime accepts.
pub const MIN_LEN: usize = 4;
/// The longest passcode Chime accepts, and the length Belfry draws.
pub const MAX_LEN: usize = 8;

/// A moderator passcode. `Debug` is redacted and there is deliberately no `Serialize`: the
/// value leaves only through [`Passcode::expose`], to the moderator and to the keyring.
#[derive(Clone, PartialEq, Eq)]
pub struct Passcode(String);

/// Why a passcode was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasscodeError {
    /// Too few or too many digits (how many there are).
    #[error("a moderator passcode is {MIN_LEN} to {MAX_LEN} digits; this has {0}")]
    WrongLength(usize),
    /// Something other than digits.
    #[error("a moderator passcode is digits only")]
    NotDigits,
}

impl Passcode {
    /// Draws an 8-digit passcode, each digit uniform.
    pub fn generate(entropy: &mut dyn Entropy) -> Result<Passcode, EntropyError> {
        let mut digits = String::with_capacity(MAX_LEN);
        for _ in 0..MAX_LEN {
            let d = uniform_below(entropy, 10)?;
            digits.push(char::from_digit(d as u32, 10).unwrap_or('0'));
        }
        Ok(Passcode(digits))
    }

    /// Checks a passcode the user chose. Spaces around it are ignored.
    pub fn parse(text: &str) -> Result<Passcode, PasscodeError> {
        let text = text.trim();
        if !text.chars().all(|c| c.is_ascii_digit()) {
            return Err(PasscodeError::NotDigits);
        }
        if !(MIN_LEN..=MAX_LEN).contains(&text.len()) {
            return Err(PasscodeError::WrongLength(text.len()));
        }
        Ok(Passcode(text.to_owned()))
    }

    /// The digits, for the moderator info and the keyring only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Passcode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Passcode(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entropy::SplitMix64;

    #[test]
    fn generated_passcodes_are_eight_digits() {
        let mut e = SplitMix64(3);
        for _ in 0..200 {
            let p = Passcode::generate(&mut e).unwrap();
            assert_eq!(p.expose().len(), 8);
            assert!(p.expose().chars().all(|c| c.is_ascii_digit()));
        }
    }

    #[test]
    fn user_passcodes_are_validated() {
        assert_eq!(Passcode::parse(" 1234 ").unwrap().expose(), "1234");
        assert_eq!(Passcode::parse("12345678").unwrap().expose(), "12345678");
        assert_eq!(Passcode::parse("123"), Err(PasscodeError::WrongLength(3)));
        assert_eq!(
            Passcode::parse("123456789"),
            Err(PasscodeError::WrongLength(9))
        );
        assert_eq!(Passcode::parse("12a4"), Err(PasscodeError::NotDigits));
        assert_eq!(Passcode::parse("12 34"), Err(PasscodeError::NotDigits));
        assert_eq!(Passcode::parse("١٢٣٤"), Err(PasscodeError::NotDigits));
    }

    #[test]
    fn debug_never_shows_the_digits() {
        let p = Passcode::parse("90210").unwrap();
        assert!(!format!("{p:?}").contains("90210"));
    }
}

//! Attendee and organizer addresses, checked before they reach an invitation or a header.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A checked email address (`local@domain`). Stored as typed, minus surrounding spaces.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EmailAddress(String);

/// Why an address was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    /// Nothing given.
    #[error("an email address is required")]
    Empty,
    /// No `@`.
    #[error("{0:?} has no @: write it as name@example.com")]
    NoAt(String),
    /// Longer than 254 characters.
    #[error("{0:?} is longer than the 254 characters an address may have")]
    TooLong(String),
    /// More than 64 characters before the `@`.
    #[error("{0:?} has more than 64 characters before the @")]
    LocalTooLong(String),
    /// A space or a control character.
    #[error("{0:?} contains a space or control character")]
    Whitespace(String),
    /// A character not allowed before the `@`.
    #[error("{0:?} has a character that is not allowed before the @")]
    BadLocal(String),
    /// No valid domain after the `@`.
    #[error("{0:?} has no valid domain after the @ (like example.com)")]
    BadDomain(String),
}

impl EmailAddress {
    /// Checks an address. Accepts the common `local@domain.tld` forms (dots, plus tags,
    /// international domain names); refuses anything that could break a header line.
    pub fn parse(text: &str) -> Result<EmailAddress, EmailError> {
        let text = text.trim();
        let owned = || crate::limits::excerpt(text, crate::limits::MAX_ECHO_BYTES);
        if text.is_empty() {
            return Err(EmailError::Empty);
        }
        if text.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(EmailError::Whitespace(owned()));
        }
        if text.len() > 254 {
            return Err(EmailError::TooLong(owned()));
        }
        let Some((local, domain)) = text.rsplit_once('@') else {
            return Err(EmailError::NoAt(owned()));
        };
        if local.len() > 64 {
            return Err(EmailError::LocalTooLong(owned()));
        }
        let local_ok = !local.is_empty()
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..")
            && local
                .chars()
                .all(|c| c.is_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c));
        if !local_ok {
            return Err(EmailError::BadLocal(owned()));
        }
        let labels: Vec<&str> = domain.split('.').collect();
        let domain_ok = labels.len() >= 2
            && labels.iter().all(|l| {
                !l.is_empty()
                    && l.len() <= 63
                    && !l.starts_with('-')
                    && !l.ends_with('-')
                    && l.chars().all(|c| c.is_alphanumeric() || c == '-')
            })
            && labels
                .last()
                .is_some_and(|tld| !tld.chars().all(|c| c.is_ascii_digit()));
        if !domain_ok {
            return Err(EmailError::BadDomain(owned()));
        }
        Ok(EmailAddress(text.to_owned()))
    }

    /// The address as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Case-insensitive comparison key (domains are case-insensitive, and in practice so are
    /// the local parts of the providers Belfry talks to).
    pub fn key(&self) -> String {
        self.0.to_lowercase()
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EmailAddress({})", self.0)
    }
}

impl Serialize for EmailAddress {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for EmailAddress {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        EmailAddress::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_ordinary_addresses() {
        for ok in [
            "ana@example.com",
            "  ana@example.com ",
            "first.last+class@sub.example.co.uk",
            "pin+0123456789@chime.aws",
            "o'brien@example.ie",
            "josé@exämple.de",
        ] {
            assert!(EmailAddress::parse(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn an_error_repeats_only_the_start_of_a_long_input() {
        let huge = format!("{}@", "x".repeat(100_000));
        let message = EmailAddress::parse(&huge).unwrap_err().to_string();
        assert!(message.len() < 200, "{} bytes", message.len());
        assert!(message.contains("xxxx…"), "{message}");
    }

    type Check = fn(&EmailError) -> bool;

    #[test]
    fn refuses_what_could_break_a_header() {
        let long_local = format!("{}@example.com", "a".repeat(65));
        let long_total = format!("a@{}.com", "b.".repeat(130));
        let cases: Vec<(&str, Check)> = vec![
            ("", |e| matches!(e, EmailError::Empty)),
            ("ana", |e| matches!(e, EmailError::NoAt(_))),
            ("ana@example.com\r\nBCC:x@y.z", |e| {
                matches!(e, EmailError::Whitespace(_))
            }),
            ("ana@exa\0mple.com", |e| {
                matches!(e, EmailError::Whitespace(_))
            }),
            ("a b@example.com", |e| {
                matches!(e, EmailError::Whitespace(_))
            }),
            (&long_local, |e| matches!(e, EmailError::LocalTooLong(_))),
            (&long_total, |e| matches!(e, EmailError::TooLong(_))),
            ("@example.com", |e| matches!(e, EmailError::BadLocal(_))),
            (".ana@example.com", |e| matches!(e, EmailError::BadLocal(_))),
            ("a..b@example.com", |e| matches!(e, EmailError::BadLocal(_))),
            ("a\"b@example.com", |e| matches!(e, EmailError::BadLocal(_))),
            ("a;b@example.com", |e| matches!(e, EmailError::BadLocal(_))),
            ("ana@", |e| matches!(e, EmailError::BadDomain(_))),
            ("ana@localhost", |e| matches!(e, EmailError::BadDomain(_))),
            ("ana@-x.com", |e| matches!(e, EmailError::BadDomain(_))),
            ("ana@x..com", |e| matches!(e, EmailError::BadDomain(_))),
            ("ana@1.2.3.4", |e| matches!(e, EmailError::BadDomain(_))),
            ("ana@exa:mple.com", |e| {
                matches!(e, EmailError::BadDomain(_))
            }),
        ];
        for (text, check) in cases {
            let err = EmailAddress::parse(text).unwrap_err();
            assert!(check(&err), "{text:?} gave {err:?}");
        }
    }
}

/// How the connection to the submission server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum MailSecurity {
    /// Plain connection upgraded with STARTTLS before anything is said (port 587).
    #[default]
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
    /// No encryption: only to a server on this machine (a local relay).
    None,
}

impl MailSecurity {
    /// Every choice, in the order the front ends offer them.
    pub const ALL: [MailSecurity; 3] = [
        MailSecurity::Starttls,
        MailSecurity::Tls,
        MailSecurity::None,
    ];

    /// The stable name (`starttls`, `tls`, `none`).
    pub fn as_str(self) -> &'static str {
        match self {
            MailSecurity::Starttls => "starttls",
            MailSecurity::Tls => "tls",
            MailSecurity::None => "none",
        }
    }

    /// The security with this stable name (any case), if any.
    pub fn from_name(name: &str) -> Option<MailSecurity> {
        MailSecurity::ALL
            .into_iter()
            .find(|s| s.as_str().eq_ignore_ascii_case(name.trim()))
    }

    /// The port a server usually listens on for this kind of submission.
    pub fn default_port(self) -> u16 {
        match self {
            MailSecurity::Starttls => 587,
            MailSecurity::Tls => 465,
            MailSecurity::None => 25,
        }
    }
}

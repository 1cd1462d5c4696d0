//! The meeting provider's profile: join links, scheduling addresses, dial-in numbers and
//! room-system details. Chime's lives in `data/chime.toml`; nothing Chime-specific is
//! written anywhere else in Belfry's engine.

use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

use crate::email::EmailAddress;
use crate::id::MeetingId;

/// One dial-in number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DialNumber {
    pub number: String,
    /// `toll-free` or `toll`.
    pub kind: String,
}

/// A country's dial-in numbers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Country {
    /// ISO 3166 alpha-2 code, upper case.
    pub code: String,
    pub name: String,
    pub numbers: Vec<DialNumber>,
}

/// A provider profile. Patterns hold `{id}` where the bare 10-digit meeting ID goes.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Provider {
    pub name: String,
    join_url: String,
    scheduler_address: String,
    pin_address: String,
    one_click: String,
    pub international_url: String,
    sip: String,
    pub h323: Vec<String>,
    pub mute_code: String,
    pub default_countries: Vec<String>,
    pub service_status: String,
    pub countries: Vec<Country>,
}

/// A country code the provider has no numbers for.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("no dial-in numbers are known for {code:?}; known: {known}")]
pub struct UnknownCountry {
    pub code: String,
    pub known: String,
}

static CHIME: LazyLock<Provider> = LazyLock::new(|| {
    // The profile is compiled in and parsed by a unit test, so this cannot fail at run time.
    #[allow(clippy::expect_used)]
    toml::from_str(include_str!("../data/chime.toml")).expect("data/chime.toml is valid")
});

impl Provider {
    /// The Amazon Chime profile.
    pub fn chime() -> &'static Provider {
        &CHIME
    }

    fn fill(pattern: &str, id: MeetingId) -> String {
        pattern.replace("{id}", &id.digits())
    }

    /// `https://chime.aws/0123456789`
    pub fn join_url(&self, id: MeetingId) -> String {
        Self::fill(&self.join_url, id)
    }

    /// `+12064625569,,0123456789#`: dials straight in from a phone; also the event location.
    pub fn one_click(&self, id: MeetingId) -> String {
        Self::fill(&self.one_click, id)
    }

    /// `0123456789@meet.chime.in`
    pub fn sip(&self, id: MeetingId) -> String {
        Self::fill(&self.sip, id)
    }

    /// The address that makes the service start the meeting and call attendees.
    pub fn scheduler_address(&self) -> Option<EmailAddress> {
        EmailAddress::parse(&self.scheduler_address).ok()
    }

    /// The address that ties a calendar event to a meeting ID.
    pub fn pin_address(&self, id: MeetingId) -> Option<EmailAddress> {
        EmailAddress::parse(&Self::fill(&self.pin_address, id)).ok()
    }

    /// Whether `address` is one of the provider's scheduling addresses, for any ID.
    pub fn is_provider_address(&self, address: &EmailAddress) -> bool {
        let key = address.key();
        let (prefix, suffix) = self.pin_address.split_once("{id}").unwrap_or(("", ""));
        key == self.scheduler_address.to_lowercase()
            || (key.starts_with(prefix) && key.ends_with(suffix))
    }

    /// The country with this code (case-insensitive).
    pub fn country(&self, code: &str) -> Result<&Country, UnknownCountry> {
        let code = code.trim();
        self.countries
            .iter()
            .find(|c| c.code.eq_ignore_ascii_case(code))
            .ok_or_else(|| UnknownCountry {
                code: crate::limits::excerpt(code, crate::limits::MAX_ECHO_BYTES),
                known: self
                    .countries
                    .iter()
                    .map(|c| c.code.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chime_profile_parses_and_fills_ids() {
        let p = Provider::chime();
        let id = MeetingId::parse("0123456789").unwrap();
        assert_eq!(p.join_url(id), "https://chime.aws/0123456789");
        assert_eq!(p.one_click(id), "+12064625569,,0123456789#");
        assert_eq!(p.sip(id), "0123456789@meet.chime.in");
        assert_eq!(p.scheduler_address().unwrap().as_str(), "meet@chime.aws");
        assert_eq!(
            p.pin_address(id).unwrap().as_str(),
            "pin+0123456789@chime.aws"
        );
        assert_eq!(p.country("us").unwrap().numbers.len(), 3);
        assert!(p.service_status.contains("20 February 2026"));
        for code in &p.default_countries {
            assert!(
                p.country(code).is_ok(),
                "default country {code} has no numbers"
            );
        }
    }

    #[test]
    fn recognises_its_own_addresses() {
        let p = Provider::chime();
        let yes = [
            "meet@chime.aws",
            "MEET@Chime.aws",
            "pin+9999999999@chime.aws",
        ];
        let no = [
            "meet@chime.aws.evil.com",
            "ana@chime.aws",
            "pin+1@example.com",
        ];
        for a in yes {
            assert!(
                p.is_provider_address(&EmailAddress::parse(a).unwrap()),
                "{a}"
            );
        }
        for a in no {
            assert!(
                !p.is_provider_address(&EmailAddress::parse(a).unwrap()),
                "{a}"
            );
        }
    }

    #[test]
    fn unknown_country_lists_known_ones() {
        let err = Provider::chime().country("XX").unwrap_err();
        assert_eq!(
            err.to_string(),
            "no dial-in numbers are known for \"XX\"; known: US"
        );
    }
}

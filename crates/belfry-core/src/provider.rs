//! Meeting provider profiles: join links, how a fresh meeting identifier is drawn,
//! scheduling addresses, dial-in numbers and room-system details, and which invitation
//! template a profile starts from. The built-in ones live in `data/*.toml`; a user's own are
//! files of the same shape (`docs/providers.md`). The engine renders from the profile it is
//! given; what stays Chime's alone is its template (`templates/invitation.txt.j2`) and the
//! Chime administration (`belfry-chime`).

use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

use crate::email::EmailAddress;
use crate::id::MeetingId;

/// One dial-in number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DialNumber {
    /// The number to dial.
    pub number: String,
    /// `toll-free` or `toll`.
    pub kind: String,
}

/// A country's dial-in numbers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Country {
    /// ISO 3166 alpha-2 code, upper case.
    pub code: String,
    /// The country's name.
    pub name: String,
    /// Its dial-in numbers.
    pub numbers: Vec<DialNumber>,
}

/// How a profile's meetings are identified.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum IdKind {
    /// Ten digits, shown 4-2-4 (Amazon Chime).
    #[default]
    Digits,
    /// A room name: a fresh one of 80 bits per meeting (Jitsi Meet).
    Room,
    /// One fixed link for every meeting (a personal room): no identifier of its own.
    Fixed,
}

/// A provider profile. Patterns hold `{id}` where the meeting's identifier goes (the bare
/// digits, or the room name). Everything but the key, the name and the join link is optional.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Provider {
    /// The stable key meetings record (`chime`, `jitsi`): lower-case letters, digits, `-`.
    pub key: String,
    /// What the window and the invitation call it.
    pub name: String,
    join_url: String,
    /// How its meetings are identified.
    #[serde(default)]
    pub ids: IdKind,
    /// Whether a moderator code (kept in the keyring, never sent to attendees) applies.
    #[serde(default)]
    pub moderator: bool,
    #[serde(default)]
    scheduler_address: String,
    #[serde(default)]
    pin_address: String,
    #[serde(default)]
    one_click: String,
    /// The link to the international dial-in numbers.
    #[serde(default)]
    pub international_url: String,
    #[serde(default)]
    sip: String,
    /// The H.323 addresses room video systems call.
    #[serde(default)]
    pub h323: Vec<String>,
    /// What to press on the phone to mute or unmute.
    #[serde(default)]
    pub mute_code: String,
    /// The countries whose numbers are shown when none of the user's default countries is
    /// among `countries`.
    #[serde(default)]
    pub default_countries: Vec<String>,
    /// What the profile does (and, for Chime, that the service has ended).
    #[serde(default)]
    pub service_status: String,
    /// Dial-in numbers per country.
    #[serde(default)]
    pub countries: Vec<Country>,
    /// Dial-in lines written as they are (a personal room's numbers, copied from the
    /// service), for profiles without `countries`.
    #[serde(default)]
    pub dial_lines: Vec<String>,
    /// The passcode attendees type to join (a personal room's): it goes into every
    /// invitation, so it is not a secret Belfry keeps.
    #[serde(default)]
    pub passcode: String,
}

/// A country code the provider has no numbers for.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("no dial-in numbers are known for {code:?}; known: {known}")]
pub struct UnknownCountry {
    /// The code asked for, as an excerpt.
    pub code: String,
    /// The codes the provider has, comma-separated.
    pub known: String,
}

/// A profile that cannot be used: where, which field, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{source_name}: {message}")]
pub struct ProfileError {
    /// The file (or the built-in profile) it came from.
    pub source_name: String,
    /// The field and what is wrong with it, or the TOML error with its line.
    pub message: String,
}

/// The largest profile file read.
pub const MAX_PROFILE_BYTES: usize = 64 * 1024;

fn builtin(name: &str, text: &str) -> Provider {
    // Compiled in and checked by a unit test, so this cannot fail at run time.
    #[allow(clippy::expect_used)]
    Provider::from_toml(name, text).expect("built-in provider profiles are valid")
}

static CHIME: LazyLock<Provider> =
    LazyLock::new(|| builtin("data/chime.toml", include_str!("../data/chime.toml")));
static JITSI: LazyLock<Provider> =
    LazyLock::new(|| builtin("data/jitsi.toml", include_str!("../data/jitsi.toml")));

/// The template every profile but Chime starts from.
pub const GENERIC_TEMPLATE: &str = include_str!("../templates/generic.txt.j2");

impl Provider {
    /// The Amazon Chime profile.
    pub fn chime() -> &'static Provider {
        &CHIME
    }

    /// The Jitsi Meet profile (meet.jit.si; a fresh room per meeting, no account needed).
    pub fn jitsi() -> &'static Provider {
        &JITSI
    }

    /// The built-in profiles, Chime first.
    pub fn builtins() -> [&'static Provider; 2] {
        [Provider::chime(), Provider::jitsi()]
    }

    /// A personal room: one fixed link for every meeting (a Zoom, Webex or Teams personal
    /// room, a BigBlueButton room), with the passcode and dial-in lines the service gave, if
    /// any; checked like any profile.
    pub fn personal_room(
        link: &str,
        passcode: &str,
        dial_lines: &[String],
    ) -> Result<Provider, ProfileError> {
        let profile = Provider {
            key: "personal-room".into(),
            name: "Personal room".into(),
            join_url: link.trim().to_owned(),
            ids: IdKind::Fixed,
            moderator: false,
            scheduler_address: String::new(),
            pin_address: String::new(),
            one_click: String::new(),
            international_url: String::new(),
            sip: String::new(),
            h323: Vec::new(),
            mute_code: String::new(),
            default_countries: Vec::new(),
            service_status: "Your own meeting room: every meeting uses the same link. Belfry \
                             does not create meetings on that service; you open the room \
                             from your account there."
                .into(),
            countries: Vec::new(),
            dial_lines: dial_lines
                .iter()
                .map(|l| l.trim().to_owned())
                .filter(|l| !l.is_empty())
                .collect(),
            passcode: passcode.trim().to_owned(),
        };
        profile.check().map_err(|message| ProfileError {
            source_name: "the personal room link".into(),
            message,
        })?;
        Ok(profile)
    }

    /// Reads and checks a profile; `source_name` names it in errors (a file path).
    pub fn from_toml(source_name: &str, text: &str) -> Result<Provider, ProfileError> {
        let fail = |message: String| ProfileError {
            source_name: source_name.to_owned(),
            message,
        };
        if text.len() > MAX_PROFILE_BYTES {
            return Err(fail(format!(
                "a profile holds at most {} KiB",
                MAX_PROFILE_BYTES / 1024
            )));
        }
        let profile: Provider =
            toml::from_str(text).map_err(|e| fail(e.to_string().trim_end().to_owned()))?;
        if profile.ids == IdKind::Fixed {
            // One fixed link is the personal room, set by its link in settings.
            return Err(fail(
                "ids: \"fixed\" is the personal room's: set its link in settings instead".into(),
            ));
        }
        profile.check().map_err(fail)?;
        Ok(profile)
    }

    /// The profile as TOML, to keep beside the meetings made with it (see
    /// [`Provider::from_snapshot`]).
    pub fn snapshot(&self) -> String {
        // Every field is a string, a list of strings or a table of them: TOML holds it.
        toml::to_string(self).unwrap_or_default()
    }

    /// Reads back a profile kept with [`Provider::snapshot`] (a personal room's too),
    /// checked like any profile.
    pub fn from_snapshot(source_name: &str, text: &str) -> Result<Provider, ProfileError> {
        let fail = |message: String| ProfileError {
            source_name: source_name.to_owned(),
            message,
        };
        if text.len() > MAX_PROFILE_BYTES {
            return Err(fail("too long".into()));
        }
        let profile: Provider =
            toml::from_str(text).map_err(|e| fail(e.to_string().trim_end().to_owned()))?;
        profile.check().map_err(fail)?;
        Ok(profile)
    }

    /// Every rule a profile must keep, the field named first in the message.
    ///
    /// A user's profile may not take a built-in one's key, the personal room's, or Chime's
    /// scheduling address: the application checks those (`belfry-app`'s `providers.rs`).
    fn check(&self) -> Result<(), String> {
        let key_ok = (2..=32).contains(&self.key.len())
            && self
                .key
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !key_ok {
            return Err("key: 2 to 32 lower-case letters, digits or dashes".into());
        }
        if self.name.trim().is_empty()
            || self.name.chars().count() > 64
            || self.name.chars().any(char::is_control)
        {
            return Err("name: 1 to 64 characters, on one line".into());
        }
        if self.ids != IdKind::Digits
            && (!self.scheduler_address.is_empty() || !self.pin_address.is_empty())
        {
            return Err(
                "scheduler_address: scheduling addresses go with 10-digit meeting IDs only".into(),
            );
        }
        if self.ids != IdKind::Digits
            && (self.one_click.contains("{id}") || self.sip.contains("{id}"))
        {
            return Err(
                "one_click: a room name cannot be dialled: write the number without {id}".into(),
            );
        }
        check_link("join_url", &self.join_url)?;
        let has_id = self.join_url.contains("{id}");
        match (self.ids, has_id) {
            (IdKind::Fixed, true) => {
                return Err("join_url: a fixed link has no {id}".into());
            }
            (IdKind::Digits | IdKind::Room, false) => {
                return Err("join_url: must hold {id}, where the meeting's identifier goes".into());
            }
            _ => {}
        }
        if !self.scheduler_address.is_empty() && self.scheduler_address().is_none() {
            return Err("scheduler_address: not an email address".into());
        }
        if !self.pin_address.is_empty() {
            let sample = self.pin_address.replace("{id}", "0123456789");
            if !self.pin_address.contains("{id}") || EmailAddress::parse(&sample).is_err() {
                return Err("pin_address: an email address holding {id}".into());
            }
        }
        if !self.international_url.is_empty() {
            check_link("international_url", &self.international_url)?;
        }
        let short = |field: &str, v: &str| {
            if v.chars().count() > 200 || v.chars().any(char::is_control) {
                Err(format!("{field}: at most 200 characters, on one line"))
            } else {
                Ok(())
            }
        };
        short("one_click", &self.one_click)?;
        short("sip", &self.sip)?;
        short("mute_code", &self.mute_code)?;
        if self.h323.len() > 8 {
            return Err("h323: at most 8 addresses".into());
        }
        for h in &self.h323 {
            short("h323", h)?;
        }
        if self.service_status.chars().count() > 2_000
            || self
                .service_status
                .chars()
                .any(|c| c.is_control() && c != '\n')
        {
            return Err("service_status: at most 2000 characters of text".into());
        }
        if self.dial_lines.len() > 10 {
            return Err("dial_lines: at most 10 lines".into());
        }
        for l in &self.dial_lines {
            short("dial_lines", l)?;
        }
        if self.passcode.chars().count() > 64 || self.passcode.chars().any(char::is_control) {
            return Err("passcode: at most 64 characters, on one line".into());
        }
        if self.countries.len() > 100 {
            return Err("countries: at most 100".into());
        }
        for c in &self.countries {
            let code_ok = c.code.len() == 2 && c.code.bytes().all(|b| b.is_ascii_uppercase());
            if !code_ok {
                return Err(format!(
                    "countries: {:?} is not a two-letter upper-case code",
                    c.code
                ));
            }
            short("countries.name", &c.name)?;
            if c.numbers.is_empty() || c.numbers.len() > 10 {
                return Err(format!("countries: {} has 1 to 10 numbers", c.code));
            }
            for n in &c.numbers {
                let ok = (3..=32).contains(&n.number.len())
                    && n.number
                        .bytes()
                        .all(|b| b.is_ascii_digit() || b" +-().".contains(&b));
                if !ok {
                    return Err(format!("countries: {:?} is not a phone number", n.number));
                }
                short("countries.numbers.kind", &n.kind)?;
            }
        }
        for code in &self.default_countries {
            if self.country(code).is_err() {
                return Err(format!(
                    "default_countries: {code:?} has no numbers in countries"
                ));
            }
        }
        Ok(())
    }

    fn fill(pattern: &str, id: MeetingId) -> String {
        pattern.replace("{id}", &id.code())
    }

    /// Reads a meeting identifier typed for this profile: digits, or a room name.
    pub fn parse_id(&self, text: &str) -> Result<MeetingId, crate::id::IdError> {
        match self.ids {
            IdKind::Digits => MeetingId::parse(text),
            IdKind::Room | IdKind::Fixed => MeetingId::parse_room(text),
        }
    }

    /// `https://chime.aws/0123456789`
    pub fn join_url(&self, id: MeetingId) -> String {
        Self::fill(&self.join_url, id)
    }

    /// `+12064625569,,0123456789#`: dials straight in from a phone; also the event location.
    /// Empty when the profile has no dial-in.
    pub fn one_click(&self, id: MeetingId) -> String {
        Self::fill(&self.one_click, id)
    }

    /// `0123456789@meet.chime.in`; empty when the profile has no room systems.
    pub fn sip(&self, id: MeetingId) -> String {
        Self::fill(&self.sip, id)
    }

    /// The address that makes the service start the meeting and call attendees, if any.
    pub fn scheduler_address(&self) -> Option<EmailAddress> {
        EmailAddress::parse(&self.scheduler_address).ok()
    }

    /// The address that ties a calendar event to a meeting ID, if the profile has one.
    pub fn pin_address(&self, id: MeetingId) -> Option<EmailAddress> {
        if self.pin_address.is_empty() {
            return None;
        }
        EmailAddress::parse(&Self::fill(&self.pin_address, id)).ok()
    }

    /// Whether `address` is one of the provider's scheduling addresses, for any ID.
    pub fn is_provider_address(&self, address: &EmailAddress) -> bool {
        let key = address.key();
        let scheduler =
            !self.scheduler_address.is_empty() && key == self.scheduler_address.to_lowercase();
        let pin = self
            .pin_address
            .to_lowercase()
            .split_once("{id}")
            .is_some_and(|(prefix, suffix)| {
                key.len() > prefix.len() + suffix.len()
                    && key.starts_with(prefix)
                    && key.ends_with(suffix)
            });
        scheduler || pin
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

    /// Who Belfry adds to every invitation of this profile, in words (empty: nobody).
    pub fn adds_in_words(&self) -> String {
        let pin = self
            .pin_address
            .split_once("{id}")
            .map(|(prefix, _)| prefix);
        match (self.scheduler_address().is_some(), pin) {
            (true, Some(prefix)) => format!(
                "{} and the meeting's {prefix} address are added for you.",
                self.scheduler_address
            ),
            (true, None) => format!("{} is added for you.", self.scheduler_address),
            (false, Some(prefix)) => format!("The meeting's {prefix} address is added for you."),
            (false, None) => String::new(),
        }
    }

    /// Whether this is the Amazon Chime profile (whose template is the user's `template`
    /// setting, and whose accounts Belfry administers).
    pub fn is_chime(&self) -> bool {
        self.key == Provider::chime().key
    }

    /// The template this profile's invitations start from.
    pub fn default_template(&self) -> &'static str {
        if self.is_chime() {
            crate::invitation::DEFAULT_TEMPLATE
        } else {
            GENERIC_TEMPLATE
        }
    }
}

/// A link in a profile: https (or http to this machine), on one line.
fn check_link(field: &str, link: &str) -> Result<(), String> {
    let sample = link.replace("{id}", "room");
    let host_of = |rest: &str| {
        let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
        match authority.strip_prefix('[') {
            Some(v6) => v6.split(']').next().unwrap_or("").to_owned(),
            None => authority.split(':').next().unwrap_or("").to_owned(),
        }
    };
    let loopback = sample
        .strip_prefix("http://")
        .map(host_of)
        .is_some_and(|h| h == "127.0.0.1" || h == "localhost" || h == "::1");
    let ok = (sample.starts_with("https://") || loopback)
        && sample.len() <= 500
        && !sample
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '"');
    if ok {
        Ok(())
    } else {
        Err(format!("{field}: an https:// address on one line"))
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
    fn jitsi_fills_rooms_and_adds_no_one_to_the_event() {
        let p = Provider::jitsi();
        let room = MeetingId::parse_room("k3v7qxw2m4tz9fa5").unwrap();
        assert_eq!(p.join_url(room), "https://meet.jit.si/k3v7qxw2m4tz9fa5");
        assert_eq!(p.scheduler_address(), None);
        assert_eq!(p.pin_address(room), None);
        assert_eq!(p.one_click(room), "");
        for a in [
            "meet@chime.aws",
            "pin+0123456789@chime.aws",
            "ana@example.com",
        ] {
            assert!(
                !p.is_provider_address(&EmailAddress::parse(a).unwrap()),
                "{a}"
            );
        }
        assert_eq!(p.parse_id("physics-101").unwrap().code(), "physics-101");
        assert!(p.parse_id("0123456789").is_err());
        assert_eq!(p.default_template(), GENERIC_TEMPLATE);
        assert_eq!(p.adds_in_words(), "");
        assert_eq!(
            Provider::chime().adds_in_words(),
            "meet@chime.aws and the meeting's pin+ address are added for you."
        );
        assert_eq!(
            Provider::chime().default_template(),
            crate::invitation::DEFAULT_TEMPLATE
        );
    }

    #[test]
    fn a_profile_from_a_file_is_checked_and_errors_name_the_file_and_field() {
        let own = "key = \"school-jitsi\"\nname = \"School Jitsi\"\n\
                   join_url = \"https://jitsi.school.example/{id}\"\nids = \"room\"\n\
                   one_click = \"+49 30 1234567\"\n\
                   default_countries = [\"DE\"]\n\
                   [[countries]]\ncode = \"DE\"\nname = \"Germany\"\n\
                   numbers = [{ number = \"+49 30 1234567\", kind = \"toll\" }]\n";
        let p = Provider::from_toml("providers/school.toml", own).unwrap();
        assert_eq!(p.key, "school-jitsi");
        assert_eq!(p.country("de").unwrap().numbers.len(), 1);

        let broken = |text: &str, words: &str| {
            let e = Provider::from_toml("providers/x.toml", text).unwrap_err();
            assert_eq!(e.source_name, "providers/x.toml");
            assert!(e.to_string().contains(words), "{words:?} not in: {e}");
        };
        let base = "key = \"x1\"\nname = \"X\"\n";
        broken(
            &format!("{base}join_url = \"https://x.example/fixed\"\n"),
            "join_url: must hold {id}",
        );
        broken(
            &format!("{base}join_url = \"http://x.example/{{id}}\"\n"),
            "join_url: an https:// address",
        );
        broken(
            "name = \"X\"\njoin_url = \"https://x.example/{id}\"\n",
            "missing field `key`",
        );
        broken(
            &format!("{base}join_url = \"https://x.example/{{id}}\"\nids = \"words\"\n"),
            "line 4",
        );
        broken(
            &format!(
                "{base}join_url = \"https://x.example/{{id}}\"\npin_address = \"pin@x.example\"\n"
            ),
            "pin_address: an email address holding {id}",
        );
        broken(
            &format!(
                "{base}join_url = \"https://x.example/{{id}}\"\ndefault_countries = [\"US\"]\n"
            ),
            "default_countries: \"US\" has no numbers",
        );
        broken(
            &format!("{base}join_url = \"https://x.example/{{id}}\"\ncolour = \"red\"\n"),
            "unknown field `colour`",
        );
        broken(&"#".repeat(MAX_PROFILE_BYTES + 1), "at most 64 KiB");
        broken(
            &format!("{base}join_url = \"http://localhost.attacker.example/{{id}}\"\n"),
            "join_url: an https:// address",
        );
        broken(
            "key = \"x1\"\nname = \"X\\u001b[31m\"\njoin_url = \"https://x.example/{id}\"\n",
            "name: 1 to 64 characters, on one line",
        );
        broken(
            &format!(
                "{base}join_url = \"https://x.example/{{id}}\"\nids = \"room\"\nscheduler_address = \"meet@chime.aws\"\n"
            ),
            "scheduling addresses go with 10-digit meeting IDs only",
        );
        broken(
            &format!(
                "{base}join_url = \"https://x.example/{{id}}\"\nids = \"room\"\none_click = \"+1 555,,{{id}}#\"\n"
            ),
            "a room name cannot be dialled",
        );
        broken(
            &format!("{base}join_url = \"https://x.example/fixed\"\nids = \"fixed\"\n"),
            "the personal room's",
        );
        assert!(
            Provider::from_toml(
                "p.toml",
                "key = \"lo\"\nname = \"Local\"\njoin_url = \"http://127.0.0.1:8000/{id}\"\nids = \"room\"\n"
            )
            .is_ok()
        );
    }

    #[test]
    fn a_snapshot_reads_back_as_the_same_profile() {
        let room = Provider::personal_room(
            "https://zoom.example/j/1",
            "42",
            &["+1 646 558 8656".to_owned()],
        )
        .unwrap();
        for p in [Provider::chime().clone(), Provider::jitsi().clone(), room] {
            assert_eq!(Provider::from_snapshot("kept", &p.snapshot()).unwrap(), p);
        }
        let err = Provider::from_snapshot("kept", "key = \"x\"\n").unwrap_err();
        assert!(err.to_string().starts_with("kept: "), "{err}");
    }

    #[test]
    fn a_personal_room_is_one_fixed_https_link() {
        let p = Provider::personal_room(" https://zoom.example/j/123456789 ", "", &[]).unwrap();
        assert_eq!(p.ids, IdKind::Fixed);
        let room = MeetingId::parse_room("personal").unwrap();
        assert_eq!(p.join_url(room), "https://zoom.example/j/123456789");
        for bad in [
            "",
            "zoom.example/j/1",
            "http://zoom.example/j/1",
            "https://x/{id}",
        ] {
            assert!(Provider::personal_room(bad, "", &[]).is_err(), "{bad:?}");
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

//! `belfry://` links: a web page, a mail or another program hands the window a meeting to
//! schedule (`belfry://schedule?title=Lab&start=2027-03-01T10:00`). A link only ever fills in
//! the Schedule page: nothing is scheduled, copied or sent until the user does it.

use std::collections::HashSet;

use belfry_core::limits::MAX_LINK_BYTES;
use belfry_core::{Field, MeetingForm};
use serde::Serialize;

use crate::App;
use crate::bulk::{COLUMNS, column_name, form_from_columns};

/// The scheme Belfry's links use (registered with the desktop by the package).
pub const LINK_SCHEME: &str = "belfry";

/// What a link asks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum OpenedLink {
    /// Fill in the Schedule page with these values (unchecked: the page says what is wrong,
    /// as it does for anything typed); empty fields take the defaults of a new meeting.
    Schedule {
        /// The values the link gives.
        form: Box<MeetingForm>,
    },
    /// Not a link Belfry follows.
    Refused {
        /// Why, in words (without the link, which may be long or hostile).
        message: String,
    },
}

/// Reads a `belfry://schedule?…` link. Its parameters are the bulk CSV's columns (`title`,
/// `start`, `tz`, `duration`, `attendees`, …, `moderated=yes`); anything else is refused.
pub fn read_link(link: &str) -> OpenedLink {
    match schedule_form(link) {
        Ok(form) => OpenedLink::Schedule {
            form: Box::new(form),
        },
        Err(message) => OpenedLink::Refused { message },
    }
}

fn schedule_form(link: &str) -> Result<MeetingForm, String> {
    if link.len() > MAX_LINK_BYTES {
        return Err(format!(
            "the link is longer than the {} KiB Belfry reads",
            MAX_LINK_BYTES / 1024
        ));
    }
    let url = url::Url::parse(link.trim()).map_err(|e| format!("not a link ({e})"))?;
    if url.scheme() != LINK_SCHEME {
        return Err(format!("Belfry follows only {LINK_SCHEME}:// links"));
    }
    if url.host_str() != Some("schedule") || !matches!(url.path(), "" | "/") {
        return Err(format!(
            "Belfry follows only {LINK_SCHEME}://schedule?… links (a meeting to fill in)"
        ));
    }
    if !url.username().is_empty()
        || url.password().is_some()
        || url.port().is_some()
        || url.fragment().is_some()
    {
        return Err(format!(
            "a {LINK_SCHEME}://schedule link has only parameters after ?"
        ));
    }
    let mut given: Vec<(String, String)> = Vec::new();
    let mut seen = HashSet::new();
    for (key, value) in url.query_pairs() {
        let key = key.to_ascii_lowercase().replace('_', "-");
        if !COLUMNS.contains(&key.as_str()) {
            let shown: String = key.chars().take(40).collect();
            return Err(format!(
                "unknown parameter {shown:?}; a link may give {}",
                COLUMNS.join(", ")
            ));
        }
        if !seen.insert(key.clone()) {
            return Err(format!("the parameter {key:?} is given twice"));
        }
        given.push((key, value.into_owned()));
    }
    if given.is_empty() {
        return Err("the link gives nothing to fill in (no title, start, …)".into());
    }
    let get = |field: Field| {
        let name = column_name(field);
        given
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let list = |field: Field| -> Vec<String> {
        get(field)
            .split([',', ';', ' '])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    };
    let moderated = get(Field::Kind);
    if !matches!(
        moderated.trim().to_ascii_lowercase().as_str(),
        "" | "yes" | "no" | "true" | "false" | "1" | "0"
    ) {
        return Err("moderated: write yes or no".into());
    }
    Ok(form_from_columns(&get, &list, &moderated))
}

impl App {
    /// Reads `link` and keeps what it asks for until the window takes it ([`App::take_link`]);
    /// a newer link replaces one not taken yet.
    pub fn open_link(&self, link: &str) {
        let opened = read_link(link);
        if let OpenedLink::Refused { message } = &opened {
            tracing::warn!(reason = %message, "a belfry:// link was refused");
        }
        if let Ok(mut pending) = self.link.lock() {
            *pending = Some(opened);
        }
    }

    /// The link opened last and not taken yet, taken.
    pub fn take_link(&self) -> Option<OpenedLink> {
        self.link.lock().ok().and_then(|mut pending| pending.take())
    }
}

#[cfg(test)]
mod tests {
    use belfry_core::MeetingKind;
    use proptest::prelude::*;

    use super::*;

    fn refused(link: &str) -> String {
        match read_link(link) {
            OpenedLink::Refused { message } => message,
            OpenedLink::Schedule { form } => panic!("{link} was followed: {form:?}"),
        }
    }

    #[test]
    fn a_schedule_link_fills_in_the_fields_it_names() {
        let OpenedLink::Schedule { form } = read_link(
            "belfry://schedule?title=Chemistry%20lab&start=2027-03-01T10:00&tz=Europe/Berlin\
             &duration=1h30m&attendees=a@example.edu,b@example.edu&moderated=yes&Show_Zones=Asia/Tokyo",
        ) else {
            panic!("refused")
        };
        assert_eq!(form.title, "Chemistry lab");
        assert_eq!(form.start, "2027-03-01T10:00");
        assert_eq!(form.time_zone, "Europe/Berlin");
        assert_eq!(form.duration, "1h30m");
        assert_eq!(form.attendees, ["a@example.edu", "b@example.edu"]);
        assert_eq!(form.kind, MeetingKind::Moderated);
        assert_eq!(form.show_zones, ["Asia/Tokyo"]);
        assert_eq!(form.description, "");
        assert_eq!(form.passcode, "", "a link never carries a passcode");
    }

    #[test]
    fn anything_but_a_schedule_link_is_refused_with_why() {
        assert!(refused("https://schedule?title=x").contains("only belfry://"));
        assert!(refused("belfry://delete?uid=1").contains("belfry://schedule"));
        assert!(refused("belfry://schedule/extra?title=x").contains("belfry://schedule"));
        assert!(
            refused("belfry://schedule?passcode=123456").contains("unknown parameter \"passcode\"")
        );
        assert!(refused("belfry://schedule?title=a&title=b").contains("given twice"));
        assert!(refused("belfry://schedule").contains("nothing to fill in"));
        assert!(refused("belfry://schedule?title=x#frag").contains("only parameters"));
        assert!(refused("belfry://user:pw@schedule?title=x").contains("only parameters"));
        assert!(refused("belfry://schedule?title=x&moderated=maybe").starts_with("moderated:"));
        assert!(refused("not a link").starts_with("not a link"));
        let long = format!("belfry://schedule?title={}", "x".repeat(MAX_LINK_BYTES));
        assert!(refused(&long).contains("longer than"));
    }

    #[test]
    fn the_window_takes_the_last_link_once() {
        let dir = tempfile::tempdir().unwrap();
        let app = crate::tests::no_keyring_app(dir.path());
        assert_eq!(app.take_link(), None);
        app.open_link("belfry://schedule?title=First");
        app.open_link("belfry://schedule?title=Second");
        match app.take_link() {
            Some(OpenedLink::Schedule { form }) => assert_eq!(form.title, "Second"),
            other => panic!("{other:?}"),
        }
        assert_eq!(app.take_link(), None, "taken once");
        app.open_link("belfry://nope");
        assert!(matches!(app.take_link(), Some(OpenedLink::Refused { .. })));
    }

    proptest! {
        #[test]
        fn any_text_is_a_form_or_a_short_refusal(text in "(belfry://schedule\\?)?\\PC{0,200}") {
            match read_link(&text) {
                OpenedLink::Schedule { form } => prop_assert!(form.passcode.is_empty()),
                // The refusal never repeats the whole link back.
                OpenedLink::Refused { message } => prop_assert!(message.len() < 400, "{message}"),
            }
        }
    }
}

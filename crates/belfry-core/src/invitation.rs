//! The attendee invitation (text and HTML, from a user-editable template) and the separate
//! moderator info.

use chrono::DateTime;
use chrono_tz::Tz;
use serde::Serialize;

use crate::email::EmailAddress;
use crate::id::MeetingId;
use crate::meeting::Meeting;
use crate::passcode::Passcode;
use crate::provider::{DialNumber, Provider};
use crate::time::{TimeNotice, abbreviation};

/// The template Belfry ships; users may replace it in settings.
pub const DEFAULT_TEMPLATE: &str = include_str!("../templates/invitation.txt.j2");

/// What an invitation is made of.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Invitation {
    /// The meeting's ID.
    pub meeting_id: MeetingId,
    /// The meeting's title.
    pub title: String,
    /// The invitation as plain text, rendered from the template.
    pub text: String,
    /// The same text as HTML.
    pub html: String,
    /// The one-click dial string: the event's location.
    pub location: String,
    /// The link that joins the meeting.
    pub join_url: String,
    /// Everyone the invitation goes to, the provider's addresses included.
    pub attendees: Vec<EmailAddress>,
    /// DST notices about the start.
    pub notices: Vec<TimeNotice>,
}

/// A template that could not be used. The user's text is untouched; this says where and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{}", match .line { Some(l) => format!("template line {l}: {message}"), None => format!("template: {message}") })]
pub struct TemplateError {
    /// The template's line at fault, when known.
    pub line: Option<usize>,
    /// What is wrong.
    pub message: String,
}

impl From<minijinja::Error> for TemplateError {
    fn from(e: minijinja::Error) -> Self {
        let message = match e.detail() {
            Some(d) => format!("{}: {d}", e.kind()),
            None => e.kind().to_string(),
        };
        TemplateError {
            line: e.line(),
            message,
        }
    }
}

#[derive(Serialize)]
struct CountryLines<'a> {
    code: &'a str,
    name: &'a str,
    numbers: &'a [DialNumber],
}

/// The values a template can use. Documented in `docs/templates.md`.
#[derive(Serialize)]
struct Context<'a> {
    provider: &'a str,
    title: &'a str,
    description: &'a str,
    meeting_id: String,
    meeting_id_digits: String,
    join_url: String,
    moderated: bool,
    organizer: Option<String>,
    on_behalf_of: Option<String>,
    times: Vec<String>,
    duration: String,
    recurrence: Option<String>,
    dial_in: Vec<CountryLines<'a>>,
    dial_lines: &'a [String],
    passcode: &'a str,
    /// The provider is the user's own room, one link for every meeting.
    personal_room: bool,
    one_click: String,
    international_url: &'a str,
    mute_code: &'a str,
    sip: String,
    h323: &'a [String],
}

/// `Tue 2 Mar 2027, 10:00–11:00 EST (America/New_York)`; when the meeting ends on another
/// day, both dates are written.
pub fn time_line(start: DateTime<Tz>, end: DateTime<Tz>) -> String {
    let zone = start.timezone().name();
    let same_day = start.date_naive() == end.date_naive();
    let (sa, ea) = (abbreviation(&start), abbreviation(&end));
    if same_day && sa == ea {
        format!(
            "{}, {}–{} {sa} ({zone})",
            start.format("%a %-d %b %Y"),
            start.format("%H:%M"),
            end.format("%H:%M")
        )
    } else if same_day {
        format!(
            "{}, {} {sa} – {} {ea} ({zone})",
            start.format("%a %-d %b %Y"),
            start.format("%H:%M"),
            end.format("%H:%M")
        )
    } else {
        format!(
            "{} {sa} – {} {ea} ({zone})",
            start.format("%a %-d %b %Y, %H:%M"),
            end.format("%a %-d %b %Y, %H:%M")
        )
    }
}

/// Checks that a template renders, against a sample meeting. Use before saving one.
pub fn check_template(
    template: &str,
    sample: &Meeting,
    provider: &Provider,
) -> Result<(), TemplateError> {
    render_invitation(sample, provider, template).map(|_| ())
}

/// Renders the attendee invitation. The moderator passcode is not an input: it cannot appear.
pub fn render_invitation(
    meeting: &Meeting,
    provider: &Provider,
    template: &str,
) -> Result<Invitation, TemplateError> {
    let resolved = meeting.resolved_start();
    let start = resolved.at;
    let end = meeting.end();
    let mut times = vec![time_line(start, end)];
    for tz in &meeting.show_zones {
        times.push(time_line(start.with_timezone(tz), end.with_timezone(tz)));
    }
    let dial_in = meeting
        .dial_in
        .iter()
        .filter_map(|code| provider.country(code).ok())
        .map(|c| CountryLines {
            code: &c.code,
            name: &c.name,
            numbers: &c.numbers,
        })
        .collect();
    let ctx = Context {
        provider: &provider.name,
        title: &meeting.title,
        description: &meeting.description,
        meeting_id: meeting.id.grouped(),
        meeting_id_digits: meeting.id.code(),
        join_url: provider.join_url(meeting.id),
        moderated: meeting.kind == crate::meeting::MeetingKind::Moderated,
        organizer: meeting.organizer.as_ref().map(|a| a.to_string()),
        on_behalf_of: meeting.on_behalf_of.as_ref().map(|a| a.to_string()),
        times,
        duration: meeting.duration.to_string(),
        recurrence: meeting
            .recurrence
            .as_ref()
            .map(|r| r.describe(start.date_naive())),
        dial_in,
        dial_lines: &provider.dial_lines,
        passcode: &provider.passcode,
        personal_room: provider.ids == crate::provider::IdKind::Fixed,
        one_click: provider.one_click(meeting.id),
        international_url: &provider.international_url,
        mute_code: &provider.mute_code,
        sip: provider.sip(meeting.id),
        h323: &provider.h323,
    };

    let text = crate::template::render(template, &ctx)?;
    let text = text.trim_end().to_owned() + "\n";

    Ok(Invitation {
        meeting_id: meeting.id,
        title: meeting.title.clone(),
        html: text_to_html(&text),
        text,
        location: match provider.one_click(meeting.id) {
            dial if dial.is_empty() => provider.join_url(meeting.id),
            dial => dial,
        },
        join_url: provider.join_url(meeting.id),
        attendees: meeting.all_attendees(provider),
        notices: resolved.notice.into_iter().collect(),
    })
}

/// How attendees join a meeting, alone: what replaces another service's joining details in
/// an event Belfry did not write (a meeting moved off Amazon Chime).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Joining {
    /// The joining details as plain text.
    pub text: String,
    /// The same as HTML.
    pub html: String,
    /// The one-click dial string, or the link: the event's location.
    pub location: String,
}

/// The joining details of meeting `id` on `provider`, with the dial-in numbers of
/// `countries` (the provider's default ones when none of them are its): the same lines the
/// generic template writes.
pub fn joining_block(provider: &Provider, id: MeetingId, countries: &[String]) -> Joining {
    let mut lines = vec![
        match provider.ids {
            crate::provider::IdKind::Fixed => "Join my meeting room:".to_owned(),
            _ => format!("Join the {} meeting:", provider.name),
        },
        provider.join_url(id),
    ];
    if !provider.passcode.is_empty() {
        lines.push(format!("Passcode: {}", provider.passcode));
    }
    let mut chosen: Vec<&crate::provider::Country> = countries
        .iter()
        .filter_map(|c| provider.country(c).ok())
        .collect();
    if chosen.is_empty() {
        chosen = provider
            .default_countries
            .iter()
            .filter_map(|c| provider.country(c).ok())
            .collect();
    }
    if !chosen.is_empty() || !provider.dial_lines.is_empty() {
        lines.push(String::new());
        lines.push("Dial in:".to_owned());
        for c in chosen {
            for n in &c.numbers {
                lines.push(format!("{} ({}): {}", c.name, n.kind, n.number));
            }
        }
        lines.extend(provider.dial_lines.iter().cloned());
        let one_click = provider.one_click(id);
        if !one_click.is_empty() {
            lines.push(format!("One-click from a mobile phone: {one_click}"));
        }
    }
    let sip = provider.sip(id);
    if !sip.is_empty() || !provider.h323.is_empty() {
        lines.push(String::new());
        lines.push("Room video systems:".to_owned());
        if !sip.is_empty() {
            lines.push(format!("SIP: {sip}"));
        }
        if !provider.h323.is_empty() {
            lines.push(format!("H.323: {}", provider.h323.join(" or ")));
        }
    }
    let text = lines.join("\n") + "\n";
    // The block's own HTML, without the page wrapper: it sits among the event's own markup.
    let html = text_to_html(&text)
        .trim_start_matches("<div>\n")
        .trim_end_matches("\n</div>\n")
        .to_owned();
    Joining {
        html,
        location: match provider.one_click(id) {
            dial if dial.is_empty() => provider.join_url(id),
            dial => dial,
        },
        text,
    }
}

/// The moderator info: what a moderator needs to start the meeting. Never sent to attendees.
pub fn moderator_info(
    meeting_id: MeetingId,
    title: Option<&str>,
    passcode: &Passcode,
    provider: &Provider,
) -> String {
    let heading = match title {
        Some(t) => format!("Moderator info for {t}"),
        None => "Moderator info".to_owned(),
    };
    format!(
        "{heading}\n\
         Keep this to yourself and your co-moderators: attendees must not see the passcode.\n\
         \n\
         Join: {join}\n\
         Meeting ID: {id}\n\
         Moderator passcode: {pass}\n\
         \n\
         The meeting starts when a moderator joins and enters the passcode.\n\
         On the phone: *97 mutes everyone else, *4 locks or unlocks, *2 records, ## ends the \
         meeting for all.\n",
        join = provider.join_url(meeting_id),
        id = meeting_id.grouped(),
        pass = passcode.expose(),
    )
}

/// The invitation as HTML: every character of the text escaped, `https://` addresses made
/// links, blank lines between paragraphs. No markup from the template or the user survives.
pub fn text_to_html(text: &str) -> String {
    let mut html = String::from("<div>\n");
    for (i, para) in text.trim_end().split("\n\n").enumerate() {
        if i > 0 {
            html.push('\n');
        }
        html.push_str("<p>");
        for (j, line) in para.lines().enumerate() {
            if j > 0 {
                html.push_str("<br>\n");
            }
            push_linkified(&mut html, line);
        }
        html.push_str("</p>");
    }
    html.push_str("\n</div>\n");
    html
}

fn push_linkified(out: &mut String, line: &str) {
    let mut rest = line;
    while let Some(pos) = rest.find("https://") {
        push_escaped(out, &rest[..pos]);
        let url_len = rest[pos..]
            .find(|c: char| c.is_whitespace() || "<>\"'`".contains(c))
            .unwrap_or(rest.len() - pos);
        let mut url = &rest[pos..pos + url_len];
        // A sentence's closing punctuation is not part of the address.
        while url.ends_with(['.', ',', ')', ';', ':', '!', '?']) {
            url = &url[..url.len() - 1];
        }
        out.push_str("<a href=\"");
        push_escaped(out, url);
        out.push_str("\">");
        push_escaped(out, url);
        out.push_str("</a>");
        rest = &rest[pos + url.len()..];
    }
    push_escaped(out, rest);
}

fn push_escaped(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_escapes_everything_and_links_only_https() {
        let html = text_to_html(
            "Hi <b>there</b> & \"you\"\nSee https://chime.aws/0123456789.\njavascript:alert(1) http://x.test\n\nBye",
        );
        assert_eq!(
            html,
            "<div>\n<p>Hi &lt;b&gt;there&lt;/b&gt; &amp; &quot;you&quot;<br>\nSee \
             <a href=\"https://chime.aws/0123456789\">https://chime.aws/0123456789</a>.<br>\n\
             javascript:alert(1) http://x.test</p>\n<p>Bye</p>\n</div>\n"
        );
    }

    #[test]
    fn a_link_cannot_break_out_of_its_attribute() {
        let html = text_to_html("https://x.test/\"onmouseover=alert(1)");
        assert!(!html.contains("\"onmouseover"), "{html}");
    }

    #[test]
    fn template_errors_carry_the_line() {
        let err = crate::template::render("ok\n{% if %}", ()).unwrap_err();
        assert_eq!(err.line, Some(2));
        assert!(
            err.to_string().starts_with("template line 2: syntax error"),
            "{err}"
        );
    }
}

#[cfg(test)]
mod joining_tests {
    use super::*;

    #[test]
    fn a_joining_block_is_the_link_and_what_the_profile_has_for_dialling_in() {
        let room = MeetingId::parse_room("k3v7qxw2m4tz9fa5").unwrap();
        let jitsi = joining_block(Provider::jitsi(), room, &[]);
        assert_eq!(
            jitsi.text,
            "Join the Jitsi Meet meeting:\nhttps://meet.jit.si/k3v7qxw2m4tz9fa5\n"
        );
        assert_eq!(
            jitsi.html,
            "<p>Join the Jitsi Meet meeting:<br>\n<a href=\"https://meet.jit.si/k3v7qxw2m4tz9fa5\">https://meet.jit.si/k3v7qxw2m4tz9fa5</a></p>"
        );
        assert_eq!(jitsi.location, "https://meet.jit.si/k3v7qxw2m4tz9fa5");
        let own = Provider::personal_room(
            "https://zoom.example/j/1",
            "42",
            &["+1 646 558 8656".to_owned()],
        )
        .unwrap();
        let fixed = MeetingId::parse_room("personal-room").unwrap();
        assert_eq!(
            joining_block(&own, fixed, &["US".to_owned()]).text,
            "Join my meeting room:\nhttps://zoom.example/j/1\nPasscode: 42\n\nDial in:\n+1 646 558 8656\n"
        );
    }
}

//! Amazon Chime details in calendar events, and the [`EventEdit`] that moves an event off
//! Chime.
//!
//! AWS ended the Amazon Chime service on 20 February 2026, but events made before then
//! still carry Chime's joining details: Belfry's own invitations, the Chime app's "Copy
//! invitation" text pasted by hand, the Chime Outlook add-in's HTML block, the one-click
//! dial string in the location and `meet@chime.aws` / `pin+<id>@chime.aws` as attendees.
//! [`find`] lists them; [`OffChime`] removes them, or replaces them with another
//! provider's joining details.
//!
//! Details are recognised by their structure, never by one English sentence: the two
//! addresses (any case, with or without `mailto:`), links on `chime.aws` (meeting links,
//! personalized links, `app.chime.aws/meetings/…`, the dial-in list), a 10-digit ID next to
//! a "Meeting ID" or "Meeting PIN" label, the Chime profile's dial-in numbers in any
//! formatting, one-click dial strings (`+12064625569,,<id>#`), the room-system address
//! `meet.chime.in` and the H.323 bridges. A bare 10-digit number is never a detail. A
//! one-click dial string on a number Belfry does not know is a detail only when its ID is
//! also a Chime meeting ID named elsewhere in the same part.
//!
//! A description (text or HTML) is read as lines. A line is a *Chime line* when it holds a
//! detail, or when it plainly belongs to the block: a heading ending in `:` right above a
//! Chime line, a heading naming Chime, a separator line, the mute-code line. A *block* is a
//! run of paragraphs that each hold a detail or consist only of such lines, from its first
//! Chime line to its last; whatever else stands before, after or between blocks is kept
//! byte for byte. The first block is replaced by the replacement, every later one (text
//! pasted twice) is removed, and a removed block takes the blank lines it would leave
//! doubled with it.
//!
//! In HTML the lines are what a reader sees (`<br>`, paragraphs, `<div>` lines, a table row
//! each); whole nodes are taken out, so the markup stays as well formed as it was and the
//! rest is copied byte for byte. Replacement markup holding blocks never lands inside a
//! paragraph or a table row: it goes right after it. In the location, the segments between
//! `;`, `|`, `, ` and line breaks that hold Chime details lose them (or are replaced); the
//! other segments are kept.
//!
//! Pure: no I/O, no clock. Every function runs in time about linear in its input and never
//! panics, whatever the input.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use chrono::{DateTime, Utc};

use crate::calendar::EventEdit;
use crate::provider::Provider;

/// One Amazon Chime detail found in an event.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Detail {
    /// `meet@chime.aws`, the address that had the service start the meeting and call
    /// attendees.
    SchedulingAddress,
    /// `pin+<id>@chime.aws`, which tied the event to a meeting ID; holds the digits.
    PinAddress(String),
    /// A link that joins a meeting (`https://chime.aws/<id>`, a personalized link,
    /// `https://app.chime.aws/meetings/<id>`), as written.
    JoinLink(String),
    /// A meeting ID next to its "Meeting ID" / "Meeting PIN" label; holds the 10 digits.
    MeetingId(String),
    /// One of Chime's dial-in numbers, written as the Chime profile writes it.
    DialIn(String),
    /// A one-click dial string (`+12064625569,,<id>#`), as written.
    DialString(String),
    /// A room-system (SIP) address: `<id>@meet.chime.in` or `meet.chime.in`.
    RoomSystem(String),
    /// One of Chime's H.323 bridge addresses.
    H323(String),
    /// Any other link to chime.aws (the dial-in numbers list, say), as written.
    Link(String),
}

impl Detail {
    /// Short English for a list of what will be removed: `join link https://chime.aws/6064724824`.
    pub fn label(&self) -> String {
        match self {
            Detail::SchedulingAddress => "scheduling address meet@chime.aws".to_owned(),
            Detail::PinAddress(id) => format!("meeting address pin+{id}@chime.aws"),
            Detail::JoinLink(url) => format!("join link {url}"),
            Detail::MeetingId(id) => match (id.get(..4), id.get(4..6), id.get(6..)) {
                (Some(a), Some(b), Some(c)) => format!("meeting ID {a} {b} {c}"),
                _ => format!("meeting ID {id}"),
            },
            Detail::DialIn(number) => format!("dial-in number {number}"),
            Detail::DialString(dial) => format!("one-click dial string {dial}"),
            Detail::RoomSystem(address) => format!("room-system address {address}"),
            Detail::H323(address) => format!("H.323 address {address}"),
            Detail::Link(url) => format!("Chime link {url}"),
        }
    }

    fn rank(&self) -> u8 {
        match self {
            Detail::SchedulingAddress => 0,
            Detail::PinAddress(_) => 1,
            Detail::JoinLink(_) => 2,
            Detail::MeetingId(_) => 3,
            Detail::DialIn(_) => 4,
            Detail::DialString(_) => 5,
            Detail::RoomSystem(_) => 6,
            Detail::H323(_) => 7,
            Detail::Link(_) => 8,
        }
    }
}

/// The Chime details in an event's parts, each once: grouped by kind (addresses, links,
/// IDs, numbers, dial strings, room systems, other links), in order of appearance within a
/// kind (attendees, then location, description and HTML).
pub fn find(description: &str, html: &str, location: &str, attendees: &[String]) -> Vec<Detail> {
    let mut all: Vec<Detail> = attendees.iter().filter_map(|a| chime_address(a)).collect();
    let parts = [
        location_hits(location),
        text_hits(description),
        html_hits(html),
    ];
    for part in parts {
        all.extend(part.into_iter().flatten().map(|h| h.detail));
    }
    let mut seen = HashSet::new();
    all.retain(|d| seen.insert(d.clone()));
    all.sort_by_key(Detail::rank);
    all
}

/// Whether `address` is one of Chime's scheduling addresses: `meet@chime.aws` or
/// `pin+<digits>@chime.aws`, in any case, with or without `mailto:`.
pub fn is_chime_address(address: &str) -> bool {
    chime_address(address).is_some()
}

fn chime_address(address: &str) -> Option<Detail> {
    let lower = address.trim().to_ascii_lowercase();
    let bare = lower.strip_prefix("mailto:").unwrap_or(&lower).trim();
    let bare = bare
        .strip_prefix('<')
        .and_then(|b| b.strip_suffix('>'))
        .unwrap_or(bare);
    let local = bare.strip_suffix("@chime.aws")?;
    if local == "meet" {
        return Some(Detail::SchedulingAddress);
    }
    let digits = local.strip_prefix("pin+")?;
    (!digits.is_empty() && digits.bytes().all(|c| c.is_ascii_digit()))
        .then(|| Detail::PinAddress(digits.to_owned()))
}

/// What replaces the Chime joining block: the target provider's joining details as text,
/// as HTML and as the location. Empty parts remove the Chime details only.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Replacement {
    /// Takes the place of the Chime block in a plain-text description.
    pub text: String,
    /// Takes the place of the Chime block in an HTML description (inserted as it is).
    pub html: String,
    /// Takes the place of the Chime details in the location.
    pub location: String,
}

/// The [`EventEdit`] that moves an event off Chime: the Chime block in the description
/// (text and HTML) and the Chime details in the location are replaced (or removed), and the
/// Chime addresses leave the attendees.
#[derive(Debug, Clone)]
pub struct OffChime {
    replacement: Option<Replacement>,
    from: DateTime<Utc>,
}

impl OffChime {
    /// The edit that replaces the Chime details with `replacement` (`None`: removes them
    /// only), for the parts of a series from `from` on. Any Chime detail inside the
    /// replacement itself is taken out of it first, so the edit stays idempotent.
    pub fn new(replacement: Option<Replacement>, from: DateTime<Utc>) -> OffChime {
        let replacement = replacement.map(|r| Replacement {
            text: edit_text(&r.text, None).unwrap_or(r.text),
            html: edit_html(&r.html, None).unwrap_or(r.html),
            location: edit_location(&r.location, None).unwrap_or(r.location),
        });
        OffChime { replacement, from }
    }

    /// The replacement as the edit uses it (without Chime details), if any.
    pub fn replacement(&self) -> Option<&Replacement> {
        self.replacement.as_ref()
    }
}

impl EventEdit for OffChime {
    fn description(&self, text: &str) -> Option<String> {
        edit_text(text, self.replacement.as_ref().map(|r| r.text.as_str()))
    }

    fn html(&self, html: &str) -> Option<String> {
        edit_html(html, self.replacement.as_ref().map(|r| r.html.as_str()))
    }

    fn location(&self, location: &str) -> Option<String> {
        edit_location(
            location,
            self.replacement.as_ref().map(|r| r.location.as_str()),
        )
    }

    fn drops_attendee(&self, address: &str) -> bool {
        is_chime_address(address)
    }

    fn from(&self) -> DateTime<Utc> {
        self.from
    }
}

// ---------------------------------------------------------------------------------------
// What the Chime profile knows.

struct Known {
    /// Dial-in numbers: (digits, as the profile writes them).
    numbers: Vec<(String, String)>,
    h323: Vec<String>,
    mute_code: String,
}

static KNOWN: LazyLock<Known> = LazyLock::new(|| {
    let chime = Provider::chime();
    Known {
        numbers: chime
            .countries
            .iter()
            .flat_map(|c| &c.numbers)
            .map(|n| (digits_of(&n.number), n.number.clone()))
            .filter(|(d, _)| d.len() >= 8)
            .collect(),
        h323: chime
            .h323
            .iter()
            .map(|a| a.trim().to_ascii_lowercase())
            .filter(|a| !a.is_empty())
            .collect(),
        mute_code: chime.mute_code.trim().to_owned(),
    }
});

fn digits_of(text: &str) -> String {
    text.chars().filter(char::is_ascii_digit).collect()
}

/// The profile's way of writing the dial-in number with these digits (with or without the
/// North American trunk `1`).
fn known_number(digits: &str) -> Option<&'static str> {
    KNOWN.numbers.iter().find_map(|(d, shown)| {
        let nanp = d.len() == 11 && d.starts_with('1') && d.get(1..) == Some(digits);
        (d == digits || nanp).then_some(shown.as_str())
    })
}

// ---------------------------------------------------------------------------------------
// Finding details in one line.

/// The longest stretch looked back over for an address's local part or a link's host.
const MAX_WALK: usize = 256;

#[derive(Debug, Clone)]
struct Hit {
    start: usize,
    end: usize,
    detail: Detail,
    /// The meeting ID this detail names, when it names one.
    id: Option<String>,
}

#[derive(Debug, Default)]
struct LineScan {
    hits: Vec<Hit>,
    /// Dial strings on numbers Belfry does not know, with their IDs: details only when the
    /// ID is named as a Chime meeting ID elsewhere in the part.
    maybe: Vec<(Hit, String)>,
}

fn scan_line(line: &str) -> LineScan {
    let lower = line.to_ascii_lowercase();
    let mut scan = LineScan::default();
    scan_chime_aws(line, &lower, &mut scan.hits);
    scan_room_systems(&lower, &mut scan.hits);
    scan_h323(&lower, &mut scan.hits);
    scan_meeting_ids(&lower, &mut scan.hits);
    scan_phones(line, &lower, &mut scan);
    scan.hits
        .sort_by(|a, b| a.start.cmp(&b.start).then(b.end.cmp(&a.end)));
    let mut kept: Vec<Hit> = Vec::with_capacity(scan.hits.len());
    for hit in scan.hits {
        if kept.last().is_none_or(|k| hit.start >= k.end) {
            kept.push(hit);
        }
    }
    // Hits and maybes are both in order: drop maybes that overlap a hit.
    let mut h = 0;
    scan.maybe.retain(|(m, _)| {
        while h < kept.len() && kept[h].end <= m.start {
            h += 1;
        }
        kept.get(h).is_none_or(|k| k.start >= m.end)
    });
    scan.hits = kept;
    scan
}

/// Every unit's hits, with the dial strings on unknown numbers whose ID the part names.
fn scan_part<S: AsRef<str>>(units: &[S]) -> Vec<Vec<Hit>> {
    let scans: Vec<LineScan> = units.iter().map(|u| scan_line(u.as_ref())).collect();
    let ids: HashSet<String> = scans
        .iter()
        .flat_map(|s| s.hits.iter().filter_map(|h| h.id.clone()))
        .collect();
    scans
        .into_iter()
        .map(|s| {
            let mut hits = s.hits;
            let before = hits.len();
            hits.extend(
                s.maybe
                    .into_iter()
                    .filter(|(_, id)| ids.contains(id))
                    .map(|(hit, _)| hit),
            );
            if hits.len() > before {
                hits.sort_by_key(|h| h.start);
            }
            hits
        })
        .collect()
}

fn is_host_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'-' || c == b'.' || c == b'_'
}

fn is_local_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || b".+_%-".contains(&c)
}

/// The host name goes on after `end` (`chime.aws.example.com`, `chime.awsx`).
fn host_continues(b: &[u8], end: usize) -> bool {
    match b.get(end) {
        Some(c) if c.is_ascii_alphanumeric() || *c == b'-' || *c == b'_' => true,
        Some(b'.') => b
            .get(end + 1)
            .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'-'),
        _ => false,
    }
}

/// Where the run of bytes satisfying `ok` that ends at `at` starts, if it is at most
/// [`MAX_WALK`] long.
fn walk_back(b: &[u8], at: usize, ok: fn(u8) -> bool) -> Option<usize> {
    let mut i = at;
    while i > 0 && ok(b[i - 1]) {
        i -= 1;
        if at - i > MAX_WALK {
            return None;
        }
    }
    Some(i)
}

fn scan_chime_aws(line: &str, lower: &str, out: &mut Vec<Hit>) {
    const DOMAIN: &str = "chime.aws";
    let b = lower.as_bytes();
    // The end of the last link found: later mentions inside it are part of it (and are not
    // read again, which keeps a line of links glued together linear).
    let mut covered = 0;
    for (pos, _) in lower.match_indices(DOMAIN) {
        let end = pos + DOMAIN.len();
        if pos < covered || host_continues(b, end) {
            continue;
        }
        let hit = match pos.checked_sub(1).map(|p| b[p]) {
            Some(b'@') => address_at(lower, pos - 1, end),
            Some(b'.') => walk_back(b, pos - 1, is_host_byte)
                .filter(|&start| start < pos - 1)
                .and_then(|start| link_at(line, lower, start, end)),
            Some(c) if is_host_byte(c) => None,
            _ => link_at(line, lower, pos, end),
        };
        if let Some(hit) = hit {
            covered = hit.end;
            out.push(hit);
        }
    }
}

/// `meet@chime.aws` or `pin+<digits>@chime.aws` with its `@` at `at`.
fn address_at(lower: &str, at: usize, end: usize) -> Option<Hit> {
    let b = lower.as_bytes();
    let local_start = walk_back(b, at, is_local_byte)?;
    let local = lower.get(local_start..at)?;
    let (detail, id) = if local == "meet" {
        (Detail::SchedulingAddress, None)
    } else {
        let digits = local.strip_prefix("pin+")?;
        if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        let id = digits.get(..10).filter(|_| digits.len() >= 10);
        (Detail::PinAddress(digits.to_owned()), id.map(str::to_owned))
    };
    let start = if lower[..local_start].ends_with("mailto:") {
        local_start - 7
    } else {
        local_start
    };
    Some(Hit {
        start,
        end,
        detail,
        id,
    })
}

fn is_url_byte(c: u8) -> bool {
    c > 0x20 && c < 0x7f && !b"<>\"'`()[]{}|\\^;".contains(&c)
}

/// A link whose host runs from `host_start` to `host_end` (and ends in chime.aws).
fn link_at(line: &str, lower: &str, host_start: usize, host_end: usize) -> Option<Hit> {
    let b = lower.as_bytes();
    let before = &lower[..host_start];
    let (start, scheme) = if before.ends_with("https://") {
        (host_start - 8, true)
    } else if before.ends_with("http://") {
        (host_start - 7, true)
    } else {
        // Without a scheme the host must stand on its own, not be a path inside another
        // link (`https://example.com/chime.aws/…`).
        if host_start > 0 && b"/\\:@=?&#%~+".contains(&b[host_start - 1]) {
            return None;
        }
        (host_start, false)
    };
    let mut end = host_end;
    if b.get(end) == Some(&b'/') {
        while end < b.len() && is_url_byte(b[end]) {
            end += 1;
        }
    } else if !scheme {
        // A bare mention of the domain is not a link.
        return None;
    }
    while end > host_end && b".,;:!?'".contains(&b[end - 1]) {
        end -= 1;
    }
    let host = &lower[host_start..host_end];
    let path = &lower[host_end..end];
    let first = path
        .trim_start_matches('/')
        .split(['/', '?', '#'])
        .next()
        .unwrap_or("");
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit());
    let url = line[start..end].to_owned();
    let (detail, id) = if host == "chime.aws" {
        if first.len() == 10 && all_digits(first) {
            (Detail::JoinLink(url), Some(first.to_owned()))
        } else if first == "dialinnumbers" {
            (Detail::Link(url), None)
        } else if (12..=35).contains(&first.len())
            && first
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || b"-_.".contains(&c))
        {
            (Detail::JoinLink(url), None)
        } else {
            (Detail::Link(url), None)
        }
    } else if host == "app.chime.aws" && path.starts_with("/meetings/") && path.len() > 10 {
        let id = path["/meetings/".len()..]
            .split(['/', '?', '#'])
            .next()
            .filter(|s| s.len() == 10 && all_digits(s))
            .map(str::to_owned);
        (Detail::JoinLink(url), id)
    } else {
        (Detail::Link(url), None)
    };
    Some(Hit {
        start,
        end,
        detail,
        id,
    })
}

fn scan_room_systems(lower: &str, out: &mut Vec<Hit>) {
    const HOST: &str = "meet.chime.in";
    let b = lower.as_bytes();
    for (pos, _) in lower.match_indices(HOST) {
        let end = pos + HOST.len();
        if host_continues(b, end) {
            continue;
        }
        let mut start = pos;
        let mut id = None;
        match pos.checked_sub(1).map(|p| b[p]) {
            Some(b'@') => {
                let Some(local) = walk_back(b, pos - 1, is_local_byte) else {
                    continue;
                };
                let name = &lower[local..pos - 1];
                if name.len() == 10 && name.bytes().all(|c| c.is_ascii_digit()) {
                    id = Some(name.to_owned());
                }
                start = if name.is_empty() { pos - 1 } else { local };
                if lower[..start].ends_with("sip:") {
                    start -= 4;
                }
            }
            Some(c) if is_host_byte(c) => continue,
            _ => {
                if lower[..start].ends_with("sip:") {
                    start -= 4;
                }
            }
        }
        let address = lower[start..end]
            .trim_start_matches("sip:")
            .trim_start_matches('@')
            .to_owned();
        out.push(Hit {
            start,
            end,
            detail: Detail::RoomSystem(address),
            id,
        });
    }
}

fn scan_h323(lower: &str, out: &mut Vec<Hit>) {
    let b = lower.as_bytes();
    for address in &KNOWN.h323 {
        for (pos, _) in lower.match_indices(address.as_str()) {
            let end = pos + address.len();
            let before = pos.checked_sub(1).map(|p| b[p]);
            if before.is_some_and(|c| c.is_ascii_digit() || c == b'.') {
                continue;
            }
            let digit_after = b.get(end).is_some_and(u8::is_ascii_digit)
                || (b.get(end) == Some(&b'.') && b.get(end + 1).is_some_and(u8::is_ascii_digit));
            if digit_after {
                continue;
            }
            out.push(Hit {
                start: pos,
                end,
                detail: Detail::H323(address.clone()),
                id: None,
            });
        }
    }
}

/// What may stand between a "Meeting ID" label and the number.
fn is_label_gap(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\u{a0}' | ':' | '#' | '=' | '-' | '–' | '.')
}

fn scan_meeting_ids(lower: &str, out: &mut Vec<Hit>) {
    let b = lower.as_bytes();
    for label in ["meeting id", "meeting pin"] {
        for (pos, _) in lower.match_indices(label) {
            if pos > 0 && b[pos - 1].is_ascii_alphanumeric() {
                continue;
            }
            let mut i = pos + label.len();
            if b.get(i).is_some_and(u8::is_ascii_alphanumeric) {
                continue;
            }
            for c in lower[i..].chars().take(8) {
                if !is_label_gap(c) {
                    break;
                }
                i += c.len_utf8();
            }
            if let Some((digits, mut end)) = grouped_id_at(b, i) {
                if b.get(end) == Some(&b'#') {
                    end += 1;
                }
                out.push(Hit {
                    start: pos,
                    end,
                    id: Some(digits.clone()),
                    detail: Detail::MeetingId(digits),
                });
            }
        }
    }
}

/// A 10-digit ID at `i`, bare or grouped 4-2-4 (by spaces, no-break spaces or hyphens).
fn grouped_id_at(b: &[u8], i: usize) -> Option<(String, usize)> {
    let digits_at = |at: usize, n: usize| {
        (at + n <= b.len() && b[at..at + n].iter().all(u8::is_ascii_digit)).then_some(at + n)
    };
    let separator_at = |at: usize| match b.get(at) {
        Some(b' ' | b'-') => Some(at + 1),
        Some(0xC2) if b.get(at + 1) == Some(&0xA0) => Some(at + 2),
        _ => None,
    };
    let not_digit_at = |at: usize| !b.get(at).is_some_and(u8::is_ascii_digit);
    let first = digits_at(i, 4)?;
    if let Some(end) = digits_at(i, 10).filter(|&e| not_digit_at(e)) {
        let digits = String::from_utf8_lossy(&b[i..end]).into_owned();
        return Some((digits, end));
    }
    let second_start = separator_at(first)?;
    let second = digits_at(second_start, 2)?;
    let third_start = separator_at(second)?;
    let end = digits_at(third_start, 4).filter(|&e| not_digit_at(e))?;
    let mut digits = String::with_capacity(10);
    for (s, e) in [(i, first), (second_start, second), (third_start, end)] {
        digits.push_str(&String::from_utf8_lossy(&b[s..e]));
    }
    Some((digits, end))
}

/// A number does not start right after these (it is part of a word, a path, a query).
fn blocks_number(c: u8) -> bool {
    c.is_ascii_alphanumeric() || b"_/=&%@#".contains(&c)
}

/// The longest window of at most this many whitespace-separated tokens read as one phone
/// number.
const MAX_PHONE_TOKENS: usize = 5;

fn scan_phones(line: &str, lower: &str, scan: &mut LineScan) {
    let b = line.as_bytes();
    let n = b.len();
    let mut i = 0;
    while i < n {
        let c = b[i];
        let starts = c.is_ascii_digit() || c == b'+' || c == b'(';
        if !starts || (i > 0 && blocks_number(b[i - 1])) {
            i += 1;
            continue;
        }
        // A run of digits and phone punctuation, split into whitespace-separated tokens.
        let mut tokens: Vec<(usize, usize)> = Vec::new();
        let mut token_start: Option<usize> = None;
        let mut last_digit_end: Option<usize> = None;
        let mut j = i;
        while j < n {
            let d = b[j];
            if d.is_ascii_digit() || b"-.()".contains(&d) || (d == b'+' && j == i) {
                token_start.get_or_insert(j);
                if d.is_ascii_digit() {
                    last_digit_end = Some(j + 1);
                }
                j += 1;
            } else if d == b' ' || d == b'\t' || (d == 0xC2 && b.get(j + 1) == Some(&0xA0)) {
                if let Some(s) = token_start.take() {
                    tokens.push((s, j));
                }
                j += if d == 0xC2 { 2 } else { 1 };
            } else {
                break;
            }
        }
        if let Some(s) = token_start.take() {
            tokens.push((s, j));
        }
        let Some(k) = last_digit_end else {
            i = j.max(i + 1);
            continue;
        };
        tokens.retain(|t| t.0 < k);
        if let Some(last) = tokens.last_mut() {
            last.1 = last.1.min(k);
        }
        match dial_string_at(line, lower, k, &tokens) {
            Some((hit, maybe_id, phone_start)) => {
                let before: Vec<(usize, usize)> = tokens
                    .iter()
                    .copied()
                    .filter(|t| t.1 <= phone_start)
                    .collect();
                dial_ins(line, &before, &mut scan.hits);
                let end = hit.end;
                match maybe_id {
                    Some(id) => scan.maybe.push((hit, id)),
                    None => scan.hits.push(hit),
                }
                i = end.max(i + 1);
            }
            None => {
                dial_ins(line, &tokens, &mut scan.hits);
                i = j.max(i + 1);
            }
        }
    }
}

/// A one-click dial string whose number ends at `k`: the hit, the ID when the number is
/// not a known Chime number (a maybe), and where the number starts.
fn dial_string_at(
    line: &str,
    lower: &str,
    k: usize,
    tokens: &[(usize, usize)],
) -> Option<(Hit, Option<String>, usize)> {
    let b = line.as_bytes();
    let mut m = k;
    while m < b.len() && b[m] == b',' {
        m += 1;
    }
    if !(2..=3).contains(&(m - k)) {
        return None;
    }
    let digits_start = m;
    while m < b.len() && b[m].is_ascii_digit() {
        m += 1;
    }
    let count = m - digits_start;
    if !(10..=13).contains(&count) {
        return None;
    }
    let end = if b.get(m) == Some(&b'#') {
        m + 1
    } else if lower[m..].starts_with("%23") {
        m + 3
    } else {
        m
    };
    let id = line[digits_start..digits_start + 10].to_owned();
    let most = tokens.len().min(MAX_PHONE_TOKENS);
    let known = (1..=most).rev().find_map(|len| {
        let window = &tokens[tokens.len() - len..];
        let digits: String = window
            .iter()
            .map(|&(s, e)| digits_of(&line[s..e]))
            .collect();
        (digits.len() <= 11 && known_number(&digits).is_some()).then_some(window[0].0)
    });
    if let Some(phone_start) = known {
        let hit = Hit {
            start: phone_start,
            end,
            detail: Detail::DialString(line[phone_start..end].to_owned()),
            id: Some(id),
        };
        return Some((hit, None, phone_start));
    }
    if count != 10 {
        return None;
    }
    let run_start = tokens.first().map_or(k, |t| t.0);
    let phone_start = line[run_start..k]
        .rfind('+')
        .map(|p| run_start + p)
        .or_else(|| tokens.last().map(|t| t.0))
        .unwrap_or(k);
    let hit = Hit {
        start: phone_start,
        end,
        detail: Detail::DialString(line[phone_start..end].to_owned()),
        id: None,
    };
    Some((hit, Some(id), phone_start))
}

/// Known dial-in numbers among `tokens` (one number may be written over several tokens).
fn dial_ins(line: &str, tokens: &[(usize, usize)], out: &mut Vec<Hit>) {
    let mut t = 0;
    while t < tokens.len() {
        let mut digits = String::new();
        let mut matched = None;
        for len in 1..=MAX_PHONE_TOKENS.min(tokens.len() - t) {
            let (s, e) = tokens[t + len - 1];
            digits.push_str(&digits_of(&line[s..e]));
            if digits.len() > 11 {
                break;
            }
            if let Some(shown) = known_number(&digits) {
                matched = Some((len, shown));
            }
        }
        match matched {
            Some((len, shown)) => {
                out.push(Hit {
                    start: tokens[t].0,
                    end: tokens[t + len - 1].1,
                    detail: Detail::DialIn(shown.to_owned()),
                    id: None,
                });
                t += len;
            }
            None => t += 1,
        }
    }
}

// ---------------------------------------------------------------------------------------
// Lines that belong to a Chime block without holding a detail.

fn has_word(lower: &str, word: &str) -> bool {
    let b = lower.as_bytes();
    lower.match_indices(word).any(|(p, _)| {
        (p == 0 || !b[p - 1].is_ascii_alphanumeric())
            && b.get(p + word.len())
                .is_none_or(|c| !c.is_ascii_alphanumeric())
    })
}

fn is_separator(trimmed: &str) -> bool {
    trimmed.chars().count() >= 3 && trimmed.chars().all(|c| "-=_*~—–•·".contains(c))
}

fn has_mute_code(lower: &str) -> bool {
    let code = KNOWN.mute_code.as_str();
    if code.is_empty() {
        return false;
    }
    let b = lower.as_bytes();
    lower
        .match_indices(code)
        .any(|(p, _)| !b.get(p + code.len()).is_some_and(u8::is_ascii_digit))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Blank,
    Detail,
    Weak,
    Other,
}

#[derive(Debug, Clone, Copy)]
struct Unit {
    kind: Kind,
    /// Ends in `:`: a Chime line when the next line is one.
    heading: bool,
    /// A paragraph starts here even without a blank line before (an HTML block boundary).
    para_break: bool,
}

fn classify(text: &str, blank: bool, hits: &[Hit]) -> Unit {
    let trimmed = text.trim();
    let kind = if blank || trimmed.is_empty() {
        Kind::Blank
    } else if !hits.is_empty() {
        Kind::Detail
    } else {
        let lower = trimmed.to_ascii_lowercase();
        let names_chime = has_word(&lower, "chime") && !trimmed.ends_with(['.', '!', '?']);
        if names_chime || is_separator(trimmed) || has_mute_code(&lower) {
            Kind::Weak
        } else {
            Kind::Other
        }
    };
    Unit {
        kind,
        heading: trimmed.ends_with(':') || trimmed.ends_with('：'),
        para_break: false,
    }
}

/// The Chime blocks, as inclusive ranges of units, in order.
fn find_blocks(units: &mut [Unit]) -> Vec<(usize, usize)> {
    let chime = |k: Kind| matches!(k, Kind::Detail | Kind::Weak);
    for i in (0..units.len()).rev() {
        if units[i].kind == Kind::Other
            && units[i].heading
            && units.get(i + 1).is_some_and(|n| chime(n.kind))
        {
            units[i].kind = Kind::Weak;
        }
    }
    // Paragraphs: (first, last, holds a detail, holds only Chime lines).
    let mut paragraphs: Vec<(usize, usize, bool, bool)> = Vec::new();
    let mut i = 0;
    while i < units.len() {
        if units[i].kind == Kind::Blank {
            i += 1;
            continue;
        }
        let first = i;
        i += 1;
        while i < units.len() && units[i].kind != Kind::Blank && !units[i].para_break {
            i += 1;
        }
        let span = &units[first..i];
        let detail = span.iter().any(|u| u.kind == Kind::Detail);
        let only_chime = span.iter().all(|u| chime(u.kind));
        paragraphs.push((first, i - 1, detail, only_chime));
    }
    let mut blocks = Vec::new();
    let mut p = 0;
    while p < paragraphs.len() {
        if !(paragraphs[p].2 || paragraphs[p].3) {
            p += 1;
            continue;
        }
        let run_start = p;
        let mut detail = false;
        while p < paragraphs.len() && (paragraphs[p].2 || paragraphs[p].3) {
            detail |= paragraphs[p].2;
            p += 1;
        }
        if !detail {
            continue;
        }
        let (a, _, _, _) = paragraphs[run_start];
        let (_, z, _, _) = paragraphs[p - 1];
        let first = (a..=z).find(|&u| chime(units[u].kind));
        let last = (a..=z).rev().find(|&u| chime(units[u].kind));
        if let (Some(first), Some(last)) = (first, last) {
            blocks.push((first, last));
        }
    }
    blocks
}

/// What becomes of one block: the units `first..=last` go, replaced when `replace`.
#[derive(Debug, Clone, Copy)]
struct Cut {
    first: usize,
    last: usize,
    replace: bool,
}

/// The first block is replaced when there is a replacement; every other block is removed
/// with the blank lines that would otherwise be left doubled (or dangling at an end).
fn cuts(units: &[Unit], blocks: &[(usize, usize)], replacing: bool) -> Vec<Cut> {
    let blank = |i: usize| units[i].kind == Kind::Blank;
    blocks
        .iter()
        .enumerate()
        .map(|(k, &(s, e))| {
            if replacing && k == 0 {
                return Cut {
                    first: s,
                    last: e,
                    replace: true,
                };
            }
            let mut p = s;
            while p > 0 && blank(p - 1) {
                p -= 1;
            }
            let mut f = e;
            while f + 1 < units.len() && blank(f + 1) {
                f += 1;
            }
            let content_before = p > 0;
            let content_after = f + 1 < units.len();
            let (first, last) = if !content_after {
                (p, f)
            } else if !content_before || (p < s && f > e) {
                (s, f)
            } else {
                (s, e)
            };
            Cut {
                first,
                last,
                replace: false,
            }
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// Plain text.

/// The text's lines (with their terminators) and each line's body.
fn text_lines(text: &str) -> (Vec<&str>, Vec<&str>) {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let bodies = lines
        .iter()
        .map(|l| {
            let l = l.strip_suffix('\n').unwrap_or(l);
            l.strip_suffix('\r').unwrap_or(l)
        })
        .collect();
    (lines, bodies)
}

fn text_hits(text: &str) -> Vec<Vec<Hit>> {
    let (_, bodies) = text_lines(text);
    scan_part(&bodies)
}

fn edit_text(text: &str, replacement: Option<&str>) -> Option<String> {
    let (lines, bodies) = text_lines(text);
    let hits = scan_part(&bodies);
    if hits.iter().all(Vec::is_empty) {
        return None;
    }
    let mut units: Vec<Unit> = bodies
        .iter()
        .zip(&hits)
        .map(|(body, h)| classify(body, false, h))
        .collect();
    let blocks = find_blocks(&mut units);
    let replacement = replacement
        .map(|r| r.trim_end().trim_start_matches(['\r', '\n']))
        .filter(|r| !r.trim().is_empty());
    let cuts = cuts(&units, &blocks, replacement.is_some());
    let newline = lines
        .iter()
        .find(|l| l.ends_with('\n'))
        .map_or("\n", |l| if l.ends_with("\r\n") { "\r\n" } else { "\n" });

    let mut out = String::with_capacity(text.len());
    let mut next_cut = cuts.iter().peekable();
    let mut i = 0;
    while i < lines.len() {
        match next_cut.peek() {
            Some(cut) if cut.first == i => {
                if let (true, Some(r)) = (cut.replace, replacement) {
                    for (n, line) in r.split('\n').enumerate() {
                        if n > 0 {
                            out.push_str(newline);
                        }
                        out.push_str(line.strip_suffix('\r').unwrap_or(line));
                    }
                    if lines[cut.last].ends_with('\n') {
                        out.push_str(newline);
                    }
                }
                i = cut.last + 1;
                next_cut.next();
            }
            _ => {
                out.push_str(lines[i]);
                i += 1;
            }
        }
    }
    let last_removed = cuts
        .last()
        .is_some_and(|c| c.last + 1 == lines.len() && !c.replace);
    if last_removed && !text.ends_with('\n') {
        let trimmed = out
            .strip_suffix("\r\n")
            .or_else(|| out.strip_suffix('\n'))
            .map(str::len);
        if let Some(len) = trimmed {
            out.truncate(len);
        }
    }
    (out != text).then_some(out)
}

// ---------------------------------------------------------------------------------------
// HTML: a lenient parser that keeps every node's byte span, so whole nodes can be taken out
// and everything else copied as it was.

#[derive(Debug)]
enum NodeKind {
    Element {
        name: String,
        block: bool,
        void: bool,
        href: Option<String>,
    },
    Text,
    /// Comments, declarations, script and style content, stray end tags.
    Opaque,
}

#[derive(Debug)]
struct Node {
    kind: NodeKind,
    start: usize,
    end: usize,
    parent: usize,
    children: Vec<usize>,
}

impl Node {
    fn name(&self) -> &str {
        match &self.kind {
            NodeKind::Element { name, .. } => name,
            _ => "",
        }
    }
}

fn is_block(name: &str) -> bool {
    matches!(
        name,
        "address"
            | "article"
            | "aside"
            | "blockquote"
            | "body"
            | "caption"
            | "center"
            | "dd"
            | "details"
            | "dialog"
            | "dir"
            | "div"
            | "dl"
            | "dt"
            | "fieldset"
            | "figcaption"
            | "figure"
            | "footer"
            | "form"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "head"
            | "header"
            | "hgroup"
            | "hr"
            | "html"
            | "li"
            | "main"
            | "menu"
            | "nav"
            | "ol"
            | "p"
            | "pre"
            | "section"
            | "summary"
            | "table"
            | "tbody"
            | "td"
            | "tfoot"
            | "th"
            | "thead"
            | "title"
            | "tr"
            | "ul"
    )
}

/// Elements whose content may be blocks (the document itself too).
fn holds_blocks(name: &str) -> bool {
    matches!(
        name,
        "" | "html"
            | "body"
            | "div"
            | "td"
            | "th"
            | "li"
            | "dd"
            | "blockquote"
            | "section"
            | "article"
            | "aside"
            | "main"
            | "header"
            | "footer"
            | "nav"
            | "form"
            | "fieldset"
            | "figure"
            | "figcaption"
            | "details"
            | "dialog"
            | "center"
            | "caption"
    )
}

fn is_void(name: &str) -> bool {
    matches!(
        name,
        "area"
            | "base"
            | "br"
            | "col"
            | "embed"
            | "hr"
            | "img"
            | "input"
            | "link"
            | "meta"
            | "param"
            | "source"
            | "track"
            | "wbr"
    )
}

/// How far down the open elements an implied end tag is looked for.
const MAX_IMPLIED_SEARCH: usize = 64;

#[derive(Debug)]
enum Tag {
    Open {
        name: String,
        self_closing: bool,
        href: Option<String>,
    },
    Close {
        name: String,
    },
    Opaque,
}

#[derive(Debug)]
enum Lexed {
    Tag(Tag, usize),
    NotTag,
    /// A tag that never ends: the rest of the document is text.
    Unterminated,
}

fn is_name_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || b":_-.".contains(&c)
}

fn lex(src: &str, lower: &str, i: usize) -> Lexed {
    let b = src.as_bytes();
    let rest = &lower[i..];
    if rest.starts_with("<!--") {
        let end = lower[i + 4..]
            .find("-->")
            .map_or(b.len(), |p| i + 4 + p + 3);
        return Lexed::Tag(Tag::Opaque, end);
    }
    if rest.starts_with("<!") || rest.starts_with("<?") {
        return match lower[i..].find('>') {
            Some(p) => Lexed::Tag(Tag::Opaque, i + p + 1),
            None => Lexed::Unterminated,
        };
    }
    let close = rest.starts_with("</");
    let name_start = if close { i + 2 } else { i + 1 };
    if !b.get(name_start).is_some_and(u8::is_ascii_alphabetic) {
        return Lexed::NotTag;
    }
    let mut j = name_start;
    while j < b.len() && is_name_byte(b[j]) {
        j += 1;
    }
    let name = lower[name_start..j].to_owned();
    if close {
        return match lower[j..].find('>') {
            Some(p) => Lexed::Tag(Tag::Close { name }, j + p + 1),
            None => Lexed::Unterminated,
        };
    }
    let mut href = None;
    loop {
        while j < b.len() && b[j].is_ascii_whitespace() {
            j += 1;
        }
        match b.get(j) {
            None => return Lexed::Unterminated,
            Some(b'>') => {
                let tag = Tag::Open {
                    name,
                    self_closing: false,
                    href,
                };
                return Lexed::Tag(tag, j + 1);
            }
            Some(b'/') if b.get(j + 1) == Some(&b'>') => {
                let tag = Tag::Open {
                    name,
                    self_closing: true,
                    href,
                };
                return Lexed::Tag(tag, j + 2);
            }
            Some(b'/' | b'=') => {
                j += 1;
                continue;
            }
            Some(_) => {}
        }
        let attr_start = j;
        while j < b.len() && !b[j].is_ascii_whitespace() && !b"=>/".contains(&b[j]) {
            j += 1;
        }
        let attr = &lower[attr_start..j];
        while j < b.len() && b[j].is_ascii_whitespace() {
            j += 1;
        }
        if b.get(j) != Some(&b'=') {
            continue;
        }
        j += 1;
        while j < b.len() && b[j].is_ascii_whitespace() {
            j += 1;
        }
        let value = match b.get(j) {
            None => return Lexed::Unterminated,
            Some(&q) if q == b'"' || q == b'\'' => {
                let Some(p) = src[j + 1..].find(q as char) else {
                    return Lexed::Unterminated;
                };
                let value = &src[j + 1..j + 1 + p];
                j += p + 2;
                value
            }
            Some(_) => {
                let s = j;
                while j < b.len() && !b[j].is_ascii_whitespace() && b[j] != b'>' {
                    j += 1;
                }
                &src[s..j]
            }
        };
        if attr == "href" {
            href = Some(percent_decode(&decode_entities(value)));
        }
    }
}

struct Tree {
    nodes: Vec<Node>,
    stack: Vec<usize>,
    open: HashMap<String, usize>,
}

impl Tree {
    fn add(&mut self, kind: NodeKind, start: usize, end: usize) -> usize {
        let parent = self.stack.last().copied().unwrap_or(0);
        let idx = self.nodes.len();
        self.nodes.push(Node {
            kind,
            start,
            end,
            parent,
            children: Vec::new(),
        });
        self.nodes[parent].children.push(idx);
        idx
    }

    fn pop(&mut self, end: usize) {
        if self.stack.len() <= 1 {
            return;
        }
        if let Some(top) = self.stack.pop() {
            self.nodes[top].end = end;
            let name = self.nodes[top].name().to_owned();
            if let Some(count) = self.open.get_mut(&name) {
                *count = count.saturating_sub(1);
            }
        }
    }

    fn is_open(&self, name: &str) -> bool {
        self.open.get(name).is_some_and(|c| *c > 0)
    }

    /// Closes an open element named in `targets` (the end tag HTML implies), looking down
    /// past elements named in `through` and inline elements only.
    fn close_implied(&mut self, targets: &[&str], through: &[&str], at: usize) {
        if !targets.iter().any(|t| self.is_open(t)) {
            return;
        }
        let mut found = None;
        for (depth, &idx) in self.stack.iter().enumerate().rev().take(MAX_IMPLIED_SEARCH) {
            if idx == 0 {
                break;
            }
            let name = self.nodes[idx].name();
            if targets.contains(&name) {
                found = Some(depth);
                break;
            }
            if is_block(name) && !through.contains(&name) {
                break;
            }
        }
        if let Some(depth) = found {
            while self.stack.len() > depth.max(1) {
                self.pop(at);
            }
        }
    }

    fn open_tag(
        &mut self,
        name: String,
        self_closing: bool,
        href: Option<String>,
        at: (usize, usize),
    ) {
        let (start, end) = at;
        let block = is_block(&name);
        match name.as_str() {
            "li" => self.close_implied(&["li"], &["p"], start),
            "dt" | "dd" => self.close_implied(&["dt", "dd"], &["p"], start),
            "tr" => self.close_implied(&["tr"], &["td", "th", "p"], start),
            "td" | "th" => self.close_implied(&["td", "th"], &["p"], start),
            _ => {}
        }
        if block
            && !matches!(
                name.as_str(),
                "td" | "th"
                    | "tr"
                    | "tbody"
                    | "thead"
                    | "tfoot"
                    | "caption"
                    | "body"
                    | "html"
                    | "head"
                    | "title"
            )
        {
            self.close_implied(&["p"], &[], start);
        }
        let void = is_void(&name) || self_closing;
        let kind = NodeKind::Element {
            name: name.clone(),
            block,
            void,
            href,
        };
        let idx = self.add(kind, start, end);
        if !void {
            self.stack.push(idx);
            *self.open.entry(name).or_default() += 1;
        }
    }

    fn close_tag(&mut self, name: &str, at: (usize, usize)) {
        let (start, end) = at;
        if !self.is_open(name) {
            self.add(NodeKind::Opaque, start, end);
            return;
        }
        while self.stack.len() > 1 {
            let top = self.stack[self.stack.len() - 1];
            let matched = self.nodes[top].name() == name;
            self.pop(if matched { end } else { start });
            if matched {
                break;
            }
        }
    }
}

fn parse_html(src: &str) -> Vec<Node> {
    let lower = src.to_ascii_lowercase();
    let b = src.as_bytes();
    let root = Node {
        kind: NodeKind::Element {
            name: String::new(),
            block: true,
            void: false,
            href: None,
        },
        start: 0,
        end: src.len(),
        parent: 0,
        children: Vec::new(),
    };
    let mut tree = Tree {
        nodes: vec![root],
        stack: vec![0],
        open: HashMap::new(),
    };
    let mut text_from = 0;
    let mut tags = true;
    let mut i = 0;
    while i < b.len() {
        if tags && b[i] == b'<' {
            match lex(src, &lower, i) {
                Lexed::Tag(tag, end) => {
                    if text_from < i {
                        tree.add(NodeKind::Text, text_from, i);
                    }
                    let mut next = end;
                    match tag {
                        Tag::Open {
                            name,
                            self_closing,
                            href,
                        } => {
                            let raw = !self_closing && matches!(name.as_str(), "script" | "style");
                            let close = format!("</{name}");
                            tree.open_tag(name, self_closing, href, (i, end));
                            if raw {
                                let stop = lower[end..].find(&close).map_or(b.len(), |p| end + p);
                                if end < stop {
                                    tree.add(NodeKind::Opaque, end, stop);
                                }
                                next = stop;
                            }
                        }
                        Tag::Close { name } => tree.close_tag(&name, (i, end)),
                        Tag::Opaque => {
                            tree.add(NodeKind::Opaque, i, end);
                        }
                    }
                    i = next;
                    text_from = next;
                    continue;
                }
                Lexed::NotTag => {}
                Lexed::Unterminated => tags = false,
            }
        }
        i += 1;
    }
    if text_from < b.len() {
        tree.add(NodeKind::Text, text_from, b.len());
    }
    while tree.stack.len() > 1 {
        tree.pop(b.len());
    }
    tree.nodes
}

fn has_tags(src: &str) -> bool {
    let b = src.as_bytes();
    b.iter().enumerate().any(|(i, &c)| {
        c == b'<'
            && b.get(i + 1)
                .is_some_and(|n| n.is_ascii_alphabetic() || *n == b'/' || *n == b'!')
    })
}

fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(p) = rest.find('&') {
        out.push_str(&rest[..p]);
        rest = &rest[p..];
        let semi = rest.as_bytes().iter().take(12).position(|&c| c == b';');
        let decoded = semi.and_then(|k| {
            let name = &rest[1..k];
            let c = match name {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                "nbsp" => Some('\u{a0}'),
                _ => {
                    let number = name.strip_prefix('#');
                    number
                        .and_then(|n| match n.strip_prefix(['x', 'X']) {
                            Some(hex) => u32::from_str_radix(hex, 16).ok(),
                            None => n.parse().ok(),
                        })
                        .and_then(char::from_u32)
                }
            };
            c.map(|c| (c, k))
        });
        match decoded {
            Some((c, k)) => {
                out.push(c);
                rest = &rest[k + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// `%XX` escapes of ASCII characters decoded (`tel:+1…,,…%23`).
fn percent_decode(s: &str) -> String {
    if !s.contains('%') {
        return s.to_owned();
    }
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    let mut from = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = s
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok());
            if let Some(byte) = hex.filter(u8::is_ascii) {
                out.push_str(&s[from..i]);
                out.push(char::from(byte));
                i += 3;
                from = i;
                continue;
            }
        }
        i += 1;
    }
    out.push_str(&s[from..]);
    out
}

/// One visual line of an HTML description.
#[derive(Debug, Default)]
struct HtmlLine {
    /// The nodes that make it up (text, empty and void elements, comments), its `<br>` too.
    leaves: Vec<usize>,
    /// Elements whose link belongs to it.
    links: Vec<usize>,
    text: String,
    blank: bool,
    para_break: bool,
}

#[derive(Debug, Default)]
struct LineAcc {
    leaves: Vec<usize>,
    links: Vec<usize>,
    text: String,
    content: bool,
    nbsp: bool,
}

fn html_lines(src: &str, nodes: &[Node]) -> Vec<HtmlLine> {
    let mut lines = Vec::new();
    let mut acc = LineAcc::default();
    let mut pending_break = true;
    let finish =
        |acc: &mut LineAcc, br: Option<usize>, pending: &mut bool, lines: &mut Vec<HtmlLine>| {
            let mut done = std::mem::take(acc);
            done.leaves.extend(br);
            if done.content || br.is_some() || done.nbsp {
                lines.push(HtmlLine {
                    leaves: done.leaves,
                    links: done.links,
                    text: done.text.split_whitespace().collect::<Vec<_>>().join(" "),
                    blank: !done.content,
                    para_break: *pending,
                });
                *pending = false;
            }
        };
    // (node, leaving)
    let mut stack: Vec<(usize, bool)> = nodes
        .first()
        .map(|root| root.children.iter().rev().map(|&c| (c, false)).collect())
        .unwrap_or_default();
    while let Some((idx, leaving)) = stack.pop() {
        let node = &nodes[idx];
        match &node.kind {
            NodeKind::Text => {
                let text = decode_entities(&src[node.start..node.end]);
                acc.content |= text.chars().any(|c| !c.is_whitespace());
                acc.nbsp |= text.contains('\u{a0}');
                acc.text.push_str(&text);
                acc.leaves.push(idx);
            }
            NodeKind::Opaque => acc.leaves.push(idx),
            NodeKind::Element {
                name,
                block,
                void,
                href,
            } => {
                // A table row reads as one line, its cells apart by a space ("Meeting ID",
                // "6064 72 4824").
                let cell = matches!(name.as_str(), "td" | "th");
                let block = *block && !cell;
                if leaving {
                    if block {
                        finish(&mut acc, None, &mut pending_break, &mut lines);
                        pending_break = true;
                    }
                    continue;
                }
                if name == "br" {
                    finish(&mut acc, Some(idx), &mut pending_break, &mut lines);
                    continue;
                }
                if cell {
                    acc.text.push(' ');
                }
                if block {
                    finish(&mut acc, None, &mut pending_break, &mut lines);
                    pending_break = true;
                }
                if let Some(href) = href {
                    acc.text.push(' ');
                    acc.text.push_str(href);
                    acc.text.push(' ');
                    acc.links.push(idx);
                    acc.content = true;
                }
                if *void || node.children.is_empty() {
                    if !block {
                        acc.leaves.push(idx);
                        acc.content |=
                            matches!(name.as_str(), "img" | "input" | "iframe" | "embed");
                    } else {
                        finish(&mut acc, None, &mut pending_break, &mut lines);
                        pending_break = true;
                    }
                    continue;
                }
                stack.push((idx, true));
                stack.extend(node.children.iter().rev().map(|&c| (c, false)));
            }
        }
    }
    finish(&mut acc, None, &mut pending_break, &mut lines);
    lines
}

fn html_units(lines: &[HtmlLine], hits: &[Vec<Hit>]) -> Vec<Unit> {
    let mut units: Vec<Unit> = lines
        .iter()
        .zip(hits)
        .map(|(line, h)| Unit {
            para_break: line.para_break,
            ..classify(&line.text, line.blank, h)
        })
        .collect();
    // Markup that separates paragraphs with blank lines (`<p>&nbsp;</p>`, `<div><br></div>`)
    // puts every line in an element of its own: then element boundaries are only lines.
    let content = |u: &Unit| u.kind != Kind::Blank;
    let first = units.iter().position(content);
    let last = units.iter().rposition(content);
    if let (Some(a), Some(z)) = (first, last)
        && units[a..z].iter().any(|u| u.kind == Kind::Blank)
    {
        for u in &mut units {
            u.para_break = false;
        }
    }
    units
}

fn html_hits(html: &str) -> Vec<Vec<Hit>> {
    if !has_tags(html) {
        return text_hits(html);
    }
    let nodes = parse_html(html);
    let lines = html_lines(html, &nodes);
    let texts: Vec<&str> = lines.iter().map(|l| l.text.as_str()).collect();
    scan_part(&texts)
}

/// Passes made over HTML whose removals bring new details together.
const MAX_HTML_PASSES: usize = 16;

fn edit_html(html: &str, replacement: Option<&str>) -> Option<String> {
    let mut out = html_pass(html, replacement)?;
    for _ in 0..MAX_HTML_PASSES {
        match html_pass(&out, None) {
            Some(next) => out = next,
            None => break,
        }
    }
    Some(out)
}

fn html_pass(src: &str, replacement: Option<&str>) -> Option<String> {
    if !has_tags(src) {
        return edit_text(src, replacement);
    }
    let nodes = parse_html(src);
    let lines = html_lines(src, &nodes);
    let texts: Vec<&str> = lines.iter().map(|l| l.text.as_str()).collect();
    let hits = scan_part(&texts);
    if hits.iter().all(Vec::is_empty) {
        return None;
    }
    let mut units = html_units(&lines, &hits);
    let blocks = find_blocks(&mut units);
    let replacement = replacement.map(str::trim).filter(|r| !r.is_empty());
    let cuts = cuts(&units, &blocks, replacement.is_some());
    let mut unit_removed = vec![false; units.len()];
    for cut in &cuts {
        for removed in &mut unit_removed[cut.first..=cut.last] {
            *removed = true;
        }
    }

    let n = nodes.len();
    let mut marked = vec![false; n];
    let mut has_kept = vec![false; n];
    for (line, &removed) in lines.iter().zip(&unit_removed) {
        for &idx in line.leaves.iter().chain(&line.links) {
            if removed {
                marked[idx] = true;
            } else {
                has_kept[idx] = true;
            }
        }
    }
    let mut has_removed = marked.clone();
    for idx in (1..n).rev() {
        let parent = nodes[idx].parent;
        if has_removed[idx] {
            has_removed[parent] = true;
        }
        if has_kept[idx] {
            has_kept[parent] = true;
        }
    }
    let removed = |idx: usize| idx != 0 && (marked[idx] || (has_removed[idx] && !has_kept[idx]));
    let absorbable = |idx: usize| !has_kept[idx] && !has_removed[idx];
    let is_space = |idx: usize| {
        matches!(nodes[idx].kind, NodeKind::Text)
            && src[nodes[idx].start..nodes[idx].end].trim().is_empty()
    };

    // Runs of removed siblings: (parent, first child, last child).
    let mut runs: Vec<(usize, usize, usize)> = Vec::new();
    for (p, node) in nodes.iter().enumerate() {
        if removed(p) || !has_removed[p] {
            continue;
        }
        let ch = &node.children;
        let mut k = 0;
        while k < ch.len() {
            if !removed(ch[k]) {
                k += 1;
                continue;
            }
            let first = k;
            let mut last = k;
            let mut m = k + 1;
            while m < ch.len() {
                if removed(ch[m]) {
                    last = m;
                } else if !absorbable(ch[m]) {
                    break;
                }
                m += 1;
            }
            runs.push((p, first, last));
            k = last + 1;
        }
    }
    let replaced_run = replacement.and_then(|_| {
        runs.iter()
            .enumerate()
            .min_by_key(|(_, (p, first, _))| nodes[nodes[*p].children[*first]].start)
            .map(|(i, _)| i)
    });
    // Block markup cannot go inside a paragraph, a heading or a table row: then it goes
    // right after the nearest ancestor that sits in a container of blocks.
    let hoist_to = replaced_run.and_then(|i| {
        let (p, _, _) = runs[i];
        let blocky = replacement.is_some_and(|r| {
            parse_html(r)
                .iter()
                .any(|n| is_block(n.name()) && !n.name().is_empty())
        });
        if !blocky || holds_blocks(nodes[p].name()) || p == 0 {
            return None;
        }
        let mut a = p;
        while a != 0 && !holds_blocks(nodes[nodes[a].parent].name()) {
            a = nodes[a].parent;
        }
        Some(nodes[a].end)
    });
    let mut edits: Vec<(usize, usize, bool)> = runs
        .iter()
        .enumerate()
        .map(|(i, &(p, first, last))| {
            let ch = &nodes[p].children;
            if Some(i) == replaced_run && hoist_to.is_none() {
                return (nodes[ch[first]].start, nodes[ch[last]].end, true);
            }
            let at_end = ch[last + 1..].iter().all(|&c| absorbable(c));
            let (mut f, mut l) = (first, last);
            if at_end {
                while f > 0 && is_space(ch[f - 1]) && absorbable(ch[f - 1]) {
                    f -= 1;
                }
            } else if l + 1 < ch.len() && is_space(ch[l + 1]) && absorbable(ch[l + 1]) {
                l += 1;
            }
            (nodes[ch[f]].start, nodes[ch[l]].end, false)
        })
        .collect();
    edits.extend(hoist_to.map(|at| (at, at, true)));
    edits.sort_by_key(|e| (e.0, e.1));

    let mut out = String::with_capacity(src.len());
    let mut at = 0;
    for (start, end, replace) in edits {
        let start = start.max(at);
        let end = end.max(start);
        out.push_str(&src[at..start]);
        if let (true, Some(r)) = (replace, replacement) {
            out.push_str(r);
        }
        at = end;
    }
    out.push_str(&src[at..]);
    (out != src).then_some(out)
}

// ---------------------------------------------------------------------------------------
// The location.

/// The location's segments (between `;`, `|`, line breaks and `, `), trimmed.
fn location_segments(loc: &str) -> Vec<(usize, usize)> {
    let b = loc.as_bytes();
    let mut segments = Vec::new();
    let mut from = 0;
    let push = |s: usize, e: usize, segments: &mut Vec<(usize, usize)>| {
        let text = &loc[s..e];
        let lead = text.len() - text.trim_start().len();
        let body = text.trim();
        if !body.is_empty() {
            segments.push((s + lead, s + lead + body.len()));
        }
    };
    for (i, &c) in b.iter().enumerate() {
        let separator = matches!(c, b';' | b'|' | b'\n' | b'\r')
            || (c == b',' && b.get(i + 1).is_some_and(u8::is_ascii_whitespace));
        if separator {
            push(from, i, &mut segments);
            from = i + 1;
        }
    }
    push(from, loc.len(), &mut segments);
    segments
}

fn location_hits(loc: &str) -> Vec<Vec<Hit>> {
    let segments = location_segments(loc);
    let texts: Vec<&str> = segments.iter().map(|&(s, e)| &loc[s..e]).collect();
    scan_part(&texts)
}

/// A segment that only names Chime ("Amazon Chime", "Amazon Chime meeting").
fn names_chime_only(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    has_word(&lower, "chime")
        && !text.bytes().any(|c| c.is_ascii_digit())
        && text.split_whitespace().count() <= 6
}

const RESIDUE_TRIM: &[char] = &[
    ':', ';', ',', '-', '–', '—', '|', '/', '(', ')', '[', ']', '<', '>', '#', '*', '.',
];

fn tidy(text: &str, trim_start: bool, trim_end: bool) -> String {
    let mut s = text
        .split(' ')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    if text.starts_with(' ') && !trim_start {
        s.insert(0, ' ');
    }
    if text.ends_with(' ') && !trim_end && !s.is_empty() {
        s.push(' ');
    }
    for empty in ["( )", "()", "[ ]", "[]", "< >", "<>"] {
        s = s.replace(empty, "");
    }
    let edge = |c: char| c.is_whitespace() || ":;,-–—|/".contains(c);
    let s = if trim_start {
        s.trim_start_matches(edge)
    } else {
        &s
    };
    let s = if trim_end {
        s.trim_end_matches(edge)
    } else {
        s
    };
    s.to_owned()
}

fn edit_location(loc: &str, replacement: Option<&str>) -> Option<String> {
    let segments = location_segments(loc);
    let texts: Vec<&str> = segments.iter().map(|&(s, e)| &loc[s..e]).collect();
    let hits = scan_part(&texts);
    if hits.iter().all(Vec::is_empty) {
        return None;
    }
    let replacement = replacement.map(str::trim).filter(|r| !r.is_empty());
    let mut placed = false;
    // (segment index, its new text)
    let mut pieces: Vec<(usize, String)> = Vec::new();
    for (k, (text, seg_hits)) in texts.iter().zip(&hits).enumerate() {
        if seg_hits.is_empty() {
            if !names_chime_only(text) {
                pieces.push((k, (*text).to_owned()));
            }
            continue;
        }
        let mut residue = String::new();
        let mut at = 0;
        for h in seg_hits {
            residue.push_str(&text[at..h.start.max(at)]);
            residue.push(' ');
            at = h.end.max(at);
        }
        residue.push_str(&text[at..]);
        let rest = residue.trim().trim_matches(RESIDUE_TRIM).trim();
        let whole = rest.is_empty() || names_chime_only(rest);
        let partial = (!whole).then(|| {
            let mut left = String::new();
            let mut right = String::new();
            let mut mine = false;
            let mut at = 0;
            for h in seg_hits {
                let target = if mine { &mut right } else { &mut left };
                target.push_str(&text[at..h.start.max(at)]);
                if !placed && !mine && replacement.is_some() {
                    mine = true;
                } else {
                    let target = if mine { &mut right } else { &mut left };
                    target.push(' ');
                }
                at = h.end.max(at);
            }
            let target = if mine { &mut right } else { &mut left };
            target.push_str(&text[at..]);
            match (mine, replacement) {
                (true, Some(r)) => (
                    format!(
                        "{}{r}{}",
                        tidy(&left, true, false),
                        tidy(&right, false, true)
                    ),
                    true,
                ),
                _ => (tidy(&left, true, true), false),
            }
        });
        match partial {
            Some((new, mine)) if scan_part(&[new.as_str()]).iter().all(Vec::is_empty) => {
                placed |= mine;
                if !new.is_empty() {
                    pieces.push((k, new));
                }
            }
            _ => {
                if let (false, Some(r)) = (placed, replacement) {
                    pieces.push((k, r.to_owned()));
                    placed = true;
                }
            }
        }
    }
    let mut out = String::with_capacity(loc.len());
    if let Some(&(0, _)) = pieces.first() {
        out.push_str(&loc[..segments[0].0]);
    }
    for (n, (k, text)) in pieces.iter().enumerate() {
        if n > 0 {
            out.push_str(&loc[segments[k - 1].1..segments[*k].0]);
        }
        out.push_str(text);
    }
    if let Some(&(k, _)) = pieces.last()
        && k + 1 == segments.len()
    {
        out.push_str(&loc[segments[k].1..]);
    }
    (out != loc).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_need_their_label() {
        let found = |t: &str| {
            text_hits(t)
                .into_iter()
                .flatten()
                .map(|h| h.detail)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            found("Meeting ID: 6064 72 4824"),
            [Detail::MeetingId("6064724824".into())]
        );
        assert_eq!(
            found("meeting pin 6064724824#"),
            [Detail::MeetingId("6064724824".into())]
        );
        assert!(found("Order 6064724824").is_empty());
        assert!(found("Meeting ID: 987 654 3210").is_empty());
        assert!(found("Meeting ID: 60647248241").is_empty());
    }

    #[test]
    fn numbers_in_any_formatting() {
        for n in [
            "+1 206-462-5569",
            "(206) 462 5569",
            "+12064625569",
            "1.206.462.5569",
        ] {
            let hits: Vec<Detail> = text_hits(n)
                .into_iter()
                .flatten()
                .map(|h| h.detail)
                .collect();
            assert_eq!(hits, [Detail::DialIn("+1 206-462-5569".into())], "{n}");
        }
        let hits: Vec<Detail> = text_hits("call 206-555-0199")
            .into_iter()
            .flatten()
            .map(|h| h.detail)
            .collect();
        assert!(hits.is_empty());
    }

    #[test]
    fn entities_and_percent_escapes() {
        assert_eq!(
            decode_entities("a&amp;b&nbsp;&#39;&#x41;&bogus;&"),
            "a&b\u{a0}'A&bogus;&"
        );
        assert_eq!(percent_decode("tel:+1,,1%23%zz%"), "tel:+1,,1#%zz%");
    }
}

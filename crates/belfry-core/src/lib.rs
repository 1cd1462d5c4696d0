//! Belfry's domain: meeting IDs and passcodes, meetings and their validation, invitations,
//! iCalendar, time zones and recurrence.
//!
//! Invariant: this crate does no I/O. The clock and randomness come in as parameters
//! ([`Entropy`], `DateTime<Utc>`), so every function is deterministic under test.

#![warn(missing_docs)]
// Unit tests may read the clock, the environment and files; the code under test may not.
#![cfg_attr(test, allow(clippy::disallowed_methods))]

pub mod calendar;
pub mod chime_details;
pub mod duration;
pub mod email;
pub mod entropy;
pub mod graph;
pub mod ics;
pub mod id;
pub mod invitation;
pub mod limits;
pub mod meeting;
pub mod passcode;
pub mod provider;
pub mod recurrence;
pub mod template;
pub mod time;

pub use duration::MeetingDuration;
pub use email::EmailAddress;
pub use entropy::{Entropy, EntropyError};
pub use ics::{IcsOptions, Method, render_ics};
pub use id::MeetingId;
pub use invitation::{
    DEFAULT_TEMPLATE, Invitation, Joining, TemplateError, joining_block, moderator_info,
    render_invitation,
};
pub use meeting::{Defaults, Field, FieldError, Meeting, MeetingForm, MeetingKind};
pub use passcode::Passcode;
pub use provider::Provider;
pub use recurrence::{Frequency, Recurrence, RepeatEnd};

//! What the tests against servers share: the edit they apply, and the suites every real
//! server runs ([`suites`]).

pub mod suites;

use belfry_core::calendar::EventEdit;
use chrono::{DateTime, TimeZone, Utc};

/// The edit the tests apply: "OLD" becomes "NEW" in the texts, `x@old.example` is dropped,
/// and occurrences before 2027-03-10 are left alone.
#[derive(Debug, Clone, Copy)]
pub struct OldToNew;

impl EventEdit for OldToNew {
    fn description(&self, text: &str) -> Option<String> {
        text.contains("OLD").then(|| text.replace("OLD", "NEW"))
    }
    fn html(&self, html: &str) -> Option<String> {
        html.contains("OLD").then(|| html.replace("OLD", "NEW"))
    }
    fn location(&self, location: &str) -> Option<String> {
        location
            .contains("OLD")
            .then(|| location.replace("OLD", "NEW"))
    }
    fn drops_attendee(&self, address: &str) -> bool {
        address.eq_ignore_ascii_case("x@old.example")
    }
    fn from(&self) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2027, 3, 10, 0, 0, 0).unwrap()
    }
}

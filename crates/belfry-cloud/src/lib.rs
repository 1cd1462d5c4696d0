//! Google Calendar (API v3) and Microsoft Graph: the calendars an account can schedule into.
//!
//! Invariant: every request carries an access token from a [`TokenSession`]; a 401 makes the
//! session refresh once and the request is retried once. Errors never carry a token.

use std::time::Duration;

use belfry_oauth::{OAuthError, ProviderKind, TokenSession};
use serde::Serialize;

/// Why the provider's API could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CloudError {
    #[error(transparent)]
    Auth(#[from] OAuthError),
    #[error("the calendar service refused access (HTTP {0}): sign in again")]
    Unauthorized(u16),
    #[error("the calendar service answered HTTP {status}: {message}")]
    Http { status: u16, message: String },
    #[error("cannot reach the calendar service: {0}")]
    Network(String),
    #[error("the calendar service sent a reply Belfry cannot read: {0}")]
    BadReply(String),
}

/// A calendar of a Google or Microsoft account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CloudCalendar {
    pub id: String,
    pub name: String,
    pub writable: bool,
    /// The account's own main calendar.
    pub primary: bool,
    /// Whose calendar it is, when another person's (a delegate's view of a host).
    pub owner: Option<String>,
}

fn http() -> Result<reqwest::blocking::Client, CloudError> {
    reqwest::blocking::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .map_err(|e| CloudError::Network(e.to_string()))
}

/// GET `url` with the session's token; one refresh and retry on 401.
fn get_json(session: &TokenSession, url: &str) -> Result<serde_json::Value, CloudError> {
    let client = http()?;
    for attempt in 0..2 {
        let token = session.access_token()?;
        let resp = client
            .get(url)
            .bearer_auth(token.expose())
            .send()
            .map_err(|e| CloudError::Network(e.without_url().to_string()))?;
        let status = resp.status().as_u16();
        if status == 401 && attempt == 0 {
            session.invalidate();
            continue;
        }
        if status == 401 || status == 403 {
            return Err(CloudError::Unauthorized(status));
        }
        let body: serde_json::Value = resp
            .json()
            .map_err(|e| CloudError::BadReply(e.without_url().to_string()))?;
        if !(200..300).contains(&status) {
            let message = body["error"]["message"]
                .as_str()
                .unwrap_or("no details")
                .to_owned();
            return Err(CloudError::Http { status, message });
        }
        return Ok(body);
    }
    Err(CloudError::Unauthorized(401))
}

/// The calendars the signed-in user can see.
pub fn list_calendars(
    kind: ProviderKind,
    api_base: &str,
    session: &TokenSession,
) -> Result<Vec<CloudCalendar>, CloudError> {
    let base = api_base.trim_end_matches('/');
    match kind {
        ProviderKind::Google => {
            let body = get_json(session, &format!("{base}/users/me/calendarList"))?;
            let items = body["items"]
                .as_array()
                .ok_or_else(|| CloudError::BadReply("no items".into()))?;
            Ok(items
                .iter()
                .map(|c| CloudCalendar {
                    id: c["id"].as_str().unwrap_or_default().to_owned(),
                    name: c["summaryOverride"]
                        .as_str()
                        .or(c["summary"].as_str())
                        .unwrap_or_default()
                        .to_owned(),
                    writable: matches!(c["accessRole"].as_str(), Some("owner" | "writer")),
                    primary: c["primary"].as_bool().unwrap_or(false),
                    owner: None,
                })
                .collect())
        }
        ProviderKind::Microsoft => {
            let body = get_json(session, &format!("{base}/me/calendars"))?;
            let items = body["value"]
                .as_array()
                .ok_or_else(|| CloudError::BadReply("no value".into()))?;
            Ok(items
                .iter()
                .map(|c| CloudCalendar {
                    id: c["id"].as_str().unwrap_or_default().to_owned(),
                    name: c["name"].as_str().unwrap_or_default().to_owned(),
                    writable: c["canEdit"].as_bool().unwrap_or(false),
                    primary: c["isDefaultCalendar"].as_bool().unwrap_or(false),
                    owner: c["owner"]["address"].as_str().map(str::to_owned),
                })
                .collect())
        }
    }
}

//! Bounded reads of what servers answer: a hostile or broken server cannot make Belfry hold
//! more than [`MAX_BODY`] of one answer in memory. Token requests go through [`TokenHttp`],
//! userinfo through [`read_body`].

use std::io::Read;

/// The largest answer body read (a token answer, userinfo). Real ones are a few KiB.
pub(crate) const MAX_BODY: usize = 1024 * 1024;

/// Why a request or the read of its answer failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum HttpError {
    /// The server could not be reached, or the connection failed.
    #[error("{0}")]
    Network(String),
    /// The answer's body is over [`MAX_BODY`].
    #[error("the server's answer is larger than {} KiB", MAX_BODY / 1024)]
    TooLarge,
    /// The answer could not be handed on.
    #[error("the server's answer is not valid HTTP: {0}")]
    Invalid(String),
}

impl From<reqwest::Error> for HttpError {
    fn from(e: reqwest::Error) -> HttpError {
        HttpError::Network(describe(&e.without_url()))
    }
}

/// An error and its causes, `outer: inner: ...`.
fn describe(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        out.push_str(": ");
        out.push_str(&c.to_string());
        cause = c.source();
    }
    out
}

/// Reads a whole body of at most [`MAX_BODY`] bytes; a longer one is [`HttpError::TooLarge`]
/// after reading one byte more than the cap, never all of it.
pub(crate) fn read_body(body: impl Read) -> Result<Vec<u8>, HttpError> {
    belfry_http::read_capped(body, MAX_BODY).map_err(|e| match e {
        belfry_http::BodyError::Read(reason) => HttpError::Network(reason),
        _ => HttpError::TooLarge,
    })
}

/// The HTTP client of token requests: reqwest's, with the answer read by [`read_body`].
#[derive(Debug)]
pub(crate) struct TokenHttp(pub reqwest::blocking::Client);

impl oauth2::SyncHttpClient for TokenHttp {
    type Error = HttpError;

    fn call(&self, request: oauth2::HttpRequest) -> Result<oauth2::HttpResponse, HttpError> {
        let response = self.0.execute(request.try_into()?)?;
        let mut answer = oauth2::http::Response::builder()
            .status(response.status())
            .version(response.version());
        for (name, value) in response.headers() {
            answer = answer.header(name, value);
        }
        answer
            .body(read_body(response)?)
            .map_err(|e| HttpError::Invalid(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_up_to_the_cap_is_read_whole() {
        let body = vec![b'x'; MAX_BODY];
        assert_eq!(read_body(body.as_slice()).unwrap().len(), MAX_BODY);
    }

    #[test]
    fn a_longer_body_is_refused_without_reading_it_all() {
        let mut body = std::io::Cursor::new(vec![b'x'; 3 * MAX_BODY]);
        assert!(matches!(
            read_body(&mut body).unwrap_err(),
            HttpError::TooLarge
        ));
        assert_eq!(body.position(), MAX_BODY as u64 + 1);
    }
}

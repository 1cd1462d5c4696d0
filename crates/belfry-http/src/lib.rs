//! HTTP plumbing Belfry's adapters (CalDAV, Google, Microsoft, OAuth) share.
//!
//! Invariants: clients built here never follow redirects (a redirect could carry a credential
//! to another host); adapters follow them by hand where the protocol needs it. Answers are
//! read through [`read_body_capped`], so no server makes Belfry buffer without bound, and
//! what a server wrote reaches an error message only as an [`excerpt`].

#![warn(missing_docs)]
// Unit tests may read the clock, the environment and files; the code under test may not.
#![cfg_attr(test, allow(clippy::disallowed_methods))]

use std::fmt;
use std::io::Read;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use reqwest::blocking::Response;

/// The most Belfry reads of one answer (a PROPFIND, a page of API JSON) unless an adapter
/// declares a limit of its own for a particular request.
pub const MAX_ANSWER_BYTES: usize = 16 << 20;

/// The most characters of a server's own words an error message quotes.
pub const EXCERPT_CHARS: usize = 200;

/// A blocking client that follows no redirects, with a timeout. When one cannot be built
/// (no TLS backend, say), the error says so: there is no fallback client.
#[allow(
    clippy::disallowed_methods,
    reason = "the one place HTTP clients are built"
)]
pub fn client(timeout: Duration) -> Result<reqwest::blocking::Client, String> {
    reqwest::blocking::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(timeout)
        .user_agent(concat!("Belfry/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| format!("cannot set up the HTTP client: {e}"))
}

/// Why an answer's body was not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodyError {
    /// The answer is larger than `limit` bytes; reading stopped there.
    TooLarge {
        /// The limit that was passed, in bytes.
        limit: usize,
    },
    /// The connection failed while the answer was read.
    Read(String),
    /// A text answer that is not UTF-8.
    NotUtf8,
}

impl fmt::Display for BodyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BodyError::TooLarge { limit } => write!(
                f,
                "the server's answer is larger than {}, the most Belfry reads",
                size(*limit)
            ),
            BodyError::Read(reason) => write!(f, "the answer broke off: {reason}"),
            BodyError::NotUtf8 => f.write_str("the answer is not UTF-8 text"),
        }
    }
}

impl std::error::Error for BodyError {}

/// A byte count as people read it: whole MiB when it is some, else bytes.
fn size(bytes: usize) -> String {
    const MIB: usize = 1 << 20;
    if bytes >= MIB && bytes.is_multiple_of(MIB) {
        format!("{} MiB", bytes / MIB)
    } else {
        format!("{bytes} bytes")
    }
}

/// The whole body of `response`, when it is at most `limit` bytes. A longer one is an error
/// as soon as it is known to be longer (from `Content-Length`, or after `limit + 1` bytes
/// read): nothing past that is read, however long (or endless) the body is.
pub fn read_body_capped(response: Response, limit: usize) -> Result<Vec<u8>, BodyError> {
    let too_large = BodyError::TooLarge { limit };
    let limit64 = u64::try_from(limit).unwrap_or(u64::MAX);
    if response.content_length().is_some_and(|n| n > limit64) {
        return Err(too_large);
    }
    read_capped(response, limit)
}

/// Everything `source` holds (an answer's body, a file, standard input), when it is at most
/// `limit` bytes; a longer one is [`BodyError::TooLarge`] after `limit + 1` bytes read, never
/// all of it.
pub fn read_capped(source: impl Read, limit: usize) -> Result<Vec<u8>, BodyError> {
    let limit64 = u64::try_from(limit).unwrap_or(u64::MAX);
    let mut body = Vec::new();
    source
        .take(limit64.saturating_add(1))
        .read_to_end(&mut body)
        .map_err(|e| BodyError::Read(e.to_string()))?;
    if body.len() > limit {
        return Err(BodyError::TooLarge { limit });
    }
    Ok(body)
}

/// [`read_body_capped`], as UTF-8 text.
pub fn read_text_capped(response: Response, limit: usize) -> Result<String, BodyError> {
    String::from_utf8(read_body_capped(response, limit)?).map_err(|_| BodyError::NotUtf8)
}

/// What a server wrote, made fit for an error message: control characters (a terminal's
/// escape sequences among them) become spaces, and only the first [`EXCERPT_CHARS`]
/// characters are kept, with `…` when some were cut.
pub fn excerpt(text: &str) -> String {
    let text = text.trim();
    let mut out: String = text
        .chars()
        .take(EXCERPT_CHARS)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if text.chars().nth(EXCERPT_CHARS).is_some() {
        out.push('…');
    }
    out
}

/// How often and how patiently to retry a request that may succeed later (network errors,
/// 5xx, 429, rate limits): truncated exponential backoff with full jitter, or what the
/// server's `Retry-After` asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retry {
    /// Attempts in all, the first included.
    pub attempts: u32,
    /// The first backoff's ceiling; it doubles with every attempt.
    pub base: Duration,
    /// No wait is longer.
    pub cap: Duration,
}

impl Default for Retry {
    fn default() -> Self {
        Retry {
            attempts: 5,
            base: Duration::from_millis(200),
            cap: Duration::from_secs(10),
        }
    }
}

/// What one attempt of [`Retry::run`] came to.
#[derive(Debug)]
pub enum Attempt<T, E> {
    /// Done, for better or worse: no other try.
    Done(Result<T, E>),
    /// Failed in a way a later try may not (a network error, 5xx, 429, a rate limit):
    /// `error` is the answer when no try is left; `retry_after` what the server asked for,
    /// in seconds.
    Again {
        /// Why this try failed.
        error: E,
        /// Seconds the server asked to wait, if it said.
        retry_after: Option<u64>,
    },
}

impl Retry {
    /// The one retry loop every adapter uses: runs `attempt` (given its 1-based number)
    /// until it is done or [`Retry::attempts`] are spent, waiting between tries as
    /// [`Retry::wait`] says. Each try that will be repeated is logged with why.
    pub fn run<T, E: fmt::Display>(
        &self,
        mut attempt: impl FnMut(u32) -> Attempt<T, E>,
    ) -> Result<T, E> {
        let mut number = 0;
        loop {
            number += 1;
            match attempt(number) {
                Attempt::Done(result) => return result,
                Attempt::Again { error, .. } if number >= self.attempts => return Err(error),
                Attempt::Again { error, retry_after } => {
                    let wait = self.wait(number, retry_after);
                    tracing::info!(
                        attempt = number,
                        wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
                        error = %error,
                        "trying again"
                    );
                    std::thread::sleep(wait);
                }
            }
        }
    }

    /// How long to wait after failed attempt number `attempt` (1-based): `retry_after`
    /// seconds when the server said so, else a uniformly random time up to the backoff
    /// ceiling; never more than `cap`.
    pub fn wait(&self, attempt: u32, retry_after: Option<u64>) -> Duration {
        if let Some(s) = retry_after {
            return Duration::from_secs(s).min(self.cap);
        }
        let ceiling = self
            .base
            .saturating_mul(1 << attempt.saturating_sub(1).min(16))
            .min(self.cap);
        let ms = u64::try_from(ceiling.as_millis()).unwrap_or(u64::MAX);
        Duration::from_millis(if ms == 0 { 0 } else { random() % (ms + 1) })
    }
}

/// `Retry-After` in seconds, when a response has it in that form.
pub fn retry_after(resp: &Response) -> Option<u64> {
    resp.headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok())
}

/// Spread, not secrecy: a mix of the clock and a counter.
#[allow(
    clippy::disallowed_methods,
    reason = "a seed for the backoff jitter, not a reading of the time"
)]
fn random() -> u64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0x2545_F491_4F6C_DD1D);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let mut x = COUNTER.fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed) ^ u64::from(nanos);
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^ (x >> 33)
}

#[cfg(test)]
mod tests {
    use std::io::{BufRead, BufReader, Write};
    use std::net::{TcpListener, TcpStream};
    use std::thread::JoinHandle;

    use super::*;

    /// A server on loopback that takes one request, reads its head, and lets `answer` write
    /// the response; the thread returns what `answer` returns.
    fn one_answer<T: Send + 'static>(
        answer: impl FnOnce(TcpStream) -> T + Send + 'static,
    ) -> (String, JoinHandle<T>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/", listener.local_addr().unwrap());
        let thread = std::thread::spawn(move || {
            let (stream, _) = listener.accept().unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            while reader.read_line(&mut line).unwrap() > 2 {
                line.clear();
            }
            answer(stream)
        });
        (url, thread)
    }

    fn get(url: &str) -> Response {
        client(Duration::from_secs(5))
            .unwrap()
            .get(url)
            .send()
            .unwrap()
    }

    /// Writes a chunked body that never ends (no last chunk) until the client hangs up or
    /// `ceiling` bytes are out, then holds the connection open; returns the bytes written.
    fn endless(mut stream: TcpStream, ceiling: usize) -> usize {
        let head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
        stream.write_all(head.as_bytes()).unwrap();
        let chunk = [b'x'; 0x4000];
        let mut sent = 0;
        while sent < ceiling {
            let framed = [b"4000\r\n".as_slice(), &chunk, b"\r\n"].concat();
            if stream.write_all(&framed).is_err() {
                return sent;
            }
            sent += chunk.len();
        }
        std::thread::sleep(Duration::from_secs(10));
        sent
    }

    #[test]
    fn a_body_up_to_the_limit_is_read_whole() {
        let (url, server) = one_answer(|mut s| {
            s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789")
                .unwrap();
        });
        assert_eq!(read_text_capped(get(&url), 10).unwrap(), "0123456789");
        server.join().unwrap();
    }

    #[test]
    fn one_byte_over_the_limit_is_refused() {
        let (url, server) = one_answer(|mut s| {
            s.write_all(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n0123456789A")
                .unwrap();
        });
        let err = read_body_capped(get(&url), 10).unwrap_err();
        assert_eq!(err, BodyError::TooLarge { limit: 10 });
        assert_eq!(
            err.to_string(),
            "the server's answer is larger than 10 bytes, the most Belfry reads"
        );
        server.join().unwrap();
    }

    #[test]
    fn a_declared_length_over_the_limit_is_refused_before_reading() {
        // The body never comes (the server waits until the test is done): reading it would
        // end in the client's timeout, with a read error instead of this one.
        let (done, wait) = std::sync::mpsc::channel::<()>();
        let (url, server) = one_answer(move |mut s| {
            s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n")
                .unwrap();
            let _ = wait.recv();
        });
        let err = read_body_capped(get(&url), 1000).unwrap_err();
        assert_eq!(err, BodyError::TooLarge { limit: 1000 });
        drop(done);
        server.join().unwrap();
    }

    #[test]
    fn an_endless_body_ends_at_the_limit() {
        let (url, server) = one_answer(|s| endless(s, 256 << 20));
        let err = read_body_capped(get(&url), 1 << 20).unwrap_err();
        assert_eq!(err, BodyError::TooLarge { limit: 1 << 20 });
        assert!(err.to_string().contains("larger than 1 MiB"), "{err}");
        let sent = server.join().unwrap();
        // What the server got out before the hang-up: the limit and the sockets' buffers.
        assert!(sent < 64 << 20, "{sent} bytes were sent");
    }

    #[test]
    fn text_must_be_utf8() {
        let (url, server) = one_answer(|mut s| {
            s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n\xff\xfe")
                .unwrap();
        });
        assert_eq!(read_text_capped(get(&url), 10), Err(BodyError::NotUtf8));
        server.join().unwrap();
    }

    #[test]
    fn excerpts_are_short_and_printable() {
        assert_eq!(excerpt("  no such calendar\n"), "no such calendar");
        assert_eq!(excerpt("red \u{1b}[31malert"), "red  [31malert");
        let long = "é".repeat(EXCERPT_CHARS + 50);
        let cut = excerpt(&long);
        assert_eq!(cut.chars().count(), EXCERPT_CHARS + 1);
        assert!(cut.ends_with('…'));
        let exact = "a".repeat(EXCERPT_CHARS);
        assert_eq!(excerpt(&exact), exact);
    }

    #[test]
    fn waits_stay_under_the_doubling_ceiling_and_the_cap() {
        let r = Retry {
            attempts: 10,
            base: Duration::from_millis(100),
            cap: Duration::from_millis(1000),
        };
        for attempt in 1..=10u32 {
            let ceiling =
                Duration::from_millis(100 * (1 << (attempt - 1))).min(Duration::from_millis(1000));
            for _ in 0..200 {
                assert!(r.wait(attempt, None) <= ceiling);
            }
        }
        assert_eq!(r.wait(1, Some(0)), Duration::ZERO);
        assert_eq!(
            r.wait(1, Some(3)),
            Duration::from_millis(1000),
            "Retry-After is capped too"
        );
    }

    #[test]
    fn waits_are_spread_out() {
        let r = Retry {
            attempts: 3,
            base: Duration::from_secs(1),
            cap: Duration::from_secs(1),
        };
        let mut seen: Vec<Duration> = (0..50).map(|_| r.wait(1, None)).collect();
        seen.sort();
        seen.dedup();
        assert!(seen.len() > 10, "full jitter, not a fixed delay: {seen:?}");
    }
}

//! The one-shot loopback listener that receives the browser's answer.
//!
//! Anything on this machine can connect to a loopback port, so every connection is taken as
//! hostile: its request head is read against a deadline and within a size cap, and only a
//! `GET` on this sign-in's path that carries this sign-in's `state` ends the wait. Anything
//! else is answered with a short page and forgotten, and the listener goes on waiting for the
//! browser until the sign-in's timeout.
//!
//! Connections are read side by side, each in a thread of its own, so that one that sends
//! nothing (a browser's speculative preconnect, or a program holding connections open) does
//! not hold up the others. At most [`MAX_READING`] are read at once; a connection that comes
//! when that many are being read closes the oldest of them. The wait ends with the first
//! answer that carries this sign-in's `state`; the threads still reading then end by their
//! own deadlines, and nothing waits for them.

use std::collections::VecDeque;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, Shutdown, TcpListener, TcpStream};
use std::sync::{Arc, mpsc};
use std::thread;
use std::time::{Duration, Instant};

use crate::OAuthError;

/// How long one connection may take to send its request head, from when it is accepted. A
/// browser sends it at once; a client that trickles bytes is dropped when this runs out.
pub(crate) const CONNECTION_DEADLINE: Duration = Duration::from_secs(5);

/// The longest request line read, its line ending included (a redirect's is well under
/// 2 KiB). A longer one is answered 414.
pub(crate) const MAX_REQUEST_LINE: usize = 8 * 1024;

/// The most header bytes read after the request line. More is answered 431.
pub(crate) const MAX_HEADERS: usize = 8 * 1024;

/// The most connections read at once. A connection that comes when this many are being read
/// closes the oldest of them and is read in its place: a browser sends its request as soon
/// as it connects, so the oldest connection is the one least likely to be the browser's
/// answer, and the newest is always read.
pub(crate) const MAX_READING: usize = 16;

/// How much of a refused request is still read (and dropped) after the answer, so that
/// closing the connection does not reset it before the peer has read the answer.
const MAX_DRAIN: u64 = 64 * 1024;

/// How often the listener looks for a new connection.
const POLL: Duration = Duration::from_millis(20);

/// The longest one read of a connection waits before it starts again. A connection that the
/// listener shut down to make room is noticed by the next read at the latest, even where
/// shutting a socket down does not wake a read already waiting on it.
const WAKE: Duration = Duration::from_millis(250);

/// A listener on 127.0.0.1 and an ephemeral port, for one callback path.
pub(crate) struct Loopback {
    listener: TcpListener,
    path: &'static str,
}

/// How long [`Loopback::wait`] waits.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Deadlines {
    /// For the browser's answer, from the start of the wait.
    pub overall: Duration,
    /// For each connection's request head, from its accept; never past `overall`.
    pub per_connection: Duration,
}

impl Deadlines {
    /// Waits `overall` for the answer, and [`CONNECTION_DEADLINE`] for each connection.
    pub fn new(overall: Duration) -> Deadlines {
        Deadlines {
            overall,
            per_connection: CONNECTION_DEADLINE,
        }
    }
}

/// The answer of this sign-in (its `state` matched). Responding closes the browser's request.
pub(crate) struct Callback {
    stream: std::cell::RefCell<Option<TcpStream>>,
    pub code: Option<String>,
    pub error: Option<String>,
}

/// What became of one connection.
enum Outcome {
    /// This sign-in's answer.
    Answer(Callback),
    /// An answer on this sign-in's path with another `state` (stale or forged); refused.
    WrongState,
    /// Anything else (another path, a bad or slow request); refused.
    Ignored,
}

/// Why a request head was not read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Refusal {
    /// The connection's deadline passed first.
    TimedOut,
    /// The request line is longer than [`MAX_REQUEST_LINE`].
    LineTooLong,
    /// The headers are longer than [`MAX_HEADERS`].
    HeadersTooLarge,
    /// The request line is not text.
    Malformed,
    /// The peer closed the connection or it failed: there is nobody to answer.
    Gone,
}

impl Refusal {
    fn from_io(e: &io::Error) -> Refusal {
        match e.kind() {
            io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => Refusal::TimedOut,
            _ => Refusal::Gone,
        }
    }

    /// The status and page that answer it, if anyone is there to read them.
    fn answer(self) -> Option<(u16, &'static str)> {
        match self {
            Refusal::TimedOut => Some((408, "The request took too long.")),
            Refusal::LineTooLong => Some((414, "The request line is too long.")),
            Refusal::HeadersTooLarge => Some((431, "The request headers are too large.")),
            Refusal::Malformed => Some((400, "The request is not HTTP.")),
            Refusal::Gone => None,
        }
    }

    /// Whether the peer may still be sending the request when it is answered.
    fn cut_short(self) -> bool {
        matches!(self, Refusal::LineTooLong | Refusal::HeadersTooLarge)
    }
}

impl Loopback {
    /// Listens on 127.0.0.1 and a port the system picks, for answers on `path`.
    pub fn bind(path: &'static str) -> Result<Loopback, OAuthError> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .map_err(|e| OAuthError::Listener(e.to_string()))?;
        listener
            .set_nonblocking(true)
            .map_err(|e| OAuthError::Listener(e.to_string()))?;
        Ok(Loopback { listener, path })
    }

    /// The redirect URI that reaches this listener.
    pub fn redirect_uri(&self) -> String {
        let port = self.listener.local_addr().map(|a| a.port()).unwrap_or(0);
        format!("http://127.0.0.1:{port}{}", self.path)
    }

    /// Waits for the answer on this listener's path that carries `state`, reading up to
    /// [`MAX_READING`] connections at once, each within its deadline. Everything else (a
    /// favicon, another provider's callback, a stale or forged `state`, an idle, slow or
    /// oversized request) is answered or closed and does not end the wait. When time runs
    /// out having seen only answers with another `state`, the error says so.
    ///
    /// Returns as soon as the answer is read, closing the listening socket; connections still
    /// being read end by their own deadlines.
    pub fn wait(self, state: &str, deadlines: Deadlines) -> Result<Callback, OAuthError> {
        let deadline = Instant::now() + deadlines.overall;
        let (reports, reported) = mpsc::channel();
        let expected = Expected {
            path: self.path,
            state: state.into(),
        };
        let mut readers = Readers::new(expected, reports);
        let mut wrong_state = false;
        loop {
            let now = Instant::now();
            if now >= deadline {
                return Err(if wrong_state {
                    OAuthError::StateMismatch
                } else {
                    OAuthError::Timeout(deadlines.overall.as_secs())
                });
            }
            self.accept_waiting(&mut readers, deadlines.per_connection, deadline)?;
            // `readers` holds a sender, so the channel stays open: an error is the pause
            // running out.
            if let Ok(Report { id, outcome }) = reported.recv_timeout(POLL.min(deadline - now)) {
                readers.ended(id);
                match outcome {
                    Outcome::Answer(callback) => return Ok(callback),
                    Outcome::WrongState => wrong_state = true,
                    Outcome::Ignored => {}
                }
            }
        }
    }

    /// Accepts the connections waiting to be accepted, as long as `readers` takes them; each
    /// is read for `per_connection` from its accept, and not past `deadline`.
    fn accept_waiting(
        &self,
        readers: &mut Readers,
        per_connection: Duration,
        deadline: Instant,
    ) -> Result<(), OAuthError> {
        while readers.takes_more() {
            match self.listener.accept() {
                Ok((stream, _)) => {
                    readers.admit(stream, (Instant::now() + per_connection).min(deadline));
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                // A connection that went away before it was accepted.
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::ConnectionAborted
                            | io::ErrorKind::ConnectionReset
                            | io::ErrorKind::Interrupted
                    ) => {}
                Err(e) => return Err(OAuthError::Listener(e.to_string())),
            }
        }
        Ok(())
    }
}

/// What ends the wait: a `GET` on `path` that carries `state`.
#[derive(Clone)]
struct Expected {
    path: &'static str,
    state: Arc<str>,
}

impl Expected {
    /// Reads one connection's request (until `until` at the latest) and answers it, unless it
    /// is this sign-in's answer: that one is handed back, to be answered once it is done.
    fn serve(&self, stream: TcpStream, until: Instant) -> Outcome {
        if stream.set_nonblocking(false).is_err() {
            return Outcome::Ignored;
        }
        let request_line = match read_head(&stream, until) {
            Ok(line) => line,
            Err(refusal) => {
                if let Some((status, message)) = refusal.answer() {
                    respond(&stream, status, message);
                }
                if refusal.cut_short() {
                    linger(&stream, until);
                }
                return Outcome::Ignored;
            }
        };
        let Some(query) = self.query(&request_line) else {
            respond(&stream, 404, "Not found.");
            return Outcome::Ignored;
        };
        if !constant_time_eq(
            query.get("state").unwrap_or("").as_bytes(),
            self.state.as_bytes(),
        ) {
            respond(
                &stream,
                400,
                "This answer does not belong to the sign-in Belfry started. Nothing was accepted.",
            );
            return Outcome::WrongState;
        }
        Outcome::Answer(Callback {
            code: query.get("code").map(str::to_owned),
            error: query
                .get("error")
                .map(|e| match query.get("error_description") {
                    Some(d) => format!("{e}: {d}"),
                    None => e.to_owned(),
                }),
            stream: std::cell::RefCell::new(Some(stream)),
        })
    }

    /// The query of a `GET` on the expected path; `None` for any other request.
    fn query(&self, request_line: &str) -> Option<Query> {
        let mut parts = request_line.split_whitespace();
        let (method, target) = (parts.next()?, parts.next()?);
        if method != "GET" || !target.starts_with('/') {
            return None;
        }
        let url = url::Url::parse(&format!("http://127.0.0.1{target}")).ok()?;
        (url.path() == self.path).then(|| Query(url.query_pairs().into_owned().collect()))
    }
}

/// What a reader thread sends back when its connection is done with.
struct Report {
    /// The connection's number in [`Readers`].
    id: u64,
    outcome: Outcome,
}

/// A connection being read in its own thread.
struct Reading {
    id: u64,
    /// The thread's socket (a handle of its own), to shut the connection down.
    socket: TcpStream,
    /// Shut down to make room: its thread is ending.
    closed: bool,
}

/// The connections being read, each in its own thread, at most [`MAX_READING`] at once.
struct Readers {
    expected: Expected,
    /// Oldest first.
    reading: VecDeque<Reading>,
    /// A connection accepted when there was no room, with its deadline: it is read once the
    /// connection closed for it has ended. No other is accepted meanwhile.
    queued: Option<(TcpStream, Instant)>,
    next_id: u64,
    reports: mpsc::Sender<Report>,
}

impl Readers {
    fn new(expected: Expected, reports: mpsc::Sender<Report>) -> Readers {
        Readers {
            expected,
            reading: VecDeque::with_capacity(MAX_READING),
            queued: None,
            next_id: 0,
            reports,
        }
    }

    /// Whether another connection may be accepted now.
    fn takes_more(&self) -> bool {
        self.queued.is_none()
    }

    /// Reads `stream` until `until` in a thread of its own. When [`MAX_READING`] connections
    /// are being read, the oldest is closed and `stream` waits for its thread to end.
    fn admit(&mut self, stream: TcpStream, until: Instant) {
        if self.reading.len() < MAX_READING {
            self.spawn(stream, until);
        } else {
            self.close_oldest();
            self.queued = Some((stream, until));
        }
    }

    /// Forgets connection `id`, whose thread has ended, and reads the queued connection (if
    /// any) in its place.
    fn ended(&mut self, id: u64) {
        self.reading.retain(|r| r.id != id);
        if self.reading.len() < MAX_READING
            && let Some((stream, until)) = self.queued.take()
        {
            self.spawn(stream, until);
        }
    }

    /// Shuts down the oldest connection not yet shut down, unanswered: its thread's read
    /// sees the end of the connection and the thread ends.
    fn close_oldest(&mut self) {
        if let Some(oldest) = self.reading.iter_mut().find(|r| !r.closed) {
            let _ = oldest.socket.shutdown(Shutdown::Both);
            oldest.closed = true;
        }
    }

    /// Starts the thread that reads `stream`; a connection that cannot have one is closed.
    fn spawn(&mut self, stream: TcpStream, until: Instant) {
        let Ok(socket) = stream.try_clone() else {
            return;
        };
        let id = self.next_id;
        self.next_id += 1;
        let expected = self.expected.clone();
        let reports = self.reports.clone();
        let started = thread::Builder::new()
            .name("belfry-oauth-loopback".into())
            .spawn(move || {
                let outcome = expected.serve(stream, until);
                // The wait may be over: then nobody listens, and the outcome is dropped.
                let _ = reports.send(Report { id, outcome });
            });
        if started.is_ok() {
            self.reading.push_back(Reading {
                id,
                socket,
                closed: false,
            });
        }
    }
}

/// A callback's query parameters.
struct Query(Vec<(String, String)>);

impl Query {
    /// The first value of `name`.
    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

impl Callback {
    /// Answers the browser with a short page.
    pub fn respond(&self, status: u16, message: &str) {
        if let Some(stream) = self.stream.borrow_mut().take() {
            respond(&stream, status, message);
        }
    }
}

/// Reads a request head, within [`MAX_REQUEST_LINE`] and [`MAX_HEADERS`] and before `until`,
/// and returns its request line. The headers are read and dropped: a callback needs none.
fn read_head(stream: &TcpStream, until: Instant) -> Result<String, Refusal> {
    let mut reader = BufReader::new(DeadlineReader { stream, until });
    let request_line = read_line(&mut reader, MAX_REQUEST_LINE, Refusal::LineTooLong)?;
    let mut budget = MAX_HEADERS;
    loop {
        let header = read_line(&mut reader, budget, Refusal::HeadersTooLarge)?;
        if trim_line_end(&header).is_empty() {
            break;
        }
        budget -= header.len();
    }
    std::str::from_utf8(trim_line_end(&request_line))
        .map(str::to_owned)
        .map_err(|_| Refusal::Malformed)
}

/// One line of at most `cap` bytes, its line ending included (and kept); `too_long` when it
/// has no end within `cap`.
fn read_line(reader: &mut impl BufRead, cap: usize, too_long: Refusal) -> Result<Vec<u8>, Refusal> {
    let mut line = Vec::new();
    let limit = u64::try_from(cap).unwrap_or(u64::MAX);
    reader
        .by_ref()
        .take(limit)
        .read_until(b'\n', &mut line)
        .map_err(|e| Refusal::from_io(&e))?;
    if line.ends_with(b"\n") {
        Ok(line)
    } else if line.len() >= cap {
        Err(too_long)
    } else {
        // The peer closed the connection mid-line.
        Err(Refusal::Gone)
    }
}

fn trim_line_end(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// Reads from a connection until a deadline, however slowly the bytes come: every read
/// waits only for what is left of the time (and at most [`WAKE`] at once), and none starts
/// after it.
struct DeadlineReader<'a> {
    stream: &'a TcpStream,
    until: Instant,
}

impl Read for DeadlineReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            let left = self.until.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(io::ErrorKind::TimedOut.into());
            }
            self.stream.set_read_timeout(Some(left.min(WAKE)))?;
            match self.stream.read(buf) {
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ) => {}
                read => return read,
            }
        }
    }
}

/// Closes a connection whose request was not read to its end: stops writing, then drops what
/// the peer still sends (a bounded amount, until `until`), so that the close does not reset
/// the connection before the peer has read the answer.
fn linger(stream: &TcpStream, until: Instant) {
    let _ = stream.shutdown(Shutdown::Write);
    let _ = io::copy(
        &mut DeadlineReader { stream, until }.take(MAX_DRAIN),
        &mut io::sink(),
    );
}

/// Answers with a short page and `Connection: close`. The page is written without waiting:
/// a few hundred bytes fit in a new connection's send buffer, and a peer that reads nothing
/// cannot hold the connection's thread.
fn respond(mut stream: &TcpStream, status: u16, message: &str) {
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        408 => "Request Timeout",
        414 => "URI Too Long",
        431 => "Request Header Fields Too Large",
        _ => "Not Found",
    };
    let body = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>Belfry</title></head>\
         <body style=\"font-family:sans-serif;margin:3em\"><p>{}</p></body></html>",
        message.replace('&', "&amp;").replace('<', "&lt;")
    );
    let page = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\n\
         Cache-Control: no-store\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.set_nonblocking(true);
    let _ = stream.write_all(page.as_bytes());
    let _ = stream.flush();
    let _ = stream.set_nonblocking(false);
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::SocketAddr;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::mpsc;

    const PATH: &str = "/callback/google";
    const STATE: &str = "the-state-of-this-sign-in";
    /// Far beyond every deadline the tests set: reaching it means the listener is stuck.
    const STUCK: Duration = Duration::from_secs(30);

    type Waiting = mpsc::Receiver<Result<Callback, OAuthError>>;

    /// A listener waiting (in a thread) for the answer carrying [`STATE`].
    fn listen(deadlines: Deadlines) -> (SocketAddr, Waiting) {
        let loopback = Loopback::bind(PATH).unwrap();
        let addr = loopback.listener.local_addr().unwrap();
        let (tx, rx) = mpsc::channel();
        thread::spawn(move || {
            let _ = tx.send(loopback.wait(STATE, deadlines));
        });
        (addr, rx)
    }

    fn deadlines(overall: Duration, per_connection: Duration) -> Deadlines {
        Deadlines {
            overall,
            per_connection,
        }
    }

    /// What the listener's wait ended with.
    fn outcome(waiting: &Waiting) -> Result<Callback, OAuthError> {
        waiting
            .recv_timeout(STUCK)
            .expect("the listener is stuck: it neither returned an answer nor timed out")
    }

    fn get(target: &str) -> String {
        format!("GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/html\r\n\r\n")
    }

    /// Sends `request` and reads the whole response.
    fn exchange(addr: SocketAddr, request: &str) -> String {
        let mut stream = TcpStream::connect(addr).unwrap();
        stream.write_all(request.as_bytes()).unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        response
    }

    /// Sends the browser's request; the connection stays open for the answer.
    fn send(addr: SocketAddr, target: &str) -> TcpStream {
        let mut stream = TcpStream::connect(addr).unwrap();
        stream.write_all(get(target).as_bytes()).unwrap();
        stream
    }

    fn status(response: &str) -> &str {
        response.split(' ').nth(1).unwrap_or(response)
    }

    /// Completes the wait with this sign-in's answer carrying `code`, as the browser would.
    fn complete(addr: SocketAddr, waiting: &Waiting, code: &str) {
        let mut browser = send(addr, &format!("{PATH}?state={STATE}&code={code}"));
        let callback = outcome(waiting).unwrap();
        assert_eq!(callback.code.as_deref(), Some(code));
        assert_eq!(callback.error, None);
        callback.respond(200, "Signed in.");
        let mut page = String::new();
        browser.read_to_string(&mut page).unwrap();
        assert_eq!(status(&page), "200", "{page}");
    }

    /// A client that connects now and then sends a byte of a request every 100 ms, never
    /// ending its request line, until `stop` or until the listener drops it.
    fn slow_client(addr: SocketAddr) -> Arc<AtomicBool> {
        let mut stream = TcpStream::connect(addr).unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = stop.clone();
        thread::spawn(move || {
            for byte in b"GET /callback/google?state=".iter().cycle() {
                if stopped.load(Ordering::Relaxed) || stream.write_all(&[*byte]).is_err() {
                    break;
                }
                thread::sleep(Duration::from_millis(100));
            }
        });
        stop
    }

    const LONG: Duration = Duration::from_secs(10);

    #[test]
    fn the_answer_carrying_this_state_ends_the_wait() {
        let (addr, waiting) = listen(Deadlines::new(LONG));
        complete(addr, &waiting, "the-code");
    }

    #[test]
    fn a_stray_answer_with_another_state_is_refused_and_the_wait_goes_on() {
        let (addr, waiting) = listen(Deadlines::new(LONG));
        let stray = exchange(addr, &get(&format!("{PATH}?state=stale&code=stale-code")));
        assert_eq!(status(&stray), "400", "{stray}");
        assert!(stray.contains("does not belong to the sign-in"), "{stray}");
        let no_state = exchange(addr, &get(&format!("{PATH}?code=stale-code")));
        assert_eq!(status(&no_state), "400", "{no_state}");
        complete(addr, &waiting, "the-right-code");
    }

    #[test]
    fn other_requests_get_a_404_and_the_wait_goes_on() {
        let (addr, waiting) = listen(Deadlines::new(LONG));
        for request in [
            get("/favicon.ico"),
            get(&format!("/callback/microsoft?state={STATE}&code=x")),
            format!("POST {PATH}?state={STATE}&code=x HTTP/1.1\r\nContent-Length: 0\r\n\r\n"),
            format!("GET http://127.0.0.1{PATH}?state={STATE}&code=x HTTP/1.1\r\n\r\n"),
        ] {
            let response = exchange(addr, &request);
            assert_eq!(status(&response), "404", "{request}: {response}");
        }
        complete(addr, &waiting, "the-code");
    }

    #[test]
    fn a_refusal_carrying_this_state_ends_the_wait_with_its_error() {
        let (addr, waiting) = listen(Deadlines::new(LONG));
        let _browser = send(
            addr,
            &format!("{PATH}?state={STATE}&error=access_denied&error_description=no+thanks"),
        );
        let callback = outcome(&waiting).unwrap();
        assert_eq!(callback.error.as_deref(), Some("access_denied: no thanks"));
        assert_eq!(callback.code, None);
    }

    #[test]
    fn a_refusal_with_another_state_is_ignored() {
        let (addr, waiting) = listen(Deadlines::new(LONG));
        let forged = exchange(addr, &get(&format!("{PATH}?state=x&error=access_denied")));
        assert_eq!(status(&forged), "400", "{forged}");
        complete(addr, &waiting, "the-code");
    }

    #[test]
    fn time_runs_out_and_says_whether_only_wrong_states_came() {
        let short = deadlines(Duration::from_millis(300), CONNECTION_DEADLINE);
        let (_, waiting) = listen(short);
        assert_eq!(outcome(&waiting).err(), Some(OAuthError::Timeout(0)));

        let (addr, waiting) = listen(short);
        let stray = exchange(addr, &get(&format!("{PATH}?state=stale&code=x")));
        assert_eq!(status(&stray), "400", "{stray}");
        assert_eq!(outcome(&waiting).err(), Some(OAuthError::StateMismatch));
    }

    #[test]
    fn a_slow_client_does_not_keep_the_browser_out() {
        let (addr, waiting) = listen(deadlines(LONG, Duration::from_millis(300)));
        // Connected first, so the listener takes it first.
        let stop = slow_client(addr);
        complete(addr, &waiting, "the-code");
        stop.store(true, Ordering::Relaxed);
    }

    #[test]
    fn a_slow_client_cannot_hold_the_listener_past_its_timeout() {
        // The connection's own deadline is far off: the overall one ends it.
        let (addr, waiting) = listen(deadlines(
            Duration::from_millis(300),
            Duration::from_secs(120),
        ));
        let stop = slow_client(addr);
        assert_eq!(outcome(&waiting).err(), Some(OAuthError::Timeout(0)));
        stop.store(true, Ordering::Relaxed);
    }

    /// Deadlines under which the listener, had it waited out one connection's own deadline,
    /// would be taken for [`STUCK`].
    const PATIENT: Deadlines = Deadlines {
        overall: Duration::from_secs(240),
        per_connection: Duration::from_secs(60),
    };

    /// Whether the listener still holds `client`'s connection open, unanswered.
    fn still_open(mut client: &TcpStream) -> bool {
        client.set_nonblocking(true).unwrap();
        let mut byte = [0u8; 1];
        let read = client.read(&mut byte);
        client.set_nonblocking(false).unwrap();
        matches!(read, Err(e) if e.kind() == io::ErrorKind::WouldBlock)
    }

    /// Whether the listener closed `client`'s connection without an answer.
    fn closed_unanswered(mut client: &TcpStream) -> bool {
        client.set_read_timeout(Some(STUCK)).unwrap();
        let mut byte = [0u8; 1];
        matches!(client.read(&mut byte), Ok(0))
    }

    #[test]
    fn an_idle_connection_does_not_hold_up_the_browser() {
        let (addr, waiting) = listen(PATIENT);
        // Connected first, as a browser's speculative preconnect is, and never sends a byte.
        let preconnect = TcpStream::connect(addr).unwrap();
        complete(addr, &waiting, "the-code");
        assert!(
            still_open(&preconnect),
            "the idle connection is no longer open: it was answered or closed"
        );
    }

    #[test]
    fn more_idle_connections_than_are_read_at_once_do_not_keep_the_browser_out() {
        let (addr, waiting) = listen(PATIENT);
        let idle: Vec<TcpStream> = (0..3 * MAX_READING)
            .map(|_| TcpStream::connect(addr).unwrap())
            .collect();
        complete(addr, &waiting, "the-code");
        // The oldest made room for newer ones; the newest were still being read.
        assert!(closed_unanswered(&idle[0]), "the oldest is still open");
        assert!(
            idle.iter().rev().take(MAX_READING - 1).all(still_open),
            "one of the newest is closed"
        );
    }

    #[test]
    fn an_over_long_request_line_is_refused_and_the_wait_goes_on() {
        let (addr, waiting) = listen(Deadlines::new(LONG));
        let pad = "a".repeat(2 * MAX_REQUEST_LINE);
        let response = exchange(addr, &get(&format!("{PATH}?pad={pad}")));
        assert_eq!(status(&response), "414", "{response}");
        // The line is refused whatever it ends with; without its end, too.
        let response = exchange(addr, &format!("GET {PATH}?pad={pad}"));
        assert_eq!(status(&response), "414", "{response}");
        complete(addr, &waiting, "the-code");
    }

    #[test]
    fn over_large_headers_are_refused_and_the_wait_goes_on() {
        let (addr, waiting) = listen(Deadlines::new(LONG));
        let headers: String = (0..MAX_HEADERS / 32)
            .map(|i| format!("X-Pad-{i:04}: {}\r\n", "b".repeat(32)))
            .collect();
        let response = exchange(addr, &format!("GET {PATH} HTTP/1.1\r\n{headers}\r\n"));
        assert_eq!(status(&response), "431", "{response}");
        complete(addr, &waiting, "the-code");
    }

    #[test]
    fn a_request_line_that_is_not_text_is_refused() {
        let (addr, waiting) = listen(Deadlines::new(LONG));
        let mut stream = TcpStream::connect(addr).unwrap();
        stream.write_all(b"GET /\xff\xfe HTTP/1.1\r\n\r\n").unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        assert_eq!(status(&response), "400", "{response}");
        complete(addr, &waiting, "the-code");
    }

    #[test]
    fn state_comparison() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
        assert!(!constant_time_eq(b"", b"a"));
    }
}

//! The one-shot loopback listener that receives the browser's answer.

use std::io::{BufRead, BufReader, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::time::{Duration, Instant};

use crate::OAuthError;

/// A listener on 127.0.0.1 and an ephemeral port, for one callback path.
pub(crate) struct Loopback {
    listener: TcpListener,
    path: &'static str,
}

/// The answer the browser brought back. Responding closes the browser's request.
pub(crate) struct Callback {
    stream: std::cell::RefCell<Option<TcpStream>>,
    pub state: Option<String>,
    pub code: Option<String>,
    pub error: Option<String>,
}

impl Loopback {
    pub fn bind(path: &'static str) -> Result<Loopback, OAuthError> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .map_err(|e| OAuthError::Listener(e.to_string()))?;
        listener
            .set_nonblocking(true)
            .map_err(|e| OAuthError::Listener(e.to_string()))?;
        Ok(Loopback { listener, path })
    }

    pub fn redirect_uri(&self) -> String {
        let port = self.listener.local_addr().map(|a| a.port()).unwrap_or(0);
        format!("http://127.0.0.1:{port}{}", self.path)
    }

    /// Waits for the request on this listener's path; other paths (a favicon, another
    /// provider's callback) get a 404 and do not end the wait.
    pub fn wait(self, timeout: Duration) -> Result<Callback, OAuthError> {
        let deadline = Instant::now() + timeout;
        loop {
            match self.listener.accept() {
                Ok((stream, _)) => {
                    if let Some(cb) = self.read_callback(stream) {
                        return Ok(cb);
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                    if Instant::now() >= deadline {
                        return Err(OAuthError::Timeout(timeout.as_secs()));
                    }
                    std::thread::sleep(Duration::from_millis(20));
                }
                Err(e) => return Err(OAuthError::Listener(e.to_string())),
            }
        }
    }

    fn read_callback(&self, stream: TcpStream) -> Option<Callback> {
        let _ = stream.set_nonblocking(false);
        let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
        let mut reader = BufReader::new(stream.try_clone().ok()?);
        let mut request_line = String::new();
        reader.read_line(&mut request_line).ok()?;
        // Drain the headers.
        let mut line = String::new();
        while reader.read_line(&mut line).ok()? > 2 {
            line.clear();
        }
        let target = request_line.split_whitespace().nth(1).unwrap_or("");
        let url = url::Url::parse(&format!("http://127.0.0.1{target}")).ok();
        let on_path =
            request_line.starts_with("GET ") && url.as_ref().is_some_and(|u| u.path() == self.path);
        if !on_path {
            respond(stream, 404, "Not found.");
            return None;
        }
        let url = url?;
        let get = |k: &str| {
            url.query_pairs()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.into_owned())
        };
        Some(Callback {
            state: get("state"),
            code: get("code"),
            error: get("error").map(|e| match get("error_description") {
                Some(d) => format!("{e}: {d}"),
                None => e,
            }),
            stream: std::cell::RefCell::new(Some(stream)),
        })
    }
}

impl Callback {
    /// Answers the browser with a short page.
    pub fn respond(&self, status: u16, message: &str) {
        if let Some(stream) = self.stream.borrow_mut().take() {
            respond(stream, status, message);
        }
    }
}

fn respond(mut stream: TcpStream, status: u16, message: &str) {
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        _ => "Not Found",
    };
    let body = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>Belfry</title></head>\
         <body style=\"font-family:sans-serif;margin:3em\"><p>{}</p></body></html>",
        message.replace('&', "&amp;").replace('<', "&lt;")
    );
    let _ = write!(
        stream,
        "HTTP/1.1 {status} {reason}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\n\
         Cache-Control: no-store\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.flush();
}

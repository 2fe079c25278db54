//! HTTP/1.1 by hand over a `TcpStream`, for what a well-behaved client
//! library will not send: a body that stops halfway, a 60 KB URL, a
//! hand-carried cookie on a plain request.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// What came back, and how long after the request was written.
#[derive(Debug)]
pub struct RawAnswer {
    /// Everything read until the server closed (or `bound` passed).
    pub text: String,
    /// Whether the server closed the connection within `bound`.
    pub closed: bool,
    pub elapsed: Duration,
}

impl RawAnswer {
    /// The status code of the first response line.
    pub fn status(&self) -> Option<u16> {
        self.text.split_whitespace().nth(1)?.parse().ok()
    }

    /// The body of the response (after the blank line).
    pub fn body(&self) -> &str {
        self.text
            .split_once("\r\n\r\n")
            .map_or("", |(_, body)| body)
    }

    /// The value of header `name` (case-insensitive), if present.
    pub fn header(&self, name: &str) -> Option<&str> {
        let head = self
            .text
            .split_once("\r\n\r\n")
            .map_or(&*self.text, |(h, _)| h);
        head.lines().skip(1).find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.trim().eq_ignore_ascii_case(name).then(|| value.trim())
        })
    }
}

/// Writes `request` to 127.0.0.1:`port`, then reads until the server
/// closes the connection or `bound` passes.
pub fn exchange(port: u16, request: &[u8], bound: Duration) -> RawAnswer {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect to the server");
    stream.write_all(request).expect("write the request");
    let started = Instant::now();
    let mut received = Vec::new();
    let mut buffer = [0u8; 16 * 1024];
    let closed = loop {
        let left = bound.saturating_sub(started.elapsed());
        if left.is_zero() {
            break false;
        }
        stream
            .set_read_timeout(Some(left))
            .expect("set a read timeout");
        match stream.read(&mut buffer) {
            Ok(0) => break true,
            Ok(n) => received.extend_from_slice(&buffer[..n]),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                break false;
            }
            // A reset after the answer is a close too.
            Err(_) => break true,
        }
    };
    RawAnswer {
        text: String::from_utf8_lossy(&received).into_owned(),
        closed,
        elapsed: started.elapsed(),
    }
}

/// A request whose answer arrives over time (a stream of Server-Sent
/// Events): written at once, then read when and as far as the test wants,
/// or not at all.
pub struct RawStream {
    stream: TcpStream,
    received: Vec<u8>,
    closed: bool,
}

impl RawStream {
    /// Sends `GET path` to 127.0.0.1:`port`, asking the server to close
    /// the connection once the answer ends; reads nothing yet.
    pub fn get(port: u16, path: &str) -> RawStream {
        Self::get_with_cookie(port, path, None)
    }

    /// [`RawStream::get`], sending `cookie` (`name=value`) when given.
    pub fn get_with_cookie(port: u16, path: &str, cookie: Option<&str>) -> RawStream {
        let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect to the server");
        let cookie = cookie.map_or_else(String::new, |c| format!("Cookie: {c}\r\n"));
        let request = format!(
            "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept: text/event-stream\r\n{cookie}Connection: close\r\n\r\n"
        );
        stream
            .write_all(request.as_bytes())
            .expect("write the request");
        RawStream {
            stream,
            received: Vec::new(),
            closed: false,
        }
    }

    /// Reads until `done` holds for what came so far, the server closes,
    /// or `bound` passes; returns whether `done` held.
    pub fn read_until(&mut self, bound: Duration, done: impl Fn(&str) -> bool) -> bool {
        let started = Instant::now();
        let mut buffer = [0u8; 64 * 1024];
        loop {
            if done(&self.text()) {
                return true;
            }
            let left = bound.saturating_sub(started.elapsed());
            if self.closed || left.is_zero() {
                return false;
            }
            self.stream
                .set_read_timeout(Some(left.min(Duration::from_millis(500))))
                .expect("set a read timeout");
            match self.stream.read(&mut buffer) {
                Ok(0) => self.closed = true,
                Ok(n) => self.received.extend_from_slice(&buffer[..n]),
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) => {}
                Err(_) => self.closed = true,
            }
        }
    }

    /// Reads until the server closes the connection (or `bound` passes);
    /// returns whether it closed.
    pub fn read_to_close(&mut self, bound: Duration) -> bool {
        self.read_until(bound, |_| false);
        self.closed
    }

    /// Everything read so far, as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.received).into_owned()
    }

    /// The status code of the answer, once its head was read.
    pub fn status(&self) -> Option<u16> {
        self.text().split_whitespace().nth(1)?.parse().ok()
    }

    /// The JSON of every `data:` line read so far, in order (the chunked
    /// framing around them is skipped).
    pub fn events(&self) -> Vec<serde_json::Value> {
        self.text()
            .lines()
            .filter_map(|line| line.trim_end_matches('\r').strip_prefix("data: "))
            .filter_map(|json| serde_json::from_str(json).ok())
            .collect()
    }
}

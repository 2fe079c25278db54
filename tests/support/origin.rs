//! A second web site for cross-origin tests: a tiny HTTP server on
//! 127.0.0.1 (another port, so another origin) that serves one page to
//! every GET, on a thread of its own, until dropped.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

pub struct OtherSite {
    /// `http://127.0.0.1:PORT`, the page's origin.
    pub origin: String,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl OtherSite {
    /// Serves `html` at every path.
    pub fn serve(html: String) -> OtherSite {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a port for the other site");
        let origin = format!(
            "http://127.0.0.1:{}",
            listener.local_addr().expect("its address").port()
        );
        listener
            .set_nonblocking(true)
            .expect("a non-blocking listener");
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = Arc::clone(&stop);
        let thread = std::thread::spawn(move || {
            while !stopping.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((stream, _)) => answer(stream, &html),
                    Err(_) => std::thread::sleep(Duration::from_millis(20)),
                }
            }
        });
        OtherSite {
            origin,
            stop,
            thread: Some(thread),
        }
    }
}

/// Reads the request head and answers with the page (or a 404 for the
/// favicon), closing the connection.
fn answer(stream: TcpStream, html: &str) {
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let mut reader = BufReader::new(&stream);
    let mut request_line = String::new();
    let _ = reader.read_line(&mut request_line);
    loop {
        let mut line = String::new();
        match reader.read_line(&mut line) {
            Ok(n) if n > 2 => continue,
            _ => break,
        }
    }
    let (status, body) = if request_line.contains("favicon") {
        ("404 Not Found", "")
    } else {
        ("200 OK", html)
    };
    let response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let mut stream = &stream;
    let _ = stream.write_all(response.as_bytes());
}

impl Drop for OtherSite {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

//! A consumer process whose output a test reads while it runs: stdout and
//! stderr are collected on threads into buffers the test can look at.

use std::io::Read;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Instant;

use super::EXPECT;

/// See the module documentation. Dropping it kills the process.
pub struct Live {
    child: Child,
    stdout: Arc<Mutex<Vec<u8>>>,
    stderr: Arc<Mutex<Vec<u8>>>,
    readers: Vec<JoinHandle<()>>,
}

fn collect(mut from: impl Read + Send + 'static, into: Arc<Mutex<Vec<u8>>>) -> JoinHandle<()> {
    std::thread::spawn(move || {
        let mut buf = [0u8; 8192];
        while let Ok(n @ 1..) = from.read(&mut buf) {
            into.lock()
                .unwrap_or_else(PoisonError::into_inner)
                .extend_from_slice(&buf[..n]);
        }
    })
}

impl Live {
    pub fn spawn(mut command: Command) -> Live {
        command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command.spawn().expect("starting topicgate-consumer");
        let (stdout, stderr) = (Arc::default(), Arc::default());
        let readers = vec![
            collect(
                child.stdout.take().expect("piped stdout"),
                Arc::clone(&stdout),
            ),
            collect(
                child.stderr.take().expect("piped stderr"),
                Arc::clone(&stderr),
            ),
        ];
        Live {
            child,
            stdout,
            stderr,
            readers,
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// What it printed on stdout so far.
    pub fn stdout(&self) -> String {
        text(&self.stdout)
    }

    /// What it printed on stderr so far.
    pub fn stderr(&self) -> String {
        text(&self.stderr)
    }

    /// Waits (bounded) until `done(stdout, stderr)` holds.
    pub fn wait_until(&mut self, what: &str, done: impl Fn(&str, &str) -> bool) {
        let deadline = Instant::now() + EXPECT;
        loop {
            if done(&self.stdout(), &self.stderr()) {
                return;
            }
            let exited = self.child.try_wait().ok().flatten();
            if exited.is_some() || Instant::now() > deadline {
                panic!(
                    "waited in vain for {what} (exit: {exited:?})\nstdout:\n{}\nstderr:\n{}",
                    self.stdout(),
                    self.stderr()
                );
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }

    /// Waits (bounded) for the exit; answers whether it succeeded.
    pub fn wait_exit(&mut self) -> bool {
        let deadline = Instant::now() + EXPECT;
        loop {
            if let Some(status) = self.child.try_wait().expect("waiting for the child") {
                for reader in self.readers.drain(..) {
                    let _ = reader.join();
                }
                return status.success();
            }
            assert!(
                Instant::now() < deadline,
                "the consumer did not exit\nstderr:\n{}",
                self.stderr()
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }
}

fn text(buffer: &Mutex<Vec<u8>>) -> String {
    String::from_utf8_lossy(&buffer.lock().unwrap_or_else(PoisonError::into_inner)).into_owned()
}

impl Drop for Live {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

//! A program's stdout as an input stream (`journalctl -o json …` for found logs).
//! Its stderr is kept (the first 4 KiB) so that a failing program is reported with
//! its own words and exit status, as an error of the input it stood for.

use std::io::{self, Read};
use std::path::Path;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::thread::JoinHandle;

use crate::error::Error;

/// How much of the program's stderr is kept for the error message.
const STDERR_KEPT: u64 = 4096;

/// A running program whose stdout is read; at its end the exit status is checked.
pub struct CommandOutput {
    child: Child,
    stdout: ChildStdout,
    stderr: Option<JoinHandle<String>>,
    finished: bool,
}

impl CommandOutput {
    pub fn spawn(program: &Path, args: &[String], name: &str) -> Result<CommandOutput, Error> {
        let mut child = Command::new(program)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|source| Error::Io {
                path: name.to_string(),
                source,
            })?;
        let stdout = child.stdout.take().expect("stdout was piped");
        let mut stderr = child.stderr.take().expect("stderr was piped");
        // Drained on its own thread: a program blocked on a full stderr pipe would
        // never close stdout.
        let stderr = std::thread::spawn(move || {
            let mut kept = String::new();
            let _ = (&mut stderr).take(STDERR_KEPT).read_to_string(&mut kept);
            let _ = io::copy(&mut stderr, &mut io::sink());
            kept
        });
        Ok(CommandOutput {
            child,
            stdout,
            stderr: Some(stderr),
            finished: false,
        })
    }

    /// Waits for the program; an exit status other than 0 becomes the read error.
    fn finish(&mut self) -> io::Result<()> {
        self.finished = true;
        let status = self.child.wait()?;
        let stderr = self
            .stderr
            .take()
            .and_then(|h| h.join().ok())
            .unwrap_or_default();
        if status.success() {
            return Ok(());
        }
        let said = stderr.split_whitespace().collect::<Vec<_>>().join(" ");
        Err(io::Error::other(if said.is_empty() {
            format!("exited with {status}")
        } else {
            format!("exited with {status}: {said}")
        }))
    }
}

impl Read for CommandOutput {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.finished {
            return Ok(0);
        }
        let n = self.stdout.read(buf)?;
        if n == 0 && !buf.is_empty() {
            self.finish()?;
        }
        Ok(n)
    }
}

impl Drop for CommandOutput {
    /// Reading stopped early (an error downstream): the program is not left running.
    fn drop(&mut self) {
        if !self.finished {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(program: &str, args: &[&str]) -> io::Result<String> {
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        let mut out = CommandOutput::spawn(Path::new(program), &args, "test")
            .map_err(|e| io::Error::other(e.to_string()))?;
        let mut text = String::new();
        out.read_to_string(&mut text)?;
        Ok(text)
    }

    #[test]
    fn stdout_is_read_and_failure_reported_with_stderr() {
        assert_eq!(
            read_all("sh", &["-c", "echo one; echo two"]).unwrap(),
            "one\ntwo\n"
        );
        let e = read_all(
            "sh",
            &["-c", "echo partial; echo 'No journal files' >&2; exit 1"],
        )
        .unwrap_err();
        assert!(
            e.to_string().contains("exit status: 1: No journal files"),
            "{e}"
        );
    }

    #[test]
    fn a_missing_program_names_the_input() {
        let e = CommandOutput::spawn(Path::new("/no/such/journalctl"), &[], "journalctl")
            .err()
            .expect("cannot spawn");
        assert!(e.to_string().starts_with("journalctl: "), "{e}");
    }
}

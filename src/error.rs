//! Errors of the stages, each naming the path (and line, for rule files) it concerns.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum Error {
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: {msg}")]
    Input { path: String, msg: String },
    #[error("{file}:{line}: {msg}")]
    Rule {
        file: String,
        line: usize,
        msg: String,
    },
}

impl Error {
    /// The path the error concerns.
    pub fn path(&self) -> &str {
        match self {
            Error::Io { path, .. } | Error::Input { path, .. } => path,
            Error::Rule { file, .. } => file,
        }
    }

    /// The reason alone, without the path.
    pub fn reason(&self) -> String {
        match self {
            Error::Io { source, .. } => source.to_string(),
            Error::Input { msg, .. } => msg.clone(),
            Error::Rule { line, msg, .. } => format!("line {line}: {msg}"),
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

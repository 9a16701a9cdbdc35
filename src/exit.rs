//! The classes of failure a user or a script acts on, and their exit codes (SPEC.md).

/// What kind of failure ended a command; each maps to one exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// A bug: exit 1.
    Internal,
    /// Bad input or usage (missing file, bad flag, bad key, newer receipt): exit 2.
    BadInput,
    /// Network or node failure after retries; rerunning resumes: exit 3.
    Network,
    /// Payment refused (funds, `--max-cost`, declined); nothing paid for the refused wave: exit 4.
    Payment,
    /// Some chunks failed after retries; rerunning resumes: exit 5.
    Partial,
    /// A local file operation under the data dir or the output failed (disk full, permissions,
    /// an I/O error); what was paid is kept; free space or fix permissions and rerun: exit 6.
    Io,
    /// `verify`/`repair`: some chunk has fewer proven replicas than it needs, but every chunk
    /// has at least one; `ferry repair` can restore it: exit 7.
    Degraded,
    /// `verify`/`repair`: some chunk of the file is proven by no node: exit 8.
    Lost,
    /// Interrupted by Ctrl-C: exit 130.
    Interrupted,
}

impl ErrorKind {
    /// The process exit code.
    pub fn exit_code(self) -> u8 {
        match self {
            ErrorKind::Internal => 1,
            ErrorKind::BadInput => 2,
            ErrorKind::Network => 3,
            ErrorKind::Payment => 4,
            ErrorKind::Partial => 5,
            ErrorKind::Io => 6,
            ErrorKind::Degraded => 7,
            ErrorKind::Lost => 8,
            ErrorKind::Interrupted => 130,
        }
    }

    /// The `kind` field of a JSON `error` event.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Internal => "internal",
            ErrorKind::BadInput => "bad_input",
            ErrorKind::Network => "network",
            ErrorKind::Payment => "payment",
            ErrorKind::Partial => "partial",
            ErrorKind::Io => "io",
            ErrorKind::Degraded => "degraded",
            ErrorKind::Lost => "lost",
            ErrorKind::Interrupted => "interrupted",
        }
    }

    /// Whether rerunning the same command may succeed.
    pub fn is_retryable(self) -> bool {
        matches!(
            self,
            ErrorKind::Network | ErrorKind::Partial | ErrorKind::Io | ErrorKind::Interrupted
        )
    }
}

/// An error's message followed by each of its causes, `: `-separated: how a message is shown
/// where no chain printer runs (a node's HTTP answer, `ferry-node`'s last line).
pub fn with_causes(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(inner) = cause {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        cause = inner.source();
    }
    text
}

//! The classes of failure a user or a script acts on, and their exit codes: the table in the
//! README's "Exit codes" section, which the man page ferry(1) repeats (`cli::man`).
//!
//! Invariant: this is the one place a failure's class becomes a number. Library errors say
//! their [`ErrorKind`] by type (each error enum's `kind()`), never by their message text, and
//! the command line exits with [`ErrorKind::exit_code`]; scripts rely on the numbers never moving.

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

/// An error's message followed by each of its causes, `: `-separated: how every message is
/// shown (the CLI's errors, a node's HTTP answer, `ferry-node`'s last line). A cause whose text
/// the line already holds is left out: some dependencies (reqwest, alloy's transports) wrap an
/// error in one that prints the same words, and a user should read each cause once.
pub fn with_causes(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(inner) = cause {
        let said = inner.to_string();
        if !said.is_empty() && !text.contains(&said) {
            text.push_str(": ");
            text.push_str(&said);
        }
        cause = inner.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("{text}")]
    struct Wrapped {
        text: &'static str,
        #[source]
        source: Option<Box<Wrapped>>,
    }

    fn chain(texts: &[&'static str]) -> Wrapped {
        texts
            .iter()
            .rev()
            .fold(None, |source, text| {
                Some(Wrapped {
                    text,
                    source: source.map(Box::new),
                })
            })
            .unwrap()
    }

    #[test]
    fn a_cause_that_repeats_the_text_before_it_is_shown_once() {
        let error = chain(&[
            "cannot reach the chain at http://x",
            "error sending request for url (http://x)",
            "error sending request for url (http://x)",
            "connection refused",
        ]);
        assert_eq!(
            with_causes(&error),
            "cannot reach the chain at http://x: error sending request for url (http://x): connection refused"
        );
    }
}

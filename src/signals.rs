//! The signals that stop a long-running command (`ferry devnet up` in the foreground, a node):
//! SIGINT (Ctrl-C) and SIGTERM, registered once, so neither is missed between registering and
//! waiting.
//!
//! Invariant: the handlers are in place from [`StopSignals::listen`] on; a signal that arrives
//! before anyone waits is kept and returned by the next [`StopSignals::recv`].

use tokio::signal::unix::{Signal, SignalKind, signal};

/// Which stop signal arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// SIGINT: Ctrl-C at a terminal.
    Interrupt,
    /// SIGTERM: a service manager or `kill`.
    Terminate,
}

impl Stop {
    /// The signal's name (`SIGINT`, `SIGTERM`).
    pub fn name(self) -> &'static str {
        match self {
            Stop::Interrupt => "SIGINT",
            Stop::Terminate => "SIGTERM",
        }
    }

    /// What it did, for a message: "interrupted" or "terminated".
    pub fn past(self) -> &'static str {
        match self {
            Stop::Interrupt => "interrupted",
            Stop::Terminate => "terminated",
        }
    }
}

/// SIGINT and SIGTERM, listened to from creation on.
pub struct StopSignals {
    interrupt: Signal,
    terminate: Signal,
}

impl StopSignals {
    /// Registers handlers for both (must run inside a tokio runtime).
    pub fn listen() -> std::io::Result<Self> {
        Ok(Self {
            interrupt: signal(SignalKind::interrupt())?,
            terminate: signal(SignalKind::terminate())?,
        })
    }

    /// Waits for either; says which.
    pub async fn recv(&mut self) -> Stop {
        tokio::select! {
            _ = self.interrupt.recv() => Stop::Interrupt,
            _ = self.terminate.recv() => Stop::Terminate,
        }
    }
}

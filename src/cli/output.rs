//! What the CLI shows: JSON lines on stdout for `--json`, progress bars on a terminal, short
//! status lines off one, and nothing but errors with `-q`.

use std::io::{IsTerminal, Write};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use indicatif::{HumanBytes, MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::Serialize;

use crate::exit::ErrorKind;
use crate::reporter::{EVENT_SCHEMA, Event, Phase, Reporter};

/// Writes one JSON object as a line on stdout, with the schema version added.
pub fn print_json_line<T: Serialize>(value: &T) {
    let mut object = serde_json::to_value(value).expect("events serialise");
    if let Some(map) = object.as_object_mut() {
        map.insert("schema".into(), EVENT_SCHEMA.into());
    }
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "{object}");
    let _ = stdout.flush();
}

/// The final `error` event of `--json`.
#[derive(Serialize)]
pub struct ErrorEvent<'a> {
    event: &'static str,
    kind: &'static str,
    message: &'a str,
    retryable: bool,
}

impl<'a> ErrorEvent<'a> {
    /// An error event for a failure of this kind.
    pub fn new(kind: ErrorKind, message: &'a str) -> Self {
        Self {
            event: "error",
            kind: kind.as_str(),
            message,
            retryable: kind.is_retryable(),
        }
    }
}

/// `--json`: every event as a line on stdout.
pub struct JsonReporter;

impl Reporter for JsonReporter {
    fn event(&self, event: &Event) {
        print_json_line(event);
    }
}

/// How much to show on stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verbosity {
    /// Errors only.
    Quiet,
    /// Progress and summaries.
    Normal,
}

/// Human output on stderr: bars on a terminal, status lines every few seconds off one.
pub struct HumanReporter {
    bars: Option<Bars>,
    plain: Option<Mutex<PlainStatus>>,
}

struct Bars {
    _multi: MultiProgress,
    encrypt: ProgressBar,
    pay: ProgressBar,
    store: ProgressBar,
}

struct PlainStatus {
    last: Instant,
    interval: Duration,
}

impl HumanReporter {
    /// A reporter for stderr as it is (terminal or not) at this verbosity.
    pub fn new(verbosity: Verbosity) -> Self {
        let terminal = std::io::stderr().is_terminal();
        match (verbosity, terminal) {
            (Verbosity::Quiet, _) => Self {
                bars: None,
                plain: None,
            },
            (Verbosity::Normal, true) => Self {
                bars: Some(Bars::new()),
                plain: None,
            },
            (Verbosity::Normal, false) => Self {
                bars: None,
                plain: Some(Mutex::new(PlainStatus {
                    last: Instant::now(),
                    interval: Duration::from_secs(5),
                })),
            },
        }
    }

    /// Prints a line on stderr without tearing the bars.
    pub fn line(&self, text: &str) {
        match &self.bars {
            Some(bars) => bars.store.println(text),
            None if self.plain.is_some() => eprintln!("{text}"),
            None => {}
        }
    }

    /// Removes the bars.
    pub fn finish(&self) {
        if let Some(bars) = &self.bars {
            bars.encrypt.finish_and_clear();
            bars.pay.finish_and_clear();
            bars.store.finish_and_clear();
        }
    }
}

impl Bars {
    fn new() -> Self {
        let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stderr());
        let bytes = ProgressStyle::with_template(
            "{prefix:>8} [{bar:30}] {bytes}/{total_bytes} {binary_bytes_per_sec} ETA {eta}",
        )
        .expect("template")
        .progress_chars("=> ");
        let counts =
            ProgressStyle::with_template("{prefix:>8} [{bar:30}] {pos}/{len} chunks {msg}")
                .expect("template")
                .progress_chars("=> ");
        let bar = |style: &ProgressStyle, prefix: &'static str| {
            let bar = multi.add(
                ProgressBar::new(0)
                    .with_style(style.clone())
                    .with_prefix(prefix),
            );
            bar.set_length(0);
            bar
        };
        Self {
            encrypt: bar(&bytes, "encrypt"),
            pay: bar(&counts, "pay"),
            store: bar(&bytes, "store"),
            _multi: multi,
        }
    }

    fn bar(&self, phase: Phase) -> Option<&ProgressBar> {
        match phase {
            Phase::Encrypt => Some(&self.encrypt),
            Phase::Pay | Phase::Quote => Some(&self.pay),
            Phase::Store | Phase::Fetch => Some(&self.store),
        }
    }
}

impl Reporter for HumanReporter {
    fn event(&self, event: &Event) {
        match (event, &self.bars) {
            (Event::Started { chunks, .. }, Some(bars)) => bars.pay.set_length(*chunks as u64),
            (Event::Started { chunks, bytes, .. }, None) => {
                self.line(&format!("uploading {bytes} bytes in {chunks} chunks"))
            }
            (
                Event::WavePaid {
                    wave,
                    chunks,
                    tx_hash,
                    ..
                },
                None,
            ) => self.line(&format!("wave {wave}: paid {chunks} chunks in {tx_hash}")),
            (Event::ChunkAlreadyStored { .. }, Some(bars)) => bars.pay.inc(1),
            (Event::WaitingForLock { file }, _) => self.line(&format!(
                "waiting: another ferry process is uploading {file}; this one carries on from its receipt when it finishes"
            )),
            (Event::ReceiptSetAside { path, reason }, _) => self.line(&format!(
                "warning: the cached receipt was unreadable ({reason}); it was moved to {path} and the upload goes on without it"
            )),
            _ => {}
        }
    }

    fn progress(&self, phase: Phase, done: u64, total: u64) {
        if let Some(bar) = self.bars.as_ref().and_then(|b| b.bar(phase)) {
            bar.set_length(total);
            bar.set_position(done);
            return;
        }
        if let Some(plain) = &self.plain {
            let mut plain = plain.lock().expect("status lock");
            if plain.last.elapsed() >= plain.interval || (done == total && phase != Phase::Pay) {
                plain.last = Instant::now();
                let percent = (done * 100).checked_div(total).unwrap_or(100);
                let line = match phase {
                    Phase::Quote | Phase::Pay => format!("{done}/{total} chunks"),
                    _ => format!("{}/{}", HumanBytes(done), HumanBytes(total)),
                };
                eprintln!("{}: {line} ({percent}%)", phase_name(phase));
            }
        }
    }
}

fn phase_name(phase: Phase) -> &'static str {
    match phase {
        Phase::Encrypt => "encrypt",
        Phase::Quote => "quote",
        Phase::Pay => "pay",
        Phase::Store => "store",
        Phase::Fetch => "fetch",
    }
}

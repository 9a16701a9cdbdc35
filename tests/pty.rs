//! The real binary on a pseudo-terminal, as a person at a terminal sees it: progress bars while
//! uploading, and the cost question before paying (answered no, answered yes, or skipped).

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Child, Command};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::support::{Devnet, planned_chunks};

/// A child process whose stdin, stdout and stderr are one pseudo-terminal, and everything it
/// has written there so far.
struct Terminal {
    keyboard: std::fs::File,
    screen: Arc<Mutex<Vec<u8>>>,
    reader: Option<JoinHandle<()>>,
    child: Child,
}

impl Terminal {
    fn spawn(mut command: Command) -> Terminal {
        use rustix::pty::{OpenptFlags, grantpt, openpt, ptsname, unlockpt};
        let flags = OpenptFlags::RDWR | OpenptFlags::NOCTTY | OpenptFlags::CLOEXEC;
        let master = openpt(flags).expect("a pseudo-terminal opens");
        grantpt(&master).unwrap();
        unlockpt(&master).unwrap();
        let size = rustix::termios::Winsize {
            ws_row: 40,
            ws_col: 160,
            ws_xpixel: 0,
            ws_ypixel: 0,
        };
        rustix::termios::tcsetwinsize(&master, size).unwrap();
        let name = ptsname(&master, Vec::new()).unwrap();
        let slave = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(name.to_str().unwrap())
            .unwrap();
        command
            .env("TERM", "xterm-256color")
            .stdin(slave.try_clone().unwrap())
            .stdout(slave.try_clone().unwrap())
            .stderr(slave);
        let child = command.spawn().expect("ferry starts");
        // Only the child holds the terminal now, so reading ends when it exits.
        drop(command);
        let keyboard = std::fs::File::from(master);
        let mut output = keyboard.try_clone().unwrap();
        let screen = Arc::new(Mutex::new(Vec::new()));
        let sink = screen.clone();
        let reader = std::thread::spawn(move || {
            let mut buffer = [0u8; 8192];
            while let Ok(read @ 1..) = output.read(&mut buffer) {
                sink.lock().unwrap().extend_from_slice(&buffer[..read]);
            }
        });
        Terminal {
            keyboard,
            screen,
            reader: Some(reader),
            child,
        }
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.screen.lock().unwrap()).into_owned()
    }

    /// Waits until `needle` is on the screen; panics with the screen after `timeout`.
    fn wait_for(&mut self, needle: &str, timeout: Duration) {
        let started = Instant::now();
        while !self.text().contains(needle) {
            if started.elapsed() > timeout || self.child.try_wait().unwrap().is_some() {
                let _ = self.child.kill();
                panic!("{needle:?} never appeared; the screen:\n{}", self.text());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Types a line and presses Enter.
    fn type_line(&mut self, line: &str) {
        self.keyboard
            .write_all(format!("{line}\r").as_bytes())
            .unwrap();
    }

    /// Waits for the exit (killing the child after `timeout`); the exit code and the screen.
    fn finish(mut self, timeout: Duration) -> (Option<i32>, String) {
        let started = Instant::now();
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            if started.elapsed() > timeout {
                let _ = self.child.kill();
                panic!(
                    "ferry did not exit in {timeout:?}; the screen:\n{}",
                    self.text()
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        self.reader.take().unwrap().join().unwrap();
        (status.code(), self.text())
    }
}

const QUESTION: &str = "[y/N]";

struct Upload {
    terminal: Terminal,
    file: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

/// Starts `ferry upload FILE` on a terminal, with a new funded account and a new file of
/// `file_size` bytes; `configure` adds arguments or variables (it gets the run's directory).
fn upload_on_a_terminal(
    devnet: &Devnet,
    file_size: usize,
    configure: impl FnOnce(&mut Command, &Path),
) -> Upload {
    let account = devnet.funded_account();
    let (dir, file, _) = crate::support::random_file("typed.bin", file_size);
    let mut command = devnet.ferry_process(dir.path(), &account);
    command.arg("upload").arg(&file);
    configure(&mut command, dir.path());
    Upload {
        terminal: Terminal::spawn(command),
        file,
        _dir: dir,
    }
}

#[test]
fn on_a_terminal_upload_draws_a_bar_per_phase_and_asks_nothing_below_the_threshold() {
    let devnet = Devnet::shared();
    // Four chunks: far below the default threshold on a devnet.
    let upload = upload_on_a_terminal(devnet, 9 * 1024 * 1024, |_, _| {});
    let (code, screen) = upload.terminal.finish(Duration::from_secs(120));
    assert_eq!(code, Some(0), "{screen}");
    assert!(screen.contains("\x1b["), "no escape codes: {screen:?}");
    for phase in ["encrypt [", "pay [", "store ["] {
        assert!(screen.contains(phase), "no {phase:?} bar: {screen:?}");
    }
    assert!(screen.contains(" chunks"), "pay counts chunks: {screen:?}");
    // A rate comes only from what this run sent, once it means something: never an absurd
    // one, nor an ETA of nothing at the start.
    assert!(
        !screen.contains("TiB/s") && !screen.contains("0 B/s"),
        "a meaningless rate: {screen:?}"
    );
    assert!(
        !screen.contains(QUESTION),
        "asked below the threshold: {screen:?}"
    );
    assert!(screen.contains("uploaded") && screen.contains("ferry:"));
}

#[test]
fn on_a_terminal_answering_no_to_the_cost_question_exits_4_and_pays_nothing() {
    let devnet = Devnet::shared();
    // The threshold from a config file: 0 asks always.
    let mut upload = upload_on_a_terminal(devnet, 100_000, |command, dir| {
        let config = dir.join("config.toml");
        std::fs::write(&config, "confirm_above = 0\n").unwrap();
        command.env("FERRY_CONFIG", config);
    });
    upload.terminal.wait_for(QUESTION, Duration::from_secs(60));
    let screen = upload.terminal.text();
    assert!(
        screen.contains("Pay about") && screen.contains("ETH gas) for"),
        "{screen:?}"
    );
    upload.terminal.type_line("n");
    let (code, screen) = upload.terminal.finish(Duration::from_secs(60));
    assert_eq!(code, Some(4), "{screen}");
    assert!(
        screen.contains("declined") && screen.contains("--yes"),
        "{screen:?}"
    );
    for chunk in planned_chunks(&upload.file) {
        assert_eq!(devnet.times_paid(chunk), 0, "a declined upload paid");
    }
}

#[test]
fn on_a_terminal_answering_yes_pays_and_uploads() {
    let devnet = Devnet::shared();
    let mut upload = upload_on_a_terminal(devnet, 100_000, |command, _| {
        command.args(["--confirm-above", "0"]);
    });
    upload.terminal.wait_for(QUESTION, Duration::from_secs(60));
    upload.terminal.type_line("y");
    let (code, screen) = upload.terminal.finish(Duration::from_secs(60));
    assert_eq!(code, Some(0), "{screen}");
    for chunk in planned_chunks(&upload.file) {
        assert_eq!(devnet.times_paid(chunk), 1);
    }
}

#[test]
fn on_a_terminal_yes_skips_the_question() {
    let devnet = Devnet::shared();
    let upload = upload_on_a_terminal(devnet, 100_000, |command, _| {
        command.arg("--yes").env("FERRY_CONFIRM_ABOVE", "0");
    });
    let (code, screen) = upload.terminal.finish(Duration::from_secs(60));
    assert_eq!(code, Some(0), "{screen}");
    assert!(!screen.contains(QUESTION), "--yes still asked: {screen:?}");
    for chunk in planned_chunks(&upload.file) {
        assert_eq!(devnet.times_paid(chunk), 1);
    }
}

/// The amount in wei after `before` in `text` (`… before 12345 wei …`).
fn wei_after(text: &str, before: &str) -> u128 {
    let at = text
        .find(before)
        .unwrap_or_else(|| panic!("no {before:?} in {text:?}"))
        + before.len();
    let digits: String = text[at..]
        .trim_start()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits
        .parse()
        .unwrap_or_else(|_| panic!("no amount after {before:?} in {text:?}"))
}

#[test]
fn quote_and_the_cost_question_are_within_a_quarter_of_what_the_upload_pays() {
    // Its own devnet: no other test's transactions move the gas price in between.
    let devnet = Devnet::start(5);
    let account = devnet.funded_account();
    let (dir, file, _) = crate::support::random_file("estimated.bin", 9 * 1024 * 1024);
    let quote = devnet
        .ferry(dir.path(), &account)
        .args(["quote", "--json"])
        .arg(&file)
        .output()
        .unwrap();
    let quote = crate::support::json_lines(&quote.stdout).pop().unwrap();
    let wei = |field: &str| -> u128 { quote[field].as_str().unwrap().parse().unwrap() };
    let quoted = wei("storage_cost_wei") + wei("estimated_gas_wei");

    let mut command = devnet.ferry_process(dir.path(), &account);
    command
        .args(["--units", "wei", "upload", "--confirm-above", "0"])
        .arg(&file);
    let mut terminal = Terminal::spawn(command);
    terminal.wait_for(QUESTION, Duration::from_secs(60));
    let asked = wei_after(&terminal.text(), "Pay about");
    terminal.type_line("y");
    let (code, screen) = terminal.finish(Duration::from_secs(120));
    assert_eq!(code, Some(0), "{screen}");
    let paid = wei_after(&screen, "already stored) for") + wei_after(&screen, "wei storage +");
    for (what, estimate) in [("quote", quoted), ("question", asked)] {
        let ratio = estimate as f64 / paid as f64;
        assert!(
            (0.75..=1.25).contains(&ratio),
            "{what} estimated {estimate} wei, the upload paid {paid} wei ({ratio:.2}x)"
        );
    }
}

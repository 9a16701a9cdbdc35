//! `ferry list` (alias `ls`): the finished uploads in the local history (name, size, date,
//! cost, reference), or with a reference, the files and directories of that folder, read
//! from its manifest on the network. Reading only: nothing is paid or written but a history
//! that cannot be read, which is set aside and reported (never an error).

use std::path::Path;

use anyhow::anyhow;
use clap::Args;
use serde::Serialize;

use super::history::{self, Finished, History};
use super::output::{JsonEvent, OutputMode, print_json_line, stdout_line};
use super::units::AmountFormat;
use super::{CliError, Context, NetworkArgs};
use crate::blocking::blocking;
use crate::client::chunking::Reference;
use crate::client::folder::{Entry, EntryKind};
use crate::client::nodes::{NodeClient, Timeouts};
use crate::client::reporter::Silent;
use crate::exit::ErrorKind;
use crate::sizes::format_size;
use crate::wire::types::Amount;

/// `ferry list`.
#[derive(Debug, Clone, Args)]
pub struct ListArgs {
    /// A folder's reference: list its files and directories instead of the history.
    pub reference: Option<String>,
    /// The network (only with a reference).
    #[command(flatten)]
    pub network: NetworkArgs,
}

/// One entry of a folder, as `ferry list REF --json` prints it (an `entry` line).
#[derive(Serialize)]
pub struct EntryLine {
    path: String,
    /// `file` or `dir`.
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    bytes: Option<u64>,
    mode: u32,
    modified: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    reference: Option<String>,
}

impl EntryLine {
    fn new(entry: &Entry) -> Self {
        let bytes = match entry.kind {
            EntryKind::File { size, .. } | EntryKind::Packed { size, .. } => Some(size),
            EntryKind::Dir => None,
        };
        Self {
            path: String::from_utf8_lossy(&entry.path).into_owned(),
            kind: if bytes.is_some() { "file" } else { "dir" },
            bytes,
            mode: entry.mode,
            modified: entry.modified.0,
            reference: entry.reference().map(|r| r.to_string()),
        }
    }
}

/// `ferry list [REF]`.
pub async fn list(context: &Context, args: ListArgs) -> Result<(), CliError> {
    match &args.reference {
        Some(reference) => list_folder(context, reference, &args.network).await,
        None => {
            let (data_dir, output) = (context.data_dir.clone(), context.output);
            let amounts = context.amounts(None);
            blocking(move || {
                let history = read_reporting(&data_dir, output);
                print_history(&history, output, &amounts, &data_dir);
            })
            .await;
            Ok(())
        }
    }
}

/// Reads the history, saying so (a warning unless `-q`, or a `history_set_aside` line) when it
/// had to be set aside.
pub fn read_reporting(data_dir: &Path, output: OutputMode) -> History {
    let history = history::read(data_dir);
    if let Some((aside, problem)) = &history.set_aside {
        if output.is_json() {
            print_json_line(&JsonEvent::HistorySetAside {
                path: aside,
                reason: problem,
            });
        } else if output.narrates() {
            eprintln!(
                "warning: the upload history could not be read ({problem}); it was moved to {} and a new one is started",
                aside.display()
            );
        }
    }
    history
}

fn print_history(history: &History, output: OutputMode, units: &AmountFormat, data_dir: &Path) {
    if output.is_json() {
        for upload in &history.finished {
            print_json_line(&JsonEvent::Upload(upload));
        }
        return;
    }
    if history.finished.is_empty() {
        stdout_line(&format!(
            "no finished uploads in the history ({})",
            history::history_file(data_dir).display()
        ));
        return;
    }
    let rows: Vec<[String; 5]> = history
        .finished
        .iter()
        .map(|upload| {
            [
                utc_minute(upload.finished_at),
                format_size(upload.bytes),
                units.format(cost(upload)),
                upload.name.clone(),
                upload.reference.clone(),
            ]
        })
        .collect();
    let header = ["DATE (UTC)", "SIZE", "COST", "NAME", "REFERENCE"].map(str::to_owned);
    print_table(std::iter::once(&header).chain(&rows));
}

/// Storage and gas the finishing run paid.
fn cost(upload: &Finished) -> Amount {
    Amount::sum([upload.storage_cost_wei, upload.gas_cost_wei])
}

/// Rows in left-aligned columns, the last one unpadded.
fn print_table<'a>(rows: impl Iterator<Item = &'a [String; 5]> + Clone) {
    let mut widths = [0usize; 5];
    for row in rows.clone() {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    for row in rows {
        let mut line = String::new();
        for (column, cell) in row.iter().enumerate() {
            if column + 1 == row.len() {
                line.push_str(cell);
            } else {
                line.push_str(&format!("{cell:<width$}  ", width = widths[column]));
            }
        }
        stdout_line(line.trim_end());
    }
}

/// `ferry list REF`: the folder's entries, from its manifest.
async fn list_folder(
    context: &Context,
    reference: &str,
    network: &NetworkArgs,
) -> Result<(), CliError> {
    let reference: Reference = reference
        .parse()
        .map_err(|e| CliError::new(ErrorKind::BadInput, e))?;
    let network = context.network(network).await?;
    let client = NodeClient::new(Timeouts::default());
    let nodes = super::setup::discover(&client, &network).await?;
    let manifest = crate::client::download::folder_manifest(&client, &nodes, reference, &Silent)
        .await
        .map_err(|e| CliError::new(e.kind(), e))?
        .ok_or_else(|| {
            CliError::new(
                ErrorKind::BadInput,
                anyhow!(
                    "the reference is a file, not a folder: there is nothing to list; get it with `ferry download REF -o FILE`"
                ),
            )
        })?;
    if context.output.is_json() {
        for entry in &manifest.entries {
            print_json_line(&JsonEvent::Entry(&EntryLine::new(entry)));
        }
        return Ok(());
    }
    let rows: Vec<[String; 5]> = manifest
        .entries
        .iter()
        .map(|entry| {
            let line = EntryLine::new(entry);
            let path = match line.kind {
                "dir" => format!("{}/", line.path),
                _ => line.path.clone(),
            };
            [
                format!("{:o}", line.mode & 0o7777),
                line.bytes.map(format_size).unwrap_or_else(|| "-".into()),
                utc_minute(u64::try_from(line.modified).unwrap_or(0)),
                path,
                line.reference.unwrap_or_default(),
            ]
        })
        .collect();
    print_table(rows.iter());
    Ok(())
}

/// `2024-05-01 13:07`: a Unix time in UTC, to the minute.
fn utc_minute(unix: u64) -> String {
    let days = (unix / 86_400) as i64;
    let (hour, minute) = (unix % 86_400 / 3600, unix % 3600 / 60);
    // Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02} {hour:02}:{minute:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unix_times_show_as_utc_dates() {
        assert_eq!(utc_minute(0), "1970-01-01 00:00");
        assert_eq!(utc_minute(951_782_400), "2000-02-29 00:00");
        assert_eq!(utc_minute(1_700_000_000), "2023-11-14 22:13");
        assert_eq!(utc_minute(4_107_542_400), "2100-03-01 00:00");
    }
}

//! `ferry download REF -o FILE|DIR|-`: where the bytes go (settled before any file chunk is
//! fetched), the download itself, and its summary.

use std::path::PathBuf;

use anyhow::anyhow;

use super::output::{JsonEvent, print_json_line};
use super::setup::{discover, reporter};
use super::{CliError, Context, DownloadArgs};
use crate::blocking::blocking;
use crate::client::chunking::Reference;
use crate::client::nodes::{NodeClient, Timeouts};
use crate::client::reporter::Reporter;
use crate::exit::ErrorKind;

/// `ferry download REFERENCE -o FILE`.
pub async fn download(context: &Context, args: DownloadArgs) -> Result<(), CliError> {
    let reference: Reference = args
        .reference
        .parse()
        .map_err(|e| CliError::new(ErrorKind::BadInput, e))?;
    let to_stdout = args.output.as_os_str() == "-";
    if to_stdout && context.output.is_json() {
        return Err(CliError::new(
            ErrorKind::BadInput,
            anyhow!(
                "-o - writes the file to stdout, where --json would write its events; drop --json or write to a file"
            ),
        ));
    }
    let network = context.network(&args.network).await?;
    let client = NodeClient::new(Timeouts::default());
    let nodes = discover(&client, &network).await?;
    let (reporter, human) = reporter(context, &network);
    let result = fetch_to(
        &client,
        &nodes,
        reference,
        Output {
            path: args.output.clone(),
            inside: args.path.clone(),
            no_clobber: args.no_clobber,
        },
        reporter.as_ref(),
    )
    .await;
    nodes.located.log_cost();
    if let Some(human) = &human {
        human.finish();
    }
    let (summary, written) = result?;
    if context.output.is_json() {
        print_json_line(&JsonEvent::DownloadDone {
            output: written.display().to_string(),
            bytes: summary.bytes,
            files: summary.files,
            chunks: summary.chunks,
            seconds: summary.seconds,
        });
    } else if context.output.narrates() {
        let output = if to_stdout {
            "standard output".to_owned()
        } else {
            written.display().to_string()
        };
        let files = summary
            .files
            .map(|files| format!("{files} files, "))
            .unwrap_or_default();
        eprintln!(
            "downloaded {files}{} to {output} in {:.1} s",
            crate::sizes::format_size(summary.bytes),
            summary.seconds
        );
    }
    Ok(())
}

/// Where a download goes, as the command line gave it.
#[derive(Clone)]
struct Output {
    /// `-o`.
    path: PathBuf,
    /// `--path`: one file inside a folder's reference.
    inside: Option<String>,
    /// `--no-clobber`.
    no_clobber: bool,
}

/// Downloads `reference` to `output`: a file to a file (or to stdout for `-`), a folder into
/// the directory `output`, or with `path` one file of a folder to `output`. Where the bytes go
/// is settled once the root is read and before any file chunk is fetched: an existing
/// directory takes a `--path` file under its own name and refuses a file reference (which
/// carries no name), `--no-clobber` refuses an existing file, and missing parents are created.
/// Returns the summary and the path written.
async fn fetch_to(
    client: &NodeClient,
    nodes: &crate::client::lookup::Swarm,
    reference: Reference,
    output: Output,
    reporter: &dyn Reporter,
) -> Result<(crate::client::download::DownloadSummary, PathBuf), CliError> {
    use crate::client::download;
    let failed = |e: download::DownloadError| CliError::new(e.kind(), e);
    let manifest = download::folder_manifest(client, nodes, reference, reporter)
        .await
        .map_err(failed)?;
    let stdout = std::path::Path::new("standard output");
    let to_stdout = output.path.as_os_str() == "-";
    if let Some(path) = &output.inside {
        let manifest = manifest
            .ok_or_else(|| failed(crate::client::folder::FolderError::NotAFolder.into()))?;
        let target = settled(&output, |output| settle_file_output(output, true)).await?;
        let summary = crate::client::restore::download_path(
            client, nodes, &manifest, path, &target, reporter,
        )
        .await
        .map_err(failed)?;
        return Ok((summary, target));
    }
    let target = match &manifest {
        _ if to_stdout => output.path.clone(),
        Some(_) => settled(&output, settle_folder_output).await?,
        None => settled(&output, |output| settle_file_output(output, false)).await?,
    };
    let summary = match manifest {
        Some(_) if to_stdout => Err(CliError::new(
            ErrorKind::BadInput,
            anyhow!("the reference is a folder: download it into a directory with -o DIR"),
        )),
        Some(manifest) => {
            crate::client::restore::restore(client, nodes, &manifest, &target, 4, reporter)
                .await
                .map_err(failed)
        }
        None if to_stdout => {
            let stream = Box::new(std::io::stdout());
            download::download_to_stream(client, nodes, reference, stream, stdout, 8, reporter)
                .await
                .map_err(failed)
        }
        None => download::download(client, nodes, reference, &target, 8, reporter)
            .await
            .map_err(failed),
    }?;
    Ok((summary, target))
}

/// Runs `settle` (file system calls: stat, list, create directories) on a blocking thread.
async fn settled(
    output: &Output,
    settle: impl FnOnce(&Output) -> Result<PathBuf, CliError> + Send + 'static,
) -> Result<PathBuf, CliError> {
    let output = output.clone();
    blocking(move || settle(&output)).await
}

/// The file a file download writes: `-o` itself, or for `--path` (`named`) inside an existing
/// directory, the file's own name in it. Refuses a directory for a file reference (it carries
/// no name) and, with `--no-clobber`, an existing file; creates missing parents. Blocking.
fn settle_file_output(output: &Output, named: bool) -> Result<PathBuf, CliError> {
    let bad = |message: String| CliError::new(ErrorKind::BadInput, anyhow!(message));
    let mut target = output.path.clone();
    if target.is_dir() {
        let name = output
            .inside
            .as_deref()
            .filter(|_| named)
            .and_then(|path| std::path::Path::new(path).file_name())
            .ok_or_else(|| {
                bad(format!(
                    "{} is a directory, and a file's reference carries no name: give the file's path, e.g. -o {}",
                    target.display(),
                    target.join("NAME").display()
                ))
            })?;
        target = target.join(name);
    }
    if output.no_clobber && target.symlink_metadata().is_ok() {
        return Err(bad(format!(
            "{} exists, and --no-clobber keeps it: choose another -o or drop --no-clobber to replace it",
            target.display()
        )));
    }
    if let Some(parent) = target.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| {
            let kind = match e.kind() {
                std::io::ErrorKind::PermissionDenied
                | std::io::ErrorKind::NotADirectory
                | std::io::ErrorKind::AlreadyExists => ErrorKind::BadInput,
                _ => ErrorKind::Io,
            };
            CliError::new(
                kind,
                anyhow!("cannot create the directory {}: {e}", parent.display()),
            )
        })?;
    }
    Ok(target)
}

/// The directory a folder download rebuilds the folder in; with `--no-clobber` it must be
/// missing or empty. Blocking.
fn settle_folder_output(output: &Output) -> Result<PathBuf, CliError> {
    let target = output.path.clone();
    let occupied = std::fs::read_dir(&target).is_ok_and(|mut entries| entries.next().is_some());
    if output.no_clobber && occupied {
        return Err(CliError::new(
            ErrorKind::BadInput,
            anyhow!(
                "{} is not empty, and --no-clobber keeps what is in it: choose another -o or drop --no-clobber",
                target.display()
            ),
        ));
    }
    Ok(target)
}

//! What `ferry-node register`, `rewards` and `status` print on stdout.

use std::io::Write;
use std::path::Path;

use super::{Failure, runtime};
use crate::exit::ErrorKind;
use crate::node::NodeError;
use crate::node::register::RegisterConfig;
use crate::node::rewards::{RewardsConfig, RewardsReport};

/// `ferry-node register`: registers the node and says where it landed.
pub(super) async fn register_node(config: RegisterConfig) -> Result<(), Failure> {
    let registration = crate::node::register::register(config).await?;
    let _ = writeln!(
        std::io::stdout().lock(),
        "registered {} at position {} with a stake of {} wei",
        registration.node,
        registration.position,
        registration.stake
    );
    Ok(())
}

/// `ferry-node rewards`: what the vault holds for the node, and what was withdrawn.
pub(super) async fn claim_rewards(config: RewardsConfig) -> Result<(), Failure> {
    let report = crate::node::rewards::rewards(config).await?;
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "{}", describe_rewards(&report));
    if report.failed.is_empty() {
        Ok(())
    } else {
        Err(NodeError::ClaimsFailed {
            failed: report.failed.len(),
            batches: report.failed.len() + report.claims.len(),
        }
        .into())
    }
}

/// What `ferry-node rewards` prints.
fn describe_rewards(report: &RewardsReport) -> String {
    let scan = &report.scan;
    let mut text = format!(
        "read the chain up to block {}: {} new leaves paying this node",
        scan.to_block, scan.learned
    );
    if scan.refused > 0 {
        text.push_str(&format!(
            "; {} waves skipped until the next run: the RPC endpoint gave no calldata building their logged root",
            scan.refused
        ));
    }
    if scan.unreadable > 0 {
        text.push_str(&format!(
            "; {} waves not paid by a direct payWave call, unreadable",
            scan.unreadable
        ));
    }
    text.push_str(&format!(
        "\nthe vault holds {} wei for {} ({} leaves in {} waves)",
        report.unclaimed, report.rewards, report.leaves, report.waves
    ));
    for claim in &report.claims {
        text.push_str(&format!(
            "\nwithdrew {} wei in {} (gas {} wei)",
            claim.amount, claim.tx_hash, claim.gas_cost
        ));
    }
    for failed in &report.failed {
        text.push_str(&format!(
            "\nclaim of {} leaves ({} wei) failed: {}",
            failed.leaves, failed.amount, failed.reason
        ));
    }
    text
}

/// `ferry-node status`: the node answered, or bad input, or no node answers (network).
pub(super) fn show_status(
    root: Option<&Path>,
    config: Option<&Path>,
    json: bool,
) -> Result<(), Failure> {
    let root = match (root, config) {
        (Some(root), _) => root.to_owned(),
        (None, Some(config)) => match crate::node::settings::load(config) {
            Ok(settings) => match settings.root {
                Some(root) => root,
                None => {
                    return Err(Failure::new(
                        ErrorKind::BadInput,
                        format!(
                            "the config file {} names no root; pass --root DIR",
                            config.display()
                        ),
                    ));
                }
            },
            Err(error) => return Err(Failure::new(ErrorKind::BadInput, error.to_string())),
        },
        (None, None) => {
            return Err(Failure::new(
                ErrorKind::BadInput,
                "which node? pass --root DIR (the node's --root) or --config FILE".into(),
            ));
        }
    };
    match runtime()?.block_on(crate::node::status::query(&root)) {
        Ok(status) => {
            let text = if json {
                let mut object = serde_json::to_value(&status).unwrap_or_default();
                if let Some(object) = object.as_object_mut() {
                    object.insert("schema".into(), 1.into());
                }
                format!("{object}\n")
            } else {
                crate::node::status::describe(&status)
            };
            let _ = std::io::stdout().lock().write_all(text.as_bytes());
            Ok(())
        }
        Err(error) => Err(Failure::new(error.kind(), crate::exit::with_causes(&error))),
    }
}

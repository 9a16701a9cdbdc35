//! `ferry-node register`: staking for a node in the vault's registry, so it counts.
//!
//! The node's key (created when missing, as a node's first start would) names the node; the
//! stake comes from a sponsor's wallet: `FERRY_PRIVATE_KEY`, else a devnet network file's
//! `funded_key`. Registering is idempotent: a node already registered but not active is only
//! activated, and one already active is reported as it is.

use std::path::PathBuf;

use alloy::signers::local::PrivateKeySigner;

use crate::blocking::blocking;
use crate::node::{NodeError, load_or_create_key};
use crate::vault::{self, Registration, Vault};
use crate::wire::network::NetworkConfig;
use crate::wire::types::Amount;

/// The variable holding the sponsor's private key (never printed).
pub const SPONSOR_KEY_ENV: &str = "FERRY_PRIVATE_KEY";

/// What `ferry-node register` is run with.
#[derive(Debug, Clone)]
pub struct RegisterConfig {
    /// The node's key (created, mode 0600, when missing).
    pub key: crate::node::NodeKey,
    /// The network file.
    pub network_file: PathBuf,
    /// Replaces the network file's `rpc_url`.
    pub rpc_url: Option<String>,
    /// The stake to lock; the vault's minimum when not given.
    pub stake: Option<Amount>,
    /// The sponsor's key (hex), from the environment; `None` falls back to the network
    /// file's `funded_key`.
    pub sponsor_key: Option<String>,
}

/// Registers and activates the node of `config.key_file`; returns where it landed.
pub async fn register(config: RegisterConfig) -> Result<Registration, NodeError> {
    let (node, network) = blocking({
        let config = config.clone();
        move || -> Result<_, NodeError> {
            let node = load_or_create_key(&config.key)?;
            let network = NetworkConfig::load(&config.network_file)?;
            Ok((node, network))
        }
    })
    .await?;
    let sponsor = sponsor(&config, &network)?;
    let rpc_url = config.rpc_url.as_deref().unwrap_or(&network.rpc_url);
    let vault = Vault::connect(rpc_url, network.vault, Some(&sponsor))?;
    let stake = match config.stake {
        Some(stake) => stake,
        None => vault.min_stake().await?,
    };
    Ok(vault.register_node(node.address(), stake).await?)
}

fn sponsor(
    config: &RegisterConfig,
    network: &NetworkConfig,
) -> Result<PrivateKeySigner, NodeError> {
    let key = config
        .sponsor_key
        .as_deref()
        .filter(|key| !key.trim().is_empty())
        .or(network.funded_key.as_deref())
        .ok_or(NodeError::InvalidConfig(
            "no sponsor wallet: set FERRY_PRIVATE_KEY to the hex key of a funded account that pays the stake",
        ))?;
    vault::parse_private_key(key).map_err(|source| NodeError::BadKey {
        path: PathBuf::from(SPONSOR_KEY_ENV),
        source,
    })
}

//! Why a node could not start, or stopped, or a `ferry-node` command failed: [`NodeError`],
//! and the [`ErrorKind`] each is (what `ferry-node` exits with).

use std::net::SocketAddr;
use std::path::PathBuf;

use crate::exit::ErrorKind;
use crate::node::{earnings, store::StoreError};
use crate::vault::{self, PaymentError};
use crate::wire::network::{BadNodeUrl, NetworkFileError};

/// Why a node could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    /// A setting is out of range.
    #[error("invalid setting: {0}")]
    InvalidConfig(&'static str),
    /// The node listens on an unspecified address and was not told where it is reached.
    #[error(
        "--listen {listen} is not an address peers and clients can reach; pass --public-url URL (e.g. http://203.0.113.7:{port}) or listen on a concrete IP",
        port = listen.port()
    )]
    NoPublicUrl {
        /// The listen address.
        listen: SocketAddr,
    },
    /// The public URL is not a plain node URL.
    #[error("bad --public-url")]
    BadPublicUrl(#[source] BadNodeUrl),
    /// The keystore could not be used.
    #[error(transparent)]
    Keystore(#[from] crate::keys::KeyError),
    /// The key file could not be read or created.
    #[error("cannot use the key file {path}")]
    KeyFile {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The key file does not hold a valid key.
    #[error("the key file {path} does not hold a key; fix it or remove it to generate a new one")]
    BadKey {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: vault::BadKey,
    },
    /// The network file is missing or invalid.
    #[error(transparent)]
    Network(#[from] NetworkFileError),
    /// The chain endpoint is unusable.
    #[error(transparent)]
    Chain(#[from] PaymentError),
    /// The chain endpoint serves another chain than the network file names.
    #[error(
        "the chain at {rpc_url} has chain id {rpc_chain_id}, but the network file {network_file} says chain_id {file_chain_id}; point the node at the right RPC endpoint or fix the network file"
    )]
    WrongChain {
        /// The endpoint.
        rpc_url: String,
        /// The id it reports.
        rpc_chain_id: u64,
        /// The network file.
        network_file: PathBuf,
        /// The id the file names.
        file_chain_id: u64,
    },
    /// The node's key is not an active node of the vault's registry.
    #[error(
        "node {address} is not registered in the vault {vault}; register it first: {register} (stakes the vault's minimum from FERRY_PRIVATE_KEY, or a devnet's funded key)"
    )]
    NotRegistered {
        /// The node's signing address.
        address: alloy::primitives::Address,
        /// The vault.
        vault: alloy::primitives::Address,
        /// The command that registers it, as it can be run (paths quoted for a shell).
        register: String,
    },
    /// The chunk store could not be opened.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The earnings record could not be read or written.
    #[error(transparent)]
    Earnings(#[from] earnings::EarningsError),
    /// The listen address could not be bound.
    #[error("cannot listen on {address}")]
    Bind {
        /// The address.
        address: SocketAddr,
        /// The cause.
        source: std::io::Error,
    },
    /// The server failed while running.
    #[error("the HTTP server failed")]
    Serve(#[source] std::io::Error),
    /// The stop signals (SIGTERM, SIGINT) cannot be listened for.
    #[error("cannot listen for SIGTERM and SIGINT")]
    Signals(#[source] std::io::Error),
    /// Some claim transactions of `ferry-node rewards` failed (each is reported).
    #[error(
        "{failed} of {batches} claim transactions failed; their leaves are kept: rerun ferry-node rewards to retry them"
    )]
    ClaimsFailed {
        /// The batches that failed.
        failed: usize,
        /// The batches sent.
        batches: usize,
    },
}

impl NodeError {
    /// What kind of failure this is: bad input when the node's inputs are wrong (settings, key
    /// file, network file), not its environment (`ferry-node` exits 2); any other failure is
    /// [`ErrorKind::Internal`] (exit 1).
    pub fn kind(&self) -> ErrorKind {
        let bad_input = matches!(
            self,
            NodeError::InvalidConfig(_)
                | NodeError::NoPublicUrl { .. }
                | NodeError::BadPublicUrl(_)
                | NodeError::KeyFile { .. }
                | NodeError::BadKey { .. }
                | NodeError::Network(_)
                | NodeError::WrongChain { .. }
                | NodeError::NotRegistered { .. }
                | NodeError::Keystore(_)
                | NodeError::Chain(PaymentError::BadUrl(_))
        );
        if bad_input {
            ErrorKind::BadInput
        } else {
            ErrorKind::Internal
        }
    }
}

//! The vault's node registry on the chain: reading the active nodes and their positions, and
//! registering a node (stake, then activation in a later block).
//!
//! Reading costs one call while nothing changed (`registryVersion`) and, when it did, one call
//! per [`PAGE`] active nodes. Registering is two transactions: `register(node)` with the stake,
//! then `activate(node)` once a later block exists, which fixes the node's position from the
//! registration block's hash (see `contract/PaymentVault.sol`).

use alloy::primitives::{Address, U256};

use super::{PaymentError, PaymentVault, Vault};
use crate::wire::registry::Registry;
use crate::wire::types::{Amount, NodeId};

/// Active nodes read per call.
const PAGE: u64 = 1000;
/// Gas for `activate` (about 100,000 used: the position, the active list and its index).
const ACTIVATE_GAS: u64 = 150_000;

/// What a registration came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Registration {
    /// The node's signing address.
    pub node: Address,
    /// Its position on the ring: its id.
    pub position: NodeId,
    /// The stake locked for it, wei.
    pub stake: Amount,
}

impl Vault {
    /// The vault's `registryVersion`: it moves whenever the active set changes.
    pub async fn registry_version(&self) -> Result<u64, PaymentError> {
        let version = self
            .contract()
            .registryVersion()
            .call()
            .await
            .map_err(|e| self.classify_contract(e))?;
        Ok(version.saturating_to())
    }

    /// The least stake a node registers with.
    pub async fn min_stake(&self) -> Result<Amount, PaymentError> {
        self.contract()
            .minStake()
            .call()
            .await
            .map(Amount)
            .map_err(|e| self.classify_contract(e))
    }

    /// Every active node and its position. `known` is returned as it is when the vault's
    /// version has not moved since it was read.
    pub async fn registry(&self, known: Option<&Registry>) -> Result<Registry, PaymentError> {
        let version = self.registry_version().await?;
        if let Some(known) = known.filter(|known| known.version() == version) {
            return Ok(known.clone());
        }
        let count: u64 = self
            .contract()
            .activeCount()
            .call()
            .await
            .map_err(|e| self.classify_contract(e))?
            .saturating_to();
        let mut members = Vec::with_capacity(count as usize);
        let mut start = 0;
        while start < count {
            let page = self
                .contract()
                .activeMembers(U256::from(start), U256::from(PAGE))
                .call()
                .await
                .map_err(|e| self.classify_contract(e))?;
            if page.nodes.is_empty() {
                break;
            }
            start += page.nodes.len() as u64;
            members.extend(
                page.nodes
                    .into_iter()
                    .zip(page.positions)
                    .map(|(node, position)| (node, NodeId(position.0))),
            );
        }
        Ok(Registry::new(version, members))
    }

    /// The vault's record of `node`: when it registered and exited, and its position.
    async fn member(&self, node: Address) -> Result<PaymentVault::membersReturn, PaymentError> {
        self.contract()
            .members(node)
            .call()
            .await
            .map_err(|e| self.classify_contract(e))
    }

    /// The position of `node` when it is registered and activated.
    pub async fn position_of(&self, node: Address) -> Result<Option<NodeId>, PaymentError> {
        let member = self.member(node).await?;
        let active = member.registeredAt != 0 && member.exitAt == 0 && !member.position.is_zero();
        Ok(active.then_some(NodeId(member.position.0)))
    }

    /// Registers `node` with `stake` from this vault's wallet and activates it in the next
    /// block, or only activates it when it is registered but not yet active. Returns its
    /// position.
    pub async fn register_node(
        &self,
        node: Address,
        stake: Amount,
    ) -> Result<Registration, PaymentError> {
        let member = self.member(node).await?;
        if member.registeredAt == 0 {
            let contract = self.contract();
            let call = contract.register(node).value(stake.0);
            let gas = call
                .estimate_gas()
                .await
                .map_err(|e| self.classify_contract(e))?;
            let nonce = self.next_nonce().await?;
            let tx = self.send_call(call, gas, nonce).await?;
            self.mined(tx).await?;
        }
        if self.position_of(node).await?.is_none() {
            // Not estimated: an estimate runs in the registration's own block, where
            // activation is too early. Sent after the registration was mined, it lands later.
            let contract = self.contract();
            let call = contract.activate(node);
            let gas = ACTIVATE_GAS;
            let nonce = self.next_nonce().await?;
            let tx = self.send_call(call, gas, nonce).await?;
            self.mined(tx).await?;
        }
        let position = self
            .position_of(node)
            .await?
            .ok_or(PaymentError::Reverted {
                reason: format!("node {node} is not active after activation"),
                tx_hash: None,
            })?;
        let member = self.member(node).await?;
        Ok(Registration {
            node,
            position,
            stake: Amount(U256::from(member.stake)),
        })
    }
}

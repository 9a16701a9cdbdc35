//! Who a member is on the wire, who may be one, and how SWIM messages are encoded.
//!
//! A member's identity is its signed [`Announcement`]: its id (the position the vault's
//! registry gave it), its rewards address, its URL and the time it signed them. The signature
//! makes the URL the node's own word: no other member can move a node to another address by
//! gossiping a changed identity. The time orders a node's identities: when two identities
//! claim the same id, the later one wins ([`foca::Identity::win_addr_conflict`]), which is how
//! a node that was declared down, or restarted at a new URL, rejoins.
//!
//! Invariants kept here:
//! - [`Gate::admits`] is the one test of a member: the identity's signature is its rewards
//!   address's, the vault's registry lists that address at exactly that id, and the id is in
//!   this node's neighbourhood ([`super::zone::Neighbourhood`]). The chain is the list of who
//!   may join; only liveness travels between nodes.
//! - [`WireCodec`] refuses a message whose sender, or any member it names as a probe target
//!   or origin, is not admitted, so no message makes this node send anything to a URL no
//!   admitted node signed. An update about a node that is not admitted is read as a repeat of
//!   the sender's own liveness, which changes nothing, so one stale entry (a registry read a
//!   little older or newer than the sender's) does not cost the whole message.
//! - Everything read is capped: a message at [`super::MAX_MESSAGE_BYTES`], a decode at the
//!   same limit.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError, RwLock};

use alloy::primitives::Address;
use alloy::signers::local::PrivateKeySigner;
use bytes::{Buf, BufMut};
use foca::{Header, Member, Message, State};
use serde::{Deserialize, Serialize};

use super::MAX_MESSAGE_BYTES;
use super::zone::Neighbourhood;
use crate::wire::announce::Announcement;
use crate::wire::network::NodeInfo;
use crate::wire::registry::Registry;
use crate::wire::types::NodeId;

/// A member as SWIM knows it: a node's signed statement of its id, rewards address and URL.
/// Cheap to clone (foca clones identities on every message).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Identity(Arc<Announcement>);

impl Identity {
    /// The identity `signer`'s node at position `id` and `url` signs at `issued_at` (Unix
    /// seconds; a later one replaces an earlier one).
    pub fn sign(url: &str, id: NodeId, signer: &PrivateKeySigner, issued_at: u64) -> Self {
        Self(Arc::new(Announcement::sign(url, id, signer, issued_at)))
    }

    /// Where to send a first message to the node at `id` and `url` before its identity is
    /// known: unsigned, so it is only ever a destination, never admitted as a member.
    pub fn target(id: NodeId, url: &str) -> Self {
        Self(Arc::new(Announcement {
            id,
            rewards: Address::ZERO,
            url: url.to_owned(),
            issued_at: 0,
            signature: Vec::new(),
        }))
    }

    /// The node's id: its registry position.
    pub fn id(&self) -> NodeId {
        self.0.id
    }

    /// The node's base URL.
    pub fn url(&self) -> &str {
        &self.0.url
    }

    /// When the node signed this identity (Unix seconds).
    pub fn issued_at(&self) -> u64 {
        self.0.issued_at
    }

    /// The node as the rest of ferry knows nodes.
    pub fn info(&self) -> NodeInfo {
        NodeInfo {
            id: self.0.id,
            url: self.0.url.clone(),
            rewards: self.0.rewards,
        }
    }
}

impl fmt::Debug for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}@{}#{}", self.0.id, self.0.url, self.0.issued_at)
    }
}

impl foca::Identity for Identity {
    type Addr = NodeId;

    /// A new identity needs the node's key; the driver signs one on `Defunct`.
    fn renew(&self) -> Option<Self> {
        None
    }

    fn addr(&self) -> NodeId {
        self.0.id
    }

    fn win_addr_conflict(&self, adversary: &Self) -> bool {
        (self.0.issued_at, &self.0.signature) > (adversary.0.issued_at, &adversary.0.signature)
    }
}

/// The admission test of members: the vault's registry and this node's neighbourhood, with
/// the identities whose signature was already checked. Clones share one view, which
/// [`Gate::set_view`] replaces when the registry changes.
#[derive(Debug, Clone)]
pub struct Gate {
    view: Arc<RwLock<GateView>>,
    signatures: SignatureCache,
}

/// The registry and the neighbourhood a gate admits by.
#[derive(Debug, Clone)]
pub struct GateView {
    /// The vault's active nodes.
    pub registry: Arc<Registry>,
    /// This node's part of the ring.
    pub neighbourhood: Arc<Neighbourhood>,
}

impl Gate {
    /// A gate admitting the nodes `view` holds, checking signatures through `signatures`.
    pub fn new(view: GateView, signatures: SignatureCache) -> Self {
        Self {
            view: Arc::new(RwLock::new(view)),
            signatures,
        }
    }

    /// The registry and neighbourhood it admits by now.
    pub fn view(&self) -> GateView {
        self.view
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Admits by `view` from now on.
    pub fn set_view(&self, view: GateView) {
        *self.view.write().unwrap_or_else(PoisonError::into_inner) = view;
    }

    /// True when `identity` is a registered node of this neighbourhood, signed by its key.
    pub fn admits(&self, identity: &Identity) -> bool {
        let view = self.view.read().unwrap_or_else(PoisonError::into_inner);
        view.neighbourhood.contains(&identity.id())
            && view.registry.id_of(&identity.0.rewards) == Some(identity.id())
            && self.signatures.checks(identity, &view.registry)
    }
}

/// The identities whose signature checked, so each is recovered once, not once a message.
/// Verification is a pure function of the identity, so a cache may be shared (the
/// simulation shares one between its nodes).
#[derive(Debug, Clone, Default)]
pub struct SignatureCache {
    checked: Arc<Mutex<HashMap<NodeId, Identity>>>,
}

impl SignatureCache {
    fn checks(&self, identity: &Identity, registry: &Registry) -> bool {
        {
            let checked = self.checked.lock().unwrap_or_else(PoisonError::into_inner);
            if checked.get(&identity.id()) == Some(identity) {
                return true;
            }
        }
        // The identity is not an announcement that must be fresh: its time only orders the
        // node's identities, so it is checked as of its own time (signature, URL, registry).
        if identity.0.verify(identity.0.issued_at, registry).is_err() {
            return false;
        }
        let mut checked = self.checked.lock().unwrap_or_else(PoisonError::into_inner);
        let newer = checked
            .get(&identity.id())
            .is_none_or(|known| identity.issued_at() >= known.issued_at());
        if newer {
            checked.insert(identity.id(), identity.clone());
        }
        true
    }
}

/// Why a message was refused.
#[derive(Debug, thiserror::Error)]
pub enum CodecError {
    /// Not a SWIM message this codec wrote.
    #[error("undecodable SWIM message")]
    Decode(#[source] bincode::error::DecodeError),
    /// Could not be written (larger than a message may be).
    #[error("unencodable SWIM message")]
    Encode(#[source] bincode::error::EncodeError),
    /// The sender, or a member it names, is not a registered node of this neighbourhood.
    #[error("a SWIM message from or about {0:?}, which is not a member here")]
    NotAdmitted(NodeId),
}

/// bincode 2 over serde, with the admission checks of [`Gate`] on what is read.
#[derive(Debug, Clone)]
pub struct WireCodec {
    gate: Gate,
    /// The sender of the message being read, and its incarnation.
    sender: Option<(Identity, foca::Incarnation)>,
}

const BINCODE: bincode::config::Configuration<
    bincode::config::LittleEndian,
    bincode::config::Varint,
    bincode::config::Limit<MAX_MESSAGE_BYTES>,
> = bincode::config::standard().with_limit::<MAX_MESSAGE_BYTES>();

impl WireCodec {
    /// A codec admitting what `gate` admits.
    pub fn new(gate: Gate) -> Self {
        Self { gate, sender: None }
    }

    /// The gate it reads through.
    pub fn gate(&self) -> &Gate {
        &self.gate
    }

    fn require(&self, identity: &Identity) -> Result<(), CodecError> {
        if self.gate.admits(identity) {
            Ok(())
        } else {
            Err(CodecError::NotAdmitted(identity.id()))
        }
    }
}

impl foca::Codec<Identity> for WireCodec {
    type Error = CodecError;

    fn encode_header(
        &mut self,
        header: &Header<Identity>,
        buf: impl BufMut,
    ) -> Result<(), CodecError> {
        bincode::serde::encode_into_std_write(header, &mut buf.writer(), BINCODE)
            .map(drop)
            .map_err(CodecError::Encode)
    }

    fn decode_header(&mut self, buf: impl Buf) -> Result<Header<Identity>, CodecError> {
        self.sender = None;
        let header: Header<Identity> =
            bincode::serde::decode_from_std_read(&mut buf.reader(), BINCODE)
                .map_err(CodecError::Decode)?;
        self.require(&header.src)?;
        match &header.message {
            Message::PingReq { target: named, .. }
            | Message::IndirectPing { origin: named, .. }
            | Message::IndirectAck { target: named, .. }
            | Message::ForwardedAck { origin: named, .. } => self.require(named)?,
            _ => {}
        }
        self.sender = Some((header.src.clone(), header.src_incarnation));
        Ok(header)
    }

    fn encode_member(
        &mut self,
        member: &Member<Identity>,
        buf: impl BufMut,
    ) -> Result<(), CodecError> {
        // foca asks that nothing is left in the buffer when the member does not fit, so it
        // is encoded aside first.
        let bytes = bincode::serde::encode_to_vec(member, BINCODE).map_err(CodecError::Encode)?;
        let mut buf = buf;
        if buf.remaining_mut() < bytes.len() {
            return Err(CodecError::Encode(
                bincode::error::EncodeError::UnexpectedEnd,
            ));
        }
        buf.put_slice(&bytes);
        Ok(())
    }

    fn decode_member(&mut self, buf: impl Buf) -> Result<Member<Identity>, CodecError> {
        let member: Member<Identity> =
            bincode::serde::decode_from_std_read(&mut buf.reader(), BINCODE)
                .map_err(CodecError::Decode)?;
        if self.gate.admits(member.id()) {
            return Ok(member);
        }
        match &self.sender {
            Some((sender, incarnation)) => {
                Ok(Member::new(sender.clone(), *incarnation, State::Alive))
            }
            None => Err(CodecError::NotAdmitted(member.id().id())),
        }
    }
}

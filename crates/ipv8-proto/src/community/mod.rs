//! The [`Community`] plugin trait and its context [`Cx`], the only way a community affects the
//! world.
//!
//! Ports the extension points of py-ipv8 `community.py` (`Community`: `decode_map`,
//! `introduction_request_callback`, `introduction_response_callback`) and `lazy_community.py`
//! (`ez_send`, `lazy_wrapper`). Inheritance becomes composition: the shared introduction and
//! puncture handling (`overlay.rs`, `introduction.rs`) runs before a community sees anything and
//! calls the hooks below; a community only handles its own message ids in
//! [`Community::on_message`], after the node verified their signatures.

mod discovery;
pub(crate) mod introduction;
pub(crate) mod overlay;
pub(crate) mod tracker;

use std::any::Any;
use std::net::{SocketAddr, SocketAddrV4};

use ipv8_crypto::Mid;
use ipv8_wire::{CommunityId, Header, MessagePayload, Prefix, SignedPacket};

pub use discovery::DiscoveryCommunity;

use crate::drops::DropReason;
use crate::network::Network;
use crate::node::core::Core;
use crate::node::outputs::Event;
use crate::peer::Peer;
use crate::rng::NodeRng;
use crate::time::Instant;
use crate::timers::Timers;

/// How a community's own message travels (py-ipv8 `lazy_wrapper` vs `lazy_wrapper_unsigned`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageKind {
    /// Signed envelope: the node verifies it before the community sees it.
    Signed,
    /// Unsigned envelope: only the UDP source address is known.
    Unsigned,
}

/// A verified signed envelope.
#[derive(Debug, Clone, Copy)]
pub struct Authenticated<'a> {
    /// The split envelope (key, global time, payload, signature).
    pub packet: SignedPacket<'a>,
    /// The signer's member id.
    pub mid: Mid,
}

/// One datagram for a community's own message id.
#[derive(Debug, Clone, Copy)]
pub struct Message<'a> {
    /// UDP source.
    pub from: SocketAddr,
    /// Prefix and message id.
    pub header: Header,
    /// The whole datagram.
    pub data: &'a [u8],
    /// For [`MessageKind::Signed`] ids: the envelope, already verified (a bad signature never
    /// reaches the community). `None` for unsigned ids.
    pub auth: Option<Authenticated<'a>>,
}

/// A community plugin: its own message ids and hooks into the shared walk.
///
/// Every method gets a [`Cx`] for its overlay. Returning `Err(reason)` from
/// [`on_message`](Self::on_message) counts the datagram as dropped for that reason.
pub trait Community: Any + Send {
    /// Which of the community's own ids it handles, and how they travel; `None` (the default)
    /// makes the node drop the datagram as `UnknownMessage` without parsing it.
    fn message_kind(&self, msg_id: u8) -> Option<MessageKind> {
        let _ = msg_id;
        None
    }

    /// Handles a datagram with one of the ids announced by [`message_kind`](Self::message_kind)
    /// (never one of the base walk ids 231–234, 245/246, 249/250, nor a deprecated id).
    ///
    /// # Errors
    /// The reason to count when the datagram is dropped.
    fn on_message(&mut self, cx: &mut Cx<'_>, msg: &Message<'_>) -> Result<(), DropReason> {
        let _ = (cx, msg);
        Err(DropReason::UnknownMessage)
    }

    /// A timer armed with [`Cx::set_timer`] fired.
    fn on_timer(&mut self, cx: &mut Cx<'_>, key: u64) {
        let _ = (cx, key);
    }

    /// After an introduction-request was answered (py-ipv8 `introduction_request_callback`).
    fn introduction_request_callback(&mut self, cx: &mut Cx<'_>, peer: &Peer, extra_bytes: &[u8]) {
        let _ = (cx, peer, extra_bytes);
    }

    /// After an introduction-response was processed (py-ipv8
    /// `introduction_response_callback`).
    fn introduction_response_callback(&mut self, cx: &mut Cx<'_>, peer: &Peer, extra_bytes: &[u8]) {
        let _ = (cx, peer, extra_bytes);
    }

    /// `true` for DiscoveryCommunity's 2014-compatible 246 handling: legacy `'Y'` parse, always
    /// answered old-style, no LAN address recorded, requester not marked new-style.
    fn legacy_introduction_requests(&self) -> bool {
        false
    }

    /// The py-ipv8 handler name of one of the community's own message ids (REST statistics
    /// names such as `1:on_similarity_request`).
    fn handler_name(&self, msg_id: u8) -> Option<&'static str> {
        let _ = msg_id;
        None
    }
}

/// A community with no messages of its own: only the introduction/puncture walk.
#[derive(Debug, Default, Clone, Copy)]
pub struct PlainCommunity;

impl Community for PlainCommunity {}

/// Per-overlay state that the shared walk logic and the plugin both use.
pub(crate) struct OverlayState {
    pub(crate) id: CommunityId,
    pub(crate) prefix: Prefix,
    pub(crate) name: String,
    pub(crate) max_peers: i32,
    /// py-ipv8 `my_estimated_wan`, `None` until a responder told us (then the LAN estimate).
    pub(crate) wan: Option<SocketAddrV4>,
    pub(crate) rng: NodeRng,
    pub(crate) timers: Timers<u64>,
}

impl OverlayState {
    /// `0 <= max_peers < count`: requests are refused.
    pub(crate) fn over_max_peers(&self, count: usize) -> bool {
        usize::try_from(self.max_peers).is_ok_and(|max| max < count)
    }

    /// `0 <= max_peers <= count`: the `peer_limit_reached` flag.
    pub(crate) fn limit_reached(&self, count: usize) -> bool {
        usize::try_from(self.max_peers).is_ok_and(|max| max <= count)
    }
}

/// The context of one community call: time, randomness, the network, sending and timers.
pub struct Cx<'a> {
    pub(crate) now: Instant,
    pub(crate) core: &'a mut Core,
    pub(crate) ov: &'a mut OverlayState,
}

impl Cx<'_> {
    /// The current time.
    #[must_use]
    pub fn now(&self) -> Instant {
        self.now
    }

    /// This community's random stream.
    pub fn rng(&mut self) -> &mut NodeRng {
        &mut self.ov.rng
    }

    /// The shared network.
    #[must_use]
    pub fn network(&self) -> &Network {
        &self.core.network
    }

    /// The shared network, mutably.
    pub fn network_mut(&mut self) -> &mut Network {
        &mut self.core.network
    }

    /// This community's id.
    #[must_use]
    pub fn community_id(&self) -> CommunityId {
        self.ov.id
    }

    /// This community's prefix.
    #[must_use]
    pub fn prefix(&self) -> Prefix {
        self.ov.prefix
    }

    /// py-ipv8 `max_peers` of this community.
    #[must_use]
    pub fn max_peers(&self) -> i32 {
        self.ov.max_peers
    }

    /// Whether new requests are refused (`0 <= max_peers < peers`).
    #[must_use]
    pub fn over_max_peers(&self) -> bool {
        self.ov
            .over_max_peers(self.core.network.count_for_service(self.ov.id))
    }

    /// Whether a request from `mid` must be refused for `max_peers`: always once the
    /// community is over the limit (py-ipv8), and — a deliberate tightening of py-ipv8, which
    /// lets one more in and so ends at `max_peers + 1` — also once it is full, unless `mid` is
    /// already one of its peers. Requests alone therefore never push the peer table past
    /// `max_peers` (a flood of fresh keys stops exactly at the limit).
    #[must_use]
    pub fn refuses_request_from(&self, mid: &Mid) -> bool {
        let count = self.core.network.count_for_service(self.ov.id);
        if self.ov.over_max_peers(count) {
            return true;
        }
        self.ov.limit_reached(count) && !self.core.network.services_of(mid).contains(&self.ov.id)
    }

    /// Our serialized public key.
    #[must_use]
    pub fn my_public_key(&self) -> &[u8] {
        &self.core.my_key
    }

    /// Our member id.
    #[must_use]
    pub fn my_mid(&self) -> Mid {
        self.core.my_mid
    }

    /// Ids of every local community.
    #[must_use]
    pub fn local_communities(&self) -> &[CommunityId] {
        &self.core.communities
    }

    /// Increments and returns our Lamport clock.
    pub fn claim_global_time(&mut self) -> u64 {
        self.core.claim_global_time()
    }

    /// Our LAN estimate (py-ipv8 `my_estimated_lan`).
    #[must_use]
    pub fn lan_estimate(&self) -> SocketAddrV4 {
        self.core.lan_estimate()
    }

    /// Our WAN estimate for this community (py-ipv8 `my_estimated_wan`).
    #[must_use]
    pub fn wan_estimate(&self) -> SocketAddrV4 {
        self.core
            .advertise
            .or(self.ov.wan)
            .unwrap_or_else(|| self.core.lan_estimate())
    }

    /// Builds `payload` on this community's prefix with global time `global_time` (signed with
    /// our key if the message type is signed) and sends it.
    pub fn send<P: MessagePayload>(&mut self, to: SocketAddr, global_time: u64, payload: &P) {
        let bytes = self.core.encode(&self.ov.prefix, global_time, payload);
        self.core.transmit(self.now, to, bytes);
    }

    /// Sends a prebuilt datagram.
    pub fn send_bytes(&mut self, to: SocketAddr, bytes: Vec<u8>) {
        self.core.transmit(self.now, to, bytes);
    }

    /// Splits a signed datagram and verifies its signature; returns it with the signer's mid.
    ///
    /// # Errors
    /// `Decode` for a malformed envelope, `BadSignature` for a bad signature.
    pub fn open_signed<'d>(
        &mut self,
        data: &'d [u8],
    ) -> Result<(SignedPacket<'d>, Mid), DropReason> {
        let (packet, mid) = self.core.parse_signed(data)?;
        self.core.verify(&packet)?;
        Ok((packet, mid))
    }

    /// [`Cx::open_signed`] for a packet that must come from another node.
    ///
    /// # Errors
    /// As [`Cx::open_signed`], then `OwnPacket` when the signer is this node.
    pub(crate) fn open_peer_signed<'d>(
        &mut self,
        data: &'d [u8],
    ) -> Result<(SignedPacket<'d>, Mid), DropReason> {
        let (packet, mid) = self.core.parse_signed(data)?;
        self.verify_peer_signed(&packet, mid)?;
        Ok((packet, mid))
    }

    /// The second half of [`Cx::open_peer_signed`] for a packet already parsed: verify the
    /// signature, then reject our own packets.
    ///
    /// # Errors
    /// `BadSignature`, or `OwnPacket` when `mid` is this node.
    pub(crate) fn verify_peer_signed(
        &mut self,
        packet: &SignedPacket<'_>,
        mid: Mid,
    ) -> Result<(), DropReason> {
        self.core.verify(packet)?;
        if mid == self.core.my_mid {
            return Err(DropReason::OwnPacket);
        }
        Ok(())
    }

    /// The peer behind a verified packet (py-ipv8 `lazy_wrapper`): the known verified peer with
    /// `from` added to its addresses, or a fresh, unregistered peer heard from at `now`.
    ///
    /// A verified peer seen at a new address forgets the address it replaces
    /// ([`Network::add_peer_address`]).
    pub fn authenticated_peer(&mut self, from: SocketAddr, key: &[u8], mid: Mid) -> Peer {
        if self.core.network.add_peer_address(mid, from)
            && let Some(known) = self.core.network.peer(&mid)
        {
            return known.clone();
        }
        // Heard from now: the signed packet just arrived. py-ipv8 builds this peer with
        // `intro=True` (`last_response = 0`), and a peer that then falls silent is never
        // dropped by RandomChurn; here it is dropped `drop_time` after this packet.
        Peer::new(key.into(), mid, from, self.now, true)
    }

    /// Arms (or re-arms) this community's timer `key`; [`Community::on_timer`] gets it.
    pub fn set_timer(&mut self, key: u64, at: Instant) {
        self.ov.timers.set(key, at);
    }

    /// Disarms this community's timer `key`.
    pub fn cancel_timer(&mut self, key: u64) {
        self.ov.timers.cancel(key);
    }

    /// Emits an application event.
    pub fn emit(&mut self, event: Event) {
        self.core.emit(event);
    }
}

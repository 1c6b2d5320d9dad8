//! The routing of one overlay's datagrams and the walk operations every strategy uses.
//!
//! Ports py-ipv8 `community.py`: `on_packet` (the 256-entry `decode_map` becomes a `match`),
//! `walk_to`, `send_introduction_request`, `create_introduction_request`,
//! `get_new_introduction`, `get_peer_for_introduction`, `bootstrap`, and the deprecated-id
//! table. The message handlers themselves are in `community/introduction.rs`.

use std::net::SocketAddr;

use ipv8_crypto::Mid;
use ipv8_wire::ids::{
    INTRODUCTION_REQUEST, INTRODUCTION_RESPONSE, NEW_INTRODUCTION_REQUEST,
    NEW_INTRODUCTION_RESPONSE, NEW_PUNCTURE, NEW_PUNCTURE_REQUEST, PUNCTURE, PUNCTURE_REQUEST,
    deprecated_name,
};
use ipv8_wire::{
    Header, IntroductionRequest, IntroductionRequestFlags, NewIntroductionRequest, Prefix,
};

use super::introduction::{self as intro, Style};
use super::{Base, Community, Cx, Handlers};
use crate::address::{as_v4, canonical};
use crate::bootstrap::{Bootstrappers, FEW_PEERS};
use crate::drops::DropReason;
use crate::peer::Peer;

/// How [`route`] opens `msg_id`: `Some(with_global_time)` when its handler verifies a signature,
/// `None` when the message is unsigned or unknown. Lets the node batch-verify a burst before
/// routing it ([`crate::Node::handle_datagrams`]).
pub(crate) fn signed_layout<C: Community>(handlers: &Handlers<C>, msg_id: u8) -> Option<bool> {
    if handlers.handles(msg_id) {
        return handlers.signed_layout(msg_id);
    }
    match msg_id {
        INTRODUCTION_REQUEST
        | NEW_INTRODUCTION_REQUEST
        | INTRODUCTION_RESPONSE
        | NEW_INTRODUCTION_RESPONSE
        | PUNCTURE
        | NEW_PUNCTURE => Some(true),
        id => handlers.signed_layout(id),
    }
}

/// Hands one datagram to the handler of its message id: the shared walk messages first, then
/// the community's own handlers.
pub(crate) fn route<C: Community>(
    community: &mut C,
    cx: &mut Cx<'_, C>,
    handlers: &Handlers<C>,
    from: SocketAddr,
    header: &Header,
    data: &[u8],
) -> Result<(), DropReason> {
    if handlers.handles(header.msg_id) {
        // The community overrides this id (py-ipv8: a subclass replaces a `decode_map` entry).
        return handlers.dispatch(community, cx, header.msg_id, from, data);
    }
    let base = &mut cx.base;
    let callback = match header.msg_id {
        INTRODUCTION_REQUEST if community.legacy_introduction_requests() => {
            intro::on_legacy_introduction_request(base, from, data)?;
            None
        }
        INTRODUCTION_REQUEST => Some((
            true,
            intro::on_introduction_request(base, from, data, Style::Old)?,
        )),
        NEW_INTRODUCTION_REQUEST => Some((
            true,
            intro::on_introduction_request(base, from, data, Style::New)?,
        )),
        INTRODUCTION_RESPONSE => Some((
            false,
            intro::on_introduction_response(base, from, data, Style::Old)?,
        )),
        NEW_INTRODUCTION_RESPONSE => Some((
            false,
            intro::on_introduction_response(base, from, data, Style::New)?,
        )),
        PUNCTURE_REQUEST => {
            intro::on_puncture_request(base, data, Style::Old)?;
            None
        }
        NEW_PUNCTURE_REQUEST => {
            intro::on_puncture_request(base, data, Style::New)?;
            None
        }
        PUNCTURE => {
            intro::on_puncture(base, data, Style::Old)?;
            None
        }
        NEW_PUNCTURE => {
            intro::on_puncture(base, data, Style::New)?;
            None
        }
        id if deprecated_name(id).is_some() => return Err(DropReason::Deprecated),
        id => return handlers.dispatch(community, cx, id, from, data),
    };
    match callback {
        Some((true, (peer, extra))) => community.introduction_request_callback(cx, &peer, &extra),
        Some((false, (peer, extra))) => {
            community.introduction_response_callback(cx, &peer, &extra);
        }
        None => {}
    }
    Ok(())
}

/// Builds an introduction-request to `addr` (py-ipv8 `create_introduction_request`): 234 when
/// `new_style` or the destination is IPv6, else 246 with advice set and our WAN estimate.
/// Returns the datagram and its identifier; `None` for an old-style request to an IPv6 peer.
pub(crate) fn create_introduction_request(
    cx: &mut Base<'_>,
    addr: SocketAddr,
    new_style: bool,
    prefix: Prefix,
) -> Option<(Vec<u8>, u16)> {
    let addr = canonical(addr);
    let global_time = cx.claim_global_time() % 65_536;
    let identifier = u16::try_from(global_time).unwrap_or(0);
    let bytes = if new_style || addr.is_ipv6() {
        let payload = NewIntroductionRequest {
            destination_address: addr,
            source_lan_address: cx.core.addresses.source_lan(),
            source_wan_address: cx.core.addresses.preferred_address(),
            identifier,
            flags: IntroductionRequestFlags::default(),
            extra_bytes: Vec::new(),
        };
        cx.encode_signed(
            &prefix,
            NEW_INTRODUCTION_REQUEST,
            Some(global_time),
            &payload,
        )
    } else {
        let payload = IntroductionRequest {
            destination_address: as_v4(addr)?,
            source_lan_address: cx.lan_estimate(),
            source_wan_address: cx.wan_estimate(),
            flags: IntroductionRequestFlags::py_ipv8_old_style(),
            identifier,
            extra_bytes: Vec::new(),
        };
        cx.encode_signed(&prefix, INTRODUCTION_REQUEST, Some(global_time), &payload)
    };
    Some((bytes, identifier))
}

/// Sends an introduction-request to `addr` in the style the table remembers for it
/// (py-ipv8 `walk_to`).
pub(crate) fn walk_to(cx: &mut Base<'_>, addr: SocketAddr) {
    let new_style = cx.core.network.is_new_style(addr);
    send_request(cx, addr, new_style);
}

fn send_request(cx: &mut Base<'_>, addr: SocketAddr, new_style: bool) {
    let prefix = cx.ov.prefix;
    if let Some((bytes, _)) = create_introduction_request(cx, addr, new_style, prefix) {
        cx.transmit(addr, bytes);
    }
}

/// Sends an introduction-request to a verified peer (py-ipv8 `send_introduction_request`).
pub(crate) fn send_introduction_request(cx: &mut Base<'_>, peer: &Peer) {
    send_request(cx, peer.address(), peer.new_style());
}

/// Asks `from` (or a random peer) for an introduction, or bootstraps when the community has
/// no peers (py-ipv8 `get_new_introduction`). With peers, a 5 % chance goes to the
/// bootstrappers' keep-alive instead.
///
/// Deviations: the random peer is drawn from the peers that are not unresponsive
/// (`Peer::is_unresponsive`); when every peer is, the node bootstraps and still asks one of
/// them, as py-ipv8 would. With fewer than `FEW_PEERS` (5) responsive peers the bootstrappers
/// are called as well (py-ipv8: only with none); they rate-limit themselves (a tracker round
/// every `bootstrap_timeout`, a peerless retry every 3 s or more, a beacon every 30 s), see
/// `bootstrap/dispersy.rs`.
pub(crate) fn get_new_introduction(cx: &mut Base<'_>, boot: &mut Bootstrappers, from: Option<Mid>) {
    let peer = match from {
        Some(mid) => cx.core.network.peer(&mid).cloned(),
        None => {
            let (id, now) = (cx.ov.id, cx.now);
            let responsive: Vec<Mid> = cx
                .core
                .network
                .peers_for_service(id)
                .filter(|p| !p.is_unresponsive(now))
                .map(Peer::mid)
                .collect();
            let mids = if responsive.is_empty() {
                boot.bootstrap(cx);
                let all: Vec<Mid> = cx
                    .core
                    .network
                    .peers_for_service(id)
                    .map(Peer::mid)
                    .collect();
                if all.is_empty() {
                    return;
                }
                all
            } else {
                if responsive.len() < FEW_PEERS {
                    // Very few peers: the bootstrappers may retry early (rate-limited there).
                    boot.bootstrap(cx);
                }
                let chance = cx.core.trackers.keep_alive_chance;
                if boot.any_initialized() && cx.ov.rng.chance(chance) {
                    boot.keep_alive(cx);
                    return;
                }
                responsive
            };
            let mid = cx.ov.rng.choose(&mids).copied();
            mid.and_then(|m| cx.core.network.peer(&m).cloned())
        }
    };
    if let Some(peer) = peer {
        send_introduction_request(cx, &peer);
    }
}

/// A random peer of this community to introduce, other than `exclude`; old-style responses
/// can only carry IPv4 peers (py-ipv8 `get_peer_for_introduction`). Deviation: unresponsive
/// peers (`Peer::is_unresponsive`) are not introduced; py-ipv8 sends the requester to them.
pub(crate) fn peer_for_introduction(
    cx: &mut Base<'_>,
    exclude: Option<Mid>,
    new_style: bool,
) -> Option<Peer> {
    let (id, now) = (cx.ov.id, cx.now);
    let candidates = || {
        cx.core
            .network
            .peers_for_service(id)
            .filter(move |p| Some(p.mid()) != exclude && (new_style || p.address().is_ipv4()))
            .filter(move |p| !p.is_unresponsive(now))
    };
    // Counted, then walked again to the chosen one: no list per introduction.
    let count = candidates().count();
    if count == 0 {
        return None;
    }
    let chosen = cx.ov.rng.below(count);
    candidates().nth(chosen).cloned()
}

//! The shared handlers of the walk messages (246/245/250/249 and 234/233/232/231) and the
//! building of introduction-responses and puncture(-request)s.
//!
//! Ports py-ipv8 `community.py`: `on_introduction_request`, `on_introduction_response`,
//! `on_puncture_request`, `on_puncture`, `create_introduction_response`,
//! `create_puncture_request`, `create_puncture`, and DiscoveryCommunity's
//! `on_old_introduction_request` (`peerdiscovery/community.py`). docs/spec/PROTOCOL.md §6.2–§6.4.

use std::net::{IpAddr, SocketAddr, SocketAddrV4};

use ipv8_crypto::Mid;
use ipv8_wire::ids::{INTRODUCTION_RESPONSE, NEW_INTRODUCTION_RESPONSE};
use ipv8_wire::payload::decode_exact;
use ipv8_wire::{
    ConnectionType, IntroductionRequest, IntroductionResponse, IntroductionResponseFlags,
    LegacyIntroductionRequest, NewIntroductionRequest, NewIntroductionResponse,
    NewIntroductionResponseFlags, NewPuncture, NewPunctureRequest, Prefix, Puncture,
    PunctureRequest, SignedPacket, UnsignedPacket,
};

use super::Base;
use super::walk::peer_for_introduction;
use crate::address::{ZERO_V4, as_v4, in_lan_subnets};
use crate::drops::DropReason;
use crate::network::AddOutcome;
use crate::node::outputs::Event;
use crate::peer::Peer;

/// Old (246/245/250/249) or new (234/233/232/231) layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Style {
    Old,
    New,
}

/// Which peer an introduction-response introduces.
pub(crate) enum Intro {
    /// A random peer of the community (py-ipv8 `get_peer_for_introduction`).
    Choose,
    /// This one (or none): the tracker decides itself.
    Given(Option<Peer>),
}

/// The fields of 246/234 that the handlers use.
pub(crate) struct Request {
    pub(crate) destination: SocketAddr,
    pub(crate) source_lan: SocketAddr,
    pub(crate) identifier: u16,
    pub(crate) supports_new_style: bool,
    pub(crate) extra_bytes: Vec<u8>,
}

impl From<IntroductionRequest> for Request {
    fn from(p: IntroductionRequest) -> Self {
        Self {
            destination: SocketAddr::V4(p.destination_address),
            source_lan: SocketAddr::V4(p.source_lan_address),
            identifier: p.identifier,
            supports_new_style: p.flags.supports_new_style,
            extra_bytes: p.extra_bytes,
        }
    }
}

impl From<NewIntroductionRequest> for Request {
    fn from(p: NewIntroductionRequest) -> Self {
        Self {
            destination: p.destination_address,
            source_lan: p.source_lan_address,
            identifier: p.identifier,
            supports_new_style: true,
            extra_bytes: p.extra_bytes,
        }
    }
}

pub(crate) fn decode_request(
    packet: &SignedPacket<'_>,
    style: Style,
) -> Result<Request, DropReason> {
    Ok(match style {
        Style::Old => packet.decode_payload::<IntroductionRequest>()?.into(),
        Style::New => packet.decode_payload::<NewIntroductionRequest>()?.into(),
    })
}

/// Marks `mid` new-style, both on the local copy and on the stored peer.
fn mark_new_style(cx: &mut Base<'_>, peer: &mut Peer) {
    peer.set_new_style(true);
    if let Some(known) = cx.core.network.peer_mut(&peer.mid()) {
        known.set_new_style(true);
    }
}

fn add_peer(cx: &mut Base<'_>, peer: Peer) {
    if cx.core.network.add_verified_peer(peer) == AddOutcome::TableFull {
        cx.core.outbox.drops.record(DropReason::PeerTableFull);
    }
}

/// Opens a signed introduction-request: parse, refuse for `max_peers`
/// ([`Base::refuses_request_from`]) before the (costly) signature check — py-ipv8 verifies first,
/// with the same outcome — then verify and reject our own packets.
fn open_request<'d>(
    cx: &mut Base<'_>,
    data: &'d [u8],
) -> Result<(SignedPacket<'d>, Mid), DropReason> {
    let (packet, mid) = cx.core.me.parse_signed(data, true)?;
    if cx.refuses_request_from(&mid) {
        return Err(DropReason::MaxPeers);
    }
    cx.verify_peer_signed(&packet, mid)?;
    Ok((packet, mid))
}

/// 246/234 (docs/spec/PROTOCOL.md §6.2, "Receiving 246/234").
/// Returns the requester and the request's extra bytes for `introduction_request_callback`.
pub(crate) fn on_introduction_request(
    cx: &mut Base<'_>,
    from: SocketAddr,
    data: &[u8],
    style: Style,
) -> Result<(Peer, Vec<u8>), DropReason> {
    let (packet, mid) = open_request(cx, data)?;
    let request = decode_request(&packet, style)?;
    let mut peer = cx.authenticated_peer(from, packet.public_key, mid);
    if request.supports_new_style {
        mark_new_style(cx, &mut peer);
    }
    if let SocketAddr::V4(lan) = request.source_lan {
        peer.set_lan_address(lan);
    }
    add_peer(cx, peer.clone());
    let id = cx.ov.id;
    cx.core.network.discover_services(mid, &[id]);
    let peer = cx.core.network.peer(&mid).cloned().unwrap_or(peer);
    let to = peer.address();
    let prefix = cx.ov.prefix;
    let response = create_introduction_response(
        cx,
        request.destination,
        to,
        request.identifier,
        Intro::Choose,
        prefix,
        peer.new_style(),
    )?;
    cx.transmit(to, response);
    Ok((peer, request.extra_bytes))
}

/// DiscoveryCommunity's 246 (py-ipv8 `DiscoveryCommunity.on_old_introduction_request`): the
/// legacy `'Y'` form first, always answered old-style to the UDP source.
pub(crate) fn on_legacy_introduction_request(
    cx: &mut Base<'_>,
    from: SocketAddr,
    data: &[u8],
) -> Result<(), DropReason> {
    let (packet, mid) = open_request(cx, data)?;
    let offset = packet.payload_offset();
    let request: IntroductionRequest =
        match decode_exact::<LegacyIntroductionRequest>(packet.payload, offset) {
            Ok(legacy) => legacy.request,
            Err(_) => packet.decode_payload::<IntroductionRequest>()?,
        };
    // Heard from now (see `Base::authenticated_peer`).
    let key = cx.shared_key(mid, packet.public_key);
    let peer = Peer::new(key, mid, from, cx.now, true);
    add_peer(cx, peer);
    let id = cx.ov.id;
    cx.core.network.discover_services(mid, &[id]);
    let prefix = cx.ov.prefix;
    let response = create_introduction_response(
        cx,
        SocketAddr::V4(request.destination_address),
        from,
        request.identifier,
        Intro::Choose,
        prefix,
        false,
    )?;
    cx.transmit(from, response);
    Ok(())
}

/// Builds an introduction-response (and sends the puncture-request to the introduced peer
/// first), py-ipv8 `create_introduction_response`. `lan_socket_address` is the request's
/// destination address, `socket_address` the requester's address.
pub(crate) fn create_introduction_response(
    cx: &mut Base<'_>,
    lan_socket_address: SocketAddr,
    socket_address: SocketAddr,
    identifier: u16,
    intro: Intro,
    prefix: Prefix,
    new_style: bool,
) -> Result<Vec<u8>, DropReason> {
    let global_time = cx.claim_global_time() % 65_536;
    let requester: Option<Mid> = cx.core.network.mid_by_address(socket_address);
    let introduction = match intro {
        Intro::Choose => peer_for_introduction(cx, requester, new_style),
        Intro::Given(peer) => peer,
    };
    let my_lan = cx.lan_estimate();
    let my_wan = cx.wan_estimate();
    let zero = SocketAddr::V4(ZERO_V4);
    let (lan, wan) = match &introduction {
        None => (zero, zero),
        Some(c) => match c.address() {
            SocketAddr::V4(a) if cx.core.addresses.local.is_own_lan_ip(IpAddr::V4(*a.ip())) => (
                SocketAddr::V4(a),
                SocketAddr::V4(SocketAddrV4::new(*my_wan.ip(), a.port())),
            ),
            addr => (c.lan_address().map_or(zero, SocketAddr::V4), addr),
        },
    };
    let intro_new_style = introduction.as_ref().is_some_and(Peer::new_style);
    let response = if new_style {
        let payload = NewIntroductionResponse {
            destination_address: socket_address,
            source_lan_address: cx.core.addresses.source_lan(),
            source_wan_address: cx.core.addresses.preferred_address(),
            lan_introduction_address: lan,
            wan_introduction_address: wan,
            identifier,
            flags: NewIntroductionResponseFlags {
                intro_supports_new_style: intro_new_style,
                unused_bits: 0,
            },
            extra_bytes: Vec::new(),
        };
        cx.encode_signed(
            &prefix,
            NEW_INTRODUCTION_RESPONSE,
            Some(global_time),
            &payload,
        )
    } else {
        let count = cx.core.network.count_for_service(cx.ov.id);
        let payload = IntroductionResponse {
            destination_address: as_v4(socket_address).ok_or(DropReason::UnsupportedAddress)?,
            source_lan_address: my_lan,
            source_wan_address: my_wan,
            lan_introduction_address: as_v4(lan).unwrap_or(ZERO_V4),
            wan_introduction_address: as_v4(wan).unwrap_or(ZERO_V4),
            flags: IntroductionResponseFlags {
                connection_type: ConnectionType::Unknown,
                supports_new_style: true,
                intro_supports_new_style: intro_new_style,
                peer_limit_reached: cx.ov.limit_reached(count),
                unused_bits: 0,
            },
            identifier,
            extra_bytes: Vec::new(),
        };
        cx.encode_signed(&prefix, INTRODUCTION_RESPONSE, Some(global_time), &payload)
    };
    if let Some(c) = introduction {
        let request = create_puncture_request(
            cx,
            lan_socket_address,
            socket_address,
            identifier,
            prefix,
            new_style,
        );
        cx.transmit(c.address(), request);
    }
    Ok(response)
}

/// Builds an unsigned puncture-request (py-ipv8 `create_puncture_request`); new-style when
/// asked or when an address is not IPv4.
pub(crate) fn create_puncture_request(
    cx: &mut Base<'_>,
    lan_walker: SocketAddr,
    wan_walker: SocketAddr,
    identifier: u16,
    prefix: Prefix,
    new_style: bool,
) -> Vec<u8> {
    let global_time = cx.claim_global_time();
    match (new_style, lan_walker, wan_walker) {
        (false, SocketAddr::V4(lan), SocketAddr::V4(wan)) => {
            let payload = PunctureRequest {
                lan_walker_address: lan,
                wan_walker_address: wan,
                identifier,
            };
            cx.encode_unsigned(
                &prefix,
                ipv8_wire::ids::PUNCTURE_REQUEST,
                Some(global_time),
                &payload,
            )
        }
        _ => {
            let payload = NewPunctureRequest {
                lan_walker_address: lan_walker,
                wan_walker_address: wan_walker,
                identifier,
            };
            cx.encode_unsigned(
                &prefix,
                ipv8_wire::ids::NEW_PUNCTURE_REQUEST,
                Some(global_time),
                &payload,
            )
        }
    }
}

/// The fields of 245/233 that the handler uses.
struct Response {
    destination: SocketAddr,
    source_wan: SocketAddr,
    lan_intro: SocketAddr,
    wan_intro: SocketAddr,
    identifier: u16,
    supports_new_style: bool,
    intro_supports_new_style: bool,
    extra_bytes: Vec<u8>,
}

fn decode_response(packet: &SignedPacket<'_>, style: Style) -> Result<Response, DropReason> {
    Ok(match style {
        Style::Old => {
            let p = packet.decode_payload::<IntroductionResponse>()?;
            Response {
                destination: SocketAddr::V4(p.destination_address),
                source_wan: SocketAddr::V4(p.source_wan_address),
                lan_intro: SocketAddr::V4(p.lan_introduction_address),
                wan_intro: SocketAddr::V4(p.wan_introduction_address),
                identifier: p.identifier,
                supports_new_style: p.flags.supports_new_style,
                intro_supports_new_style: p.flags.intro_supports_new_style,
                extra_bytes: p.extra_bytes,
            }
        }
        Style::New => {
            let p = packet.decode_payload::<NewIntroductionResponse>()?;
            Response {
                destination: p.destination_address,
                source_wan: p.source_wan_address,
                lan_intro: p.lan_introduction_address,
                wan_intro: p.wan_introduction_address,
                identifier: p.identifier,
                supports_new_style: true,
                intro_supports_new_style: p.flags.intro_supports_new_style,
                extra_bytes: p.extra_bytes,
            }
        }
    })
}

/// 245/233 (docs/spec/PROTOCOL.md §6.2, "Receiving 245/233").
/// Returns the responder and the response's extra bytes for
/// `introduction_response_callback`.
pub(crate) fn on_introduction_response(
    cx: &mut Base<'_>,
    from: SocketAddr,
    data: &[u8],
    style: Style,
) -> Result<(Peer, Vec<u8>), DropReason> {
    let (packet, mid) = cx.open_peer_signed(data, true)?;
    let resp = decode_response(&packet, style)?;
    let mut peer = cx.authenticated_peer(from, packet.public_key, mid);
    if resp.supports_new_style {
        mark_new_style(cx, &mut peer);
    }
    // 1. WAN estimate: any non-RFC1918 IPv4 destination; our own address in any case.
    if let SocketAddr::V4(dest) = resp.destination {
        if !in_lan_subnets(*dest.ip())
            && cx.core.addresses.advertise.is_none()
            && cx.ov.wan != Some(dest)
        {
            cx.ov.wan = Some(dest);
            let community_id = cx.ov.id;
            cx.core.emit(Event::WanChanged {
                community: community_id,
                wan: dest,
            });
        }
        cx.core.addresses.my_v4 = Some(dest);
    }
    // 2. New-style interface switch.
    if peer.new_style() {
        switch_interface(cx, &peer, &resp);
    }
    // 3. The responder is a verified peer of this community.
    let id = cx.ov.id;
    add_peer(cx, peer.clone());
    cx.core.network.discover_services(mid, &[id]);
    // 4. Introduced addresses.
    let zero = SocketAddr::V4(ZERO_V4);
    let my_wan_ip = IpAddr::V4(*cx.wan_estimate().ip());
    let my_lan_ip = *cx.lan_estimate().ip();
    let (lan, wan) = (resp.lan_intro, resp.wan_intro);
    let mut introductions = Vec::with_capacity(2);
    if wan != zero && wan.ip() != my_wan_ip {
        if lan != zero {
            introductions.push(lan);
        }
        introductions.push(wan);
    } else if lan != zero && wan.ip() == my_wan_ip {
        introductions.push(lan);
    } else if wan != zero {
        introductions.push(wan);
        introductions.push(SocketAddr::V4(SocketAddrV4::new(my_lan_ip, wan.port())));
    }
    for addr in introductions {
        cx.core
            .network
            .discover_address(mid, addr, Some(id), resp.intro_supports_new_style);
    }
    // 5. Hook.
    let peer = cx.core.network.peer(&mid).cloned().unwrap_or(peer);
    Ok((peer, resp.extra_bytes))
}

/// A new-style responder announced an address of the other family: remember it and ask the
/// responder to puncture towards our address of that family.
fn switch_interface(cx: &mut Base<'_>, peer: &Peer, resp: &Response) {
    let used = peer.address();
    let requested = resp.source_wan;
    if requested.is_ipv4() == used.is_ipv4() || requested == used {
        return;
    }
    let mine = if requested.is_ipv6() {
        cx.core
            .addresses
            .local
            .bound_v6()
            .filter(|a| !a.ip().is_unspecified())
    } else {
        cx.core.addresses.local.bound_v4().map(|_| {
            SocketAddr::V4(
                cx.core
                    .addresses
                    .my_v4
                    .unwrap_or_else(|| cx.core.addresses.lan_estimate()),
            )
        })
    };
    let Some(mine) = mine else {
        return;
    };
    let id = cx.ov.id;
    cx.core
        .network
        .discover_address(peer.mid(), requested, Some(id), true);
    let prefix = cx.ov.prefix;
    let request = create_puncture_request(
        cx,
        SocketAddr::V4(ZERO_V4),
        mine,
        resp.identifier,
        prefix,
        true,
    );
    cx.transmit(used, request);
}

/// 250/232: puncture towards the walker (py-ipv8 `on_puncture_request`). Unauthenticated.
pub(crate) fn on_puncture_request(
    cx: &mut Base<'_>,
    data: &[u8],
    style: Style,
) -> Result<(), DropReason> {
    let packet = UnsignedPacket::parse(data)?;
    let (lan_walker, wan_walker, identifier) = match style {
        Style::Old => {
            let p = packet.decode_payload::<PunctureRequest>()?;
            (
                SocketAddr::V4(p.lan_walker_address),
                SocketAddr::V4(p.wan_walker_address),
                p.identifier,
            )
        }
        Style::New => {
            let p = packet.decode_payload::<NewPunctureRequest>()?;
            (p.lan_walker_address, p.wan_walker_address, p.identifier)
        }
    };
    let my_wan = cx.wan_estimate();
    let target = if wan_walker.ip() == IpAddr::V4(*my_wan.ip()) {
        lan_walker
    } else {
        wan_walker
    };
    let my_lan = cx.lan_estimate();
    let global_time = cx.claim_global_time();
    let bytes = match (style, wan_walker) {
        (Style::Old, SocketAddr::V4(wan)) => cx.encode(
            global_time,
            &Puncture {
                source_lan_address: my_lan,
                source_wan_address: wan,
                identifier,
            },
        ),
        _ => cx.encode(
            global_time,
            &NewPuncture {
                source_lan_address: cx.core.addresses.source_lan(),
                source_wan_address: wan_walker,
                identifier,
            },
        ),
    };
    cx.transmit(target, bytes);
    Ok(())
}

/// 249/231: verify, nothing else (py-ipv8 `on_puncture`).
pub(crate) fn on_puncture(cx: &mut Base<'_>, data: &[u8], style: Style) -> Result<(), DropReason> {
    let (packet, _) = cx.open_signed(data, true)?;
    match style {
        Style::Old => packet.decode_payload::<Puncture>().map(drop)?,
        Style::New => packet.decode_payload::<NewPuncture>().map(drop)?,
    }
    Ok(())
}

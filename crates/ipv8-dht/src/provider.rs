//! py-ipv8 `DHTCommunityProvider` (`ipv8/dht/provider.py`): the hidden-service introduction
//! points of an info hash, announced to and looked up in the DHT.
//!
//! This module owns the value format ([`DhtIntroPointPayload`]), the [`IntroductionPoint`] it
//! carries and the three provider operations: [`DhtProvider::announce`] and
//! [`DhtProvider::lookup`] on every DHT community, and [`DhtDiscoveryCommunity::peer_lookup`].
//!
//! A value is the payload packed as `ip_address, I, varlenH, varlenH` (address, last seen,
//! introduction point key, seeder key), stored unsigned. Both keys are stored without their
//! 10-byte `LibNaCLPK:` prefix so that the entry fits the DHT's [`crate::MAX_ENTRY_SIZE`]; a
//! lookup puts the prefix back. A found value that does not decode, or whose introduction
//! point key does not parse, is skipped, as py-ipv8 does.
//!
//! ```no_run
//! # async fn run(dht: ipv8::CommunityHandle<ipv8_dht::DhtDiscoveryCommunity>) -> Result<(), Box<dyn std::error::Error>> {
//! use ipv8::keys::PrivateKey;
//! use ipv8_dht::provider::{DhtProvider, IntroPointSource, IntroductionPoint};
//!
//! let info_hash = [7; 20];
//! let intro = IntroductionPoint {
//!     public_key: PrivateKey::from_seeds([1; 32], [2; 32]).public_bin().to_vec(),
//!     address: "1.2.3.4:8090".parse()?,
//!     seeder_public_key: PrivateKey::from_seeds([3; 32], [4; 32]).public_bin().to_vec(),
//!     source: IntroPointSource::Unknown,
//!     last_seen: 1_700_000_000,
//! };
//! dht.call(move |c, cx| c.announce(cx, info_hash, &intro)).await?.await??;
//! let found = dht.call(move |c, cx| c.lookup(cx, info_hash)).await?.await??;
//! assert_eq!(found[0].source, IntroPointSource::Dht);
//! # Ok(()) }
//! ```

use std::fmt;
use std::net::SocketAddr;

use ipv8::prelude::*;
use ipv8::wire::{DecodeError, Reader};

use crate::community::{DhtError, DhtOverlay, DhtResponse, DhtValue, Then};
use crate::discovery::{DhtDiscoveryCommunity, Lookup, PeerLookup};
use crate::ops;
use crate::routing::Node;

/// The prefix of a serialized LibNaCL public key, stripped from the keys of a stored value.
pub const LIBNACL_PK_PREFIX: &[u8; 10] = b"LibNaCLPK:";

/// A stored introduction point (py-ipv8 `DHTIntroPointPayload`): its address, when it was
/// last seen, and the introduction point's and the seeder's public keys without their
/// `LibNaCLPK:` prefix.
#[derive(Payload, Debug, Clone, PartialEq, Eq)]
#[payload(name = "DHTIntroPointPayload")]
pub struct DhtIntroPointPayload {
    /// The introduction point's UDP address (py-ipv8 `ip_address`: IPv4 or IPv6).
    pub address: SocketAddr,
    /// Unix seconds when the introduction point was last seen.
    pub last_seen: u32,
    /// The introduction point's public key, `LibNaCLPK:` stripped.
    pub intro_pk: Vec<u8>,
    /// The seeder's public key, `LibNaCLPK:` stripped.
    pub seeder_pk: Vec<u8>,
}

/// Where an introduction point was learnt (py-ipv8 `PEER_SOURCE_*`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum IntroPointSource {
    /// Not known (py-ipv8 `PEER_SOURCE_UNKNOWN`, 0).
    #[default]
    Unknown = 0,
    /// Found in the DHT (py-ipv8 `PEER_SOURCE_DHT`, 1).
    Dht = 1,
    /// Learnt through peer exchange (py-ipv8 `PEER_SOURCE_PEX`, 2).
    Pex = 2,
}

/// A hidden-service introduction point (py-ipv8 `IntroductionPoint` of
/// `messaging/anonymization/tunnel.py`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntroductionPoint {
    /// The introduction point's serialized public key, `LibNaCLPK:` included.
    pub public_key: Vec<u8>,
    /// The introduction point's UDP address.
    pub address: SocketAddr,
    /// The seeder's serialized public key, `LibNaCLPK:` included.
    pub seeder_public_key: Vec<u8>,
    /// Where it was learnt ([`IntroPointSource::Dht`] for every lookup result).
    pub source: IntroPointSource,
    /// Unix seconds when it was last seen.
    pub last_seen: u32,
}

/// Why a stored value is not an introduction point.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IntroPointError {
    /// The value does not decode as a [`DhtIntroPointPayload`].
    Decode(DecodeError),
    /// The introduction point's key, with `LibNaCLPK:` put back, does not parse.
    BadKey,
}

impl fmt::Display for IntroPointError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Decode(e) => write!(f, "introduction point: {e}"),
            Self::BadKey => f.write_str("introduction point: the public key does not parse"),
        }
    }
}

impl std::error::Error for IntroPointError {}

impl IntroductionPoint {
    /// The payload announced for this introduction point: both keys without `LibNaCLPK:`.
    ///
    /// # Errors
    /// [`DhtError::NotLibNaclKey`] when a key does not start with `LibNaCLPK:` (py-ipv8 would
    /// cut 10 bytes off it anyway and announce a value no lookup can use).
    pub fn to_payload(&self) -> Result<DhtIntroPointPayload, DhtError> {
        let strip = |key: &[u8]| {
            key.strip_prefix(LIBNACL_PK_PREFIX)
                .map(<[u8]>::to_vec)
                .ok_or(DhtError::NotLibNaclKey)
        };
        Ok(DhtIntroPointPayload {
            address: self.address,
            last_seen: self.last_seen,
            intro_pk: strip(&self.public_key)?,
            seeder_pk: strip(&self.seeder_public_key)?,
        })
    }

    /// The bytes [`DhtProvider::announce`] stores (before the DHT's unsigned-entry type byte).
    ///
    /// # Errors
    /// As [`IntroductionPoint::to_payload`].
    pub fn to_value(&self) -> Result<Vec<u8>, DhtError> {
        self.to_payload().map(|p| p.to_bytes())
    }

    /// The introduction point a found value describes, `LibNaCLPK:` put back on both keys,
    /// with source [`IntroPointSource::Dht`]. Bytes after the payload are ignored (py-ipv8
    /// `unpack_serializable`).
    ///
    /// # Errors
    /// [`IntroPointError`]: the value does not decode or its introduction point key does not
    /// parse (py-ipv8's `Peer` constructor raises; the seeder key is not parsed).
    pub fn from_value(data: &[u8]) -> Result<Self, IntroPointError> {
        let payload = DhtIntroPointPayload::decode(&mut Reader::new(data))
            .map_err(IntroPointError::Decode)?;
        let prefixed = |key: Vec<u8>| [&LIBNACL_PK_PREFIX[..], &key].concat();
        let public_key = prefixed(payload.intro_pk);
        if ipv8::keys::PublicKey::from_bin(&public_key).is_err() {
            return Err(IntroPointError::BadKey);
        }
        Ok(Self {
            public_key,
            address: payload.address,
            seeder_public_key: prefixed(payload.seeder_pk),
            source: IntroPointSource::Dht,
            last_seen: payload.last_seen,
        })
    }
}

/// The introduction points among found values, in their order; values that are not one are
/// skipped (logged at debug level), as py-ipv8's `lookup` does.
#[must_use]
pub fn intro_points(values: &[DhtValue]) -> Vec<IntroductionPoint> {
    values
        .iter()
        .filter_map(|v| match IntroductionPoint::from_value(&v.data) {
            Ok(point) => Some(point),
            Err(e) => {
                tracing::debug!(%e, "dht provider: value skipped");
                None
            }
        })
        .collect()
}

/// py-ipv8 `DHTCommunityProvider`'s announce and lookup, on every DHT community.
pub trait DhtProvider: DhtOverlay {
    /// Stores `intro` under `info_hash` (py-ipv8 `announce`), unsigned; answers with the
    /// nodes that confirmed.
    ///
    /// # Errors
    /// The answer is [`DhtError::NotLibNaclKey`] when a key lacks its `LibNaCLPK:` prefix,
    /// [`DhtError::TooLarge`] when the entry exceeds [`crate::MAX_ENTRY_SIZE`] (keys longer
    /// than LibNaCL's), else as [`DhtOverlay::store_value`].
    fn announce(
        &mut self,
        cx: &mut Cx<'_, Self>,
        info_hash: [u8; 20],
        intro: &IntroductionPoint,
    ) -> DhtResponse<Vec<Node>> {
        match intro.to_value() {
            Ok(value) => self.store_value(cx, info_hash, value, false),
            Err(e) => {
                let (reply, response) = reply_channel();
                let _ = reply.send(Err(e));
                response
            }
        }
    }

    /// Finds the introduction points stored under `info_hash` (py-ipv8 `lookup`); found
    /// values that are not introduction points are skipped ([`intro_points`]).
    ///
    /// # Errors
    /// The answer fails as [`DhtOverlay::find_values`] does.
    fn lookup(
        &mut self,
        cx: &mut Cx<'_, Self>,
        info_hash: [u8; 20],
    ) -> DhtResponse<Vec<IntroductionPoint>> {
        let (reply, response) = reply_channel();
        ops::start_crawl(self, cx, info_hash, false, 0, Then::IntroPoints(reply));
        response
    }
}

impl<C: DhtOverlay> DhtProvider for C {}

impl DhtDiscoveryCommunity {
    /// Finds and connects to the peer with member id `mid` (py-ipv8 `peer_lookup`, which is
    /// `connect_peer(mid, peer)`): the nodes stored for it if any; else, when `peer` is given,
    /// it is pinged first and answers as the one node if it replies; else (or when the ping
    /// times out) [`DhtDiscoveryCommunity::connect_peer`]'s DHT lookup.
    ///
    /// py-ipv8 only logs a failure; the response may be dropped unawaited.
    ///
    /// # Errors
    /// The answer fails as [`DhtDiscoveryCommunity::connect_peer`] does.
    pub fn peer_lookup(
        &mut self,
        cx: &mut Cx<'_, Self>,
        mid: Mid,
        peer: Option<&Peer>,
    ) -> DhtResponse<Vec<Node>> {
        let stored = self
            .stored_peers()
            .get(&mid.0)
            .is_some_and(|n| !n.is_empty());
        match peer {
            Some(peer) if !stored => {
                let (reply, response) = reply_channel();
                let node = Node::new(peer.public_key_bin().to_vec(), peer.address());
                let lookup = PeerLookup(Lookup::Connect(mid.0, reply));
                ops::ping_then(self, cx, &node, Some(lookup));
                response
            }
            _ => self.connect_peer(cx, mid),
        }
    }
}

#[cfg(test)]
#[path = "provider_tests.rs"]
mod tests;

//! The DHT's wire messages: the ten request/response payloads of py-ipv8 3.2.1
//! `ipv8/dht/payload.py` and the two value entries (`StrPayload`, `SignedStrPayload`).
//!
//! Every message is sent with `ez_send` (signed, no global time), so each is one
//! `#[derive(Payload)] #[payload(id = N, signed)]` declaration. py-ipv8's `node-list` format
//! (`ListOf(NodePacker)`: a `u8` count, then per node an `ip_address` and a `varlenH` public
//! key) is the format [`NodeList`] (py-ipv8's `payload-list` would put a length before each
//! node).

use std::net::SocketAddr;

use ipv8::Payload;
use ipv8::wire::format::Format;
use ipv8::wire::{DecodeError, Reader, Writer};

/// One DHT node on the wire (py-ipv8 `NodePacker`): its address and serialized public key.
#[derive(Payload, Debug, Clone, PartialEq, Eq)]
#[payload(name = "Node")]
pub struct NodePayload {
    /// The node's UDP address (py-ipv8 `ip_address`: IPv4 or IPv6).
    pub address: SocketAddr,
    /// The node's serialized public key.
    pub public_key: Vec<u8>,
}

impl From<crate::routing::Node> for NodePayload {
    /// The node as responses list it: its address and public key.
    fn from(node: crate::routing::Node) -> Self {
        Self {
            address: node.address,
            public_key: node.public_key,
        }
    }
}

/// py-ipv8's `node-list` format (`ListOf(NodePacker)`): a `u8` count, then each node's
/// `ip_address` and `varlenH` public key, without a per-node length. Lists are written with at
/// most 255 nodes (every sender here caps them at 8).
#[derive(Debug)]
pub enum NodeList {}

impl Format<Vec<NodePayload>> for NodeList {
    fn write(value: &Vec<NodePayload>, w: &mut Writer) {
        let count = value.len().min(usize::from(u8::MAX));
        w.u8(u8::try_from(count).unwrap_or(u8::MAX));
        for node in value.iter().take(count) {
            node.encode(w);
        }
    }

    fn read(r: &mut Reader<'_>, field: &'static str) -> Result<Vec<NodePayload>, DecodeError> {
        let count = r.u8(field)?;
        // A node takes at least 9 bytes: bound the allocation by what is there.
        let mut nodes = Vec::with_capacity(usize::from(count).min(r.remaining() / 9));
        for _ in 0..count {
            nodes.push(NodePayload::decode(r)?);
        }
        Ok(nodes)
    }
}

/// Message 1: ping a node (py-ipv8 `PingRequestPayload`).
#[derive(Payload, Debug, Clone, PartialEq, Eq)]
#[payload(id = 1, signed, name = "PingRequestPayload")]
pub struct PingRequest {
    /// Request-cache number, echoed by the response.
    pub identifier: u32,
}

/// Message 2: answer to a ping (py-ipv8 `PingResponsePayload`).
#[derive(Payload, Debug, Clone, PartialEq, Eq)]
#[payload(id = 2, signed, name = "PingResponsePayload")]
pub struct PingResponse {
    /// The request's identifier.
    pub identifier: u32,
}

/// Message 3: store values under a key, with the token the node gave us (py-ipv8
/// `StoreRequestPayload`).
#[derive(Payload, Debug, Clone, PartialEq, Eq)]
#[payload(id = 3, signed, name = "StoreRequestPayload")]
pub struct StoreRequest {
    /// Request-cache number, echoed by the response.
    pub identifier: u32,
    /// The token from the node's last find-response to us.
    pub token: [u8; 20],
    /// The key.
    pub target: [u8; 20],
    /// Serialized values ([`crate::value`]), at most 8.
    pub values: Vec<Vec<u8>>,
}

/// Message 4: the values were stored (py-ipv8 `StoreResponsePayload`).
#[derive(Payload, Debug, Clone, PartialEq, Eq)]
#[payload(id = 4, signed, name = "StoreResponsePayload")]
pub struct StoreResponse {
    /// The request's identifier.
    pub identifier: u32,
}

/// Message 5: ask for the values of a key or the nodes closest to it (py-ipv8
/// `FindRequestPayload`).
#[derive(Payload, Debug, Clone, PartialEq, Eq)]
#[payload(id = 5, signed, name = "FindRequestPayload")]
pub struct FindRequest {
    /// Request-cache number, echoed by the response.
    pub identifier: u32,
    /// The requester's LAN address (for the puncture-request the answerer sends).
    pub lan_address: SocketAddr,
    /// The key or node id looked for.
    pub target: [u8; 20],
    /// Index of the first value wanted.
    pub offset: u32,
    /// Answer with nodes even when values are known.
    pub force_nodes: bool,
}

/// Message 6: values or closest nodes, and a store token (py-ipv8 `FindResponsePayload`).
#[derive(Payload, Debug, Clone, PartialEq, Eq)]
#[payload(id = 6, signed, name = "FindResponsePayload")]
pub struct FindResponse {
    /// The request's identifier.
    pub identifier: u32,
    /// The token the requester must present to store on us.
    pub token: [u8; 20],
    /// Serialized values, at most 8.
    pub values: Vec<Vec<u8>>,
    /// Closest nodes, at most 8 (py-ipv8 `node-list`).
    #[payload(with = NodeList)]
    pub nodes: Vec<NodePayload>,
}

/// Message 7: store the sender as reachable under its own member id (py-ipv8
/// `StorePeerRequestPayload`).
#[derive(Payload, Debug, Clone, PartialEq, Eq)]
#[payload(id = 7, signed, name = "StorePeerRequestPayload")]
pub struct StorePeerRequest {
    /// Request-cache number, echoed by the response.
    pub identifier: u32,
    /// The token from the node's last find-response to us.
    pub token: [u8; 20],
    /// The key: must be the sender's member id.
    pub target: [u8; 20],
}

/// Message 8: the sender was stored (py-ipv8 `StorePeerResponsePayload`).
#[derive(Payload, Debug, Clone, PartialEq, Eq)]
#[payload(id = 8, signed, name = "StorePeerResponsePayload")]
pub struct StorePeerResponse {
    /// The request's identifier.
    pub identifier: u32,
}

/// Message 9: introduce the sender to the peer stored under `target` (py-ipv8
/// `ConnectPeerRequestPayload`).
#[derive(Payload, Debug, Clone, PartialEq, Eq)]
#[payload(id = 9, signed, name = "ConnectPeerRequestPayload")]
pub struct ConnectPeerRequest {
    /// Request-cache number, echoed by the response.
    pub identifier: u32,
    /// The requester's LAN address (for the puncture-requests).
    pub lan_address: SocketAddr,
    /// The member id looked for.
    pub target: [u8; 20],
}

/// Message 10: the nodes stored under the key, which were asked to puncture (py-ipv8
/// `ConnectPeerResponsePayload`).
#[derive(Payload, Debug, Clone, PartialEq, Eq)]
#[payload(id = 10, signed, name = "ConnectPeerResponsePayload")]
pub struct ConnectPeerResponse {
    /// The request's identifier.
    pub identifier: u32,
    /// The stored nodes, at most 8 (py-ipv8 `node-list`).
    #[payload(with = NodeList)]
    pub nodes: Vec<NodePayload>,
}

/// An unsigned value entry after its type byte 0 (py-ipv8 `StrPayload`).
#[derive(Payload, Debug, Clone, PartialEq, Eq)]
#[payload(name = "StrPayload")]
pub struct StrPayload {
    /// The value, to the end of the entry.
    #[payload(format = "raw")]
    pub data: Vec<u8>,
}

/// A signed value entry after its type byte 1, before the signature (py-ipv8
/// `SignedStrPayload`).
#[derive(Payload, Debug, Clone, PartialEq, Eq)]
#[payload(name = "SignedStrPayload")]
pub struct SignedStrPayload {
    /// The value.
    pub data: Vec<u8>,
    /// The signer's version (py-ipv8 uses the Unix time of signing); the newest wins.
    pub version: u32,
    /// The signer's serialized public key.
    pub public_key: Vec<u8>,
}

//! Everything an overlay author needs, in one import: `use ipv8::prelude::*;`.
//!
//! The community API ([`Community`], [`Cx`], [`Handlers`], [`Peer`]), the payload derive
//! ([`Payload`]), the builder and typed handle ([`Ipv8Builder`], [`CommunityHandle`]), the
//! configuration types and the request-cache and strategy traits.

pub use crate::{
    Community, CommunityConfig, CommunityHandle, CommunityId, Cx, DiscoveryStrategy, DropReason,
    Handlers, Ipv8Builder, KeyIdentity, MessagePayload, Mid, NodeConfig, NumberCache, Payload,
    Peer, Reply, Response, reply_channel,
};
pub use ipv8_proto::config::BootstrapConfig;

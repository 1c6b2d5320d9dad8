//! The overlay API: the [`Community`] trait, its typed context [`Cx`], message [`Handlers`],
//! owned tasks and request caches, and the built-in communities.
//!
//! Ports the extension points of py-ipv8 `community.py` (`Community`: `add_message_handler`,
//! `introduction_request_callback`, `introduction_response_callback`, `started`, `unload`),
//! `lazy_community.py` (`ez_send`, `lazy_wrapper`, `lazy_wrapper_unsigned`),
//! `taskmanager.py` (`register_task`, `cancel_pending_task`) and `requestcache.py`.
//! Inheritance becomes composition: the shared introduction and puncture walk (`walk.rs`,
//! `introduction.rs`) runs before a community sees anything and calls the hooks below; a
//! community handles its own message ids through the handlers it registers, after the node
//! verified and decoded them.
//!
//! The built-in [`DiscoveryCommunity`] and the discovery strategies use exactly this API.
//!
//! ```
//! use ipv8_proto::community::{Community, Cx, Handlers};
//! use ipv8_proto::Peer;
//! # use ipv8_wire as wire;
//! # #[derive(Debug, Clone, PartialEq)]
//! # struct Chat { text: String }
//! # impl wire::Payload for Chat {
//! #     const NAME: &'static str = "Chat";
//! #     fn encode(&self, w: &mut wire::Writer) { w.varlen_h_utf8(&self.text) }
//! #     fn decode(r: &mut wire::Reader<'_>) -> Result<Self, wire::DecodeError> {
//! #         Ok(Self { text: r.varlen_h_utf8("text")?.to_owned() })
//! #     }
//! # }
//! # impl wire::MessagePayload for Chat {
//! #     const MSG_ID: u8 = 1; const MESSAGE_NAME: &'static str = "chat"; const SIGNED: bool = true;
//! #     const STYLE: wire::Style = wire::Style::None; const HANDLER_NAME: &'static str = "on_chat";
//! # }
//!
//! #[derive(Default)]
//! struct ChatCommunity;
//!
//! impl Community for ChatCommunity {
//!     type Command = String;
//!     type Event = String;
//!     fn handlers(h: &mut Handlers<Self>) {
//!         h.signed(Self::on_chat);
//!     }
//!     fn on_command(&mut self, cx: &mut Cx<'_, Self>, text: String) {
//!         cx.broadcast(&Chat { text });
//!     }
//! }
//!
//! impl ChatCommunity {
//!     fn on_chat(&mut self, cx: &mut Cx<'_, Self>, _peer: &Peer, m: Chat) {
//!         cx.emit(m.text);
//!     }
//! }
//! ```

mod base;
mod cache;
mod cx;
mod discovery;
mod handlers;
pub(crate) mod hosted;
pub(crate) mod introduction;
mod tasks;
pub(crate) mod tracker;
pub(crate) mod walk;

use std::net::SocketAddrV4;
use std::sync::Arc;

use ipv8_crypto::Mid;
use ipv8_wire::{CommunityId, Prefix};

pub(crate) use base::Base;
pub use cache::{Cancelled, NumberCache, Reply, Response, reply_channel};
pub use cx::Cx;
pub use discovery::{DiscoveryCommunity, PING_TIMEOUT};
pub use handlers::{HandlerResult, Handlers};
pub use tasks::TaskError;

use crate::config::StrategyConfig;
use crate::crypto::Identity;
use crate::peer::Peer;
use crate::rng::NodeRng;
use crate::strategy::{DiscoveryStrategy, EdgeWalk, RandomWalk};
use crate::timers::Timers;

/// An overlay: its own messages, state and reactions, on a 20-byte community id.
///
/// py-ipv8's `Community` subclass. Register handlers for the community's message types in
/// [`Community::handlers`]; every other method has a default that does nothing. The node owns
/// the value; application code reaches it with commands ([`Community::on_command`]), and it
/// talks back with events ([`Cx::emit`]).
pub trait Community: Send + Sized + 'static {
    /// What the application sends to the community (`()` for none).
    type Command: Send + 'static;
    /// What the community reports to the application (`()` for none).
    type Event: Send + 'static;

    /// Registers the handlers of the community's own message ids (py-ipv8
    /// `add_message_handler`). Called once when the community is loaded.
    fn handlers(h: &mut Handlers<Self>) {
        let _ = h;
    }

    /// The community was loaded and may start sending (py-ipv8 `started`). Register periodic
    /// tasks here.
    fn started(&mut self, cx: &mut Cx<'_, Self>) {
        let _ = cx;
    }

    /// A command from the application.
    fn on_command(&mut self, cx: &mut Cx<'_, Self>, command: Self::Command) {
        let _ = (cx, command);
    }

    /// The community is being unloaded (py-ipv8 `unload`); its tasks and caches end right
    /// after this returns.
    fn unload(&mut self, cx: &mut Cx<'_, Self>) {
        let _ = cx;
    }

    /// After an introduction-request was answered (py-ipv8 `introduction_request_callback`).
    fn introduction_request_callback(
        &mut self,
        cx: &mut Cx<'_, Self>,
        peer: &Peer,
        extra_bytes: &[u8],
    ) {
        let _ = (cx, peer, extra_bytes);
    }

    /// After an introduction-response was processed (py-ipv8
    /// `introduction_response_callback`).
    fn introduction_response_callback(
        &mut self,
        cx: &mut Cx<'_, Self>,
        peer: &Peer,
        extra_bytes: &[u8],
    ) {
        let _ = (cx, peer, extra_bytes);
    }

    /// `true` for DiscoveryCommunity's 2014-compatible 246 handling: legacy `'Y'` parse, always
    /// answered old-style, no LAN address recorded, requester not marked new-style.
    fn legacy_introduction_requests(&self) -> bool {
        false
    }

    /// Builds a strategy named in a [`crate::CommunityConfig`]'s walkers. The default builds
    /// RandomWalk and EdgeWalk, which work on any community; `None` refuses the configuration.
    fn strategy(config: &StrategyConfig) -> Option<Box<dyn DiscoveryStrategy<Self>>> {
        default_strategy(config)
    }
}

/// RandomWalk and EdgeWalk for any community; `None` for the DiscoveryCommunity-only ones.
#[must_use]
pub fn default_strategy<C: Community>(
    config: &StrategyConfig,
) -> Option<Box<dyn DiscoveryStrategy<C>>> {
    match config {
        StrategyConfig::RandomWalk(c) => Some(Box::new(RandomWalk::new(*c))),
        StrategyConfig::EdgeWalk(c) => Some(Box::new(EdgeWalk::new(*c))),
        StrategyConfig::RandomChurn(_) | StrategyConfig::PeriodicSimilarity => None,
    }
}

/// A community with no messages of its own: only the introduction/puncture walk.
#[derive(Debug, Default, Clone, Copy)]
pub struct PlainCommunity;

impl Community for PlainCommunity {
    type Command = ();
    type Event = ();
}

/// Per-overlay state that the shared walk logic and the plugin both use.
pub(crate) struct OverlayState {
    pub(crate) id: CommunityId,
    pub(crate) prefix: Prefix,
    pub(crate) name: String,
    pub(crate) max_peers: i32,
    /// The overlay's key (py-ipv8 `my_peer`): the node's, or its own.
    pub(crate) identity: Arc<dyn Identity>,
    pub(crate) my_key: Arc<[u8]>,
    pub(crate) my_mid: Mid,
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

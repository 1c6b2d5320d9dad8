//! [`Handlers`]: a community's message handlers, one per message id, registered by payload
//! type.
//!
//! Ports py-ipv8 `add_message_handler` with the `lazy_wrapper` (signed) and
//! `lazy_wrapper_unsigned` decorators of `lazy_community.py`. The node opens the envelope, decodes
//! the payload (rejecting leftover bytes, as py-ipv8's `unpack_serializable_list`), verifies a
//! signature once and rejects our own packets *before* the handler runs; the handler gets the
//! authenticated [`Peer`] (signed) or the source address (unsigned) and the typed payload.
//! Everything that fails is a counted [`DropReason`] naming what failed, never a panic.

use std::net::SocketAddr;

use ipv8_wire::{MessagePayload, UnsignedPacket};

use super::{Community, Cx};
use crate::drops::DropReason;
use crate::peer::Peer;

/// What a handler may return: `()` (always handled) or `Result<(), DropReason>` (an `Err` is
/// counted as a drop for that reason).
pub trait HandlerResult {
    /// The outcome as a `Result`.
    ///
    /// # Errors
    /// The drop reason the handler chose.
    fn into_result(self) -> Result<(), DropReason>;
}

impl HandlerResult for () {
    fn into_result(self) -> Result<(), DropReason> {
        Ok(())
    }
}

impl HandlerResult for Result<(), DropReason> {
    fn into_result(self) -> Self {
        self
    }
}

type Call<C> =
    Box<dyn Fn(&mut C, &mut Cx<'_, C>, SocketAddr, &[u8]) -> Result<(), DropReason> + Send + Sync>;

struct Entry<C> {
    id: u8,
    name: &'static str,
    /// `Some(with_global_time)` for a signed message type, `None` for unsigned and raw ones.
    signed: Option<bool>,
    call: Call<C>,
}

/// The handlers of one community type, keyed by message id.
pub struct Handlers<C> {
    entries: Vec<Entry<C>>,
}

impl<C> Default for Handlers<C> {
    fn default() -> Self {
        Self {
            entries: Vec::new(),
        }
    }
}

impl<C> std::fmt::Debug for Handlers<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.entries.iter().map(|e| (e.id, e.name)))
            .finish()
    }
}

impl<C: Community> Handlers<C> {
    /// The handlers `C` registers in [`Community::handlers`].
    #[must_use]
    pub fn of() -> Self {
        let mut h = Self::default();
        C::handlers(&mut h);
        h
    }

    /// Registers the handler of a signed message type (py-ipv8 `lazy_wrapper`). The handler gets
    /// the authenticated sender and the decoded payload. Registering an id twice replaces the
    /// first handler.
    ///
    /// Fails to compile for a payload declared unsigned.
    pub fn signed<P, R, F>(&mut self, handler: F) -> &mut Self
    where
        P: MessagePayload + 'static,
        R: HandlerResult,
        F: Fn(&mut C, &mut Cx<'_, C>, &Peer, P) -> R + Send + Sync + 'static,
    {
        const {
            assert!(
                P::SIGNED,
                "`Handlers::signed` needs a payload declared `signed`"
            );
        }
        let call: Call<C> = Box::new(move |community, cx, from, data| {
            let (packet, mid) = cx.base.core.me.parse_signed(data, P::GLOBAL_TIME)?;
            let payload = packet.decode_payload::<P>()?;
            cx.base.verify_peer_signed(&packet, mid)?;
            let peer = cx.base.authenticated_peer(from, packet.public_key, mid);
            handler(community, cx, &peer, payload).into_result()
        });
        self.insert(P::MSG_ID, P::HANDLER_NAME, Some(P::GLOBAL_TIME), call)
    }

    /// Registers the handler of an unsigned message type (py-ipv8 `lazy_wrapper_unsigned`). The
    /// handler gets the UDP source address and the decoded payload.
    ///
    /// Fails to compile for a payload declared signed.
    pub fn unsigned<P, R, F>(&mut self, handler: F) -> &mut Self
    where
        P: MessagePayload + 'static,
        R: HandlerResult,
        F: Fn(&mut C, &mut Cx<'_, C>, SocketAddr, P) -> R + Send + Sync + 'static,
    {
        const {
            assert!(
                !P::SIGNED,
                "`Handlers::unsigned` needs a payload declared `unsigned`"
            );
        }
        let call: Call<C> = Box::new(move |community, cx, from, data| {
            let packet = UnsignedPacket::parse_with(data, P::GLOBAL_TIME)?;
            let payload = packet.decode_payload::<P>()?;
            handler(community, cx, from, payload).into_result()
        });
        self.insert(P::MSG_ID, P::HANDLER_NAME, None, call)
    }

    /// Registers a handler that gets the raw datagram (py-ipv8 `add_message_handler` with an
    /// undecorated method), for messages no payload type describes. `name` is its statistics
    /// name.
    pub fn raw<R, F>(&mut self, msg_id: u8, name: &'static str, handler: F) -> &mut Self
    where
        R: HandlerResult,
        F: Fn(&mut C, &mut Cx<'_, C>, SocketAddr, &[u8]) -> R + Send + Sync + 'static,
    {
        let call: Call<C> = Box::new(move |community, cx, from, data| {
            handler(community, cx, from, data).into_result()
        });
        self.insert(msg_id, name, None, call)
    }

    /// `Some(with_global_time)` when the handler of `msg_id` takes a signed message.
    pub(crate) fn signed_layout(&self, msg_id: u8) -> Option<bool> {
        self.entries
            .iter()
            .find(|e| e.id == msg_id)
            .and_then(|e| e.signed)
    }

    fn insert(
        &mut self,
        id: u8,
        name: &'static str,
        signed: Option<bool>,
        call: Call<C>,
    ) -> &mut Self {
        self.entries.retain(|e| e.id != id);
        self.entries.push(Entry {
            id,
            name,
            signed,
            call,
        });
        self
    }

    /// Whether `msg_id` has a handler.
    #[must_use]
    pub fn handles(&self, msg_id: u8) -> bool {
        self.entries.iter().any(|e| e.id == msg_id)
    }

    /// The statistics name of `msg_id`'s handler.
    #[must_use]
    pub fn name(&self, msg_id: u8) -> Option<&'static str> {
        self.entries.iter().find(|e| e.id == msg_id).map(|e| e.name)
    }

    /// Runs the handler of `msg_id`; `UnknownMessage` when there is none.
    pub(crate) fn dispatch(
        &self,
        community: &mut C,
        cx: &mut Cx<'_, C>,
        msg_id: u8,
        from: SocketAddr,
        data: &[u8],
    ) -> Result<(), DropReason> {
        let entry = self
            .entries
            .iter()
            .find(|e| e.id == msg_id)
            .ok_or(DropReason::UnknownMessage)?;
        (entry.call)(community, cx, from, data)
    }
}

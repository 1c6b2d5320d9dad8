//! A flat, JSON-friendly view of a [`Decoded`] datagram for the CLI (`ipv8 packet decode`).
//!
//! Values are numbers, booleans, text (addresses as `ip:port` / `[ip6]:port`, names) or lowercase
//! hex (bytes). The crate has no serde dependency; the CLI turns the list into JSON.

use std::fmt;
use std::net::{SocketAddr, SocketAddrV4};

use crate::dissect::{Decoded, Envelope, Message};
use crate::header::to_hex;
use crate::payload::{
    IntroductionRequest, IntroductionRequestFlags, IntroductionResponseFlags,
    NewIntroductionResponseFlags,
};

/// One field value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldValue {
    /// An unsigned integer (ids, identifiers, global time, ports, flag bytes).
    Uint(u64),
    /// A boolean flag.
    Bool(bool),
    /// Text: addresses, names, connection types.
    Text(String),
    /// Bytes as lowercase hex.
    Hex(String),
    /// A list (preference lists, `tb_overlap` entries).
    List(Vec<Self>),
}

impl fmt::Display for FieldValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Uint(v) => write!(f, "{v}"),
            Self::Bool(v) => write!(f, "{v}"),
            Self::Text(s) | Self::Hex(s) => f.write_str(s),
            Self::List(items) => {
                f.write_str("[")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    item.fmt(f)?;
                }
                f.write_str("]")
            }
        }
    }
}

/// A field list under construction.
struct Fields(Vec<(&'static str, FieldValue)>);

impl Fields {
    fn uint(&mut self, name: &'static str, v: impl Into<u64>) {
        self.0.push((name, FieldValue::Uint(v.into())));
    }
    fn bool(&mut self, name: &'static str, v: bool) {
        self.0.push((name, FieldValue::Bool(v)));
    }
    fn text(&mut self, name: &'static str, v: impl ToString) {
        self.0.push((name, FieldValue::Text(v.to_string())));
    }
    fn hex(&mut self, name: &'static str, v: &[u8]) {
        self.0.push((name, FieldValue::Hex(to_hex(v))));
    }
    fn v4(&mut self, name: &'static str, v: SocketAddrV4) {
        self.text(name, v);
    }
    fn ip(&mut self, name: &'static str, v: SocketAddr) {
        self.text(name, v);
    }

    fn request_flags(&mut self, flags: IntroductionRequestFlags) {
        self.uint("flags", flags.to_byte());
        self.text("connection_type", flags.connection_type.as_str());
        self.bool("supports_new_style", flags.supports_new_style);
        self.bool("tunnel", flags.tunnel);
        self.bool("sync", flags.sync);
        self.bool("advice", flags.advice);
    }

    fn response_flags(&mut self, flags: IntroductionResponseFlags) {
        self.uint("flags", flags.to_byte());
        self.text("connection_type", flags.connection_type.as_str());
        self.bool("supports_new_style", flags.supports_new_style);
        self.bool("intro_supports_new_style", flags.intro_supports_new_style);
        self.bool("peer_limit_reached", flags.peer_limit_reached);
    }

    fn new_response_flags(&mut self, flags: NewIntroductionResponseFlags) {
        self.uint("flags", flags.to_byte());
        self.bool("intro_supports_new_style", flags.intro_supports_new_style);
    }

    fn introduction_request(&mut self, m: &IntroductionRequest) {
        self.v4("destination_address", m.destination_address);
        self.v4("source_lan_address", m.source_lan_address);
        self.v4("source_wan_address", m.source_wan_address);
        self.request_flags(m.flags);
        self.uint("identifier", m.identifier);
        self.hex("extra_bytes", &m.extra_bytes);
    }

    fn message(&mut self, message: &Message) {
        match message {
            Message::IntroductionRequest(m) => self.introduction_request(m),
            Message::LegacyIntroductionRequest(m) => {
                self.uint("introduce_to_tag", m.introduce_to_tag);
                self.hex("introduce_to", &m.introduce_to);
                self.introduction_request(&m.request);
            }
            Message::IntroductionResponse(m) => {
                self.v4("destination_address", m.destination_address);
                self.v4("source_lan_address", m.source_lan_address);
                self.v4("source_wan_address", m.source_wan_address);
                self.v4("lan_introduction_address", m.lan_introduction_address);
                self.v4("wan_introduction_address", m.wan_introduction_address);
                self.response_flags(m.flags);
                self.uint("identifier", m.identifier);
                self.hex("extra_bytes", &m.extra_bytes);
            }
            Message::PunctureRequest(m) => {
                self.v4("lan_walker_address", m.lan_walker_address);
                self.v4("wan_walker_address", m.wan_walker_address);
                self.uint("identifier", m.identifier);
            }
            Message::Puncture(m) => {
                self.v4("source_lan_address", m.source_lan_address);
                self.v4("source_wan_address", m.source_wan_address);
                self.uint("identifier", m.identifier);
            }
            Message::NewIntroductionRequest(m) => {
                self.ip("destination_address", m.destination_address);
                self.ip("source_lan_address", m.source_lan_address);
                self.ip("source_wan_address", m.source_wan_address);
                self.uint("identifier", m.identifier);
                self.request_flags(m.flags);
                self.hex("extra_bytes", &m.extra_bytes);
            }
            Message::NewIntroductionResponse(m) => {
                self.ip("destination_address", m.destination_address);
                self.ip("source_lan_address", m.source_lan_address);
                self.ip("source_wan_address", m.source_wan_address);
                self.ip("lan_introduction_address", m.lan_introduction_address);
                self.ip("wan_introduction_address", m.wan_introduction_address);
                self.uint("identifier", m.identifier);
                self.new_response_flags(m.flags);
                self.hex("extra_bytes", &m.extra_bytes);
            }
            Message::NewPunctureRequest(m) => {
                self.ip("lan_walker_address", m.lan_walker_address);
                self.ip("wan_walker_address", m.wan_walker_address);
                self.uint("identifier", m.identifier);
            }
            Message::NewPuncture(m) => {
                self.ip("source_lan_address", m.source_lan_address);
                self.ip("source_wan_address", m.source_wan_address);
                self.uint("identifier", m.identifier);
            }
            Message::SimilarityRequest(m) => {
                self.uint("identifier", m.identifier);
                self.v4("lan_address", m.lan_address);
                self.v4("wan_address", m.wan_address);
                self.uint("flags", m.flags.to_byte());
                self.text("connection_type", m.flags.connection_type.as_str());
                let ids = m.preference_ids().map(|id| FieldValue::Hex(to_hex(id)));
                self.0
                    .push(("preference_list", FieldValue::List(ids.collect())));
            }
            Message::SimilarityResponse(m) => {
                self.uint("identifier", m.identifier);
                let ids = m
                    .preference_list
                    .iter()
                    .map(|id| FieldValue::Hex(id.to_string()));
                self.0
                    .push(("preference_list", FieldValue::List(ids.collect())));
                let overlap = m.tb_overlap.iter().map(|(id, count)| {
                    FieldValue::List(vec![
                        FieldValue::Hex(to_hex(id)),
                        FieldValue::Uint(u64::from(*count)),
                    ])
                });
                self.0
                    .push(("tb_overlap", FieldValue::List(overlap.collect())));
            }
            Message::Ping(m) => self.uint("identifier", m.identifier),
            Message::Pong(m) => self.uint("identifier", m.identifier),
            Message::Beacon(b) => self.hex("prefix", b.prefix.as_bytes()),
            Message::Deprecated { payload } | Message::Unknown { payload } => {
                self.hex("payload", payload);
            }
        }
    }
}

impl Decoded<'_> {
    /// The datagram as an ordered list of named values: `name`, `style`, `version`,
    /// `community_id`, `message_id` (not for a beacon), the envelope (`public_key_bin`,
    /// `global_time`), the message fields (py-ipv8 names; flag bytes as `flags` plus one entry
    /// per named bit, `advice` as on the wire), then `signature` and `signed_length`.
    #[must_use]
    pub fn fields(&self) -> Vec<(&'static str, FieldValue)> {
        let mut f = Fields(Vec::with_capacity(24));
        let prefix = self.prefix();
        f.text("name", self.name);
        f.text("style", self.style.as_str());
        f.uint("version", prefix.version());
        f.hex("community_id", prefix.community_id().as_bytes());
        if let Some(id) = self.msg_id() {
            f.uint("message_id", id);
        }
        match &self.envelope {
            Envelope::Signed(p) => {
                f.hex("public_key_bin", p.public_key);
                f.uint("global_time", p.global_time);
            }
            Envelope::Unsigned(p) => f.uint("global_time", p.global_time),
            Envelope::None => {}
        }
        f.message(&self.message);
        if let Envelope::Signed(p) = &self.envelope {
            f.hex("signature", p.signature);
            f.uint("signed_length", p.signed_part.len() as u64);
        }
        f.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_formats() {
        let v = FieldValue::List(vec![FieldValue::Uint(1), FieldValue::Hex("ab".into())]);
        assert_eq!(v.to_string(), "[1, ab]");
        assert_eq!(FieldValue::Bool(true).to_string(), "true");
    }
}

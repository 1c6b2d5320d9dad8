//! py-ipv8's `serialization_6.py`: no IPv8 serialization at all. Message 1 of this community is
//! JSON after the 23-byte prefix and message id, with its own signature.
//!
//! `Handlers::raw` gives the handler the datagram as it arrived (py-ipv8: a handler without
//! `lazy_wrapper`); `Cx::send_bytes` sends bytes as they are (`endpoint.send`). We sign with our
//! community key (`Cx::sign`, py-ipv8's `my_peer.key.signature`) and check signatures with
//! `ipv8::keys`. Node 1 sends every 2 s; node 2 prints what it received.

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use ipv8::prelude::*;
use serde_json::{Value, json};

const COMMUNITY_ID: CommunityId = CommunityId(*b"serialization tut. 6");

#[derive(Default)]
struct MyCommunity;

impl Community for MyCommunity {
    type Command = ();
    type Event = ();

    fn handlers(h: &mut Handlers<Self>) {
        h.raw(1, "on_message", Self::on_message);
    }
}

impl MyCommunity {
    fn send_message(&mut self, cx: &mut Cx<'_, Self>, peer: &Peer) {
        let message = json!({"key": "value", "key2": "value2"}).to_string();
        let public_key = hex::encode(cx.my_public_key());
        let signature = hex::encode(cx.sign(message.as_bytes()));
        let signed_message = json!({
            "message": message,
            "public_key": public_key,
            "signature": signature,
        });
        let mut packet = cx.prefix().0.to_vec();
        packet.push(1);
        packet.extend_from_slice(signed_message.to_string().as_bytes());
        cx.send_bytes(peer.address(), packet);
    }

    fn on_message(
        &mut self,
        cx: &mut Cx<'_, Self>,
        source_address: SocketAddr,
        data: &[u8],
    ) -> Result<(), DropReason> {
        // The JSON starts after the 22-byte prefix and the message id.
        let received: Value = serde_json::from_slice(data.get(23..).ok_or(DropReason::Truncated)?)
            .map_err(|_| DropReason::Truncated)?;
        let text = |name: &str| received[name].as_str().unwrap_or_default().to_owned();
        let (message, key_hex, sig_hex) = (text("message"), text("public_key"), text("signature"));
        let valid = match (hex::decode(key_hex), hex::decode(sig_hex)) {
            (Ok(key), Ok(signature)) => ipv8::keys::PublicKey::from_bin(&key)
                .is_ok_and(|key| key.verify(message.as_bytes(), &signature)),
            _ => false,
        };
        println!("Received message {message} from {source_address}, the signature is {valid}!");
        cx.emit(());
        Ok(())
    }

    fn start_sending(&mut self, cx: &mut Cx<'_, Self>) {
        let send = |c: &mut Self, cx: &mut Cx<'_, Self>| {
            for p in cx.peers() {
                c.send_message(cx, &p);
            }
        };
        let every = Some(Duration::from_secs(2));
        cx.register_task("Start Sending Messages", Duration::ZERO, every, send)
            .expect("registered once");
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (tracker, tracker_addr) = common::local_tracker().await?;
    let mut nodes = Vec::new();
    let mut handles = Vec::new();
    for _ in [1, 2] {
        let mut builder = common::loopback_node(tracker_addr);
        handles.push(builder.community(
            common::tutorial_overlay(COMMUNITY_ID, "MyCommunity"),
            MyCommunity,
        ));
        nodes.push(builder.spawn()?);
    }
    handles[0].call(|c, cx| c.start_sending(cx)).await?;
    common::next_event(&mut handles[1], 20).await?;

    for ipv8 in nodes {
        ipv8.shutdown().await?;
    }
    tracker.shutdown().await?;
    Ok(())
}

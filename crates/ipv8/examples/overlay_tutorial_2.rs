//! py-ipv8's `overlay_tutorial_2.py`: two IPv8 nodes in one process. Both ask for port 8090;
//! the second cannot have it and claims the next free port, as py-ipv8 does.
//!
//! The Python runs until Ctrl+C; this port stops after three seconds.

mod common;

use std::net::Ipv4Addr;
use std::time::Duration;

use ipv8::prelude::*;
use ipv8::udp::BindConfig;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (tracker, tracker_addr) = common::local_tracker().await?;
    let config = NodeConfig {
        bootstrap: BootstrapConfig::trackers(&[tracker_addr]),
        ..NodeConfig::default()
    };
    let mut nodes = Vec::new();
    for i in [1, 2] {
        // Each IPv8 will attempt to claim port 8090 (on loopback). The second cannot claim the
        // same port and ends up claiming a different one.
        let key = KeyIdentity::new(ipv8::keys::PrivateKey::generate()).into_arc();
        let ipv8 = Ipv8Builder::new(config.clone(), key)
            .bind_v4(BindConfig {
                ip: Ipv4Addr::LOCALHOST.into(),
                ..BindConfig::v4(8090)
            })
            .driver_config(common::loopback_driver())
            .spawn()?;
        println!("IPv8 {i} claimed {}", common::bound_addr(&ipv8).await?);
        nodes.push(ipv8);
    }

    tokio::time::sleep(Duration::from_secs(3)).await;
    for ipv8 in nodes {
        ipv8.shutdown().await?;
    }
    tracker.shutdown().await?;
    Ok(())
}

//! py-ipv8's `overlay_tutorial_5.py` as a command-line program: one peer of the Lamport clock
//! community per process, wire compatible with the Python tutorial.
//!
//! ```text
//! cargo run --release -p ipv8 --example overlay_tutorial -- [--bind IP] [--port P]
//!     [--key-file F] [--community HEX] [--bootstrap IP:PORT]... [--seconds S]
//! ```
//!
//! Defaults: bind 0.0.0.0 on any port, a new curve25519 key (a `--key-file` that does not exist
//! yet is created), this example's own community id, py-ipv8's default trackers and, as
//! `ipv8 run`, the LAN beacon (the Python tutorial's `default_bootstrap_defs` has no beacon).
//! With `--bootstrap` only the given trackers are used and no beacon is sent. It runs until
//! Ctrl-C, or for `--seconds`. Every `MyMessage` received prints
//! `Peer<our address, our mid> current clock: N`, as the Python does.

use std::io::Write as _;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;
use ipv8::prelude::*;
use ipv8::udp::BindConfig;
use ipv8::{BeaconConfig, DriverConfig};

/// The community id of this example (py-ipv8's tutorial draws a random one per run).
const TUTORIAL_COMMUNITY: CommunityId = CommunityId(*b"overlay_tutorial_5rs");

/// The tutorial's message: a Lamport clock, py-ipv8 `DataClassPayload[1]` with `clock: int`.
#[derive(Payload, Debug, Clone, PartialEq)]
#[payload(id = 1, signed)]
struct MyMessage {
    clock: i64,
}

#[derive(Default)]
struct MyCommunity {
    lamport_clock: i64,
}

impl Community for MyCommunity {
    type Command = ();
    type Event = ();

    fn handlers(h: &mut Handlers<Self>) {
        h.signed(Self::on_message);
    }

    fn started(&mut self, cx: &mut Cx<'_, Self>) {
        // Every 5 s, starting now: until we count, try to start with every known peer.
        let every = Some(Duration::from_secs(5));
        let task = |c: &mut Self, cx: &mut Cx<'_, Self>| {
            if c.lamport_clock == 0 {
                for peer in cx.peers() {
                    cx.ez_send(&peer, &MyMessage { clock: 0 });
                }
            } else {
                cx.cancel_pending_task("start_communication");
            }
        };
        cx.register_task("start_communication", Duration::ZERO, every, task)
            .expect("a new community has no tasks yet");
    }
}

impl MyCommunity {
    fn on_message(&mut self, cx: &mut Cx<'_, Self>, peer: &Peer, payload: MyMessage) {
        self.lamport_clock = self.lamport_clock.max(payload.clock).saturating_add(1);
        let mut out = std::io::stdout().lock();
        let _ = writeln!(
            out,
            "{} current clock: {}",
            cx.my_peer(),
            self.lamport_clock
        );
        let _ = out.flush();
        cx.ez_send(
            peer,
            &MyMessage {
                clock: self.lamport_clock,
            },
        );
    }
}

/// The command line.
#[derive(Parser, Debug)]
#[command(about = "py-ipv8's overlay_tutorial_5.py: a Lamport clock over IPv8")]
struct Args {
    /// Local address to bind.
    #[arg(long, default_value = "0.0.0.0")]
    bind: IpAddr,
    /// UDP port (0: any free port; a taken port is walked up from, as py-ipv8 does).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// py-ipv8 private key file (raw key_to_bin); created with a new curve25519 key if missing.
    #[arg(long)]
    key_file: Option<PathBuf>,
    /// Community id, 40 hex digits.
    #[arg(long, value_parser = community_id)]
    community: Option<CommunityId>,
    /// A tracker to bootstrap from (repeatable); replaces py-ipv8's trackers and the beacon.
    #[arg(long, value_name = "IP:PORT")]
    bootstrap: Vec<SocketAddr>,
    /// Stop after this many seconds (default: run until Ctrl-C).
    #[arg(long, value_parser = seconds)]
    seconds: Option<Duration>,
}

fn community_id(text: &str) -> Result<CommunityId, String> {
    let bytes = hex::decode(text).map_err(|e| format!("expected 40 hex digits: {e}"))?;
    let id: [u8; 20] = bytes
        .try_into()
        .map_err(|b: Vec<u8>| format!("expected 20 bytes (40 hex digits), got {}", b.len()))?;
    Ok(CommunityId(id))
}

fn seconds(text: &str) -> Result<Duration, String> {
    match text.parse::<f64>() {
        Ok(s) if s.is_finite() && s > 0.0 => Ok(Duration::from_secs_f64(s)),
        _ => Err(format!(
            "expected a positive number of seconds, got {text:?}"
        )),
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let key = match &args.key_file {
        Some(path) => ipv8::keys::keyfile::load_or_create(path)?,
        None => ipv8::keys::PrivateKey::generate(),
    };
    let use_defaults = args.bootstrap.is_empty();
    let node_config = NodeConfig {
        communities: Vec::new(),
        bootstrap: if use_defaults {
            BootstrapConfig::default()
        } else {
            BootstrapConfig::trackers(&args.bootstrap)
        },
        ..NodeConfig::default()
    };
    let mut overlay =
        CommunityConfig::new(args.community.unwrap_or(TUTORIAL_COMMUNITY), "MyCommunity");
    overlay.walkers[0].target_peers = 10;
    overlay.use_beacon = use_defaults;
    let driver = DriverConfig {
        beacon: if use_defaults {
            BeaconConfig::default()
        } else {
            BeaconConfig::disabled()
        },
        ..DriverConfig::default()
    };

    let mut builder = Ipv8Builder::new(node_config, KeyIdentity::new(key).into_arc())
        .bind_v4(BindConfig {
            ip: args.bind,
            ..BindConfig::v4(args.port)
        })
        .driver_config(driver);
    let community = builder.community(overlay.clone(), MyCommunity::default());
    let ipv8 = builder.spawn()?;
    let me = community.call(|_, cx| cx.my_peer()).await?;
    let bound = ipv8.snapshot().await?.health.bound.clone();
    eprintln!(
        "overlay_tutorial: {me} on {bound:?} in community {}",
        overlay.id
    );

    match args.seconds {
        Some(limit) => tokio::time::sleep(limit).await,
        None => tokio::signal::ctrl_c().await?,
    }
    ipv8.shutdown().await?;
    Ok(())
}

//! [`EdgeWalk`]: depth-first walks ("edges") from the direct neighbourhood.
//!
//! Ports py-ipv8 `peerdiscovery/discovery.py` `EdgeWalk` (edge length 4, neighbourhood 6,
//! edge timeout 3 s). Completed edges are kept (at most 32, oldest forgotten first) for
//! inspection only, as in py-ipv8.

use std::collections::{BTreeMap, VecDeque};
use std::net::SocketAddr;

use ipv8_crypto::Mid;

use crate::bootstrap::Bootstrappers;
use crate::community::Cx;
use crate::community::overlay::{get_new_introduction, walk_to};
use crate::config::EdgeWalkConfig;
use crate::peer::Peer;
use crate::time::Instant;

const MAX_COMPLETE_EDGES: usize = 32;

/// EdgeWalk state.
#[derive(Debug, Clone)]
pub(crate) struct EdgeWalk {
    config: EdgeWalkConfig,
    neighborhood: Vec<Mid>,
    complete_edges: VecDeque<Vec<Mid>>,
    under_construction: BTreeMap<Mid, Vec<Mid>>,
    last_edge_responses: BTreeMap<Mid, Instant>,
}

impl EdgeWalk {
    pub(crate) fn new(config: EdgeWalkConfig) -> Self {
        Self {
            config,
            neighborhood: Vec::new(),
            complete_edges: VecDeque::new(),
            under_construction: BTreeMap::new(),
            last_edge_responses: BTreeMap::new(),
        }
    }

    fn complete(&mut self, edge: Vec<Mid>) {
        if self.complete_edges.len() >= MAX_COMPLETE_EDGES {
            self.complete_edges.pop_front();
        }
        self.complete_edges.push_back(edge);
    }

    pub(crate) fn take_step(&mut self, cx: &mut Cx<'_>, boot: &mut Bootstrappers) {
        let size = self.config.neighborhood_size;
        let id = cx.ov.id;
        if self.neighborhood.is_empty() || self.neighborhood.len() < size {
            // Wait for the immediate neighbourhood to be discovered.
            self.neighborhood = cx
                .core
                .network
                .peers_for_service(id)
                .take(size)
                .map(Peer::mid)
                .collect();
            boot.bootstrap(cx);
            let walkable: Vec<SocketAddr> = cx.core.network.walkable_addresses(id, false);
            for addr in walkable.into_iter().take(size) {
                walk_to(cx, addr);
            }
            return;
        }
        let roots: Vec<Mid> = self
            .neighborhood
            .iter()
            .filter(|m| !self.under_construction.contains_key(m))
            .copied()
            .collect();
        if let Some(root) = cx.core.walk_rng.choose(&roots).copied() {
            self.under_construction.insert(root, vec![root]);
            self.last_edge_responses.insert(root, cx.now);
            get_new_introduction(cx, boot, Some(root));
            return;
        }
        let mut completed = Vec::new();
        let roots: Vec<Mid> = self.under_construction.keys().copied().collect();
        for root in roots {
            let Some(last) = self
                .under_construction
                .get(&root)
                .and_then(|e| e.last().copied())
            else {
                continue;
            };
            let mut introductions = Vec::new();
            for intro in cx.core.network.introductions_from(&last) {
                match cx.core.network.mid_by_address(intro) {
                    Some(mid) => introductions.push(mid),
                    None => walk_to(cx, intro),
                }
            }
            if let Some(next) = cx.core.walk_rng.choose(&introductions).copied() {
                self.last_edge_responses.insert(root, cx.now);
                let edge = self.under_construction.entry(root).or_default();
                edge.push(next);
                if edge.len() >= self.config.edge_length {
                    completed.push((root, true));
                } else if let Some(addr) = cx.core.network.peer(&next).map(Peer::address) {
                    walk_to(cx, addr);
                }
            } else if self
                .last_edge_responses
                .get(&root)
                .is_none_or(|at| *at + self.config.edge_timeout < cx.now)
            {
                let keep = self
                    .under_construction
                    .get(&root)
                    .is_some_and(|e| e.len() > 1);
                completed.push((root, keep));
            }
        }
        for (root, keep) in completed {
            self.last_edge_responses.remove(&root);
            if let Some(edge) = self.under_construction.remove(&root)
                && keep
            {
                self.complete(edge);
            }
        }
    }
}

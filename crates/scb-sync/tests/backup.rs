//! Singles for live channels: one channel, and every channel with per-channel results.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{address_of, outpoint, Peers, SimNode};
use scb_sync::{fetch_backup_for_channel, fetch_static_channel_backups, SyncError};

#[tokio::test]
async fn backup_for_channel_fills_the_peer_addresses() {
    let peers = Peers::new(1);
    let node = SimNode::new();
    node.learn_peer(peers.0[0], vec![address_of(1), address_of(2)]);
    node.preload(peers.single(1, 5));
    let single = fetch_backup_for_channel(outpoint(1), &node, &node)
        .await
        .unwrap();
    assert_eq!(single.funding_outpoint, outpoint(1));
    assert_eq!(single.addresses, vec![address_of(1), address_of(2)]);
}

#[tokio::test]
async fn backup_for_unknown_or_closed_channel_is_not_found() {
    let node = SimNode::new();
    node.preload_closed(outpoint(2));
    for id in [1, 2] {
        let err = fetch_backup_for_channel(outpoint(id), &node, &node)
            .await
            .unwrap_err();
        assert!(matches!(err, SyncError::ChannelNotFound { outpoint: op } if op == outpoint(id)));
    }
}

#[tokio::test]
async fn backup_for_channel_with_unknown_peer_names_the_peer() {
    let peers = Peers::new(1);
    let node = SimNode::new();
    node.preload(peers.single(1, 5));
    let err = fetch_backup_for_channel(outpoint(1), &node, &node)
        .await
        .unwrap_err();
    assert!(matches!(err, SyncError::PeerUnknown { peer, .. } if peer == peers.0[0]));
    assert!(err.to_string().contains("unknown by address source"));
}

#[tokio::test]
async fn export_of_all_channels_reports_an_unknown_peer_per_channel() {
    let peers = Peers::new(2);
    let node = SimNode::new();
    node.learn_peer(peers.0[0], vec![address_of(1)]);
    // Channels 0, 2 have peer 0 (known); 1, 3 have peer 1 (unknown).
    for id in 0..4 {
        node.preload(peers.single(id, 1));
    }
    let backups = fetch_static_channel_backups(&node, &node).await.unwrap();
    assert_eq!(
        backups.len(),
        4,
        "lnd fails the whole export here (docs/format.md#export-fails-as-a-whole)"
    );
    for backup in backups {
        let id = (0..4).find(|&id| outpoint(id) == backup.outpoint).unwrap();
        if id.is_multiple_of(2) {
            assert_eq!(backup.result.unwrap().addresses, vec![address_of(1)]);
        } else {
            assert!(matches!(backup.result, Err(SyncError::PeerUnknown { .. })));
        }
    }
}

#[tokio::test]
async fn export_reports_address_source_failures_per_channel() {
    let peers = Peers::new(1);
    let node = SimNode::new();
    node.preload(peers.single(1, 1));
    node.fail_address_lookups();
    let backups = fetch_static_channel_backups(&node, &node).await.unwrap();
    assert!(matches!(
        backups[0].result,
        Err(SyncError::AddressSource { .. })
    ));
}

//! The sub-swapper driven by a simulated node over the in-memory store.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use common::{address_of, outpoint, summary, Peers, SimNode};
use scb_sync::{
    start_swapper, DiskOnlyPolicy, MemoryStore, ShrinkPolicy, SwapperConfig, SwapperHandle,
    SyncError,
};
use tokio::time::Instant;

fn config() -> SwapperConfig {
    SwapperConfig::default()
        .with_debounce(Duration::from_millis(50))
        .with_max_delay(Duration::from_millis(250))
        .with_retry(Duration::from_millis(100), Duration::from_secs(2))
        .with_shutdown_timeout(Duration::from_secs(10))
}

async fn start(store: &MemoryStore, node: &SimNode, config: SwapperConfig) -> SwapperHandle {
    start_swapper(config, store.clone(), node, node, node)
        .await
        .unwrap()
}

fn stored(store: &MemoryStore) -> BTreeMap<bitcoin::OutPoint, i64> {
    summary(&store.current().expect("something was stored"))
}

/// Waits (in paused time) until the swapper has nothing pending.
async fn settle(handle: &SwapperHandle) {
    let mut status = handle.status();
    tokio::time::timeout(Duration::from_secs(60), async {
        loop {
            tokio::time::sleep(Duration::from_millis(10)).await;
            let s = status.borrow_and_update().clone();
            if s.pending_events == 0 && s.consecutive_failures == 0 {
                break;
            }
        }
    })
    .await
    .expect("swapper settles");
}

#[tokio::test(start_paused = true)]
async fn start_merges_disk_entries_with_live_channels_as_lnd_does() {
    let peers = Peers::new(3);
    let store = MemoryStore::with_singles(vec![peers.single(1, 100), peers.single(2, 100)]);
    let node = SimNode::new();
    node.preload(peers.single(2, 200));
    node.preload(peers.single(3, 300));
    let handle = start(&store, &node, config()).await;
    // Disk-only 1 kept, 2 replaced by the live single, 3 added; written once.
    let expected: BTreeMap<_, _> = [(outpoint(1), 100), (outpoint(2), 200), (outpoint(3), 300)]
        .into_iter()
        .collect();
    assert_eq!(stored(&store), expected);
    assert_eq!(store.swap_count(), 1);
    assert_eq!(handle.status().borrow().sequence, 1);
    handle.shutdown().await.unwrap();
    assert_eq!(
        store.swap_count(),
        1,
        "nothing pending, so shutdown writes nothing"
    );
}

#[tokio::test(start_paused = true)]
async fn start_fills_addresses_and_keeps_channels_of_unknown_peers() {
    let peers = Peers::new(2);
    let node = SimNode::new();
    node.learn_peer(peers.0[0], vec![address_of(1)]);
    // Channel 0 has peer 0 (known), channel 1 has peer 1 (unknown to the book).
    node.preload(peers.single(0, 1));
    node.preload(peers.single(1, 1));
    let store = MemoryStore::new();
    let handle = start(&store, &node, config()).await;
    let singles = store.current().unwrap();
    assert_eq!(
        singles.len(),
        2,
        "an unknown peer must not block start-up (docs/format.md#unknown-peer-stops-start)"
    );
    let by_op: BTreeMap<_, _> = singles.iter().map(|s| (s.funding_outpoint, s)).collect();
    assert_eq!(by_op[&outpoint(0)].addresses, vec![address_of(1)]);
    assert!(by_op[&outpoint(1)].addresses.is_empty());
    handle.shutdown().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn start_fails_without_writing_when_the_store_cannot_be_read() {
    let store = MemoryStore::new();
    store.fail_next_loads(1);
    let node = SimNode::new();
    let err = start_swapper(config(), store.clone(), &node, &node, &node)
        .await
        .unwrap_err();
    assert!(matches!(err, SyncError::StoreLoad { .. }), "{err}");
    assert_eq!(store.swap_count(), 0);
}

#[tokio::test(start_paused = true)]
async fn start_fails_when_the_first_write_fails() {
    let store = MemoryStore::new();
    store.fail_next_persists(1);
    let node = SimNode::new();
    let err = start_swapper(config(), store.clone(), &node, &node, &node)
        .await
        .unwrap_err();
    assert!(
        matches!(err, SyncError::StorePersist { attempt: 1, .. }),
        "{err}"
    );
}

#[tokio::test(start_paused = true)]
async fn channel_opened_between_snapshot_and_subscription_is_not_missed() {
    let peers = Peers::new(1);
    let node = SimNode::new();
    node.preload(peers.single(1, 1));
    node.open_during_subscribe(peers.single(2, 2));
    let store = MemoryStore::new();
    let handle = start(&store, &node, config()).await;
    settle(&handle).await;
    assert!(
        stored(&store).contains_key(&outpoint(2)),
        "lnd loses this one (docs/format.md#events-before-registration-lost)"
    );
    handle.shutdown().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn events_open_and_close_channels_in_the_store() {
    let peers = Peers::new(2);
    let node = SimNode::new();
    node.preload(peers.single(1, 1));
    let store = MemoryStore::new();
    let handle = start(&store, &node, config()).await;
    node.open(peers.single(2, 2)).await;
    node.close(outpoint(1)).await;
    settle(&handle).await;
    let expected: BTreeMap<_, _> = [(outpoint(2), 2)].into_iter().collect();
    assert_eq!(stored(&store), expected);
    assert_eq!(
        store.swap_count(),
        2,
        "open and close coalesced into one swap"
    );
    handle.shutdown().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn closing_every_channel_through_events_empties_the_store() {
    let peers = Peers::new(1);
    let node = SimNode::new();
    node.preload(peers.single(1, 1));
    let store = MemoryStore::new();
    let handle = start(&store, &node, config()).await;
    node.close(outpoint(1)).await;
    settle(&handle).await;
    assert!(store.current().unwrap().is_empty());
    handle.shutdown().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn burst_of_ten_thousand_opens_makes_a_handful_of_swaps_within_the_bound() {
    let peers = Peers::new(8);
    let node = SimNode::new();
    let store = MemoryStore::new();
    let cfg = config();
    let max_delay = cfg.max_delay;
    let handle = start(&store, &node, cfg).await;
    let singles: Vec<_> = (0..10_000).map(|id| peers.single(id, 1)).collect();

    // 10,000 opens over one second: 10 every millisecond.
    let mut sent_at = Vec::new();
    let burst_start = Instant::now();
    for chunk in singles.chunks(10) {
        for single in chunk {
            node.open(single.clone()).await;
        }
        sent_at.push((Instant::now(), sent_at.len() * 10 + 10));
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    assert!(Instant::now() - burst_start < Duration::from_millis(1100));
    settle(&handle).await;

    let log = store.swap_log();
    let burst_swaps = log.len() - 1; // the first one is the start-up write
    assert!(
        (2..=8).contains(&burst_swaps),
        "{burst_swaps} swaps for 10,000 opens"
    );
    assert_eq!(log.last().unwrap().channels, 10_000);
    // Every open is durable within max_delay of being sent.
    for (at, opened_so_far) in sent_at {
        let durable = log
            .iter()
            .find(|r| r.channels >= opened_so_far)
            .expect("written");
        assert!(
            durable.at - at <= max_delay,
            "{opened_so_far} opens sent at {:?} durable only {:?} later",
            at - burst_start,
            durable.at - at
        );
    }
    handle.shutdown().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn transient_store_failure_is_retried_with_backoff_and_reported() {
    let peers = Peers::new(1);
    let node = SimNode::new();
    let store = MemoryStore::new();
    let handle = start(&store, &node, config()).await;
    let mut status = handle.status();
    store.fail_next_persists(3);
    let opened = Instant::now();
    node.open(peers.single(1, 1)).await;

    // The failure shows up on the status channel.
    status
        .wait_for(|s| s.consecutive_failures == 1)
        .await
        .unwrap();
    let seen = status.borrow().clone();
    assert!(matches!(
        seen.last_error,
        Some(SyncError::StorePersist { attempt: 1, .. })
    ));
    assert_eq!(seen.pending_events, 1);
    assert_eq!(seen.sequence, 1);

    // Then the retries (100, 200, 400 ms) succeed on the fourth attempt.
    status.wait_for(|s| s.sequence == 2).await.unwrap();
    let seen = status.borrow().clone();
    assert_eq!(seen.consecutive_failures, 0);
    assert_eq!(seen.pending_events, 0);
    assert!(seen.last_error.is_some(), "the last error stays visible");
    assert_eq!(store.failed_persist_count(), 3);
    assert!(stored(&store).contains_key(&outpoint(1)));
    let took = Instant::now() - opened;
    assert!(
        took >= Duration::from_millis(50 + 100 + 200 + 400),
        "{took:?}"
    );
    assert!(took < Duration::from_secs(1), "{took:?}");
    handle.shutdown().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn manual_update_reports_a_failed_swap_and_the_retry_still_saves_it() {
    let peers = Peers::new(1);
    let node = SimNode::new();
    let store = MemoryStore::new();
    let handle = start(&store, &node, config()).await;
    store.fail_next_persists(1);
    let err = handle
        .manual_update(vec![peers.single(7, 7)])
        .await
        .unwrap_err();
    assert!(matches!(err, SyncError::StorePersist { .. }), "{err}");
    settle(&handle).await;
    assert_eq!(stored(&store).get(&outpoint(7)), Some(&7));
}

#[tokio::test(start_paused = true)]
async fn manual_update_resolves_once_durable_and_never_removes() {
    let peers = Peers::new(1);
    let node = SimNode::new();
    node.preload(peers.single(1, 1));
    let store = MemoryStore::new();
    let handle = start(&store, &node, config()).await;
    handle
        .manual_update(vec![peers.single(1, 10), peers.single(2, 20)])
        .await
        .unwrap();
    let expected: BTreeMap<_, _> = [(outpoint(1), 10), (outpoint(2), 20)].into_iter().collect();
    assert_eq!(stored(&store), expected, "durable when the call returns");
    handle.shutdown().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn calls_on_a_stopped_swapper_fail_instead_of_hanging() {
    let peers = Peers::new(1);
    let node = SimNode::new();
    let store = MemoryStore::new();
    let handle = start(&store, &node, config()).await;
    handle.shutdown().await.unwrap();
    assert!(!handle.status().borrow().running);
    let err = handle
        .manual_update(vec![peers.single(1, 1)])
        .await
        .unwrap_err();
    assert!(matches!(err, SyncError::NotRunning), "{err}");
    let err = handle.shutdown().await.unwrap_err();
    assert!(matches!(err, SyncError::NotRunning), "{err}");
}

#[tokio::test(start_paused = true)]
async fn shutdown_mid_burst_loses_nothing_acknowledged_or_queued() {
    let peers = Peers::new(4);
    let node = SimNode::new();
    let store = MemoryStore::new();
    // A slow store, so the burst is still in flight when shutdown arrives.
    store.set_persist_delay(Duration::from_millis(30));
    let handle = std::sync::Arc::new(start(&store, &node, config()).await);
    for id in 0..500 {
        node.open(peers.single(id, 1)).await;
    }
    let mut acked = Vec::new();
    for id in 500..510 {
        let handle = handle.clone();
        let single = peers.single(id, 2);
        acked.push(tokio::spawn(async move {
            handle.manual_update(vec![single]).await
        }));
    }
    tokio::task::yield_now().await;
    handle.shutdown().await.unwrap();
    let contents = stored(&store);
    for (id, task) in (500..510).zip(acked) {
        if task.await.unwrap().is_ok() {
            assert_eq!(
                contents.get(&outpoint(id)),
                Some(&2),
                "acknowledged {id} lost"
            );
        }
    }
    for id in 0..500 {
        assert!(
            contents.contains_key(&outpoint(id)),
            "queued open {id} lost"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn shutdown_times_out_on_a_stuck_store_and_then_reports_not_running() {
    let peers = Peers::new(1);
    let node = SimNode::new();
    let store = MemoryStore::new();
    let handle = start(
        &store,
        &node,
        config().with_shutdown_timeout(Duration::from_secs(1)),
    )
    .await;
    store.set_persist_delay(Duration::from_secs(3600));
    node.open(peers.single(1, 1)).await;
    tokio::time::sleep(Duration::from_millis(100)).await; // the swap is now stuck
    let err = handle.shutdown().await.unwrap_err();
    assert!(
        matches!(err, SyncError::ShutdownTimeout { millis: 1000 }),
        "{err}"
    );
    let err = handle
        .manual_update(vec![peers.single(2, 2)])
        .await
        .unwrap_err();
    assert!(matches!(err, SyncError::NotRunning), "{err}");
}

#[tokio::test(start_paused = true)]
async fn dropping_the_handle_still_saves_pending_changes() {
    let peers = Peers::new(1);
    let node = SimNode::new();
    let store = MemoryStore::new();
    let handle = start(&store, &node, config()).await;
    node.open(peers.single(1, 1)).await;
    tokio::task::yield_now().await;
    drop(handle);
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(stored(&store).contains_key(&outpoint(1)));
}

#[tokio::test(start_paused = true)]
async fn swapper_keeps_serving_manual_updates_after_the_subscription_ends() {
    let peers = Peers::new(1);
    let node = SimNode::new();
    let store = MemoryStore::new();
    let handle = start(&store, &node, config()).await;
    let mut status = handle.status();
    node.end_subscriptions();
    status.wait_for(|s| !s.subscribed).await.unwrap();
    handle
        .manual_update(vec![peers.single(3, 3)])
        .await
        .unwrap();
    assert!(stored(&store).contains_key(&outpoint(3)));
    handle.shutdown().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn restart_picks_up_the_stored_set_even_when_the_node_lost_its_channels() {
    let peers = Peers::new(2);
    let node = SimNode::new();
    let store = MemoryStore::new();
    let handle = start(&store, &node, config()).await;
    node.open(peers.single(1, 1)).await;
    node.open(peers.single(2, 2)).await;
    handle.shutdown().await.unwrap();

    // The node's database is wiped (lnd issue 4377); the backup must survive.
    let wiped = SimNode::new();
    let handle = start(&store, &wiped, config()).await;
    let expected: BTreeMap<_, _> = [(outpoint(1), 1), (outpoint(2), 2)].into_iter().collect();
    assert_eq!(stored(&store), expected);
    handle.shutdown().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn prune_closed_drops_stored_channels_the_node_reports_closed() {
    let peers = Peers::new(2);
    let store = MemoryStore::with_singles(vec![peers.single(1, 1), peers.single(2, 2)]);
    let node = SimNode::new();
    // Closed while nobody listened (docs/format.md#disk-only-entries-kept).
    node.preload_closed(outpoint(1));
    let cfg = config().with_disk_only(DiskOnlyPolicy::PruneClosed);
    let handle = start(&store, &node, cfg).await;
    let expected: BTreeMap<_, _> = [(outpoint(2), 2)].into_iter().collect();
    assert_eq!(stored(&store), expected, "2 is unknown, not closed: kept");
    handle.shutdown().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn keep_policy_keeps_stored_channels_the_node_reports_closed() {
    let peers = Peers::new(1);
    let store = MemoryStore::with_singles(vec![peers.single(1, 1)]);
    let node = SimNode::new();
    node.preload_closed(outpoint(1));
    let handle = start(&store, &node, config()).await;
    assert!(
        stored(&store).contains_key(&outpoint(1)),
        "lnd's default keeps it"
    );
    handle.shutdown().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn shrink_guard_refuses_pruning_down_to_zero_and_lists_the_channels() {
    let peers = Peers::new(2);
    let store = MemoryStore::with_singles(vec![peers.single(1, 1), peers.single(2, 2)]);
    let wiped = SimNode::new(); // knows nothing: both look unknown
    let cfg = config().with_disk_only(DiskOnlyPolicy::PruneClosedOrUnknown);
    let err = start_swapper(cfg, store.clone(), &wiped, &wiped, &wiped)
        .await
        .unwrap_err();
    match err {
        SyncError::ShrinkRefused {
            previous: 2,
            next: 0,
            dropped,
        } => {
            let mut expected = vec![outpoint(1), outpoint(2)];
            expected.sort_unstable();
            assert_eq!(dropped, expected);
        }
        other => panic!("unexpected {other}"),
    }
    assert_eq!(store.swap_count(), 0, "nothing written");
    assert_eq!(store.current().unwrap().len(), 2);

    // Explicitly allowed, the same start-up empties the backup.
    let cfg = config()
        .with_disk_only(DiskOnlyPolicy::PruneClosedOrUnknown)
        .with_shrink(ShrinkPolicy::Allow);
    let handle = start(&store, &wiped, cfg).await;
    assert!(store.current().unwrap().is_empty());
    handle.shutdown().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn close_event_removes_a_channel_known_only_from_the_stored_file() {
    let peers = Peers::new(1);
    let store = MemoryStore::with_singles(vec![peers.single(1, 1), peers.single(2, 2)]);
    let node = SimNode::new();
    let handle = start(&store, &node, config()).await;
    // The node learns of the close of a channel it no longer lists (lnd removes
    // the closed point from the union, docs/format.md#lnd-one-rewrite).
    node.close(outpoint(1)).await;
    settle(&handle).await;
    let expected: BTreeMap<_, _> = [(outpoint(2), 2)].into_iter().collect();
    assert_eq!(stored(&store), expected);
    handle.shutdown().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_close_for_an_unknown_channel_causes_no_swap() {
    let peers = Peers::new(1);
    let node = SimNode::new();
    node.preload(peers.single(1, 1));
    let store = MemoryStore::new();
    let handle = start(&store, &node, config()).await;
    node.close(outpoint(99)).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(store.swap_count(), 1, "only the start-up write");
    handle.shutdown().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn refresh_all_rewrites_every_channel_and_reports_unknown_peers() {
    let peers = Peers::new(2);
    let node = SimNode::new();
    node.learn_peer(peers.0[0], vec![address_of(1)]);
    node.preload(peers.single(0, 1)); // peer 0: known
    node.preload(peers.single(1, 1)); // peer 1: unknown
    let store = MemoryStore::new();
    let handle = start(&store, &node, config()).await;
    // The node's view changes without events (docs/format.md#changes-that-do-not-rewrite: e.g. new
    // close-tx inputs).
    node.preload(peers.single(0, 5));
    node.preload(peers.single(1, 5));
    let failed = handle.refresh_all(&node, &node).await.unwrap();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].outpoint, outpoint(1));
    assert!(matches!(
        failed[0].result,
        Err(SyncError::PeerUnknown { .. })
    ));
    let expected: BTreeMap<_, _> = [(outpoint(0), 5), (outpoint(1), 1)].into_iter().collect();
    assert_eq!(
        stored(&store),
        expected,
        "refreshed one, kept the other as it was"
    );
    handle.shutdown().await.unwrap();
}

//! Restore: every per-channel outcome, connector failures, concurrency.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::HashSet;
use std::time::Duration;

use common::{address_of, outpoint, single_with, Peers, SimConnector, SimRestorer};
use scb_sync::{recover, ChannelOutcome, RecoverOptions};

#[tokio::test]
async fn recover_reports_every_outcome_and_does_not_stop_at_failures() {
    let peers = Peers::new(3);
    let (good, flaky, other) = (peers.0[0], peers.0[1], peers.0[2]);
    let mut singles = vec![
        single_with(1, good, 1),  // restore fails (first!)
        single_with(2, good, 1),  // already exists
        single_with(3, good, 1),  // restored
        single_with(4, flaky, 1), // restored, connect fails
        single_with(5, other, 1), // restored, but no address: connect fails
    ];
    for s in &mut singles[..4] {
        s.addresses = vec![address_of(1)];
    }
    let restorer = SimRestorer {
        failing: [outpoint(1)].into_iter().collect(),
        existing: std::sync::Mutex::new([outpoint(2)].into_iter().collect()),
        ..SimRestorer::default()
    };
    let connector = SimConnector {
        failing: [flaky].into_iter().collect(),
        ..Default::default()
    };

    let report = recover(&singles, &restorer, &connector, &RecoverOptions::default()).await;

    let outcomes: Vec<_> = report
        .channels
        .iter()
        .map(|c| (c.outpoint, &c.outcome))
        .collect();
    assert_eq!(outcomes.len(), 5);
    assert!(
        matches!(outcomes[0], (op, ChannelOutcome::RestoreFailed(e)) if op == outpoint(1) && e.to_string().contains("legacy"))
    );
    assert!(matches!(outcomes[1], (op, ChannelOutcome::AlreadyExisted) if op == outpoint(2)));
    assert!(matches!(outcomes[2], (op, ChannelOutcome::Restored) if op == outpoint(3)));
    assert!(
        matches!(outcomes[3], (op, ChannelOutcome::ConnectFailed(e)) if op == outpoint(4) && e.to_string().contains("unable to connect"))
    );
    assert!(matches!(outcomes[4], (op, ChannelOutcome::ConnectFailed(_)) if op == outpoint(5)));
    assert_eq!(report.restored(), 3);
    assert_eq!(report.already_existed(), 1);
    assert_eq!(report.failed(), 3);
    assert!(!report.is_complete());
    // No connection for the failed or already-existing channels' sake alone.
    let restored: HashSet<_> = restorer.restored.lock().unwrap().iter().copied().collect();
    assert_eq!(
        restored,
        [outpoint(3), outpoint(4), outpoint(5)]
            .into_iter()
            .collect()
    );
}

#[tokio::test]
async fn rerunning_a_restore_skips_what_was_restored() {
    let peers = Peers::new(2);
    let mut singles: Vec<_> = (0..4).map(|id| peers.single(id, 1)).collect();
    for s in &mut singles {
        s.addresses = vec![address_of(9)];
    }
    let restorer = SimRestorer::default();
    let connector = SimConnector::default();
    let first = recover(&singles, &restorer, &connector, &RecoverOptions::default()).await;
    assert_eq!(first.restored(), 4);
    assert!(first.is_complete());
    let second = recover(&singles, &restorer, &connector, &RecoverOptions::default()).await;
    assert_eq!(second.restored(), 0);
    assert_eq!(second.already_existed(), 4);
    assert!(second.is_complete());
}

#[tokio::test]
async fn peers_are_contacted_once_with_the_union_of_their_addresses() {
    let peer = Peers::new(1).0[0];
    let mut a = single_with(1, peer, 1);
    a.addresses = vec![address_of(1)];
    let mut b = single_with(2, peer, 1);
    b.addresses = vec![address_of(1), address_of(2)];
    let restorer = SimRestorer::default();
    let connector = SimConnector::default();
    let report = recover(&[a, b], &restorer, &connector, &RecoverOptions::default()).await;
    assert_eq!(report.restored(), 2);
    let calls = connector.calls.lock().unwrap().clone();
    assert_eq!(calls, vec![(peer, vec![address_of(1), address_of(2)])]);
}

#[tokio::test(start_paused = true)]
async fn peer_connections_respect_the_concurrency_bound() {
    let peers = Peers::new(10);
    let mut singles: Vec<_> = (0..10).map(|id| peers.single(id, 1)).collect();
    for s in &mut singles {
        s.addresses = vec![address_of(3)];
    }
    for limit in [1, 3] {
        let restorer = SimRestorer::default();
        let connector = SimConnector {
            delay: Duration::from_millis(100),
            ..SimConnector::default()
        };
        let options = RecoverOptions::default().with_connect_concurrency(limit);
        let started = tokio::time::Instant::now();
        let report = recover(&singles, &restorer, &connector, &options).await;
        assert_eq!(report.restored(), 10);
        assert_eq!(connector.max_in_flight(), limit);
        // 10 connections of 100 ms each, `limit` at a time.
        let expected = Duration::from_millis(100 * 10u64.div_ceil(limit as u64));
        assert_eq!(started.elapsed(), expected);
    }
}

#[tokio::test]
async fn recovering_nothing_is_an_empty_complete_report() {
    let report = recover(
        &[],
        &SimRestorer::default(),
        &SimConnector::default(),
        &RecoverOptions::default(),
    )
    .await;
    assert!(report.channels.is_empty());
    assert!(report.is_complete());
}

//! trigger_close against real peers on 127.0.0.1: LDK's `PeerManager` and
//! `ChannelManager` (another Lightning implementation), and scripted peers
//! that fail in each way a peer can fail.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use common::{key, pubkey, scripted_peer, target, Script};
use scb_rescue::peer::PeerAddress;
use scb_rescue::{
    trigger_close, trigger_close_with_progress, ChannelReport, Outcome, TriggerCloseOptions,
};

fn options(timeout_ms: u64) -> TriggerCloseOptions {
    TriggerCloseOptions {
        timeout: Duration::from_millis(timeout_ms),
        concurrency: 4,
        ..TriggerCloseOptions::default()
    }
}

fn our_key() -> bitcoin::secp256k1::SecretKey {
    key("our node, family 6 index 0")
}

async fn one(script: Script, timeout_ms: u64) -> (ChannelReport, Duration) {
    let (addr, node) = scripted_peer(script).await;
    let started = Instant::now();
    let reports = trigger_close(
        &our_key(),
        &[target(node, Some(addr), 1)],
        &options(timeout_ms),
    )
    .await;
    assert_eq!(reports.len(), 1);
    (reports.into_iter().next().unwrap(), started.elapsed())
}

#[tokio::test]
async fn ldk_completes_handshake_and_init_and_answers_unknown_channels_with_error_and_reestablish()
{
    let node = common::ldk::node("ldk peer").await;
    let targets = [
        target(node.node_id, Some(node.addr), 1),
        target(node.node_id, Some(node.addr), 2),
    ];
    let started = Instant::now();
    let reports = trigger_close(&our_key(), &targets, &options(10_000)).await;
    assert_eq!(reports.len(), 2);
    for (r, t) in reports.iter().zip(&targets) {
        assert_eq!(r.funding_outpoint, t.funding_outpoint);
        assert_eq!(r.channel_id, t.reestablish.channel_id);
        assert_eq!(r.outcome, Outcome::ReestablishSent, "{r:?}");
        assert_eq!(r.address.as_deref(), Some(node.addr.to_string().as_str()));
        // LDK's documented answer to a channel_reestablish for a channel it
        // does not know: its own (bogus) channel_reestablish, to make an
        // lnd peer close, and an error naming the missing channel.
        assert!(r.peer_reestablish, "{r:?}");
        let error = r.peer_error.as_deref().unwrap();
        assert!(error.contains("No such channel"), "{error}");
        // Both errors came back, so we stopped before the deadline.
        assert_eq!(r.detail, None);
    }
    assert!(started.elapsed() < Duration::from_secs(10));
    let log = node.log.0.lock().unwrap().join("\n");
    assert!(
        log.contains("Sending bogus ChannelReestablish for unknown channel"),
        "{log}"
    );
    assert!(
        log.contains(&pubkey(&our_key()).to_string()),
        "LDK saw our node id:\n{log}"
    );
}

#[tokio::test]
async fn ldk_with_another_node_id_fails_the_handshake() {
    let node = common::ldk::node("ldk wrong id").await;
    let wrong = pubkey(&key("not the ldk node"));
    let reports = trigger_close(
        &our_key(),
        &[target(wrong, Some(node.addr), 1)],
        &options(5_000),
    )
    .await;
    let r = &reports[0];
    assert_eq!(r.outcome, Outcome::HandshakeFailed, "{r:?}");
    assert_eq!(r.peer_error, None);
    // LDK cannot authenticate act one and hangs up.
    assert!(
        r.detail.as_deref().unwrap().contains("handshake act two"),
        "{r:?}"
    );
}

#[tokio::test]
async fn closed_port_is_unreachable() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let reports = trigger_close(
        &our_key(),
        &[target(pubkey(&key("p")), Some(addr), 1)],
        &options(2_000),
    )
    .await;
    assert_eq!(reports[0].outcome, Outcome::Unreachable, "{:?}", reports[0]);
    assert!(reports[0]
        .detail
        .as_deref()
        .unwrap()
        .starts_with("cannot connect to 127.0.0.1:"));
}

#[tokio::test]
async fn channel_without_address_is_no_address_and_peer_address_option_fixes_it() {
    let (addr, node) = scripted_peer(Script::Answer).await;
    let t = target(node, None, 1);
    let reports = trigger_close(&our_key(), std::slice::from_ref(&t), &options(2_000)).await;
    assert_eq!(reports[0].outcome, Outcome::NoAddress);
    assert_eq!(reports[0].address, None);
    let mut opts = options(2_000);
    opts.extra_addresses = vec![(node, PeerAddress::Ip(addr))];
    let reports = trigger_close(&our_key(), &[t], &opts).await;
    assert_eq!(
        reports[0].outcome,
        Outcome::ReestablishSent,
        "{:?}",
        reports[0]
    );
}

#[tokio::test]
async fn peer_that_drops_the_connection_fails_the_handshake() {
    let (r, _) = one(Script::Drop, 2_000).await;
    assert_eq!(r.outcome, Outcome::HandshakeFailed);
    assert!(r
        .detail
        .unwrap()
        .contains("connection lost during handshake act two"));
}

#[tokio::test]
async fn peer_that_never_answers_times_out_at_the_deadline() {
    let (r, took) = one(Script::Silent, 800).await;
    assert_eq!(r.outcome, Outcome::HandshakeFailed);
    assert_eq!(r.detail.as_deref(), Some("timed out during handshake"));
    assert!(
        took >= Duration::from_millis(800) && took < Duration::from_secs(3),
        "{took:?}"
    );
}

#[tokio::test]
async fn peer_that_drops_after_our_messages_still_reports_them_sent() {
    let (r, _) = one(Script::DropAfterInit, 3_000).await;
    assert_eq!(r.outcome, Outcome::ReestablishSent, "{r:?}");
    assert_eq!(r.peer_error, None);
    assert!(r.detail.unwrap().contains("connection lost during reading"));
}

#[tokio::test]
async fn every_channel_gets_its_own_report_in_order_whatever_the_others_do() {
    let (good, good_id) = scripted_peer(Script::Answer).await;
    let (silent, silent_id) = scripted_peer(Script::Silent).await;
    let (drop, drop_id) = scripted_peer(Script::Drop).await;
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let targets = vec![
        target(silent_id, Some(silent), 1),
        target(good_id, Some(good), 2),
        target(pubkey(&key("gone")), Some(closed), 3),
        target(drop_id, Some(drop), 4),
        target(pubkey(&key("nowhere")), None, 5),
        target(good_id, Some(good), 6),
    ];
    let mut opts = options(1_000);
    opts.concurrency = 2;
    let progress = std::cell::RefCell::new(Vec::new());
    let reports = trigger_close_with_progress(&our_key(), &targets, &opts, |done| {
        progress.borrow_mut().push(done.len());
    })
    .await;
    // One call per peer (five peers), with all of that peer's channels.
    let mut calls = progress.into_inner();
    calls.sort_unstable();
    assert_eq!(calls, [1, 1, 1, 1, 2]);
    let outcomes: Vec<Outcome> = reports.iter().map(|r| r.outcome).collect();
    assert_eq!(
        outcomes,
        [
            Outcome::HandshakeFailed,
            Outcome::ReestablishSent,
            Outcome::Unreachable,
            Outcome::HandshakeFailed,
            Outcome::NoAddress,
            Outcome::ReestablishSent,
        ]
    );
    for (r, t) in reports.iter().zip(&targets) {
        assert_eq!(r.funding_outpoint, t.funding_outpoint);
    }
    // Both channels of the good peer went over one connection and each got
    // its own error back.
    for i in [1, 5] {
        let err = reports[i].peer_error.as_deref().unwrap();
        assert!(
            err.contains(&targets[i].reestablish.channel_id.to_hex()),
            "{err}"
        );
    }
}

#[tokio::test]
async fn falls_back_to_the_next_address_when_the_first_fails() {
    let (good, node) = scripted_peer(Script::Answer).await;
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let mut t = target(node, Some(closed), 1);
    let more = target(node, Some(good), 1);
    t.addresses.extend(more.addresses);
    let reports = trigger_close(&our_key(), &[t], &options(2_000)).await;
    assert_eq!(reports[0].outcome, Outcome::ReestablishSent);
    assert_eq!(
        reports[0].address.as_deref(),
        Some(good.to_string().as_str())
    );
}

// ---------------------------------------------------------- bad input ---

#[tokio::test]
async fn garbage_act_two_fails_the_handshake() {
    let (r, _) = one(Script::GarbageAct, 2_000).await;
    assert_eq!(r.outcome, Outcome::HandshakeFailed);
    assert!(r
        .detail
        .unwrap()
        .starts_with("BOLT 8 transport failed: act 2"));
}

#[tokio::test]
async fn garbage_after_the_handshake_fails_authentication() {
    let (r, _) = one(Script::GarbageAfterHandshake, 2_000).await;
    assert_eq!(r.outcome, Outcome::HandshakeFailed);
    assert_eq!(
        r.detail.as_deref(),
        Some("BOLT 8 transport failed: message fails authentication")
    );
}

#[tokio::test]
async fn truncated_message_ends_cleanly() {
    let (r, _) = one(Script::TruncatedMessage, 2_000).await;
    assert_eq!(r.outcome, Outcome::HandshakeFailed);
    assert!(r
        .detail
        .unwrap()
        .starts_with("connection lost during reading"));
}

#[tokio::test]
async fn message_before_init_is_a_protocol_violation() {
    let (r, _) = one(Script::MessageBeforeInit, 2_000).await;
    assert_eq!(r.outcome, Outcome::HandshakeFailed);
    assert_eq!(
        r.detail.as_deref(),
        Some("protocol violation: message type 136 before init")
    );
}

#[tokio::test]
async fn slow_loris_peer_is_cut_off_at_the_deadline() {
    let (r, took) = one(Script::SlowLoris, 1_500).await;
    assert_eq!(r.outcome, Outcome::HandshakeFailed);
    assert_eq!(r.detail.as_deref(), Some("timed out during init exchange"));
    assert!(took < Duration::from_secs(4), "{took:?}");
}

#[tokio::test]
async fn full_size_unknown_odd_message_is_skipped_and_the_answer_still_read() {
    let (r, _) = one(Script::OversizedThenAnswer, 3_000).await;
    assert_eq!(r.outcome, Outcome::ReestablishSent);
    assert!(r.peer_error.unwrap().starts_with("unknown channel"));
    assert_eq!(r.detail, None);
}

#[tokio::test]
async fn pings_are_answered_with_pongs() {
    let (r, _) = one(Script::PingFirst, 3_000).await;
    assert_eq!(r.outcome, Outcome::ReestablishSent);
    assert_eq!(r.peer_error.as_deref(), Some("pong received; closing"));
}

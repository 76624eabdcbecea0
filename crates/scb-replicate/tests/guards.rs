//! The guards of replication: one skewed time stamp never stops replication, and a
//! version that lost its channels never silently becomes the latest copy nor lets
//! retention delete the last version that had channels.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use common::{latest, lnd_write, wait_for, wait_for_async, Events};
use scb_replicate::{
    fetch_version, replicate_once, Destination, Retention, ShrinkGuard, Status, VerifiedInfo,
    Verifier, WatchConfig, Watcher,
};

const MAGIC: &[u8] = b"SCBCHANS";

/// A fake backup holding `channels` channels; `n` makes contents differ.
fn backup(channels: u32, n: u32) -> Vec<u8> {
    let mut v = MAGIC.to_vec();
    v.extend_from_slice(&channels.to_le_bytes());
    v.extend_from_slice(&n.to_le_bytes());
    v.extend((0..48u8).map(|i| i.wrapping_mul(7).wrapping_add(n as u8)));
    v
}

/// Reports the channel count of the fake backups (as the CLI's key-holding verifier does).
fn counting_verifier() -> Verifier {
    Verifier::new(|b: &[u8]| {
        let count = b
            .strip_prefix(MAGIC)
            .and_then(|rest| rest.get(..4))
            .ok_or_else(|| "not a counted test backup".to_string())?;
        let n = u32::from_le_bytes(count.try_into().unwrap());
        Ok(VerifiedInfo::with_channels(n as usize))
    })
}

fn set_mtime(path: &Path, t: SystemTime) {
    let f = std::fs::File::options().write(true).open(path).unwrap();
    f.set_modified(t).unwrap();
}

/// A time about three years ahead, in whole seconds.
fn far_future() -> SystemTime {
    let t = SystemTime::now() + Duration::from_secs(3 * 365 * 86_400);
    UNIX_EPOCH + Duration::from_secs(t.duration_since(UNIX_EPOCH).unwrap().as_secs())
}

fn fast(config: &mut WatchConfig) {
    config.poll_interval = Duration::from_millis(100);
    config.settle = Duration::from_millis(30);
    config.retry_initial = Duration::from_millis(50);
    config.retry_max = Duration::from_millis(200);
}

async fn history_bytes(dest: &Destination) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for e in dest.list_history().await.unwrap() {
        out.push(fetch_version(dest, &e.name, None).await.unwrap().bytes);
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_keeps_replicating_after_a_version_with_a_future_mtime() {
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("channel.backup");
    lnd_write(&source, &backup(3, 1));
    set_mtime(&source, far_future());
    let dest = Destination::directory(dir.path().join("usb"));
    let mut config = WatchConfig::new(&source, vec![dest.clone()]);
    config.verifier = Some(counting_verifier());
    fast(&mut config);
    let events = Events::default();
    let handle = Watcher::new(config).spawn(events.sink());
    let ev = events.clone();
    assert!(
        wait_for(Duration::from_secs(10), || ev
            .all()
            .iter()
            .any(|e| e.status == Status::Uploaded))
        .await
    );
    let first = events.all().into_iter().next().unwrap();
    assert!(
        first
            .warnings
            .iter()
            .any(|w| w.contains("ahead of this clock")),
        "the skewed time is reported: {first:?}"
    );

    // Genuine updates written now, long "before" the skewed stamp.
    for n in 2..=3u32 {
        lnd_write(&source, &backup(3, n));
        let ok = wait_for_async(Duration::from_secs(10), || {
            let dest = dest.clone();
            async move { latest(&dest).await == Some(backup(3, n)) }
        })
        .await;
        assert!(ok, "update {n} replicated: {:?}", events.all());
    }
    handle.shutdown(Duration::from_secs(5)).await.unwrap();
    assert!(
        events.all().iter().all(|e| !e.is_failure()),
        "{:?}",
        events.all()
    );
    assert_eq!(
        history_bytes(&dest).await,
        vec![backup(3, 1), backup(3, 2), backup(3, 3)],
        "every version is in history, in the order it was written"
    );
}

#[tokio::test]
async fn a_remote_version_stamped_in_the_future_does_not_block_replication() {
    // A destination written by a replicator whose clock was years ahead (or by an
    // older scb that stamped versions with a skewed modification time).
    let dir = tempfile::tempdir().unwrap();
    let dest_dir = dir.path().join("usb");
    let old = backup(3, 1);
    let far = SystemTime::now() + Duration::from_secs(3 * 365 * 86_400);
    let name = scb_replicate::HistoryEntry::new(far, &scb_replicate::layout::sha256_hex(&old)).name;
    std::fs::create_dir_all(dest_dir.join("history")).unwrap();
    std::fs::write(dest_dir.join("history").join(&name), &old).unwrap();
    std::fs::write(dest_dir.join("channel.backup"), &old).unwrap();

    let source = dir.path().join("channel.backup");
    std::fs::write(&source, backup(3, 2)).unwrap();
    let dest = Destination::directory(&dest_dir);
    let out = replicate_once(&WatchConfig::new(&source, vec![dest.clone()])).await;
    assert_eq!(out[0].status, Status::Uploaded, "{}", out[0]);
    assert!(
        out[0].warnings.iter().any(|w| w.contains(&name)),
        "{}",
        out[0]
    );
    assert_eq!(latest(&dest).await, Some(backup(3, 2)));
}

#[tokio::test]
async fn an_older_file_from_a_second_writer_is_kept_in_history_but_not_made_latest() {
    let dir = tempfile::tempdir().unwrap();
    let dest = Destination::directory(dir.path().join("shared"));
    let new_src = dir.path().join("new.backup");
    let old_src = dir.path().join("old.backup");
    std::fs::write(&new_src, backup(3, 2)).unwrap();
    std::fs::write(&old_src, backup(3, 1)).unwrap();
    set_mtime(&old_src, SystemTime::now() - Duration::from_secs(3600));
    let out = replicate_once(&WatchConfig::new(&new_src, vec![dest.clone()])).await;
    assert_eq!(out[0].status, Status::Uploaded, "{}", out[0]);
    let out = replicate_once(&WatchConfig::new(&old_src, vec![dest.clone()])).await;
    assert_eq!(out[0].status, Status::Failed, "{}", out[0]);
    assert_eq!(latest(&dest).await, Some(backup(3, 2)));
    assert_eq!(history_bytes(&dest).await, vec![backup(3, 1), backup(3, 2)]);
}

#[tokio::test]
async fn an_empty_backup_is_held_in_history_and_never_made_latest_unless_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("channel.backup");
    let dest = Destination::directory(dir.path().join("usb"));
    let mut config = WatchConfig::new(&source, vec![dest.clone()]);
    config.verifier = Some(counting_verifier());
    let base = SystemTime::now() - Duration::from_secs(100);

    std::fs::write(&source, backup(16, 1)).unwrap();
    set_mtime(&source, base);
    assert_eq!(replicate_once(&config).await[0].status, Status::Uploaded);

    // The node lost its channel database and wrote a valid file with no channels.
    std::fs::write(&source, backup(0, 2)).unwrap();
    set_mtime(&source, base + Duration::from_secs(1));
    let out = replicate_once(&config).await;
    assert_eq!(out[0].status, Status::Held, "{}", out[0]);
    assert!(out[0].is_failure(), "--once exits non-zero");
    let err = out[0].error.as_deref().unwrap();
    assert!(
        err.contains("holds 0 channels where the latest copy holds 16"),
        "{err}"
    );
    assert!(out[0].to_string().starts_with("HELD "), "{}", out[0]);
    assert_eq!(latest(&dest).await, Some(backup(16, 1)));
    assert_eq!(
        history_bytes(&dest).await,
        vec![backup(16, 1), backup(0, 2)],
        "the held version is kept as history"
    );

    // Losing more than half is held too; losing a few is normal.
    std::fs::write(&source, backup(7, 3)).unwrap();
    set_mtime(&source, base + Duration::from_secs(2));
    assert_eq!(replicate_once(&config).await[0].status, Status::Held);
    std::fs::write(&source, backup(14, 4)).unwrap();
    set_mtime(&source, base + Duration::from_secs(3));
    let out = replicate_once(&config).await;
    assert_eq!(out[0].status, Status::Uploaded, "{}", out[0]);
    assert!(out[0].warnings.is_empty(), "{}", out[0]);

    // Allowed: it becomes the latest copy, with a warning.
    config.shrink = ShrinkGuard::allow();
    std::fs::write(&source, backup(0, 5)).unwrap();
    set_mtime(&source, base + Duration::from_secs(4));
    let out = replicate_once(&config).await;
    assert_eq!(out[0].status, Status::Uploaded, "{}", out[0]);
    assert!(
        out[0]
            .warnings
            .iter()
            .any(|w| w.contains("falls from 14 to 0")),
        "{}",
        out[0]
    );
    assert_eq!(latest(&dest).await, Some(backup(0, 5)));
}

#[tokio::test]
async fn retention_never_deletes_the_last_version_that_had_channels() {
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("channel.backup");
    let dest = Destination::directory(dir.path().join("usb"));
    let mut config = WatchConfig::new(&source, vec![dest.clone()]);
    config.verifier = Some(counting_verifier());
    config.shrink = ShrinkGuard::allow();
    config.retention = Retention::keep_last(2);
    let base = SystemTime::now() - Duration::from_secs(100);
    let versions = [
        backup(5, 1),
        backup(4, 2),
        backup(0, 3),
        backup(0, 4),
        backup(0, 5),
    ];
    for (i, b) in versions.iter().enumerate() {
        std::fs::write(&source, b).unwrap();
        set_mtime(&source, base + Duration::from_secs(i as u64));
        let out = replicate_once(&config).await;
        assert_eq!(out[0].status, Status::Uploaded, "{}", out[0]);
    }
    assert_eq!(
        history_bytes(&dest).await,
        vec![backup(4, 2), backup(0, 4), backup(0, 5)],
        "the newest two, and the newest version with channels"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_holds_back_an_empty_file_and_replicates_the_next_good_one() {
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("channel.backup");
    lnd_write(&source, &backup(16, 1));
    let dest = Destination::directory(dir.path().join("usb"));
    let mut config = WatchConfig::new(&source, vec![dest.clone()]);
    config.verifier = Some(counting_verifier());
    fast(&mut config);
    let events = Events::default();
    let handle = Watcher::new(config).spawn(events.sink());
    let ev = events.clone();
    assert!(
        wait_for(Duration::from_secs(10), || ev
            .all()
            .iter()
            .any(|e| e.status == Status::Uploaded))
        .await
    );
    lnd_write(&source, &backup(0, 2));
    let ev = events.clone();
    assert!(
        wait_for(Duration::from_secs(10), || ev
            .all()
            .iter()
            .any(|e| e.status == Status::Held))
        .await,
        "{:?}",
        events.all()
    );
    assert_eq!(latest(&dest).await, Some(backup(16, 1)));
    lnd_write(&source, &backup(16, 3));
    let ok = wait_for_async(Duration::from_secs(10), || {
        let dest = dest.clone();
        async move { latest(&dest).await == Some(backup(16, 3)) }
    })
    .await;
    handle.shutdown(Duration::from_secs(5)).await.unwrap();
    assert!(ok, "{:?}", events.all());
    let held = events
        .all()
        .iter()
        .filter(|e| e.status == Status::Held)
        .count();
    assert_eq!(held, 1, "one report per held content: {:?}", events.all());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_replicates_a_change_whose_mtime_went_backwards() {
    // The clock stepped back (NTP correction, a restored file with preserved times): the
    // watcher read the new content after the copy it pushed itself, so it follows it.
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("channel.backup");
    lnd_write(&source, &backup(3, 1));
    let dest = Destination::directory(dir.path().join("usb"));
    let mut config = WatchConfig::new(&source, vec![dest.clone()]);
    config.verifier = Some(counting_verifier());
    fast(&mut config);
    let events = Events::default();
    let handle = Watcher::new(config).spawn(events.sink());
    let ok = wait_for_async(Duration::from_secs(10), || {
        let dest = dest.clone();
        async move { latest(&dest).await == Some(backup(3, 1)) }
    })
    .await;
    assert!(ok, "{:?}", events.all());
    lnd_write(&source, &backup(3, 2));
    set_mtime(&source, SystemTime::now() - Duration::from_secs(120));
    let ok = wait_for_async(Duration::from_secs(10), || {
        let dest = dest.clone();
        async move { latest(&dest).await == Some(backup(3, 2)) }
    })
    .await;
    handle.shutdown(Duration::from_secs(5)).await.unwrap();
    assert!(ok, "{:?}", events.all());
    assert!(
        events.all().iter().all(|e| !e.is_failure()),
        "{:?}",
        events.all()
    );
}

//! Replication to local directories: one-shot, watch mode with lnd-style and in-place
//! writes, bursts, rejection of bad sources, retries, retention and fetch.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::Write;
use std::time::{Duration, SystemTime};

use common::{backup, is_complete, latest, lnd_write, verifier, wait_for_async, Events};
use scb_replicate::{
    fetch_latest, fetch_version, replicate_once, Destination, ReplicateError, Retention, Status,
    WatchConfig, Watcher,
};

fn fast(config: &mut WatchConfig) {
    config.poll_interval = Duration::from_millis(150);
    config.settle = Duration::from_millis(40);
    config.retry_initial = Duration::from_millis(50);
    config.retry_max = Duration::from_millis(200);
}

async fn history_contents(dest: &Destination) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for e in dest.list_history().await.unwrap() {
        out.push(fetch_version(dest, &e.name, None).await.unwrap().bytes);
    }
    out
}

#[tokio::test]
async fn once_uploads_version_then_latest_and_skips_identical_content() {
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("channel.backup");
    lnd_write(&source, &backup(1));
    let dest = Destination::directory(dir.path().join("usb"));
    let mut config = WatchConfig::new(&source, vec![dest.clone()]);
    config.verifier = Some(verifier());

    let first = replicate_once(&config).await;
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].status, Status::Uploaded, "{}", first[0]);
    assert_eq!(first[0].channels, Some(1));
    assert_eq!(latest(&dest).await, Some(backup(1)));
    let history = dest.list_history().await.unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(Some(history[0].name.clone()), first[0].version);

    let second = replicate_once(&config).await;
    assert_eq!(second[0].status, Status::Unchanged, "{}", second[0]);
    assert_eq!(dest.list_history().await.unwrap().len(), 1);

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("usb/channel.backup"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

#[tokio::test]
async fn once_rejects_a_corrupted_source_and_keeps_the_good_remote_copy() {
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("channel.backup");
    lnd_write(&source, &backup(1));
    let dest = Destination::directory(dir.path().join("usb"));
    let mut config = WatchConfig::new(&source, vec![dest.clone()]);
    config.verifier = Some(verifier());
    assert_eq!(replicate_once(&config).await[0].status, Status::Uploaded);

    // Flip one byte of the trailer: the key-holding verifier would fail to decrypt it.
    let mut bad = backup(2);
    bad[70] ^= 0xff;
    lnd_write(&source, &bad);
    let out = replicate_once(&config).await;
    assert_eq!(out[0].status, Status::Rejected, "{}", out[0]);
    assert!(out[0].is_failure());
    assert!(
        out[0]
            .error
            .as_deref()
            .unwrap()
            .contains("verification failed"),
        "{}",
        out[0]
    );
    assert_eq!(latest(&dest).await, Some(backup(1)));
    assert_eq!(dest.list_history().await.unwrap().len(), 1);

    // Without a verifier, a truncated (empty) file is still refused.
    config.verifier = None;
    std::fs::write(&source, b"").unwrap();
    let out = replicate_once(&config).await;
    assert_eq!(out[0].status, Status::Rejected, "{}", out[0]);
    assert_eq!(latest(&dest).await, Some(backup(1)));
}

#[tokio::test]
async fn once_reports_a_missing_source_as_failure_for_every_destination() {
    let dir = tempfile::tempdir().unwrap();
    let config = WatchConfig::new(
        dir.path().join("absent.backup"),
        vec![
            Destination::directory(dir.path().join("a")),
            Destination::directory(dir.path().join("b")),
        ],
    );
    let out = replicate_once(&config).await;
    assert_eq!(out.len(), 2);
    assert!(out
        .iter()
        .all(|o| o.status == Status::Failed && o.error.is_some()));
}

#[tokio::test]
async fn older_source_never_replaces_a_newer_remote_copy() {
    let dir = tempfile::tempdir().unwrap();
    let dest = Destination::directory(dir.path().join("shared"));
    let new_src = dir.path().join("new.backup");
    let old_src = dir.path().join("old.backup");
    std::fs::write(&new_src, backup(2)).unwrap();
    std::fs::write(&old_src, backup(1)).unwrap();
    let hour_ago = SystemTime::now() - Duration::from_secs(3600);
    std::fs::File::options()
        .write(true)
        .open(&old_src)
        .unwrap()
        .set_modified(hour_ago)
        .unwrap();

    let out = replicate_once(&WatchConfig::new(&new_src, vec![dest.clone()])).await;
    assert_eq!(out[0].status, Status::Uploaded);
    let out = replicate_once(&WatchConfig::new(&old_src, vec![dest.clone()])).await;
    assert_eq!(out[0].status, Status::Failed, "{}", out[0]);
    assert!(
        out[0].error.as_deref().unwrap().contains("newer copy"),
        "{}",
        out[0]
    );
    assert_eq!(latest(&dest).await, Some(backup(2)));
}

#[tokio::test]
async fn retention_keeps_the_newest_versions() {
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("channel.backup");
    let dest = Destination::directory(dir.path().join("usb"));
    let mut config = WatchConfig::new(&source, vec![dest.clone()]);
    config.retention = Retention::keep_last(2);
    let base = SystemTime::now() - Duration::from_secs(100);
    for n in 1..=4u32 {
        std::fs::write(&source, backup(n)).unwrap();
        let f = std::fs::File::options().write(true).open(&source).unwrap();
        f.set_modified(base + Duration::from_secs(u64::from(n)))
            .unwrap();
        drop(f);
        let out = replicate_once(&config).await;
        assert_eq!(out[0].status, Status::Uploaded, "{}", out[0]);
        if n == 3 {
            assert_eq!(out[0].pruned.len(), 1, "{}", out[0].to_json_line());
        }
    }
    assert_eq!(history_contents(&dest).await, vec![backup(3), backup(4)]);
}

#[tokio::test]
async fn fetch_returns_latest_or_named_version_and_verifies_it() {
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("channel.backup");
    let dest = Destination::directory(dir.path().join("usb"));
    let config = WatchConfig::new(&source, vec![dest.clone()]);
    let base = SystemTime::now() - Duration::from_secs(100);
    for n in 1..=2u32 {
        std::fs::write(&source, backup(n)).unwrap();
        let f = std::fs::File::options().write(true).open(&source).unwrap();
        f.set_modified(base + Duration::from_secs(u64::from(n)))
            .unwrap();
        drop(f);
        assert_eq!(replicate_once(&config).await[0].status, Status::Uploaded);
    }
    let v = verifier();
    let got = fetch_latest(&dest, Some(&v)).await.unwrap();
    assert_eq!(got.bytes, backup(2));
    let history = dest.list_history().await.unwrap();
    assert_eq!(got.version.as_deref(), Some(history[1].name.as_str()));
    assert_eq!(got.info.unwrap().channels, Some(1));

    // By hash prefix (unique part of the name).
    let older = fetch_version(&dest, history[0].hash_prefix(), Some(&v))
        .await
        .unwrap();
    assert_eq!(older.bytes, backup(1));

    // ".backup" matches both versions.
    let e = fetch_version(&dest, ".backup", None).await.unwrap_err();
    assert!(
        matches!(e, ReplicateError::AmbiguousVersion { count: 2, .. }),
        "{e}"
    );
    let e = fetch_version(&dest, "19990101", None).await.unwrap_err();
    assert!(matches!(e, ReplicateError::NotFound { .. }), "{e}");

    // A copy that does not verify is refused, not returned.
    std::fs::write(dir.path().join("usb/channel.backup"), b"garbage").unwrap();
    let e = fetch_latest(&dest, Some(&v)).await.unwrap_err();
    assert!(matches!(e, ReplicateError::Verification { .. }), "{e}");

    let empty = Destination::directory(dir.path().join("nothing-here"));
    let e = fetch_latest(&empty, None).await.unwrap_err();
    assert!(matches!(e, ReplicateError::NotFound { .. }), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watcher_follows_lnd_rename_replace_and_in_place_writes() {
    let dir = tempfile::tempdir().unwrap();
    let lnd_dir = dir.path().join("lnd");
    std::fs::create_dir(&lnd_dir).unwrap();
    let source = lnd_dir.join("channel.backup");
    lnd_write(&source, &backup(1));
    let dest = Destination::directory(dir.path().join("usb"));
    let mut config = WatchConfig::new(&source, vec![dest.clone()]);
    config.verifier = Some(verifier());
    fast(&mut config);
    // Notifications only matter if they work: make polling slow so they must carry it.
    config.poll_interval = Duration::from_secs(30);
    let events = Events::default();
    let handle = Watcher::new(config).spawn(events.sink());

    let got = |want: Vec<u8>| {
        let dest = dest.clone();
        move || {
            let (dest, want) = (dest.clone(), want.clone());
            async move { latest(&dest).await == Some(want) }
        }
    };
    assert!(
        wait_for_async(Duration::from_secs(10), got(backup(1))).await,
        "initial copy"
    );

    lnd_write(&source, &backup(2));
    assert!(
        wait_for_async(Duration::from_secs(10), got(backup(2))).await,
        "after rename-replace"
    );

    // In place, in two halves with a pause shorter than the settle time.
    {
        let b = backup(3);
        let mut f = std::fs::File::options()
            .write(true)
            .truncate(true)
            .open(&source)
            .unwrap();
        f.write_all(&b[..30]).unwrap();
        f.flush().unwrap();
        std::thread::sleep(Duration::from_millis(5));
        f.write_all(&b[30..]).unwrap();
    }
    assert!(
        wait_for_async(Duration::from_secs(10), got(backup(3))).await,
        "after in-place write"
    );

    let ev = events.clone();
    let uploaded = move || {
        ev.all()
            .iter()
            .filter(|e| e.status == Status::Uploaded)
            .count()
    };
    assert!(common::wait_for(Duration::from_secs(5), || uploaded() >= 3).await);
    handle.shutdown(Duration::from_secs(5)).await.unwrap();
    for b in history_contents(&dest).await {
        assert!(is_complete(&b), "a partial file was pushed: {b:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watcher_after_a_burst_holds_only_the_final_state_and_no_partial_file() {
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("channel.backup");
    lnd_write(&source, &backup(0));
    let dest = Destination::directory(dir.path().join("usb"));
    // No verifier: the stable read alone must keep partial files out.
    let mut config = WatchConfig::new(&source, vec![dest.clone()]);
    fast(&mut config);
    config.poll_interval = Duration::from_millis(100);
    // The default settle: a writer would have to stall 200 ms mid-write to fool it.
    config.settle = Duration::from_millis(100);
    let events = Events::default();
    let handle = Watcher::new(config).spawn(events.sink());

    // 60 changes: alternate lnd rename-replace and slow in-place rewrites.
    for n in 1..=60u32 {
        if n % 2 == 0 {
            lnd_write(&source, &backup(n));
        } else {
            let b = backup(n);
            let mut f = std::fs::File::options()
                .write(true)
                .truncate(true)
                .open(&source)
                .unwrap();
            for chunk in b.chunks(24) {
                f.write_all(chunk).unwrap();
                f.flush().unwrap();
                std::thread::sleep(Duration::from_millis(1));
            }
        }
    }
    let last = backup(60);
    let ok = wait_for_async(Duration::from_secs(10), || {
        let (dest, last) = (dest.clone(), last.clone());
        async move { latest(&dest).await == Some(last) }
    })
    .await;
    handle.shutdown(Duration::from_secs(5)).await.unwrap();
    assert!(ok, "final state not replicated");
    let history = history_contents(&dest).await;
    assert!(
        history.len() < 60,
        "bursts are coalesced ({} versions)",
        history.len()
    );
    for b in history {
        assert!(is_complete(&b), "a partial file was pushed: {b:?}");
    }
    assert!(
        events.all().iter().all(|e| e.status != Status::Failed),
        "{:?}",
        events.all()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watcher_reports_rejected_source_loudly_and_never_pushes_it() {
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("channel.backup");
    lnd_write(&source, &backup(1));
    let dest = Destination::directory(dir.path().join("usb"));
    let mut config = WatchConfig::new(&source, vec![dest.clone()]);
    config.verifier = Some(verifier());
    fast(&mut config);
    let events = Events::default();
    let handle = Watcher::new(config).spawn(events.sink());
    let ev = events.clone();
    assert!(
        common::wait_for(Duration::from_secs(10), || ev
            .all()
            .iter()
            .any(|e| e.status == Status::Uploaded))
        .await
    );

    // A file encrypted with another key: same shape, wrong content.
    let mut wrong_key = backup(9);
    wrong_key[0] = b'X';
    lnd_write(&source, &wrong_key);
    let ev = events.clone();
    assert!(
        common::wait_for(Duration::from_secs(10), || ev
            .all()
            .iter()
            .any(|e| e.status == Status::Rejected))
        .await
    );
    // Give it time to (wrongly) push, then check it did not.
    tokio::time::sleep(Duration::from_millis(400)).await;
    handle.shutdown(Duration::from_secs(5)).await.unwrap();
    assert_eq!(latest(&dest).await, Some(backup(1)));
    assert_eq!(history_contents(&dest).await, vec![backup(1)]);
    let rejected = events
        .all()
        .into_iter()
        .filter(|e| e.status == Status::Rejected)
        .count();
    assert_eq!(
        rejected, 1,
        "one loud report per bad content, not one per poll"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watcher_retries_an_unwritable_destination_and_pushes_the_newest_version() {
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("channel.backup");
    lnd_write(&source, &backup(1));
    // A plain file where the destination directory should be: every write fails.
    let dest_dir = dir.path().join("usb");
    std::fs::write(&dest_dir, b"in the way").unwrap();
    let dest = Destination::directory(&dest_dir);
    let mut config = WatchConfig::new(&source, vec![dest.clone()]);
    fast(&mut config);
    let events = Events::default();
    let handle = Watcher::new(config).spawn(events.sink());

    let ev = events.clone();
    assert!(
        common::wait_for(Duration::from_secs(10), || ev
            .all()
            .iter()
            .filter(|e| e.status == Status::Failed)
            .count()
            >= 3)
        .await
    );
    let failed: Vec<_> = events
        .all()
        .into_iter()
        .filter(|e| e.status == Status::Failed)
        .collect();
    assert!(failed.iter().all(|e| e.retry_in_ms.is_some()));
    assert!(
        failed[2].retry_in_ms.unwrap() > failed[0].retry_in_ms.unwrap(),
        "backoff grows"
    );
    assert!(
        failed.iter().all(|e| e.retry_in_ms.unwrap() <= 200),
        "backoff is capped"
    );

    lnd_write(&source, &backup(2));
    tokio::time::sleep(Duration::from_millis(300)).await;
    std::fs::remove_file(&dest_dir).unwrap(); // the "store" is back
    let ok = wait_for_async(Duration::from_secs(10), || {
        let dest = dest.clone();
        async move { latest(&dest).await == Some(backup(2)) }
    })
    .await;
    handle.shutdown(Duration::from_secs(5)).await.unwrap();
    assert!(ok, "newest version replicated once the destination is back");
    assert_eq!(
        history_contents(&dest).await,
        vec![backup(2)],
        "the stale version is skipped"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watcher_with_polling_only_still_follows_changes() {
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("channel.backup");
    lnd_write(&source, &backup(1));
    let dest = Destination::directory(dir.path().join("usb"));
    let mut config = WatchConfig::new(&source, vec![dest.clone()]);
    fast(&mut config);
    config.use_notify = false;
    config.poll_interval = Duration::from_millis(100);
    let handle = Watcher::new(config).spawn(|_| {});
    for n in 1..=3u32 {
        lnd_write(&source, &backup(n));
        let ok = wait_for_async(Duration::from_secs(10), || {
            let dest = dest.clone();
            async move { latest(&dest).await == Some(backup(n)) }
        })
        .await;
        assert!(ok, "version {n} replicated by polling");
    }
    handle.shutdown(Duration::from_secs(5)).await.unwrap();
}

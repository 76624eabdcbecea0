//! Replication to S3 against a real `moto_server` process on 127.0.0.1 (started and
//! killed by the test). Without `moto_server` on PATH the server tests are reported as
//! ignored ("requires tool moto_server"), which `cargo xtask ci` fails under CI=true.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, SystemTime};

use common::{backup, latest, lnd_write, verifier, wait_for, wait_for_async, Events, Moto};
use scb_replicate::{
    fetch_latest, fetch_version, replicate_once, Destination, Retention, Status, WatchConfig,
    Watcher,
};

fn set_mtime(path: &std::path::Path, t: SystemTime) {
    let f = std::fs::File::options().write(true).open(path).unwrap();
    f.set_modified(t).unwrap();
}

#[scb_testkit::requires(tool = "moto_server")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s3_uploads_history_then_latest_skips_identical_content_and_fetches_back() {
    let moto = Moto::start();
    moto.create_bucket("backups");
    let dest = moto.destination("backups", "nodes/alice");
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("channel.backup");
    let mut config = WatchConfig::new(&source, vec![dest.clone()]);
    config.verifier = Some(verifier());
    let base = SystemTime::now() - Duration::from_secs(60);

    std::fs::write(&source, backup(1)).unwrap();
    set_mtime(&source, base);
    let out = replicate_once(&config).await;
    assert_eq!(out[0].status, Status::Uploaded, "{}", out[0]);
    assert_eq!(out[0].destination, "s3://backups/nodes/alice");
    let out = replicate_once(&config).await;
    assert_eq!(out[0].status, Status::Unchanged, "{}", out[0]);

    std::fs::write(&source, backup(2)).unwrap();
    set_mtime(&source, base + Duration::from_secs(1));
    let out = replicate_once(&config).await;
    assert_eq!(out[0].status, Status::Uploaded, "{}", out[0]);

    let history = dest.list_history().await.unwrap();
    assert_eq!(history.len(), 2);
    assert!(history[0].name < history[1].name);
    let v = verifier();
    let got = fetch_latest(&dest, Some(&v)).await.unwrap();
    assert_eq!(got.bytes, backup(2));
    assert_eq!(got.version.as_deref(), Some(history[1].name.as_str()));
    let old = fetch_version(&dest, &history[0].name, Some(&v))
        .await
        .unwrap();
    assert_eq!(old.bytes, backup(1));

    // The same layout as a directory: the objects are where the docs say.
    let (status, body) = moto.raw("GET", "/backups?list-type=2&prefix=nodes/alice/", &[], "");
    assert_eq!(status, 200);
    assert!(
        body.contains("<Key>nodes/alice/channel.backup</Key>"),
        "{body}"
    );
    assert!(
        body.contains(&format!(
            "<Key>nodes/alice/history/{}</Key>",
            history[0].name
        )),
        "{body}"
    );
}

#[scb_testkit::requires(tool = "moto_server")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s3_retention_deletes_versions_beyond_keep_last() {
    let moto = Moto::start();
    moto.create_bucket("backups");
    let dest = moto.destination("backups", "node");
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("channel.backup");
    let mut config = WatchConfig::new(&source, vec![dest.clone()]);
    config.retention = Retention::keep_last(2);
    let base = SystemTime::now() - Duration::from_secs(60);
    for n in 1..=5u32 {
        std::fs::write(&source, backup(n)).unwrap();
        set_mtime(&source, base + Duration::from_secs(u64::from(n)));
        let out = replicate_once(&config).await;
        assert_eq!(out[0].status, Status::Uploaded, "{}", out[0]);
    }
    let history = dest.list_history().await.unwrap();
    assert_eq!(history.len(), 2, "{history:?}");
    let newest = fetch_version(&dest, &history[1].name, None).await.unwrap();
    assert_eq!(newest.bytes, backup(5));
    let older = fetch_version(&dest, &history[0].name, None).await.unwrap();
    assert_eq!(older.bytes, backup(4));
}

#[scb_testkit::requires(tool = "moto_server")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s3_conditional_writes_stop_a_second_writer_from_overwriting() {
    let moto = Moto::start();
    moto.create_bucket("backups");
    // Two independent clients on the same prefix, like two watchers on two machines.
    let a = moto.destination("backups", "shared");
    let b = moto.destination("backups", "shared");

    assert!(a.replace_latest(&backup(1), None).await.unwrap().is_some());
    // Create-only: a writer that thinks there is no copy yet must not replace one.
    assert!(b.replace_latest(&backup(9), None).await.unwrap().is_none());

    let seen_by_a = a.latest().await.unwrap().unwrap();
    let seen_by_b = b.latest().await.unwrap().unwrap();
    assert_eq!(seen_by_a.version, seen_by_b.version);
    // B wins the race...
    assert!(b
        .replace_latest(&backup(2), Some(&seen_by_b.version))
        .await
        .unwrap()
        .is_some());
    // ...so A's write based on the old ETag is refused by the server.
    assert!(a
        .replace_latest(&backup(3), Some(&seen_by_a.version))
        .await
        .unwrap()
        .is_none());
    assert_eq!(latest(&a).await, Some(backup(2)));

    // End to end: a watcher with an older file never replaces a newer copy.
    let dir = tempfile::tempdir().unwrap();
    let newer = dir.path().join("newer.backup");
    let older = dir.path().join("older.backup");
    std::fs::write(&newer, backup(5)).unwrap();
    std::fs::write(&older, backup(4)).unwrap();
    set_mtime(&older, SystemTime::now() - Duration::from_secs(3600));
    let out = replicate_once(&WatchConfig::new(&newer, vec![b.clone()])).await;
    assert_eq!(out[0].status, Status::Uploaded, "{}", out[0]);
    let out = replicate_once(&WatchConfig::new(&older, vec![a.clone()])).await;
    assert_eq!(out[0].status, Status::Failed, "{}", out[0]);
    assert!(
        out[0].error.as_deref().unwrap().contains("newer copy"),
        "{}",
        out[0]
    );
    assert_eq!(latest(&a).await, Some(backup(5)));
}

#[scb_testkit::requires(tool = "moto_server")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s3_server_down_and_back_receives_the_newest_local_version() {
    let mut moto = Moto::start();
    moto.create_bucket("backups");
    let dest = moto.destination("backups", "node");
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("channel.backup");
    lnd_write(&source, &backup(1));
    let mut config = WatchConfig::new(&source, vec![dest.clone()]);
    config.verifier = Some(verifier());
    config.poll_interval = Duration::from_millis(200);
    config.settle = Duration::from_millis(30);
    config.retry_initial = Duration::from_millis(100);
    config.retry_max = Duration::from_millis(400);
    let events = Events::default();
    let handle = Watcher::new(config).spawn(events.sink());

    let ev = events.clone();
    assert!(
        wait_for(Duration::from_secs(15), || ev
            .all()
            .iter()
            .any(|e| e.status == Status::Uploaded))
        .await
    );

    moto.stop();
    lnd_write(&source, &backup(2));
    let ev = events.clone();
    assert!(
        wait_for(Duration::from_secs(20), || ev
            .all()
            .iter()
            .filter(|e| e.status == Status::Failed)
            .count()
            >= 2)
        .await,
        "failures reported while the server is down: {:?}",
        events.all()
    );
    assert!(events
        .all()
        .iter()
        .filter(|e| e.status == Status::Failed)
        .all(|e| e.retry_in_ms.is_some_and(|r| r <= 400)));
    lnd_write(&source, &backup(3));
    tokio::time::sleep(Duration::from_millis(300)).await;

    moto.restart(); // empty server: the bucket must be created again
    moto.create_bucket("backups");
    let ok = wait_for_async(Duration::from_secs(20), || {
        let dest = dest.clone();
        async move { latest(&dest).await == Some(backup(3)) }
    })
    .await;
    handle.shutdown(Duration::from_secs(5)).await.unwrap();
    assert!(
        ok,
        "newest version uploaded once the server is back: {:?}",
        events.all()
    );
    let history = dest.list_history().await.unwrap();
    assert_eq!(
        history.len(),
        1,
        "only the newest version, not the stale one: {history:?}"
    );
}

#[scb_testkit::requires(tool = "moto_server")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s3_missing_bucket_is_a_reported_failure() {
    let moto = Moto::start();
    let dest = moto.destination("no-such-bucket", "node");
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("channel.backup");
    std::fs::write(&source, backup(1)).unwrap();
    let out = replicate_once(&WatchConfig::new(&source, vec![dest])).await;
    assert_eq!(out[0].status, Status::Failed, "{}", out[0]);
    let err = out[0].error.as_deref().unwrap();
    assert!(
        err.contains("NoSuchBucket") || err.contains("bucket"),
        "{err}"
    );
    assert!(out[0].is_failure());
}

#[scb_testkit::requires(tool = "moto_server")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s3_bad_credentials_are_refused_and_good_ones_accepted() {
    // moto checks credentials only with IAM auth on: 4 unauthenticated actions set it up.
    let moto = Moto::start_with_auth(4);
    let (key, secret) = moto.create_user_keys();
    moto.create_bucket("backups");
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("channel.backup");
    std::fs::write(&source, backup(1)).unwrap();

    let good = moto.destination_with_keys("backups", "node", &key, &secret);
    let wrong_secret = moto.destination_with_keys("backups", "node", &key, "not-the-secret");
    let unknown_key =
        moto.destination_with_keys("backups", "node", "AKIAUNKNOWN000000000", &secret);
    let out = replicate_once(&WatchConfig::new(
        &source,
        vec![wrong_secret, unknown_key, good.clone()],
    ))
    .await;
    assert_eq!(out[0].status, Status::Failed, "{}", out[0]);
    assert!(
        out[0].error.as_deref().unwrap().contains("Signature"),
        "{}",
        out[0]
    );
    assert_eq!(out[1].status, Status::Failed, "{}", out[1]);
    assert!(
        out[1]
            .error
            .as_deref()
            .unwrap()
            .contains("InvalidAccessKeyId"),
        "{}",
        out[1]
    );
    assert_eq!(out[2].status, Status::Uploaded, "{}", out[2]);
    assert_eq!(latest(&good).await, Some(backup(1)));
}

#[test]
fn destination_parse_reads_s3_urls_without_a_server() {
    let d = Destination::parse_with_options(
        "s3://bucket/a/b",
        [
            ("aws_access_key_id", "k"),
            ("aws_secret_access_key", "s"),
            ("aws_region", "eu-west-1"),
        ],
    )
    .unwrap();
    assert_eq!(d.display_name(), "s3://bucket/a/b");
    assert!(d.local_dir().is_none());
}

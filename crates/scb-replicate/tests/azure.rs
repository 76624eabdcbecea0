//! Replication to Azure Blob Storage against a real Azurite process (the Azure Storage
//! emulator, npm package `azurite`) on 127.0.0.1, started and killed by each test. Without
//! `azurite-blob` on PATH the tests are reported as ignored ("requires tool azurite-blob"),
//! which `cargo xtask ci` fails under CI=true; `.ci/run` installs it from npm.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[cfg(feature = "azure")]
mod common;

#[cfg(feature = "azure")]
#[path = "common/azurite.rs"]
mod azurite;

/// Without the `azure` feature there is no Azure destination to test: say so to the runner.
#[cfg(not(feature = "azure"))]
#[test]
#[ignore = "requires feature azure of scb-replicate (cargo test --features azure)"]
fn azure_destination_tests_need_the_azure_feature() {}

#[cfg(feature = "azure")]
mod with_azurite {
    use std::time::{Duration, SystemTime};

    use super::azurite::Azurite;
    use super::common::{backup, latest, verifier};
    use scb_replicate::{
        fetch_latest, fetch_version, replicate_once, Retention, Status, WatchConfig,
    };

    fn set_mtime(path: &std::path::Path, t: SystemTime) {
        let f = std::fs::File::options().write(true).open(path).unwrap();
        f.set_modified(t).unwrap();
    }

    #[scb_testkit::requires(tool = "azurite-blob")]
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn azure_uploads_history_then_latest_skips_identical_content_and_fetches_back() {
        let az = Azurite::start();
        az.create_container("backups");
        let dest = az.destination("backups", "nodes/alice");
        let dir = tempfile::tempdir().unwrap();
        let source = dir.path().join("channel.backup");
        let mut config = WatchConfig::new(&source, vec![dest.clone()]);
        config.verifier = Some(verifier());
        config.retention = Retention::keep_last(2);
        let base = SystemTime::now() - Duration::from_secs(60);

        for (i, n) in [1u32, 2, 3].into_iter().enumerate() {
            std::fs::write(&source, backup(n)).unwrap();
            set_mtime(&source, base + Duration::from_secs(i as u64));
            let out = replicate_once(&config).await;
            assert_eq!(out[0].status, Status::Uploaded, "{}", out[0]);
            assert_eq!(out[0].destination, "az://backups/nodes/alice");
        }
        let out = replicate_once(&config).await;
        assert_eq!(out[0].status, Status::Unchanged, "{}", out[0]);

        let history = dest.list_history().await.unwrap();
        assert_eq!(
            history.len(),
            2,
            "retention keeps the last two: {history:?}"
        );
        let v = verifier();
        let got = fetch_latest(&dest, Some(&v)).await.unwrap();
        assert_eq!(got.bytes, backup(3));
        let old = fetch_version(&dest, &history[0].name, Some(&v))
            .await
            .unwrap();
        assert_eq!(old.bytes, backup(2));
    }

    #[scb_testkit::requires(tool = "azurite-blob")]
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn azure_conditional_writes_stop_a_second_writer_from_overwriting() {
        let az = Azurite::start();
        az.create_container("backups");
        let a = az.destination("backups", "shared");
        let b = az.destination("backups", "shared");
        assert!(a.replace_latest(&backup(1), None).await.unwrap().is_some());
        // Create-only: a writer that thinks there is no copy yet must not replace one.
        assert!(b.replace_latest(&backup(9), None).await.unwrap().is_none());
        let seen_by_a = a.latest().await.unwrap().unwrap();
        let seen_by_b = b.latest().await.unwrap().unwrap();
        assert!(b
            .replace_latest(&backup(2), Some(&seen_by_b.version))
            .await
            .unwrap()
            .is_some());
        // A's write based on the old ETag is refused by the server.
        assert!(a
            .replace_latest(&backup(3), Some(&seen_by_a.version))
            .await
            .unwrap()
            .is_none());
        assert_eq!(latest(&a).await, Some(backup(2)));
    }

    #[scb_testkit::requires(tool = "azurite-blob")]
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn azure_missing_container_and_wrong_key_are_reported_failures() {
        let az = Azurite::start();
        az.create_container("backups");
        let dir = tempfile::tempdir().unwrap();
        let source = dir.path().join("channel.backup");
        std::fs::write(&source, backup(1)).unwrap();
        let missing = az.destination("no-such-container", "node");
        // A valid base64 key that is not the account's.
        let wrong = az.destination_with_key("backups", "node", &"QUFB".repeat(22));
        let good = az.destination("backups", "node");
        let out = replicate_once(&WatchConfig::new(
            &source,
            vec![missing, wrong, good.clone()],
        ))
        .await;
        assert_eq!(out[0].status, Status::Failed, "{}", out[0]);
        assert!(out[0].is_failure());
        assert_eq!(out[1].status, Status::Failed, "{}", out[1]);
        let err = out[1].error.as_deref().unwrap();
        assert!(
            err.contains("403") || err.contains("uthenticat") || err.contains("uthoriz"),
            "{err}"
        );
        assert_eq!(out[2].status, Status::Uploaded, "{}", out[2]);
        assert_eq!(latest(&good).await, Some(backup(1)));
    }
}

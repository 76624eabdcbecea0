//! A missing S3 bucket is reported as such, against a real `moto_server` process.
//! Skips loudly when `moto_server` is not installed.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{backup, skip, Moto};
use scb_replicate::{fetch_latest, fetch_version, replicate_once, ReplicateError, WatchConfig};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s3_missing_bucket_is_reported_as_missing_not_as_a_missing_copy() {
    let Some(moto) = Moto::start() else {
        return skip("s3_missing_bucket_is_reported_as_missing_not_as_a_missing_copy");
    };
    let dest = moto.destination("no-such-bucket", "node");
    let e = fetch_latest(&dest, None).await.unwrap_err();
    assert!(matches!(e, ReplicateError::BucketMissing { .. }), "{e:?}");
    assert_eq!(
        e.to_string(),
        "bucket of s3://no-such-bucket/node does not exist (create it, or check the name and region)"
    );
    let e = fetch_version(&dest, "2026", None).await.unwrap_err();
    assert!(matches!(e, ReplicateError::BucketMissing { .. }), "{e:?}");

    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("channel.backup");
    std::fs::write(&source, backup(1)).unwrap();
    let out = replicate_once(&WatchConfig::new(&source, vec![dest.clone()])).await;
    let err = out[0].error.as_deref().unwrap();
    assert!(
        err.starts_with("bucket of s3://no-such-bucket/node does not exist"),
        "{err}"
    );

    // An existing bucket with no copy yet is still "not found", not a missing bucket.
    moto.create_bucket("empty");
    let e = fetch_latest(&moto.destination("empty", "node"), None)
        .await
        .unwrap_err();
    assert!(matches!(e, ReplicateError::NotFound { .. }), "{e:?}");
    assert_eq!(e.to_string(), "latest copy not found at s3://empty/node");
}

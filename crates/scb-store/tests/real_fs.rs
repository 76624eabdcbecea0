#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Every step and error path of `MultiFile` on the real file system.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use scb_store::{
    write_file_atomically, ArchiveOutcome, ManifestOutcome, MultiFile, MultiFileOptions,
    RetentionPolicy, StoreError, ARCHIVE_DIR_NAME,
};

fn file_in(dir: &Path, options: MultiFileOptions) -> MultiFile {
    MultiFile::new(dir.join("channel.backup"), options).unwrap()
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn first_swap_creates_main_file_0600_with_exact_bytes_and_no_archive() {
    let dir = tempfile::tempdir().unwrap();
    let file = file_in(dir.path(), MultiFileOptions::default());
    let report = file.update_and_swap(b"first").unwrap();
    assert_eq!(report.bytes_written, 5);
    assert!(matches!(report.archive, ArchiveOutcome::NoPreviousFile));
    assert!(matches!(
        report.manifest,
        ManifestOutcome::Written { sequence: 1, .. }
    ));
    assert!(!report.removed_stale_staging);
    assert_eq!(std::fs::read(file.path()).unwrap(), b"first");
    #[cfg(unix)]
    assert_eq!(mode(file.path()), 0o600);
    assert!(!file.staging_path().exists());
}

#[test]
fn read_packed_of_missing_file_is_not_found() {
    let dir = tempfile::tempdir().unwrap();
    let file = file_in(dir.path(), MultiFileOptions::default());
    let err = file.read_packed().unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
    assert!(matches!(file.read_manifest(), Ok(None)));
}

#[test]
fn swap_into_missing_directory_fails_naming_the_directory() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("not-there");
    let file = file_in(&missing, MultiFileOptions::default());
    let err = file.update_and_swap(b"x").unwrap_err();
    assert!(
        matches!(&err, StoreError::DirectoryMissing { path } if *path == missing),
        "{err:?}"
    );
    assert!(err.to_string().contains("not-there"));
    assert!(!missing.exists());
}

#[test]
fn empty_or_directory_path_is_rejected() {
    assert!(matches!(
        MultiFile::new("", MultiFileOptions::default()),
        Err(StoreError::InvalidPath { .. })
    ));
    assert!(matches!(
        MultiFile::new("/", MultiFileOptions::default()),
        Err(StoreError::InvalidPath { .. })
    ));
}

#[test]
fn stale_staging_file_is_removed_unread_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    let file = file_in(dir.path(), MultiFileOptions::default());
    file.update_and_swap(b"good").unwrap();
    std::fs::write(file.staging_path(), b"half-written junk").unwrap();
    // lnd's own staging file of a neighbouring lnd is never touched.
    let lnd_staging = dir.path().join("temp-dont-use.backup");
    std::fs::write(&lnd_staging, b"lnd's").unwrap();
    assert_eq!(file.read_packed().unwrap(), b"good");
    let report = file.update_and_swap(b"newer").unwrap();
    assert!(report.removed_stale_staging);
    assert!(!file.staging_path().exists());
    assert_eq!(std::fs::read(&lnd_staging).unwrap(), b"lnd's");
    assert_eq!(file.read_packed().unwrap(), b"newer");
}

#[test]
fn staging_name_keeps_lnd_prefix_and_is_distinct_per_main_file() {
    let dir = tempfile::tempdir().unwrap();
    let a = MultiFile::new(dir.path().join("a.backup"), MultiFileOptions::default()).unwrap();
    let b = MultiFile::new(dir.path().join("b.backup"), MultiFileOptions::default()).unwrap();
    let name = |f: &MultiFile| {
        f.staging_path()
            .file_name()
            .unwrap()
            .to_str()
            .unwrap()
            .to_owned()
    };
    assert!(name(&a).starts_with("temp-dont-use.backup"));
    assert_ne!(name(&a), name(&b));
    assert_ne!(name(&a), "temp-dont-use.backup");
}

#[test]
fn swaps_in_the_same_second_keep_every_previous_version() {
    let dir = tempfile::tempdir().unwrap();
    let file = file_in(dir.path(), MultiFileOptions::default());
    for i in 0..6u8 {
        file.update_and_swap(&[i; 100]).unwrap();
    }
    let entries = file.archive().list().unwrap();
    assert_eq!(entries.len(), 5);
    let mut contents: Vec<Vec<u8>> = entries
        .iter()
        .map(|e| std::fs::read(&e.path).unwrap())
        .collect();
    contents.sort();
    assert_eq!(contents, (0..5u8).map(|i| vec![i; 100]).collect::<Vec<_>>());
    // Names are lnd's `<name>-YYYY-MM-DD-HH-MM-SS`, plus `.N` only on collision.
    assert!(entries[0].name.starts_with("channel.backup-20"));
    assert_eq!(
        entries[0].name.len(),
        "channel.backup-2025-06-01-14-03-27".len()
    );
    #[cfg(unix)]
    {
        assert_eq!(mode(&file.archive_dir()), 0o700);
        assert_eq!(mode(&entries[0].path), 0o600);
    }
}

#[test]
fn retention_keep_last_prunes_after_each_swap() {
    let dir = tempfile::tempdir().unwrap();
    let options = MultiFileOptions::default().with_retention(RetentionPolicy {
        keep_last: Some(2),
        keep_within: None,
    });
    let file = file_in(dir.path(), options);
    for i in 0..6u8 {
        file.update_and_swap(&[i; 10]).unwrap();
    }
    let entries = file.archive().list().unwrap();
    assert_eq!(entries.len(), 2);
    let contents: Vec<Vec<u8>> = entries
        .iter()
        .map(|e| std::fs::read(&e.path).unwrap())
        .collect();
    assert_eq!(contents, vec![vec![3u8; 10], vec![4u8; 10]]);
}

#[test]
fn archive_disabled_writes_no_archive_directory() {
    let dir = tempfile::tempdir().unwrap();
    let file = file_in(dir.path(), MultiFileOptions::default().with_archive(false));
    file.update_and_swap(b"1").unwrap();
    let report = file.update_and_swap(b"2").unwrap();
    assert!(matches!(report.archive, ArchiveOutcome::Disabled));
    assert!(!dir.path().join(ARCHIVE_DIR_NAME).exists());
}

#[test]
fn archive_failure_stops_the_update_and_keeps_the_previous_version() {
    let dir = tempfile::tempdir().unwrap();
    let file = file_in(dir.path(), MultiFileOptions::default());
    file.update_and_swap(b"old").unwrap();
    // A regular file where the archive directory should be: every archive write fails
    // (works even as root, unlike permission bits).
    std::fs::write(file.archive_dir(), b"not a directory").unwrap();
    let err = file.update_and_swap(b"new").unwrap_err();
    match &err {
        StoreError::Archive { source, .. } => assert!(
            matches!(
                **source,
                StoreError::ArchiveDirNotDir {
                    what: "a regular file",
                    ..
                }
            ),
            "{source:?}"
        ),
        other => panic!("expected an archive error, got {other:?}"),
    }
    // The only copy of the previous version is still the main file.
    assert_eq!(file.read_packed().unwrap(), b"old");
    assert!(!file.staging_path().exists());
}

#[test]
fn mirror_failure_is_reported_and_the_good_mirror_gets_the_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("usb");
    std::fs::create_dir(&good).unwrap();
    let bad = dir.path().join("unplugged");
    let primary = dir.path().join("node");
    std::fs::create_dir(&primary).unwrap();
    let options = MultiFileOptions::default()
        .with_mirror(&bad)
        .with_mirror(&good);
    let file = file_in(&primary, options);
    let report = file.update_and_swap(b"bytes").unwrap();
    assert!(matches!(
        report.mirrors[0].result,
        Err(StoreError::DirectoryMissing { .. })
    ));
    assert!(report.mirrors[1].result.is_ok());
    assert_eq!(
        std::fs::read(good.join("channel.backup")).unwrap(),
        b"bytes"
    );
    assert_eq!(file.read_packed().unwrap(), b"bytes");
    let primary_manifest = std::fs::read(file.manifest_path()).unwrap();
    assert_eq!(
        std::fs::read(good.join("channel.backup.manifest.json")).unwrap(),
        primary_manifest
    );
}

#[test]
fn manifest_sequence_increases_and_chains() {
    let dir = tempfile::tempdir().unwrap();
    let file = file_in(dir.path(), MultiFileOptions::default());
    file.update_and_swap_counted(b"one", Some(1)).unwrap();
    let first_bytes = std::fs::read(file.manifest_path()).unwrap();
    file.update_and_swap_counted(b"two", Some(2)).unwrap();
    let m = file.read_manifest().unwrap().unwrap();
    assert_eq!(m.sequence, 2);
    assert_eq!(m.channel_count, Some(2));
    assert!(m.describes(b"two"));
    assert_eq!(
        m.previous_manifest_sha256,
        Some(scb_store::sha256_hex(&first_bytes))
    );
}

#[test]
fn write_file_atomically_leaves_previous_content_when_directory_is_missing() {
    let dir = tempfile::tempdir().unwrap();
    let err = write_file_atomically(&dir.path().join("gone/x"), b"1").unwrap_err();
    assert!(
        err.to_string().starts_with("cannot create staging file"),
        "{err}"
    );
}

#[test]
fn extract_multi_opens_lnd_written_file() {
    let dir = tempfile::tempdir().unwrap();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/lnd-channel.backup");
    std::fs::copy(&fixture, dir.path().join("channel.backup")).unwrap();
    let file = file_in(dir.path(), MultiFileOptions::default());
    let mut key = [0u8; 32];
    let hex = "b5c998cdfe1140e69e6bcb9102543ef3c35df795628b2f978cdc161d72ea2ae7"; // testnet key, keys.json
    for (i, byte) in key.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap();
    }
    let key = scb_crypto::BackupKey::from_bytes(key);
    let multi = file.extract_multi(&key).unwrap();
    assert_eq!(multi.singles.len(), 16);
    let wrong = scb_crypto::BackupKey::from_bytes([7; 32]);
    assert!(matches!(
        file.extract_multi(&wrong),
        Err(StoreError::Unpack { .. })
    ));
    let missing = file_in(&dir.path().join("x"), MultiFileOptions::default());
    assert!(missing.extract_multi(&key).unwrap_err().is_not_found());
}

/// A tmpfs mounted for one test, unmounted on drop. `None` when mounting is not permitted.
struct Tmpfs(PathBuf, #[allow(dead_code)] tempfile::TempDir);

impl Tmpfs {
    fn mount(options: &str) -> Option<Tmpfs> {
        let holder = tempfile::tempdir().ok()?;
        let point = holder.path().join("mnt");
        std::fs::create_dir(&point).ok()?;
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", options, "tmpfs"])
            .arg(&point)
            .output()
            .is_ok_and(|o| o.status.success());
        ok.then_some(Tmpfs(point, holder))
    }

    fn remount(&self, options: &str) -> bool {
        Command::new("mount")
            .args(["-o", &format!("remount,{options}")])
            .arg(&self.0)
            .output()
            .is_ok_and(|o| o.status.success())
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).output();
    }
}

#[test]
fn full_tmpfs_keeps_the_old_backup_and_leaves_no_staging_file() {
    let Some(fs) = Tmpfs::mount("size=64k") else {
        eprintln!("SKIP full_tmpfs_keeps_the_old_backup: cannot mount a tmpfs here (needs root); the simulated ENOSPC test still runs");
        return;
    };
    let file = file_in(&fs.0, MultiFileOptions::default().with_archive(false));
    let old = vec![1u8; 20_000];
    file.update_and_swap(&old).unwrap();
    let err = file.update_and_swap(&vec![2u8; 60_000]).unwrap_err();
    match &err {
        StoreError::WriteStaging { source, .. } | StoreError::SyncStaging { source, .. } => {
            assert_eq!(source.raw_os_error(), Some(28), "{err:?}");
        }
        other => panic!("expected ENOSPC while staging, got {other:?}"),
    }
    assert_eq!(file.read_packed().unwrap(), old);
    assert!(!file.staging_path().exists());
    // With archiving on, the archive entry is a hard link: it needs no room, so even a
    // nearly full disk keeps the previous version.
    let file = file_in(&fs.0, MultiFileOptions::default());
    let report = file.update_and_swap(&vec![3u8; 25_000]).unwrap();
    let ArchiveOutcome::Archived { path, .. } = &report.archive else {
        panic!("{report:?}");
    };
    assert_eq!(std::fs::read(path).unwrap(), old);
    assert_eq!(file.read_packed().unwrap(), vec![3u8; 25_000]);
}

#[test]
fn read_only_filesystem_fails_with_step_and_keeps_the_old_backup() {
    let Some(fs) = Tmpfs::mount("size=1m") else {
        eprintln!("SKIP read_only_filesystem: cannot mount a tmpfs here (needs root)");
        return;
    };
    let file = file_in(
        &fs.0,
        MultiFileOptions::default().with_lock_wait(Duration::ZERO),
    );
    file.update_and_swap(b"old").unwrap();
    assert!(fs.remount("ro"), "remount read-only failed");
    let err = file.update_and_swap(b"new").unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::Lock { .. }
                | StoreError::RemoveStaging { .. }
                | StoreError::CreateStaging { .. }
        ),
        "{err:?}"
    );
    assert_eq!(file.read_packed().unwrap(), b"old");
    assert!(fs.remount("rw"));
}

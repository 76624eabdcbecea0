//! Every crash point of a swap, on the simulated file system (docs/durability.md#guards).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::sim_fs::{CrashModel, SimFs};
use crate::{
    ArchiveOutcome, MultiFile, MultiFileOptions, RetentionPolicy, StoreError, WritePolicy,
};

fn version(n: u8) -> Vec<u8> {
    // Distinct lengths and content so a torn or mixed file can never pass for a version.
    let mut v = format!("packed multi version {n};")
        .repeat(20 + usize::from(n) * 3)
        .into_bytes();
    v.push(n);
    v
}

const PRIMARY: &str = "/sim/node/channel.backup";
const MIRRORS: [&str; 2] = ["/sim/usb", "/sim/sync"];

#[derive(Debug, Clone, Copy)]
struct Config {
    name: &'static str,
    archive: bool,
    manifest: bool,
    mirrors: bool,
    keep_last: Option<usize>,
}

const CONFIGS: [Config; 4] = [
    Config {
        name: "bare",
        archive: false,
        manifest: false,
        mirrors: false,
        keep_last: None,
    },
    Config {
        name: "archive+manifest",
        archive: true,
        manifest: true,
        mirrors: false,
        keep_last: None,
    },
    Config {
        name: "archive+manifest+mirrors",
        archive: true,
        manifest: true,
        mirrors: true,
        keep_last: None,
    },
    Config {
        name: "archive+prune+mirrors",
        archive: true,
        manifest: true,
        mirrors: true,
        keep_last: Some(1),
    },
];

fn setup(config: Config) -> (Arc<SimFs>, MultiFile) {
    let fs = Arc::new(SimFs::new(&[
        Path::new("/sim/node"),
        Path::new(MIRRORS[0]),
        Path::new(MIRRORS[1]),
    ]));
    let mut options = MultiFileOptions::default()
        .with_archive(config.archive)
        .with_manifest(config.manifest)
        .with_retention(RetentionPolicy {
            keep_last: config.keep_last,
            keep_within: None,
        });
    if config.mirrors {
        options = options.with_mirror(MIRRORS[0]).with_mirror(MIRRORS[1]);
        options.archive_in_mirrors = true;
    }
    let file = MultiFile::with_fs(PathBuf::from(PRIMARY), options, fs.clone()).unwrap();
    (fs, file)
}

fn mirror_file(file: &MultiFile, dir: &str) -> MultiFile {
    let options = MultiFileOptions::default();
    MultiFile::with_fs(
        Path::new(dir).join("channel.backup"),
        options,
        file.fs.clone(),
    )
    .unwrap()
}

/// Checks the state after a power loss in the middle of the swap from version 2 to 3.
fn check_after_crash(
    fs: &SimFs,
    file: &MultiFile,
    config: Config,
    primary_ok: bool,
    completed: bool,
    ctx: &str,
) -> u64 {
    let main = file
        .read_packed()
        .unwrap_or_else(|e| panic!("{ctx}: main file lost: {e}"));
    assert!(
        main == version(2) || main == version(3),
        "{ctx}: main is neither old nor new ({} bytes)",
        main.len()
    );
    if primary_ok {
        assert_eq!(
            main,
            version(3),
            "{ctx}: a swap that returned Ok must survive power loss"
        );
    }
    let mut seq = 0;
    if config.manifest {
        let m = file
            .read_manifest()
            .unwrap_or_else(|e| panic!("{ctx}: manifest unreadable: {e}"))
            .unwrap();
        assert!(
            m.sequence == 2 || m.sequence == 3,
            "{ctx}: sequence {}",
            m.sequence
        );
        if m.sequence == 3 {
            assert!(
                m.describes(&version(3)) && main == version(3),
                "{ctx}: manifest ahead of the file"
            );
        } else {
            assert!(
                m.describes(&version(2)),
                "{ctx}: manifest 2 does not describe version 2"
            );
        }
        seq = m.sequence;
    }
    if config.archive {
        for entry in file.archive().list().unwrap() {
            let bytes = fs_read(fs, &entry.path);
            assert!(
                bytes == version(1) || bytes == version(2),
                "{ctx}: torn archive entry {}",
                entry.name
            );
        }
    }
    if config.mirrors {
        for dir in MIRRORS {
            let mirror = mirror_file(file, dir);
            let copy = mirror
                .read_packed()
                .unwrap_or_else(|e| panic!("{ctx}: mirror {dir} lost: {e}"));
            assert!(
                copy == version(2) || copy == version(3),
                "{ctx}: mirror {dir} torn"
            );
            if copy == version(3) {
                assert_eq!(main, version(3), "{ctx}: mirror ahead of primary");
            }
            if completed {
                assert_eq!(
                    copy,
                    version(3),
                    "{ctx}: completed swap lost in mirror {dir}"
                );
            }
            let mm = mirror.read_manifest().unwrap().unwrap();
            assert!(
                mm.sequence <= seq,
                "{ctx}: mirror manifest ahead of primary"
            );
            assert!(
                mm.describes(&version(2)) || mm.describes(&version(3)),
                "{ctx}: mirror manifest foreign"
            );
        }
    }
    seq
}

fn fs_read(fs: &SimFs, path: &Path) -> Vec<u8> {
    crate::fs::Fs::read(fs, path, u64::MAX).unwrap()
}

#[test]
fn every_crash_point_of_a_swap_leaves_old_or_new_version_and_recovers() {
    let mut total_points = 0;
    // Archive entries are hard links; `links == false` runs the copy fallback instead.
    for (config, links) in CONFIGS
        .into_iter()
        .flat_map(|c| [(c, true), (c, false)])
        .filter(|(c, links)| *links || c.archive)
    {
        for model in [CrashModel::DropUnsyncedEntries, CrashModel::KeepEntries] {
            let mut point = 0;
            loop {
                let ctx = format!(
                    "{} / links {links} / {model:?} / crash after {point} ops",
                    config.name
                );
                let (fs, file) = setup(config);
                fs.set_link_fails(!links);
                file.update_and_swap(&version(1)).unwrap();
                file.update_and_swap(&version(2)).unwrap();
                fs.crash_after(point);
                let result = file.update_and_swap(&version(3));
                let crashed = fs.crashed();
                // Ok means the primary is committed (rename and directory fsync); a crash
                // inside a mirror or the manifest step never fails the primary swap.
                let primary_ok = result.is_ok();
                fs.power_loss(model);
                let seq_before = check_after_crash(&fs, &file, config, primary_ok, !crashed, &ctx);

                // Next start: a new swap works, stale staging files are cleared, nothing is confused.
                let report = file
                    .update_and_swap(&version(4))
                    .unwrap_or_else(|e| panic!("{ctx}: recovery swap failed: {e}"));
                assert!(
                    report.all_ok(),
                    "{ctx}: recovery swap not clean: {report:?}"
                );
                fs.power_loss(CrashModel::DropUnsyncedEntries);
                assert_eq!(file.read_packed().unwrap(), version(4), "{ctx}");
                let names = fs.names(Path::new("/sim/node"));
                assert!(
                    !names.iter().any(|n| n.starts_with("temp-dont-use")),
                    "{ctx}: staging left: {names:?}"
                );
                if config.manifest {
                    let m = file.read_manifest().unwrap().unwrap();
                    assert_eq!(
                        m.sequence,
                        seq_before + 1,
                        "{ctx}: sequence went backwards or skipped"
                    );
                    assert!(m.describes(&version(4)), "{ctx}");
                }
                if config.archive {
                    let archive_names = fs.names(&file.archive_dir());
                    assert!(
                        !archive_names.iter().any(|n| n.ends_with(".archive-tmp")),
                        "{ctx}: archive temp file left: {archive_names:?}"
                    );
                    let entries = file.archive().list().unwrap();
                    assert!(!entries.is_empty(), "{ctx}");
                    let newest = fs_read(&fs, &entries[entries.len() - 1].path);
                    assert!(
                        newest == version(2) || newest == version(3),
                        "{ctx}: newest archive entry wrong"
                    );
                    if let ArchiveOutcome::Archived { .. } = report.archive {
                    } else {
                        panic!("{ctx}: recovery swap did not archive");
                    }
                }
                if config.mirrors {
                    for dir in MIRRORS {
                        assert_eq!(
                            mirror_file(&file, dir).read_packed().unwrap(),
                            version(4),
                            "{ctx}"
                        );
                    }
                }
                total_points += 1;
                if !crashed {
                    break;
                }
                point += 1;
                assert!(point < 500, "{ctx}: swap never completes");
            }
        }
    }
    // 4 configurations (3 of them twice: links and copies) x 2 models, each with every
    // operation of the swap as a crash point.
    eprintln!("crash points enumerated: {total_points}");
    assert!(
        total_points > 100,
        "only {total_points} crash points enumerated"
    );
}

/// A format that opens anything to no channel and wants mode 0400 (as Core Lightning's).
struct ReadOnlyFormat;

impl crate::BackupFormat for ReadOnlyFormat {
    fn name(&self) -> &'static str {
        "read-only test format"
    }

    fn open(&self, _bytes: &[u8]) -> Result<Vec<bitcoin::OutPoint>, crate::NotOpened> {
        Ok(Vec::new())
    }

    fn file_mode(&self) -> u32 {
        0o400
    }
}

#[test]
fn every_crash_point_of_a_format_write_publishes_only_the_final_mode() {
    let config = Config {
        name: "format, archive, no manifest",
        archive: true,
        manifest: false,
        mirrors: false,
        keep_last: None,
    };
    let write = |file: &MultiFile, n: u8| {
        file.write_format(
            &version(n),
            &crate::Content::Channels(&[]),
            &ReadOnlyFormat,
            &WritePolicy::strict(),
        )
    };
    let mut total_points = 0;
    for model in [CrashModel::DropUnsyncedEntries, CrashModel::KeepEntries] {
        let mut point = 0;
        loop {
            let ctx = format!("{model:?} / crash after {point} ops");
            let (fs, file) = setup(config);
            write(&file, 1).unwrap();
            write(&file, 2).unwrap();
            fs.crash_after(point);
            let result = write(&file, 3);
            let crashed = fs.crashed();
            fs.power_loss(model);
            check_after_crash(&fs, &file, config, result.is_ok(), !crashed, &ctx);
            // Whichever version is there has the final mode: it was set before the rename.
            assert_eq!(fs.mode(file.path()), Some(0o400), "{ctx}");
            let report = write(&file, 4).unwrap_or_else(|e| panic!("{ctx}: recovery: {e}"));
            assert!(report.all_ok(), "{ctx}: {report:?}");
            fs.power_loss(CrashModel::DropUnsyncedEntries);
            assert_eq!(file.read_packed().unwrap(), version(4), "{ctx}");
            assert_eq!(fs.mode(file.path()), Some(0o400), "{ctx}");
            total_points += 1;
            if !crashed {
                break;
            }
            point += 1;
            assert!(point < 500, "{ctx}: write never completes");
        }
    }
    assert!(
        total_points > 20,
        "only {total_points} crash points enumerated"
    );
}

#[test]
fn full_disk_during_staging_write_keeps_the_old_backup() {
    let (fs, file) = setup(CONFIGS[1]);
    file.update_and_swap(&version(1)).unwrap();
    file.update_and_swap(&version(2)).unwrap();
    // Room for what is there plus a few bytes: the new staging file cannot fit.
    fs.set_capacity(Some(version(1).len() + version(2).len() + 400 + 100));
    let err = file.update_and_swap(&version(9)).unwrap_err();
    match &err {
        StoreError::WriteStaging { source, .. } => assert_eq!(source.raw_os_error(), Some(28)),
        other => panic!("expected a staging write error, got {other:?}"),
    }
    assert!(err.to_string().starts_with("cannot write staging file"));
    fs.power_loss(CrashModel::KeepEntries);
    assert_eq!(file.read_packed().unwrap(), version(2));
    assert!(!fs
        .names(Path::new("/sim/node"))
        .iter()
        .any(|n| n.starts_with("temp-dont-use")));
}

#[test]
fn read_only_archive_directory_stops_the_swap_and_keeps_the_old_file() {
    let (fs, file) = setup(CONFIGS[1]);
    file.update_and_swap(&version(1)).unwrap();
    file.update_and_swap(&version(2)).unwrap();
    fs.set_read_only(&file.archive_dir(), true);
    let err = file.update_and_swap(&version(3)).unwrap_err();
    assert!(matches!(err, StoreError::Archive { .. }), "{err:?}");
    fs.power_loss(CrashModel::DropUnsyncedEntries);
    assert_eq!(file.read_packed().unwrap(), version(2));
    assert!(!fs
        .names(Path::new("/sim/node"))
        .iter()
        .any(|n| n.starts_with("temp-dont-use")));
}

#[test]
fn full_disk_during_the_archive_copy_stops_the_swap_and_keeps_the_old_file() {
    let (fs, file) = setup(CONFIGS[1]);
    fs.set_link_fails(true);
    file.update_and_swap(&version(1)).unwrap();
    file.update_and_swap(&version(2)).unwrap();
    let archived_before = file.archive().list().unwrap().len();
    // Room for the staging file, not for a copy of the previous version as well.
    let used = version(1).len() + version(2).len() + 2 * 400;
    fs.set_capacity(Some(used + version(3).len() + 10));
    let err = file.update_and_swap(&version(3)).unwrap_err();
    match &err {
        StoreError::Archive { source, .. } => assert!(
            matches!(**source, StoreError::WriteStaging { .. }),
            "{source:?}"
        ),
        other => panic!("expected an archive error, got {other:?}"),
    }
    fs.power_loss(CrashModel::KeepEntries);
    assert_eq!(file.read_packed().unwrap(), version(2));
    assert_eq!(file.archive().list().unwrap().len(), archived_before);
}

#[test]
fn archive_entries_are_hard_links_that_survive_the_swap() {
    let (fs, file) = setup(CONFIGS[1]);
    file.update_and_swap(&version(1)).unwrap();
    // With a full disk no copy of version 1 could be made: a link needs no room.
    fs.set_capacity(Some(version(1).len() + version(2).len() + 2 * 400));
    let report = file.update_and_swap(&version(2)).unwrap();
    let ArchiveOutcome::Archived { path, .. } = report.archive else {
        panic!("not archived: {report:?}");
    };
    fs.power_loss(CrashModel::DropUnsyncedEntries);
    assert_eq!(fs_read(&fs, &path), version(1));
    assert_eq!(file.read_packed().unwrap(), version(2));
}

#[test]
fn read_only_primary_directory_fails_and_leaves_the_old_file() {
    let (fs, file) = setup(CONFIGS[1]);
    file.update_and_swap(&version(1)).unwrap();
    fs.set_read_only(Path::new("/sim/node"), true);
    let err = file.update_and_swap(&version(2)).unwrap_err();
    assert!(matches!(err, StoreError::CreateStaging { .. }), "{err:?}");
    assert_eq!(file.read_packed().unwrap(), version(1));
}

#[test]
fn failing_mirror_is_reported_and_does_not_block_primary_or_other_mirror() {
    let (fs, file) = setup(CONFIGS[2]);
    file.update_and_swap(&version(1)).unwrap();
    fs.set_read_only(Path::new(MIRRORS[0]), true);
    let report = file.update_and_swap(&version(2)).unwrap();
    assert_eq!(report.mirrors.len(), 2);
    assert!(report.mirrors[0].result.is_err());
    assert!(report.mirrors[1].result.is_ok());
    assert!(!report.all_ok());
    fs.power_loss(CrashModel::DropUnsyncedEntries);
    assert_eq!(file.read_packed().unwrap(), version(2));
    assert_eq!(
        mirror_file(&file, MIRRORS[0]).read_packed().unwrap(),
        version(1)
    );
    assert_eq!(
        mirror_file(&file, MIRRORS[1]).read_packed().unwrap(),
        version(2)
    );
    // The mirror carries the primary's manifest, so its sequence tells that it is stale.
    let primary_seq = file.read_manifest().unwrap().unwrap().sequence;
    let stale = mirror_file(&file, MIRRORS[0])
        .read_manifest()
        .unwrap()
        .unwrap();
    let fresh = mirror_file(&file, MIRRORS[1])
        .read_manifest()
        .unwrap()
        .unwrap();
    assert_eq!(fresh.sequence, primary_seq);
    assert_eq!(stale.sequence + 1, primary_seq);
}

fn fixture() -> (scb_wire::Multi, scb_crypto::BackupKey) {
    let bytes = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/lnd-channel.backup"),
    )
    .unwrap();
    let hex = "b5c998cdfe1140e69e6bcb9102543ef3c35df795628b2f978cdc161d72ea2ae7";
    let mut key = [0u8; 32];
    for (i, byte) in key.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap();
    }
    let key = scb_crypto::BackupKey::from_bytes(key);
    (scb_crypto::unpack_multi(&bytes, &key).unwrap(), key)
}

#[test]
fn read_back_mismatch_restores_the_previous_version_and_fails_loudly() {
    let (multi, key) = fixture();
    let (fs, file) = setup(CONFIGS[1]);
    file.write_multi(
        &multi,
        &key,
        &WritePolicy::replace_anything(),
        &mut scb_crypto::OsRng,
    )
    .unwrap();
    let good = file.read_packed().unwrap();
    let mut fewer = multi.clone();
    fewer.singles.truncate(3);
    fs.set_corrupt_writes(&file.staging_path(), true);
    let err = file
        .write_multi(
            &fewer,
            &key,
            &WritePolicy::replace_anything(),
            &mut scb_crypto::OsRng,
        )
        .unwrap_err();
    fs.set_corrupt_writes(&file.staging_path(), false);
    match &err {
        StoreError::ReadBackMismatch { detail, .. } => {
            assert!(detail.contains("previous version restored"), "{detail}");
        }
        other => panic!("expected a read-back mismatch, got {other:?}"),
    }
    fs.power_loss(CrashModel::DropUnsyncedEntries);
    assert!(
        file.read_packed().unwrap() == good,
        "previous version not back in place"
    );
    assert_eq!(file.extract_multi(&key).unwrap().singles.len(), 16);
}

#[test]
fn read_back_mismatch_without_archive_quarantines_the_bad_file() {
    let (multi, key) = fixture();
    let (fs, file) = setup(CONFIGS[0]);
    fs.set_corrupt_writes(&file.staging_path(), true);
    let err = file
        .write_multi(
            &multi,
            &key,
            &WritePolicy::replace_anything(),
            &mut scb_crypto::OsRng,
        )
        .unwrap_err();
    fs.set_corrupt_writes(&file.staging_path(), false);
    assert!(err.to_string().contains("moved to"), "{err}");
    assert!(file.read_packed().unwrap_err().is_not_found());
    assert!(fs
        .names(Path::new("/sim/node"))
        .iter()
        .any(|n| n.starts_with("channel.backup.quarantine-")));
}

#[test]
fn every_crash_point_of_a_quarantine_keeps_the_bytes_somewhere() {
    let (_, key) = fixture();
    for model in [CrashModel::DropUnsyncedEntries, CrashModel::KeepEntries] {
        let mut point = 0;
        loop {
            let ctx = format!("{model:?} / crash after {point} ops");
            let (fs, file) = setup(CONFIGS[1]);
            file.update_and_swap(b"not a backup at all, but kept")
                .unwrap();
            fs.crash_after(point);
            let result = file.open_or_quarantine(&key);
            let crashed = fs.crashed();
            fs.power_loss(model);
            let names = fs.names(Path::new("/sim/node"));
            let quarantined: Vec<&String> = names
                .iter()
                .filter(|n| n.starts_with("channel.backup.quarantine-"))
                .collect();
            let in_place = file.read_packed().ok();
            match (in_place, quarantined.as_slice()) {
                (Some(bytes), []) => assert_eq!(bytes, b"not a backup at all, but kept", "{ctx}"),
                (None, [q]) => {
                    let moved = fs_read(&fs, &Path::new("/sim/node").join(q));
                    assert_eq!(moved, b"not a backup at all, but kept", "{ctx}");
                }
                other => panic!("{ctx}: bytes lost or duplicated: {other:?}"),
            }
            if result.is_ok() {
                assert!(
                    file.read_packed().unwrap_err().is_not_found(),
                    "{ctx}: quarantine not durable"
                );
            }
            if !crashed {
                break;
            }
            point += 1;
            assert!(point < 100, "{ctx}");
        }
    }
}

#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The one guarded write for a format the store does not decode ([`MultiFile::write_format`]),
//! on a real directory: the guards by channel identity, the archive, the final mode set
//! before the rename, and non-regular targets refused.

use bitcoin::hashes::Hash;
use bitcoin::{OutPoint, Txid};
use scb_store::{
    ArchiveOutcome, BackupFormat, Content, MultiFile, MultiFileOptions, NotOpened, Refusal,
    StoreError, SwapReport, WritePolicy,
};

/// A toy format: `TOY` + one secret byte + 36 bytes per channel (txid, vout).
struct Toy {
    secret: u8,
}

impl Toy {
    fn pack(&self, channels: &[OutPoint]) -> Vec<u8> {
        let mut out = b"TOY".to_vec();
        out.push(self.secret);
        for c in channels {
            out.extend_from_slice(c.txid.as_byte_array());
            out.extend_from_slice(&c.vout.to_le_bytes());
        }
        out
    }
}

impl BackupFormat for Toy {
    fn name(&self) -> &'static str {
        "toy backup"
    }

    fn open(&self, bytes: &[u8]) -> Result<Vec<OutPoint>, NotOpened> {
        let rest = bytes
            .strip_prefix(b"TOY")
            .ok_or_else(|| NotOpened::Rejected("not a toy backup".into()))?;
        let (&secret, body) = rest
            .split_first()
            .ok_or_else(|| NotOpened::Rejected("truncated".into()))?;
        if secret != self.secret {
            return Err(NotOpened::Rejected("another secret".into()));
        }
        if body.len() % 36 != 0 {
            return Err(NotOpened::Rejected("truncated".into()));
        }
        Ok(body
            .chunks_exact(36)
            .map(|c| OutPoint {
                txid: Txid::from_slice(&c[..32]).unwrap(),
                vout: u32::from_le_bytes(c[32..].try_into().unwrap()),
            })
            .collect())
    }

    fn file_mode(&self) -> u32 {
        0o400
    }
}

fn channels(n: u8) -> Vec<OutPoint> {
    (1..=n)
        .map(|i| OutPoint {
            txid: Txid::from_byte_array([i; 32]),
            vout: u32::from(i),
        })
        .collect()
}

fn toy_file(dir: &std::path::Path) -> MultiFile {
    let options = MultiFileOptions::default().with_manifest(false);
    MultiFile::new(dir.join("emergency.recover"), options).unwrap()
}

fn write(
    file: &MultiFile,
    toy: &Toy,
    chans: &[OutPoint],
    policy: WritePolicy,
) -> Result<SwapReport, StoreError> {
    file.write_format(&toy.pack(chans), &Content::Channels(chans), toy, &policy)
}

fn refusal(result: Result<SwapReport, StoreError>) -> Refusal {
    match result {
        Err(StoreError::Refused { refusal, .. }) => refusal,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[cfg(unix)]
fn mode(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn write_format_gives_the_final_mode_and_archives_the_previous_version() {
    let dir = tempfile::tempdir().unwrap();
    let file = toy_file(dir.path());
    let toy = Toy { secret: 7 };
    let first = write(&file, &toy, &channels(2), WritePolicy::strict()).unwrap();
    assert!(matches!(first.archive, ArchiveOutcome::NoPreviousFile));
    #[cfg(unix)]
    assert_eq!(mode(file.path()), 0o400);

    // More channels replace it without any flag; the previous version is archived.
    let second = write(&file, &toy, &channels(3), WritePolicy::strict()).unwrap();
    let ArchiveOutcome::Archived { path, .. } = &second.archive else {
        panic!("{:?}", second.archive);
    };
    assert_eq!(std::fs::read(path).unwrap(), toy.pack(&channels(2)));
    assert_eq!(file.read_packed().unwrap(), toy.pack(&channels(3)));
    #[cfg(unix)]
    {
        assert_eq!(mode(file.path()), 0o400);
        assert_eq!(mode(path), 0o400);
    }
    // No staging file is left behind.
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        !names.iter().any(|n| n.starts_with("temp-dont-use")),
        "{names:?}"
    );
}

#[test]
fn write_format_guards_by_channel_identity_and_secret() {
    let dir = tempfile::tempdir().unwrap();
    let file = toy_file(dir.path());
    let toy = Toy { secret: 7 };
    write(&file, &toy, &channels(3), WritePolicy::strict()).unwrap();
    let before = file.read_packed().unwrap();

    match refusal(write(&file, &toy, &channels(1), WritePolicy::strict())) {
        Refusal::Shrink { dropped } => assert_eq!(dropped, channels(3)[1..].to_vec()),
        other => panic!("{other:?}"),
    }
    let shrink = WritePolicy::strict().with_allow_shrink(true);
    assert_eq!(
        refusal(write(&file, &toy, &[], shrink)),
        Refusal::Empty { existing: 3 }
    );
    let other = Toy { secret: 8 };
    assert_eq!(
        refusal(write(&file, &other, &channels(3), WritePolicy::strict())),
        Refusal::DoesNotOpen {
            format: "toy backup".into(),
            reason: "another secret".into()
        }
    );
    assert_eq!(
        file.read_packed().unwrap(),
        before,
        "a refusal writes nothing"
    );
    assert!(file.archive().list().unwrap().is_empty());

    // --force replaces the file that does not open, and keeps it in the archive.
    let forced = WritePolicy::strict().with_force(true);
    let report = write(&file, &other, &channels(1), forced).unwrap();
    assert_eq!(report.replaced_unopened.as_deref(), Some("another secret"));
    let ArchiveOutcome::Archived { path, .. } = &report.archive else {
        panic!("{:?}", report.archive);
    };
    assert_eq!(std::fs::read(path).unwrap(), before);

    // Shrinking with the permission.
    write(&file, &other, &[], shrink.with_allow_empty(true)).unwrap();
    assert_eq!(file.read_packed().unwrap(), other.pack(&[]));
}

#[test]
fn write_format_checks_the_packed_bytes_before_touching_the_disk() {
    let dir = tempfile::tempdir().unwrap();
    let file = toy_file(dir.path());
    let toy = Toy { secret: 7 };
    // Bytes that open to other channels than announced.
    let err = file
        .write_format(
            &toy.pack(&channels(1)),
            &Content::Channels(&channels(2)),
            &toy,
            &WritePolicy::strict(),
        )
        .unwrap_err();
    assert!(
        matches!(err, StoreError::ReadBackMismatch { .. }),
        "{err:?}"
    );
    // Bytes that do not open under the format's secret.
    let err = file
        .write_format(
            &Toy { secret: 1 }.pack(&channels(1)),
            &Content::Channels(&channels(1)),
            &toy,
            &WritePolicy::replace_anything(),
        )
        .unwrap_err();
    assert!(
        matches!(err, StoreError::ReadBackMismatch { .. }),
        "{err:?}"
    );
    assert!(file.read_packed().unwrap_err().is_not_found());
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    // One channel listed twice is still the same set of channels.
    let twice = [channels(1), channels(1)].concat();
    file.write_format(
        &toy.pack(&twice),
        &Content::Channels(&twice),
        &toy,
        &WritePolicy::strict(),
    )
    .unwrap();
}

#[cfg(unix)]
#[test]
fn write_format_refuses_a_fifo_or_a_symbolic_link_even_with_force() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("emergency.recover");
    let status = std::process::Command::new("mkfifo")
        .arg(&target)
        .status()
        .unwrap();
    assert!(status.success());
    let file = toy_file(dir.path());
    let toy = Toy { secret: 7 };
    let err = write(&file, &toy, &channels(1), WritePolicy::replace_anything()).unwrap_err();
    assert!(matches!(err, StoreError::NotRegular { .. }), "{err:?}");
    assert!(
        !file.lock_path().exists(),
        "no lock file is created beside a FIFO"
    );

    std::fs::remove_file(&target).unwrap();
    let elsewhere = dir.path().join("elsewhere");
    std::fs::write(&elsewhere, b"not ours").unwrap();
    std::os::unix::fs::symlink(&elsewhere, &target).unwrap();
    let err = write(&file, &toy, &channels(1), WritePolicy::replace_anything()).unwrap_err();
    assert!(matches!(err, StoreError::NotRegular { .. }), "{err:?}");
    assert_eq!(std::fs::read(&elsewhere).unwrap(), b"not ours");
}

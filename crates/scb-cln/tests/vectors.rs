//! Every case of `../shared/vectors/cln/cases.json` (Core Lightning's
//! `emergency.recover`), and the same cases from the copy shipped in
//! `tests/fixtures/` so that a bare clone checks them too.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::path::{Path, PathBuf};

use bitcoin::hex::{DisplayHex, FromHex};
use rand_chacha::rand_core::SeedableRng;
use scb_cln::{json, Backup, ClnVerdict, Error, HsmSecret, HsmSecretKind, Tag};
use serde_json::Value;

fn hex(v: &Value, field: &str) -> Vec<u8> {
    Vec::from_hex(
        v[field]
            .as_str()
            .unwrap_or_else(|| panic!("{field} missing")),
    )
    .unwrap()
}

fn load(path: &Path) -> Vec<Value> {
    let v: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    v["cases"].as_array().unwrap().clone()
}

fn expected_verdict(case: &Value) -> ClnVerdict {
    match (
        case["error"].as_str().unwrap(),
        case["cln_behaviour"].as_str().unwrap(),
    ) {
        (_, "undefined") => ClnVerdict::Undefined,
        ("SCB file is corrupted!", "rejects") => ClnVerdict::Corrupted,
        ("Invalid recovery format", "rejects") => ClnVerdict::InvalidFormat,
        (e, "rejects") if e.starts_with("Incompatible emergencyrecover version") => {
            ClnVerdict::IncompatibleVersion
        }
        other => panic!("unexpected verdict {other:?}"),
    }
}

/// Runs one case: key schedule, decryption, decoding or verdict, JSON both
/// ways, byte-exact re-encoding and a fresh seal that opens again.
fn check_case(case: &Value) {
    let name = case["name"].as_str().unwrap();
    let hsm = &case["hsm"];
    let secret = HsmSecret::from_bytes(&hex(hsm, "hsm_secret_hex")).unwrap();
    let kind = match hsm["kind"].as_str().unwrap() {
        "plain" => HsmSecretKind::Plain,
        "encrypted" => HsmSecretKind::Encrypted,
        "mnemonic" => HsmSecretKind::Mnemonic,
        "mnemonic_passphrase" => HsmSecretKind::MnemonicWithPassphrase,
        k => panic!("{name}: kind {k}"),
    };
    assert_eq!(secret.kind(), kind, "{name}: kind");
    let data = secret
        .secret_data(hsm["passphrase"].as_str())
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(
        data.as_bytes(),
        hex(hsm, "secret_data_hex"),
        "{name}: secret data"
    );
    let key = data.scb_key();
    assert_eq!(
        key.as_bytes()[..],
        hex(hsm, "scb_key_hex"),
        "{name}: scb key"
    );

    let file = hex(case, "file_hex");
    let decrypted = scb_cln::decrypt(&file, &key);
    match case["plaintext_hex"].as_str() {
        Some(p) => assert_eq!(
            decrypted
                .as_ref()
                .map_or_else(|e| panic!("{name}: {e}"), |d| d.to_lower_hex_string()),
            p,
            "{name}: plaintext"
        ),
        None => assert!(
            decrypted.is_err(),
            "{name}: decrypts but no plaintext given"
        ),
    }

    match case["outcome"].as_str().unwrap() {
        "accepted" => {
            let plaintext = hex(case, "plaintext_hex");
            let backup = scb_cln::open(&file, &key).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(
                json::to_json(&backup),
                case["decoded"],
                "{name}: decoded JSON"
            );
            let (_, used) = Backup::decode_prefix(&plaintext).unwrap();
            assert_eq!(
                backup.to_bytes().unwrap(),
                plaintext[..used],
                "{name}: re-encoding"
            );
            if used != plaintext.len() {
                assert_eq!(
                    name, "trailing_plaintext_ignored",
                    "{name}: unexpected trailing bytes"
                );
            }
            assert_eq!(
                json::from_json(&case["decoded"]).unwrap(),
                backup,
                "{name}: from JSON"
            );
            let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
            let sealed = scb_cln::seal(&backup, &key, &mut rng).unwrap();
            assert_eq!(
                sealed.len(),
                used + scb_cln::MIN_FILE_LEN,
                "{name}: sealed length"
            );
            assert_eq!(
                scb_cln::open(&sealed, &key).unwrap(),
                backup,
                "{name}: sealed opens"
            );
            let final_tag =
                scb_cln::seal_plaintext(&plaintext, &key, Tag::Final, &mut rng).unwrap();
            assert_eq!(
                scb_cln::open(&final_tag, &key).unwrap(),
                backup,
                "{name}: TAG_FINAL opens"
            );
        }
        "rejected" => {
            let e: Error = scb_cln::open(&file, &key).expect_err(name);
            assert_eq!(e.cln_verdict(), Some(expected_verdict(case)), "{name}: {e}");
            let line = e.to_string();
            assert!(
                !line.contains('\n') && !line.ends_with('.'),
                "{name}: one line: {line}"
            );
        }
        o => panic!("{name}: outcome {o}"),
    }
}

fn check_all(path: &Path) -> usize {
    let cases = load(path);
    for case in &cases {
        check_case(case);
    }
    cases.len()
}

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/cases.json")
}

#[test]
fn fixture_copy_every_case() {
    assert_eq!(check_all(&fixture()), 26);
}

#[test]
#[cfg_attr(
    not(shared_cln_vectors),
    ignore = "../shared/vectors/cln not found: only the fixture copy was checked"
)]
fn shared_vectors_every_case_and_fixture_is_current() {
    let shared =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/vectors/cln/cases.json");
    let n = check_all(&shared);
    assert!(n >= 26, "{n} cases");
    assert_eq!(
        std::fs::read(&shared).unwrap(),
        std::fs::read(fixture()).unwrap(),
        "tests/fixtures/cases.json is out of date: copy ../shared/vectors/cln/cases.json"
    );
}

#[test]
fn wrong_passphrases_are_told_apart_from_missing_ones() {
    let cases = load(&fixture());
    let by = |n: &str| cases.iter().find(|c| c["name"] == n).unwrap().clone();
    let mnemonic = by("mnemonic_with_passphrase");
    let s = HsmSecret::from_bytes(&hex(&mnemonic["hsm"], "hsm_secret_hex")).unwrap();
    assert_eq!(
        s.secret_data(Some("not it")).unwrap_err(),
        Error::WrongPassphrase { kind: "mnemonic" }
    );
    assert_eq!(
        s.secret_data(None).unwrap_err(),
        Error::PassphraseRequired { kind: "mnemonic" }
    );
    let plain_mnemonic = by("mnemonic_hsm_secret");
    let s = HsmSecret::from_bytes(&hex(&plain_mnemonic["hsm"], "hsm_secret_hex")).unwrap();
    assert_eq!(
        s.secret_data(Some("x")).unwrap_err(),
        Error::PassphraseUnexpected { kind: "mnemonic" }
    );
}

#[test]
fn wrong_passphrase_on_encrypted_hsm_secret_runs_argon2id_and_fails() {
    let cases = load(&fixture());
    let enc = cases
        .iter()
        .find(|c| c["name"] == "encrypted_hsm_secret")
        .unwrap();
    let s = HsmSecret::from_bytes(&hex(&enc["hsm"], "hsm_secret_hex")).unwrap();
    let e = s.secret_data(Some("wrong")).unwrap_err();
    assert_eq!(e, Error::WrongPassphrase { kind: "encrypted" });
    assert!(e.to_string().contains("cannot tell"), "{e}");
}

#[test]
fn clnemerg_form_of_every_vector_file_decodes_to_the_same_bytes() {
    for case in load(&fixture()) {
        let file = hex(&case, "file_hex");
        let text = scb_cln::bech32::encode(&file).unwrap();
        assert!(text.starts_with("clnemerg1"));
        assert_eq!(scb_cln::bech32::decode(&text).unwrap(), file);
    }
}

/// The `empty` vector's file in the `clnemerg1…` form, computed by an
/// independent bech32 implementation (BIP 173's reference code, without the
/// 90-character limit), as `lightning-hsmtool getemergencyrecover` prints it.
const EMPTY_CLNEMERG: &str = "clnemerg1cgxwl8kwkwn8g2t3t4v3vffnjqvlm724am6sldawcawjtwjeaf8jh0gl27pe706l48h57ml4ju24g6nmghnxxn3nwwms23xfsh";

#[test]
fn clnemerg_form_matches_an_independent_bech32_encoder() {
    let cases = load(&fixture());
    let empty = cases.iter().find(|c| c["name"] == "empty").unwrap();
    let file = hex(empty, "file_hex");
    assert_eq!(scb_cln::bech32::encode(&file).unwrap(), EMPTY_CLNEMERG);
    assert_eq!(scb_cln::bech32::decode(EMPTY_CLNEMERG).unwrap(), file);
}

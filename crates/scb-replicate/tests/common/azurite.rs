//! A real Azurite (the Azure Storage emulator, npm package `azurite`) blob server on
//! 127.0.0.1, started and killed by the test, and a Shared Key signer for the one call
//! object_store does not make: creating a container.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use bitcoin::hashes::hmac::{Hmac, HmacEngine};
use bitcoin::hashes::{sha256, Hash, HashEngine};
use scb_replicate::Destination;

/// Azurite's well-known development account and key (public, emulator only).
pub const ACCOUNT: &str = "devstoreaccount1";
pub const KEY: &str =
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

/// A running `azurite-blob`, killed on drop (its data lives in a temporary directory).
pub struct Azurite {
    child: Child,
    pub port: u16,
    _data: tempfile::TempDir,
}

impl Azurite {
    /// Starts azurite-blob on a free loopback port (tests marked
    /// `#[requires(tool = "azurite-blob")]`).
    pub fn start() -> Self {
        let exe = scb_testkit::tool("azurite-blob");
        let data = tempfile::tempdir().unwrap();
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(exe)
            .args(["--blobHost", "127.0.0.1", "--blobPort", &port.to_string()])
            .arg("--location")
            .arg(data.path())
            .args(["--silent", "--disableTelemetry", "--skipApiVersionCheck"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn azurite-blob");
        let deadline = Instant::now() + Duration::from_secs(60);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "azurite-blob did not listen on {port}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Self {
            child,
            port,
            _data: data,
        }
    }

    /// The account's endpoint (path style: the account is the first path segment).
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}/{ACCOUNT}", self.port)
    }

    /// Creates `container` with a Shared Key signed `PUT ?restype=container`.
    pub fn create_container(&self, container: &str) {
        let date = http_date();
        let version = "2021-08-06";
        let path = format!("/{ACCOUNT}/{container}");
        // VERB, 11 standard headers (all empty; Content-Length 0 is written as empty),
        // then the x-ms- headers and the resource (path style: account, then the path).
        let to_sign = format!(
            "PUT\n\n\n\n\n\n\n\n\n\n\n\nx-ms-date:{date}\nx-ms-version:{version}\n/{ACCOUNT}{path}\nrestype:container"
        );
        let signature = base64_encode(&hmac_sha256(&base64_decode(KEY), to_sign.as_bytes()));
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let request = format!(
            "PUT {path}?restype=container HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\n\
             Content-Length: 0\r\nx-ms-date: {date}\r\nx-ms-version: {version}\r\n\
             Authorization: SharedKey {ACCOUNT}:{signature}\r\n\r\n",
            self.port
        );
        s.write_all(request.as_bytes()).unwrap();
        let mut response = String::new();
        s.read_to_string(&mut response).unwrap();
        assert!(
            response.starts_with("HTTP/1.1 201"),
            "create container {container}: {response}"
        );
    }

    /// `az://container/prefix` on this server with the development account's key.
    pub fn destination(&self, container: &str, prefix: &str) -> Destination {
        self.destination_with_key(container, prefix, KEY)
    }

    /// The same with another account key (a wrong key must be refused).
    pub fn destination_with_key(&self, container: &str, prefix: &str, key: &str) -> Destination {
        Destination::parse_with_options(
            &format!("az://{container}/{prefix}"),
            [
                ("azure_storage_account_name", ACCOUNT.to_string()),
                ("azure_storage_account_key", key.to_string()),
                ("azure_storage_endpoint", self.endpoint()),
                ("azure_allow_http", "true".to_string()),
                ("connect_timeout", "2s".to_string()),
                ("timeout", "5s".to_string()),
            ],
        )
        .unwrap()
    }
}

impl Drop for Azurite {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// RFC 1123 date of now, as `x-ms-date` wants it.
fn http_date() -> String {
    chrono::Utc::now()
        .format("%a, %d %b %Y %H:%M:%S GMT")
        .to_string()
}

fn hmac_sha256(key: &[u8], message: &[u8]) -> Vec<u8> {
    let mut engine = HmacEngine::<sha256::Hash>::new(key);
    engine.input(message);
    Hmac::<sha256::Hash>::from_engine(engine)
        .to_byte_array()
        .to_vec()
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn base64_encode(data: &[u8]) -> String {
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let n = chunk.iter().fold(0u32, |n, b| n << 8 | u32::from(*b)) << (8 * (3 - chunk.len()));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(B64[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn base64_decode(text: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0);
    for c in text.bytes().filter(|c| *c != b'=') {
        let v = B64.iter().position(|b| *b == c).expect("base64 digit") as u32;
        acc = acc << 6 | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    out
}

#[test]
fn hmac_and_base64_match_rfc_4231_case_2() {
    // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
    let mac = hmac_sha256(b"Jefe", b"what do ya want for nothing?");
    assert_eq!(
        base64_encode(&mac),
        "W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM="
    );
    assert_eq!(base64_decode(&base64_encode(b"ab")), b"ab");
}

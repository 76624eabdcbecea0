//! Helpers shared by the integration tests: fake backups, a verifier, lnd-style writes,
//! bounded waiting, and a real `moto_server` (S3) process on 127.0.0.1.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use scb_replicate::{Destination, ReplicationOutcome, VerifiedInfo, Verifier};

const MAGIC: &[u8] = b"SCBTEST1";
const TRAILER: &[u8] = b"END!";

/// A complete fake backup numbered `n` (72 bytes, above the 45-byte minimum).
pub fn backup(n: u32) -> Vec<u8> {
    let mut v = MAGIC.to_vec();
    v.extend_from_slice(&n.to_le_bytes());
    v.extend((0..56u8).map(|i| i.wrapping_mul(31).wrapping_add(n as u8)));
    v.extend_from_slice(TRAILER);
    v
}

/// Accepts only complete fake backups (what a key-holding verifier does for real ones).
pub fn verifier() -> Verifier {
    Verifier::new(|b: &[u8]| {
        if b.len() == 72 && b.starts_with(MAGIC) && b.ends_with(TRAILER) {
            Ok(VerifiedInfo::with_channels(1))
        } else {
            Err(format!("not a complete test backup ({} bytes)", b.len()))
        }
    })
}

/// Whether `b` is one of the complete backups.
pub fn is_complete(b: &[u8]) -> bool {
    verifier().verify(b).is_ok()
}

/// Writes like lnd: a fixed staging name in the same directory, fsync, rename over.
pub fn lnd_write(target: &Path, bytes: &[u8]) {
    let staging = target.parent().unwrap().join("temp-dont-use.backup");
    let mut f = std::fs::File::create(&staging).unwrap();
    f.write_all(bytes).unwrap();
    f.sync_all().unwrap();
    drop(f);
    std::fs::rename(&staging, target).unwrap();
}

/// Polls `check` every 20 ms for at most `limit`; returns whether it became true.
pub async fn wait_for(limit: Duration, mut check: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if check() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    check()
}

/// Polls an async condition every 20 ms for at most `limit`.
pub async fn wait_for_async<F, Fut>(limit: Duration, mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if check().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    check().await
}

/// The latest bytes at `dest`, or `None`.
pub async fn latest(dest: &Destination) -> Option<Vec<u8>> {
    dest.latest().await.ok().flatten().map(|c| c.bytes)
}

/// Collects watcher events.
#[derive(Clone, Default)]
pub struct Events(pub Arc<Mutex<Vec<ReplicationOutcome>>>);

impl Events {
    pub fn sink(&self) -> impl FnMut(&ReplicationOutcome) + Send + 'static {
        let inner = Arc::clone(&self.0);
        move |o| inner.lock().unwrap().push(o.clone())
    }
    pub fn all(&self) -> Vec<ReplicationOutcome> {
        self.0.lock().unwrap().clone()
    }
}

// ---------------------------------------------------------------- moto_server (S3)

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A running moto_server on 127.0.0.1, killed on drop.
pub struct Moto {
    child: Option<Child>,
    pub port: u16,
    exe: PathBuf,
    no_auth_actions: Option<u32>,
}

impl Moto {
    /// Starts moto on a free loopback port (tests marked `#[requires(tool = "moto_server")]`).
    pub fn start() -> Self {
        Self::start_with(None)
    }

    /// Starts moto with IAM authentication enforced after `n` unauthenticated actions.
    pub fn start_with_auth(n: u32) -> Self {
        Self::start_with(Some(n))
    }

    fn start_with(no_auth_actions: Option<u32>) -> Self {
        let exe = scb_testkit::tool("moto_server");
        let mut m = Self {
            child: None,
            port: free_port(),
            exe,
            no_auth_actions,
        };
        m.spawn();
        m
    }

    fn spawn(&mut self) {
        let mut cmd = Command::new(&self.exe);
        cmd.args(["-H", "127.0.0.1", "-p", &self.port.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if let Some(n) = self.no_auth_actions {
            cmd.env("INITIAL_NO_AUTH_ACTION_COUNT", n.to_string());
        }
        self.child = Some(cmd.spawn().expect("spawn moto_server"));
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "moto_server did not listen on port {}",
                self.port
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Kills the server (all its state is lost).
    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", self.port)).is_ok() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Starts the server again on the same port (empty state).
    pub fn restart(&mut self) {
        self.stop();
        self.spawn();
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Sends one raw HTTP request (no signature) and returns (status, body).
    pub fn raw(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> (u16, String) {
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let mut req = format!(
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\nContent-Length: {}\r\n",
            self.port,
            body.len()
        );
        for (k, v) in headers {
            req.push_str(k);
            req.push_str(": ");
            req.push_str(v);
            req.push_str("\r\n");
        }
        req.push_str("\r\n");
        req.push_str(body);
        s.write_all(req.as_bytes()).unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).unwrap();
        let status = out
            .split(' ')
            .nth(1)
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        (status, out)
    }

    /// Creates a bucket (moto does not check signatures unless auth is enabled).
    pub fn create_bucket(&self, bucket: &str) {
        let (status, body) = self.raw("PUT", &format!("/{bucket}"), &[], "");
        assert_eq!(status, 200, "create bucket: {body}");
    }

    /// With auth enabled: creates an IAM user allowed everything and returns its keys.
    /// Uses three of the unauthenticated actions.
    pub fn create_user_keys(&self) -> (String, String) {
        let iam = [
            ("Authorization", "AWS4-HMAC-SHA256 Credential=x/20260101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0"),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ];
        let (st, body) = self.raw(
            "POST",
            "/",
            &iam,
            "Action=CreateUser&UserName=scb&Version=2010-05-08",
        );
        assert_eq!(st, 200, "{body}");
        let (st, body) = self.raw(
            "POST",
            "/",
            &iam,
            "Action=CreateAccessKey&UserName=scb&Version=2010-05-08",
        );
        assert_eq!(st, 200, "{body}");
        let tag = |t: &str| {
            let open = format!("<{t}>");
            let start = body.find(&open).unwrap() + open.len();
            let end = start + body[start..].find('<').unwrap();
            body[start..end].to_string()
        };
        let keys = (tag("AccessKeyId"), tag("SecretAccessKey"));
        // {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}
        let policy = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22%2A%22%2C%22Resource%22%3A%22%2A%22%7D%5D%7D";
        let (st, body) = self.raw(
            "POST",
            "/",
            &iam,
            &format!("Action=PutUserPolicy&UserName=scb&PolicyName=all&PolicyDocument={policy}&Version=2010-05-08"),
        );
        assert_eq!(st, 200, "{body}");
        keys
    }

    /// A destination `s3://bucket/prefix` on this server with the given keys.
    pub fn destination_with_keys(
        &self,
        bucket: &str,
        prefix: &str,
        key: &str,
        secret: &str,
    ) -> Destination {
        Destination::parse_with_options(
            &format!("s3://{bucket}/{prefix}"),
            [
                ("aws_endpoint", self.endpoint()),
                ("aws_allow_http", "true".to_string()),
                ("aws_access_key_id", key.to_string()),
                ("aws_secret_access_key", secret.to_string()),
                ("aws_region", "us-east-1".to_string()),
                ("aws_virtual_hosted_style_request", "false".to_string()),
                ("aws_skip_signature", "false".to_string()),
                ("connect_timeout", "2s".to_string()),
                ("timeout", "5s".to_string()),
            ],
        )
        .unwrap()
    }

    /// A destination with moto's default test keys.
    pub fn destination(&self, bucket: &str, prefix: &str) -> Destination {
        self.destination_with_keys(bucket, prefix, "testing", "testing")
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

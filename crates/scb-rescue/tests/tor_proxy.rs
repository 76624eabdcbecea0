//! `tor_proxy`: every connection goes through a SOCKS5 proxy, onion and
//! DNS names are resolved by the proxy. The proxy here is a minimal SOCKS5
//! server on 127.0.0.1 that maps every name to one local peer and records
//! what it was asked for.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{key, scripted_peer, target, Script};
use scb_rescue::peer::PeerAddress;
use scb_rescue::{trigger_close, Outcome, TriggerCloseOptions};
use scb_wire::Address;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A SOCKS5 proxy (no authentication, CONNECT only) sending every request
/// to `to`; returns its address and the log of requested `host:port`s.
async fn socks5_proxy(to: SocketAddr) -> (SocketAddr, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let asked = Arc::new(Mutex::new(Vec::new()));
    let log = asked.clone();
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            let log = log.clone();
            tokio::spawn(async move {
                let mut greet = [0u8; 2];
                client.read_exact(&mut greet).await.unwrap();
                let mut methods = vec![0u8; usize::from(greet[1])];
                client.read_exact(&mut methods).await.unwrap();
                client.write_all(&[5, 0]).await.unwrap();
                let mut head = [0u8; 4];
                client.read_exact(&mut head).await.unwrap();
                let host = match head[3] {
                    1 => {
                        let mut ip = [0u8; 4];
                        client.read_exact(&mut ip).await.unwrap();
                        std::net::Ipv4Addr::from(ip).to_string()
                    }
                    3 => {
                        let len = client.read_u8().await.unwrap();
                        let mut name = vec![0u8; usize::from(len)];
                        client.read_exact(&mut name).await.unwrap();
                        String::from_utf8(name).unwrap()
                    }
                    other => panic!("address type {other}"),
                };
                let port = client.read_u16().await.unwrap();
                log.lock().unwrap().push(format!("{host}:{port}"));
                let mut upstream = TcpStream::connect(to).await.unwrap();
                client
                    .write_all(&[5, 0, 0, 1, 0, 0, 0, 0, 0, 0])
                    .await
                    .unwrap();
                let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
            });
        }
    });
    (addr, asked)
}

#[tokio::test]
async fn onion_and_dns_addresses_go_through_the_proxy_by_name() {
    let (peer_addr, peer) = scripted_peer(Script::Answer).await;
    let (proxy, asked) = socks5_proxy(peer_addr).await;
    let mut onion = target(peer, None, 1);
    onion.addresses = vec![Address::TorV3 {
        key: [7; 35],
        port: 9735,
    }];
    let options = TriggerCloseOptions {
        timeout: Duration::from_secs(5),
        tor_proxy: Some(proxy.to_string()),
        ..TriggerCloseOptions::default()
    };
    let reports = trigger_close(&key("us"), &[onion.clone()], &options).await;
    assert_eq!(
        reports[0].outcome,
        Outcome::ReestablishSent,
        "{:?}",
        reports[0]
    );
    let host = PeerAddress::from_wire(&onion.addresses[0])
        .unwrap()
        .to_string();
    assert!(host.ends_with(".onion:9735"), "{host}");
    assert_eq!(*asked.lock().unwrap(), std::slice::from_ref(&host));
    assert_eq!(reports[0].address.as_deref(), Some(host.as_str()));

    // A DNS name is handed to the proxy unresolved.
    let mut dns = target(peer, None, 2);
    dns.addresses = vec![Address::Dns {
        host: b"node.invalid".to_vec(),
        port: 9736,
    }];
    let reports = trigger_close(&key("us"), &[dns], &options).await;
    assert_eq!(
        reports[0].outcome,
        Outcome::ReestablishSent,
        "{:?}",
        reports[0]
    );
    assert_eq!(asked.lock().unwrap().last().unwrap(), "node.invalid:9736");
}

#[tokio::test]
async fn onion_address_without_a_proxy_is_reported_not_dialled() {
    let mut onion = target(common::pubkey(&key("peer")), None, 1);
    onion.addresses = vec![Address::TorV3 {
        key: [7; 35],
        port: 9735,
    }];
    let options = TriggerCloseOptions {
        timeout: Duration::from_secs(2),
        ..TriggerCloseOptions::default()
    };
    let reports = trigger_close(&key("us"), &[onion], &options).await;
    assert_eq!(reports[0].outcome, Outcome::Unreachable);
    assert!(
        reports[0]
            .detail
            .as_deref()
            .unwrap()
            .ends_with("an onion address needs --tor-proxy"),
        "{:?}",
        reports[0]
    );
}

#[tokio::test]
async fn a_dead_proxy_makes_the_peer_unreachable() {
    let dead = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let (peer_addr, peer) = scripted_peer(Script::Answer).await;
    let options = TriggerCloseOptions {
        timeout: Duration::from_secs(2),
        tor_proxy: Some(dead.to_string()),
        ..TriggerCloseOptions::default()
    };
    let reports = trigger_close(&key("us"), &[target(peer, Some(peer_addr), 1)], &options).await;
    assert_eq!(reports[0].outcome, Outcome::Unreachable, "{:?}", reports[0]);
}

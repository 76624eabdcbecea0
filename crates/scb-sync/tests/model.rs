//! Property test: after any sequence of opens, closes, manual updates and
//! restarts, the stored set is exactly what lnd's merge rules predict.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use bitcoin::OutPoint;
use common::{outpoint, summary, Peers, SimNode};
use proptest::prelude::*;
use scb_sync::{start_swapper, MemoryStore, SwapperConfig, SwapperHandle};

#[derive(Debug, Clone)]
enum Op {
    Open(u32),
    Close(u32),
    Manual(Vec<u32>),
    Restart,
    Wait(u64),
    StoreFailsNext(u32),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0u32..12).prop_map(Op::Open),
        3 => (0u32..12).prop_map(Op::Close),
        2 => proptest::collection::vec(0u32..12, 0..3).prop_map(Op::Manual),
        1 => Just(Op::Restart),
        2 => (0u64..400).prop_map(Op::Wait),
        1 => (1u32..3).prop_map(Op::StoreFailsNext),
    ]
}

fn config() -> SwapperConfig {
    SwapperConfig::default()
        .with_debounce(Duration::from_millis(20))
        .with_max_delay(Duration::from_millis(100))
        .with_retry(Duration::from_millis(10), Duration::from_millis(80))
        .with_shutdown_timeout(Duration::from_secs(30))
}

async fn start(store: &MemoryStore, node: &SimNode) -> SwapperHandle {
    start_swapper(config(), store.clone(), node, node, node)
        .await
        .unwrap()
}

async fn run(ops: Vec<Op>) {
    let peers = Peers::new(3);
    let store = MemoryStore::new();
    let node = SimNode::new();
    let mut handle = start(&store, &node).await;
    // The model: outpoint -> capacity (a generation number).
    let mut model: BTreeMap<OutPoint, i64> = BTreeMap::new();
    let mut generation = 0i64;
    for op in ops {
        generation += 1;
        match op {
            Op::Open(id) => {
                node.open(peers.single(id, generation)).await;
                model.insert(outpoint(id), generation);
            }
            Op::Close(id) => {
                if node.is_open(&outpoint(id)) {
                    node.close(outpoint(id)).await;
                    model.remove(&outpoint(id));
                }
            }
            Op::Manual(ids) => {
                let singles: Vec<_> = ids.iter().map(|&id| peers.single(id, generation)).collect();
                let result = handle.manual_update(singles).await;
                for id in &ids {
                    model.insert(outpoint(*id), generation);
                }
                if result.is_ok() {
                    let stored = summary(&store.current().unwrap());
                    for id in ids {
                        assert_eq!(stored.get(&outpoint(id)), Some(&generation), "acknowledged");
                    }
                }
            }
            Op::Restart => {
                handle.shutdown().await.unwrap();
                assert_eq!(summary(&store.current().unwrap()), model, "after shutdown");
                // A failing first write fails start-up by design; not what this checks.
                store.fail_next_persists(0);
                handle = start(&store, &node).await;
                // Live channels win over stored ones at start-up.
                for single in node.open_singles() {
                    model.insert(single.funding_outpoint, single.capacity);
                }
                assert_eq!(summary(&store.current().unwrap()), model, "after restart");
            }
            Op::Wait(ms) => tokio::time::sleep(Duration::from_millis(ms)).await,
            Op::StoreFailsNext(n) => store.fail_next_persists(n),
        }
    }
    handle.shutdown().await.unwrap();
    assert_eq!(summary(&store.current().unwrap()), model, "at the end");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn stored_set_matches_the_model_after_any_sequence(ops in proptest::collection::vec(op(), 0..40)) {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .start_paused(true)
            .build()
            .unwrap();
        runtime.block_on(run(ops));
    }
}

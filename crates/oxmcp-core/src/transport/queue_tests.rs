//! The bounded outbound queue: admission, waiting for room, stalls, ends.

use super::*;
use std::sync::atomic::{AtomicBool, Ordering};

#[tokio::test]
async fn producers_wait_for_room_and_wake_when_the_reader_reads() {
    let (tx, mut rx) = queue::<Vec<u8>>(10, Duration::from_secs(30), "test stream");
    assert!(tx.wait_for_room().is_none(), "an empty queue has room");
    assert!(tx.send(vec![0; 6], 6));
    assert!(tx.wait_for_room().is_none(), "6 of 10 bytes: room");
    assert!(tx.send(vec![0; 6], 6), "a frame is admitted even past the budget");
    assert_eq!(tx.queued_bytes(), 12);
    let waiting = tx.wait_for_room().expect("12 of 10 bytes: full");
    let reader = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(50)).await;
        let first = rx.recv().await;
        (first, rx)
    });
    assert!(tokio::time::timeout(Duration::from_secs(2), waiting).await.expect("woken by the read"));
    let (first, mut rx) = reader.await.unwrap();
    assert_eq!(first.map(|f| f.len()), Some(6));
    assert_eq!(tx.queued_bytes(), 6);
    drop(tx);
    assert!(rx.recv().await.is_some(), "what was queued is still delivered after the senders go");
    assert!(rx.recv().await.is_none(), "then the stream ends");
}

#[test]
fn one_frame_larger_than_the_budget_is_admitted_when_empty() {
    let (tx, mut rx) = queue::<Vec<u8>>(4, Duration::from_secs(30), "test stream");
    assert!(tx.send(vec![0; 100], 100));
    assert!(!tx.has_room());
    assert_eq!(rx.try_recv().map(|f| f.len()), Some(100));
    assert!(tx.has_room());
}

#[tokio::test]
async fn a_reader_that_never_reads_loses_its_stream_after_write_timeout() {
    let (tx, rx) = queue::<Vec<u8>>(8, Duration::from_millis(200), "test stream");
    let stalled = Arc::new(AtomicBool::new(false));
    let flag = stalled.clone();
    tx.on_stall(move || flag.store(true, Ordering::SeqCst));
    assert!(tx.send(vec![0; 16], 16));
    let started = Instant::now();
    let answer = tokio::time::timeout(Duration::from_secs(5), tx.wait_for_room().unwrap()).await.unwrap();
    assert!(!answer, "the waiter learns the stream is gone");
    assert!(started.elapsed() >= Duration::from_millis(150), "not before write_timeout");
    assert!(stalled.load(Ordering::SeqCst), "the on_stall hook ran");
    assert!(!tx.is_open());
    assert_eq!(tx.queued_bytes(), 0, "what was queued is freed at once");
    assert!(!tx.send(vec![1], 1), "later frames are refused");
    let gone = tx.wait_for_room().expect("a closed stream still gives its producers something to await");
    assert!(!gone.await);
    drop(rx);
}

#[tokio::test]
async fn a_send_to_a_stalled_full_queue_closes_it() {
    let (tx, _rx) = queue::<Vec<u8>>(8, Duration::from_millis(50), "test stream");
    assert!(tx.send(vec![0; 16], 16));
    tokio::time::sleep(Duration::from_millis(80)).await;
    assert!(!tx.send(vec![0; 1], 1), "no waiter needed: the next send notices the stall");
    assert!(!tx.is_open());
}

#[test]
fn a_worker_thread_blocks_for_room_with_a_bound() {
    let (tx, mut rx) = queue::<Vec<u8>>(8, Duration::from_secs(30), "test stream");
    assert!(tx.send(vec![0; 16], 16));
    let started = Instant::now();
    assert!(!tx.block_for_room(Duration::from_millis(100)), "the bound ends the wait");
    assert!(started.elapsed() >= Duration::from_millis(90));
    let producer = {
        let tx = tx.clone();
        std::thread::spawn(move || tx.block_for_room(Duration::from_secs(5)))
    };
    std::thread::sleep(Duration::from_millis(50));
    assert!(rx.blocking_recv().is_some());
    assert!(producer.join().unwrap(), "woken by the read");
}

#[test]
fn dropping_the_reader_frees_the_frames_and_refuses_new_ones() {
    let (tx, rx) = queue::<Vec<u8>>(8, Duration::from_secs(30), "test stream");
    assert!(tx.send(vec![0; 16], 16));
    drop(rx);
    assert_eq!(tx.queued_bytes(), 0);
    assert!(!tx.send(vec![0], 1));
    assert!(!tx.block_for_room(Duration::from_secs(5)), "nothing to wait for: returns at once");
}

#[test]
fn a_blocking_reader_wakes_on_frames_and_on_the_last_sender() {
    let (tx, mut rx) = queue::<u32>(8, Duration::from_secs(30), "test stream");
    let reader = std::thread::spawn(move || {
        let mut got = Vec::new();
        while let Some(n) = rx.blocking_recv() {
            got.push(n);
        }
        got
    });
    for n in 0..5 {
        assert!(tx.send(n, 1));
        std::thread::sleep(Duration::from_millis(5));
    }
    drop(tx);
    assert_eq!(reader.join().unwrap(), vec![0, 1, 2, 3, 4]);
}

#[tokio::test]
async fn a_keep_alive_handle_does_not_keep_the_stream_open() {
    let (tx, mut rx) = queue::<u32>(8, Duration::from_secs(30), "test stream");
    let keep_alive = tx.keep_alive_handle();
    assert!(keep_alive.send(1, 1), "sends while a sender lives");
    drop(tx);
    assert!(!keep_alive.send(2, 1), "refused once nothing else can write");
    assert_eq!(rx.recv().await, Some(1));
    assert_eq!(rx.recv().await, None, "the stream ends although the handle lives");
}

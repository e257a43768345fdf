//! Line framing (`transport/framing.rs`): any byte stream, any line bound and any read-chunk size.
//! Never panics, and agrees with a plain reference: split on `\n`, a raw line longer than the
//! bound is `TooLarge` (its prefix the line's first bytes), else one trailing `\r` is dropped and
//! blank lines are skipped.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oxmcp_core::transport::framing::{Frame, LineReader};
use std::io::BufReader;

fuzz_target!(|data: &[u8]| {
    let [max, capacity, input @ ..] = data else { return };
    let max = usize::from(*max) + 1; // 1..=256
    let capacity = usize::from(*capacity % 64) + 1; // 1..=64 bytes per read
    let mut reader = LineReader::new(BufReader::with_capacity(capacity, input), max);
    let mut frames = Vec::new();
    while let Some(frame) = reader.next_frame().expect("reading a slice cannot fail") {
        frames.push(frame);
        assert!(frames.len() <= input.len(), "more frames than bytes");
    }
    let mut expected = input.split(|&b| b == b'\n').filter_map(|raw| {
        if raw.len() > max {
            return Some(Err(raw));
        }
        let line = raw.strip_suffix(b"\r").unwrap_or(raw);
        (!line.iter().all(u8::is_ascii_whitespace)).then_some(Ok(line))
    });
    for frame in &frames {
        match (frame, expected.next()) {
            (Frame::Line(line), Some(Ok(want))) => assert_eq!(line.as_slice(), want),
            (Frame::TooLarge { prefix, len }, Some(Err(raw))) => {
                assert!(raw.starts_with(prefix) && prefix.len() > max && *len > max, "oversized line report");
            }
            (_, want) => panic!("framing disagrees with the reference: expected {want:?}"),
        }
    }
    assert!(expected.next().is_none(), "framing dropped a line");
});

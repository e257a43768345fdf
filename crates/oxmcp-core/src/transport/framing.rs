//! Newline-delimited framing with a size bound: a line longer than the bound is skipped as it
//! streams past (never buffered whole), and reported with its first bytes so the id can be sniffed.

use std::io::{self, BufRead};

/// How much of an oversized line is kept, to recover its id.
const OVERSIZED_PREFIX: usize = 4096;

pub enum Frame {
    Line(Vec<u8>),
    TooLarge { prefix: Vec<u8>, len: usize },
}

pub struct LineReader<R> {
    inner: R,
    max: usize,
    line: Vec<u8>,
}

impl<R: BufRead> LineReader<R> {
    pub fn new(inner: R, max: usize) -> Self {
        LineReader { inner, max, line: Vec::new() }
    }

    /// The next non-empty line (without its `\n` / `\r\n`), or `None` at end of input.
    /// A final line without a newline still counts.
    pub fn next_frame(&mut self) -> io::Result<Option<Frame>> {
        loop {
            self.line.clear();
            let mut oversized: Option<(Vec<u8>, usize)> = None;
            let mut ended = false;
            loop {
                let buf = match self.inner.fill_buf() {
                    Ok(b) => b,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(e),
                };
                if buf.is_empty() {
                    ended = true;
                    break;
                }
                let (chunk, found) = match memchr::memchr(b'\n', buf) {
                    Some(i) => (&buf[..i], Some(i)),
                    None => (buf, None),
                };
                match &mut oversized {
                    Some((_, len)) => *len += chunk.len(),
                    None if self.line.len() + chunk.len() > self.max => {
                        let mut prefix = std::mem::take(&mut self.line);
                        let room = OVERSIZED_PREFIX.saturating_sub(prefix.len());
                        prefix.extend_from_slice(&chunk[..room.min(chunk.len())]);
                        let len = prefix.len().max(self.max) + 1;
                        oversized = Some((prefix, len));
                    }
                    None => self.line.extend_from_slice(chunk),
                }
                let used = found.map_or(chunk.len(), |i| i + 1);
                self.inner.consume(used);
                if found.is_some() {
                    break;
                }
            }
            if let Some((prefix, len)) = oversized {
                return Ok(Some(Frame::TooLarge { prefix, len }));
            }
            if self.line.last() == Some(&b'\r') {
                self.line.pop();
            }
            if !self.line.iter().all(u8::is_ascii_whitespace) {
                return Ok(Some(Frame::Line(std::mem::take(&mut self.line))));
            }
            if ended {
                return Ok(None);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(input: &[u8], max: usize) -> Vec<String> {
        let mut r = LineReader::new(io::BufReader::with_capacity(8, input), max);
        let mut out = Vec::new();
        while let Some(f) = r.next_frame().unwrap() {
            out.push(match f {
                Frame::Line(l) => String::from_utf8(l).unwrap(),
                Frame::TooLarge { prefix, .. } => format!("BIG:{}", String::from_utf8_lossy(&prefix[..4])),
            });
        }
        out
    }

    #[test]
    fn splits_lines_skipping_blank_ones() {
        assert_eq!(frames(b"a\r\n\nbb\n  \nccc", 100), ["a", "bb", "ccc"]);
    }

    #[test]
    fn oversized_lines_are_reported_and_skipped() {
        let mut input = b"{\"id\":1}\n".to_vec();
        input.extend(std::iter::repeat_n(b'x', 100));
        input.extend_from_slice(b"\nok\n");
        assert_eq!(frames(&input, 50), ["{\"id\":1}", "BIG:xxxx", "ok"]);
    }
}

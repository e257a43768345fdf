//! The authentication gate on a WebSocket upgrade. tungstenite decides an upgrade in a
//! synchronous callback, and the gate may await (a Python validator runs on its loop), so the
//! request head is read here first, the gate runs on its headers, and the connection is handed
//! to tungstenite as a [`Replayed`] stream that gives the head back before the socket's bytes.
//! Nothing after the head is read before the gate has answered.

use crate::server::Headers;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, ReadBuf};

/// The largest upgrade request head read (the same order as hyper's default header limit).
pub(super) const MAX_HEAD_BYTES: usize = 16 * 1024;

/// Reads bytes until the end of the HTTP request head (`\r\n\r\n`). What was read (the head, and
/// whatever followed it in the same reads) is returned whole, to be replayed.
pub(super) async fn read_head<S: AsyncRead + Unpin>(stream: &mut S) -> io::Result<Vec<u8>> {
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 2048];
    loop {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "the client left during the upgrade"));
        }
        let from = buf.len().saturating_sub(3);
        buf.extend_from_slice(&chunk[..n]);
        if memchr::memmem::find(&buf[from..], b"\r\n\r\n").is_some() {
            return Ok(buf);
        }
        if buf.len() > MAX_HEAD_BYTES {
            return Err(io::Error::new(io::ErrorKind::InvalidData, "the upgrade request head is too large"));
        }
    }
}

/// The headers of a request head, names lower-cased (what `validate_request` sees).
pub(super) fn head_headers(head: &[u8]) -> Headers {
    let end = memchr::memmem::find(head, b"\r\n\r\n").unwrap_or(head.len());
    let text = String::from_utf8_lossy(&head[..end]);
    text.split("\r\n")
        .skip(1) // the request line
        .filter_map(|line| line.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect()
}

/// A stream that yields `head` first, then reads from `inner`; writes go straight to `inner`.
pub(super) struct Replayed<S> {
    head: Vec<u8>,
    at: usize,
    inner: S,
}

impl<S> Replayed<S> {
    pub(super) fn new(head: Vec<u8>, inner: S) -> Self {
        Replayed { head, at: 0, inner }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Replayed<S> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        if self.at < self.head.len() {
            let n = (self.head.len() - self.at).min(buf.remaining());
            let at = self.at;
            buf.put_slice(&self.head[at..at + n]);
            self.at += n;
            if self.at == self.head.len() {
                self.head = Vec::new(); // given back: free it
                self.at = 0;
            }
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Replayed<S> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_head_is_read_parsed_and_given_back() {
        let raw = b"GET / HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer t\r\n\r\nafter".to_vec();
        let mut src: &[u8] = &raw;
        let head = read_head(&mut src).await.unwrap();
        let headers = head_headers(&head);
        assert_eq!(headers, vec![("host".into(), "x".into()), ("authorization".into(), "Bearer t".into())]);
        let mut replayed = Replayed::new(head, src);
        let mut all = Vec::new();
        replayed.read_to_end(&mut all).await.unwrap();
        assert_eq!(all, raw, "nothing is lost");
    }

    #[tokio::test]
    async fn an_endless_head_is_refused() {
        let raw = vec![b'a'; MAX_HEAD_BYTES + 4096];
        let mut src: &[u8] = &raw;
        assert!(read_head(&mut src).await.is_err());
    }
}

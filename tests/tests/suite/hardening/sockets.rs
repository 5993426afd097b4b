//! Responses are written without waiting: Nagle's algorithm is off on every accepted connection.
//! With it on, a compressed response (written in pieces) waited ~40 ms for the client's delayed
//! ACK, on every other request of a kept-alive connection. The test reads the socket option of the
//! gateway's own end of a real connection (the gateway runs in this process), which is exact,
//! where timing the stall would be a guess on a busy machine.

use bazaar_tests::{Backend, TestApp, on_both_backends};
use std::io::{Read, Write};
use std::mem::ManuallyDrop;
use std::net::{SocketAddr, TcpStream};
use std::os::fd::FromRawFd;

on_both_backends!(accepted_connections_write_without_delay);

/// The gateway's end of the connection whose peer is `client`: found among this process's open
/// file descriptors. `Some(nodelay)` when found.
fn server_side_nodelay(client: SocketAddr) -> Option<bool> {
    for entry in std::fs::read_dir("/proc/self/fd").ok()?.flatten() {
        let Ok(fd) = entry.file_name().to_string_lossy().parse::<i32>() else { continue };
        let is_socket =
            std::fs::read_link(entry.path()).is_ok_and(|target| target.to_string_lossy().starts_with("socket:"));
        if !is_socket {
            continue;
        }
        // SAFETY: the descriptor stays open (owned by the gateway); `ManuallyDrop` never closes
        // it, and only getters are called on it.
        let stream = ManuallyDrop::new(unsafe { TcpStream::from_raw_fd(fd) });
        if stream.peer_addr().ok() == Some(client) {
            return stream.nodelay().ok();
        }
    }
    None
}

async fn accepted_connections_write_without_delay(backend: Backend) {
    let Some(app) = TestApp::spawn(backend).await else { return };
    let addr = app.addr;
    let checked = tokio::task::spawn_blocking(move || {
        let mut client = TcpStream::connect(addr).expect("connect");
        let request = format!(
            "GET /api/v1/categories HTTP/1.1\r\nHost: {addr}\r\nAccept-Encoding: gzip, br\r\nConnection: keep-alive\r\n\r\n"
        );
        client.write_all(request.as_bytes()).expect("send");
        let mut first = [0_u8; 64];
        let read = client.read(&mut first).expect("an answer");
        assert!(first[..read].starts_with(b"HTTP/1.1 200"), "{}", String::from_utf8_lossy(&first[..read]));
        server_side_nodelay(client.local_addr().expect("local address"))
    })
    .await
    .expect("the check ran");
    assert_eq!(checked, Some(true), "the gateway's end of the connection has TCP_NODELAY");
}

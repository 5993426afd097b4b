//! The chat benchmark's load generator (run by `scripts/bench/chat.sh`).
//!
//! `bazaar-chat-load idle <ws-url> <token> <connections>` opens that many connections (devices of
//! one user), waits for each `hello`, prints `open <n>` and holds them, answering pings, until killed.
//!
//! `bazaar-chat-load latency <ws-buyer> <ws-seller> <http-base> <buyer-token> <seller-token>
//! <conversation> <per-second> <seconds>` sends messages from the buyer's socket at a steady rate
//! and times each until the seller's socket (possibly on another gateway) receives it; then, at the
//! same rate against the same server, times sending over REST and reading the conversation over
//! REST. Prints one line per measurement: `<name> n=<count> p50_ms=<..> p99_ms=<..>`.

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let outcome = match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["idle", url, token, count] => idle(url, token, count.parse().unwrap_or(0)).await,
        ["latency", buyer_ws, seller_ws, http, buyer, seller, conversation, rate, seconds] => {
            let numbers = (conversation.parse(), rate.parse(), seconds.parse());
            match numbers {
                (Ok(conversation), Ok(rate), Ok(seconds)) => {
                    latency(buyer_ws, seller_ws, http, buyer, seller, conversation, rate, seconds).await
                }
                _ => Err("conversation, per-second and seconds must be numbers".into()),
            }
        }
        _ => Err("usage: see the comment at the top of crates/chat-load/src/main.rs".into()),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("chat-load: {err}");
            ExitCode::FAILURE
        }
    }
}

async fn open(url: &str, token: &str) -> Result<Socket, String> {
    let (mut socket, _) = tokio_tungstenite::connect_async(format!("{url}?access_token={token}"))
        .await
        .map_err(|err| format!("connect: {err}"))?;
    loop {
        match socket.next().await {
            Some(Ok(Message::Text(text))) if text.contains("\"hello\"") => return Ok(socket),
            Some(Ok(Message::Close(frame))) => return Err(format!("closed at connect: {frame:?}")),
            Some(Ok(_)) => continue,
            Some(Err(err)) => return Err(format!("read: {err}")),
            None => return Err("connection ended before hello".into()),
        }
    }
}

async fn idle(url: &str, token: &str, count: usize) -> Result<(), String> {
    let mut holders = Vec::with_capacity(count);
    for batch in (0..count).collect::<Vec<_>>().chunks(250) {
        let opened = futures_util::future::join_all(batch.iter().map(|_| open(url, token))).await;
        for socket in opened {
            // Each holder just reads: tungstenite answers the server's pings while reading.
            let mut socket = socket?;
            holders.push(tokio::spawn(async move { while let Some(Ok(_)) = socket.next().await {} }));
        }
    }
    println!("open {}", holders.len());
    tokio::time::sleep(Duration::from_secs(3600)).await;
    Ok(())
}

#[allow(clippy::too_many_arguments)]
async fn latency(
    buyer_ws: &str,
    seller_ws: &str,
    http: &str,
    buyer: &str,
    seller: &str,
    conversation: i64,
    rate: u64,
    seconds: u64,
) -> Result<(), String> {
    let total = rate * seconds;
    let sent_at: Arc<Mutex<HashMap<u64, Instant>>> = Arc::default();
    let mut receiver = open(seller_ws, seller).await?;
    let (mut sender_tx, mut sender_rx) = open(buyer_ws, buyer).await?.split();
    // The sender's socket receives acknowledgements; drain them.
    tokio::spawn(async move { while let Some(Ok(_)) = sender_rx.next().await {} });

    let timings = sent_at.clone();
    let collector = tokio::spawn(async move {
        let mut delays = Vec::with_capacity(total as usize);
        while delays.len() < total as usize {
            let Ok(Some(Ok(Message::Text(text)))) =
                tokio::time::timeout(Duration::from_secs(10), receiver.next()).await
            else {
                break;
            };
            let frame: Value = serde_json::from_str(&text).unwrap_or_default();
            let Some(n) =
                frame["message"]["text"].as_str().and_then(|t| t.strip_prefix("lat-")).and_then(|n| n.parse().ok())
            else {
                continue;
            };
            if let Some(started) = timings.lock().map_err(|_| ()).ok().and_then(|mut m| m.remove(&n)) {
                delays.push(started.elapsed());
            }
        }
        delays
    });
    let mut tick = tokio::time::interval(Duration::from_micros(1_000_000 / rate.max(1)));
    for n in 0..total {
        tick.tick().await;
        let frame = json!({ "type": "send", "conversation_id": conversation, "client_msg_id": format!("ws-{n}-{}", std::process::id()),
            "content": { "kind": "text", "text": format!("lat-{n}") } });
        if let Ok(mut map) = sent_at.lock() {
            map.insert(n, Instant::now());
        }
        sender_tx.send(Message::text(frame.to_string())).await.map_err(|err| format!("send: {err}"))?;
    }
    let delays = collector.await.map_err(|err| err.to_string())?;
    report("websocket delivery (buyer send → seller receive)", delays, total);

    let client = reqwest::Client::new();
    let messages = format!("{http}/api/v1/chat/conversations/{conversation}/messages");
    let one = format!("{http}/api/v1/chat/conversations/{conversation}");
    for (name, is_send) in [("http POST message (request → response)", true), ("http GET conversation", false)] {
        let mut delays = Vec::with_capacity(total as usize);
        let mut tick = tokio::time::interval(Duration::from_micros(1_000_000 / rate.max(1)));
        let mut pending = Vec::with_capacity(total as usize);
        for n in 0..total {
            tick.tick().await;
            let request = if is_send {
                client
                    .post(&messages)
                    .bearer_auth(buyer)
                    .json(&json!({ "client_msg_id": format!("http-{n}-{}", std::process::id()),
                    "content": { "kind": "text", "text": format!("http-{n}") } }))
            } else {
                client.get(&one).bearer_auth(buyer)
            };
            // Spawned, so every request runs at once on its own schedule, like independent phones.
            pending.push(tokio::spawn(async move {
                let started = Instant::now();
                let ok = request.send().await.map(|r| r.status().is_success()).unwrap_or(false);
                ok.then(|| started.elapsed())
            }));
        }
        for request in pending {
            if let Ok(Some(delay)) = request.await {
                delays.push(delay);
            }
        }
        report(name, delays, total);
    }
    Ok(())
}

fn report(name: &str, mut delays: Vec<Duration>, expected: u64) {
    delays.sort();
    let at = |q: f64| delays.get(((delays.len() as f64 * q) as usize).min(delays.len().saturating_sub(1))).copied();
    let ms = |d: Option<Duration>| d.map_or("-".into(), |d| format!("{:.2}", d.as_secs_f64() * 1000.0));
    println!("{name}: n={}/{expected} p50_ms={} p99_ms={}", delays.len(), ms(at(0.50)), ms(at(0.99)));
}

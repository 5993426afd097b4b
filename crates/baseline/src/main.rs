//! The HTTP ceiling of this machine: actix-web with nothing behind it. `scripts/bench/` runs it
//! beside `bazaar` in the same run so every figure can be read as a ratio against it.

use actix_web::{App, HttpResponse, HttpServer, web};

async fn plaintext() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain").body("OK")
}

async fn json() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({ "status": "ok" }))
}

/// A WebSocket that greets and then only answers pings: the memory floor of an idle connection
/// in actix-web + actix-ws, for the chat benchmark.
async fn websocket(req: actix_web::HttpRequest, body: web::Payload) -> actix_web::Result<HttpResponse> {
    let (response, mut session, mut stream) = actix_ws::handle(&req, body)?;
    actix_web::rt::spawn(async move {
        if session.text(r#"{"type":"hello"}"#).await.is_err() {
            return;
        }
        while let Some(Ok(message)) = stream.recv().await {
            if let actix_ws::Message::Ping(bytes) = message
                && session.pong(&bytes).await.is_err()
            {
                return;
            }
        }
    });
    Ok(response)
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let port: u16 = std::env::args().nth(1).and_then(|p| p.parse().ok()).unwrap_or(8090);
    println!("baseline listening on 127.0.0.1:{port}");
    HttpServer::new(|| {
        App::new()
            .route("/plaintext", web::get().to(plaintext))
            .route("/json", web::get().to(json))
            .route("/ws", web::get().to(websocket))
    })
    .bind(("127.0.0.1", port))?
    .run()
    .await
}

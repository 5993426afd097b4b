//! The HTTP ceiling of this machine: actix-web with nothing behind it. `scripts/bench/` runs it
//! beside `bazaar` in the same run so every figure can be read as a ratio against it.

use actix_web::{App, HttpResponse, HttpServer, web};

async fn plaintext() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain").body("OK")
}

async fn json() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({ "status": "ok" }))
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let port: u16 = std::env::args().nth(1).and_then(|p| p.parse().ok()).unwrap_or(8090);
    println!("baseline listening on 127.0.0.1:{port}");
    HttpServer::new(|| App::new().route("/plaintext", web::get().to(plaintext)).route("/json", web::get().to(json)))
        .bind(("127.0.0.1", port))?
        .run()
        .await
}

//! An SMS gateway reached over HTTP: `POST <url>` with `{"phone": "+86…", "text": "…"}` and
//! `Authorization: Bearer <token>`; any 2xx means accepted. Most aggregators offer such an endpoint,
//! or a small relay in front of a vendor SDK provides one.

use crate::{SmsError, SmsProvider};
use futures_util::future::BoxFuture;
use std::time::Duration;

pub struct HttpSms {
    client: reqwest::Client,
    url: String,
    token: Option<String>,
}

impl HttpSms {
    pub fn new(url: String, token: Option<String>, timeout: Duration) -> Result<HttpSms, SmsError> {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .build()
            .map_err(|err| SmsError(format!("cannot build the HTTP client: {err}")))?;
        Ok(HttpSms { client, url, token })
    }
}

impl SmsProvider for HttpSms {
    fn send<'a>(&'a self, phone: &'a str, text: &'a str) -> BoxFuture<'a, Result<(), SmsError>> {
        Box::pin(async move {
            let mut request = self.client.post(&self.url).json(&serde_json::json!({ "phone": phone, "text": text }));
            if let Some(token) = &self.token {
                request = request.bearer_auth(token);
            }
            let response = request.send().await.map_err(|err| SmsError(format!("SMS gateway unreachable: {err}")))?;
            if response.status().is_success() {
                Ok(())
            } else {
                Err(SmsError(format!("SMS gateway answered {}", response.status())))
            }
        })
    }
}

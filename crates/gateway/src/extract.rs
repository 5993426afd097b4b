//! Request extractors that fail with problem+json naming the field at fault.

use crate::error::ApiError;
use actix_web::dev::Payload;
use actix_web::error::PayloadError;
use actix_web::http::{StatusCode, header};
use actix_web::web::Bytes;
use actix_web::{FromRequest, HttpRequest};
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;

/// A JSON body. Unlike `actix_web::web::Json`, a bad body names the JSON path at fault and the
/// position of a syntax error, and the size limit answers 413.
#[derive(Debug)]
pub struct Json<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for Json<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .is_some_and(is_json_media_type);
        // Bytes honours the app's PayloadConfig limit (config `body_limit_bytes`).
        let body = Bytes::from_request(req, payload);
        Box::pin(async move {
            let body = body.await.map_err(|err| body_error(&err))?;
            // An action whose every field is optional (`POST /orders/{id}/cancel`) may be sent
            // without a body, and so without a content type: it means `{}`. A body that needs
            // fields still gets the empty-body error.
            if body.iter().all(u8::is_ascii_whitespace) {
                return serde_json::from_slice::<T>(b"{}").map(Json).or_else(|_| parse_json(&body).map(Json));
            }
            if !is_json {
                return Err(ApiError::from_status(StatusCode::UNSUPPORTED_MEDIA_TYPE));
            }
            parse_json(&body).map(Json)
        })
    }
}

/// Query parameters. Unlike `actix_web::web::Query`, a bad parameter is named in `field`, and the
/// detail says what was expected (a number, a date, one of an enum's values).
#[derive(Debug)]
pub struct Query<T>(pub T);

impl<T> Query<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> std::ops::Deref for Query<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: DeserializeOwned> FromRequest for Query<T> {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(parse_query(req.query_string()).map(Query))
    }
}

/// Parses a query string as `T`: a parameter of the wrong shape is a 400 `invalid_query` naming it.
pub fn parse_query<T: DeserializeOwned>(raw: &str) -> Result<T, ApiError> {
    let deserializer = serde_urlencoded::Deserializer::new(form_urlencoded::parse(raw.as_bytes()));
    serde_path_to_error::deserialize(deserializer).map_err(|err| {
        let path = err.path().to_string();
        let message = err.inner().to_string();
        let field = field_at_fault(&path, &message);
        let detail = match &field {
            Some(field) if !message.contains(field.as_str()) => format!("{field}: {message}"),
            _ => message,
        };
        let problem = ApiError::bad_request("invalid_query", detail);
        match field {
            Some(field) => problem.with_field(field),
            None => problem,
        }
    })
}

fn is_json_media_type(content_type: &str) -> bool {
    let essence = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    essence == "application/json" || (essence.starts_with("application/") && essence.ends_with("+json"))
}

fn body_error(err: &actix_web::Error) -> ApiError {
    match err.as_error::<PayloadError>() {
        Some(PayloadError::Overflow) => ApiError::from_status(StatusCode::PAYLOAD_TOO_LARGE),
        _ => ApiError::bad_request("unreadable_body", "The request body could not be read."),
    }
}

/// Parses `body` as `T`. Syntax errors → 400 `malformed_json` with `line` and `column`;
/// well-formed JSON of the wrong shape → 422 `invalid_field` with the field's JSON path.
pub fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|err| {
        let path = err.path().to_string();
        let first = json_error(body, &path, err.into_inner());
        if first.code() == "invalid_field" { every_field_error::<T>(body, first) } else { first }
    })?;
    // Trailing characters after the document are a syntax error too.
    deserializer.end().map_err(|err| json_error(body, ".", err))?;
    Ok(value)
}

/// serde stops at the first bad field. To report the others too, the body is read again as a
/// JSON tree and the field at fault is replaced by a stand-in (an unknown member is removed; a
/// wrong or missing value becomes each of `0`, `""`, `false`, `[]`, `{}`, `null` until one is
/// accepted), and the tree is parsed again, until it parses or no stand-in gets past a field.
/// The stand-ins only serve to find the next error: the request is refused either way.
fn every_field_error<T: DeserializeOwned>(body: &[u8], first: ApiError) -> ApiError {
    let Ok(mut tree) = serde_json::from_slice::<serde_json::Value>(body) else { return first };
    let stand_ins = [
        serde_json::json!(0),
        serde_json::json!(""),
        serde_json::json!(false),
        serde_json::json!([]),
        serde_json::json!({}),
        serde_json::Value::Null,
    ];
    let (first_field, first_detail) = (first.problem().field.as_deref(), first.problem().detail.as_str());
    let mut errors = vec![field_entry(first_field, first_detail)];
    let (mut path, mut message) = (first_field.unwrap_or(".").to_string(), first_detail.to_string());
    let mut tried = 0;
    for _ in 0..MAX_PARSES {
        let Some(stand_in) = stand_ins.get(tried) else { break };
        if !replace(&mut tree, &path, &message, stand_in.clone()) {
            break;
        }
        let Err(err) = serde_path_to_error::deserialize::<_, T>(&tree) else { break };
        let text = err.inner().to_string();
        let field = field_at_fault(&err.path().to_string(), &text);
        if field.as_deref() == Some(path.as_str()) {
            tried += 1;
            continue;
        }
        if errors.len() == MAX_FIELD_ERRORS || errors.iter().any(|seen| seen["field"].as_str() == field.as_deref()) {
            break;
        }
        errors.push(field_entry(field.as_deref(), &strip_position(&text)));
        (path, message, tried) = (field.unwrap_or_else(|| ".".to_string()), text, 0);
    }
    first.with_extension("errors", errors)
}

const MAX_FIELD_ERRORS: usize = 20;
const MAX_PARSES: usize = 120;

fn field_entry(field: Option<&str>, detail: &str) -> serde_json::Value {
    serde_json::json!({ "field": field, "code": "invalid_field", "detail": detail })
}

/// Puts `stand_in` at `path` (or removes an unknown member named in `message`); false when the
/// path is not in the tree.
fn replace(tree: &mut serde_json::Value, path: &str, message: &str, stand_in: serde_json::Value) -> bool {
    let unknown = message.strip_prefix("unknown field `").and_then(|rest| rest.split('`').next());
    let mut segments = path_segments(path);
    let Some(last) = segments.pop() else { return false };
    let mut node = &mut *tree;
    for segment in &segments {
        node = match (node, segment.parse::<usize>()) {
            (serde_json::Value::Array(items), Ok(index)) => match items.get_mut(index) {
                Some(item) => item,
                None => return false,
            },
            (serde_json::Value::Object(members), _) => match members.get_mut(segment) {
                Some(member) => member,
                None => return false,
            },
            _ => return false,
        };
    }
    match (node, last.parse::<usize>()) {
        (serde_json::Value::Array(items), Ok(index)) if index < items.len() => {
            items[index] = stand_in;
            true
        }
        (serde_json::Value::Object(members), _) if unknown == Some(last.as_str()) => members.remove(&last).is_some(),
        (serde_json::Value::Object(members), _) => {
            members.insert(last, stand_in);
            true
        }
        _ => false,
    }
}

/// `items[2].quantity` → `["items", "2", "quantity"]`; `.` → `[]`.
fn path_segments(path: &str) -> Vec<String> {
    path.split(['.', '['])
        .map(|segment| segment.trim_end_matches(']'))
        .filter(|segment| !segment.is_empty())
        .map(str::to_string)
        .collect()
}

fn json_error(body: &[u8], path: &str, err: serde_json::Error) -> ApiError {
    if err.is_data() {
        let field = field_at_fault(path, &err.to_string());
        let detail = strip_position(&err.to_string());
        let problem = ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_field", detail.clone())
            .with_extension("errors", vec![field_entry(field.as_deref(), &detail)]);
        return match field {
            Some(field) => problem.with_field(field),
            None => problem,
        };
    }
    let detail = if err.is_eof() && body.iter().all(u8::is_ascii_whitespace) {
        "The request body is empty; send a JSON document.".to_string()
    } else {
        format!("The body is not valid JSON: {err}")
    };
    ApiError::bad_request("malformed_json", detail)
        .with_extension("line", err.line())
        .with_extension("column", err.column())
}

/// serde reports a missing field at its parent's path; name the field itself.
fn field_at_fault(path: &str, message: &str) -> Option<String> {
    let missing = message.strip_prefix("missing field `").and_then(|rest| rest.split('`').next());
    match (path, missing) {
        (".", Some(name)) => Some(name.to_string()),
        (parent, Some(name)) => Some(format!("{parent}.{name}")),
        (".", None) => None,
        (path, None) => Some(path.to_string()),
    }
}

fn strip_position(message: &str) -> String {
    match message.find(" at line ") {
        Some(at) => message[..at].to_string(),
        None => message.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Line {
        #[allow(dead_code)]
        sku_id: i64,
        #[allow(dead_code)]
        quantity: u32,
    }

    #[derive(Debug, Deserialize)]
    struct Order {
        #[allow(dead_code)]
        lines: Vec<Line>,
    }

    #[test]
    fn syntax_errors_give_their_position() {
        let err = parse_json::<Order>(b"{\n  \"lines\": [,]\n}").unwrap_err();
        let problem = err.problem();
        assert_eq!((err.status().as_u16(), problem.code.as_str()), (400, "malformed_json"));
        assert_eq!(problem.extensions["line"], 2);
        assert_eq!(problem.extensions["column"], 13);
    }

    #[test]
    fn wrong_types_name_the_json_path() {
        let err =
            parse_json::<Order>(br#"{"lines":[{"sku_id":1,"quantity":2},{"sku_id":1,"quantity":-1}]}"#).unwrap_err();
        assert_eq!(err.status().as_u16(), 422);
        assert_eq!(err.problem().field.as_deref(), Some("lines[1].quantity"));
    }

    #[test]
    fn missing_fields_are_named() {
        let err = parse_json::<Order>(br#"{"lines":[{"sku_id":1}]}"#).unwrap_err();
        assert_eq!(err.problem().field.as_deref(), Some("lines[0].quantity"));
        let err = parse_json::<Order>(b"{}").unwrap_err();
        assert_eq!(err.problem().field.as_deref(), Some("lines"));
    }

    #[test]
    fn every_bad_field_is_reported() {
        let err = parse_json::<Order>(
            br#"{"lines":[{"sku_id":"one","quantity":2},{"sku_id":1,"quantity":-1,"price":"0.01"}]}"#,
        )
        .unwrap_err();
        let problem = err.problem();
        assert_eq!(problem.field.as_deref(), Some("lines[0].sku_id"));
        let fields: Vec<&str> =
            problem.extensions["errors"].as_array().unwrap().iter().filter_map(|e| e["field"].as_str()).collect();
        assert_eq!(fields, ["lines[0].sku_id", "lines[1].price", "lines[1].quantity"], "{problem:?}");
    }

    #[test]
    fn unknown_fields_and_trailing_garbage_are_refused() {
        let err = parse_json::<Order>(br#"{"lines":[{"sku_id":1,"quantity":1,"price":"0.01"}]}"#).unwrap_err();
        assert_eq!(err.code(), "invalid_field");
        let err = parse_json::<Order>(br#"{"lines":[]} x"#).unwrap_err();
        assert_eq!(err.code(), "malformed_json");
        let err = parse_json::<Order>(b"  ").unwrap_err();
        assert!(err.problem().detail.contains("empty"));
    }

    #[test]
    fn json_media_types() {
        assert!(is_json_media_type("application/json"));
        assert!(is_json_media_type("Application/JSON; charset=utf-8"));
        assert!(is_json_media_type("application/merge-patch+json"));
        assert!(!is_json_media_type("text/plain"));
        assert!(!is_json_media_type("application/x-www-form-urlencoded"));
    }
}

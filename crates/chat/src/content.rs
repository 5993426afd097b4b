//! What a message may carry, checked once for every way in (REST, WebSocket, automatic messages):
//! text (length-limited, sensitive words masked), an image URL, or a card built from our own
//! records — a product of the conversation's shop, or an order between its buyer and shop.

use crate::ChatError;
use bazaar_core::ids::{OrderId, ProductId, ShopId, UserId};
use bazaar_db::DbConn;
use serde::Deserialize;
use serde_json::json;

/// Longest text message, in characters.
pub const MAX_TEXT_CHARS: usize = 2000;
const MAX_URL_CHARS: usize = 1000;
const MAX_CLIENT_MSG_ID: usize = 64;
const PREVIEW_CHARS: usize = 60;

/// A message as a client sends it.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum NewContent {
    Text {
        text: String,
    },
    Image {
        url: String,
    },
    /// A product card; the product must belong to the conversation's shop.
    Product {
        product_id: ProductId,
    },
    /// An order card; the order must be between the conversation's buyer and shop.
    Order {
        order_id: OrderId,
    },
}

/// Content ready to store: `body` is the text or the image URL; cards carry their JSON.
pub(crate) struct Stored {
    pub kind: &'static str,
    pub body: String,
    pub card: Option<serde_json::Value>,
}

impl Stored {
    pub(crate) fn text(kind: &'static str, body: String) -> Stored {
        Stored { kind, body, card: None }
    }

    /// One line for the conversation list.
    pub(crate) fn preview(&self) -> String {
        let title = |card: &Option<serde_json::Value>| {
            card.as_ref().and_then(|c| c.get("title")).and_then(|t| t.as_str()).unwrap_or_default().to_string()
        };
        let line = match self.kind {
            "image" => "[图片 image]".to_string(),
            "product" => format!("[商品 product] {}", title(&self.card)),
            "order" => format!("[订单 order] {}", title(&self.card)),
            _ => self.body.clone(),
        };
        line.chars().take(PREVIEW_CHARS).collect()
    }
}

pub(crate) fn check_client_msg_id(raw: &str) -> Result<(), ChatError> {
    let ok = !raw.is_empty() && raw.len() <= MAX_CLIENT_MSG_ID && raw.bytes().all(|b| b.is_ascii_graphic());
    if !ok {
        return Err(ChatError::invalid("client_msg_id", "must be 1 to 64 printable ASCII characters"));
    }
    Ok(())
}

/// Checks `content` against the conversation (`buyer_id`, `shop_id`) and builds what is stored.
pub(crate) fn prepare(
    conn: &mut DbConn,
    content: NewContent,
    buyer_id: UserId,
    shop_id: ShopId,
    sensitive_words: &[String],
) -> Result<Stored, ChatError> {
    match content {
        NewContent::Text { text } => Ok(Stored::text("text", checked_text("content.text", &text, sensitive_words)?)),
        NewContent::Image { url } => {
            let url = url.trim();
            let scheme_ok = url.starts_with("https://") || url.starts_with("http://");
            if !scheme_ok || url.chars().count() > MAX_URL_CHARS || url.contains(char::is_whitespace) {
                return Err(ChatError::invalid("content.url", "must be an http(s) URL of at most 1000 characters"));
            }
            Ok(Stored { kind: "image", body: url.to_string(), card: None })
        }
        NewContent::Product { product_id } => {
            Ok(Stored { kind: "product", body: String::new(), card: Some(product_card(conn, product_id, shop_id)?) })
        }
        NewContent::Order { order_id } => Ok(Stored {
            kind: "order",
            body: String::new(),
            card: Some(order_card(conn, order_id, buyer_id, shop_id)?),
        }),
    }
}

/// Trimmed, non-empty, within the limit, sensitive words masked.
pub(crate) fn checked_text(field: &'static str, raw: &str, sensitive_words: &[String]) -> Result<String, ChatError> {
    let text = bazaar_core::user_text(raw, 1, MAX_TEXT_CHARS, true)
        .map_err(|err| ChatError::invalid(field, err.to_string()))?;
    Ok(mask(&text, sensitive_words))
}

fn product_card(conn: &mut DbConn, product_id: ProductId, shop_id: ShopId) -> Result<serde_json::Value, ChatError> {
    let summary = bazaar_catalog::product_summary(conn, product_id)?;
    let Some(product) = summary.filter(|product| product.shop_id == shop_id && product.on_sale) else {
        return Err(ChatError::invalid("content.product_id", "no product of this shop on sale has that id"));
    };
    Ok(json!({ "product_id": product_id, "title": product.title, "image": product.image, "price": product.price_min }))
}

/// An order card. Built on behalf of either side, so it proves the order is between this
/// conversation's buyer and shop rather than trusting the sender.
pub(crate) fn order_card(
    conn: &mut DbConn,
    order_id: OrderId,
    buyer_id: UserId,
    shop_id: ShopId,
) -> Result<serde_json::Value, ChatError> {
    let summary = bazaar_checkout::order_summary(conn, order_id)?;
    let Some(order) = summary.filter(|order| order.buyer_id == buyer_id && order.shop_id == shop_id) else {
        return Err(ChatError::invalid("content.order_id", "no order between this buyer and shop has that id"));
    };
    Ok(json!({
        "order_id": order_id,
        "status": order.status,
        "total": order.total,
        "items": order.titles.len(),
        "title": order.titles.first().cloned().unwrap_or_default(),
    }))
}

/// Replaces every occurrence of a sensitive word (ASCII case ignored) with one `*` per character.
pub fn mask(text: &str, words: &[String]) -> String {
    let bytes = text.as_bytes();
    let mut hidden = vec![false; bytes.len()];
    for word in words.iter().map(|w| w.as_bytes()).filter(|w| !w.is_empty() && w.len() <= bytes.len()) {
        for start in 0..=bytes.len() - word.len() {
            if text.is_char_boundary(start) && bytes[start..start + word.len()].eq_ignore_ascii_case(word) {
                hidden[start..start + word.len()].iter_mut().for_each(|h| *h = true);
            }
        }
    }
    if !hidden.contains(&true) {
        return text.to_string();
    }
    text.char_indices().map(|(at, ch)| if hidden[at] { '*' } else { ch }).collect()
}

#[cfg(test)]
mod tests {
    use super::mask;

    #[test]
    fn masks_every_occurrence_character_by_character() {
        let words = vec!["微信".to_string(), "qq".to_string()];
        assert_eq!(mask("加我微信或QQ，微信号123", &words), "加我**或**，**号123");
        assert_eq!(mask("nothing here", &words), "nothing here");
    }

    #[test]
    fn overlapping_words_are_both_masked() {
        let words = vec!["ab".to_string(), "bc".to_string()];
        assert_eq!(mask("xabcx", &words), "x***x");
    }
}

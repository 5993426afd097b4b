//! Chat pages: the visitor's conversations (as a buyer and for the shops they work for), one
//! conversation, sending by form (so chat works with JavaScript off), and "chat with the seller"
//! from a product or shop page. Live updates come over the chat WebSocket, which accepts the
//! same session cookie (`session_of_same_origin`).

use super::browse::chrome;
use super::visitor::{State, Visitor, random_token};
use super::{failure, page, see_other, signed_in_form, to_sign_in};
use crate::error::ApiError;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use bazaar_chat::{ConversationKey, HistoryQuery, NewContent, SendMessage, StartConversation};
use bazaar_core::ids::{ConversationId, ProductId, ShopId};
use bazaar_core::{Cursor, PageLimit};
use bazaar_identity::Principal;
use bazaar_storefront::render;
use bazaar_storefront::views::{ChatPage, ConversationsPage};

/// Messages a conversation page shows at once; older ones are a link away.
const PAGE_MESSAGES: u32 = 30;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/m/chat", web::get().to(conversations))
        .route("/m/chat/start", web::post().to(start))
        .route("/m/chat/{id}", web::get().to(conversation))
        .route("/m/chat/{id}", web::post().to(send))
        // The console's inbox is the same list: it holds the conversations of every shop one
        // works for, each marked with the shop.
        .route("/seller/chat", web::get().to(|| async { see_other("/m/chat") }));
}

#[derive(serde::Deserialize)]
struct ListQuery {
    cursor: Option<String>,
}

async fn conversations(req: HttpRequest, state: State, query: web::Query<ListQuery>) -> HttpResponse {
    let visitor = Visitor::of(&req, &state).await;
    let Some(principal) = visitor.principal.clone() else { return to_sign_in(visitor, "/m/chat") };
    // A cursor that does not decode (an edited link) starts from the top rather than failing.
    let after = query.cursor.as_deref().and_then(|raw| Cursor::decode::<ConversationKey>(raw).ok());
    match state.chat.conversations(&principal, after, PageLimit::default()).await {
        Ok(list) => {
            let view = ConversationsPage::new(chrome(&visitor, &state).await, &list);
            page(visitor, StatusCode::OK, render(&view))
        }
        Err(err) => failure(visitor, err.into()),
    }
}

#[derive(serde::Deserialize)]
struct ConversationQuery {
    before: Option<i64>,
}

async fn conversation(
    req: HttpRequest,
    state: State,
    id: web::Path<i64>,
    query: web::Query<ConversationQuery>,
) -> HttpResponse {
    let visitor = Visitor::of(&req, &state).await;
    let id = ConversationId::from(id.into_inner());
    let back = format!("/m/chat/{}", id.0);
    let Some(principal) = visitor.principal.clone() else { return to_sign_in(visitor, &back) };
    conversation_page(visitor, &state, &principal, id, query.before, StatusCode::OK, None).await
}

/// The conversation with its latest messages (or those before `before`), marked read on the way
/// when showing the latest, and a refused message's `draft` and reason when there is one.
async fn conversation_page(
    visitor: Visitor,
    state: &State,
    principal: &Principal,
    id: ConversationId,
    before: Option<i64>,
    status: StatusCode,
    refused: Option<(String, String)>,
) -> HttpResponse {
    let loaded = async {
        let query = HistoryQuery { before_seq: before, since_seq: None, limit: Some(PAGE_MESSAGES) };
        let history = state.chat.history(principal, id, query).await?;
        if before.is_none()
            && let Some(last) = history.items.last()
        {
            state.chat.read(principal, id, last.seq, None).await?;
        }
        // Read after marking, so the page's own badge already counts this conversation as read.
        let conversation = state.chat.conversation(principal, id).await?;
        Ok::<_, ApiError>((conversation, history))
    };
    match loaded.await {
        Ok((conversation, history)) => {
            let earlier = history.items.first().map(|message| message.seq).filter(|_| history.has_more);
            let chrome = chrome(&visitor, state).await;
            let mut view = ChatPage::new(chrome, &conversation, &history.items, earlier, random_token());
            if let Some((draft, error)) = refused {
                view.draft = draft;
                view.error = Some(error);
            }
            page(visitor, status, render(&view))
        }
        Err(err) => failure(visitor, err),
    }
}

#[derive(serde::Deserialize)]
struct SendForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    client_msg_id: String,
    #[serde(default)]
    text: String,
}

async fn send(req: HttpRequest, state: State, id: web::Path<i64>, form: web::Form<SendForm>) -> HttpResponse {
    let id = ConversationId::from(id.into_inner());
    let back = format!("/m/chat/{}", id.0);
    let (visitor, principal) = match signed_in_form(&req, &state, &form.csrf, &back).await {
        Ok(found) => found,
        Err(answer) => return answer,
    };
    let form = form.into_inner();
    let message =
        SendMessage { client_msg_id: form.client_msg_id, content: NewContent::Text { text: form.text.clone() } };
    match state.chat.send(&principal, id, message, None).await {
        Ok(_) => visitor.finish(see_other(&back)),
        Err(err) => {
            let err = ApiError::from(err);
            if err.status().is_server_error() || err.status() == StatusCode::NOT_FOUND {
                return failure(visitor, err);
            }
            let refused = Some((form.text, err.problem().detail.clone()));
            conversation_page(visitor, &state, &principal, id, None, err.status(), refused).await
        }
    }
}

#[derive(serde::Deserialize)]
struct StartForm {
    #[serde(default)]
    csrf: String,
    shop_id: i64,
    product_id: Option<i64>,
}

/// "Chat with the seller": opens (or reopens) the conversation with the shop, with a card of the
/// product the shopper was looking at, and goes to it.
async fn start(req: HttpRequest, state: State, form: web::Form<StartForm>) -> HttpResponse {
    let back = match form.product_id {
        Some(product) => format!("/m/products/{product}"),
        None => format!("/m/shops/{}", form.shop_id),
    };
    let (visitor, principal) = match signed_in_form(&req, &state, &form.csrf, &back).await {
        Ok(found) => found,
        Err(answer) => return answer,
    };
    let request = StartConversation {
        shop_id: ShopId::from(form.shop_id),
        product_id: form.product_id.map(ProductId::from),
        order_id: None,
        // One card per product per day, however often the button is tapped.
        client_msg_id: form
            .product_id
            .map(|product| format!("h5-product-{product}-{}", chrono::Utc::now().format("%Y%m%d"))),
    };
    match state.chat.start(&principal, request).await {
        Ok((conversation, _)) => visitor.finish(see_other(&format!("/m/chat/{}", conversation.id.0))),
        Err(err) => failure(visitor, err.into()),
    }
}

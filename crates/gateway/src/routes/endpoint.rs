//! Each endpoint is declared once: its `#[utoipa::path(method, path = …)]` names the method and
//! the path, and its route file lists the handler once with [`endpoints!`]. The same list both
//! serves ([`Router`]) and documents ([`Document`]), so the two cannot drift apart. Route files
//! see only [`Endpoints`], never actix's `ServiceConfig`: a route they could serve without a
//! document does not compile.

use actix_web::dev::Handler;
use actix_web::{FromRequest, Responder, guard, http::Method, web};
use utoipa::openapi::path::{HttpMethod, Paths};
use utoipa::openapi::{RefOr, schema::Schema};

/// What a route file registers its endpoints with.
pub trait Endpoints {
    /// Serves or documents `handler` at the path and methods its `#[utoipa::path]` (`Doc`) names.
    fn add<Doc, H, Args>(&mut self, handler: H)
    where
        Doc: utoipa::Path + utoipa::__dev::SchemaReferences + utoipa::__dev::Tags<'static>,
        H: Handler<Args>,
        Args: FromRequest + 'static,
        H::Output: Responder + 'static;
}

/// `endpoints!(api; place, list)`: adds each handler with the `#[utoipa::path]` declared on it
/// (utoipa names that declaration `__path_<handler>`).
#[macro_export]
macro_rules! endpoints {
    ($api:expr; $($handler:ident),+ $(,)?) => {
        $crate::__paste! { $( $api.add::<[<__path_ $handler>], _, _>($handler); )+ }
    };
}

/// Serves endpoints: one actix resource per method, guarded by it, so a path served under several
/// methods by different handlers falls through to the next resource, and a method no handler
/// takes reaches the app's default service (405 with `Allow`).
pub struct Router<'a>(pub &'a mut web::ServiceConfig);

impl Endpoints for Router<'_> {
    fn add<Doc, H, Args>(&mut self, handler: H)
    where
        Doc: utoipa::Path + utoipa::__dev::SchemaReferences + utoipa::__dev::Tags<'static>,
        H: Handler<Args>,
        Args: FromRequest + 'static,
        H::Output: Responder + 'static,
    {
        let path = Doc::path();
        for method in Doc::methods() {
            let resource = web::resource(path.as_str()).guard(guard::Method(actix_method(&method))).to(handler.clone());
            self.0.service(resource);
        }
    }
}

fn actix_method(method: &HttpMethod) -> Method {
    match method {
        HttpMethod::Get => Method::GET,
        HttpMethod::Post => Method::POST,
        HttpMethod::Put => Method::PUT,
        HttpMethod::Delete => Method::DELETE,
        HttpMethod::Options => Method::OPTIONS,
        HttpMethod::Head => Method::HEAD,
        HttpMethod::Patch => Method::PATCH,
        HttpMethod::Trace => Method::TRACE,
    }
}

/// Documents endpoints: their operations and every schema they refer to.
#[derive(Default)]
pub struct Document {
    pub paths: Paths,
    pub schemas: Vec<(String, RefOr<Schema>)>,
}

impl Endpoints for Document {
    fn add<Doc, H, Args>(&mut self, _handler: H)
    where
        Doc: utoipa::Path + utoipa::__dev::SchemaReferences + utoipa::__dev::Tags<'static>,
        H: Handler<Args>,
        Args: FromRequest + 'static,
        H::Output: Responder + 'static,
    {
        let mut operation = Doc::operation();
        // The `tag = …` of the declaration (utoipa keeps it apart from the operation).
        let tags = Doc::tags();
        if !tags.is_empty() {
            operation.tags.get_or_insert_with(Vec::new).extend(tags.into_iter().map(str::to_string));
        }
        self.paths.add_path_operation(Doc::path(), Doc::methods(), operation);
        Doc::schemas(&mut self.schemas);
    }
}
